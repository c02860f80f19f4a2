"""The Bicep reader: parsing, finding registries, resolving values, and the Bicep dialect."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from fixer.edits import Edit, apply_edits
from fixer.errors import ParseError
from fixer.formats import bicep
from fixer.model import Document, Origin, Registry
from fixer.rule import Verdict, evaluate
from fixer.source import SourceFile, detect_eol, read_source
from fixer.workspace import Workspace

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "files"


def _source(text: str, name: str = "main.bicep") -> SourceFile:
    return SourceFile(path=Path(name), text=text, eol=detect_eol(text))


def _parse(text: str, name: str = "main.bicep") -> Document:
    return bicep.parse(_source(text, name))


def _load(source: SourceFile) -> Document | None:
    if source.path.suffix.lower() in (".bicep", ".bicepparam"):
        return bicep.parse(source)
    return None


def _workspace(root: Path, files: dict[str, str]) -> Workspace:
    paths = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return Workspace(loader=_load, files=paths)


def _registries(text: str) -> list[Registry]:
    doc = _parse(text)
    return bicep.find_registries(doc, Workspace(loader=_load))


def _only(text: str) -> Registry:
    found = _registries(text)
    assert len(found) == 1
    return found[0]


def _registry_in(root: Path, files: dict[str, str], rel: str) -> Registry:
    workspace = _workspace(root, files)
    doc = workspace.document(root / rel)
    assert doc is not None
    found = bicep.find_registries(doc, workspace)
    assert len(found) == 1
    return found[0]


ACR = "'Microsoft.ContainerRegistry/registries@2023-07-01'"


# --------------------------------------------------------------------------- parsing

def test_data_view_and_node_paths() -> None:
    doc = _parse(f"""targetScope = 'resourceGroup'
@allowed([
  'Basic'
  'Premium'
])
param sku string = 'Basic'
var tags = {{ env: 'dev', 'cost-center': 12, on: true, gone: null }}
resource acr {ACR} = {{
  name: 'acr${{uniqueString(resourceGroup().id)}}'
  sku: {{
    name: sku
  }}
  properties: {{
    publicNetworkAccess: 'Enabled'
    networkRuleSet: {{
      ipRules: [
        {{ action: 'Allow', value: '1.2.3.4' }}
      ]
    }}
  }}
  resource hook 'webhooks' = {{
    name: 'w'
  }}
}}
output id string = acr.id
""")
    data = doc.data
    assert data["targetScope"] == "resourceGroup"
    assert data["param"]["sku"] == {"type": "string", "default": "Basic", "allowed": ["Basic", "Premium"]}
    assert data["var"]["tags"] == {"env": "dev", "cost-center": 12, "on": True, "gone": None}
    body = data["resource"]["acr"]
    assert body["name"] == "'acr${uniqueString(resourceGroup().id)}'"  # expressions as source text
    assert body["sku"] == {"name": "sku"}
    assert body["properties"]["networkRuleSet"]["ipRules"] == [{"action": "Allow", "value": "1.2.3.4"}]
    assert "resource hook" not in str(body)  # the child resource is not a member of the body
    assert data["resource"]["acr::hook"] == {"name": "w"}
    assert data["resource_type"]["acr"] == "Microsoft.ContainerRegistry/registries@2023-07-01"
    assert data["output"]["id"] == "acr.id"

    registry = bicep.find_registries(doc, Workspace(loader=_load))[0]
    pna = registry.public_network_access
    assert pna.node is not None and pna.node.path == ("resource", "acr", "properties", "publicNetworkAccess")
    assert doc.source.text[pna.node.start:pna.node.end] == "'Enabled'"
    assert registry.ip_rules is not None and registry.ip_rules.items is not None
    assert registry.ip_rules.items[0].path == ("resource", "acr", "properties", "networkRuleSet", "ipRules", 0)
    assert registry.sku_name.node is not None and registry.sku_name.node.path == ("param", "sku", "default")


def test_strings_escapes_and_multiline() -> None:
    doc = _parse("var a = 'it\\'s \\\\ \\n\\t \\$ \\u{41}'\n"
                 "var b = '''\nline one\n  'quoted' ${not interpolated}\n'''\n"
                 "var c = 'x${y}z'\n"
                 "var d = -5\n")
    assert doc.data["var"]["a"] == "it's \\ \n\t $ A"
    assert doc.data["var"]["b"] == "line one\n  'quoted' ${not interpolated}\n"
    assert doc.data["var"]["c"] == "'x${y}z'"
    assert doc.data["var"]["d"] == -5


def test_multiline_string_crlf_drops_first_line_break() -> None:
    doc = _parse("var b = '''\r\nline\r\n'''\r\n")
    assert doc.data["var"]["b"] == "line\r\n"


def test_non_ascii_offsets_are_characters() -> None:
    text = f"// Größe: 🚀 café\nvar note = 'naïve ✓'\nresource acr {ACR} = {{\n  name: 'ünïcode'\n  properties: {{ publicNetworkAccess: 'Enabled' }}\n}}\n"
    doc = _parse(text)
    registry = bicep.find_registries(doc, Workspace(loader=_load))[0]
    assert registry.name == "ünïcode"
    node = registry.public_network_access.node
    assert node is not None and text[node.start:node.end] == "'Enabled'"
    assert doc.data["var"]["note"] == "naïve ✓"
    assert registry.line == 3


def test_syntax_error_raises_parse_error_with_line() -> None:
    # text before any statement: no statement to leave out, so the file cannot be read
    with pytest.raises(ParseError) as info:
        _parse("= {\nvar a = 'x'\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'a'\n}\n")
    assert info.value.line == 1
    assert "main.bicep:1:" in str(info.value) and "\n" not in str(info.value)


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    depth = 5000
    text = "var deep = " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(ParseError, match="nesting deeper than"):
        _parse(text)


def test_grammar_gaps_still_parse() -> None:
    # Non-null assertions, resourceInput<> types, nullable types before `import`, and `/*`
    # inside a string all trip tree-sitter-bicep 1.1; the values must still come out right.
    text = ("import { lockType } from 'br/public:avm/utl/types/avm-common-types:0.7.0'\n"
            "param lock lockType?\n\n"
            "import { other } from 'types.bicep'\n"
            "param tags resourceInput<'Microsoft.ContainerRegistry/registries@2025-04-01'>.tags?\n"
            "param cmk object?\n"
            "var keyName = last(split(cmk.?keyVaultResourceId!, '/'))\n"
            "var route = '/*'\n"
            "type scopeMap = {\n  actions: resourceInput<'Microsoft.ContainerRegistry/registries/scopeMaps@2025-03-01-preview'>.properties.actions\n}\n"
            f"resource acr {ACR} = {{\n  name: 'acr'\n  tags: tags\n}}\n")
    doc = _parse(text)
    assert doc.data["var"]["route"] == "/*"
    assert doc.data["var"]["keyName"] == "last(split(cmk.?keyVaultResourceId!, '/'))"
    assert doc.data["param"]["tags"]["type"] == "resourceInput<'Microsoft.ContainerRegistry/registries@2025-04-01'>.tags?"
    assert len(bicep.find_registries(doc, Workspace(loader=_load))) == 1


def test_comment_openers_inside_strings_are_no_comments() -> None:
    # `'a\\'//b'` and `c ? x : '//'` make tree-sitter-bicep 1.1 start a line comment
    text = ("param id string = ''\n"
            "var escaped = '@replace(variables(\\'x\\'),\\'//\\',\\'/\\')'\n"
            "var parts = split((!empty(id) ? id : '////'), '/')[4]\n"
            f"resource acr {ACR} = {{\n  name: 'acr'\n}}\n")
    doc = _parse(text)
    assert doc.data["var"]["escaped"] == "@replace(variables('x'),'//','/')"
    assert doc.data["var"]["parts"] == "split((!empty(id) ? id : '////'), '/')[4]"
    assert len(bicep.find_registries(doc, Workspace(loader=_load))) == 1


def test_object_types_the_grammar_does_not_know() -> None:
    # a union with a leading `|` inside an object type, `}?` ending a statement, `{ *: string }?`
    text = ("param storage {\n  skuName: (\n    | 'Standard_LRS'\n    | 'Standard_GRS')\n"
            "  publicAccess: ('Disabled' | 'Enabled')\n}?\n"
            "param tags { *: string }?\n"
            "param location string = 'westus'\n"
            f"resource acr {ACR} = {{\n  name: 'acr'\n  location: location\n  tags: tags\n}}\n")
    doc = _parse(text)
    assert doc.data["param"]["tags"]["type"] == "{ *: string }?"   # the `?` read from the text as written
    assert doc.data["param"]["location"]["default"] == "westus"
    assert set(doc.data["param"]) == {"storage", "tags", "location"}


def test_parameter_and_variable_types_the_grammar_does_not_know() -> None:
    # `({ ... })` with `(...)?` members, a typed variable over several lines, `[?^1]`
    text = ("param slot ({\n  name: ('stage')?\n  appSettings: ({ name: string, value: string })[]?\n}) = {}\n"
            "param thumbprint string?\n"
            "var diagnostics {\n  workspaceId: string\n}[] = [\n  { workspaceId: 'w' }\n]\n"
            "var last = diagnostics[?^1]\n"
            f"resource acr {ACR} = {{\n  name: 'acr'\n}}\n")
    doc = _parse(text)
    assert bicep.grammar_gaps(doc) == []
    assert doc.data["var"] == {"diagnostics": [{"workspaceId": "w"}], "last": "diagnostics[?^1]"}
    assert set(doc.data["param"]) == {"slot", "thumbprint"}


def test_nested_existing_if_child_in_an_existing_if_parent() -> None:
    text = ("param vnetId string = ''\nparam a bool = true\nparam b bool = true\n\n"
            "resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' existing = if (!empty(vnetId)) {\n"
            "  name: last(split(vnetId, '/'))\n"
            "  scope: resourceGroup(\n    split(vnetId, '/')[2],\n    split((!empty(vnetId) ? vnetId : '////'), '/')[4]\n  )\n\n"
            "  resource subnet 'subnets@2023-04-01' existing = if (a && b) {\n    name: 'default'\n  }\n}\n")
    doc = _parse(text)
    assert doc.data["resource_type"] == {"vnet": "Microsoft.Network/virtualNetworks@2023-04-01"}
    assert "existing = if (a && b)" in doc.data["resource"]["vnet"]


def test_parse_error_names_the_first_error_node() -> None:
    # tree-sitter wraps the statements before the error in an ERROR node that starts at line 1
    text = ("metadata name = 'x'\nparam a string = 'b'\n\n" + "".join(f"param p{i} string\n" for i in range(5))
            + "\nvar broken = split((!empty(a) ? a : 'x'), '/')[2] +++ )\nparam z string\n")
    gaps = bicep.grammar_gaps(_parse(text))
    assert [(g.line, g.column, g.problem, g.declares) for g in gaps] == [(10, 52, "unexpected `+`", {"broken"})]
    with pytest.raises(ParseError) as info:
        _parse("using './main.bicep'\n\nparam a = 'x'\nparam b = (1 +++ )\n", "main.bicepparam")
    assert (info.value.line, info.value.column, info.value.unexpected) == (4, 14, "+")
    assert str(info.value) == "main.bicepparam:4:14: invalid Bicep: unexpected `+`"


def _registries(text: str) -> list[Registry]:
    doc = _parse(text)
    return bicep.find_registries(doc, Workspace(loader=_load))


GAP = "var broken = split((!empty(a) ? a : 'x'), '/')[2] +++ )\n"


def test_a_statement_the_grammar_cannot_read_is_left_out() -> None:
    text = ("param a string = 'x'\n\n@description('left out with it')\n" + GAP +
            f"\nresource acr {ACR} = {{\n  name: 'acr'\n  location: a\n}}\n")
    doc = _parse(text)
    assert set(doc.data) == {"param", "resource", "resource_type"}
    [gap] = bicep.grammar_gaps(doc)
    assert text[gap.start:gap.end] == "@description('left out with it')\n" + GAP + "\n"
    [registry] = bicep.find_registries(doc, Workspace(loader=_load))
    assert registry.manual_reason is None and registry.name == "acr"
    # a key or a property named like the left-out variable is no use of it
    keyed = text.replace("  location: a\n", "  location: a\n  tags: {\n    broken: 'no'\n    x: a.broken\n  }\n")
    [registry] = _registries(keyed)
    assert registry.manual_reason is None


def test_a_registry_that_depends_on_a_left_out_statement_is_manual() -> None:
    # through a variable that uses it: followed transitively
    text = ("param a string = 'x'\n" + GAP + "var name = '${broken}-acr'\n"
            f"resource acr {ACR} = {{\n  name: name\n}}\n")
    [registry] = _registries(text)
    assert registry.manual_reason is not None
    assert "depend on 'broken', declared in a statement acr-fix cannot read (line 2, column 52" in registry.manual_reason


def test_a_registry_inside_a_left_out_statement_is_manual() -> None:
    text = (f"param a string = 'x'\n\nresource acr {ACR} = {{\n  name: split(a, '/')[2] +++ )\n}}\n"
            "\nresource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n}\n")
    [registry] = _registries(text)
    assert (registry.symbolic, registry.line) == ("acr", 3)
    assert registry.manual_reason is not None and "line 4, column 26: unexpected `+`" in registry.manual_reason


def test_an_edit_must_keep_the_left_out_statements() -> None:
    text = "param a string = 'x'\n" + GAP + f"resource acr {ACR} = {{\n  name: 'acr'\n}}\n"
    doc = _parse(text)
    [gap] = bicep.grammar_gaps(doc)
    kept = Edit(text.index("name: 'acr'"), text.index("name: 'acr'"), "location: 'x'\n  ")
    new_text = apply_edits(text, [kept])
    assert bicep.grammar_gaps(bicep.parse(_source(new_text), (doc, [kept])))[0].problem == gap.problem
    inside = Edit(text.index("+++"), text.index("+++") + 3, "+")
    with pytest.raises(ParseError, match="an edit touches a statement the grammar cannot read"):
        bicep.parse(_source(apply_edits(text, [inside])), (doc, [inside]))


def test_bicepparam_data() -> None:
    doc = _parse("using './main.bicep'\n\n// production\nparam sku = 'Standard'\nparam ips = [\n  '1.2.3.4'\n]\n"
                 "var region = 'westeurope'\nparam where = region\n", "prod.bicepparam")
    assert doc.kind == "bicepparam"
    assert doc.data == {"using": "./main.bicep", "param": {"sku": "Standard", "ips": ["1.2.3.4"], "where": "region"},
                        "var": {"region": "westeurope"}}


# --------------------------------------------------------------------------- finding registries

def test_conditions_loops_existing_and_children() -> None:
    found = _registries(f"""param deploy bool
param names array
resource plain {ACR} = {{
  name: 'plain'
}}
resource maybe {ACR} = if (deploy) {{
  name: 'maybe'
}}
resource many {ACR} = [for n in names: {{
  name: n
}}]
resource some 'microsoft.containerregistry/REGISTRIES@2023-07-01' = [for (n, i) in names: if (i > 0) {{
  name: '${{n}}${{i}}'
}}]
resource counted {ACR} = [for i in range(0, 3): {{
  name: 'acr${{i}}'
}}]
resource old {ACR} existing = {{
  name: 'shared'
}}
resource replica 'Microsoft.ContainerRegistry/registries/replications@2023-07-01' = {{
  parent: plain
  name: 'westus'
}}
""")
    assert [r.symbolic for r in found] == ["plain", "maybe", "many", "some", "counted", "old"]
    assert [r.name for r in found] == ["plain", "maybe", "many", "some", "counted", "shared"]
    assert [r.existing for r in found] == [False] * 5 + [True]
    assert [r.index for r in found] == list(range(6))
    assert any("for" in note for note in found[2].notes)
    assert any("if" in note for note in found[1].notes)


def test_absent_values_name_their_parent() -> None:
    registry = _only(f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    adminUserEnabled: false\n  }}\n}}\n")
    assert registry.public_network_access.origin == Origin.ABSENT
    assert registry.public_network_access.parent is registry.properties
    assert registry.default_action.origin == Origin.ABSENT and registry.default_action.parent is None
    assert registry.sku_name.origin == Origin.ABSENT and registry.sku_name.parent is None
    assert registry.property_keys == frozenset({"adminuserenabled"})


def test_null_value_is_absent_with_its_node() -> None:
    registry = _only(f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    publicNetworkAccess: null\n  }}\n}}\n")
    assert registry.public_network_access.origin == Origin.ABSENT
    assert registry.public_network_access.node is not None and registry.public_network_access.node.kind == "null"


def test_private_endpoints() -> None:
    by_group = _only(f"""resource acr {ACR} = {{
  name: 'a'
}}
resource pe 'Microsoft.Network/privateEndpoints@2023-04-01' = {{
  name: 'pe'
  properties: {{
    privateLinkServiceConnections: [
      {{
        name: 'c'
        properties: {{
          privateLinkServiceId: registryId
          groupIds: [
            'registry'
          ]
        }}
      }}
    ]
  }}
}}
""")
    assert by_group.has_private_endpoint
    by_module = _only(f"""resource registry {ACR} = {{
  name: 'a'
}}
module registry_privateEndpoints 'br/public:avm/res/network/private-endpoint:0.11.0' = [for (pe, i) in (privateEndpoints ?? []): {{
  name: 'pe-${{i}}'
  params: {{
    privateLinkServiceConnections: [{{ name: 'x', properties: {{ privateLinkServiceId: registry.id, groupIds: ['registry'] }} }}]
  }}
}}]
""")
    assert by_module.has_private_endpoint
    none = _only(f"resource acr {ACR} = {{\n  name: 'a'\n}}\nresource pe 'Microsoft.Network/privateEndpoints@2023-04-01' = {{\n  name: 'pe'\n  properties: {{}}\n}}\n")
    assert not none.has_private_endpoint


def test_ignore_and_checkov_comments() -> None:
    found = _registries(f"""// acr-fix: ignore pulled by on-prem build agents
resource a {ACR} = {{
  name: 'a'
}}

@description('the build cache')
resource b {ACR} = {{
  name: 'b'
  properties: {{
    publicNetworkAccess: 'Enabled' // checkov:skip=CKV_AZURE_139: GitHub runners have no fixed IP
  }}
}}

resource c {ACR} = {{
  // acr-fix: ignore
  name: 'c'
}}
""")
    assert found[0].inline_ignore == "pulled by on-prem build agents"
    assert found[1].inline_ignore is None
    assert found[1].checkov_skip == "GitHub runners have no fixed IP"
    assert found[2].inline_ignore == "no reason given"


def test_api_version_edit_rewrites_only_the_version() -> None:
    text = "resource acr 'Microsoft.ContainerRegistry/registries@2019-05-01' = {\n  name: 'a'\n}\n"
    doc = _parse(text)
    registry = bicep.find_registries(doc, Workspace(loader=_load))[0]
    assert registry.api_version.origin == Origin.LITERAL and registry.api_version.value == "2019-05-01"
    assert registry.api_version.node is not None and registry.api_version.node.path == ("resource_type", "acr")
    new_text = apply_edits(text, registry.api_version_edit("2023-07-01"))
    assert new_text == text.replace("2019-05-01", "2023-07-01")
    assert _parse(new_text).data["resource_type"]["acr"].endswith("@2023-07-01")


# --------------------------------------------------------------------------- resolving values

def test_parameter_default_with_allowed() -> None:
    registry = _only(f"""@description('The SKU')
@allowed([
  'Basic'
  'Standard'
])
param acrSku string = 'Basic'
resource acr {ACR} = {{
  name: 'a'
  sku: {{
    name: acrSku
  }}
}}
""")
    sku = registry.sku_name
    assert sku.origin == Origin.PARAMETER_DEFAULT and sku.value == "Basic"
    assert sku.node is not None and sku.node.path == ("param", "acrSku", "default")
    assert sku.allowed is not None and [i.value for i in sku.allowed.items or ()] == ["Basic", "Standard"]
    assert sku.allowed_doc is registry.doc
    assert "acrSku" in sku.detail


def test_bicepparam_value_wins_over_default(tmp_path: Path) -> None:
    registry = _registry_in(tmp_path, {
        "infra/main.bicep": f"param access string = 'Disabled'\nresource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    publicNetworkAccess: access\n  }}\n}}\n",
        "infra/params/prod.bicepparam": "using '../main.bicep'\n\nparam access = 'Enabled'\n",
    }, "infra/main.bicep")
    pna = registry.public_network_access
    assert pna.origin == Origin.PARAMETER_FILE and pna.value == "Enabled"
    assert pna.doc is not None and pna.doc.path.name == "prod.bicepparam"
    assert pna.node is not None and pna.node.path == ("param", "access")
    assert "prod.bicepparam" in pna.detail


def test_every_parameter_file_is_a_deployment(tmp_path: Path) -> None:
    registry = _registry_in(tmp_path, {
        "main.bicep": f"param access string\nresource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    publicNetworkAccess: access\n  }}\n}}\n",
        "dev.bicepparam": "using './main.bicep'\nparam access = 'Enabled'\n",
        "prod.bicepparam": "using 'main.bicep'\nparam access = 'Disabled'\n",
        "other.bicepparam": "using './other.bicep'\nparam access = 'Enabled'\n",
    }, "main.bicep")
    deployments = [registry.public_network_access, *registry.public_network_access.also]
    assert sorted((r.value, r.detail.rsplit(" ", 1)[-1]) for r in deployments) == [
        ("Disabled", "prod.bicepparam"), ("Enabled", "dev.bicepparam")]  # other.bicepparam deploys another file
    assert evaluate(registry) == Verdict.FAIL  # dev is open


@pytest.mark.parametrize("files", [
    {"prod.bicepparam": "using './main.bicep'\nparam access = 'Disabled'\n", "dev.bicepparam": "using './main.bicep'\n"},
    {"main.parameters.prod.json": '{"parameters": {"access": {"value": "Disabled"}}}',
     "main.parameters.dev.json": '{"parameters": {}}'},
])
def test_a_parameter_file_that_sets_nothing_deploys_the_default(tmp_path: Path, files: dict) -> None:
    from fixer.run import load_document  # JSON parameter files too

    workspace = _workspace(tmp_path, {
        "main.bicep": f"param access string = 'Enabled'\nresource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n"
                      f"    publicNetworkAccess: access\n  }}\n}}\n", **files})
    workspace.loader = load_document
    (registry,) = bicep.find_registries(workspace.document(tmp_path / "main.bicep"), workspace)
    values = sorted(r.value for r in [registry.public_network_access, *registry.public_network_access.also])
    assert values == ["Disabled", "Enabled"]  # prod's value, and the default that dev deploys
    assert evaluate(registry) == Verdict.FAIL


def test_a_bool_that_one_parameter_file_leaves_at_its_default_is_not_known(tmp_path: Path) -> None:
    registry = _registry_in(tmp_path, {
        "main.bicep": f"param isolated bool = false\nresource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n"
                      f"    publicNetworkAccess: isolated ? 'Disabled' : 'Enabled'\n  }}\n}}\n",
        "prod.bicepparam": "using './main.bicep'\nparam isolated = true\n",
        "dev.bicepparam": "using './main.bicep'\n"}, "main.bicep")
    assert evaluate(registry) == Verdict.UNKNOWN  # prod closed, dev (the default) open


def test_variable() -> None:
    registry = _only(f"var access = 'Enabled'\nvar indirect = access\nresource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    publicNetworkAccess: indirect\n  }}\n}}\n")
    pna = registry.public_network_access
    assert pna.origin == Origin.VARIABLE and pna.value == "Enabled"
    assert pna.node is not None and pna.node.path == ("var", "access")


def test_ternary_with_one_value_either_way_is_known_but_not_editable() -> None:
    registry = _only(f"param isolated bool\nresource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    publicNetworkAccess: (isolated ? 'Disabled' : 'disabled')\n  }}\n}}\n")
    pna = registry.public_network_access
    assert pna.origin == Origin.EXPRESSION and pna.value == "Disabled"


def test_ternary_with_two_values_is_manual() -> None:
    registry = _only(f"param isolated bool\nresource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    publicNetworkAccess: isolated ? 'Disabled' : 'Enabled'\n  }}\n}}\n")
    pna = registry.public_network_access
    assert pna.origin == Origin.EXPRESSION and pna.value is None
    assert pna.detail == "publicNetworkAccess comes from the expression `isolated ? 'Disabled' : 'Enabled'` (line 5)"


def test_interpolated_string_and_function_call_are_manual() -> None:
    registry = _only(f"param suffix string\nresource acr {ACR} = {{\n  name: 'a'\n  sku: {{\n    name: toUpper(suffix)\n  }}\n  properties: {{\n    publicNetworkAccess: '${{suffix}}abled'\n  }}\n}}\n")
    assert registry.public_network_access.origin == Origin.EXPRESSION
    assert "interpolated string `'${suffix}abled'`" in registry.public_network_access.detail
    assert registry.sku_name.origin == Origin.EXPRESSION and registry.sku_name.value is None
    assert "function call `toUpper(suffix)`" in registry.sku_name.detail


def test_properties_as_expression() -> None:
    registry = _only(f"var props = {{}}\nresource acr {ACR} = {{\n  name: 'a'\n  properties: union(props, {{ publicNetworkAccess: 'Enabled' }})\n}}\n")
    assert registry.public_network_access.origin == Origin.EXPRESSION
    assert registry.default_action.origin == Origin.EXPRESSION
    assert registry.properties is None


MODULE = f"""@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string
param access string = 'Enabled'
resource acr {ACR} = {{
  name: 'a'
  sku: {{
    name: sku
  }}
  properties: {{
    publicNetworkAccess: access
  }}
}}
"""


def test_module_caller_supplies_the_value(tmp_path: Path) -> None:
    registry = _registry_in(tmp_path, {
        "modules/acr.bicep": MODULE,
        "main.bicep": "module registry 'modules/acr.bicep' = {\n  name: 'acr'\n  params: {\n    sku: 'Standard'\n  }\n}\n",
    }, "modules/acr.bicep")
    sku = registry.sku_name
    assert sku.origin == Origin.MODULE_CALLER and sku.value == "Standard"
    assert sku.doc is not None and sku.doc.path.name == "main.bicep"
    assert sku.node is not None and sku.node.path == ("module", "registry", "params", "sku")
    assert sku.allowed is not None and sku.allowed_doc is registry.doc  # the module's @allowed list
    # The caller does not pass `access`, so the module's default decides.
    assert registry.public_network_access.origin == Origin.PARAMETER_DEFAULT


def test_module_caller_passing_its_own_parameter(tmp_path: Path) -> None:
    registry = _registry_in(tmp_path, {
        "modules/acr.bicep": MODULE,
        "main.bicep": "param registrySku string = 'Basic'\nmodule registry './modules/acr.bicep' = {\n  name: 'acr'\n  params: {\n    sku: registrySku\n  }\n}\n",
    }, "modules/acr.bicep")
    sku = registry.sku_name
    assert sku.origin == Origin.PARAMETER_DEFAULT and sku.value == "Basic"
    assert sku.doc is not None and sku.doc.path.name == "main.bicep"
    assert sku.node is not None and sku.node.path == ("param", "registrySku", "default")


def test_module_with_several_callers_or_none(tmp_path: Path) -> None:
    several = _registry_in(tmp_path / "several", {
        "modules/acr.bicep": MODULE,
        "a.bicep": "module r 'modules/acr.bicep' = {\n  name: 'a'\n  params: {\n    sku: 'Basic'\n  }\n}\n",
        "b.bicep": "module r 'modules/acr.bicep' = {\n  name: 'b'\n  params: {\n    sku: 'Standard'\n  }\n}\n",
    }, "modules/acr.bicep")
    # each call is a deployment of its own: both values, each where its caller passes it
    deployments = [several.sku_name, *several.sku_name.also]
    assert [(r.origin, r.value) for r in deployments] == [(Origin.MODULE_CALLER, "Basic"), (Origin.MODULE_CALLER, "Standard")]
    assert [r.detail.rsplit("/", 1)[-1] for r in deployments] == ["a.bicep", "b.bicep"]
    assert all(r.detail.startswith("parameter 'sku' passed by module 'r' in ") for r in deployments)
    alone = _registry_in(tmp_path / "alone", {"modules/acr.bicep": MODULE}, "modules/acr.bicep")
    assert alone.sku_name.origin == Origin.NO_VALUE
    assert "no default value" in alone.sku_name.detail


def test_resolution_cycles_stop() -> None:
    registry = _only(f"var a = b\nvar b = a\nresource acr {ACR} = {{\n  name: 'x'\n  properties: {{\n    publicNetworkAccess: a\n  }}\n}}\n")
    assert registry.public_network_access.origin == Origin.EXPRESSION
    assert "too many indirections" in registry.public_network_access.detail


# --------------------------------------------------------------------------- the dialect

def _insert(text: str, path: tuple, key: str, value: object, name: str = "main.bicep") -> str:
    doc = _parse(text, name)
    node = _node_at(doc, path)
    new_text = apply_edits(text, bicep.DIALECT.insert_member(doc, node, key, value))
    reparsed = _parse(new_text, name)  # the result must stay valid Bicep
    assert _data_at(reparsed.data, path)[key] == value
    return new_text


def _node_at(doc: Document, path: tuple):
    registry = bicep.find_registries(doc, Workspace(loader=_load))[0]
    node = registry.node
    for key in path:
        node = node.get(key)
    return node


def _data_at(data: dict, path: tuple):
    current = data["resource"]["acr"]
    for key in path:
        current = current[key]
    return current


def test_insert_after_last_member_keeps_trailing_comment() -> None:
    text = f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    adminUserEnabled: false // keep me\n  }}\n}}\n"
    assert _insert(text, ("properties",), "publicNetworkAccess", "Disabled") == (
        f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    adminUserEnabled: false // keep me\n"
        "    publicNetworkAccess: 'Disabled'\n  }\n}\n")


def test_insert_nested_object_with_crlf_tabs_and_bom() -> None:
    text = f"// header\r\nresource acr {ACR} = {{\r\n\tname: 'a'\r\n\tproperties: {{\r\n\t\t/* block */\r\n\t\tadminUserEnabled: false\r\n\t}}\r\n}}\r\n"
    raw = codecs.BOM_UTF8 + text.encode("utf-8")
    path = Path("/nonexistent/main.bicep")
    source = SourceFile(path=path, text=raw[3:].decode("utf-8"), bom=codecs.BOM_UTF8, eol="\r\n", raw=raw)
    doc = bicep.parse(source)
    node = _node_at(doc, ("properties",))
    new_text = apply_edits(source.text, bicep.DIALECT.insert_member(doc, node, "networkRuleSet", {"defaultAction": "Deny"}))
    assert new_text == text.replace("\t\tadminUserEnabled: false\r\n",
                                    "\t\tadminUserEnabled: false\r\n\t\tnetworkRuleSet: {\r\n\t\t\tdefaultAction: 'Deny'\r\n\t\t}\r\n")
    assert source.encode(new_text).startswith(codecs.BOM_UTF8)
    assert "\n" not in new_text.replace("\r\n", "")


def test_insert_into_empty_objects() -> None:
    text = f"resource acr {ACR} = {{\n    name: 'a'\n    properties: {{}}\n}}\n"
    assert _insert(text, ("properties",), "publicNetworkAccess", "Disabled") == (
        f"resource acr {ACR} = {{\n    name: 'a'\n    properties: {{\n        publicNetworkAccess: 'Disabled'\n    }}\n}}\n")
    opened = f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n  }}\n}}\n"
    assert _insert(opened, ("properties",), "publicNetworkAccess", "Disabled") == (
        f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    publicNetworkAccess: 'Disabled'\n  }}\n}}\n")


def test_insert_into_single_line_object() -> None:
    text = f"resource acr {ACR} = {{\n  name: 'a'\n  sku: {{ tier: 'x', capacity: 1 }}\n}}\n"
    assert _insert(text, ("sku",), "name", "Premium") == (
        f"resource acr {ACR} = {{\n  name: 'a'\n  sku: {{ tier: 'x', capacity: 1, name: 'Premium' }}\n}}\n")
    nested = _insert(text, ("sku",), "extra", {"a-b": ["x"]})
    assert "capacity: 1, extra: { 'a-b': ['x'] } }" in nested


def test_insert_several_members_at_once() -> None:
    text = f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{}}\n}}\n"
    doc = _parse(text)
    node = _node_at(doc, ("properties",))
    edits = bicep.DIALECT.insert_members(doc, node, [("networkRuleBypassOptions", "AzureServices"),
                                                     ("networkRuleSet", {"defaultAction": "Deny", "ipRules": []})])
    new_text = apply_edits(text, edits)
    assert new_text == (f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n"
                        "    networkRuleBypassOptions: 'AzureServices'\n    networkRuleSet: {\n"
                        "      defaultAction: 'Deny'\n      ipRules: []\n    }\n  }\n}\n")
    _parse(new_text)


def test_append_to_allowed_list_and_single_line_array() -> None:
    text = "@allowed([\n  'Basic'\n  'Standard' // cheapest that geo-replicates\n])\nparam sku string = 'Basic'\nvar ips = ['1.1.1.1', '2.2.2.2']\n"
    doc = _parse(text)
    allowed = bicep.nodes._syntax_of(doc).params["sku"].allowed
    assert allowed is not None
    new_text = apply_edits(text, bicep.DIALECT.append_item(doc, allowed, "Premium"))
    assert new_text == text.replace("geo-replicates\n", "geo-replicates\n  'Premium'\n")
    assert _parse(new_text).data["param"]["sku"]["allowed"] == ["Basic", "Standard", "Premium"]
    ips = bicep.nodes._syntax_of(doc).variables["ips"]
    new_text = apply_edits(text, bicep.DIALECT.append_item(doc, ips, "3.3.3.3"))
    assert "var ips = ['1.1.1.1', '2.2.2.2', '3.3.3.3']" in new_text


def test_literal_rendering() -> None:
    literal = bicep.DIALECT.literal
    assert literal("it's ${x}\n", "", "  ", "\n") == "'it\\'s \\${x}\\n'"
    assert literal(True, "", "  ", "\n") == "true"
    assert literal(3, "", "  ", "\n") == "3"
    assert literal({"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "1.2.3.4/32"}], "odd-key": None},
                   "  ", "  ", "\r\n") == (
        "{\r\n    defaultAction: 'Deny'\r\n    ipRules: [\r\n      {\r\n        action: 'Allow'\r\n"
        "        value: '1.2.3.4/32'\r\n      }\r\n    ]\r\n    'odd-key': null\r\n  }")
    assert _parse("var v = " + literal("a'\\b${c}\t", "", "  ", "\n") + "\n").data["var"]["v"] == "a'\\b${c}\t"


# --------------------------------------------------------------------------- the corpus

@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_every_corpus_bicep_file_parses_or_raises_parse_error() -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in (".bicep", ".bicepparam"))
    assert files
    workspace = Workspace(loader=_load, files=files)
    parsed = 0
    for path in files:
        try:
            doc = bicep.parse(read_source(path))
        except ParseError:
            continue
        parsed += 1
        for registry in bicep.find_registries(doc, workspace):
            assert registry.node.kind == "object"
            for resolved in (registry.sku_name, registry.public_network_access, registry.default_action, registry.bypass):
                assert resolved.value is None or isinstance(resolved.value, str)
    assert parsed == len(files)  # today every corpus file parses; a regression shows up here


def test_object_parameter_and_variable_hold_the_value() -> None:
    # The azd templates pass `sku: sku` with `param sku object = { name: 'Basic' }`.
    registry = _only(f"""param sku object = {{
  name: 'Basic'
}}
var network = {{
  defaultAction: 'Allow'
}}
var emptyProps = {{}}
resource acr {ACR} = {{
  name: 'a'
  sku: sku
  properties: {{
    networkRuleSet: network
  }}
}}
""")
    assert registry.sku_name.origin == Origin.PARAMETER_DEFAULT and registry.sku_name.value == "Basic"
    assert registry.sku_name.node is not None and registry.sku_name.node.path == ("param", "sku", "default", "name")
    assert registry.default_action.origin == Origin.VARIABLE and registry.default_action.value == "Allow"
    assert registry.network_rule_set is None  # not an object in the body: never inserted into
    opaque = _only(f"resource acr {ACR} = {{\n  name: 'a'\n  sku: skuFor('prod')\n}}\n")
    assert opaque.sku_name.origin == Origin.EXPRESSION
    assert opaque.sku_name.detail == "sku.name is inside the expression `skuFor('prod')` (line 3)"


def test_insert_into_object_holding_only_a_comment() -> None:
    text = f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{ /* none yet */ }}\n}}\n"
    assert _insert(text, ("properties",), "publicNetworkAccess", "Disabled") == (
        f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{ /* none yet */\n    publicNetworkAccess: 'Disabled'\n  }}\n}}\n")


MODERN_AVM_SYNTAX = """import {
  lockType
  roleAssignmentType as roles
} from 'br/public:avm/utl/types/avm-common-types:0.5.1'

@export()
@description('The item\\'s type, with a parenthesized multi-line union.')
type tierType = (
  | 'Basic'
  | 'Standard')

type capacityType = (100 | 200 | 300)

param tier tierType = 'Basic'
param storageAccountResourceId string = ''

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = if (!empty(storageAccountResourceId)) {
  name: last(split(storageAccountResourceId, '/'))
  scope: resourceGroup(
    split(storageAccountResourceId, '/')[2],
    split(storageAccountResourceId, '/')[4]
  )
}

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'modernacr'
  location: 'westus'
  sku: {
    name: tier
  }
}
"""


def test_syntax_the_grammar_lacks_is_read(tmp_path):
    """AVM-era syntax tree-sitter-bicep 1.1 cannot parse: multi-line imports, parenthesized
    unions with leading `|`, `existing = if (...)`, call arguments over several lines."""
    path = tmp_path / "main.bicep"
    path.write_text(MODERN_AVM_SYNTAX)
    doc = bicep.parse(read_source(path))
    (registry,) = bicep.find_registries(doc, Workspace(loader=_load, files=[path]))
    assert registry.sku_name.value == "Basic"
    # the union read from the text: 'Premium' is added after its last member
    target_doc, end, values, type_path = registry.sku_name.allowed_type
    assert values == ["Basic", "Standard"] and type_path == ("type", "tierType")
    assert doc.source.text[end - len("'Standard'"):end] == "'Standard'"


def test_a_symbol_named_once_outside_the_registry_has_no_other_user():
    """The text pre-check before walking the tree for uses of a parameter: it may only say
    "no other user" when that is certain (the one occurrence left is the declaration)."""
    from fixer.formats.bicep.registries import _named_at_most_once_outside

    text = "param sku string\nresource r 'x' = {\n  sku: { name: sku }\n}\n"
    registry = (text.index("resource"), len(text))
    assert _named_at_most_once_outside(text, "sku", [registry])
    assert not _named_at_most_once_outside(text + "var copy = sku\n", "sku", [registry])
    assert not _named_at_most_once_outside(text + "var all = { ...sku }\n", "sku", [registry])  # a spread uses it
    assert _named_at_most_once_outside(text + "var skuName = 'x'\nvar mysku = 1\n", "sku", [registry])  # other names
    assert not _named_at_most_once_outside(text + "// sku\n", "sku", [registry])  # unsure: the tree decides


def test_imported_names_come_from_import_statements_at_the_start_of_a_line():
    from fixer.formats.bicep.grammar import _imported_names

    text = ("import {a, b as c} from 'x.bicep'\n  import { d } from 'y.bicep'\n"
            "var x = 'import {e}'\nfooimport {f}\nvar y = import {g\nimport {h} from 'z.bicep'\n")
    assert _imported_names(text) == {"a", "c", "d", "h"}
    assert _imported_names("var imported = 1\n") == set()


@pytest.mark.parametrize("path, version", [
    ("br/public:avm/res/container-registry/registry:0.12.1", (0, 12, 1)),
    ("br:mcr.microsoft.com/bicep/avm/res/container-registry/registry:0.8.5", (0, 8, 5)),
    ("br/public:avm/res/container-registry/registry:latest", None),   # not a version: read as old
    ("br/public:avm/res/storage/storage-account:0.9.0", None),
])
def test_the_avm_module_version_comes_from_the_reference(path, version):
    from fixer.formats.bicep.modules import _avm_version

    assert _avm_version(path) == version


@pytest.mark.parametrize("declaration, absent", [
    ("var extra = {\n  zoneRedundancy: 'Disabled'\n}\n", True),                       # no such key: really absent
    ("var extra = {\n  networkRuleSet: {\n    defaultAction: 'Allow'\n  }\n}\n", False),  # the spread sets it
    ("var base = {}\nvar extra = {\n  ...base\n}\n", False),                              # a spread in the spread
    ("param extra object = {}\n", False),                                                 # a parameter: any object
])
def test_a_spread_of_a_variable_without_the_key_leaves_it_absent(declaration, absent):
    registry = _only(f"{declaration}resource acr {ACR} = {{\n  name: 'x'\n  properties: {{\n    ...extra\n"
                     f"    publicNetworkAccess: 'Enabled'\n  }}\n}}\n")
    assert (registry.default_action.origin == Origin.ABSENT) is absent
    if not absent:
        assert "spread" in registry.default_action.detail


@pytest.mark.parametrize("access, network_rule_set, verdict", [
    ("open ? 'Enabled' : 'Disabled'", "open ? { defaultAction: 'Deny' } : null", Verdict.PASS),
    ("open ? 'Enabled' : 'Disabled'", "!open ? { defaultAction: 'Deny' } : null", Verdict.UNKNOWN),  # open when open
    ("open ? 'Enabled' : 'Disabled'", "other ? { defaultAction: 'Deny' } : null", Verdict.UNKNOWN),  # not the same choice
    ("open ? 'Enabled' : 'Disabled'", "open ? { defaultAction: 'Allow' } : null", Verdict.UNKNOWN),
    ("'Enabled'", "open ? { defaultAction: 'Deny' } : { defaultAction: 'Deny' }", Verdict.PASS),  # either way
])
def test_two_properties_chosen_by_one_condition_are_read_together(access, network_rule_set, verdict):
    registry = _only(f"param open bool\nparam other bool\nresource acr {ACR} = {{\n  name: 'x'\n  sku: {{\n"
                     f"    name: 'Premium'\n  }}\n  properties: {{\n    publicNetworkAccess: {access}\n"
                     f"    networkRuleSet: {network_rule_set}\n  }}\n}}\n")
    assert evaluate(registry) == verdict


def test_a_member_of_an_object_parameter_that_another_resource_uses_is_shared():
    registry = _only(f"param cfg object = {{\n  sku: 'Standard'\n}}\nresource acr {ACR} = {{\n  name: 'x'\n  sku: {{\n"
                     f"    name: cfg.sku\n  }}\n}}\nresource bus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {{\n"
                     f"  name: 'bus'\n  sku: {{\n    name: cfg.sku\n  }}\n}}\n")
    assert registry.sku_name.value == "Standard" and registry.sku_name.param == "cfg"
    assert registry.sku_name.shared and "'cfg' is also used by resource 'bus' (this file, line 13)" in registry.sku_name.shared


@pytest.mark.parametrize("declarations, condition, verdict", [
    ("param private bool = false\n", "private", Verdict.FAIL),        # 'Enabled': known, open
    ("param private bool = true\n", "private", Verdict.PASS),
    ("param private bool = false\n", "!private", Verdict.PASS),
    ("var private = true\n", "(private)", Verdict.PASS),
    ("param private bool\n", "private", Verdict.UNKNOWN),             # no value anywhere
    ("param private string = 'yes'\n", "private == 'yes'", Verdict.PASS),
    ("param env string = 'prod'\n", "env != 'dev'", Verdict.PASS),
    ("param env string = 'dev'\n", "env != 'dev'", Verdict.FAIL),
    ("param env string = 'prod'\n", "env == 'Prod'", Verdict.UNKNOWN),   # differs only in case: not guessed
    ("param env string = 'prod'\n", "env =~ 'Prod'", Verdict.PASS),      # =~ ignores case
    ("param tier string = 'Premium'\n", "toLower(tier) == 'premium'", Verdict.PASS),
    ("param subnetId string = ''\n", "!empty(subnetId)", Verdict.FAIL),
    ("param rules array = []\n", "empty(rules)", Verdict.PASS),
    ("param access string?\n", "empty(access)", Verdict.PASS),               # nobody sets it: null
    ("param access string\n", "empty(access)", Verdict.UNKNOWN),              # no value at all
    ("param rules array = [\n  otherParam\n]\n", "empty(rules)", Verdict.FAIL),  # one item, whatever it is
    ("param private bool = false\nparam env string\n", "private && env == 'prod'", Verdict.FAIL),  # false decides
    ("param private bool = false\nparam env string\n", "private || env == 'prod'", Verdict.UNKNOWN),
    ("param private bool = true\nparam env string = 'prod'\n", "private && (env == 'prod')", Verdict.PASS),
    ("var cfg = {\n  private: true\n}\n", "cfg.private", Verdict.PASS),
    ("param cfg object = {}\n", "cfg.?private ?? false", Verdict.FAIL),  # `.?` on a missing member: null
    ("param cfg object = { private: true }\n", "cfg.?private ?? false", Verdict.PASS),
    ("param cfg object = { net: {} }\n", "cfg.?net.?private ?? true", Verdict.PASS),
    ("param cfg object\n", "cfg.?private ?? false", Verdict.UNKNOWN),  # no default, nothing sets it
    ("param env string = 'prod'\nvar isProd = env == 'prod'\n", "isProd", Verdict.PASS),
])
def test_a_choice_on_a_bool_known_in_every_deployment_is_read(declarations, condition, verdict):
    registry = _only(f"{declarations}resource acr {ACR} = {{\n  name: 'x'\n  properties: {{\n"
                     f"    publicNetworkAccess: {condition} ? 'Disabled' : 'Enabled'\n  }}\n}}\n")
    assert evaluate(registry) == verdict


def test_a_choice_on_a_bool_that_callers_set_differently_stays_unknown(tmp_path):
    module = (f"param private bool = true\nresource acr {ACR} = {{\n  name: 'x'\n  properties: {{\n"
              f"    publicNetworkAccess: private ? 'Disabled' : 'Enabled'\n  }}\n}}\n")
    call = "module r 'modules/acr.bicep' = {{\n  name: 'r'\n  params: {{\n{}  }}\n}}\n"
    both = _registry_in(tmp_path / "both", {"modules/acr.bicep": module, "a.bicep": call.format("    private: false\n"),
                                            "b.bicep": call.format("")}, "modules/acr.bicep")
    assert evaluate(both) == Verdict.UNKNOWN  # a.bicep deploys it open, b.bicep (the default) closed
    same = _registry_in(tmp_path / "same", {"modules/acr.bicep": module, "a.bicep": call.format("    private: true\n")},
                        "modules/acr.bicep")
    assert evaluate(same) == Verdict.PASS


def test_a_sku_the_deployment_condition_reads_is_not_changed(tmp_path: Path) -> None:
    from fixer.options import Options
    from fixer.planner import plan_registry

    body = "{\n  name: 'a'\n  sku: {\n    name: acrSku\n  }\n}\n"
    direct = _only(f"param acrSku string = 'Basic'\nresource acr {ACR} = if (acrSku == 'Basic') {body}")
    assert direct.condition_text == "(acrSku == 'Basic')"
    plan = plan_registry(direct, Options())
    assert plan.status == "manual" and any("condition depends on parameter 'acrSku'" in m for m in plan.manual)
    looped_body = body.replace("'a'", "'a${i}'")
    looped = _only(f"param acrSku string = 'Basic'\nresource acr {ACR} = [for i in range(0, 2): if (acrSku != 'Premium') "
                   f"{looped_body}]\n")
    assert looped.condition_text == "(acrSku != 'Premium')"
    module = (f"param sku string\nresource acr {ACR} = {{\n  name: 'a'\n  sku: {{\n    name: sku\n  }}\n}}\n")
    called = _registry_in(tmp_path, {"modules/acr.bicep": module, "main.bicep":
                                     "param acrSku string = 'Basic'\nmodule acr 'modules/acr.bicep' = if (acrSku == 'Basic') "
                                     "{\n  name: 'acr'\n  params: {\n    sku: acrSku\n  }\n}\n"}, "modules/acr.bicep")
    assert called.sku_name.value == "Basic" and called.sku_name.origin == Origin.EXPRESSION
    assert "condition of module 'acr'" in called.sku_name.detail


def test_two_calls_from_one_file_are_two_deployments_not_four(tmp_path: Path) -> None:
    module = f"param sku string\nresource acr {ACR} = {{\n  name: 'a'\n  sku: {{\n    name: sku\n  }}\n}}\n"
    calls = "".join(f"module {n} 'modules/acr.bicep' = {{\n  name: '{n}'\n  params: {{\n    sku: '{v}'\n  }}\n}}\n"
                    for n, v in (("a", "Basic"), ("b", "Standard")))
    registry = _registry_in(tmp_path, {"modules/acr.bicep": module, "main.bicep": calls}, "modules/acr.bicep")
    assert sorted(r.value for r in [registry.sku_name, *registry.sku_name.also]) == ["Basic", "Standard"]


def test_a_block_comment_after_the_last_property_stays_with_it() -> None:
    text = (f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n"
            f"    publicNetworkAccess: 'Enabled' /* open for now */ }}\n}}\n")
    new_text = _insert(text, ("properties",), "networkRuleSet", {"defaultAction": "Deny"})
    assert "publicNetworkAccess: 'Enabled' /* open for now */\n    networkRuleSet: {" in new_text


@pytest.mark.parametrize("private, verdict", [("true", Verdict.PASS), ("false", Verdict.FAIL)])
def test_an_avm_call_whose_private_endpoints_follow_a_known_bool(private, verdict):
    registry = _only(f"param private bool = {private}\nmodule acr 'br/public:avm/res/container-registry/registry:0.12.1' = {{\n"
                     "  name: 'acr'\n  params: {\n    name: 'contosoacr'\n    privateEndpoints: private ? [\n      {\n"
                     "        subnetResourceId: '/subscriptions/x/subnets/s'\n      }\n    ] : []\n  }\n}\n")
    assert evaluate(registry) == verdict  # true: endpoints and no IP rules, so the module disables public access


def test_pullers_through_module_outputs_are_followed_into_the_modules_that_get_the_name(tmp_path):
    """The golden bicep_module_output_clients, read directly: every puller is named, the module
    that grants AcrPull on the registry it gets by name too; the outputs are not."""
    golden = Path(__file__).parent / "golden" / "bicep_module_output_clients" / "input"
    files = {p.relative_to(golden).as_posix(): p.read_text() for p in golden.rglob("*.bicep")}
    workspace = _workspace(tmp_path, files)
    doc = workspace.document(tmp_path / "core" / "registry.bicep")
    (registry,) = bicep.find_registries(doc, workspace)
    assert registry.clients == []
    assert registry.output_clients == [
        "Microsoft.App/containerApps 'api' (../main.bicep line 12)",
        "Microsoft.Web/sites 'web' (../main.bicep line 29)",
        "module 'frontend' (../main.bicep line 50)",
        "module 'job' (../main.bicep line 59)",
        "module 'access' (../main.bicep line 67)",
    ]


def test_module_output_pullers_need_a_pulling_use_of_a_name_output(tmp_path):
    workspace = _workspace(tmp_path, {
        "acr.bicep": "resource r 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'r'\n"
                     "  sku: { name: 'Premium' }\n}\noutput name string = r.name\noutput id string = r.id\n",
        "main.bicep": "module acr 'acr.bicep' = {\n  name: 'acr'\n}\n"
                      "resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n  name: 'kv-${acr.outputs.name}'\n}\n"
                      "resource site 'Microsoft.Web/sites@2023-12-01' = {\n  name: 'site'\n  properties: {\n"
                      "    siteConfig: {\n      appSettings: [\n        {\n          name: 'DOCKER_REGISTRY_SERVER_URL'\n"
                      "          value: 'https://${acr.outputs.name}.azurecr.io'\n        }\n      ]\n    }\n  }\n}\n"
                      "resource creds 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {\n  name: 'kv/acr'\n"
                      "  properties: {\n    value: listCredentials(acr.outputs.id, '2023-07-01').passwords[0].value\n  }\n}\n",
    })
    (registry,) = bicep.find_registries(workspace.document(tmp_path / "acr.bicep"), workspace)
    assert registry.output_clients == ["Microsoft.Web/sites 'site' (main.bicep line 7)",
                                       "Microsoft.KeyVault/vaults/secrets 'creds' (main.bicep line 20)"]


def test_a_condition_names_what_it_rests_on_and_what_it_reads():
    registry = _only(f"param env string = 'prod'\nparam private bool = true\nresource acr {ACR} = {{\n  name: 'x'\n"
                     f"  properties: {{\n    publicNetworkAccess: private && env == 'prod' ? 'Disabled' : 'Enabled'\n  }}\n}}\n")
    pna = registry.public_network_access
    assert pna.value == "Disabled" and pna.reads == frozenset({"env", "private"})
    assert pna.detail.endswith("which is 'Disabled' because private is true (default of parameter 'private') "
                               "and env is 'prod' (default of parameter 'env')")


def test_a_string_condition_follows_module_callers(tmp_path):
    module = (f"param env string = 'dev'\nresource acr {ACR} = {{\n  name: 'x'\n  properties: {{\n"
              f"    publicNetworkAccess: env == 'prod' ? 'Disabled' : 'Enabled'\n  }}\n}}\n")
    call = "module r 'modules/acr.bicep' = {{\n  name: 'r'\n  params: {{\n{}  }}\n}}\n"
    prod = _registry_in(tmp_path / "prod", {"modules/acr.bicep": module, "main.bicep": call.format("    env: stage\n")
                                            .replace("module r", "param stage string = 'prod'\nmodule r")},
                        "modules/acr.bicep")
    assert evaluate(prod) == Verdict.PASS  # the caller passes its own parameter, 'prod'
    both = _registry_in(tmp_path / "both", {"modules/acr.bicep": module, "a.bicep": call.format("    env: 'prod'\n"),
                                            "b.bicep": call.format("")}, "modules/acr.bicep")
    assert evaluate(both) == Verdict.UNKNOWN  # b.bicep deploys the default, 'dev'


@pytest.mark.parametrize("value", ["[]", "[\n      {\n        action: 'Allow'\n        value: '1.2.3.4'\n      }\n    ]"])
def test_an_avm_call_whose_ip_rules_are_the_same_either_way_is_read(value):
    registry = _only(f"param cond bool\nmodule acr 'br/public:avm/res/container-registry/registry:0.12.1' = {{\n"
                     f"  name: 'acr'\n  params: {{\n    name: 'contosoacr'\n    acrSku: cond ? 'Premium' : 'Premium'\n"
                     f"    networkRuleSetIpRules: cond ? {value} : {value}\n  }}\n}}\n")
    assert registry.sku_name.value == "Premium"
    assert evaluate(registry) == Verdict.PASS  # given networkRuleSetIpRules, the module writes a Deny networkRuleSet


def test_an_avm_call_whose_ip_rules_differ_by_an_unknown_condition_stays_unknown():
    registry = _only("param cond bool\nmodule acr 'br/public:avm/res/container-registry/registry:0.12.1' = {\n"
                     "  name: 'acr'\n  params: {\n    name: 'contosoacr'\n    networkRuleSetIpRules: cond ? [] : null\n"
                     "  }\n}\n")
    assert evaluate(registry) == Verdict.UNKNOWN


def test_a_sku_parameter_a_condition_reads_is_not_changed():
    from fixer.options import Options
    from fixer.planner import plan_registry

    registry = _only(f"param acrSku string = 'Basic'\nresource acr {ACR} = {{\n  name: 'a'\n  sku: {{\n    name: acrSku\n"
                     f"  }}\n  properties: {{\n    publicNetworkAccess: acrSku == 'Premium' ? 'Disabled' : 'Enabled'\n"
                     f"  }}\n}}\n")
    assert registry.public_network_access.value == "Enabled" and "acrSku" in registry.public_network_access.reads
    plan = plan_registry(registry, Options())
    assert plan.status == "manual"
    assert any("default of parameter 'acrSku', which a condition also reads" in m for m in plan.manual)


SHARED = "@export()\nvar acrSettings = {\n  sku: 'Basic'\n  access: 'Disabled'\n}\n"


@pytest.mark.parametrize("imports, sku, access", [
    ("import { acrSettings } from 'shared.bicep'\n", "acrSettings.sku", "acrSettings.access"),
    ("import { acrSettings as s } from 'shared.bicep'\n", "s.sku", "s.access"),
    ("import {\n  acrSettings as s // the registry's settings\n} from 'shared.bicep'\n", "s.sku", "s.access"),
    ("import * as shared from 'shared.bicep'\n", "shared.acrSettings.sku", "shared.acrSettings.access"),
])
def test_values_of_an_imported_variable_are_read_but_not_edited(tmp_path, imports, sku, access):
    main = (f"{imports}resource acr {ACR} = {{\n  name: 'a'\n  sku: {{\n    name: {sku}\n  }}\n  properties: {{\n"
            f"    publicNetworkAccess: {access}\n  }}\n}}\n")
    registry = _registry_in(tmp_path, {"main.bicep": main, "shared.bicep": SHARED}, "main.bicep")
    assert registry.sku_name.value == "Basic" and registry.sku_name.origin == Origin.EXPRESSION
    assert "variable 'acrSettings', member 'sku', exported by shared.bicep (line 2)" in registry.sku_name.detail
    assert registry.public_network_access.value == "Disabled"
    assert evaluate(registry) == Verdict.PASS


def test_an_import_that_cannot_be_read_stays_unknown(tmp_path):
    main = (f"import {{ acrSettings }} from 'missing.bicep'\nimport {{ other }} from 'br/public:x:1.0'\n"
            f"resource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n    publicNetworkAccess: acrSettings.access\n"
            f"    networkRuleSet: {{\n      defaultAction: other\n    }}\n  }}\n}}\n")
    registry = _registry_in(tmp_path, {"main.bicep": main}, "main.bicep")
    assert registry.public_network_access.value is None
    assert "imported from 'missing.bicep', which acr-fix cannot read" in registry.public_network_access.detail
    assert registry.default_action.value is None
    assert evaluate(registry) == Verdict.UNKNOWN


def test_an_imported_condition_is_evaluated(tmp_path):
    main = (f"import {{ network }} from 'shared.bicep'\nresource acr {ACR} = {{\n  name: 'a'\n  properties: {{\n"
            f"    publicNetworkAccess: network.private ? 'Disabled' : 'Enabled'\n  }}\n}}\n")
    registry = _registry_in(tmp_path, {"main.bicep": main, "shared.bicep": "@export()\nvar network = {\n  private: true\n}\n"},
                            "main.bicep")
    assert evaluate(registry) == Verdict.PASS
    assert "network.private is true (variable 'network' exported by shared.bicep)" in registry.public_network_access.detail


@pytest.mark.parametrize("rules, status, edited", [
    ("cond ? [] : null", "manual", None),   # which way it goes is unknown: no empty "fix"
    ("null", "fix", "networkRuleSetIpRules: []"),
])
def test_avm_ip_rules_that_are_null_or_an_expression_are_planned(rules, status, edited):
    from fixer.options import Options
    from fixer.planner import plan_registry

    registry = _only(f"param cond bool\nmodule acr 'br/public:avm/res/container-registry/registry:0.12.1' = {{\n"
                     f"  name: 'acr'\n  params: {{\n    name: 'contosoacr'\n    networkRuleSetIpRules: {rules}\n  }}\n}}\n")
    plan = plan_registry(registry, Options(strategy="deny"))
    assert plan.status == status
    if edited:
        assert plan.fix is not None and plan.fix.changes
        text = apply_edits(registry.doc.source.text, [e for c in plan.fix.changes for e in c.edits])
        assert edited in text
    else:
        assert any("params.networkRuleSetIpRules is the expression `cond ? [] : null` (line 6)" in m for m in plan.manual)


@pytest.mark.parametrize("private, verdict", [("true", Verdict.PASS), ("false", Verdict.UNKNOWN)])
def test_a_known_condition_needs_only_the_branch_it_picks(private, verdict):
    registry = _only(f"param private bool = {private}\nparam access string\nresource acr {ACR} = {{\n  name: 'x'\n"
                     f"  properties: {{\n    publicNetworkAccess: private ? 'Disabled' : access\n  }}\n}}\n")
    assert evaluate(registry) == verdict  # false picks `access`, which nothing sets


@pytest.mark.parametrize("restricted, verdict, status", [("true", Verdict.PASS, "pass"), ("false", Verdict.FAIL, "manual")])
def test_an_object_a_known_condition_leaves_null_is_unset_but_not_rewritten(restricted, verdict, status):
    from fixer.options import Options
    from fixer.planner import plan_registry

    registry = _only(f"param restricted bool = {restricted}\nresource acr {ACR} = {{\n  name: 'x'\n  sku: {{\n"
                     f"    name: 'Premium'\n  }}\n  properties: {{\n    publicNetworkAccess: 'Enabled'\n"
                     f"    networkRuleSet: restricted ? {{ defaultAction: 'Deny' }} : null\n  }}\n}}\n")
    assert evaluate(registry) == verdict
    plan = plan_registry(registry, Options(strategy="deny"))
    assert plan.status == status and plan.fix is None
    if status == "manual":
        assert registry.default_action.origin == Origin.ABSENT
        assert any("which leaves it unset because restricted is false" in m for m in plan.manual)


def test_resource_typed_outputs_are_read():
    # `output x resource = acr` (and with the type string): the keyword is no type name for the grammar
    registry = _only(f"param n string\nresource acr {ACR} = {{\n  name: n\n  sku: {{ name: 'Premium' }}\n}}\n"
                     f"output a resource {ACR} = acr\noutput b resource = acr\n")
    assert registry.symbolic == "acr" and registry.sku_name.value == "Premium"
