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


def run_step(action: dict[str, Any], tmp_path: Path, inputs: dict[str, str], exit_code: int = 0) -> tuple[int, list[list[str]], dict[str, str], str]:
    """Run the 'run' step's script with bash, inputs as the Action would pass them, and an
    ``acr-fix`` on PATH that records its arguments and exits with ``exit_code``."""
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
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(output), "HOME": str(tmp_path)}
    for key, template in step["env"].items():
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
    assert argv == [["--dry-run", "--format", "sarif", "--output", "acr-fix.sarif", "--strategy", "deny",
                     "--ip-rule", "203.0.113.0/24", "--ip-rule", "198.51.100.7", "--ip-rule", "192.0.2.1",
                     "--no-sku-upgrade", "--exclude", "**/test/**", "--", "infra", "modules/acr.bicep"]]
    assert outputs == {"sarif-file": "acr-fix.sarif", "exit-code": "1"}
    assert "::error title=acr-fix::" in out


def test_check_mode_can_report_without_failing(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, outputs, _ = run_step(action, tmp_path, {"fail-on-findings": "false"}, exit_code=1)
    assert code == 0 and outputs["exit-code"] == "1"
    assert argv == [["--dry-run", "--format", "sarif", "--output", "acr-fix.sarif", "--", "."]]
    code, _, _, _ = run_step(action, tmp_path, {"fail-on-findings": "false"}, exit_code=2)
    assert code == 2      # errors always fail


def test_pr_mode_passes_bot_flags(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, outputs, _ = run_step(action, tmp_path, {
        "mode": "pr", "labels": "security, needs review", "reviewers": "alice\ncontoso/platform", "draft": "true",
        "base": "develop", "ip-rules": "203.0.113.0/24"})
    assert code == 0 and outputs == {"exit-code": "0"}
    assert argv == [["pr", "--branch", "acr-fix/restrict-registry-network-access",
                     "--author", "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
                     "--base", "develop", "--label", "security", "--label", "needs review",
                     "--reviewer", "alice", "--reviewer", "contoso/platform", "--draft",
                     "--ip-rule", "203.0.113.0/24", "--", "."]]


def test_inputs_cannot_inject_commands(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, _, _ = run_step(action, tmp_path, {"paths": "$(touch pwned) `touch pwned2` *", "labels": "*"})
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    assert argv[0][-6:] == ["--", "$(touch", "pwned)", "`touch", "pwned2`", "*"]


def test_unknown_mode_is_an_error(action: dict[str, Any], tmp_path: Path) -> None:
    code, argv, _, out = run_step(action, tmp_path, {"mode": "fix"})
    assert code == 2 and argv == [] and "must be 'check' or 'pr'" in out


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
