"""ARM linked templates (a deployment's `templateLink` to a local file is a caller of that
file) and values a deployment passes as an expression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixer.formats import arm
from fixer.options import Options
from fixer.planner import plan_registry
from fixer.run import load_document, run
from fixer.workspace import Workspace

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

LINKED = {
    "$schema": SCHEMA, "contentVersion": "1.0.0.0",
    "parameters": {"acrName": {"type": "string"}, "acrSku": {"type": "string", "defaultValue": "Premium"}},
    "resources": [{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                   "name": "[parameters('acrName')]", "location": "westus",
                   "sku": {"name": "[parameters('acrSku')]"}, "properties": {"publicNetworkAccess": "Disabled"}}],
}


def caller(link: dict, parameters: object = None, template_parameters: dict | None = None,
           variables: dict | None = None) -> dict:
    properties: dict = {"mode": "Incremental", "templateLink": link}
    if parameters is not None:
        properties["parameters"] = parameters
    doc: dict = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": template_parameters or {}}
    if variables:
        doc["variables"] = variables
    doc["resources"] = [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "acr",
                         "properties": properties}]
    return doc


def registries_of(tmp_path: Path, files: dict[str, dict], target: str = "nested/acr.json"):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2))
    workspace = Workspace(loader=load_document, files=sorted(tmp_path.rglob("*.json")))
    doc = workspace.document(tmp_path / target)
    return arm.find_registries(doc, workspace)


ARTIFACTS = {"_artifactsLocation": {"type": "string", "defaultValue": "[deployment().properties.templateLink.uri]"},
             "_artifactsLocationSasToken": {"type": "securestring", "defaultValue": ""}}


@pytest.mark.parametrize("link, template_parameters, variables", [
    ({"relativePath": "nested/acr.json"}, None, None),
    ({"uri": "[uri(deployment().properties.templateLink.uri, 'nested/acr.json')]"}, None, None),
    ({"uri": "[uri(parameters('_artifactsLocation'), concat('nested/acr.json', parameters('_artifactsLocationSasToken')))]"},
     ARTIFACTS, None),
    ({"uri": "[variables('acrTemplate')]"}, ARTIFACTS,
     {"acrTemplate": "[uri(parameters('_artifactsLocation'), format('{0}/acr.json', 'nested'))]"}),
    ({"uri": "[concat(uri(deployment().properties.templateLink.uri, concat('nested/', 'acr.json')), parameters('sasToken'))]"},
     {"sasToken": {"type": "string", "defaultValue": ""}}, None),
])
def test_a_local_linked_template_takes_the_value_its_caller_passes(tmp_path, link, template_parameters, variables):
    files = {"nested/acr.json": LINKED,
             "main.json": caller(link, {"acrName": {"value": "linked1"}, "acrSku": {"value": "Basic"}},
                                 template_parameters, variables)}
    (registry,) = registries_of(tmp_path, files)
    assert registry.sku_name.value == "Basic" and registry.name == "linked1"
    assert registry.sku_name.detail == "parameter 'acrSku' passed by deployment 'acr' in ../main.json"


@pytest.mark.parametrize("link", [
    {"uri": "https://raw.githubusercontent.com/contoso/t/main/nested/acr.json"},          # remote
    {"uri": "[uri(parameters('base'), 'nested/acr.json')]"},                              # another base
    {"relativePath": "other/acr.json"},                                                   # another file
])
def test_a_link_elsewhere_is_not_a_caller(tmp_path, link):
    files = {"nested/acr.json": LINKED,
             "main.json": caller(link, {"acrName": {"value": "x"}, "acrSku": {"value": "Basic"}},
                                 {"base": {"type": "string", "defaultValue": "https://contoso.example/"}})}
    (registry,) = registries_of(tmp_path, files)
    assert registry.sku_name.value == "Premium"   # the linked template's own default


def test_a_caller_that_links_its_parameters_is_unknown(tmp_path):
    main = caller({"relativePath": "nested/acr.json"})
    main["resources"][0]["properties"]["parametersLink"] = {"uri": "https://contoso.example/acr.parameters.json"}
    (registry,) = registries_of(tmp_path, {"nested/acr.json": LINKED, "main.json": main})
    assert registry.sku_name.value is None and "parametersLink" in registry.sku_name.detail
    plan = plan_registry(registry, Options())
    assert plan.status == "pass"  # publicNetworkAccess is Disabled: the SKU does not matter


def test_parameters_passed_as_one_known_expression(tmp_path):
    whole = "[if(parameters('big'), createObject('acrName', createObject('value', 'a1'), 'acrSku', " \
            "createObject('value', 'Standard')), createObject('acrName', createObject('value', 'a1')))]"
    main = caller({"relativePath": "nested/acr.json"}, whole, {"big": {"type": "bool", "defaultValue": True}})
    (registry,) = registries_of(tmp_path, {"nested/acr.json": LINKED, "main.json": main})
    assert registry.sku_name.value == "Standard"
    assert "which is 'Standard' because parameter 'big' is true" in registry.sku_name.detail
    main = caller({"relativePath": "nested/acr.json"}, whole, {"big": {"type": "bool", "defaultValue": False}})
    (registry,) = registries_of(tmp_path, {"nested/acr.json": LINKED, "main.json": main})
    assert registry.sku_name.value == "Premium"   # not passed: the linked template's default


def test_templates_that_link_each_other_end(tmp_path):
    a = caller({"relativePath": "b.json"}, {"sku": {"value": "[parameters('sku')]"}},
               {"sku": {"type": "string"}})
    b = caller({"relativePath": "a.json"}, {"sku": {"value": "[parameters('sku')]"}},
               {"sku": {"type": "string"}})
    b["resources"].append({"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                           "name": "loop", "location": "westus", "sku": {"name": "[parameters('sku')]"}})
    (registry,) = registries_of(tmp_path, {"a.json": a, "b.json": b}, "b.json")
    assert registry.sku_name.value is None


def test_the_fix_edits_the_caller_and_is_verified_with_it(tmp_path):
    linked = json.loads(json.dumps(LINKED))
    linked["resources"][0]["properties"] = {}
    for name, content in {"nested/acr.json": linked,
                          "main.json": caller({"relativePath": "nested/acr.json"},
                                              {"acrName": {"value": "x"}, "acrSku": {"value": "Standard"}})}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(json.dumps(content, indent=2))
    result = run([tmp_path], Options(), root=tmp_path)
    changed = {f.display: f for f in result.changed_files}
    assert set(changed) == {"main.json", "nested/acr.json"}
    assert changed["main.json"].role == "caller"
    assert json.loads(changed["main.json"].new_text)["resources"][0]["properties"]["parameters"]["acrSku"] == \
        {"value": "Premium"}
    assert all(f.status == "would-fix" for f in result.files if f.plans)


@pytest.mark.parametrize("placeholder", ["#{acrSku}#", "#arm_acrSku#", "__acrSku__", "$(acrSku)", "{{ acrSku }}"])
def test_a_pipeline_placeholder_in_a_parameter_file_is_not_a_value(tmp_path, placeholder):
    linked = json.loads(json.dumps(LINKED))
    linked["resources"][0]["properties"] = {}
    parameters = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
                  "contentVersion": "1.0.0.0", "parameters": {"acrSku": {"value": placeholder}}}
    (registry,) = registries_of(tmp_path, {"nested/acr.json": linked, "nested/acr.dev.parameters.json": parameters})
    assert registry.sku_name.value is None and "placeholder" in registry.sku_name.detail
    plan = plan_registry(registry, Options())
    assert plan.status == "manual"


def test_a_caller_deployed_with_parameter_files_brings_each_of_them(tmp_path):
    linked = json.loads(json.dumps(LINKED))
    linked["resources"][0]["properties"] = {}
    main = caller({"relativePath": "nested/acr.json"},
                  {"acrName": {"value": "x"}, "acrSku": {"value": "[parameters('registrySku')]"}},
                  {"registrySku": {"type": "string", "defaultValue": "Standard"}})
    dev = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
           "contentVersion": "1.0.0.0", "parameters": {"registrySku": {"value": "Basic"}}}
    prod = {**dev, "parameters": {}}
    files = {"nested/acr.json": linked, "main.json": main, "main.parameters.dev.json": dev,
             "main.parameters.prod.json": prod}
    (registry,) = registries_of(tmp_path, files)
    places = [registry.sku_name, *registry.sku_name.also]
    assert [p.value for p in places] == ["Basic", "Standard"]
    assert places[0].detail == "parameter 'registrySku' in ../main.parameters.dev.json, which deployment 'acr' in " \
                               "../main.json passes as parameter 'acrSku'"
    assert places[1].detail == "default of parameter 'registrySku' of ../main.json, which deployment 'acr' passes " \
                               "as parameter 'acrSku'"
    assert all(p.shared is None for p in places)
    result = run([tmp_path], Options(), root=tmp_path)
    assert {f.display for f in result.changed_files} == {"main.json", "main.parameters.dev.json", "nested/acr.json"}

    # the caller's parameter also sizes another resource: changing it would change that one too
    main["resources"].append({"type": "Microsoft.ServiceBus/namespaces", "apiVersion": "2022-10-01-preview",
                              "name": "bus", "location": "westus", "sku": {"name": "[parameters('registrySku')]"}})
    (registry,) = registries_of(tmp_path, {**files, "main.json": main})
    assert all("also used elsewhere in ../main.json" in (p.shared or "") for p in [registry.sku_name, *registry.sku_name.also])
    assert plan_registry(registry, Options()).status == "manual"


def test_a_linked_parameter_another_resource_uses_is_shared(tmp_path):
    linked = json.loads(json.dumps(LINKED))
    linked["resources"][0]["properties"] = {}
    linked["resources"].append({"type": "Microsoft.ServiceBus/namespaces", "apiVersion": "2022-10-01-preview",
                                "name": "bus", "location": "westus", "sku": {"name": "[parameters('acrSku')]"}})
    main = caller({"relativePath": "nested/acr.json"}, {"acrName": {"value": "x"}, "acrSku": {"value": "Basic"}})
    (registry,) = registries_of(tmp_path, {"nested/acr.json": linked, "main.json": main})
    assert registry.sku_name.origin.value == "module caller" and "also used elsewhere" in registry.sku_name.shared
    assert plan_registry(registry, Options()).status == "manual"


PARAMS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def test_a_linked_template_with_its_own_parameter_file_is_deployed_by_both(tmp_path):
    # deployed alone with acr.parameters.json (Basic) and through main.json (Standard): each
    # is a deployment, and the fix edits both places, once each
    standalone = {"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0",
                  "parameters": {"acrName": {"value": "alone"}, "acrSku": {"value": "Basic"}}}
    main = caller({"relativePath": "nested/acr.json"}, {"acrName": {"value": "x"}, "acrSku": {"value": "Standard"}})
    files = {"nested/acr.json": LINKED, "nested/acr.parameters.json": standalone, "main.json": main}
    (registry,) = registries_of(tmp_path, files)
    places = [registry.sku_name, *registry.sku_name.also]
    assert [(p.value, p.doc.path.name) for p in places] == [("Basic", "acr.parameters.json"), ("Standard", "main.json")]

    # a caller that passes nothing deploys the default, which the parameter file leaves too:
    # one place for both
    standalone["parameters"] = {"acrName": {"value": "alone"}}
    files["other.json"] = caller({"relativePath": "nested/acr.json"}, {"acrName": {"value": "y"}})
    (registry,) = registries_of(tmp_path, files)
    places = [registry.sku_name, *registry.sku_name.also]
    assert [(p.value, p.doc.path.name) for p in places] == [("Standard", "main.json"), ("Premium", "acr.json")]
    assert places[1].detail == "default of parameter 'acrSku', which deployment 'acr' in ../other.json and " \
                               "acr.parameters.json leave unset"


def test_an_object_parameter_set_by_a_parameter_file_and_a_caller_is_not_one_place(tmp_path):
    linked = json.loads(json.dumps(LINKED))
    linked["parameters"]["network"] = {"type": "object", "defaultValue": {"defaultAction": "Allow"}}
    linked["resources"][0]["properties"] = {"networkRuleSet": "[parameters('network')]"}
    standalone = {"$schema": PARAMS_SCHEMA, "contentVersion": "1.0.0.0",
                  "parameters": {"acrName": {"value": "alone"}, "network": {"value": {"defaultAction": "Deny"}}}}
    main = caller({"relativePath": "nested/acr.json"},
                  {"acrName": {"value": "x"}, "network": {"value": {"defaultAction": "Allow"}}})
    files = {"nested/acr.json": linked, "nested/acr.parameters.json": standalone, "main.json": main}
    (registry,) = registries_of(tmp_path, files)
    assert registry.default_action.value != "Deny"   # not the parameter file's alone
    assert plan_registry(registry, Options()).status != "pass"
