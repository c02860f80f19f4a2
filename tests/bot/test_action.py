"""action.yml and .pre-commit-hooks.yaml: their shape, the Action's script run by bash with a
recording stand-in for acr-fix, and the hooks' entries run against the real acr-fix."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
OPEN_TEMPLATE = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "hookacr",
      "location": "westeurope",
      "sku": { "name": "Premium" },
      "properties": { "adminUserEnabled": false }
    }
  ]
}
"""


def load(name: str) -> Any:
    return YAML(typ="safe").load((ROOT / name).read_text())


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return load("action.yml")


def test_action_is_composite_and_uses_only_declared_inputs(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    assert {"mode", "paths", "strategy", "ip-rules", "token", "sarif-file"} <= set(action["inputs"])
    text = (ROOT / "action.yml").read_text()
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", text))
    assert used == set(action["inputs"]), used ^ set(action["inputs"])
    for step in action["runs"]["steps"]:
        # Expressions spliced into a script are a command-injection hole; inputs go through env.
        assert "${{" not in step.get("run", ""), step.get("name")
        if "run" in step:
            assert step["shell"] == "bash"
    setup = action["runs"]["steps"][0]
    assert setup["uses"].startswith("actions/setup-python@")


def test_action_keeps_to_its_own_pinned_python(action: dict[str, Any]) -> None:
    steps = action["runs"]["steps"]
    for step in steps:
        if "uses" in step:      # third-party actions pinned to a commit, not a movable tag
            assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    setup = steps[0]
    assert setup["with"]["update-environment"] is False       # the job's PATH and Python stay as they were
    install = next(s for s in steps if s.get("id") == "install")
    assert '"$PYTHON" -m venv' in install["run"] and "PIP_CONSTRAINT=" in install["run"]
    assert "action/constraints.txt" in install["run"] and "--cache-dir" in install["run"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "~/.cache/acr-fix/pip" and "cache-key" in cache["with"]["key"]
    run = next(s for s in steps if s.get("id") == "run")
    assert run["env"]["ACR_FIX"] == "${{ steps.install.outputs.acr-fix }}"
    assert "pip install" not in run["run"] and '"$ACR_FIX"' in run["run"]


def test_constraints_pin_every_runtime_dependency_within_its_bounds() -> None:
    from importlib import metadata

    from packaging.requirements import Requirement

    pins: dict[str, str] = {}
    for line in (ROOT / "action" / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, line
            pins[name.lower().replace("_", "-")] = version
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for text in declared["project"]["dependencies"]:
        req = Requirement(text)
        key = req.name.lower().replace("_", "-")
        assert key in pins, f"{req.name} is not pinned in action/constraints.txt"
        assert req.specifier.contains(pins[key]), f"{req.name}=={pins[key]} is outside {req.specifier}"
        # and what it needs, as installed here
        todo = [req.name]
        while todo:
            name = todo.pop()
            for dep in metadata.requires(name) or []:
                sub = Requirement(dep)
                if sub.marker and not sub.marker.evaluate({"extra": ""}):
                    continue
                sub_key = sub.name.lower().replace("_", "-")
                assert sub_key in pins, f"{sub.name} (needed by {name}) is not pinned in action/constraints.txt"
                todo.append(sub.name)
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    for text in build:
        req = Requirement(text)
        assert req.specifier.contains(pins[req.name.lower()]), text


def run_step(action: dict[str, Any], tmp_path: Path, inputs: dict[str, str], exit_code: int = 0,
             acr_fix: Path | None = None) -> tuple[int, list[list[str]], dict[str, str], str]:
    """Run the 'run' step's script with bash, inputs as the Action would pass them, and as the
    installed acr-fix one that records its arguments and exits with ``exit_code`` (or
    ``acr_fix``, a real one)."""
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "calls.jsonl"
    fake = bin_dir / "acr-fix"
    fake.write_text(f"#!{sys.executable}\nimport json, sys\n"
                    f"open({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
                    f"sys.exit({exit_code})\n")
    fake.chmod(0o755)
    output = tmp_path / "github_output"
    output.write_text("")
    summary = tmp_path / "step_summary"
    summary.write_text("")
    runner_temp = tmp_path / "runner_temp"
    runner_temp.mkdir(exist_ok=True)
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), "HOME": str(tmp_path),
           "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(runner_temp)}
    for key, template in step["env"].items():
        if key == "ACR_FIX":
            env[key] = str(acr_fix or fake)
            continue
        match = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(template))
        assert match, (key, template)
        env[key] = values[match[1]]
    proc = subprocess.run(["bash", "-c", step["run"]], env=env, cwd=tmp_path, capture_output=True, text=True)
    argv = [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc.returncode, argv, outputs, proc.stdout + proc.stderr


def test_check_mode_builds_the_dry_run_and_fails_on_findings(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, outputs, out = run_step(action, tmp_path, {
        "paths": "infra\nmodules/acr.bicep", "strategy": "deny", "ip-rules": "203.0.113.0/24, 198.51.100.7\n192.0.2.1",
        "args": "--no-sku-upgrade --exclude **/test/**"}, exit_code=1)
    assert code == 1
    [call] = argv
    reports = call[call.index("--report") + 3].split("=", 1)[1].rsplit("/", 1)[0]
    assert reports.startswith(str(tmp_path / "runner_temp" / "acr-fix-reports."))
    assert call == ["--dry-run", "--format", "github", "--annotation-level", "error",
                    "--report", "sarif=acr-fix.sarif", "--report", f"github-output={reports}/outputs",
                    "--report", f"github-summary={reports}/summary.md", "--strategy", "deny",
                    "--ip-rule", "203.0.113.0/24", "--ip-rule", "198.51.100.7", "--ip-rule", "192.0.2.1",
                    "--no-sku-upgrade", "--exclude", "**/test/**", "--", "infra", "modules/acr.bicep"]
    assert outputs == {"exit-code": "1"}     # the stand-in wrote no reports


def test_check_mode_can_report_without_failing(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, outputs, _ = run_step(action, tmp_path, {"fail-on-findings": "false"}, exit_code=1)
    assert code == 0 and outputs["exit-code"] == "1"
    assert argv[0][:5] == ["--dry-run", "--format", "github", "--annotation-level", "warning"]
    assert argv[0][-2:] == ["--", "."]
    code, _, _, _ = run_step(action, tmp_path, {"fail-on-findings": "false"}, exit_code=2)
    assert code == 2      # errors always fail


def real_acr_fix(tmp_path: Path) -> Path:
    """An ``acr-fix`` that runs this checkout's code with the test's Python."""
    path = tmp_path / "real-acr-fix"
    path.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m fixer \"$@\"\n")
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("fail", ["true", "false"])
def test_check_mode_end_to_end_annotates_summarises_and_sets_outputs(action: dict[str, Any], tmp_path: Path,
                                                                     fail: str) -> None:
    import jsonschema

    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "acr.json").write_text(OPEN_TEMPLATE)
    code, _, outputs, out = run_step(action, tmp_path, {"paths": "infra", "fail-on-findings": fail},
                                     acr_fix=real_acr_fix(tmp_path))
    level = "error" if fail == "true" else "warning"
    assert code == (1 if fail == "true" else 0), out
    count, annotation = [line for line in out.splitlines() if line.startswith("::")]
    assert count == f"::{level} title=acr-fix::1 container registry is open to the internet (0 need a manual fix): " \
        "each is annotated at its file; see the job summary or code scanning, or run `acr-fix --dry-run`"
    assert annotation.startswith(f"::{level} title=Azure.ACR.Firewall,file=infra/acr.json,line=5,endLine=12::"
                                 "Registry 'hookacr' is open to the internet"), annotation
    assert "%0AFix: add networkRuleBypassOptions" in annotation
    assert outputs == {"findings": "1", "fixed": "1", "manual": "0", "suppressed": "0", "files-changed": "1",
                       "sarif-file": "acr-fix.sarif", "exit-code": "1"}
    summary = (tmp_path / "step_summary").read_text()
    assert summary.startswith("## acr-fix: container registries open to the internet")
    assert "| `infra/acr.json` | 1 | 0 | 0 |" in summary and "```diff" in summary
    sarif = json.loads((tmp_path / "acr-fix.sarif").read_text())
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert (tmp_path / "infra" / "acr.json").read_text() == OPEN_TEMPLATE


def test_pr_mode_passes_bot_flags(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, outputs, _ = run_step(action, tmp_path, {
        "mode": "pr", "labels": "security, needs review", "reviewers": "alice\ncontoso/platform", "draft": "true",
        "base": "develop", "ip-rules": "203.0.113.0/24", "split": "codeowners"})
    assert code == 0 and outputs == {"exit-code": "0"}
    [call] = argv
    summary = call[call.index("--summary") + 1]
    assert summary.startswith(str(tmp_path / "runner_temp" / "acr-fix-reports.")) and summary.endswith("/summary.md")
    assert argv == [["pr", "--branch", "acr-fix/restrict-registry-network-access",
                     "--author", "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
                     "--base", "develop", "--label", "security", "--label", "needs review",
                     "--reviewer", "alice", "--reviewer", "contoso/platform", "--draft", "--split", "codeowners",
                     "--summary", summary, "--ip-rule", "203.0.113.0/24", "--", "."]]


def test_inputs_cannot_inject_commands(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, _, _ = run_step(action, tmp_path, {"paths": "$(touch pwned) `touch pwned2` *", "labels": "*"})
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    assert argv[0][-6:] == ["--", "$(touch", "pwned)", "`touch", "pwned2`", "*"]


def test_unknown_mode_is_an_error(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, _, out = run_step(action, tmp_path, {"mode": "fix"})
    assert code == 2 and argv == [] and "must be 'check' or 'pr'" in out


def readme_yaml_blocks(heading: str) -> list[Any]:
    """The ```yaml blocks of the README section that starts with ``heading``."""
    text = (ROOT / "README.md").read_text()
    start = text.index(heading)
    ends = [i for i in (text.find("\n## ", start + 1), text.find("\n### ", start + 1)) if i != -1]
    section = text[start:min(ends) if ends else None]
    return [YAML(typ="safe").load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.S)]


def test_readme_action_snippets_use_real_inputs_outputs_and_a_commit(action: dict[str, Any]) -> None:
    workflows = readme_yaml_blocks("### GitHub Action")
    assert len(workflows) == 2
    for workflow in workflows:
        for job in workflow["jobs"].values():
            steps = job["steps"]
            ours = [s for s in steps if "acr-fix@" in s.get("uses", "")]
            assert ours
            for step in ours:
                ref = step["uses"].split("@", 1)[1]
                assert ref == "COMMIT_SHA", ref          # no tag exists yet: the README says to pin a commit
                assert set(step.get("with", {})) <= set(action["inputs"]), step["with"]
            for step in steps:
                for value in (step.get("with") or {}).values():
                    for output in re.findall(r"steps\.acr\.outputs\.([\w-]+)", str(value)):
                        assert output in action["outputs"], output
    text = (ROOT / "README.md").read_text()
    assert "@v1" not in text and "rev: v0.1.0" not in text


def test_readme_pre_commit_snippet_names_real_hooks() -> None:
    (config,) = readme_yaml_blocks("### pre-commit")
    (repo,) = config["repos"]
    assert repo["rev"] == "COMMIT_SHA"
    hooks = {h["id"] for h in load(".pre-commit-hooks.yaml")}
    assert {h["id"] for h in repo["hooks"]} <= hooks


# -- pre-commit -------------------------------------------------------------------------------


def test_pre_commit_hooks_shape() -> None:
    hooks = {h["id"]: h for h in load(".pre-commit-hooks.yaml")}
    assert set(hooks) == {"acr-fix", "acr-fix-write"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["entry"].startswith("acr-fix ")
        files = re.compile(hook["files"])
        for name in ("main.json", "a/b.jsonc", "main.bicep", "main.bicepparam"):
            assert files.search(name), name
        for name in ("values.yaml", "x.jsonl", "main.bicep.bak", "README.md"):
            assert not files.search(name), name
    assert "--dry-run" in hooks["acr-fix"]["entry"].split()
    assert "--write" in hooks["acr-fix-write"]["entry"].split()


def run_hook(hook_id: str, files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a hook's entry the way pre-commit does: entry words, then the matching file names."""
    hook = next(h for h in load(".pre-commit-hooks.yaml") if h["id"] == hook_id)
    words = hook["entry"].split()
    assert words[0] == "acr-fix"
    names = [str(f.relative_to(cwd)) for f in files if re.search(hook["files"], f.name)]
    return subprocess.run([sys.executable, "-m", "fixer", *words[1:], *names], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_hooks_run_the_real_cli(tmp_path: Path) -> None:
    template = tmp_path / "infra" / "acr.json"
    template.parent.mkdir()
    template.write_text(OPEN_TEMPLATE)
    other = tmp_path / "package.json"
    other.write_text('{"name": "x"}\n')
    check = run_hook("acr-fix", [template, other], tmp_path)
    assert check.returncode == 1, check.stderr
    assert "registry 'hookacr'" in check.stdout
    assert re.search(r'^\+.*"defaultAction": "Deny"', check.stdout, re.M), check.stdout
    assert template.read_text() == OPEN_TEMPLATE
    fix = run_hook("acr-fix-write", [template, other], tmp_path)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert '"defaultAction": "Deny"' in template.read_text()
    again = run_hook("acr-fix", [template], tmp_path)
    assert again.returncode == 0, again.stdout


def test_cache_key_step_keys_on_os_python_and_constraints(action: dict[str, Any], tmp_path: Path) -> None:
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "cache-key")
    output = tmp_path / "out"

    def key(constraints: str) -> str:
        root = tmp_path / "action-path"
        (root / "action").mkdir(parents=True, exist_ok=True)
        (root / "action" / "constraints.txt").write_text(constraints)
        output.write_text("")
        env = {"PATH": os.environ["PATH"], "PYTHON": sys.executable, "GITHUB_ACTION_PATH": str(root),
               "GITHUB_OUTPUT": str(output), "RUNNER_OS": "Linux"}
        proc = subprocess.run(["bash", "-c", step["run"]], env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        [line] = output.read_text().splitlines()
        return line.removeprefix("key=")

    first = key("typer==0.29.3\n")
    assert re.fullmatch(rf"acr-fix-pip-Linux-{sys.version_info[0]}\.{sys.version_info[1]}-[0-9a-f]{{16}}", first)
    assert key("typer==0.29.3\n") == first and key("typer==0.30.0\n") != first
