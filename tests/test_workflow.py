"""GitHub Actions reports: annotations escaped per the workflow-command format, step
outputs, the job summary, and the CLI's --format github / --report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixer.cli import app
from fixer.options import Options
from fixer.run import run
from fixer.suppressions import load_suppressions
from fixer.workflow import (STEP_SUMMARY_LIMIT, command, escape_data, escape_property, render_github,
                            render_github_output, render_step_summary)

HERE = Path(__file__).parent
REPO = HERE / "report_cases" / "repo"


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO, root)
    return root


def analyse(root: Path):
    return run([root], Options(), root=root, suppressor=load_suppressions(root).suppressor())


def test_escaping_follows_the_workflow_command_format() -> None:
    assert escape_data("100% sure\r\nnext ::line") == "100%25 sure%0D%0Anext ::line"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    assert command("warning", "x") == "::warning::x"
    assert command("error", "m", file="a,b.json", line=3, col=None) == "::error file=a%2Cb.json,line=3::m"


def test_one_annotation_per_open_registry(repo: Path) -> None:
    lines = render_github(analyse(repo)).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::error", "::notice", "::warning"]
    count, fix, suppressed, unknown = lines
    assert count.startswith("::error title=acr-fix::2 container registries are open to the internet (1 need a manual fix)")
    assert fix.startswith("::error title=Azure.ACR.Firewall,file=infra/main.json,line=10,endLine=21::"
                          "Registry 'buildacr' is open to the internet")
    assert "%0AFix: set sku.name to 'Premium' (was 'Basic')" in fix
    assert "%0ANote: SKU upgraded from 'Basic' to Premium" in fix
    assert "Suppressed: ps-rule.yaml suppression: serves public base images" in suppressed
    assert unknown.startswith("::warning title=Azure.ACR.Firewall,file=infra/main.json,line=34,")
    # fail-on-findings: false makes them warnings
    assert render_github(analyse(repo), "warning").splitlines()[1].startswith("::warning title=Azure.ACR.Firewall,")


def test_hostile_names_cannot_break_out_of_the_annotation(tmp_path: Path) -> None:
    folder = tmp_path / "odd,dir:x"
    folder.mkdir()
    (folder / "main.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                       "name": "acr%0A::error::pwned\n::warning::x", "location": "westeurope",
                       "sku": {"name": "Premium"}}]}))
    text = render_github(run([tmp_path], Options(), root=tmp_path))
    [_count, line] = text.splitlines()
    assert line.startswith("::error title=Azure.ACR.Firewall,file=odd%2Cdir%3Ax/main.json,line=")
    assert "acr%250A::error::pwned%0A::warning::x" in line


def test_outputs_and_summary(repo: Path) -> None:
    result = analyse(repo)
    assert render_github_output(result, "out.sarif") == (
        "findings=2\nfixed=1\nmanual=1\nsuppressed=1\nfiles-changed=1\nsarif-file=out.sarif\n")
    summary = render_step_summary(result)
    assert summary.startswith("## acr-fix") and len(summary) <= STEP_SUMMARY_LIMIT


def test_cli_writes_several_reports_from_one_run(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["--dry-run", "--format", "github", "--report", "sarif=r.sarif",
                                      "--report", "github-output=out.txt", "--report", "markdown=r.md", "."])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[1].startswith("::error title=Azure.ACR.Firewall,file=infra/main.json,line=10,")
    assert json.loads((repo / "r.sarif").read_text())["version"] == "2.1.0"
    assert "sarif-file=r.sarif\n" in (repo / "out.txt").read_text()
    assert (repo / "r.md").read_text().startswith("## acr-fix")


@pytest.mark.parametrize("args, message", [
    (["--report", "sarif"], "give FORMAT=FILE"),
    (["--report", "text=x"], "FORMAT must be one of"),
    (["--annotation-level", "fatal"], "--annotation-level must be one of error, warning, notice"),
])
def test_cli_rejects_bad_report_flags(repo: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                      message: str) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["--dry-run", *args, "."])
    assert result.exit_code == 2 and message in result.output
