"""Files named one by one (what a pre-commit hook passes): a staged parameter file, a Bicep
module caller or an ARM linked-template caller brings in the templates it deploys."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixer.cli import app

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def copy_case(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(GOLDEN / case / "input", repo)
    monkeypatch.chdir(repo)
    return repo


def test_a_bicep_module_caller_given_alone_brings_its_module(tmp_path, monkeypatch):
    copy_case("bicep_module_caller_sku", tmp_path, monkeypatch)
    result = invoke("--dry-run", "main.bicep")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "modules/acr.bicep:13: registry 'contosoapps': would fix" in result.stdout
    assert "+++ b/modules/acr.bicep" in result.stdout and "+++ b/main.bicep" in result.stdout


def test_an_arm_linked_template_caller_given_alone_brings_the_linked_template(tmp_path, monkeypatch):
    copy_case("arm_linked_template_callers", tmp_path, monkeypatch)
    result = invoke("--dry-run", "azuredeploy.json")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "nested/acr.json:13: registry 'contosoacr': would fix" in result.stdout


def test_a_bicepparam_brings_its_template_and_the_modules_it_calls(tmp_path, monkeypatch):
    repo = copy_case("bicep_module_caller_sku", tmp_path, monkeypatch)
    (repo / "main.bicepparam").write_text("using './main.bicep'\n")
    result = invoke("--dry-run", "main.bicepparam")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "modules/acr.bicep:13: registry 'contosoapps': would fix" in result.stdout


def test_a_caller_of_a_closed_module_passes(tmp_path, monkeypatch):
    copy_case("bicep_module_caller_sku", tmp_path, monkeypatch)
    assert invoke("--write", ".").exit_code == 0
    result = invoke("--dry-run", "main.bicep")
    assert result.exit_code == 0, result.stdout
    assert "1 registry" in result.stdout


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo_fails_when_only_a_module_caller_is_staged(tmp_path):
    """The real hook (.pre-commit-hooks.yaml, installed by pre-commit from this checkout) on a
    repository where only main.bicep, which deploys an open registry through a module, is staged."""
    repo = tmp_path / "infra-repo"
    shutil.copytree(GOLDEN / "bicep_module_caller_sku" / "input", repo)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "init")
    with open(repo / "main.bicep", "a", encoding="utf-8") as handle:
        handle.write("// a reviewed change\n")
    _git(repo, "add", "main.bicep")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    hook = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "acr-fix"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=900)
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert "Failed" in hook.stdout
    assert "modules/acr.bicep:13: registry 'contosoapps': would fix" in hook.stdout
