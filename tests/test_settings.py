"""Settings found the way ruff and git find theirs: the nearest acr-fix.yaml, ps-rule.yaml and
.ps-rule/ for each file up to the repository root, --config winning; .gitignore honoured;
--exclude replaces the config's list and --extend-exclude adds to it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixer import settings as settings_module
from fixer.cli import app
from fixer.settings import Settings


def registry(name: str) -> str:
    return (f"resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{\n  name: '{name}'\n"
            "  location: 'westeurope'\n  sku: {\n    name: 'Premium'\n  }\n  properties: {}\n}\n")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def report(*args: str) -> dict[str, dict]:
    """registry name -> its entry in the JSON report of a dry run."""
    result = invoke("--dry-run", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return {r["name"]: {**r, "path": f["path"]} for f in json.loads(result.stdout)["files"] for r in f["registries"]}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository: infra/ with an open registry the team suppressed at the root."""
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "ps-rule.yaml").write_text("suppression:\n  Azure.ACR.Firewall:\n    - publicdist   # serves public base images\n")
    (root / "infra" / "public.bicep").write_text(registry("publicdist"))
    (root / "infra" / "team.bicep").write_text(registry("teamacr"))
    return root


def test_a_suppression_at_the_repository_root_holds_when_run_from_a_subfolder(repo, monkeypatch):
    monkeypatch.chdir(repo / "infra")
    result = invoke("--write", ".")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (repo / "infra" / "public.bicep").read_text() == registry("publicdist")   # untouched
    assert (repo / "infra" / "team.bicep").read_text() != registry("teamacr")        # fixed
    assert "public.bicep:1: registry 'publicdist': suppressed" in result.stdout
    assert "serves public base images" in result.stdout


def test_suppression_groups_and_path_ignore_are_found_above_too(repo, monkeypatch):
    (repo / "ps-rule.yaml").write_text("input:\n  pathIgnore:\n    - infra/team.bicep\n")
    (repo / ".ps-rule").mkdir()
    (repo / ".ps-rule" / "acr.Rule.yaml").write_text(
        "apiVersion: github.com/microsoft/PSRule/v1\nkind: SuppressionGroup\nmetadata:\n  name: public-dist\n"
        "spec:\n  rule: [Azure.ACR.Firewall]\n  if:\n    name: '.'\n    equals: publicdist\n")
    monkeypatch.chdir(repo / "infra")
    found = report(".")
    assert found["publicdist"]["status"] == "suppressed"
    assert "teamacr" not in found   # pathIgnore, relative to the folder of ps-rule.yaml


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_nearest_acr_fix_yaml_applies_and_paths_in_it_are_relative_to_its_folder(repo, monkeypatch, jobs):
    (repo / "acr-fix.yaml").write_text("strategy: deny\n")
    (repo / "infra" / "prod").mkdir()
    (repo / "infra" / "prod" / "prod.bicep").write_text(registry("prodacr"))
    (repo / "infra" / "acr-fix.yaml").write_text(
        "strategy: disable\noverrides:\n  - path: prod/*.bicep\n    ip_rules: [203.0.113.0/24]\n    strategy: deny\n")
    (repo / "other.bicep").write_text(registry("otheracr"))
    monkeypatch.chdir(repo)
    found = report("-j", jobs, ".")
    assert found["otheracr"]["strategy"] == "deny"     # the root's file
    assert found["teamacr"]["strategy"] == "disable"   # infra/acr-fix.yaml
    assert found["prodacr"]["strategy"] == "deny"      # its override, matched relative to infra/
    monkeypatch.chdir(repo / "infra" / "prod")          # the same from anywhere
    assert report("../..")["prodacr"]["strategy"] == "deny"
    assert report(".")["prodacr"]["strategy"] == "deny"


def test_config_wins_over_every_acr_fix_yaml(repo, monkeypatch):
    (repo / "infra" / "acr-fix.yaml").write_text("strategy: disable\n")
    (repo / "chosen.yaml").write_text("strategy: deny\n")
    monkeypatch.chdir(repo)
    assert report("--config", "chosen.yaml", ".")["teamacr"]["strategy"] == "deny"
    assert report(".")["teamacr"]["strategy"] == "disable"


def test_a_bad_acr_fix_yaml_found_on_the_way_is_a_usage_error_naming_file_and_line(repo, monkeypatch):
    (repo / "infra" / "acr-fix.yaml").write_text("strategy: deny\nstrategie: disable\n")
    monkeypatch.chdir(repo)
    result = invoke("--dry-run", ".")
    assert result.exit_code == 2
    assert "infra/acr-fix.yaml:2: unknown key 'strategie'" in result.stderr
    monkeypatch.chdir(repo / "infra")
    (repo / "infra" / "acr-fix.yaml").rename(repo / "acr-fix.yaml")
    result = invoke("--dry-run", ".")
    assert result.exit_code == 2 and "../acr-fix.yaml:2: unknown key 'strategie'" in result.stderr


def test_gitignore_files_are_honoured_nested_and_negated(repo, monkeypatch):
    (repo / ".gitignore").write_text("build/\n*.local.bicep\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.bicep").write_text(registry("buildacr"))
    (repo / "infra" / "mine.local.bicep").write_text(registry("localacr"))
    (repo / "infra" / "keep.local.bicep").write_text(registry("keptacr"))
    (repo / "infra" / ".gitignore").write_text("!keep.local.bicep\nscratch/\n")
    (repo / "infra" / "scratch").mkdir()
    (repo / "infra" / "scratch" / "try.bicep").write_text(registry("scratchacr"))
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("personal.bicep\n")
    (repo / "infra" / "personal.bicep").write_text(registry("personalacr"))
    monkeypatch.chdir(repo / "infra")
    assert sorted(report(".")) == ["keptacr", "publicdist", "teamacr"]
    assert sorted(report("--no-gitignore", ".")) == ["keptacr", "localacr", "personalacr", "publicdist",
                                                     "scratchacr", "teamacr"]
    assert "buildacr" not in report("..") and "buildacr" in report("--no-gitignore", "..")
    assert sorted(report("mine.local.bicep")) == ["localacr"]   # a file named on the command line is read


def test_exclude_replaces_the_configs_list_and_extend_exclude_adds_to_it(repo, monkeypatch):
    (repo / "acr-fix.yaml").write_text("exclude: [infra/public.bicep]\nextend_exclude: ['*.old.bicep']\n")
    (repo / "infra" / "legacy.old.bicep").write_text(registry("oldacr"))
    (repo / "infra" / "scratch.bicep").write_text(registry("scratchacr"))
    monkeypatch.chdir(repo)
    assert sorted(report(".")) == ["scratchacr", "teamacr"]
    # --exclude replaces `exclude` (public.bicep is back); `extend_exclude` still applies
    assert sorted(report("--exclude", "scratch.bicep", ".")) == ["publicdist", "teamacr"]
    # --extend-exclude adds to both
    assert sorted(report("--extend-exclude", "scratch.bicep", ".")) == ["teamacr"]


def test_outside_a_repository_the_walk_goes_up_to_the_filesystem_root(tmp_path, monkeypatch):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "ps-rule.yaml").write_text("rule:\n  exclude: [Azure.ACR.Firewall]\n")
    (tmp_path / "a" / "b" / "main.bicep").write_text(registry("anyacr"))
    monkeypatch.chdir(tmp_path / "a" / "b")
    assert report(".")["anyacr"]["status"] == "suppressed"


def test_a_nested_repository_stops_the_walk(repo, monkeypatch):
    inner = repo / "vendor" / "lib"
    inner.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=inner, check=True)
    (inner / "public.bicep").write_text(registry("publicdist"))
    monkeypatch.chdir(inner)
    assert report(".")["publicdist"]["status"] == "fix"   # the outer ps-rule.yaml is another repository's


def test_settings_are_found_once_per_folder_with_one_git_call(repo, monkeypatch):
    for index in range(30):
        (repo / "infra" / f"r{index}.bicep").write_text(registry(f"acr{index}"))
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting(args, *rest, **kwargs):
        calls.append(list(args))
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(settings_module.subprocess, "run", counting)
    monkeypatch.chdir(repo)
    found = Settings(repo, {})
    for index in range(30):
        assert found.suppressions_for(repo / "infra" / f"r{index}.bicep") is found.suppressions_for(repo / "infra" / "team.bicep")
        found.options_for(repo / "infra" / f"r{index}.bicep")
    assert calls == [["git", "rev-parse", "--show-toplevel"]]


def _suppress(name: str) -> int:
    from fixer.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["suppress", name, "--reason", "public on purpose"])
    return exc.value.code


def test_suppress_from_a_subfolder_adds_to_the_repositorys_ps_rule_yaml(repo, monkeypatch):
    monkeypatch.chdir(repo / "infra")
    assert _suppress("teamacr") == 0
    assert not (repo / "infra" / "ps-rule.yaml").exists()   # it would hide the root's from infra/
    text = (repo / "ps-rule.yaml").read_text()
    assert "- publicdist" in text and "- teamacr  # public on purpose" in text
    assert report(".")["teamacr"]["status"] == "suppressed"


def test_suppress_without_a_ps_rule_yaml_creates_one_at_the_repository_root(repo, monkeypatch):
    (repo / "ps-rule.yaml").unlink()
    monkeypatch.chdir(repo / "infra")
    assert _suppress("teamacr") == 0
    assert "teamacr" in (repo / "ps-rule.yaml").read_text()


def test_invalid_globs_in_gitignore_are_skipped_as_git_skips_them(repo, monkeypatch):
    (repo / ".gitignore").write_text("x\\\\\n[z-a]\n!\ninfra/team.bicep\n")
    monkeypatch.chdir(repo)
    assert sorted(report(".")) == ["publicdist"]


def test_invalid_globs_in_the_config_or_on_the_command_line_are_usage_errors(repo, monkeypatch):
    monkeypatch.chdir(repo)
    result = invoke("--dry-run", "--exclude", "[z-a]", ".")
    assert result.exit_code == 2 and "--exclude: '[z-a]' is not a valid glob" in result.stderr
    (repo / "infra" / "acr-fix.yaml").write_text("exclude:\n  - ok/*.json\n  - 'bad\\'\n")
    result = invoke("--dry-run", ".")
    assert result.exit_code == 2 and "infra/acr-fix.yaml:3: exclude[1]: 'bad\\' is not a valid glob" in result.stderr


def test_a_fifo_or_folder_named_gitignore_is_not_read(repo, monkeypatch):
    import os

    os.mkfifo(repo / ".gitignore")
    (repo / "infra" / ".gitignore").mkdir()
    monkeypatch.chdir(repo)
    assert sorted(report(".")) == ["publicdist", "teamacr"]


def test_force_exclude_applies_the_exclude_lists_to_files_named_on_the_command_line(repo, monkeypatch):
    (repo / "infra" / "acr-fix.yaml").write_text("exclude: [team.bicep]\n")
    monkeypatch.chdir(repo)
    assert sorted(report("infra/team.bicep")) == ["teamacr"]   # named: read, as ruff does
    assert sorted(report("--force-exclude", "infra/team.bicep", "infra/public.bicep")) == ["publicdist"]
    assert sorted(report("--force-exclude", "--exclude", "public.bicep", "infra/public.bicep")) == []
    hooks = (Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml").read_text()
    assert "entry: acr-fix --dry-run --force-exclude" in hooks and "entry: acr-fix --write --force-exclude" in hooks
