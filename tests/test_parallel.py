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
    from fixer.parallel import MAX_CHUNK, _chunk_target, _chunks

    paths = [Path(f"repo/app{i // 7:04d}/t{i % 7}.json") for i in range(7 * 400)]
    chunks = _chunks(paths, _chunk_target(len(paths), jobs=2))
    assert [p for chunk in chunks for p in chunk] == paths
    folders = [{p.parent for p in chunk} for chunk in chunks]
    for before, after in zip(folders, folders[1:]):
        assert not before & after  # no folder is split between two chunks
    assert max(len(chunk) for chunk in chunks) < MAX_CHUNK + 7
    assert len(chunks) > 8  # big repositories get many small chunks, not jobs*4 huge ones


def _two_modules_one_caller(root: Path) -> Path:
    """app/main.bicep passes the SKU to two registry modules in other folders: each module's
    fix edits main.bicep, so with one folder per chunk two chunks change the same file."""
    (root / "app").mkdir(parents=True)
    calls = "\n".join(f"module {n} '../mods/{n}/registry.bicep' = {{\n  name: '{n}'\n  params: {{\n"
                      f"    sku: 'Basic'\n  }}\n}}\n" for n in ("one", "two"))
    (root / "app" / "main.bicep").write_text(calls)
    for n in ("one", "two"):
        (root / "mods" / n).mkdir(parents=True)
        (root / "mods" / n / "registry.bicep").write_text(
            f"param sku string\n\nresource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n"
            f"  name: 'acr{n}'\n  location: resourceGroup().location\n  sku: {{\n    name: sku\n  }}\n"
            f"  properties: {{\n    adminUserEnabled: false\n  }}\n}}\n")
    return root


@pytest.mark.parametrize("jobs", [1, 2])
def test_chunks_that_edit_one_file_are_merged_into_one_fix(tmp_path, monkeypatch, jobs):
    import fixer.parallel as parallel

    if jobs > 1 and choose_jobs(2, 10_000) < 2:
        pytest.skip("no fork on this platform")
    whole_root = _two_modules_one_caller(tmp_path / "whole")
    chunked_root = _two_modules_one_caller(tmp_path / "chunked")
    monkeypatch.setattr(parallel, "MAX_CHUNK", 10**9)  # everything in one chunk: the reference
    whole = run([whole_root], Options(jobs=1), root=whole_root)
    monkeypatch.setattr(parallel, "MAX_CHUNK", 1)  # one folder per chunk: two chunks edit main.bicep
    chunks = parallel._chunks(sorted(chunked_root.rglob("*.bicep")), parallel._chunk_target(3, jobs))
    assert len(chunks) == 3
    outcomes = []
    original = parallel.run_in_chunks
    monkeypatch.setattr(parallel, "run_in_chunks", lambda *a, **k: outcomes.append(original(*a, **k)) or outcomes[-1])
    chunked = run([chunked_root], Options(jobs=jobs), root=chunked_root)
    assert outcomes and outcomes[0] is not None  # merged chunk by chunk, not by the run-everything fallback
    assert render_json(chunked, "dry-run") == render_json(whole, "dry-run")
    caller = next(f for f in chunked.files if f.display == "app/main.bicep")
    assert caller.diff.count("+    sku: 'Premium'") == 2  # both modules' edits, merged into one new text
    write_fixes(chunked)
    write_fixes(whole)
    assert _tree(chunked_root) == _tree(whole_root)
    assert (chunked_root / "app" / "main.bicep").read_text().count("sku: 'Premium'") == 2


def test_conflicting_chunks_are_found_transitively():
    from types import SimpleNamespace

    from fixer.parallel import _conflicts

    def changed(path: str):
        return SimpleNamespace(path=Path(path), changed=True)

    unchanged = SimpleNamespace(path=Path("/r/a.json"), changed=False)
    per_chunk = [[changed("/r/a.json")], [unchanged], [changed("/r/b.json")],
                 [changed("/r/a.json"), changed("/r/c.json")], [changed("/r/c.json")], [changed("/r/b.json")]]
    assert sorted(sorted(g) for g in _conflicts(per_chunk)) == [[0, 3, 4], [2, 5]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_preview_without_new_texts_reports_the_same(tmp_path, jobs):
    """--dry-run keeps diffs, not new texts (memory of big runs); the report is unchanged,
    and such a result cannot be written by mistake."""
    if jobs > 1 and choose_jobs(2, 10_000) < 2:
        pytest.skip("no fork on this platform")
    root = _copy_inputs(tmp_path / "inputs")
    full = run([root], Options(jobs=jobs), root=root)
    preview = run([root], Options(jobs=jobs), root=root, keep_new_texts=False)
    assert render_json(preview, "dry-run") == render_json(full, "dry-run")
    assert [f.diff for f in preview.files] == [f.diff for f in full.files]
    assert [f.display for f in preview.changed_files] == [f.display for f in full.changed_files]
    assert preview.changed_files and all(f.new_text is None for f in preview.files)
    before = _tree(root)
    with pytest.raises(ValueError, match="keep_new_texts"):
        write_fixes(preview)
    assert _tree(root) == before
