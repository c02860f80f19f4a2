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
    monkeypatch.setattr(pipeline, "_might_hold_registry", lambda raw, bicep=True: True)
    monkeypatch.setattr(pipeline, "_mentions_registry", lambda lowered, bicep=True: True)
    original = jsonc.scan_with_values
    monkeypatch.setattr(jsonc, "scan_with_values", lambda text, lazy=True: original(text, lazy=False))
    import fixer.formats.arm as arm
    monkeypatch.setattr(arm.syntax, "scan_with_values", lambda text, lazy=True: original(text, lazy=False))


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


@pytest.mark.parametrize("tree", ["goldens", "corpus"])
def test_incremental_reparse_gives_the_tree_of_a_full_parse(tree, tmp_path, monkeypatch):
    """The writer re-parses an edited Bicep file from its previous tree; that tree must be
    the one a parse from scratch gives, for every fix planned on real inputs."""
    import fixer.formats.bicep as bicep

    root = CORPUS if tree == "corpus" else _inputs(tmp_path)
    if not root.is_dir():
        pytest.skip("corpus not available")
    compared = []
    original = bicep.syntax._reparse

    def checked(previous, text, edits):
        reparsed = original(previous, text, edits)
        full = bicep.grammar._parser().parse(text.encode("utf-8"))
        if reparsed is not None:
            assert str(reparsed.root_node) == str(full.root_node)
            compared.append(text)
        else:
            assert full.root_node.has_error
        return reparsed

    monkeypatch.setattr(bicep.syntax, "_reparse", checked)
    _report(root)
    assert compared, "no Bicep fix was re-parsed incrementally"


def test_incremental_reparse_sees_a_broken_edit(tmp_path):
    import fixer.formats.bicep as bicep
    from fixer.edits import Edit
    from fixer.source import read_source

    path = tmp_path / "main.bicep"
    path.write_text("resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n"
                    "  name: 'acr'\n  location: 'westeurope'\n  sku: {\n    name: 'Basic'\n  }\n}\n")
    doc = bicep.parse(read_source(path, 1 << 20))
    text = doc.source.text
    at = text.index("'Basic'")
    broken = Edit(at, at + len("'Basic'"), "'Premium")  # unterminated string
    new_text = text[:at] + broken.text + text[broken.end:]
    assert bicep.syntax._reparse(bicep.nodes._syntax_of(doc), new_text, [broken]) is None
    fixed = Edit(at, at + len("'Basic'"), "'Premium'")
    good = bicep.syntax._reparse(bicep.nodes._syntax_of(doc), text[:at] + "'Premium'" + text[fixed.end:], [fixed])
    assert good is not None and "Premium" in good.root_node.text.decode()
