"""What a user meets first: help, choices, colour (NO_COLOR / FORCE_COLOR under a real
terminal), the concise format, passing registries only on request, an empty run's message,
and start-up that imports only what the run needs."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from fixer.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
ROOT = SAMPLES.parent


def _main(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture(autouse=True)
def wide_plain_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # help tables on one line per option
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def test_help_lists_the_commands_and_h_is_help(capsys):
    code, out, _ = _main(capsys, "--help")
    assert code == 0
    for command in ("acr-fix init:", "acr-fix suppress:", "acr-fix pr:", "acr-fix fleet:"):
        assert command in out
    assert "Exit codes:" in out
    code, short, _ = _main(capsys, "-h")
    assert code == 0 and short == out


@pytest.mark.parametrize("command", [[], ["pr"], ["suppress"], ["init"], ["fleet", "plan"]])
def test_help_shows_choices_and_no_type_labels(capsys, command):
    code, out, _ = _main(capsys, *command, "-h")
    assert code == 0
    assert "<bool>" not in out and "<list[" not in out and "<str>" not in out and "<path>" not in out
    if command in ([], ["pr"]):
        assert "auto|deny|disable" in out
    if not command:
        assert "text|concise|json|sarif|markdown" in out


def test_a_bad_choice_names_the_choices(capsys):
    code, _, err = _main(capsys, "--dry-run", "--strategy", "close", str(SAMPLES))
    assert code == 2
    assert "'close' is not one of 'auto', 'deny', 'disable'" in err
    code, _, err = _main(capsys, "--dry-run", "--jobs", "many", str(SAMPLES))
    assert code == 2 and "'many' is not a valid integer" in err


def test_passing_registries_only_on_request(capsys):
    compliant = str(SAMPLES / "arm" / "compliant")
    code, out, _ = _main(capsys, "--dry-run", compliant)
    assert code == 0
    assert "'corpimages'" not in out
    assert "1 passing" in out and "--show-passing" in out
    _, shown, _ = _main(capsys, "--dry-run", "--show-passing", compliant)
    assert "registry.json:5: registry 'corpimages': passes" in shown
    _, report, _ = _main(capsys, "--dry-run", "--format", "json", compliant)
    assert json.loads(report)["files"][0]["registries"][0]["status"] == "pass"


def test_concise_format_is_one_line_per_finding(capsys):
    code, out, _ = _main(capsys, "--dry-run", "--output-format", "concise", str(SAMPLES))
    assert code == 1
    lines = out.splitlines()
    findings, summary = lines[:-1], lines[-1]
    assert len(findings) == 8  # the open registries of samples/, no passing one, no diff
    assert all(":" in line and " Azure.ACR.Firewall [*] registry " in line for line in findings)
    assert any(line.startswith(os.path.join(str(SAMPLES), "arm", "param-sku", "main.json") + ":24:9: ")
               or line.startswith("samples/arm/param-sku/main.json:24:9: ") for line in findings)
    assert summary.startswith("Found 8 open registries in 10 template file(s): 8 fixable with --write")
    _, everything, _ = _main(capsys, "--dry-run", "--output-format", "concise", "--show-passing", str(SAMPLES))
    assert len(everything.splitlines()) == len(lines) + 2  # the passing registry, the existing reference
    assert "registry 'corpimages': passes" in everything


def test_an_empty_run_says_what_it_looked_for(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _main(capsys, "--dry-run")
    assert code == 0
    assert "no templates under .: acr-fix reads ARM templates (.json, .jsonc) and Bicep files" in err
    (tmp_path / "storage.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "resources": []}))
    code, out, err = _main(capsys, "--dry-run")
    assert "no container registries in the 1 template file(s) under .: acr-fix looks for " \
           "Microsoft.ContainerRegistry/registries" in err
    code, _, err = _main(capsys)
    assert code == 2 and "acr-fix --dry-run ." in err and "--help" in err


def _in_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """What ``python -m fixer ARGS`` writes to a real pseudo-terminal (stdout and stderr)."""
    leader, follower = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | env
    process = subprocess.Popen([sys.executable, "-m", "fixer", *args], stdin=follower, stdout=follower,
                               stderr=follower, env=full_env, cwd=ROOT, close_fds=True)
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(leader)
    return output


@pytest.mark.parametrize("args", [["--dry-run", "samples/arm/param-sku"], ["--dry-run", "--format", "concise", "samples"],
                                  ["--help"], ["--dry-run", "--strategy", "close", "samples"]])
def test_no_color_under_a_terminal_writes_no_escape_codes(args):
    coloured = _in_terminal(args, {})
    assert b"\x1b[" in coloured  # a terminal gets colour: the test can fail
    plain = _in_terminal(args, {"NO_COLOR": "1"})
    assert b"\x1b" not in plain
    assert b"\x1b" not in _in_terminal(args, {"NO_COLOR": "1", "FORCE_COLOR": "1"})  # NO_COLOR wins


def test_force_color_colours_a_pipe_and_no_color_flag_wins():
    def piped(*extra: str, **env: str) -> str:
        full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | env
        return subprocess.run([sys.executable, "-m", "fixer", "--dry-run", *extra, "samples/arm/param-sku"],
                              capture_output=True, text=True, env=full_env, cwd=ROOT).stdout

    assert "\x1b[" not in piped()
    assert "\x1b[33mwould fix\x1b[0m" in piped(FORCE_COLOR="1")
    assert "\x1b" not in piped("--no-color", FORCE_COLOR="1")


_LOADED = """
import atexit, sys
atexit.register(lambda: print("LOADED", *sorted({m.split(".")[0] for m, v in sys.modules.items() if v is not None}),
                              file=sys.stderr))
from fixer.cli import main
main()
"""


def _loaded(args: list[str]) -> set[str]:
    """Top-level packages a run of ``acr-fix ARGS`` has loaded when it ends (this process)."""
    process = subprocess.run([sys.executable, "-c", _LOADED, *args], capture_output=True, text=True, cwd=ROOT)
    (line,) = [line for line in process.stderr.splitlines() if line.startswith("LOADED ")]
    return set(line.split()[1:])


def _imported_anywhere(args: list[str]) -> set[str]:
    """Modules a run imports in any of its processes (-X importtime, inherited by workers)."""
    process = subprocess.run([sys.executable, "-X", "importtime", "-m", "fixer", *args],
                             capture_output=True, text=True, cwd=ROOT)
    return {line.rsplit("|", 1)[1].strip() for line in process.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def test_start_up_imports_only_what_the_run_needs():
    # a passing file: no pydantic (typer's option parsing), no deepdiff (nothing to verify),
    # no rich (no colour, no progress bar), no tree-sitter (no Bicep)
    passing = _loaded(["--dry-run", "samples/arm/compliant"])
    assert {"fixer", "typer"} <= passing
    assert not passing & {"pydantic", "pydantic_core", "deepdiff", "rich", "tree_sitter", "httpx"}
    # a file with edits: deepdiff verifies them, still without pydantic
    fixing = _loaded(["--dry-run", "samples/arm/param-sku"])
    assert "deepdiff" in fixing
    assert not fixing & {"pydantic", "pydantic_core", "rich"}
    # worker processes (forked, so -X importtime covers them): nothing to verify, no deepdiff
    workers = _imported_anywhere(["--dry-run", "--jobs", "2", "samples/arm/compliant",
                                  "samples/bicep/aca-app/modules/apps.bicep"])
    assert "multiprocessing.pool" in workers  # the workers ran
    assert "deepdiff" not in workers and "pydantic_core" not in workers


def test_files_given_one_by_one_walk_the_tree_only_when_one_can_hold_a_registry(tmp_path, monkeypatch):
    import fixer.run
    from fixer.options import Options

    walks = []
    real_context_files = fixer.run.context_files
    monkeypatch.setattr(fixer.run, "context_files", lambda *a, **k: walks.append(a) or real_context_files(*a, **k))
    (tmp_path / "storage.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "s"}]}))
    registry = json.loads((SAMPLES / "arm" / "compliant" / "registry.json").read_text())
    (tmp_path / "registry.json").write_text(json.dumps(registry))
    result = fixer.run.run([tmp_path / "storage.json"], Options(jobs=1), root=tmp_path)
    assert walks == [] and result.scanned == 1 and not result.plans
    result = fixer.run.run([tmp_path / "registry.json"], Options(jobs=1), root=tmp_path)
    assert len(walks) == 1 and [p.status for _, p in result.plans] == ["pass"]
