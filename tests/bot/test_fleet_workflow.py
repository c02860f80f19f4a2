""".github/workflows/fleet.yml: valid against SchemaStore's GitHub workflow schema, its jobs
wired plan -> fix (matrix) -> summary, and its scripts run by bash with the real acr-fix
against the organisation on 127.0.0.1, the way the runner would run them."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from ruamel.yaml import YAML

from fixer.bot.fleet import Target, matrix

from .conftest import TOKEN
from .fleet_server import ORG, READONLY, Org, fleet_template, org  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "fleet.yml"
# Vendored from https://github.com/SchemaStore/schemastore, src/schemas/json/github-workflow.json
# at commit 7c910423df8b6b68a9ec85cd7ee5fb5d508c4953 (2026-06-25); tests/schemas/README.md.
SCHEMA = ROOT / "tests" / "schemas" / "github-workflow.json"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return YAML(typ="safe").load(WORKFLOW.read_text())


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def step(workflow: dict[str, Any], job: str, name: str) -> dict[str, Any]:
    return next(s for s in workflow["jobs"][job]["steps"] if s.get("name") == name)


def test_workflow_is_valid_against_the_schema(workflow: dict[str, Any], validator: Draft7Validator) -> None:
    errors = sorted(validator.iter_errors(workflow), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def _max_parallel_list(w: dict[str, Any]) -> None:
    w["jobs"]["fix"]["strategy"]["max-parallel"] = [10]


def _runs_on_number(w: dict[str, Any]) -> None:
    w["jobs"]["summary"]["runs-on"] = {"group": 3}


def _misspelt_step_key(w: dict[str, Any]) -> None:
    w["jobs"]["plan"]["steps"][0]["wiht"] = w["jobs"]["plan"]["steps"][0].pop("with")


def _unknown_trigger_key(w: dict[str, Any]) -> None:
    w["on"]["workflow_call"]["inputs"]["owner"]["type"] = "text"


@pytest.mark.parametrize("breaks", [_max_parallel_list, _runs_on_number, _misspelt_step_key, _unknown_trigger_key])
def test_the_schema_catches_a_broken_workflow(workflow: dict[str, Any], validator: Draft7Validator, breaks: Any) -> None:
    broken = copy.deepcopy(workflow)
    breaks(broken)
    assert list(validator.iter_errors(broken))


def test_jobs_are_plan_then_matrix_then_summary(workflow: dict[str, Any]) -> None:
    on = workflow["on"]
    assert {"workflow_call", "schedule", "workflow_dispatch"} <= set(on)
    assert set(on["workflow_call"]["secrets"]) == {"ACR_FIX_TOKEN", "ACR_FIX_APP_PRIVATE_KEY"}
    assert workflow["permissions"] == {"contents": "read"}   # the run's own token needs nothing more
    jobs = workflow["jobs"]
    assert list(jobs) == ["plan", "fix", "summary"]
    assert jobs["plan"]["outputs"]["matrix"] == "${{ steps.plan.outputs.matrix }}"
    fix = jobs["fix"]
    assert fix["needs"] == "plan" and fix["if"] == "needs.plan.outputs.count != '0'"
    assert fix["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert fix["strategy"]["fail-fast"] is False and "max-parallel" in fix["strategy"]
    assert on["workflow_call"]["inputs"]["max-parallel"]["default"] == 10
    upload = next(s for s in fix["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and upload["with"]["name"] == "acr-fix-result-${{ matrix.id }}"
    assert upload["with"]["path"] == "acr-fix-results/"
    summary = jobs["summary"]
    assert summary["needs"] == ["plan", "fix"] and summary["if"].startswith("always()")
    download = next(s for s in summary["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    assert download["with"] == {"pattern": "acr-fix-result-*", "path": "acr-fix-results", "merge-multiple": True}
    assert "--concurrency 1" in step(workflow, "fix", "acr-fix pr in each repository of this entry")["run"]


def test_scripts_take_inputs_only_through_env(workflow: dict[str, Any]) -> None:
    text = WORKFLOW.read_text()
    declared = set(workflow["on"]["workflow_call"]["inputs"])
    expressions = re.findall(r"\$\{\{(.*?)\}\}", text)
    used = {name for e in expressions for name in re.findall(r"\binputs\.([\w-]+)", e)}
    assert "owner" in used
    assert used <= declared, used - declared
    assert set(workflow["on"]["workflow_dispatch"]["inputs"]) <= declared
    for job in workflow["jobs"].values():
        for item in job["steps"]:
            if "run" in item:
                assert "${{" not in item["run"], item.get("name")   # no expression spliced into a script
                assert item["shell"] == "bash"


def test_matrix_keys_the_workflow_uses_are_the_ones_plan_prints() -> None:
    expressions = re.findall(r"\$\{\{(.*?)\}\}", WORKFLOW.read_text())
    used = {name for e in expressions for name in re.findall(r"\bmatrix\.([\w-]+)", e)}
    entry = matrix([Target("o/a"), Target("o/b")])["include"][0]
    assert used == set(entry) == {"id", "repositories"}


def run_script(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full.get('PATH', '')}"   # acr-fix of this venv
    full.update(env)
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=full, capture_output=True, text=True)


def test_workflow_scripts_run_the_campaign(workflow: dict[str, Any], org: Org, tmp_path: Path) -> None:
    common = {"GITHUB_API_URL": org.api.url, "GITHUB_SERVER_URL": org.git_server.url(""), "ACR_FIX_TOKEN": TOKEN,
              "RUNNER_TEMP": str(tmp_path / "runner-temp")}
    (tmp_path / "runner-temp").mkdir()
    plan_dir = tmp_path / "plan"
    plan_dir.mkdir()
    (plan_dir / "app-01-decoy").write_text("")   # a glob the shell expanded would match this file instead
    outputs, summary_file = plan_dir / "output", plan_dir / "summary.md"
    planned = run_script(step(workflow, "plan", "List the repositories")["run"], plan_dir, {
        **common, "OWNER": ORG, "INCLUDE_REPOS": "app-0[1-3]*\nlocked-1 readonly", "EXCLUDE_REPOS": "app-02",
        "TOPICS": "", "ARCHIVED": "false", "FORKS": "false", "DETECT": "tree",
        "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary_file)})
    assert planned.returncode == 0, planned.stderr
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    jobs = json.loads(values["matrix"])   # what fromJSON(needs.plan.outputs.matrix) reads
    assert values["count"] == "4"
    assert [j["repositories"] for j in jobs["include"]] == [f"{ORG}/{n}" for n in ("app-01", "app-03", "locked-1", READONLY)]
    assert "- contoso/app-02: name matched by --exclude" in summary_file.read_text()

    fix_script = step(workflow, "fix", "acr-fix pr in each repository of this entry")["run"]
    artifacts = tmp_path / "artifacts"
    for entry in jobs["include"]:
        job_dir = tmp_path / f"job-{entry['id']}"
        job_dir.mkdir()
        ran = run_script(fix_script, job_dir, {
            **common, "REPOSITORIES": entry["repositories"], "BRANCH": "acr-fix/restrict-registry-network-access",
            "LABELS": "security, fleet", "REVIEWERS": "", "DRAFT": "false",
            "AUTHOR": "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
            "ARGS": "--exclude **/generated/**"})
        assert ran.returncode == (2 if entry["repositories"].endswith(READONLY) else 0), ran.stderr
        assert TOKEN not in ran.stdout + ran.stderr
        # actions/download-artifact with merge-multiple: every job's files in one folder
        for result in (job_dir / "acr-fix-results").iterdir():
            artifacts.mkdir(exist_ok=True)
            shutil.copy(result, artifacts / result.name)
    assert org.api.pulls_of("app-01", "open") and org.api.repos["app-01"].api.labels[1] == ["security", "fleet"]
    assert not org.api.pulls_of("locked-1") and not org.api.pulls_of("app-02")

    summary_dir = tmp_path / "summary"
    summary_dir.mkdir()
    shutil.copytree(artifacts, summary_dir / "acr-fix-results")
    step_summary = summary_dir / "step-summary.md"
    summed = run_script(step(workflow, "summary", "Campaign table")["run"], summary_dir,
                        {"GITHUB_STEP_SUMMARY": str(step_summary)})
    assert summed.returncode == 0, summed.stderr
    table = [line for line in step_summary.read_text().splitlines() if line.startswith(f"| {ORG}/")]
    assert len(table) == 4
    assert table[0].startswith(f"| {ORG}/app-01 | [#1](") and ") opened | 1 | 0 | 0 | 0 |" in table[0]
    assert table[2] == f"| {ORG}/locked-1 | nothing to fix | 0 | 0 | 0 | 0 |"
    assert table[3].startswith(f"| {ORG}/{READONLY} | failed | 0 | 0 | 0 | 1: ") and "403" in table[3]


def test_plan_without_a_token_does_nothing_and_says_so(workflow: dict[str, Any], tmp_path: Path) -> None:
    outputs = tmp_path / "output"
    ran = run_script(step(workflow, "plan", "List the repositories")["run"], tmp_path, {
        "ACR_FIX_TOKEN": "", "OWNER": ORG, "INCLUDE_REPOS": "", "EXCLUDE_REPOS": "", "TOPICS": "",
        "ARCHIVED": "false", "FORKS": "false", "DETECT": "tree", "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")})
    assert ran.returncode == 0 and "::warning title=acr-fix fleet::no token" in ran.stdout
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert values == {"matrix": '{"include":[]}', "count": "0"}   # fix and summary are skipped on count 0


def test_the_readme_caller_is_valid_and_uses_declared_inputs(workflow: dict[str, Any], validator: Draft7Validator) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Fix a whole organisation"):]
    caller = YAML(typ="safe").load(re.search(r"```yaml\n(.*?)```", section, re.S)[1])
    assert not list(validator.iter_errors(caller))
    job = caller["jobs"]["campaign"]
    assert job["uses"].endswith("/.github/workflows/fleet.yml@COMMIT_SHA")   # no tag exists yet: pin a commit
    called = workflow["on"]["workflow_call"]
    assert set(job["with"]) <= set(called["inputs"]) and set(job["secrets"]) <= set(called["secrets"])
