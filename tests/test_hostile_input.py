"""Hostile input and faults, through the real CLI (issue 8).

Every case puts one bad file next to a good template in a fresh folder and runs
``acr-fix --write .`` there. Unless a case says otherwise it checks that the run ends with
exit code 2, prints a one-line error naming the bad file on stderr (no traceback), leaves the
bad file byte-for-byte as it was, leaves no temporary file behind, and still fixes the good
template.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import fixer.cli
import fixer.run
import fixer.write.transaction
from fixer.cli import app
from fixer.write import RECOVERY_SUFFIX

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

GOOD_JSON = b"""{
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

GOOD_BICEP = b"""param location string = resourceGroup().location

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoregistry001'
  location: location
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
  }
}
"""

TMP_SUFFIX = ".acr-fix.tmp"


# --------------------------------------------------------------------------- helpers

def _invoke(*args: str):
    return CliRunner().invoke(app, [*args], catch_exceptions=False)


def _repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "good.json").write_bytes(GOOD_JSON)
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    monkeypatch.chdir(root)
    return root


def _assert_good_fixed(root: Path) -> None:
    data = json.loads((root / "good.json").read_bytes())
    registry = data["resources"][0]
    assert registry["sku"]["name"] == "Premium"
    assert registry["properties"]["networkRuleSet"]["defaultAction"] == "Deny"


def _assert_no_temp_files(root: Path) -> None:
    left = [p for p in root.parent.rglob("*") if p.name.endswith(TMP_SUFFIX)]
    assert left == []


def _error_lines(result, name: str) -> list[str]:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if name in line]
    assert lines, f"no error naming {name} on stderr: {result.stderr!r}"
    for line in lines:
        assert line.startswith("acr-fix: "), line
    return lines


def _check_bad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes,
               *extra: str, exit_code: int = 2, message: str | None = None) -> str:
    root = _repo(tmp_path, monkeypatch, {name: data})
    result = _invoke("--write", "--no-color", *extra, ".")
    assert (root / name).read_bytes() == data, "the bad file must be left byte-for-byte unchanged"
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    assert result.exit_code == exit_code, result.stdout + result.stderr
    if exit_code == 2:
        lines = _error_lines(result, name)
        if message is not None:
            assert any(message in line for line in lines), lines
        return lines[0]
    return ""


def _replace_registry_properties(template: bytes, body: bytes) -> bytes:
    old = b'"properties": {\n        "adminUserEnabled": false\n      }'
    assert old in template
    return template.replace(old, b'"properties": ' + body)


# --------------------------------------------------------------------------- unreadable / unparsable

BAD_INPUTS = {
    "truncated.json": (GOOD_JSON[: len(GOOD_JSON) // 2], "unexpected end of file"),
    "binary.json": (bytes(range(256)) * 8, "binary data"),
    "binary.bicep": (b"Microsoft.ContainerRegistry/registries\x00\x01\x02" + bytes(range(256)) * 4, "binary data"),
    "latin1.json": (GOOD_JSON.replace(b"westeurope", b"west\xe9urope"), "not valid UTF-8"),
    "latin1.bicep": (GOOD_BICEP.replace(b"contosoregistry001", b"contoso\xe9"), "not valid UTF-8"),
    "odd_utf16.json": (codecs.BOM_UTF16_LE + GOOD_JSON.decode().encode("utf-16-le") + b"{", "UTF-16-LE"),
    "bad_utf32.json": (codecs.BOM_UTF32_LE + GOOD_JSON.decode().encode("utf-32-le")[:-3], "UTF-32-LE"),
    "dangling_surrogate_utf16.bicep": (codecs.BOM_UTF16_BE + GOOD_BICEP.decode().encode("utf-16-be") + b"\xd8\x00", "UTF-16-BE"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_unreadable_or_unparsable_file(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, message = BAD_INPUTS[name]
    _check_bad(tmp_path, monkeypatch, name, data, message=message)


def test_truncated_bicep_registry_is_a_manual_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the grammar cannot read the cut-off registry statement: the rest of the file is read,
    # and the registry is a check by hand naming the statement (never silence, never a write)
    data = GOOD_BICEP[: len(GOOD_BICEP) // 2]
    root = _repo(tmp_path, monkeypatch, {"truncated.bicep": data})
    result = _invoke("--write", "--no-color", ".")
    assert (root / "truncated.bicep").read_bytes() == data
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "truncated.bicep:3: registry 'acr': needs manual fix" in result.stdout
    assert "the statement at line 3 declares or calls a registry, but acr-fix cannot read it" in result.stdout


def _deep_json(depth: int, kind: str) -> bytes:
    inner = b"[" * depth + b"]" * depth if kind == "array" else b'{"a":' * depth + b"1" + b"}" * depth
    return GOOD_JSON.replace(b'"adminUserEnabled": false', b'"deep": ' + inner)


def _deep_bicep(depth: int, kind: str) -> bytes:
    inner = {
        "array": b"[" * depth + b"]" * depth,
        "object": b"{\na: " * depth + b"1" + b"\n}" * depth,
        "parens": b"(" * depth + b"1" + b")" * depth,
    }[kind]
    return GOOD_BICEP.replace(b"adminUserEnabled: false", b"deep: " + inner)


@pytest.mark.parametrize("depth", [5_000, 100_000])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_deep_json_nesting(depth: int, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _check_bad(tmp_path, monkeypatch, "deep.json", _deep_json(depth, kind), message="nesting")


@pytest.mark.parametrize("depth", [5_000, 100_000])
@pytest.mark.parametrize("kind", ["array", "object", "parens"])
def test_deep_bicep_nesting(depth: int, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # deep parentheses defeat the grammar itself: the registry's statement is left out and
    # becomes a check by hand (exit 1); deep arrays and objects parse, then are refused (exit 2)
    _check_bad(tmp_path, monkeypatch, "deep.bicep", _deep_bicep(depth, kind), exit_code=1 if kind == "parens" else 2)


def test_deep_nesting_in_a_parameter_file_is_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params = b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", ' \
             b'"parameters": {"x": {"value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}}"
    root = _repo(tmp_path, monkeypatch, {"good.parameters.json": params})
    result = _invoke("--write", "--no-color", ".")
    assert "Traceback" not in result.stderr
    assert (root / "good.parameters.json").read_bytes() == params
    assert result.exit_code in (0, 1, 2)


# --------------------------------------------------------------------------- encodings with a BOM

ENCODINGS = [
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-32-le", codecs.BOM_UTF32_LE),
    ("utf-32-be", codecs.BOM_UTF32_BE),
    ("utf-8", codecs.BOM_UTF8),
]


@pytest.mark.parametrize("encoding,bom", ENCODINGS, ids=[e for e, _ in ENCODINGS])
@pytest.mark.parametrize("ext,template", [(".json", GOOD_JSON), (".bicep", GOOD_BICEP)], ids=["json", "bicep"])
def test_bom_encodings_are_read_and_written_back(encoding: str, bom: bytes, ext: str, template: bytes,
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = template.decode().replace("\n", "\r\n")  # Windows tools: BOM and CRLF together
    name = f"wide{ext}"
    root = _repo(tmp_path, monkeypatch, {name: bom + text.encode(encoding)})
    dry = _invoke("--dry-run", "--no-color", "--format", "json", ".")
    assert dry.exit_code == 1, dry.stderr
    report = json.loads(dry.stdout)
    entry = next(f for f in report["files"] if f["path"].endswith(name))
    assert entry["status"] == "would-fix"
    edits = [e for r in entry["registries"] for c in r["changes"] for e in c["edits"]]

    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 0, result.stdout + result.stderr
    written = (root / name).read_bytes()
    assert written.startswith(bom)
    new_text = written[len(bom):].decode(encoding)  # raises if the encoding changed
    assert "\r\n" in new_text and "\n" not in new_text.replace("\r\n", "")
    # exactly the reported edits, applied to the decoded text, in the same encoding
    expected = text
    for edit in sorted(edits, key=lambda e: (e["start"], e["end"]), reverse=True):
        expected = expected[: edit["start"]] + edit["text"] + expected[edit["end"]:]
    assert written == bom + expected.encode(encoding)
    assert "Premium" in new_text
    _assert_good_fixed(root)
    assert _invoke("--write", "--no-color", ".").exit_code == 0
    assert (root / name).read_bytes() == written


# --------------------------------------------------------------------------- size

def test_file_above_max_file_size_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = GOOD_JSON.replace(b'"adminUserEnabled": false', b'"pad": "' + b"a" * (1024 * 1024 + 10) + b'"')
    root = _repo(tmp_path, monkeypatch, {"big.json": big})
    result = _invoke("--write", "--no-color", "--max-file-size", "1", ".")
    assert (root / "big.json").read_bytes() == big
    _assert_good_fixed(root)
    lines = _error_lines(result, "big.json")
    assert any("--max-file-size" in line for line in lines)


def test_file_above_max_file_size_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = GOOD_JSON.replace(b'"adminUserEnabled": false', b'"pad": "' + b"a" * (1024 * 1024 + 10) + b'"')
    _check_bad(tmp_path, monkeypatch, "big.json", big, "--max-file-size", "1", message="--max-file-size")


def test_sparse_200_mb_file_is_skipped_under_the_default_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {})
    huge = root / "huge.json"
    with open(huge, "wb") as handle:
        handle.write(b'{"type": "Microsoft.ContainerRegistry/registries"')
        handle.truncate(200 * 1024 * 1024)  # sparse: cheap to make, 200 MB to read
    result = _invoke("--write", "--no-color", ".")
    assert huge.stat().st_size == 200 * 1024 * 1024
    _assert_good_fixed(root)
    lines = _error_lines(result, "huge.json")
    assert any("--max-file-size" in line for line in lines)


# --------------------------------------------------------------------------- odd but valid shapes

def test_duplicate_keys_json_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ARM/json keep the last value (Enabled): the registry is open, so "pass" would be wrong.
    data = _replace_registry_properties(GOOD_JSON, b'{"publicNetworkAccess": "Disabled",\n "publicNetworkAccess": "Enabled"}')
    line = _check_bad(tmp_path, monkeypatch, "dup.json", data, message="duplicate property")
    assert "publicNetworkAccess" in line


def test_duplicate_keys_differing_in_case_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _replace_registry_properties(GOOD_JSON, b'{"publicNetworkAccess": "Disabled",\n "PublicNetworkAccess": "Enabled"}')
    _check_bad(tmp_path, monkeypatch, "dupcase.json", data, message="duplicate property")


def test_duplicate_properties_objects_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = GOOD_JSON.replace(b'"properties": {', b'"properties": {"publicNetworkAccess": "Disabled"},\n      "properties": {')
    _check_bad(tmp_path, monkeypatch, "dupprops.json", data, message="duplicate property")


def test_duplicate_keys_bicep_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = GOOD_BICEP.replace(b"adminUserEnabled: false", b"publicNetworkAccess: 'Disabled'\n    publicNetworkAccess: 'Enabled'")
    _check_bad(tmp_path, monkeypatch, "dup.bicep", data)


@pytest.mark.parametrize("body", [b'"oops"', b"[1, 2]", b"42", b"true"])
def test_registry_properties_not_an_object_is_manual(body: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _replace_registry_properties(GOOD_JSON, body)
    root = _repo(tmp_path, monkeypatch, {"odd.json": data})
    result = _invoke("--write", "--no-color", "--format", "json", ".")
    assert (root / "odd.json").read_bytes() == data
    _assert_good_fixed(root)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    odd = next(f for f in report["files"] if f["path"] == "odd.json")
    assert [r["status"] for r in odd["registries"]] == ["manual"]
    assert all(r["manual"] for r in odd["registries"])


@pytest.mark.parametrize("ext", [".json", ".bicep"])
def test_registry_properties_null(ext: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if ext == ".json":
        data = _replace_registry_properties(GOOD_JSON, b"null")
    else:
        data = GOOD_BICEP.replace(b"properties: {\n    adminUserEnabled: false\n  }", b"properties: null")
    root = _repo(tmp_path, monkeypatch, {f"nullprops{ext}": data})
    result = _invoke("--write", "--no-color", ".")
    assert "overlap" not in result.stderr
    assert result.exit_code in (0, 1), result.stderr
    _assert_good_fixed(root)


def test_network_rule_set_null_is_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = GOOD_JSON.replace(b'"adminUserEnabled": false', b'"networkRuleSet": null')
    root = _repo(tmp_path, monkeypatch, {"nrs.json": data})
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 0, result.stdout + result.stderr
    fixed = json.loads((root / "nrs.json").read_bytes())
    assert fixed["resources"][0]["properties"]["networkRuleSet"]["defaultAction"] == "Deny"
    _assert_good_fixed(root)


@pytest.mark.parametrize("ext", [".json", ".bicep"])
def test_numbers_where_strings_belong_are_manual(ext: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if ext == ".json":
        data = GOOD_JSON.replace(b'"Basic"', b"3").replace(
            b'"adminUserEnabled": false', b'"publicNetworkAccess": 0, "networkRuleSet": {"defaultAction": 1}')
    else:
        data = GOOD_BICEP.replace(b"'Basic'", b"3").replace(
            b"adminUserEnabled: false", b"publicNetworkAccess: 0\n    networkRuleSet: {\n      defaultAction: 1\n    }")
    name = f"numbers{ext}"
    root = _repo(tmp_path, monkeypatch, {name: data})
    result = _invoke("--write", "--no-color", "--format", "json", ".")
    assert (root / name).read_bytes() == data
    _assert_good_fixed(root)
    assert result.exit_code == 1, result.stderr
    entry = next(f for f in json.loads(result.stdout)["files"] if f["path"] == name)
    assert [r["status"] for r in entry["registries"]] == ["manual"]
    assert any("number" in reason or "expression" in reason for r in entry["registries"] for reason in r["manual"])


@pytest.mark.parametrize("name,data", [
    ("empty.json", b""), ("empty.bicep", b""), ("blank.jsonc", b" \n\r\n\t"),
    ("bom_only.json", codecs.BOM_UTF8), ("bom_only.bicep", codecs.BOM_UTF16_LE),
])
def test_empty_files_are_not_templates(name: str, data: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty file holds no registry: it is passed over like package.json, without an error.
    _check_bad(tmp_path, monkeypatch, name, data, exit_code=0)


# --------------------------------------------------------------------------- permissions

def test_read_only_file_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"locked.json": GOOD_JSON})
    (root / "locked.json").chmod(0o444)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "locked.json").read_bytes() == GOOD_JSON
    assert (root / "locked.json").stat().st_mode & 0o777 == 0o444
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    assert result.exit_code == 2
    assert any("read-only" in line for line in _error_lines(result, "locked.json"))


def test_read_only_parameter_file_keeps_its_template_unchanged_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The fix spans both files (SKU in the parameter file, network rules in the template):
    # writing only the template would deploy a firewall on a Basic registry.
    template = GOOD_JSON.replace(b'"contentVersion": "1.0.0.0",', b'"contentVersion": "1.0.0.0",\n  "parameters": '
                                 b'{"sku": {"type": "string"}},').replace(b'"Basic"', b"\"[parameters('sku')]\"")
    params = b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",\n' \
             b' "contentVersion": "1.0.0.0",\n "parameters": {"sku": {"value": "Basic"}}}\n'
    root = _repo(tmp_path, monkeypatch, {"app.json": template, "app.parameters.json": params})
    (root / "app.parameters.json").chmod(0o444)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "app.parameters.json").read_bytes() == params
    assert (root / "app.json").read_bytes() == template
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    assert result.exit_code == 2
    assert any("read-only" in line for line in _error_lines(result, "app.parameters.json"))
    assert _error_lines(result, "app.json")


@pytest.mark.skipif(IS_ROOT, reason="root reads any file")
def test_unreadable_file_real_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"secret.json": GOOD_JSON})
    (root / "secret.json").chmod(0)
    try:
        result = _invoke("--write", "--no-color", ".")
    finally:
        (root / "secret.json").chmod(0o644)
    assert (root / "secret.json").read_bytes() == GOOD_JSON
    _assert_good_fixed(root)
    assert result.exit_code == 2
    assert any("permission denied" in line for line in _error_lines(result, "secret.json"))


def test_unreadable_file_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"secret.json": GOOD_JSON})
    real_open = fixer.run.open_regular

    def guarded_open(file, *args, **kwargs):
        if str(file).endswith("secret.json"):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(fixer.run, "open_regular", guarded_open)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "secret.json").read_bytes() == GOOD_JSON
    _assert_good_fixed(root)
    assert result.exit_code == 2
    assert any("permission denied" in line for line in _error_lines(result, "secret.json"))


def _unwritable_dir_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = _repo(tmp_path, monkeypatch, {"locked/acr.json": GOOD_JSON})
    return root, root / "locked"


@pytest.mark.skipif(IS_ROOT, reason="root writes into any directory")
def test_unwritable_directory_real_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, locked = _unwritable_dir_case(tmp_path, monkeypatch)
    locked.chmod(0o555)
    try:
        result = _invoke("--write", "--no-color", ".")
    finally:
        locked.chmod(0o755)
    assert (locked / "acr.json").read_bytes() == GOOD_JSON
    assert sorted(p.name for p in locked.iterdir()) == ["acr.json"]
    _assert_good_fixed(root)
    assert result.exit_code == 2
    _error_lines(result, "locked/acr.json")


def test_unwritable_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, locked = _unwritable_dir_case(tmp_path, monkeypatch)
    real_open, real_link = os.open, os.link

    def open_(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(path).parent.resolve() == locked.resolve():
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    def link(src, dst, *args, **kwargs):
        if Path(dst).parent.resolve() == locked.resolve():
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "link", link)
    result = _invoke("--write", "--no-color", ".")
    assert (locked / "acr.json").read_bytes() == GOOD_JSON
    assert sorted(p.name for p in locked.iterdir()) == ["acr.json"]
    _assert_good_fixed(root)
    assert result.exit_code == 2
    assert any("Permission denied" in line for line in _error_lines(result, "locked/acr.json"))


@pytest.mark.skipif(not IS_ROOT, reason="needs root to give a file to another user")
def test_root_keeps_the_owner_of_a_fixed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"user.json": GOOD_JSON})
    os.chown(root / "user.json", 4321, 4321)
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 0, result.stderr
    st = (root / "user.json").stat()
    assert (st.st_uid, st.st_gid) == (4321, 4321)
    assert b"Premium" in (root / "user.json").read_bytes()


# --------------------------------------------------------------------------- symlinks

def test_symlink_loops_are_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"sub/keep.txt": b"x"})
    os.symlink(".", root / "loop")
    os.symlink("..", root / "sub" / "up")
    os.symlink("self.json", root / "self.json")
    os.symlink("b.json", root / "a.json")
    os.symlink("a.json", root / "b.json")
    result = _invoke("--write", "--no-color", ".")
    _assert_good_fixed(root)
    assert result.exit_code == 2
    for name in ("self.json", "a.json", "b.json"):
        assert (root / name).is_symlink()
        assert any("symlink" in line for line in _error_lines(result, name))


def test_symlink_outside_the_root_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "theirs.json").write_bytes(GOOD_JSON)
    (outside / "dir").mkdir()
    (outside / "dir" / "inner.json").write_bytes(GOOD_JSON)
    root = _repo(tmp_path, monkeypatch, {})
    os.symlink(outside / "theirs.json", root / "escape.json")
    os.symlink(outside / "dir", root / "escape_dir")
    result = _invoke("--write", "--no-color", ".")
    assert (outside / "theirs.json").read_bytes() == GOOD_JSON
    assert (outside / "dir" / "inner.json").read_bytes() == GOOD_JSON
    assert (root / "escape.json").is_symlink() and (root / "escape_dir").is_symlink()
    _assert_good_fixed(root)
    assert result.exit_code == 2
    assert any("outside" in line for line in _error_lines(result, "escape.json"))
    assert any("outside" in line for line in _error_lines(result, "escape_dir"))


def test_symlink_inside_the_root_fixes_its_target_and_keeps_the_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"real/acr.json": GOOD_JSON})
    os.symlink("real/acr.json", root / "a_link.json")  # sorts before real/: found first
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (root / "a_link.json").is_symlink()
    assert os.readlink(root / "a_link.json") == "real/acr.json"
    assert b"Premium" in (root / "real" / "acr.json").read_bytes()
    _assert_good_fixed(root)


def test_symlinked_parameter_file_outside_the_root_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = GOOD_JSON.replace(b'"contentVersion": "1.0.0.0",', b'"contentVersion": "1.0.0.0",\n  "parameters": '
                                 b'{"sku": {"type": "string"}},').replace(b'"Basic"', b"\"[parameters('sku')]\"")
    params = b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",\n' \
             b' "contentVersion": "1.0.0.0",\n "parameters": {"sku": {"value": "Basic"}}}\n'
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "shared.parameters.json").write_bytes(params)
    root = _repo(tmp_path, monkeypatch, {"app.json": template})
    os.symlink(outside / "shared.parameters.json", root / "app.parameters.json")
    result = _invoke("--write", "--no-color", ".")
    assert (outside / "shared.parameters.json").read_bytes() == params
    assert (root / "app.parameters.json").is_symlink()
    assert (root / "app.json").read_bytes() == template
    _assert_good_fixed(root)
    assert result.exit_code == 2
    _error_lines(result, "app.parameters.json")
    # the report says so: not "fixed", not counted as fixed, no diff of what was not written
    (head,) = [line for line in result.stdout.splitlines() if line.startswith("app.json:")]
    assert head.endswith(": not fixed: the fix could not be written (error below)")
    assert "+++ b/app.json" not in result.stdout
    assert "1 not fixed (errors)" in result.stdout


def test_symlinked_template_named_on_the_command_line_fixes_its_target_and_keeps_the_link(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "acr.json").write_bytes(GOOD_JSON)
    root = _repo(tmp_path, monkeypatch, {})
    os.symlink(shared / "acr.json", root / "linked.json")
    result = _invoke("--write", "--no-color", "linked.json", "good.json")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert os.readlink(root / "linked.json") == str(shared / "acr.json")
    assert b"Premium" in (shared / "acr.json").read_bytes()
    _assert_good_fixed(root)


def test_symlinked_parameter_file_inside_the_root_is_fixed_at_its_target(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    template = GOOD_JSON.replace(b'"contentVersion": "1.0.0.0",', b'"contentVersion": "1.0.0.0",\n  "parameters": '
                                 b'{"sku": {"type": "string"}},').replace(b'"Basic"', b"\"[parameters('sku')]\"")
    params = b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",\n' \
             b' "contentVersion": "1.0.0.0",\n "parameters": {"sku": {"value": "Basic"}}}\n'
    root = _repo(tmp_path, monkeypatch, {"app/app.json": template, "shared/prod.parameters.json": params})
    os.symlink("../shared/prod.parameters.json", root / "app" / "app.parameters.json")
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert os.readlink(root / "app" / "app.parameters.json") == "../shared/prod.parameters.json"
    assert (root / "shared" / "prod.parameters.json").read_bytes() == params.replace(b'"Basic"', b'"Premium"')
    assert b"networkRuleSet" in (root / "app" / "app.json").read_bytes()
    _assert_no_temp_files(root)


# --------------------------------------------------------------------------- hard links

def _assert_no_recovery_copies(root: Path) -> None:
    assert [p for p in root.parent.rglob("*") if p.name.endswith(RECOVERY_SUFFIX)] == []


def test_hard_linked_template_is_fixed_in_place_for_every_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = tmp_path / "snapshot"          # a `cp -l` copy outside the folder acr-fix runs in
    snapshot.mkdir()
    root = _repo(tmp_path, monkeypatch, {"acr.json": GOOD_JSON})
    os.chmod(root / "acr.json", 0o640)
    if IS_ROOT:
        os.chown(root / "acr.json", 4321, 4321)
    os.link(root / "acr.json", snapshot / "acr.json")
    before = (root / "acr.json").stat()
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 0, result.stdout + result.stderr
    after = (root / "acr.json").stat()
    assert (after.st_ino, after.st_nlink, after.st_mode, after.st_uid, after.st_gid) == \
        (before.st_ino, 2, before.st_mode, before.st_uid, before.st_gid)
    fixed = (root / "acr.json").read_bytes()
    assert b'"defaultAction": "Deny"' in fixed and b'"Premium"' in fixed
    assert (snapshot / "acr.json").read_bytes() == fixed
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    _assert_no_recovery_copies(root)


def test_two_hard_links_inside_the_root_are_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"a/acr.json": GOOD_JSON})
    (root / "b").mkdir()
    os.link(root / "a" / "acr.json", root / "b" / "acr.json")
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "a/acr.json" in result.stdout and "b/acr.json" not in result.stdout
    assert (root / "a" / "acr.json").read_bytes() == (root / "b" / "acr.json").read_bytes()
    assert b"Premium" in (root / "b" / "acr.json").read_bytes()
    assert (root / "a" / "acr.json").stat().st_ino == (root / "b" / "acr.json").stat().st_ino


def _hard_linked_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    root = _repo(tmp_path, monkeypatch, {"linked.json": GOOD_JSON})
    os.link(root / "linked.json", tmp_path / "other-link.json")
    return root, tmp_path / "other-link.json"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")
def test_failed_write_in_place_puts_the_original_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, other = _hard_linked_case(tmp_path, monkeypatch)
    inode = other.stat().st_ino
    real_fsync = os.fsync
    failed: list[str] = []

    def fsync(fd):
        path = _fd_path(fd)
        if path.endswith("/linked.json") and not failed:   # the first fsync of the new content
            failed.append(path)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = _invoke("--write", "--no-color", ".")
    assert failed
    assert (root / "linked.json").read_bytes() == GOOD_JSON and other.read_bytes() == GOOD_JSON
    assert (root / "linked.json").stat().st_ino == inode
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    _assert_no_recovery_copies(root)
    assert result.exit_code == 2
    [line] = _error_lines(result, "linked.json")
    assert "No space left" in line and "original put back" in line


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")
def test_write_in_place_that_cannot_be_undone_keeps_the_recovery_copy(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = _hard_linked_case(tmp_path, monkeypatch)
    real_fsync = os.fsync

    def fsync(fd):
        if _fd_path(fd).endswith("/linked.json"):
            raise OSError(errno.EIO, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 2
    [line] = _error_lines(result, "linked.json")
    [copy] = [p for p in root.iterdir() if p.name.endswith(RECOVERY_SUFFIX)]
    assert copy.name.startswith(".linked.json.") and copy.read_bytes() == GOOD_JSON
    assert "could not be put back" in line and str(copy) in line
    _assert_good_fixed(root)


def test_no_recovery_copy_means_no_write_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, other = _hard_linked_case(tmp_path, monkeypatch)
    real_open = os.open

    def open_(path, flags, *args, **kwargs):
        if str(path).endswith(RECOVERY_SUFFIX):
            raise OSError(errno.EDQUOT, "Disk quota exceeded")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "linked.json").read_bytes() == GOOD_JSON and other.read_bytes() == GOOD_JSON
    _assert_good_fixed(root)
    assert result.exit_code == 2
    [line] = _error_lines(result, "linked.json")
    assert "recovery copy" in line and "Disk quota exceeded" in line and "original left unchanged" in line


# --------------------------------------------------------------------------- faults while writing

def test_file_changed_between_read_and_write_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"busy.json": GOOD_JSON})
    edited_by_someone = GOOD_JSON.replace(b"westeurope", b"northeurope")
    real_write_fixes = fixer.cli.write_fixes

    def write_after_someone_edited(result):
        (root / "busy.json").write_bytes(edited_by_someone)
        return real_write_fixes(result)

    monkeypatch.setattr(fixer.cli, "write_fixes", write_after_someone_edited)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "busy.json").read_bytes() == edited_by_someone
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    assert result.exit_code == 2
    assert any("changed on disk" in line for line in _error_lines(result, "busy.json"))


def test_failed_rename_leaves_the_original_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"target.json": GOOD_JSON})
    monkeypatch.setattr(fixer.write.transaction, "exchange", lambda a, b: False)   # the os.replace path
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("target.json"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "target.json").read_bytes() == GOOD_JSON
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    assert result.exit_code == 2
    assert any("original left unchanged" in line for line in _error_lines(result, "target.json"))


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")
def test_full_disk_leaves_the_original_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {"target.json": GOOD_JSON})
    real_fsync = os.fsync

    def fsync(fd):
        if ".target.json." in _fd_path(fd):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "target.json").read_bytes() == GOOD_JSON
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    assert result.exit_code == 2
    assert any("No space left" in line for line in _error_lines(result, "target.json"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")
def test_failed_write_of_a_parameter_file_puts_its_template_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = GOOD_JSON.replace(b'"contentVersion": "1.0.0.0",', b'"contentVersion": "1.0.0.0",\n  "parameters": '
                                 b'{"sku": {"type": "string"}},').replace(b'"Basic"', b"\"[parameters('sku')]\"")
    params = b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",\n' \
             b' "contentVersion": "1.0.0.0",\n "parameters": {"sku": {"value": "Basic"}}}\n'
    root = _repo(tmp_path, monkeypatch, {"app.json": template, "app.parameters.json": params})
    real_fsync = os.fsync
    calls: list[str] = []

    def fsync(fd):
        path = _fd_path(fd)
        calls.append(path)
        if ".app.parameters.json." in path:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = _invoke("--write", "--no-color", ".")
    assert (root / "app.parameters.json").read_bytes() == params
    assert (root / "app.json").read_bytes() == template
    _assert_good_fixed(root)
    _assert_no_temp_files(root)
    assert result.exit_code == 2
    _error_lines(result, "app.parameters.json")


def test_interrupt_during_analysis_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {f"t{i}.json": GOOD_JSON for i in range(4)})
    before = {p: p.read_bytes() for p in root.iterdir()}
    real = fixer.run.analyse_file
    calls = []

    def analyse(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(fixer.run, "analyse_file", analyse)
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code != 0
    assert {p: p.read_bytes() for p in root.iterdir()} == before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")
def test_interrupt_during_writing_leaves_no_partial_or_temp_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, monkeypatch, {f"t{i}.json": GOOD_JSON for i in range(4)})
    reference = _invoke("--dry-run", "--format", "json", ".")
    assert reference.exit_code == 1
    real_fsync = os.fsync
    count = []

    def fsync(fd):
        if _fd_path(fd).endswith(TMP_SUFFIX):
            count.append(fd)
            if len(count) == 3:
                raise KeyboardInterrupt
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code != 0
    _assert_no_temp_files(root)
    states = []
    for path in sorted(root.glob("*.json")):
        data = path.read_bytes()
        if data == GOOD_JSON:
            states.append("original")
        else:
            _ = json.loads(data)  # a whole, valid file
            assert b'"defaultAction": "Deny"' in data and b'"Premium"' in data
            states.append("fixed")
    assert "original" in states and "fixed" in states  # the interrupt really hit mid-write


def test_interrupt_exit_code_is_not_a_findings_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _repo(tmp_path, monkeypatch, {})
    monkeypatch.setattr(fixer.cli, "run", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    result = _invoke("--write", "--no-color", ".")
    assert result.exit_code == 130  # 1 would read as "findings remain"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_real_sigint_mid_run_leaves_whole_files(tmp_path: Path) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for i in range(150):
        (root / f"t{i:03}.json").write_bytes(GOOD_JSON)
    fixed_reference = tmp_path / "reference"
    fixed_reference.mkdir()
    (fixed_reference / "t.json").write_bytes(GOOD_JSON)
    cmd = [sys.executable, "-m", "fixer", "--write", "--no-color", "-q"]
    subprocess.run([*cmd, str(fixed_reference)], capture_output=True, timeout=120, check=False)
    fixed = (fixed_reference / "t.json").read_bytes()
    assert fixed != GOOD_JSON
    start = time.monotonic()
    proc = subprocess.Popen([*cmd, str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # interrupt once the first fixed file appears (i.e. while writing), or after 3 s at most
    while proc.poll() is None and time.monotonic() - start < 3:
        if (root / "t000.json").read_bytes() != GOOD_JSON:  # written in sorted order
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert b"Traceback" not in stderr
    names = sorted(p.name for p in root.iterdir())
    assert [n for n in names if n.endswith(TMP_SUFFIX)] == []
    assert len(names) == 150
    for path in root.iterdir():
        assert path.read_bytes() in (GOOD_JSON, fixed), path.name


def test_unparsable_parameter_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = GOOD_JSON.replace(b'"contentVersion": "1.0.0.0",', b'"contentVersion": "1.0.0.0",\n  "parameters": '
                                 b'{"sku": {"type": "string", "defaultValue": "Premium"}},').replace(
        b'"Basic"', b"\"[parameters('sku')]\"")
    params = b'{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",\n' \
             b' "parameters": {"sku": {"value": "Basic"}'  # truncated: deployments would fail or use Basic
    root = _repo(tmp_path, monkeypatch, {"app.json": template, "app.parameters.json": params})
    result = _invoke("--write", "--no-color", ".")
    assert (root / "app.parameters.json").read_bytes() == params
    assert (root / "app.json").read_bytes() == template
    assert result.exit_code == 2
    _error_lines(result, "app.parameters.json")
