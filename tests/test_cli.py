"""The CLI contract: flags, exit codes, output streams, config precedence, commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixer.cli import app, main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
OPEN_REGISTRY = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "webimages",
      "location": "westus",
      "sku": { "name": "Premium" },
      "properties": {}
    }
  ]
}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "acr.json").write_text(OPEN_REGISTRY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_exactly_one_mode_is_required(repo):
    assert invoke(".").exit_code == 2
    assert invoke("--dry-run", "--write", ".").exit_code == 2


def test_bad_flag_values_are_usage_errors(repo):
    result = invoke("--dry-run", "--strategy", "nope", ".")
    assert result.exit_code == 2 and "strategy" in result.stderr
    result = invoke("--dry-run", "--ip-rule", "2001:db8::/32", ".")
    assert result.exit_code == 2 and "IPv4" in result.stderr
    assert invoke("--dry-run", "--format", "xml", ".").exit_code == 2


def test_dry_run_then_write_then_clean(repo):
    before = (repo / "infra" / "acr.json").read_bytes()
    dry = invoke("--dry-run", ".")
    assert dry.exit_code == 1
    assert "--- a/infra/acr.json" in dry.stdout and "infra/acr.json:5: registry 'webimages'" in dry.stdout
    assert (repo / "infra" / "acr.json").read_bytes() == before
    write = invoke("--write", ".")
    assert write.exit_code == 0
    assert invoke("--dry-run", ".").exit_code == 0


def test_default_path_is_current_directory(repo):
    assert invoke("--dry-run").exit_code == 1


def test_json_report_shape(repo):
    result = invoke("--dry-run", "--format", "json", ".")
    data = json.loads(result.stdout)
    assert data["version"] == 1 and data["mode"] == "dry-run" and data["exit_code"] == 1
    (file_entry,) = data["files"]
    assert file_entry["path"] == "infra/acr.json" and file_entry["status"] == "would-fix"
    (registry,) = file_entry["registries"]
    assert registry["name"] == "webimages" and registry["status"] == "fix" and registry["strategy"] == "deny"
    edit = registry["changes"][0]["edits"][0]
    assert set(edit) == {"start", "end", "text"}


def test_output_file_and_quiet(repo):
    result = invoke("--dry-run", "--quiet", "--format", "sarif", "--output", "out.sarif", ".")
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((repo / "out.sarif").read_text())["version"] == "2.1.0"
    quiet = invoke("--dry-run", "--quiet", ".")
    assert "--- a/" not in quiet.stdout and "registry 'webimages'" in quiet.stdout


def test_config_file_is_used_and_flags_win(repo):
    (repo / "acr-fix.yaml").write_text("strategy: disable\nip_rules: [203.0.113.9]\n")
    data = json.loads(invoke("--dry-run", "--format", "json", ".").stdout)
    assert data["files"][0]["registries"][0]["strategy"] == "disable"
    data = json.loads(invoke("--dry-run", "--format", "json", "--strategy", "deny", ".").stdout)
    registry = data["files"][0]["registries"][0]
    assert registry["strategy"] == "deny"
    assert "203.0.113.9" in data["files"][0]["diff"]


def test_bad_config_is_exit_2_with_file_and_line(repo):
    (repo / "acr-fix.yaml").write_text("strategy: deny\ncolour: blue\n")
    result = invoke("--dry-run", ".")
    assert result.exit_code == 2 and "acr-fix.yaml:2" in result.stderr


def test_psrule_suppression_is_respected(repo):
    (repo / "ps-rule.yaml").write_text("suppression:\n  Azure.ACR.Firewall:\n    - webimages  # public images\n")
    result = invoke("--dry-run", ".")
    assert result.exit_code == 0 and "suppressed" in result.stdout
    before = (repo / "infra" / "acr.json").read_bytes()
    assert invoke("--write", ".").exit_code == 0
    assert (repo / "infra" / "acr.json").read_bytes() == before


def test_inline_ignore_marker(repo):
    text = OPEN_REGISTRY.replace('"name": "webimages",', '"name": "webimages", // acr-fix: ignore public base images')
    (repo / "infra" / "acr.json").write_text(text)
    result = invoke("--dry-run", ".")
    assert result.exit_code == 0 and "public base images" in result.stdout


def test_init_and_suppress_commands(repo, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["init"])
    assert exc.value.code == 0 and (repo / "acr-fix.yaml").exists()
    with pytest.raises(SystemExit) as exc:
        main(["init"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["suppress", "webimages", "--reason", "serves public images"])
    assert exc.value.code == 0
    assert "webimages" in (repo / "ps-rule.yaml").read_text()
    assert invoke("--dry-run", ".").exit_code == 0


def test_bad_file_does_not_stop_the_run(repo):
    (repo / "infra" / "broken.json").write_text('{"type": "Microsoft.ContainerRegistry/registries", ')
    result = invoke("--write", ".")
    assert result.exit_code == 2
    assert "infra/broken.json:1: invalid JSON" in result.stderr
    assert (repo / "infra" / "broken.json").read_text() == '{"type": "Microsoft.ContainerRegistry/registries", '
    assert invoke("--dry-run", "infra/acr.json").exit_code == 0


def test_samples_preview_and_fix(tmp_path, monkeypatch):
    shutil.copytree(SAMPLES, tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    assert invoke("--dry-run", "samples").exit_code == 1
    assert invoke("--write", "samples").exit_code == 0
    assert invoke("--dry-run", "samples").exit_code == 0


GOLDEN = Path(__file__).resolve().parent / "golden"


def test_a_parameter_file_given_alone_brings_its_template(tmp_path, monkeypatch):
    shutil.copytree(GOLDEN / "arm_parameter_file" / "input", tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    result = invoke("--dry-run", "main.parameters.json")  # what a pre-commit hook passes
    assert result.exit_code == 1
    assert "main.json:13: registry 'teamregistry01'" in result.stdout
    assert "+++ b/main.parameters.json" in result.stdout


def test_a_module_given_alone_finds_its_caller(tmp_path, monkeypatch):
    shutil.copytree(GOLDEN / "bicep_module_caller_sku" / "input", tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    result = invoke("--write", "modules/acr.bicep")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "[main.bicep:" in result.stdout  # the SKU is fixed where the caller sets it
    assert invoke("--dry-run", ".").exit_code == 0


def test_exclude_globs_follow_gitignore_rules(repo):
    (repo / "infra" / "legacy").mkdir()
    (repo / "infra" / "legacy" / "old.json").write_text(OPEN_REGISTRY)
    (repo / "other.bicep").write_text("resource r 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n"
                                      "  name: 'x'\n  sku: {\n    name: 'Premium'\n  }\n}\n")
    names = lambda *args: sorted(f["path"] for f in json.loads(invoke("--dry-run", "--format", "json", *args, ".").stdout)["files"])
    assert names() == ["infra/acr.json", "infra/legacy/old.json", "other.bicep"]
    assert names("--exclude", "legacy") == ["infra/acr.json", "other.bicep"]          # a name at any depth
    assert names("--exclude", "infra/*.json") == ["infra/legacy/old.json", "other.bicep"]  # anchored, one level
    assert names("--exclude", "*.bicep") == ["infra/acr.json", "infra/legacy/old.json"]


def test_the_fix_flags_are_the_same_in_the_check_and_pr_commands():
    """`acr-fix pr` computes what `--write` would: every flag that chooses the fixes has the
    same name, default and arity in both commands (fixer/fix_flags.py declares them once)."""
    import typer.main

    from fixer.bot.cli import register

    pr_app = typer.Typer()
    register(pr_app)

    def options(command) -> dict[str, tuple]:
        return {p.opts[0]: (p.default, p.multiple, p.is_flag, p.nargs) for p in command.params
                if p.opts[0].startswith("--")}

    check, pr = options(typer.main.get_command(app)), options(typer.main.get_command(pr_app))
    shared = ["--strategy", "--ip-rule", "--no-trusted-services", "--no-sku-upgrade", "--premium-only",
              "--exclude", "--extend-exclude", "--config", "--max-file-size"]
    assert {name: check[name] for name in shared} == {name: pr[name] for name in shared}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_summary_counts_parameter_files_linked_by_metadata_as_parameter_files(tmp_path, monkeypatch, jobs):
    (tmp_path / "main.json").write_text(OPEN_REGISTRY)
    # no deploymentParameters schema: the metadata link alone says what it is
    (tmp_path / "staging.json").write_text('{"metadata": {"template": "./main.json"}, '
                                           '"parameters": {"acrSku": {"value": "Premium"}}}')
    # a parameter file that names the registry type is parsed, and is still a parameter file
    (tmp_path / "prod.json").write_text(
        '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", '
        '"parameters": {"kind": {"value": "Microsoft.ContainerRegistry/registries"}}}')
    (tmp_path / "other.json").write_text('{"resources": [], "metadata": {"template": "x"}}')  # has resources
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--dry-run", "--no-color", "-j", jobs, "--format", "json", "."])
    summary = json.loads(result.stdout)["summary"]
    assert summary["files_scanned"] == 2  # main.json and other.json


def test_a_parameter_file_linked_by_metadata_given_alone_brings_its_template(tmp_path, monkeypatch):
    shutil.copytree(GOLDEN / "arm_metadata_template_link" / "input", tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    result = invoke("--dry-run", "staging.json")  # what a pre-commit hook passes
    assert result.exit_code == 1
    assert "azuredeploy.json:9: registry 'acrrepro'" in result.stdout
    assert "+++ b/staging.json" in result.stdout
    assert "1 template file(s)" in result.stdout
