"""Golden files: every folder in tests/golden/ is one case.

    tests/golden/<case>/input/...     the files before (any tree: templates, parameter files)
    tests/golden/<case>/expected/...  the whole tree after `acr-fix --write`
    tests/golden/<case>/expected.out  what `acr-fix --dry-run` prints (summary, fixes, diff)
    tests/golden/<case>/case.toml     optional: args = [...], dry_run_exit = 1, write_exit = 0,
                                      after_exit = 0 (dry run after the write)

Bytes are compared, so CRLF, BOM and final newlines count. UPDATE_GOLDEN=1 rewrites the
expected files from the current behaviour; review that diff like code.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixer.cli import app

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input").is_dir()) if GOLDEN.is_dir() else []
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _invoke(args: list[str]):
    return CliRunner().invoke(app, args, catch_exceptions=False)


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = GOLDEN / case
    config = tomllib.loads((folder / "case.toml").read_text()) if (folder / "case.toml").exists() else {}
    args = list(config.get("args", []))
    work = tmp_path / "work"
    shutil.copytree(folder / "input", work, symlinks=True)
    monkeypatch.chdir(work)
    before = _tree(work)

    dry = _invoke(["--dry-run", "--no-color", "--show-passing", *args, "."])  # expected.out lists every registry
    assert _tree(work) == before, "--dry-run must not write anything"
    assert dry.exit_code == config.get("dry_run_exit", 1), dry.output

    write = _invoke(["--write", "--no-color", *args, "."])
    assert write.exit_code == config.get("write_exit", 0), write.output
    after = _tree(work)

    again = _invoke(["--dry-run", "--no-color", *args, "."])
    assert again.exit_code == config.get("after_exit", 0), again.output
    rewrite = _invoke(["--write", "--no-color", *args, "."])
    assert _tree(work) == after, "a second --write must change nothing"
    del rewrite

    if UPDATE:
        (folder / "expected.out").write_text(dry.stdout, encoding="utf-8", newline="")
        _write_tree(folder / "expected", after)
        return
    assert dry.stdout == (folder / "expected.out").read_bytes().decode("utf-8")
    assert after == _tree(folder / "expected")
