"""The pull request body and commit message on the bundled samples: everything the text
report asks a reader to know reaches the body, within GitHub's limits."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from fixer.bot.body import MAX_BODY, MAX_SUBJECT, body, commit_message, title
from fixer.options import Options
from fixer.report import render_text
from fixer.run import run

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("samples") / "samples"
    shutil.copytree(SAMPLES, root)
    return run([root], Options(), root=root)


def squash(text: str) -> str:
    return " ".join(text.split())


def test_every_note_warning_and_manual_step_of_the_text_report_reaches_the_body(result) -> None:
    text = render_text(result)
    text_body = squash(body(result))
    said = [m.group(2) for m in re.finditer(r"^\s*(note|manual|why): (.*)$", text, re.M)]
    assert len(said) > 10 and any("for` loop" in s for s in said) and any("still allows" in s for s in said)
    for line in said:
        for part in line.split("; "):       # the body joins a change's reasons with "; " too
            assert squash(part) in text_body, part
    for warning in result.warnings:
        assert squash(warning) in text_body


def test_body_and_commit_fit_githubs_limits(result) -> None:
    assert len(body(result)) <= MAX_BODY
    message = commit_message(result)
    subject = message.split("\n", 1)[0]
    assert len(subject) <= MAX_SUBJECT and message.split("\n")[1] == ""
    assert len(title(result)) <= 256


@pytest.mark.parametrize("share", [0.1, 0.3, 0.6, 0.9])
def test_a_smaller_limit_is_kept_and_says_what_is_left_out(result, share: float) -> None:
    limit = int(len(body(result)) * share)
    text = body(result, max_length=limit)
    assert len(text) <= limit
    if "Left out to keep this text within GitHub's size limit" in text:
        assert "acr-fix --dry-run" in text
    else:   # everything fits once the reasons are given once and cited by number
        assert "### Why these changes" in text
        assert text.count("```diff") == sum(1 for f in result.files if f.diff)


def test_reasons_are_cited_by_number_only_when_that_fits_more(result) -> None:
    full = body(result)
    assert "### Why these changes" not in full           # it fits: reasons stay in the table
    cited = body(result, max_length=int(len(full) * 0.8))
    assert "### Why these changes" in cited
    legend = dict(re.findall(r"^(\d+)\. (.*)$", cited[cited.index("### Why these changes"):], re.M))
    cells = re.findall(r"\| ((?:\(\d+\)(?:, )?)+) \|", cited)
    assert cells and all(n in legend for cell in cells for n in re.findall(r"\((\d+)\)", cell))
    for why in legend.values():
        assert why in squash(full)                        # the same sentences as the full table's


def test_a_long_scope_is_shortened_in_the_subject_only(result) -> None:
    scope = "the files owned by @contoso/" + "platform-team-" * 8
    message = commit_message(result, scope)
    assert len(message.split("\n", 1)[0]) <= MAX_SUBJECT and message.split("\n", 1)[0].endswith("…")
    assert title(result, scope).endswith(f"in {scope} (Azure.ACR.Firewall)")
    assert f"This pull request covers {scope}" in body(result, scope)


def test_a_very_long_scope_keeps_the_title_within_githubs_limit(result) -> None:
    scope = "the files owned by " + " ".join(f"@contoso/team-{i}" for i in range(40))
    text = title(result, scope)
    assert len(text) == 256 and text.endswith("… (Azure.ACR.Firewall)")


def test_an_unsafe_fix_note_reaches_the_body(tmp_path: Path) -> None:
    import json

    (tmp_path / "main.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": {"tier": {"type": "string", "defaultValue": "Standard"}},
        "resources": [
            {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "sharedacr",
             "location": "westus", "sku": {"name": "[parameters('tier')]"}, "properties": {}},
            {"type": "Microsoft.ServiceBus/namespaces", "apiVersion": "2022-10-01-preview", "name": "bus",
             "location": "westus", "sku": {"name": "[parameters('tier')]"}}]}, indent=2))
    result = run([tmp_path], Options(unsafe_fixes=True), root=tmp_path)
    [note] = [n for _, p in result.plans for n in p.notes if "--unsafe-fixes" in n]
    text = body(result)
    assert squash(note) in squash(text)
    [row] = [line for line in text.splitlines() if line.startswith("| `sharedacr` |")]
    assert "| **unsafe** (--unsafe-fixes): set sku.name" in row
