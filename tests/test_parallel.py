"""The parallel path (worker processes) gives exactly the serial path's results, on the golden
inputs and on the corpus of real templates, and writes the same bytes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixer.options import Options
from fixer.report import render_json
from fixer.parallel import choose_jobs
from fixer.run import run, write_fixes
from conftest import CORPUS

GOLDEN = Path(__file__).parent / "golden"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _copy_inputs(target: Path) -> Path:
    for case in sorted(GOLDEN.iterdir()):
        if (case / "input").is_dir():
            shutil.copytree(case / "input", target / case.name)
    return target


@pytest.mark.skipif(choose_jobs(2, 10_000) < 2, reason="no fork on this platform")
def test_parallel_equals_serial_on_goldens(tmp_path):
    serial_root = _copy_inputs(tmp_path / "serial")
    parallel_root = _copy_inputs(tmp_path / "parallel")
    serial = run([serial_root], Options(jobs=1), root=serial_root)
    parallel = run([parallel_root], Options(jobs=2), root=parallel_root)
    assert render_json(parallel, "dry-run") == render_json(serial, "dry-run")
    write_fixes(serial)
    write_fixes(parallel)
    assert _tree(parallel_root) == _tree(serial_root)
    assert parallel.exit_code() == serial.exit_code()


@pytest.mark.skipif(not CORPUS.is_dir() or choose_jobs(2, 10_000) < 2, reason="corpus or fork unavailable")
def test_parallel_equals_serial_on_corpus():
    serial = run([CORPUS], Options(jobs=1), root=CORPUS)
    parallel = run([CORPUS], Options(jobs=2), root=CORPUS)
    assert render_json(parallel, "dry-run") == render_json(serial, "dry-run")


def test_small_runs_stay_serial():
    assert choose_jobs(0, 10) == 1
    assert choose_jobs(1, 100_000) == 1


def test_chunks_end_where_a_folder_ends_and_stay_bounded():
    from fixer.parallel import MAX_CHUNK, _chunks

    paths = [Path(f"repo/app{i // 7:04d}/t{i % 7}.json") for i in range(7 * 400)]
    chunks = _chunks(paths, jobs=2)
    assert [p for chunk in chunks for p in chunk] == paths
    folders = [{p.parent for p in chunk} for chunk in chunks]
    for before, after in zip(folders, folders[1:]):
        assert not before & after  # no folder is split between two chunks
    assert max(len(chunk) for chunk in chunks) < MAX_CHUNK + 7
    assert len(chunks) > 8  # big repositories get many small chunks, not jobs*4 huge ones
