"""Property-based tests (hypothesis): random but valid ARM/JSONC and Bicep templates with
random formatting and random registry shapes go through the real CLI.

For every generated tree:
- ``--dry-run`` writes nothing;
- ``--write`` changes exactly what the JSON report's edits say (applying the reported edits
  to the old text gives the new text: every other byte is unchanged), in the file's own
  encoding, BOM and line endings;
- the document is semantically unchanged outside the paths a fix may touch;
- afterwards every registry passes, or is reported manual (with a reason) / suppressed;
- a second ``--write`` is a no-op.
"""

from __future__ import annotations

import codecs
import json
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import json5
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fixer.cli import app
from fixer.formats import bicep as bicep_reader
from fixer.source import read_source

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
SKUS = ["Basic", "Standard", "Premium"]
API_VERSIONS = ["2017-10-01", "2019-05-01", "2019-12-01-preview", "2021-09-01", "2023-07-01"]

# Keys a fix may add or change (as the last element of a changed path, or anywhere above it).
FIX_KEYS = {"sku", "name", "properties", "publicnetworkaccess", "networkruleset", "defaultaction", "iprules",
            "networkrulebypassoptions", "apiversion", "allowedvalues", "defaultvalue", "value", "param", "var",
            "default", "allowed", "resource_type"}


# --------------------------------------------------------------------------- formatting

@dataclass(frozen=True)
class Style:
    unit: str | None       # None = everything on one line
    eol: str
    comments: bool
    trailing_commas: bool
    bom: bytes
    encoding: str
    final_newline: bool


@st.composite
def styles(draw, jsonc: bool) -> Style:
    encoding, bom = draw(st.sampled_from([("utf-8", b""), ("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                                          ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]))
    return Style(
        unit=draw(st.sampled_from(["  ", "    ", "\t", " ", None] if jsonc else ["  ", "    ", "\t"])),
        eol=draw(st.sampled_from(["\n", "\r\n"])),
        comments=jsonc and draw(st.booleans()),
        trailing_commas=jsonc and draw(st.booleans()),
        bom=bom, encoding=encoding, final_newline=draw(st.booleans()),
    )


def _encode(text: str, style: Style) -> bytes:
    return style.bom + text.encode(style.encoding)


def dump_json(value: Any, style: Style, rng: random.Random, indent: str = "") -> str:
    """JSON/JSONC text of ``value`` in ``style`` (comments and trailing commas when allowed)."""
    if isinstance(value, dict):
        items = list(value.items())
        if not items:
            return "{}"
        rendered = [(json.dumps(k), dump_json(v, style, rng, indent + (style.unit or ""))) for k, v in items]
        return _container("{", "}", [f"{k}: {v}" for k, v in rendered], style, rng, indent)
    if isinstance(value, list):
        if not value:
            return "[]"
        return _container("[", "]", [dump_json(v, style, rng, indent + (style.unit or "")) for v in value], style, rng, indent)
    return json.dumps(value)


def _container(open_: str, close: str, parts: list[str], style: Style, rng: random.Random, indent: str) -> str:
    trailing = "," if style.trailing_commas and rng.random() < 0.5 else ""
    if style.unit is None:
        sep = ", " if not style.comments or rng.random() < 0.7 else " /* c */, "
        return open_ + sep.join(parts) + trailing + close
    inner = indent + style.unit
    lines = []
    for i, part in enumerate(parts):
        if style.comments and rng.random() < 0.2:
            lines.append(f"{inner}// note {i}{style.eol}")
        comma = "," if i < len(parts) - 1 else trailing
        tail = " // trailing" if style.comments and rng.random() < 0.15 else ""
        lines.append(f"{inner}{part}{comma}{tail}{style.eol}")
    return open_ + style.eol + "".join(lines) + indent + close


def _shuffled(data: dict, rng: random.Random, keep_first: tuple[str, ...] = ()) -> dict:
    first = [k for k in keep_first if k in data]
    rest = [k for k in data if k not in first]
    rng.shuffle(rest)
    return {k: data[k] for k in first + rest}


# --------------------------------------------------------------------------- ARM shapes

@st.composite
def arm_registry(draw, index: int) -> tuple[dict, dict, dict, dict]:
    """(resource, parameters, variables, parameter-file values) for one registry."""
    params: dict = {}
    variables: dict = {}
    param_values: dict = {}
    sku_value = draw(st.sampled_from(SKUS))
    sku_kind = draw(st.sampled_from(["literal", "param_default", "param_allowed", "param_file", "variable", "expression", "absent"]))
    resource: dict = {"type": REGISTRY_TYPE, "apiVersion": draw(st.sampled_from(API_VERSIONS)),
                      "name": f"acr{index}x", "location": "westeurope"}
    p = f"sku{index}"
    if sku_kind == "literal":
        resource["sku"] = {"name": sku_value}
    elif sku_kind in ("param_default", "param_allowed"):
        params[p] = {"type": "string", "defaultValue": sku_value}
        if sku_kind == "param_allowed":
            params[p]["allowedValues"] = sorted({sku_value, "Basic"})
        resource["sku"] = {"name": f"[parameters('{p}')]"}
    elif sku_kind == "param_file":
        params[p] = {"type": "string"}
        param_values[p] = {"value": sku_value}
        resource["sku"] = {"name": f"[parameters('{p}')]"}
    elif sku_kind == "variable":
        variables[f"v{index}"] = sku_value
        resource["sku"] = {"name": f"[variables('v{index}')]"}
    elif sku_kind == "expression":
        resource["sku"] = {"name": f"[if(equals(1, 1), '{sku_value}', 'Basic')]"}

    props_kind = draw(st.sampled_from(["absent", "empty", "admin", "public_enabled", "public_disabled",
                                       "nrs_allow", "nrs_deny", "nrs_empty", "nrs_null", "nrs_iprules"]))
    props: dict | None = {
        "absent": None, "empty": {}, "admin": {"adminUserEnabled": False},
        "public_enabled": {"publicNetworkAccess": "Enabled", "zoneRedundancy": "Disabled"},
        "public_disabled": {"publicNetworkAccess": "Disabled"},
        "nrs_allow": {"networkRuleSet": {"defaultAction": "Allow"}},
        "nrs_deny": {"networkRuleSet": {"defaultAction": "Deny"}},
        "nrs_empty": {"networkRuleSet": {}},
        "nrs_null": {"networkRuleSet": None, "adminUserEnabled": True},
        "nrs_iprules": {"networkRuleSet": {"defaultAction": "Allow", "ipRules": [{"action": "Allow", "value": "10.0.0.1"}]}},
    }[props_kind]
    if props is not None:
        resource["properties"] = props
    if draw(st.booleans()):
        resource["tags"] = {"env": "test", "owner": "team"}
    if draw(st.integers(0, 3)) == 0:
        resource["condition"] = "[equals(1, 1)]"
    if draw(st.integers(0, 3)) == 0:
        resource["copy"] = {"name": f"loop{index}", "count": 2}
        resource["name"] = f"[concat('acr{index}', copyIndex())]"
    return resource, params, variables, param_values


@st.composite
def arm_trees(draw) -> tuple[dict[str, bytes], Style]:
    jsonc = draw(st.booleans())
    style = draw(styles(jsonc))
    rng = random.Random(draw(st.integers(0, 2**32)))
    count = draw(st.integers(1, 3))
    params: dict = {}
    variables: dict = {}
    param_values: dict = {}
    resources: list = []
    for index in range(count):
        resource, p, v, pv = draw(arm_registry(index))
        params.update(p)
        variables.update(v)
        param_values.update(pv)
        resources.append(_shuffled(resource, rng, ("type",)) if draw(st.booleans()) else resource)
    wrap = draw(st.sampled_from(["top", "top", "nested_outer", "nested_inner"]))
    if wrap != "top":
        template: dict = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": resources}
        deployment_props: dict = {"mode": "Incremental", "template": template}
        if wrap == "nested_inner":
            # inner scope: the nested template declares its own parameters, values passed in
            template["parameters"] = {k: {"type": "string"} for k in params}
            template["variables"] = variables
            deployment_props["expressionEvaluationOptions"] = {"scope": "inner"}
            passed = {}
            for k, v in params.items():
                if "defaultValue" in v:
                    passed[k] = {"value": v["defaultValue"]}
                else:
                    passed[k] = {"value": f"[parameters('{k}')]"}
            deployment_props["parameters"] = passed
            params = {k: v for k, v in params.items() if "defaultValue" not in v}
        resources = [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
                      "properties": deployment_props}]
    if draw(st.booleans()):
        resources.append({"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-04-01", "name": "pe",
                          "properties": {"privateLinkServiceConnections": [
                              {"name": "c", "properties": {"privateLinkServiceId": "[resourceId('x', 'y')]",
                                                           "groupIds": ["registry"]}}]}})
    root: dict = {"$schema": SCHEMA, "contentVersion": "1.0.0.0"}
    if params:
        root["parameters"] = params
    if variables and wrap != "nested_inner":
        root["variables"] = variables
    root["resources"] = resources
    root = _shuffled(root, rng, ("$schema",))
    text = dump_json(root, style, rng)
    if style.final_newline:
        text += style.eol
    ext = ".jsonc" if jsonc and draw(st.booleans()) else ".json"
    files = {f"main{ext}": _encode(text, style)}
    if param_values:
        ptext = dump_json({"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": param_values}, style, rng)
        files["main.parameters.json"] = _encode(ptext + style.eol, style)
    return files, style


# --------------------------------------------------------------------------- Bicep shapes

@st.composite
def bicep_trees(draw) -> tuple[dict[str, bytes], Style]:
    style = draw(styles(False))
    unit, eol = style.unit or "  ", style.eol
    comments = draw(st.booleans())
    lines: list[str] = []
    param_file: list[str] = []

    def add(text: str = "", level: int = 0) -> None:
        lines.append(unit * level + text if text else "")

    if comments:
        add("// generated template")
    add("param location string = resourceGroup().location")
    for index in range(draw(st.integers(1, 3))):
        sku = draw(st.sampled_from(SKUS))
        sku_kind = draw(st.sampled_from(["literal", "param", "param_allowed", "param_file", "variable", "ternary"]))
        sku_expr = f"'{sku}'"
        if sku_kind in ("param", "param_allowed"):
            if sku_kind == "param_allowed":
                add("@allowed([")
                for value in sorted({sku, "Basic"}):
                    add(f"'{value}'", 1)
                add("])")
            add(f"param sku{index} string = '{sku}'")
            sku_expr = f"sku{index}"
        elif sku_kind == "param_file":
            add(f"param sku{index} string")
            param_file.append(f"param sku{index} = '{sku}'")
            sku_expr = f"sku{index}"
        elif sku_kind == "variable":
            add(f"var skuVar{index} = '{sku}'")
            sku_expr = f"skuVar{index}"
        elif sku_kind == "ternary":
            sku_expr = f"location == 'x' ? 'Basic' : '{sku}'"
        head = draw(st.sampled_from(["plain", "if", "for"]))
        api = draw(st.sampled_from(API_VERSIONS))
        opener = {"plain": "{", "if": "if (location != 'none') {", "for": "[for i in range(0, 2): {"}[head]
        closer = "}]" if head == "for" else "}"
        name = f"'acr{index}x${{i}}'" if head == "for" else f"'acr{index}x'"
        add("")
        if comments:
            add(f"// registry {index}")
        add(f"resource acr{index} '{REGISTRY_TYPE}@{api}' = {opener}")
        body = [f"name: {name}", "location: location"]
        if draw(st.integers(0, 5)) > 0:
            body.append("sku: {" + eol + unit * 2 + f"name: {sku_expr}" + eol + unit + "}")
        props_kind = draw(st.sampled_from(["absent", "empty", "admin", "public_enabled", "public_disabled",
                                           "nrs_allow", "nrs_deny", "nrs_null"]))
        props = {
            "absent": None, "empty": [], "admin": ["adminUserEnabled: false"],
            "public_enabled": ["publicNetworkAccess: 'Enabled'"], "public_disabled": ["publicNetworkAccess: 'Disabled'"],
            "nrs_allow": ["networkRuleSet: {", unit + "defaultAction: 'Allow'", "}"],
            "nrs_deny": ["networkRuleSet: {", unit + "defaultAction: 'Deny'", "}"],
            "nrs_null": ["networkRuleSet: null"],
        }[props_kind]
        if props is not None:
            if not props:
                body.append("properties: {}")
            else:
                body.append("properties: {" + "".join(eol + unit * 2 + p for p in props) + eol + unit + "}")
        order = list(range(len(body)))
        random.Random(draw(st.integers(0, 1000))).shuffle(order)
        for i in order:
            comment = " // why" if comments and draw(st.integers(0, 4)) == 0 else ""
            add(body[i] + comment, 1)
        add(closer)
    text = eol.join(lines) + (eol if style.final_newline else "")
    files = {"main.bicep": _encode(text, style)}
    if param_file:
        files["main.bicepparam"] = ("using './main.bicep'" + eol + eol.join(param_file) + eol).encode()
    return files, style


# --------------------------------------------------------------------------- checks

def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _report_path(text: str) -> Path:
    path = Path(text)
    return (path if path.is_absolute() else Path.cwd() / path).resolve()


def _decode(data: bytes) -> tuple[str, str, bytes]:
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding), encoding, bom
    return data.decode("utf-8"), "utf-8", b""


def _differences(old: Any, new: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in old.keys() | new.keys():
            if key not in old or key not in new:
                out.append(path + (key,))
            else:
                out.extend(_differences(old[key], new[key], path + (key,)))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in _differences(a, b, path + (i,))]
    return [] if old == new and type(old) is type(new) else [path]


def _allowed(path: tuple) -> bool:
    keys = [str(k).lower() for k in path if isinstance(k, str)]
    # the changed key itself (or, for list items / nested values, its nearest key) must be one
    # a fix touches; ARM keys like "resources" or "template" may only appear above it
    if not keys:
        return False
    last = keys[-1]
    if last == "name":
        return len(keys) > 1 and keys[-2] == "sku"
    if last == "value":
        return "parameters" in keys
    names = {f"{prefix}{i}" for prefix in ("sku", "skuvar", "acr", "v") for i in range(3)}
    return last in FIX_KEYS - {"name", "value"} or last in names


def _semantic(path: Path, text: str) -> Any:
    if path.suffix in (".json", ".jsonc"):
        return json5.loads(text)
    if path.suffix in (".bicep", ".bicepparam"):
        source = read_source(path)
        source.text = text
        return bicep_reader.parse(source).data
    return text


def check_tree(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        for rel, data in files.items():
            (root / rel).write_bytes(data)
        before = _tree(root)

        dry = _invoke("--dry-run", "--no-color", "--format", "json", str(root))
        assert _tree(root) == before, "--dry-run wrote something"
        assert dry.exit_code in (0, 1), dry.stdout + dry.stderr
        report = json.loads(dry.stdout)
        assert report["errors"] == [] and all(f["status"] != "failed" for f in report["files"]), report

        edits: dict[Path, set[tuple[int, int, str]]] = {}
        statuses_before = []
        for file in report["files"]:
            for registry in file["registries"]:
                statuses_before.append(registry["status"])
                if registry["status"] == "manual":
                    assert registry["manual"], registry
                for change in registry["changes"]:
                    target = _report_path(change["file"])
                    for edit in change["edits"]:
                        edits.setdefault(target, set()).add((edit["start"], edit["end"], edit["text"]))

        for status in sorted(set(statuses_before)):
            event(f"registry status before: {status}")
        event(f"files edited: {len(edits)}")
        write = _invoke("--write", "--no-color", str(root))
        assert write.exit_code in (0, 1), write.stdout + write.stderr
        after = _tree(root)
        for rel, old_bytes in before.items():
            path = (root / rel).resolve()
            new_bytes = after[rel]
            old_text, encoding, bom = _decode(old_bytes)
            expected = old_text
            for start, end, text in sorted(edits.get(path, ()), reverse=True):
                expected = expected[:start] + text + expected[end:]
            assert new_bytes == bom + expected.encode(encoding), f"{rel}: bytes outside the reported edits changed"
            if new_bytes != old_bytes:
                new_text = new_bytes[len(bom):].decode(encoding)
                old_data, new_data = _semantic(path, old_text), _semantic(path, new_text)
                outside = [d for d in _differences(old_data, new_data) if not _allowed(d)]
                assert outside == [], f"{rel}: unplanned semantic change at {outside[0]}"
        assert set(after) == set(before)

        again = _invoke("--dry-run", "--no-color", "--format", "json", str(root))
        assert again.exit_code in (0, 1), again.stdout + again.stderr
        for file in json.loads(again.stdout)["files"]:
            for registry in file["registries"]:
                assert registry["status"] in ("pass", "manual", "suppressed", "not-applicable", "existing"), registry
                if registry["status"] == "manual":
                    assert registry["manual"], registry
        if "fix" in statuses_before:
            assert write.exit_code == (1 if "manual" in statuses_before else 0)

        _invoke("--write", "--no-color", str(root))
        assert _tree(root) == after, "a second --write changed something"


@SETTINGS
@given(arm_trees())
def test_arm_templates(tree: tuple[dict[str, bytes], Style]) -> None:
    check_tree(tree[0])


@SETTINGS
@given(bicep_trees())
def test_bicep_templates(tree: tuple[dict[str, bytes], Style]) -> None:
    check_tree(tree[0])


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.data())
def test_jsonc_formatting_round_trips_through_the_scanner(data: st.DataObject) -> None:
    """The generator itself: its JSONC parses to the data it was made from (json5 agrees)."""
    from fixer.formats.jsonc import scan, to_data

    style = data.draw(styles(True))
    value = data.draw(st.recursive(
        st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(
            st.text("abcdefgh", min_size=1, max_size=4), children, max_size=4),
        max_leaves=20))
    text = dump_json({"root": value}, style, random.Random(data.draw(st.integers(0, 1000))))
    try:
        node, _ = scan(text)
    except Exception as exc:  # duplicate keys that differ only in case are refused on purpose
        assert "duplicate property" in str(exc)
        return
    # (not json5.loads: it leaves escaped surrogate pairs such as "\\ud800\\udc00" unjoined)
    assert to_data(node) == json.loads(text if style.unit is not None and not style.comments and not style.trailing_commas
                                        else json.dumps({"root": value})) == {"root": value}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.data())
def test_the_values_read_while_scanning_are_the_documents_values(data: st.DataObject) -> None:
    """scan_with_values (top level in Python, ``resources`` one level deeper, the rest by the
    C decoder) gives the document's plain values and a tree with the same data, in JSON and
    JSONC, whatever shape ``resources`` has."""
    from fixer.formats.jsonc import scan_with_values, to_data

    jsonc = data.draw(st.booleans())
    style = data.draw(styles(jsonc))
    leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text("ab\"\\/,{}[] é", max_size=6)
    value = st.recursive(leaf, lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.text("abcdefgh", min_size=1, max_size=4), children, max_size=3), max_leaves=12)
    resources = data.draw(st.sampled_from(["array", "object", "other"]))
    if resources == "array":
        document = {"resources": data.draw(st.lists(value, min_size=1, max_size=4))}
    elif resources == "object":  # languageVersion 2.0: symbolic names
        document = {"resources": data.draw(st.dictionaries(st.text("abcdefgh", min_size=1, max_size=4), value,
                                                           min_size=1, max_size=3))}
    else:
        document = {"resources": data.draw(leaf)}
    document["outputs"] = data.draw(value)
    text = dump_json(document, style, random.Random(data.draw(st.integers(0, 1000))))
    try:
        root, strict, values = scan_with_values(text)
    except Exception as exc:  # duplicate keys that differ only in case are refused on purpose
        assert "duplicate property" in str(exc)
        return
    assert values == document
    assert to_data(root) == document
    if not jsonc:
        assert strict
