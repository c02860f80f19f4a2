"""Unit tests for the planner: which fix it chooses, where it edits, and when it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixer.api_versions import needed_bump
from fixer.edits import apply_edits
from fixer.formats import arm
from fixer.model import Origin, Registry, Resolved
from fixer.options import Options
from fixer.planner import plan_registry
from fixer.rule import Verdict, evaluate
from fixer.run import load_document
from fixer.source import read_source
from fixer.workspace import Workspace

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def template(resource: dict, parameters: dict | None = None, variables: dict | None = None, extra: list | None = None) -> str:
    doc = {"$schema": SCHEMA, "contentVersion": "1.0.0.0"}
    if parameters:
        doc["parameters"] = parameters
    if variables:
        doc["variables"] = variables
    doc["resources"] = [resource] + (extra or [])
    return json.dumps(doc, indent=2)


def registry(**fields) -> dict:
    base = {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "acr1",
            "location": "westus", "sku": {"name": "Premium"}}
    base.update(fields)
    return base


def plan_for(tmp_path: Path, text: str, files: dict[str, str] | None = None, **options):
    path = tmp_path / "main.json"
    path.write_text(text)
    for name, content in (files or {}).items():
        (tmp_path / name).write_text(content)
    workspace = Workspace(loader=load_document, files=[path])
    doc = arm.parse(read_source(path))
    registries = arm.find_registries(doc, workspace)
    assert registries, "no registry found"
    return [plan_registry(r, Options(**options)) for r in registries], doc


def applied(doc, plan) -> dict:
    edits = [e for c in plan.fix.changes if c.doc is doc for e in c.edits]
    return json.loads(apply_edits(doc.source.text, edits))


def test_passing_registry_gets_no_plan(tmp_path):
    (plan,), _ = plan_for(tmp_path, template(registry(properties={"publicNetworkAccess": "Disabled"})))
    assert plan.verdict == Verdict.PASS and plan.fix is None and plan.status == "pass"


def test_deny_is_chosen_without_private_endpoint_and_adds_trusted_services(tmp_path):
    (plan,), doc = plan_for(tmp_path, template(registry(properties={"adminUserEnabled": False})))
    assert plan.strategy == "deny"
    props = applied(doc, plan)["resources"][0]["properties"]
    assert props == {"adminUserEnabled": False, "networkRuleBypassOptions": "AzureServices",
                     "networkRuleSet": {"defaultAction": "Deny"}}


def test_disable_is_chosen_with_private_endpoint(tmp_path):
    endpoint = {"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-04-01", "name": "pe",
                "properties": {"privateLinkServiceConnections": [{"name": "c", "properties": {"groupIds": ["registry"]}}]}}
    (plan,), doc = plan_for(tmp_path, template(registry(), extra=[endpoint]))
    assert plan.strategy == "disable"
    assert applied(doc, plan)["resources"][0]["properties"] == {"publicNetworkAccess": "Disabled"}


def test_no_trusted_services_and_ip_rules(tmp_path):
    (plan,), doc = plan_for(tmp_path, template(registry(properties={})), strategy="deny",
                            ip_rules=("203.0.113.0/24",), trusted_services=False)
    props = applied(doc, plan)["resources"][0]["properties"]
    assert props == {"networkRuleSet": {"defaultAction": "Deny",
                                        "ipRules": [{"action": "Allow", "value": "203.0.113.0/24"}]}}


def test_existing_ip_rules_are_kept_and_not_duplicated(tmp_path):
    rules = [{"action": "Allow", "value": "198.51.100.7"}]
    text = template(registry(properties={"networkRuleSet": {"defaultAction": "Allow", "ipRules": rules}}))
    (plan,), doc = plan_for(tmp_path, text, strategy="deny", ip_rules=("198.51.100.7", "192.0.2.1"))
    nrs = applied(doc, plan)["resources"][0]["properties"]["networkRuleSet"]
    assert nrs == {"defaultAction": "Deny", "ipRules": rules + [{"action": "Allow", "value": "192.0.2.1"}]}


def test_sku_upgrade_at_parameter_default_adds_allowed_value(tmp_path):
    params = {"sku": {"type": "string", "defaultValue": "Basic", "allowedValues": ["Basic", "Standard"]}}
    (plan,), doc = plan_for(tmp_path, template(registry(sku={"name": "[parameters('sku')]"}), parameters=params))
    assert plan.sku_upgrade
    new = applied(doc, plan)
    assert new["parameters"]["sku"] == {"type": "string", "defaultValue": "Premium",
                                        "allowedValues": ["Basic", "Standard", "Premium"]}
    assert new["resources"][0]["sku"] == {"name": "[parameters('sku')]"}
    assert any("costs more" in note for note in plan.notes)


def test_parameter_file_value_wins_and_is_where_the_edit_goes(tmp_path):
    params = {"sku": {"type": "string", "defaultValue": "Premium"}}
    param_file = json.dumps({"$schema": SCHEMA.replace("Template", "Parameters"), "contentVersion": "1.0.0.0",
                             "parameters": {"sku": {"value": "Standard"}}}, indent=2)
    (plan,), doc = plan_for(tmp_path, template(registry(sku={"name": "[parameters('sku')]"}), parameters=params),
                            files={"main.parameters.json": param_file})
    reg = plan.registry
    assert reg.sku_name.origin == Origin.PARAMETER_FILE and reg.sku_name.value == "Standard"
    targets = {c.doc.path.name for c in plan.fix.changes}
    assert targets == {"main.json", "main.parameters.json"}


def test_variable_sku_is_edited_in_the_variable(tmp_path):
    (plan,), doc = plan_for(tmp_path, template(registry(sku={"name": "[variables('tier')]"}), variables={"tier": "Standard"}))
    assert applied(doc, plan)["variables"] == {"tier": "Premium"}


def test_no_sku_upgrade_makes_a_manual_finding(tmp_path):
    (plan,), _ = plan_for(tmp_path, template(registry(sku={"name": "Basic"})), sku_upgrade=False)
    assert plan.status == "manual" and plan.fix is None
    assert "--no-sku-upgrade" in plan.manual[0]


def test_expression_sku_is_manual_with_reason_and_line(tmp_path):
    text = template(registry(sku={"name": "[if(equals(parameters('env'), 'prod'), 'Premium', 'Basic')]"}),
                    parameters={"env": {"type": "string", "defaultValue": "dev"}})
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.status == "manual"
    assert "expression" in plan.manual[0] and "(line " in plan.manual[0]


def test_expression_public_access_falls_back_to_deny(tmp_path):
    text = template(registry(properties={"publicNetworkAccess": "[if(parameters('p'), 'Disabled', 'Enabled')]"}),
                    parameters={"p": {"type": "bool", "defaultValue": False}})
    (plan,), doc = plan_for(tmp_path, text, strategy="auto")
    assert evaluate(plan.registry) == Verdict.FAIL  # p is false in every deployment: 'Enabled'
    assert plan.status == "fix" and plan.strategy == "deny"


@pytest.mark.parametrize("condition, default, files, verdict", [
    ("parameters('p')", True, {}, Verdict.PASS),
    ("not(parameters('p'))", False, {}, Verdict.PASS),
    ("parameters('p')", False, {"main.parameters.json": {"p": {"value": True}}}, Verdict.PASS),
    ("parameters('p')", True, {"main.parameters.dev.json": {"p": {"value": False}},
                               "main.parameters.prod.json": {"p": {"value": True}}}, Verdict.UNKNOWN),  # differs
    ("parameters('p')", True, {"main.parameters.json": {"p": {"value": "[parameters('q')]"}}}, Verdict.UNKNOWN),
    ("equals(parameters('env'), 'prod')", True, {}, Verdict.PASS),
    ("not(equals(parameters('env'), 'dev'))", True, {}, Verdict.PASS),
    ("equals(parameters('env'), 'PROD')", True, {}, Verdict.UNKNOWN),  # differs only in case: not guessed
    ("equals(toLower(parameters('env')), 'prod')", True, {}, Verdict.PASS),
    ("equals(parameters('env'), 'prod')", True, {"main.parameters.json": {"env": {"value": "dev"}}}, Verdict.FAIL),
    ("and(parameters('p'), not(empty(parameters('subnet'))))", True, {}, Verdict.FAIL),  # subnet is ''
    ("and(parameters('p'), parameters('unknown'))", False, {}, Verdict.FAIL),   # false decides alone
    ("or(parameters('p'), parameters('unknown'))", False, {}, Verdict.UNKNOWN),
    ("or(parameters('p'), empty(variables('rules')))", False, {}, Verdict.PASS),
    ("equals(variables('mode'), 'private')", False, {}, Verdict.PASS),
])
def test_a_choice_on_a_bool_parameter_known_in_every_deployment_is_read(tmp_path, condition, default, files, verdict):
    text = template(registry(properties={"publicNetworkAccess": f"[if({condition}, 'Disabled', 'Enabled')]"}),
                    parameters={"p": {"type": "bool", "defaultValue": default},
                                "env": {"type": "string", "defaultValue": "prod"},
                                "subnet": {"type": "string", "defaultValue": ""},
                                "unknown": {"type": "bool"}},
                    variables={"rules": [], "mode": "[if(parameters('p'), 'public', 'private')]"})
    (plan,), _ = plan_for(tmp_path, text, files={n: json.dumps({"parameters": p}) for n, p in files.items()})
    assert evaluate(plan.registry) == verdict


def test_explicit_disable_on_expression_is_manual(tmp_path):
    text = template(registry(properties={"publicNetworkAccess": "[parameters('p')]"}),
                    parameters={"p": {"type": "string"}})
    (plan,), _ = plan_for(tmp_path, text, strategy="disable")
    assert plan.status == "manual"
    assert "no default value" in plan.manual[0]


def test_api_version_bump_and_vnet_rules_block(tmp_path):
    (plan,), doc = plan_for(tmp_path, template(registry(apiVersion="2019-05-01")))
    assert applied(doc, plan)["resources"][0]["apiVersion"] == "2021-09-01"
    vnet = registry(apiVersion="2019-05-01", properties={"networkRuleSet": {"defaultAction": "Allow", "virtualNetworkRules": []}})
    # deny needs no newer version: the registry is closed, without the trusted-services bypass
    (plan,), doc = plan_for(tmp_path, template(vnet))
    assert plan.status == "fix"
    new = applied(doc, plan)["resources"][0]
    assert new["apiVersion"] == "2019-05-01" and "networkRuleBypassOptions" not in new["properties"]
    assert any("networkRuleBypassOptions was not added" in n for n in plan.notes)
    # disable needs publicNetworkAccess, which no stable version has together with virtualNetworkRules
    (plan,), _ = plan_for(tmp_path, template(vnet), strategy="disable")
    assert plan.status == "manual" and "virtualNetworkRules" in plan.manual[0]


def test_api_version_table():
    assert needed_bump("2017-10-01", {"networkruleset"}, set()) == (None, None)
    assert needed_bump("2017-03-01", {"networkruleset"}, set())[0] == "2017-10-01"
    assert needed_bump("2019-05-01", {"publicnetworkaccess"}, set())[0] == "2021-09-01"
    assert needed_bump("2019-12-01-preview", {"publicnetworkaccess"}, set()) == (None, None)
    # a property the registry uses that its version supports must survive the bump
    assert needed_bump("2020-11-01-preview", set(), set()) == (None, None)
    new, problem = needed_bump("2019-05-01", {"publicnetworkaccess"}, {"networkruleset.virtualnetworkrules"})
    assert new is None and "virtualNetworkRules" in problem


def test_premium_only_skips_basic(tmp_path):
    (plan,), _ = plan_for(tmp_path, template(registry(sku={"name": "Basic"})), premium_only=True)
    assert plan.verdict == Verdict.NOT_APPLICABLE and plan.fix is None


def test_premium_only_skips_a_registry_without_a_sku(tmp_path):
    bare = registry()
    del bare["sku"]
    (plan,), _ = plan_for(tmp_path, template(bare), premium_only=True)
    assert plan.verdict == Verdict.NOT_APPLICABLE and plan.fix is None
    (plan,), _ = plan_for(tmp_path, template(bare))  # every SKU is checked by default: a fix adds one
    assert plan.status == "fix" and "sku" in plan.fix.message.lower()


@pytest.mark.parametrize("fields, sign", [
    ({"properties": {"storageAccount": {"name": "acrstore", "accessKey": "[listKeys('x', '2015-06-15').key1]"}}},
     "it has its own storageAccount"),
    ({"sku": {"name": "Classic"}}, "its SKU is Classic"),
    ({"apiVersion": "2016-06-27-preview", "sku": None}, "apiVersion 2016-06-27-preview has only the Classic SKU"),
])
def test_a_classic_registry_is_left_to_the_user(tmp_path, fields, sign):
    entry = registry(**{k: v for k, v in fields.items() if v is not None})
    if fields.get("sku", 1) is None:
        del entry["sku"]
    (plan,), _ = plan_for(tmp_path, template(entry))
    assert plan.status == "manual" and plan.fix is None
    without = ", without the storageAccount," if "storageAccount" in sign else ""
    assert plan.manual == [f"this is a Classic registry ({sign}): Classic registries take neither a firewall nor a "
                           f"public access setting; move it to a managed SKU (Premium for a firewall) by hand{without} "
                           f"then run acr-fix again"]


def test_a_registry_with_anonymous_pull_is_left_to_the_user(tmp_path):
    (plan,), _ = plan_for(tmp_path, template(registry(properties={"anonymousPullEnabled": True})))
    assert plan.status == "manual" and plan.fix is None
    assert plan.manual[0].startswith("anonymous pull is enabled (line ")
    assert "acr-fix suppress acr1 --reason" in plan.manual[0]
    (plan,), _ = plan_for(tmp_path, template(registry(properties={"anonymousPullEnabled": False})))
    assert plan.status == "fix"


def test_empty_sku_sentinel_is_never_changed(tmp_path):
    params = {"registries_sku": {"type": "string", "defaultValue": ""}}
    res = registry(sku={"name": "[parameters('registries_sku')]"}, condition="[not(empty(parameters('registries_sku')))]")
    (plan,), _ = plan_for(tmp_path, template(res, parameters=params))
    assert plan.status == "manual" and "not a registry SKU" in plan.manual[0]


def test_existing_reference_is_never_planned(tmp_path):
    doc = {"$schema": SCHEMA, "languageVersion": "2.0", "contentVersion": "1.0.0.0",
           "resources": {"shared": {"existing": True, "type": "Microsoft.ContainerRegistry/registries",
                                    "apiVersion": "2023-07-01", "name": "x"}}}
    (plan,), _ = plan_for(tmp_path, json.dumps(doc))
    assert plan.verdict == Verdict.EXISTING and plan.fix is None


@pytest.mark.parametrize("value", ["disabled", "DISABLED"])
def test_values_compare_case_insensitively(tmp_path, value):
    (plan,), _ = plan_for(tmp_path, template(registry(properties={"publicNetworkAccess": value})))
    assert plan.verdict == Verdict.PASS


def test_private_endpoint_counts_only_for_the_registry_it_names(tmp_path):
    endpoint = {"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-04-01", "name": "pe",
                "properties": {"privateLinkServiceConnections": [{"name": "c", "properties": {
                    "privateLinkServiceId": "[resourceId('Microsoft.ContainerRegistry/registries', 'privateacr')]",
                    "groupIds": ["registry"]}}]}}
    second = registry(name="publicacr")
    plans, _ = plan_for(tmp_path, template(registry(name="privateacr"), extra=[second, endpoint]))
    assert [(p.registry.name, p.strategy) for p in plans] == [("privateacr", "disable"), ("publicacr", "deny")]


def test_api_version_in_a_variable_is_bumped_there(tmp_path):
    text = template(registry(apiVersion="[variables('acrApiVersion')]"), variables={"acrApiVersion": "2019-05-01"})
    (plan,), doc = plan_for(tmp_path, text)
    new = applied(doc, plan)
    assert new["variables"]["acrApiVersion"] == "2021-09-01"
    assert new["resources"][0]["apiVersion"] == "[variables('acrApiVersion')]"


def test_shared_parameter_is_manual_unless_unsafe_fixes(tmp_path):
    bus = {"type": "Microsoft.ServiceBus/namespaces", "apiVersion": "2022-10-01-preview", "name": "bus",
           "location": "westus", "sku": {"name": "[parameters('tier')]"}}
    params = {"tier": {"type": "string", "defaultValue": "Standard"}}
    text = template(registry(sku={"name": "[parameters('tier')]"}), parameters=params, extra=[bus])
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.status == "manual" and "also used elsewhere" in plan.manual[0]
    (plan,), doc = plan_for(tmp_path, text, unsafe_fixes=True)
    assert plan.status == "fix" and plan.fix.applicability.name == "UNSAFE"
    assert applied(doc, plan)["parameters"]["tier"]["defaultValue"] == "Premium"
    assert any("--unsafe-fixes" in note for note in plan.notes)


def test_auto_does_not_turn_public_access_off_without_a_private_endpoint(tmp_path):
    """The firewall is an expression here: disabling public access would close the registry,
    but nothing shows its clients a private way in, so that is left to the user."""
    props = {"publicNetworkAccess": "[parameters('access')]",
             "networkRuleSet": "[if(parameters('restrict'), createObject('defaultAction', 'Deny'), null())]"}
    text = template(registry(properties=props), parameters={
        "access": {"type": "string", "defaultValue": "Enabled"}, "restrict": {"type": "bool", "defaultValue": False}})
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.fix is None and plan.status == "manual"
    assert any("--strategy disable" in reason and "no private endpoint" in reason for reason in plan.manual)
    (explicit,), doc = plan_for(tmp_path, text, strategy="disable")  # asked for: done
    assert explicit.fix is not None
    assert applied(doc, explicit)["parameters"]["access"]["defaultValue"] == "Disabled"


def test_auto_uses_the_firewall_when_public_access_is_an_expression_despite_a_private_endpoint(tmp_path):
    endpoint = {"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-04-01", "name": "pe",
                "properties": {"privateLinkServiceConnections": [{"name": "c", "properties": {"groupIds": ["registry"]}}]}}
    props = {"publicNetworkAccess": "[if(parameters('open'), 'Enabled', 'Disabled')]"}
    text = template(registry(properties=props), parameters={"open": {"type": "bool", "defaultValue": True}},
                    extra=[endpoint])
    (plan,), doc = plan_for(tmp_path, text)
    assert plan.strategy == "deny" and plan.fix is not None
    assert "publicNetworkAccess is an expression" in plan.fix.changes[0].why
    assert applied(doc, plan)["resources"][0]["properties"]["networkRuleSet"] == {"defaultAction": "Deny"}


def test_properties_from_an_expression_name_each_property_in_the_reasons(tmp_path):
    text = template(registry(properties="[union(variables('acrProps'), parameters('extra'))]"),
                    parameters={"extra": {"type": "object"}}, variables={"acrProps": {"publicNetworkAccess": "Enabled"}})
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.status == "manual"
    assert "publicNetworkAccess is inside an expression" in plan.problem
    assert "networkRuleSet.defaultAction is inside an expression" in plan.problem


@pytest.mark.parametrize("network_rule_set, restrict, verdict, status", [
    ("[if(parameters('restrict'), createObject('defaultAction', 'Deny'), null())]", True, Verdict.PASS, "pass"),
    # null: unset, so the registry is open; the expression is not rewritten
    ("[if(parameters('restrict'), createObject('defaultAction', 'Deny'), null())]", False, Verdict.FAIL, "manual"),
    ("[if(parameters('restrict'), createObject('defaultAction', parameters('action')), null())]", True, Verdict.UNKNOWN,
     "manual"),
])
def test_a_member_of_an_object_expression_is_read_when_known(tmp_path, network_rule_set, restrict, verdict, status):
    text = template(registry(properties={"publicNetworkAccess": "Enabled", "networkRuleSet": network_rule_set}),
                    parameters={"restrict": {"type": "bool", "defaultValue": restrict}, "action": {"type": "string"}})
    (plan,), _ = plan_for(tmp_path, text)
    assert evaluate(plan.registry) == verdict and plan.status == status
    if status == "manual":
        assert plan.fix is None
    if verdict == Verdict.FAIL:
        assert any(m.startswith("networkRuleSet.defaultAction is unset by the expression [if(parameters('restrict')")
                   for m in plan.manual)


def test_properties_from_a_variable_expression_are_read(tmp_path):
    text = template(registry(properties="[variables('acrProps')]"),
                    variables={"acrProps": {"publicNetworkAccess": "Disabled"}})
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.status == "pass"
    assert "where it is 'Disabled'" in plan.registry.public_network_access.detail


def test_a_manual_finding_reports_no_sku_upgrade(tmp_path):
    props = {"networkRuleSet": "[if(parameters('restrict'), createObject('defaultAction', 'Deny'), null())]"}
    text = template(registry(sku={"name": "Basic"}, properties=props),
                    parameters={"restrict": {"type": "bool", "defaultValue": False}})
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.status == "manual" and plan.fix is None
    assert not plan.sku_upgrade and not any("SKU upgraded" in note for note in plan.notes)


def test_the_sku_note_names_every_value_it_replaces(tmp_path):
    text = template(registry(sku={"name": "[parameters('sku')]"}),
                    parameters={"sku": {"type": "string", "defaultValue": "Basic"}})
    files = {"main.parameters.json": json.dumps({"parameters": {"sku": {"value": "Standard"}}}),
             "main.parameters.prod.json": json.dumps({"parameters": {}})}
    (plan,), _ = plan_for(tmp_path, text, files=files)
    assert plan.fix is not None
    assert any("from 'Standard' and 'Basic' to Premium" in note for note in plan.notes)


@pytest.mark.parametrize("sku, parameters, variables", [
    ({"name": "[parameters('cfg').sku]"}, {"cfg": {"type": "object", "defaultValue": {"sku": "Standard"}}}, None),
    ({"name": "[variables('cfg').sku]"}, None, {"cfg": {"sku": "Standard"}}),
    ("[parameters('skuObj')]", {"skuObj": {"type": "object", "defaultValue": {"name": "Standard"}}}, None),
])
def test_a_member_of_an_object_that_another_resource_uses_is_not_changed(tmp_path, sku, parameters, variables):
    reference = sku["name"] if isinstance(sku, dict) else sku
    bus = {"type": "Microsoft.ServiceBus/namespaces", "apiVersion": "2022-10-01-preview", "name": "bus",
           "location": "westus", "sku": {"name": reference} if isinstance(sku, dict) else reference}
    text = template(registry(sku=sku), parameters=parameters, variables=variables, extra=[bus])
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.status == "manual" and plan.fix is None
    assert any("also used elsewhere" in reason for reason in plan.manual)
    (unsafe,), _ = plan_for(tmp_path, text, unsafe_fixes=True)  # the user accepts the other change
    assert unsafe.fix is not None


def test_premium_only_keeps_a_registry_that_one_deployment_makes_premium(tmp_path):
    text = template(registry(sku={"name": "[parameters('acrSku')]"}),
                    parameters={"acrSku": {"type": "string", "defaultValue": "Basic"}})
    files = {"main.parameters.dev.json": json.dumps({"parameters": {"acrSku": {"value": "Basic"}}}),
             "main.parameters.prod.json": json.dumps({"parameters": {"acrSku": {"value": "Premium"}}})}
    (plan,), _ = plan_for(tmp_path, text, files=files, premium_only=True)
    assert plan.verdict == Verdict.FAIL and plan.fix is not None  # prod is a Premium registry open to the internet
    for name in files:
        (tmp_path / name).write_text(json.dumps({"parameters": {"acrSku": {"value": "Standard"}}}))
    (plan,), _ = plan_for(tmp_path, text, files=None, premium_only=True)
    assert plan.verdict == Verdict.NOT_APPLICABLE  # no deployment is Premium: out of PSRule's scope


def test_a_private_endpoint_whose_group_comes_from_a_variable_counts(tmp_path):
    endpoint = {"type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-04-01", "name": "pe",
                "properties": {"privateLinkServiceConnections": [
                    {"name": "c", "properties": {"groupIds": ["[variables('groupName')]"]}}]}}
    text = template(registry(), variables={"groupName": "registry"}, extra=[endpoint])
    (plan,), doc = plan_for(tmp_path, text)
    assert plan.strategy == "disable"
    assert applied(doc, plan)["resources"][0]["properties"] == {"publicNetworkAccess": "Disabled"}
    other = template(registry(), variables={"groupName": "vault"}, extra=[endpoint])
    (plan,), _ = plan_for(tmp_path, other)
    assert plan.strategy == "deny"  # an endpoint for something else


def test_a_deployment_that_is_already_premium_is_left_alone(tmp_path):
    text = template(registry(sku={"name": "[parameters('acrSku')]"}), parameters={"acrSku": {"type": "string"}})
    files = {"main.parameters.a.json": json.dumps({"parameters": {"acrSku": {"value": "Premium"}}}),
             "main.parameters.b.json": json.dumps({"parameters": {"acrSku": {"value": "Standard"}}})}
    (plan,), _ = plan_for(tmp_path, text, files=files)
    sku_changes = [c for c in plan.fix.changes if "sku.name" in c.what]
    assert [(c.doc.path.name, c.what) for c in sku_changes] == [
        ("main.parameters.b.json", "set sku.name to 'Premium' in parameter 'acrSku' in main.parameters.b.json (was 'Standard')")]


def _registry_with(access: Resolved, action: Resolved) -> Registry:
    premium = Resolved(Origin.LITERAL, value="Premium")
    return Registry(doc=None, name="r", node=None, line=1, api_version=Resolved(Origin.LITERAL, value="2023-07-01"),
                    sku_name=premium, public_network_access=access, default_action=action,
                    bypass=Resolved(Origin.ABSENT), properties=None, network_rule_set=None, ip_rules=None, sku=None)


@pytest.mark.parametrize("access, action, verdict", [
    # every deployment leaves publicNetworkAccess open, and one of them the firewall: open
    ([("Enabled",)], [("Allow",), (None,)], Verdict.FAIL),
    ([("Enabled",), (None,)], [("Allow",)], Verdict.FAIL),
    # the readable deployment is closed (by either property): the unreadable one decides
    ([("Enabled",)], [("Deny",), (None,)], Verdict.UNKNOWN),
    ([("Disabled",), (None,)], [("Allow",)], Verdict.UNKNOWN),
    # open in some deployment per property, but not known to be the same deployment
    ([("Enabled",), (None,)], [("Allow",), (None,)], Verdict.UNKNOWN),
    # every value read: the old rule (not closed everywhere: open)
    ([("Enabled",), ("Disabled",)], [("Allow",), ("Deny",)], Verdict.FAIL),
])
def test_a_deployment_that_is_certainly_open_fails_though_another_cannot_be_read(access, action, verdict):
    def places(values):
        made = [Resolved(Origin.EXPRESSION, detail="unreadable") if v is None else Resolved(Origin.MODULE_CALLER, value=v)
                for (v,) in values]
        made[0].also = made[1:]
        return made[0]
    assert evaluate(_registry_with(places(access), places(action))) == verdict


@pytest.mark.parametrize("value, known", [
    ("[if(parameters('unknown'), 'Premium', 'Premium')]", "Premium"),       # the same either way
    ("[if(parameters('unknown'), 'Premium', 'Basic')]", None),
    ("[toUpper(coalesce(parameters('none'), 'premium'))]", "PREMIUM"),
    ("[parameters('cfg').tier]", "Premium"),
    ("[concat('Prem', 'ium')]", None),                                       # not evaluated
])
def test_an_expression_whose_parts_are_known_has_a_value(tmp_path, value, known):
    text = template(registry(sku={"name": value}),
                    parameters={"unknown": {"type": "bool"}, "none": {"type": "string", "defaultValue": None},
                                "cfg": {"type": "object", "defaultValue": {"tier": "Premium"}}})
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.registry.sku_name.value == known


def test_a_sku_parameter_that_a_condition_reads_is_not_upgraded(tmp_path):
    text = template(registry(sku={"name": "[parameters('sku')]"},
                             properties={"publicNetworkAccess": "[if(equals(parameters('sku'), 'Premium'), 'Disabled', 'Enabled')]"}),
                    parameters={"sku": {"type": "string", "defaultValue": "Standard"}})
    (plan,), _ = plan_for(tmp_path, text)
    assert plan.registry.public_network_access.value == "Enabled"
    assert plan.status == "manual" and plan.fix is None
    assert any("default of parameter 'sku', which a condition also reads" in m for m in plan.manual)


def test_a_value_passed_to_a_nested_deployment_decides_its_condition(tmp_path):
    inner = {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
             "parameters": {"access": {"type": "string", "nullable": True}, "private": {"type": "bool"}},
             "resources": [registry(properties={"publicNetworkAccess":
                                                "[if(not(empty(parameters('access'))), parameters('access'), "
                                                "if(parameters('private'), 'Disabled', null()))]"})]}
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "acr",
              "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                             "parameters": {"private": {"value": "[parameters('isolated')]"}}, "template": inner}}
    doc = {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
           "parameters": {"isolated": {"type": "bool", "defaultValue": True}}, "resources": [nested]}
    (plan,), _ = plan_for(tmp_path, json.dumps(doc, indent=2))
    assert plan.registry.public_network_access.value == "Disabled" and plan.status == "pass"


def _deny_why(plan) -> str:
    return next(c.why for c in plan.fix.changes if "defaultAction" in c.what or "networkRuleSet =" in c.what)


def test_deny_why_says_no_address_gets_in_without_ip_rules(tmp_path):
    (plan,), _ = plan_for(tmp_path, template(registry(properties={"networkRuleBypassOptions": "AzureServices"})))
    why = _deny_why(plan)
    assert "allowed IP" not in why
    assert "no public address gets in until networkRuleSet.ipRules lists some (--ip-rule)" in why
    assert "trusted Azure services still get in (networkRuleBypassOptions is 'AzureServices')" in why


def test_deny_why_names_ip_rules_when_there_are_some(tmp_path):
    existing = {"defaultAction": "Allow", "ipRules": [{"action": "Allow", "value": "198.51.100.7"}]}
    (plan,), _ = plan_for(tmp_path, template(registry(properties={"networkRuleSet": existing})))
    assert "only the addresses in networkRuleSet.ipRules get in" in _deny_why(plan)
    (plan,), _ = plan_for(tmp_path, template(registry()), ip_rules=("203.0.113.0/24",))
    assert "only the addresses in networkRuleSet.ipRules get in" in _deny_why(plan)


def test_deny_why_says_trusted_services_are_turned_away_when_bypass_is_none(tmp_path):
    (plan,), _ = plan_for(tmp_path, template(registry(properties={"networkRuleBypassOptions": "None"})))
    assert "trusted Azure services are turned away too (networkRuleBypassOptions is 'None')" in _deny_why(plan)
    (plan,), _ = plan_for(tmp_path, template(registry()), trusted_services=False)
    assert "networkRuleBypassOptions defaults to 'AzureServices'" in _deny_why(plan)
