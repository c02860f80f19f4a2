"""The write stage under faults (issue 20): lost saves, writes outside the paths given, torn
fixes, interrupted runs, special files, odd names. Faults are injected in-process by
replacing os functions at the moment that matters."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import fixer.cli
import fixer.write.disk
import fixer.write.stage
import fixer.write.transaction
from fixer.cli import app
from fixer.options import Options
from fixer.run import run, write_fixes
from fixer.write import LEFTOVER_SUFFIXES, RECOVERY_SUFFIX, TMP_SUFFIX

TEMPLATE = b"""{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "myregistry",
      "location": "westeurope",
      "sku": {
        "name": "Basic"
      },
      "properties": {
        "adminUserEnabled": false
      }
    }
  ]
}
"""

# A template whose SKU comes from its parameter file: the fix edits both (one group).
PAIR_TEMPLATE = TEMPLATE.replace(b'"contentVersion": "1.0.0.0",', b'"contentVersion": "1.0.0.0",\n  "parameters": '
                                 b'{"sku": {"type": "string"}},').replace(b'"Basic"', b"\"[parameters('sku')]\"")
PAIR_PARAMS = b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",\n' \
              b' "contentVersion": "1.0.0.0",\n "parameters": {"sku": {"value": "Basic"}}}\n'


def _invoke(*args: str):
    return CliRunner().invoke(app, [*args], catch_exceptions=False)


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def _fixed(data: bytes) -> bool:
    text = data.decode()
    return '"Deny"' in text or "'Deny'" in text


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(LEFTOVER_SUFFIXES)]


def _one_line_errors(result, name: str) -> list[str]:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if name in line]
    assert lines, result.stderr
    return lines


# --------------------------------------------------------------------------- 1. lost saves

def test_a_save_landing_after_the_temporary_file_is_written_is_kept(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path, {"busy.json": TEMPLATE})
    monkeypatch.chdir(root)
    theirs = TEMPLATE.replace(b"westeurope", b"northeurope")
    real_fsync = os.fsync

    def fsync(fd):
        real_fsync(fd)
        if os.readlink(f"/proc/self/fd/{fd}").endswith(TMP_SUFFIX) and ".busy.json." in os.readlink(f"/proc/self/fd/{fd}"):
            (root / "busy.json").write_bytes(theirs)   # another editor saves now, same size

    monkeypatch.setattr(os, "fsync", fsync)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "busy.json").read_bytes() == theirs
    assert result.exit_code == 2
    [line] = _one_line_errors(result, "busy.json")
    assert "changed on disk" in line and "other save is kept" in line
    assert "registry 'myregistry': not fixed" in result.stdout
    assert _leftovers(root) == []


@pytest.mark.parametrize("rename", ["exchange", "replace"])
def test_a_save_into_the_old_file_during_the_rename_is_put_back(rename: str, tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path, {"busy.json": TEMPLATE})
    monkeypatch.chdir(root)
    theirs = TEMPLATE.replace(b"westeurope", b"eastus2")

    def save_in_place():
        with open(root / "busy.json", "r+b") as handle:   # an in-place save, in the race window
            handle.write(theirs)
            handle.truncate()

    if rename == "exchange":
        if not fixer.write.disk._renameat2():
            pytest.skip("needs renameat2 (Linux)")
        real_exchange = fixer.write.transaction.exchange

        def exchange(a, b):
            save_in_place()
            return real_exchange(a, b)

        monkeypatch.setattr(fixer.write.transaction, "exchange", exchange)
    else:
        _no_exchange(monkeypatch)
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if str(dst).endswith("busy.json") and str(src).endswith(TMP_SUFFIX):
                save_in_place()
            return real_replace(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "replace", replace)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "busy.json").read_bytes() == theirs
    assert result.exit_code == 2
    assert "changed on disk" in _one_line_errors(result, "busy.json")[0]
    assert _leftovers(root) == []


def _no_exchange(monkeypatch) -> None:
    """Files are put in place with os.replace, as where renameat2 is missing."""
    monkeypatch.setattr(fixer.write.transaction, "exchange", lambda a, b: False)


@pytest.mark.skipif(not fixer.write.disk._renameat2(), reason="needs renameat2 (Linux)")
def test_a_rename_style_save_right_after_the_last_check_is_kept(tmp_path: Path, monkeypatch) -> None:
    """The window between the last comparison and the rename: an editor that saves by
    renaming its own temporary file over the template lands there. The exchange that
    replaces the file shows what it replaced; theirs is swapped back."""
    root = _tree(tmp_path, {"busy.json": TEMPLATE})
    monkeypatch.chdir(root)
    theirs = TEMPLATE.replace(b"westeurope", b"swedencentral")
    real_check = fixer.write.transaction._last_moment_check

    def check_then_someone_saves(member, fd=None):
        real_check(member, fd)
        (root / "editor.swp").write_bytes(theirs)
        os.replace(root / "editor.swp", root / "busy.json")

    monkeypatch.setattr(fixer.write.transaction, "_last_moment_check", check_then_someone_saves)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "busy.json").read_bytes() == theirs
    assert result.exit_code == 2
    assert "changed on disk" in _one_line_errors(result, "busy.json")[0]
    assert _leftovers(root) == []


@pytest.mark.skipif(sys.platform == "win32", reason="hard links and flock")
def test_in_place_rewrite_checks_under_a_lock_and_keeps_the_other_save(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path, {"linked.json": TEMPLATE})
    os.link(root / "linked.json", tmp_path / "twin.json")
    monkeypatch.chdir(root)
    theirs = TEMPLATE.replace(b"westeurope", b"westus3")
    real_lock = fixer.write.transaction._locked
    locked = []

    def lock(fd):
        # the other writer saves just before acr-fix takes the lock and looks a last time
        (tmp_path / "twin.json").write_bytes(theirs)
        locked.append(fd)
        return real_lock(fd)

    monkeypatch.setattr(fixer.write.transaction, "_locked", lock)
    result = _invoke("--write", "--no-color", ".")
    assert locked
    assert (root / "linked.json").read_bytes() == theirs == (tmp_path / "twin.json").read_bytes()
    assert result.exit_code == 2
    assert "changed on disk" in _one_line_errors(result, "linked.json")[0]
    assert _leftovers(root) == []


# ------------------------------------------------------------- 2. one rule for every write

def _outside_case(tmp_path: Path) -> tuple[Path, Path]:
    outside = _tree(tmp_path / "outside", {"app.json": TEMPLATE})
    repo = tmp_path / "repo"
    repo.mkdir()
    params = PAIR_PARAMS.replace(b'"contentVersion"', b'"metadata": {"template": "../outside/app.json"},\n "contentVersion"')
    (repo / "prod.parameters.json").write_bytes(params)
    return outside, repo


def test_a_parameter_file_named_alone_never_writes_its_template_outside(tmp_path: Path, monkeypatch) -> None:
    outside, repo = _outside_case(tmp_path)
    monkeypatch.chdir(repo)
    before = (repo / "prod.parameters.json").read_bytes()
    for mode in ("--dry-run", "--write"):
        result = _invoke(mode, "--no-color", "prod.parameters.json")
        assert (outside / "app.json").read_bytes() == TEMPLATE
        assert (repo / "prod.parameters.json").read_bytes() == before
        assert result.exit_code == 2
        lines = _one_line_errors(result, "outside the paths given")
        assert any("read-only, not written" in line for line in lines)


def test_an_absolute_metadata_template_outside_is_read_only(tmp_path: Path, monkeypatch) -> None:
    outside, repo = _outside_case(tmp_path)
    params = PAIR_PARAMS.replace(b'"contentVersion"', b'"metadata": {"template": "' +
                                 str(outside / "app.json").encode() + b'"},\n "contentVersion"')
    (repo / "prod.parameters.json").write_bytes(params)
    monkeypatch.chdir(repo)
    result = _invoke("--write", "--no-color", "prod.parameters.json")
    assert (outside / "app.json").read_bytes() == TEMPLATE
    assert result.exit_code == 2


def test_a_bicepparam_using_a_template_outside_is_read_only(tmp_path: Path, monkeypatch) -> None:
    bicep = b"param sku string\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n" \
            b"  name: 'contosoregistry001'\n  location: 'westeurope'\n  sku: {\n    name: sku\n  }\n" \
            b"  properties: {\n    adminUserEnabled: false\n  }\n}\n"
    outside = _tree(tmp_path / "outside", {"main.bicep": bicep})
    repo = _tree(tmp_path / "repo", {"prod.bicepparam": b"using '../outside/main.bicep'\nparam sku = 'Basic'\n"})
    monkeypatch.chdir(repo)
    result = _invoke("--write", "--no-color", "prod.bicepparam")
    assert (outside / "main.bicep").read_bytes() == bicep
    assert (repo / "prod.bicepparam").read_bytes() == b"using '../outside/main.bicep'\nparam sku = 'Basic'\n"
    assert result.exit_code == 2


def test_a_parameter_file_linked_from_outside_is_never_written(tmp_path: Path, monkeypatch) -> None:
    elsewhere = _tree(tmp_path / "elsewhere", {"app.parameters.json": PAIR_PARAMS})
    repo = _tree(tmp_path / "repo", {"app.json": PAIR_TEMPLATE})
    os.symlink(elsewhere / "app.parameters.json", repo / "app.parameters.json")
    monkeypatch.chdir(repo)
    result = _invoke("--write", "--no-color", ".")
    assert (elsewhere / "app.parameters.json").read_bytes() == PAIR_PARAMS
    assert (repo / "app.json").read_bytes() == PAIR_TEMPLATE   # its fix needs the parameter file
    assert result.exit_code == 2


def test_a_fix_inside_a_subfolder_given_does_not_write_its_caller_outside_it(tmp_path: Path, monkeypatch) -> None:
    repo = _tree(tmp_path / "repo", {"infra/app.json": PAIR_TEMPLATE, "infra/app.parameters.json": PAIR_PARAMS,
                                     "other.json": TEMPLATE})
    monkeypatch.chdir(repo)
    result = _invoke("--write", "--no-color", "infra")
    assert _fixed((repo / "infra/app.json").read_bytes())
    assert b"Premium" in (repo / "infra/app.parameters.json").read_bytes()
    assert (repo / "other.json").read_bytes() == TEMPLATE
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------ 4/5. transactions and journal

def _pair_repo(tmp_path: Path) -> Path:
    return _tree(tmp_path / "repo", {"app.json": PAIR_TEMPLATE, "app.parameters.json": PAIR_PARAMS,
                                     "solo.json": TEMPLATE})


def test_a_group_that_would_not_fit_on_the_disk_is_not_started(tmp_path: Path, monkeypatch) -> None:
    root = _pair_repo(tmp_path)
    monkeypatch.chdir(root)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=1000))
    result = _invoke("--write", "--no-color", ".")
    assert (root / "app.json").read_bytes() == PAIR_TEMPLATE
    assert (root / "app.parameters.json").read_bytes() == PAIR_PARAMS
    assert result.exit_code == 2
    assert any("not enough free space" in line for line in _one_line_errors(result, "app"))
    assert _leftovers(root) == []


def test_enospc_on_the_second_file_leaves_the_pair_as_it_was(tmp_path: Path, monkeypatch) -> None:
    root = _pair_repo(tmp_path)
    monkeypatch.chdir(root)
    real_write = os.write

    def write(fd, data):
        if ".app.parameters.json." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "app.json").read_bytes() == PAIR_TEMPLATE
    assert (root / "app.parameters.json").read_bytes() == PAIR_PARAMS
    assert _fixed((root / "solo.json").read_bytes())
    [line] = [x for x in _one_line_errors(result, "app.json") if x.startswith("acr-fix: app.json")]
    assert "not written" in line and "written, then" not in line
    assert _leftovers(root) == []


def test_a_put_back_file_is_not_called_not_written(tmp_path: Path, monkeypatch) -> None:
    root = _pair_repo(tmp_path)
    monkeypatch.chdir(root)
    _no_exchange(monkeypatch)
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("app.parameters.json") and str(src).endswith(TMP_SUFFIX):
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "app.json").read_bytes() == PAIR_TEMPLATE
    lines = _one_line_errors(result, "app.json")
    assert any("written, then put back" in line for line in lines)
    assert _leftovers(root) == []


class Killed(BaseException):
    """Stands for SIGKILL: raised at the chosen call and at every call after it."""


_KILLABLE = ("open", "write", "fsync", "replace", "link", "unlink", "ftruncate", "read", "lseek", "fstat",
             "chmod", "lstat")


def _kill_at(monkeypatch, n: int) -> list[int]:
    count = [0]
    dead = [False]
    for name in _KILLABLE:
        real = getattr(os, name)

        def fake(*args, _real=real, **kwargs):
            count[0] += 1
            if dead[0] or count[0] == n:
                dead[0] = True
                raise Killed
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, fake)
    real_exchange = fixer.write.transaction.exchange

    def exchange(*args):
        count[0] += 1
        if dead[0] or count[0] == n:
            dead[0] = True
            raise Killed
        return real_exchange(*args)

    monkeypatch.setattr(fixer.write.transaction, "exchange", exchange)
    return count


def _states(root: Path, fixed: dict[str, bytes]) -> dict[str, str]:
    out = {}
    for name, original in ((n, d) for n, d in ORIGINALS.items()):
        data = (root / name).read_bytes()
        out[name] = "original" if data == original else "fixed" if data == fixed[name] else "torn"
    return out


ORIGINALS = {"app.json": PAIR_TEMPLATE, "app.parameters.json": PAIR_PARAMS, "linked.json": TEMPLATE}


@pytest.mark.skipif(sys.platform == "win32", reason="hard links")
def test_killed_at_every_io_call_a_fresh_run_repairs_every_group(tmp_path: Path, monkeypatch) -> None:
    """Property: wherever the process dies while writing, the next run leaves every file
    original or fixed, no group torn and nothing behind; its --write then fixes everything."""
    reference = _tree(tmp_path / "reference", ORIGINALS)
    write_fixes(run([reference], Options(), root=reference))
    fixed = {name: (reference / name).read_bytes() for name in ORIGINALS}
    assert all(fixed[n] != ORIGINALS[n] for n in ORIGINALS)
    monkeypatch.setattr(fixer.write.stage, "WRITE_THREADS", 1)
    n, kills = 0, 0
    while True:
        n += 1
        root = tmp_path / f"t{n}"
        _tree(root, ORIGINALS)
        os.link(root / "linked.json", tmp_path / f"t{n}-twin.json")   # rewritten in place
        result = run([root], Options(), root=root)
        with monkeypatch.context() as patch:
            count = _kill_at(patch, n)
            try:
                write_fixes(result)
                finished = True
            except Killed:
                finished = False
                kills += 1
        if finished:
            assert count[0] < n
            break
        recovered = run([root], Options(), root=root, recover=True)
        states = _states(root, fixed)
        assert "torn" not in states.values(), (n, states)
        assert states["app.json"] == states["app.parameters.json"], (n, states)
        assert _leftovers(root) == [], (n, _leftovers(root), recovered.errors)
        assert (tmp_path / f"t{n}-twin.json").read_bytes() == (root / "linked.json").read_bytes()
        assert not recovered.errors, (n, recovered.errors)
        write_fixes(run([root], Options(), root=root))
        assert _states(root, fixed) == {name: "fixed" for name in ORIGINALS}, n
        assert _leftovers(root) == []
    assert kills > 20   # the kill really hit every step of both kinds of write


def test_a_run_after_a_kill_says_what_it_rolled_back(tmp_path: Path, monkeypatch) -> None:
    root = _pair_repo(tmp_path)
    monkeypatch.chdir(root)
    result = run([root], Options(), root=root)
    _no_exchange(monkeypatch)
    real_replace = os.replace
    renamed = []

    def replace(src, dst, *args, **kwargs):
        if str(src).endswith(TMP_SUFFIX) and os.path.basename(dst).startswith("app."):
            if renamed:
                raise Killed       # dies between the two renames of the group
            renamed.append(dst)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(fixer.write.transaction, "_roll_back", lambda *a, **k: (_ for _ in ()).throw(Killed()))
    with pytest.raises(Killed):
        write_fixes(result)
    monkeypatch.undo()
    monkeypatch.chdir(root)
    torn = [(root / n).read_bytes() != d for n, d in (("app.json", PAIR_TEMPLATE), ("app.parameters.json", PAIR_PARAMS))]
    assert torn.count(True) == 1   # the kill left the pair torn
    dry = _invoke("--dry-run", "--no-color", ".")
    assert "--write will roll back" in dry.stderr
    assert _leftovers(root)
    fixed = _invoke("--write", "--no-color", ".")
    assert "rolled back the fix of" in fixed.stderr and "app.json" in fixed.stderr
    assert _fixed((root / "app.json").read_bytes()) and b"Premium" in (root / "app.parameters.json").read_bytes()
    assert _leftovers(root) == []


def test_stale_temporary_files_and_recovery_copies_are_cleaned_and_reported(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path / "repo", {"acr.json": TEMPLATE, ".acr.json.k2j4f1.acr-fix.tmp": b"{ half",
                                     ".acr.json.9xq1ab.acr-fix.orig": TEMPLATE,
                                     ".other.json.77aa00.acr-fix.orig": b"someone's only copy"})
    monkeypatch.chdir(root)
    result = _invoke("--write", "--no-color", ".")
    assert "Traceback" not in result.stderr
    assert "removed .acr.json.k2j4f1.acr-fix.tmp, a stale temporary file" in result.stderr
    assert "removed .acr.json.9xq1ab.acr-fix.orig, a recovery copy of acr.json" in result.stderr
    assert ".other.json.77aa00.acr-fix.orig: a recovery copy" in result.stderr   # kept: not provably redundant
    assert [p.name for p in _leftovers(root)] == [".other.json.77aa00.acr-fix.orig"]


def test_a_recovery_copy_that_cannot_be_removed_is_named(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path / "repo", {"acr.json": TEMPLATE})
    monkeypatch.chdir(root)
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if str(path).endswith(RECOVERY_SUFFIX):
            raise OSError(errno.EBUSY, "Device or resource busy")
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    result = _invoke("--write", "--no-color", ".")
    assert _fixed((root / "acr.json").read_bytes())
    [line] = [x for x in result.stderr.splitlines() if "recovery copy" in x]
    assert "could not be removed (Device or resource busy)" in line and ".acr.json." in line


def test_a_hard_linked_file_made_shorter_is_never_left_half_written(tmp_path: Path, monkeypatch) -> None:
    """An in-place rewrite that dies between the write and the truncate: the next run puts
    the original back from the recovery copy (the journal says the rewrite had started)."""
    long = TEMPLATE.replace(b'"adminUserEnabled": false', b'"adminUserEnabled": false' + b" " * 400)
    root = _tree(tmp_path / "repo", {"linked.json": long})
    os.link(root / "linked.json", tmp_path / "twin.json")
    result = run([root], Options(), root=root)
    [changed] = result.changed_files
    changed.new_text = changed.new_text.replace(" " * 400, "")   # a fix that makes it shorter
    assert len(changed.new_text) < len(long)
    monkeypatch.setattr(os, "ftruncate", lambda fd, size: (_ for _ in ()).throw(Killed()))
    monkeypatch.setattr(fixer.write.transaction, "_roll_back", lambda *a, **k: (_ for _ in ()).throw(Killed()))
    with pytest.raises(Killed):
        write_fixes(result)
    monkeypatch.undo()
    with pytest.raises(ValueError):
        json.loads((root / "linked.json").read_bytes())   # torn, as a kill would leave it
    recovered = run([root], Options(), root=root, recover=True)
    assert (root / "linked.json").read_bytes() == long == (tmp_path / "twin.json").read_bytes()
    assert any("rolled back" in w for w in recovered.warnings)
    assert _leftovers(root) == []


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_second_run_leaves_a_running_transaction_alone(tmp_path: Path, monkeypatch) -> None:
    """pre-commit runs hooks in parallel: one run's recovery must not undo another's write."""
    root = _pair_repo(tmp_path)
    result = run([root], Options(), root=root)
    monkeypatch.setattr(fixer.write.stage, "WRITE_THREADS", 1)   # one group at a time, to compare
    seen = {}
    real_apply = fixer.write.transaction._apply

    def apply_while_another_run_starts(member, members, journal):
        if not seen:
            seen["leftovers"] = sorted(p.name for p in _leftovers(root))
            other = run([root], Options(), root=root, recover=True)   # a second acr-fix, now
            seen["messages"] = other.warnings
            seen["after"] = sorted(p.name for p in _leftovers(root))
        return real_apply(member, members, journal)

    monkeypatch.setattr(fixer.write.transaction, "_apply", apply_while_another_run_starts)
    write_fixes(result)
    assert seen["leftovers"] and seen["after"] == seen["leftovers"]   # nothing undone or removed
    assert any("another acr-fix run is writing there; left alone" in m for m in seen["messages"])
    assert all(f.status == "fixed" for f in result.changed_files)
    assert _fixed((root / "app.json").read_bytes()) and b"Premium" in (root / "app.parameters.json").read_bytes()
    assert _leftovers(root) == []


def test_a_planted_journal_cannot_write_outside_the_paths_given(tmp_path: Path, monkeypatch) -> None:
    victim = _tree(tmp_path / "victim", {"keep.json": b"mine"})
    root = _tree(tmp_path / "repo", {"acr.json": TEMPLATE, ".acr.json.1.acr-fix.orig": b"evil"})
    journal = {"acr-fix": 1, "state": "prepared", "files": [
        {"path": str(victim / "keep.json"), "temp": ".x.acr-fix.tmp", "orig": ".acr.json.1.acr-fix.orig",
         "old": "00", "new": "11", "in_place": False, "started": False}]}
    (root / ".abc.acr-fix.journal").write_text(json.dumps(journal))
    monkeypatch.chdir(root)
    result = _invoke("--write", "--no-color", ".")
    assert (victim / "keep.json").read_bytes() == b"mine"
    assert "outside the paths given" in result.stderr
    assert (root / ".abc.acr-fix.journal").exists()


def test_a_file_name_too_long_for_the_old_temporary_name_is_fixed(tmp_path: Path, monkeypatch) -> None:
    name = "r" * 245 + ".json"   # 250 bytes: the old ".NAME.xxxxxxxx.acr-fix.tmp" did not fit
    root = _tree(tmp_path / "repo", {name: TEMPLATE})
    os.link(root / name, tmp_path / "twin.json")   # the in-place path makes a recovery copy too
    monkeypatch.chdir(root)
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 0, result.stderr
    assert _fixed((root / name).read_bytes())
    assert _leftovers(root) == []


# ------------------------------------------------------------ 6. special files and names

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_beside_a_template_is_reported_and_never_opened(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path / "repo", {"acr.json": TEMPLATE})
    os.mkfifo(root / "pipe.json")
    os.symlink(root / "pipe.json", root / "link-to-pipe.parameters.json")
    import subprocess
    # a subprocess, so a run that blocks on the FIFO fails the test instead of hanging it
    result = subprocess.run([sys.executable, "-m", "fixer", "--write", "--no-color", "."], cwd=root,
                            capture_output=True, text=True, timeout=120, check=False)
    assert _fixed((root / "acr.json").read_bytes())
    [line] = [x for x in result.stderr.splitlines() if "pipe.json:" in x and "link" not in x]
    assert "a named pipe (FIFO), not a regular file; skipped" in line
    assert any("link-to-pipe" in x and "FIFO" in x for x in result.stderr.splitlines())


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs a file system that takes any bytes")
def test_a_file_name_that_is_not_utf8_is_fixed_and_printed_escaped(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path / "repo", {"other.json": TEMPLATE})
    raw_name = b"caf\xe9-\x1b[31m.json"
    with open(os.path.join(os.fsencode(root), raw_name), "wb") as handle:
        handle.write(TEMPLATE)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["--write", "--no-color", "."], catch_exceptions=False)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 0, result.stderr
    with open(os.path.join(os.fsencode(root), raw_name), "rb") as handle:
        assert _fixed(handle.read())
    assert "caf\\xe9-\\x1b[31m.json" in result.stdout
    assert "\x1b" not in result.stdout


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs a file system that takes any bytes")
@pytest.mark.parametrize("output_format", ["json", "sarif", "markdown"])
def test_every_report_format_takes_a_name_that_is_not_utf8(output_format: str, tmp_path: Path, monkeypatch) -> None:
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.json"), "wb") as handle:
        handle.write(TEMPLATE)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--dry-run", "--format", output_format, "."], catch_exceptions=False)
    assert result.exit_code == 1, result.stderr
    if output_format == "json":   # JSON carries the name itself: the byte as an escaped surrogate
        assert any(f["path"] == "caf\udce9.json" for f in json.loads(result.stdout)["files"])
    elif output_format == "sarif":
        assert "caf%E9.json" in result.stdout and json.loads(result.stdout)
    else:
        assert "caf\\xe9.json" in result.stdout


def test_a_full_stdout_exits_2_with_one_line(tmp_path: Path, monkeypatch, capfd) -> None:
    root = _tree(tmp_path / "repo", {"acr.json": TEMPLATE})
    monkeypatch.chdir(root)

    class Full:
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            raise OSError(errno.ENOSPC, "No space left on device")

        def isatty(self):
            return False

    monkeypatch.setattr(sys, "stdout", Full())
    with pytest.raises(SystemExit) as stopped:
        fixer.cli.main(["--write", "--no-color", "."])
    assert stopped.value.code == 2
    err = capfd.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line] == ["acr-fix: error: cannot write the report to stdout "
                                                          "(No space left on device)"]
    assert _fixed((root / "acr.json").read_bytes())   # written before the report



@pytest.mark.skipif(sys.platform == "win32", reason="sockets and devices as files")
def test_sockets_and_devices_are_reported_in_one_line(tmp_path: Path, monkeypatch) -> None:
    import socket

    root = _tree(tmp_path / "r", {"acr.json": TEMPLATE})
    monkeypatch.chdir(root)
    server = socket.socket(socket.AF_UNIX)
    server.bind("s.json")
    os.symlink("/dev/null", root / "null.json")
    try:
        result = _invoke("--write", "--no-color", ".")
    finally:
        server.close()
    assert _fixed((root / "acr.json").read_bytes())
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert "acr-fix: ./s.json: a socket, not a regular file; skipped" in lines
    assert "acr-fix: ./null.json: a character device, not a regular file; skipped" in lines
