"""Every real public template in ../shared/corpus goes through the pipeline without a crash,
and --write on a copy leaves every fixed registry passing and every fixed file parseable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixer.options import Options
from fixer.run import run, write_fixes
from conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")


def test_dry_run_over_corpus_never_crashes() -> None:
    result = run([CORPUS], Options(), root=CORPUS)
    assert result.scanned > 50
    # Parse errors in the corpus would be real bugs in our readers: the files are valid.
    failed = [f.error for f in result.files if f.status == "failed"]
    assert failed == []
    assert len(result.plans) > 20


def test_write_over_corpus_copy_then_dry_run_is_clean(tmp_path: Path) -> None:
    tree = tmp_path / "corpus"
    shutil.copytree(CORPUS, tree)
    for path in tree.rglob("*"):  # the shared corpus is read-only; acr-fix refuses read-only files
        path.chmod(path.stat().st_mode | 0o200)
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    first = write_fixes(run([tree], Options(), root=tree))
    assert [f.error for f in first.files if f.status == "failed"] == []
    changed = {p for p in before if p.read_bytes() != before[p]}
    fixed_paths = {f.path.resolve() for f in first.files if f.status == "fixed"}
    assert {p.resolve() for p in changed} == fixed_paths
    second = run([tree], Options(), root=tree)
    assert [p.registry.name for _, p in second.plans if p.status == "fix"] == []
    assert second.exit_code() in (0, 1)
