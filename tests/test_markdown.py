"""Markdown report (the PR body): golden file, escaping, size cap."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from fixer.markdown import COST_NOTE, render_markdown
from fixer.options import Options
from fixer.run import run
from fixer.suppressions import load_suppressions

HERE = Path(__file__).parent
REPO = HERE / "report_cases" / "repo"
GOLDEN = HERE / "report_cases" / "expected.md"


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO, root)
    return root


def analyse(root: Path):
    return run([root], Options(), root=root, suppressor=load_suppressions(root).suppressor())


def test_markdown_golden(repo: Path) -> None:
    text = render_markdown(analyse(repo))
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == GOLDEN.read_bytes()


def test_markdown_content(repo: Path) -> None:
    text = render_markdown(analyse(repo))
    # one file: its details are unfolded
    assert "<details open><summary><code>infra/main.json</code>: 1 to fix, 1 manual, 1 suppressed</summary>" in text
    assert "| `infra/main.json` | 1 | 1 | 1 |" in text
    assert "| Registry | Line | Problem | Fix | Why | Cost |" in text
    row = next(line for line in text.splitlines() if line.startswith("| `buildacr`"))
    assert row.endswith(f"| {COST_NOTE} |") and COST_NOTE == "Premium costs more than Basic/Standard"
    assert "- `publicdist` (line 22): ps-rule.yaml suppression: serves public base images to customers" in text
    assert "- `teamacr` (line 34):" in text and "To do:" in text
    assert "privateacr" not in text
    assert text.index("| `buildacr`") < text.index("```diff\n--- a/infra/main.json")
    assert text.count("```") == 2


def test_cells_cannot_break_the_table(repo: Path) -> None:
    result = analyse(repo)
    plan = next(p for f in result.files for p in f.plans if p.registry.name == "buildacr")
    plan.problem = "a | b\nc"
    row = next(line for line in render_markdown(result).splitlines() if line.startswith("| `buildacr`"))
    assert "a \\| b c" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 7          # six cells, as in the header


def test_size_cap_drops_diffs_not_findings(repo: Path) -> None:
    result = analyse(repo)
    full = render_markdown(result)
    capped = render_markdown(result, max_length=len(full) - 10)
    assert len(capped) < len(full)
    assert "```diff" not in capped
    assert "| `buildacr`" in capped and "the diffs of 1 file(s)" in capped
    assert "acr-fix --dry-run" in capped and "--format sarif" in capped
    assert render_markdown(result, max_length=len(full)) == full


def test_notes_reach_the_report_once_per_text(repo: Path) -> None:
    result = analyse(repo)
    plan = next(p for f in result.files for p in f.plans if p.registry.name == "buildacr")
    plan.notes.append("Microsoft.Web/sites 'web' (line 3) pulls from this registry")
    result.warnings.append("ps-rule.yaml: option X is not read")
    text = render_markdown(result)
    notes = text[text.index("### Before you merge"):text.index("<details")]
    assert "- ps-rule.yaml: option X is not read\n" in notes
    assert "- `buildacr` in `infra/main.json` line 10: Microsoft.Web/sites 'web' (line 3) pulls from this registry" in notes
    assert "SKU upgraded from 'Basic' to Premium" in notes


@pytest.mark.parametrize("limit", [200, 400, 700, 1000, 1500, 2000, 2500, 3000])
def test_any_cap_is_kept_and_parts_go_in_order(repo: Path, limit: int) -> None:
    result = analyse(repo)
    text = render_markdown(result, max_length=limit)
    assert len(text) <= limit
    full = render_markdown(result)
    if len(full) <= limit:
        assert text == full
        return
    # Lower parts go first: a diff only with its file's details, details only after the notes.
    if "```diff" in text:
        assert "<details" in text
    if "<details" in text:
        assert "### Before you merge" in text
    if limit >= 1000:
        assert "Left out to keep this text within GitHub's size limit" in text
