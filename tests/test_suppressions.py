"""PSRule suppressions: ps-rule.yaml, suppression groups, selectors, expiry, `acr-fix suppress`."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from fixer.errors import ConfigError
from fixer.options import Options
from fixer.run import run
from fixer.suppressions import UNKNOWN, _CannotEvaluate, _Target, add_psrule_suppression, compile_selector, load_suppressions

HERE = Path(__file__).parent
CASES = HERE / "suppress_cases"
UTC = dt.timezone.utc
REGISTRY = {"type": "Microsoft.ContainerRegistry/registries", "name": "acrdev01",
            "sku": {"name": "Premium"}, "tags": {"env": "Dev", "owner": "team-a"},
            "properties": {"publicNetworkAccess": "Enabled", "zones": ["1", "2"]}}


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- ps-rule.yaml ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Azure.ACR.Firewall", "azure.acr.firewall", "AZR-000402"])
def test_rule_exclude_turns_the_rule_off(tmp_path: Path, name: str) -> None:
    write(tmp_path, "ps-rule.yaml", f"rule:\n  exclude:\n    - Azure.Resource.UseTags\n    - {name}\n")
    sup = load_suppressions(tmp_path)
    assert sup.rule_excluded
    found = sup.match("anything", REGISTRY, "main.bicep")
    assert found is not None and "rule.exclude" in found.source


def test_rule_exclude_of_other_rules_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path, "ps-rule.yml", "rule:\n  exclude: [Azure.ACR.AdminUser]\n")
    sup = load_suppressions(tmp_path)
    assert not sup.rule_excluded
    assert sup.match("acrdev01", REGISTRY, "main.bicep") is None


def test_rule_include_without_the_rule_turns_it_off(tmp_path: Path) -> None:
    write(tmp_path, "ps-rule.yaml", "rule:\n  include: [Azure.Storage.UseHttps]\n")
    assert load_suppressions(tmp_path).rule_excluded
    write(tmp_path, "ps-rule.yaml", "rule:\n  include: [Azure.ACR.*]\n")
    assert not load_suppressions(tmp_path).rule_excluded


def test_suppression_list_names_with_their_comment_as_reason(tmp_path: Path) -> None:
    write(tmp_path, ".ps-rule.yaml",
          "suppression:\n  Azure.ACR.Firewall:\n    - PublicDist  # serves public base images\n    - other\n"
          "  Azure.ACR.AdminUser:\n    - acrdev01\n")
    sup = load_suppressions(tmp_path)
    found = sup.match("publicdist", REGISTRY, "infra/main.json")
    assert found is not None
    assert found.source == ".ps-rule.yaml suppression"
    assert found.reason == "serves public base images"
    assert "listed under suppression" in sup.match("OTHER", REGISTRY, "x.json").reason
    assert sup.match("acrdev01", REGISTRY, "x.json") is None          # suppressed for another rule only
    # A name acr-fix could not resolve never matches by accident.
    assert sup.match("[parameters('name')]", REGISTRY, "x.json") is None


def test_suppression_target_name_form(tmp_path: Path) -> None:
    write(tmp_path, "ps-rule.yaml", "suppression:\n  Azure.ACR.Firewall:\n    targetName:\n      - acrdev01\n")
    assert load_suppressions(tmp_path).match("acrdev01", REGISTRY, "x.json") is not None


def test_path_ignore_with_negation(tmp_path: Path) -> None:
    write(tmp_path, "ps-rule.yaml", "input:\n  pathIgnore:\n    - 'tests/**'\n    - '*.parameters.json'\n"
                                    "    - '!tests/keep/**'\n")
    sup = load_suppressions(tmp_path)
    assert sup.path_ignored("tests/a/main.bicep")
    assert sup.path_ignored("infra/main.parameters.json")
    assert not sup.path_ignored("tests/keep/main.bicep")
    assert not sup.path_ignored("infra/main.bicep")


@pytest.mark.parametrize("text, expected", [
    ("rule: [a]\n", r"^ps-rule\.yaml:1: rule: expected a mapping"),
    ("a: 1\nsuppression:\n  - x\n", r"^ps-rule\.yaml:2: suppression: expected a mapping"),
    ("suppression:\n  Azure.ACR.Firewall: 3\n", r"^ps-rule\.yaml:2: suppression\.Azure\.ACR\.Firewall: expected a list"),
    ("rule:\n  exclude: [\n", r"^ps-rule\.yaml:3: invalid YAML"),
])
def test_bad_options_file_is_a_config_error(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, "ps-rule.yaml", text)
    with pytest.raises(ConfigError, match=expected):
        load_suppressions(tmp_path)


# --- selectors ---------------------------------------------------------------------------


def evaluate(selector: dict, name: str = "acrdev01", data: dict | None = None) -> bool:
    data = REGISTRY if data is None else data
    return compile_selector(selector)(_Target(name=name, type=data.get("type", ""), data=data))


@pytest.mark.parametrize("selector, expected", [
    ({"name": ".", "equals": "ACRDEV01"}, True),
    ({"name": ".", "equals": "ACRDEV01", "caseSensitive": True}, False),
    ({"name": ".", "notEquals": "acrdev01"}, False),
    ({"type": ".", "equals": "microsoft.containerregistry/registries"}, True),
    ({"field": "tags.env", "equals": "dev"}, True),
    ({"field": "Tags.ENV", "in": ["prod", "DEV"]}, True),
    ({"field": "tags.env", "notIn": ["prod", "test"]}, True),
    ({"field": "tags.missing", "notIn": ["x"]}, True),          # PSRule: missing field passes notIn
    ({"field": "tags.missing", "notEquals": "x"}, True),        # ... and notEquals
    ({"field": "tags.missing", "equals": "x"}, False),
    ({"field": "tags.missing", "in": ["x"]}, False),
    ({"name": ".", "startsWith": ["prod", "acrdev"]}, True),
    ({"name": ".", "endsWith": "01"}, True),
    ({"field": "tags.owner", "contains": "TEAM"}, True),
    ({"field": "tags.owner", "contains": "TEAM", "caseSensitive": True}, False),
    ({"field": "tags.env", "exists": True}, True),
    ({"field": "tags.missing", "exists": False}, True),
    ({"field": "properties.zones[1]", "equals": "2"}, True),
    ({"field": "properties.zones", "in": ["2"]}, True),
    ({"field": "sku.name", "equals": "Premium"}, True),
    ({"allOf": [{"field": "tags.env", "equals": "dev"}, {"name": ".", "startsWith": "acr"}]}, True),
    ({"allOf": [{"field": "tags.env", "equals": "dev"}, {"name": ".", "startsWith": "prod"}]}, False),
    ({"anyOf": [{"field": "tags.env", "equals": "prod"}, {"name": ".", "startsWith": "acr"}]}, True),
    ({"not": {"field": "tags.env", "equals": "dev"}}, False),
])
def test_selector_conditions(selector: dict, expected: bool) -> None:
    assert evaluate(selector) is expected


@pytest.mark.parametrize("selector, message", [
    ({"field": "name", "like": "acr*"}, "like"),
    ({"field": "name", "equals": "a", "match": "b"}, "match"),
    ({"source": "template", "equals": "x"}, "source"),
    ({"name": "x", "equals": "acr"}, "'name' must be '.'"),
    ({"field": "resources[*].name", "equals": "x"}, "syntax"),
    ({"allOf": []}, "non-empty list"),
    ({"field": "name", "equals": "x", "convert": True}, "convert"),
])
def test_selectors_acr_fix_cannot_evaluate(selector: dict, message: str) -> None:
    with pytest.raises(_CannotEvaluate, match=message):
        compile_selector(selector)


def test_unresolved_values_cannot_be_evaluated() -> None:
    data = dict(REGISTRY, tags={"env": "[parameters('env')]"})
    with pytest.raises(_CannotEvaluate):
        evaluate({"field": "tags.env", "equals": "dev"}, data=data)
    with pytest.raises(_CannotEvaluate):
        evaluate({"field": "tags.env", "equals": "dev"}, data=dict(REGISTRY, tags=UNKNOWN))
    with pytest.raises(_CannotEvaluate):
        evaluate({"name": ".", "equals": "x"}, name=UNKNOWN)
    # anyOf is satisfied by a branch that can be evaluated
    assert evaluate({"anyOf": [{"field": "tags.env", "equals": "dev"}, {"name": ".", "equals": "acrdev01"}]}, data=data)


# --- suppression groups --------------------------------------------------------------------

GROUPS = """\
---
# Synopsis: Dev registries stay open for the hackathon
apiVersion: github.com/microsoft/PSRule/v1
kind: SuppressionGroup
metadata:
  name: dev-registries
spec:
  expiresOn: 2030-01-01T00:00:00Z
  rule:
    - Azure.ACR.Firewall
  if:
    allOf:
      - field: tags.env
        equals: dev
      - name: '.'
        startsWith: acrdev
---
# Synopsis: Not about registries
apiVersion: github.com/microsoft/PSRule/v1
kind: SuppressionGroup
metadata:
  name: storage-only
spec:
  rule: [Azure.Storage.UseHttps]
  if:
    field: name
    like: '*'
---
apiVersion: github.com/microsoft/PSRule/v1
kind: Rule
metadata:
  name: org.CustomRule
spec:
  condition:
    field: name
    exists: true
---
# Synopsis: Uses a condition acr-fix does not know
apiVersion: github.com/microsoft/PSRule/v1
kind: SuppressionGroup
metadata:
  name: fancy
spec:
  rule: []
  if:
    field: name
    match: '^acr'
"""


def test_suppression_group_applies_with_synopsis_as_reason(tmp_path: Path) -> None:
    write(tmp_path, ".ps-rule/acr.Rule.yaml", GROUPS)
    sup = load_suppressions(tmp_path, now=dt.datetime(2029, 6, 1, tzinfo=UTC))
    found = sup.match("acrdev01", REGISTRY, "infra/main.bicep")
    assert found is not None
    assert found.source == "suppression group 'dev-registries' (.ps-rule/acr.Rule.yaml)"
    assert found.reason == "Dev registries stay open for the hackathon"
    assert sup.match("acrprod01", REGISTRY, "infra/main.bicep") is None
    assert sup.match("acrdev02", dict(REGISTRY, tags={"env": "prod"}), "infra/main.bicep") is None


def test_unevaluable_group_warns_once_naming_file_and_group(tmp_path: Path) -> None:
    write(tmp_path, ".ps-rule/acr.Rule.yaml", GROUPS)
    sup = load_suppressions(tmp_path, now=dt.datetime(2029, 6, 1, tzinfo=UTC))
    assert sup.warnings == [".ps-rule/acr.Rule.yaml: suppression group 'fancy': the selector uses 'match', which "
                            "acr-fix cannot evaluate; registries it selects are not treated as suppressed"]
    # 'fancy' would match every registry named acr*, but is never applied.
    assert sup.match("acrother", REGISTRY, "x.json") is None
    assert len(sup.warnings) == 1               # no warning for the storage-only group


def test_expired_group_is_not_applied(tmp_path: Path) -> None:
    write(tmp_path, ".ps-rule/acr.Rule.yaml", GROUPS)
    sup = load_suppressions(tmp_path, now=dt.datetime(2030, 1, 2, tzinfo=UTC))
    assert sup.match("acrdev01", REGISTRY, "infra/main.bicep") is None
    assert any("'dev-registries' expired on 2030-01-01T00:00:00+00:00" in w and "acrdev01" in w for w in sup.warnings)


def test_group_needing_an_unresolved_value_warns(tmp_path: Path) -> None:
    write(tmp_path, ".ps-rule/acr.Rule.yaml", GROUPS)
    sup = load_suppressions(tmp_path, now=dt.datetime(2029, 6, 1, tzinfo=UTC))
    assert sup.match("acrdev01", dict(REGISTRY, tags=UNKNOWN), "infra/main.bicep") is None
    assert any("'dev-registries' cannot be evaluated for registry 'acrdev01' in infra/main.bicep" in w
               for w in sup.warnings)


def test_jsonc_group_and_type_precondition(tmp_path: Path) -> None:
    write(tmp_path, ".ps-rule/groups.Rule.jsonc", """[
  {
    // Synopsis: Storage test objects
    "apiVersion": "github.com/microsoft/PSRule/2025-01-01",
    "kind": "SuppressionGroup",
    "metadata": { "name": "by-type" },
    "spec": { "type": ["Microsoft.Storage/storageAccounts"], "if": { "name": ".", "exists": true } }
  },
  {
    // Synopsis: Shared images registry, reviewed 2024-05
    "apiVersion": "github.com/microsoft/PSRule/v1",
    "kind": "SuppressionGroup",
    "metadata": { "name": "shared-images" },
    "spec": {
      "expiresOn": "2031-01-01",
      "rule": ["PSRule.Rules.Azure\\\\Azure.ACR.Firewall"],
      "if": { "field": "tags.purpose", "in": ["public-images"] },
    },
  },
]
""")
    sup = load_suppressions(tmp_path, now=dt.datetime(2030, 1, 1, tzinfo=UTC))
    assert sup.warnings == []
    data = dict(REGISTRY, tags={"purpose": "Public-Images"})
    found = sup.match("images", data, "main.json")
    assert found is not None and found.reason == "Shared images registry, reviewed 2024-05"
    assert sup.match("images", REGISTRY, "main.json") is None        # by-type is for storage accounts


def test_unreadable_group_file_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, ".ps-rule/broken.Rule.yaml", "kind: SuppressionGroup\nspec: [\n")
    sup = load_suppressions(tmp_path)
    assert len(sup.warnings) == 1 and sup.warnings[0].startswith(".ps-rule/broken.Rule.yaml: cannot be read")


# --- wired into run() --------------------------------------------------------------------

TEMPLATE = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "publicdist",
     "location": "westeurope", "sku": {"name": "Premium"}, "tags": {"env": "dev"},
     "properties": {"publicNetworkAccess": "Enabled"}}
  ]
}
"""


def test_suppressor_hook_in_run(tmp_path: Path) -> None:
    write(tmp_path, "main.json", TEMPLATE)
    result = run([tmp_path], Options(), root=tmp_path)
    assert [p.status for f in result.files for p in f.plans] == ["fix"]

    write(tmp_path, "ps-rule.yaml", "suppression:\n  Azure.ACR.Firewall:\n    - publicdist  # public images\n")
    sup = load_suppressions(tmp_path)
    result = run([tmp_path], Options(), root=tmp_path, suppressor=sup.suppressor())
    plans = [p for f in result.files for p in f.plans]
    assert [p.status for p in plans] == ["suppressed"]
    assert plans[0].suppressed == "ps-rule.yaml suppression: public images"
    assert result.exit_code() == 0
    assert all(not f.diff for f in result.files)


def test_suppressor_hook_with_group_on_tags(tmp_path: Path) -> None:
    write(tmp_path, "main.json", TEMPLATE)
    write(tmp_path, ".ps-rule/dev.Rule.yaml", "# Synopsis: dev is open\nkind: SuppressionGroup\n"
                                              "metadata: {name: dev}\nspec:\n  if: {field: tags.env, equals: DEV}\n")
    result = run([tmp_path], Options(), root=tmp_path, suppressor=load_suppressions(tmp_path).suppressor())
    plans = [p for f in result.files for p in f.plans]
    assert plans[0].suppressed == "suppression group 'dev' (.ps-rule/dev.Rule.yaml): dev is open"


# --- acr-fix suppress ------------------------------------------------------------------------

CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASE_NAMES)
def test_suppress_round_trip_golden(tmp_path: Path, case: str) -> None:
    folder = CASES / case
    shutil.copy(folder / "input.yaml", tmp_path / "ps-rule.yaml")
    path = add_psrule_suppression(tmp_path, "publicdist", "serves public\nbase images")
    assert path == tmp_path / "ps-rule.yaml"
    got = path.read_bytes()
    expected = folder / "expected.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected.write_bytes(got)
    assert got == expected.read_bytes()
    # idempotent: a second run (any case) changes nothing
    add_psrule_suppression(tmp_path, "PublicDist", "again")
    assert path.read_bytes() == got
    assert "publicdist" in load_suppressions(tmp_path).names
    assert [p.name for p in tmp_path.iterdir()] == ["ps-rule.yaml"]   # no temporary files left


def test_suppress_creates_the_file(tmp_path: Path) -> None:
    path = add_psrule_suppression(tmp_path, "publicdist", "serves public base images")
    assert path.read_text() == "suppression:\n  Azure.ACR.Firewall:\n    - publicdist  # serves public base images\n"
    assert load_suppressions(tmp_path).match("publicdist", REGISTRY, "x").reason == "serves public base images"


def test_suppress_edits_a_hard_linked_ps_rule_yaml_in_place(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    shared = write(tmp_path, "shared/ps-rule.yaml", "# team-wide PSRule options\nsuppression:\n  Azure.ACR.Firewall: []\n")
    os.link(shared, repo / "ps-rule.yaml")
    add_psrule_suppression(repo, "publicdist", "serves public base images")
    assert (repo / "ps-rule.yaml").stat().st_ino == shared.stat().st_ino
    assert "publicdist" in load_suppressions(shared.parent).names
    assert sorted(p.name for p in repo.iterdir()) == ["ps-rule.yaml"]   # no recovery copy left


def test_suppress_quotes_names_yaml_would_misread(tmp_path: Path) -> None:
    add_psrule_suppression(tmp_path, "yes", "")
    add_psrule_suppression(tmp_path, "1e3", "")
    assert load_suppressions(tmp_path).names.keys() == {"yes", "1e3"}


@pytest.mark.parametrize("text", [
    "suppression:\n  - a\n",
    "suppression:\n  Azure.ACR.Firewall: a\n",
    "suppression: {Azure.ACR.Firewall: [a]}\n",
    "{suppression: {}}\n",
])
def test_suppress_refuses_shapes_it_cannot_extend(tmp_path: Path, text: str) -> None:
    (tmp_path / "ps-rule.yaml").write_text(text)
    with pytest.raises(ConfigError, match="by hand"):
        add_psrule_suppression(tmp_path, "publicdist", "reason")
    assert (tmp_path / "ps-rule.yaml").read_text() == text


# --- names shown readably, matched as before ------------------------------------------------

NAMED_BY_EXPRESSION = """param prefix string
param acrName string = 'contosobicepacr'

resource images 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: '${prefix}acr'
  location: 'westeurope'
  sku: { name: 'Premium' }
}

resource named 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acrName
  location: 'westeurope'
  sku: { name: 'Premium' }
}
"""


def test_a_name_shown_as_its_value_is_suppressed_by_it_and_an_expression_never(tmp_path: Path) -> None:
    write(tmp_path, "main.bicep", NAMED_BY_EXPRESSION)
    # the expression's readable text (and the symbolic names) must not match by accident
    write(tmp_path, "ps-rule.yaml", "suppression:\n  Azure.ACR.Firewall:\n    - \"'${prefix}acr'\"\n"
                                    "    - \"${prefix}acr\"\n    - images\n    - contosobicepacr\n")
    result = run([tmp_path], Options(), root=tmp_path, suppressor=load_suppressions(tmp_path).suppressor())
    plans = {p.registry.label: p for f in result.files for p in f.plans}
    assert set(plans) == {"`'${prefix}acr'`", "'contosobicepacr'"}
    assert plans["'contosobicepacr'"].status == "suppressed"   # the value reports show is the one to list
    assert plans["`'${prefix}acr'`"].status == "fix"
