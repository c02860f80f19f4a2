"""What reaches a terminal, a GitHub Actions log or an interrupted start-up (issue 20)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import fixer.launch
from fixer.cli import app
from fixer.escape import for_actions_log, for_report, for_terminal

TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                   "name": "acr\n::error file=x::forged\x1b]0;title\x07\x1b[2J\u202e", "location": "westeurope",
                   "sku": {"name": "Basic"}, "properties": {}}]}


def test_names_cannot_move_the_cursor_or_start_a_workflow_command(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "acr.json").write_text(json.dumps(TEMPLATE, indent=2))
    (tmp_path / "::warning::named.json").write_text(json.dumps(TEMPLATE, indent=2))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = CliRunner().invoke(app, ["--dry-run", "--no-color", "."], catch_exceptions=False)
    assert result.exit_code == 1
    for stream in (result.stdout, result.stderr):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream
        assert not any(line.startswith(("::", "##[")) for line in stream.splitlines())
    assert "registry 'acr\\x0a::error file=x::forged\\x1b]0;title\\x07\\x1b[2J\\u202e'" in result.stdout


def test_escaping_functions() -> None:
    assert for_terminal("a\nb\x1b[31m\udcff") == "a\\x0ab\\x1b[31m\\xff"
    assert for_actions_log("ok\n::error::x\n##[warning]y") == "ok\n\u200b::error::x\n\u200b##[warning]y"
    assert for_report("-a\r\n+b\rc\x1b[31m", color=False) == "-a\r\n+b\\x0dc\\x1b[31m"
    assert for_report("\x1b[31mred\x1b[0m", color=True) == "\x1b[31mred\x1b[0m"


def test_ctrl_c_while_importing_exits_130_without_a_traceback(monkeypatch, capsys) -> None:
    class Interrupting:
        def find_spec(self, name, path=None, target=None):
            if name == "fixer.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "fixer.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    monkeypatch.setattr(os, "_exit", lambda code: (_ for _ in ()).throw(SystemExit(code)))
    with pytest.raises(SystemExit) as stopped:
        fixer.launch.main(["--dry-run", "."])
    assert stopped.value.code == 130
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("delay", [0.15, 0.3, 0.6])   # (earlier, Python itself is still starting)
def test_a_real_ctrl_c_early_in_start_up_exits_130_quietly(delay: float, tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "fixer", "--dry-run", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
    if proc.returncode == 0:   # it had finished before the signal
        assert b"template file(s)" in out, (out, err)
    else:
        # 130, or killed by the signal itself (a shell shows 130 too) when it came before
        # Python had installed its handler: nothing printed either way
        assert proc.returncode in (130, -signal.SIGINT), (proc.returncode, err)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and fork")
def test_ctrl_c_during_a_parallel_run_prints_no_worker_traceback(tmp_path: Path) -> None:
    text = json.dumps({**TEMPLATE, "resources": [{**TEMPLATE["resources"][0], "name": "acr"}]}, indent=2)
    for i in range(600):
        (tmp_path / f"t{i:03}.json").write_text(text)
    # Ctrl-C in a terminal signals the whole process group: the parent and its workers
    proc = subprocess.Popen([sys.executable, "-m", "fixer", "--dry-run", "-q", "-j", "2", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(os.popen(f"pgrep -g {proc.pid}").read().split()) < 3:
        time.sleep(0.05)   # until the workers run
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"ForkPoolWorker" not in err, err[-2000:]
    assert proc.returncode in (130, 1), proc.returncode
