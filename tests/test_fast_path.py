"""The fast paths change nothing but speed: with the byte-level pre-filter switched off (every
file parsed) and with eager JSON parsing (no lazily skipped subtrees), the results on the
golden inputs and on the corpus of real templates are exactly the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import fixer.formats.jsonc as jsonc
import fixer.run as pipeline
from fixer.options import Options
from fixer.report import render_json
from conftest import CORPUS

GOLDEN = Path(__file__).parent / "golden"


def _inputs(tmp_path: Path) -> Path:
    target = tmp_path / "goldens"
    for case in sorted(GOLDEN.iterdir()):
        if (case / "input").is_dir():
            shutil.copytree(case / "input", target / case.name)
    return target


def _report(root: Path) -> str:
    return render_json(pipeline.run([root], Options(jobs=1), root=root), "dry-run")


def _careful(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "_might_hold_registry", lambda raw: True)
    monkeypatch.setattr(pipeline, "_mentions_registry", lambda lowered: True)
    original = jsonc.scan_with_values
    monkeypatch.setattr(jsonc, "scan_with_values", lambda text, lazy=True: original(text, lazy=False))
    import fixer.formats.arm as arm
    monkeypatch.setattr(arm, "scan_with_values", lambda text, lazy=True: original(text, lazy=False))


@pytest.mark.parametrize("tree", ["goldens", "corpus"])
def test_careful_path_gives_the_same_results(tree, tmp_path, monkeypatch):
    if tree == "corpus":
        if not CORPUS.is_dir():
            pytest.skip("corpus not available")
        root = CORPUS
    else:
        root = _inputs(tmp_path)
    fast = _report(root)
    _careful(monkeypatch)
    careful = _report(root)
    assert careful == fast
