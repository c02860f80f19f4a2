"""The deployment index (formats/deployments.py): one pass over the run's files says who
deploys each template, built before any value is resolved, and value resolution reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fixer.formats.deployments as deployments
from fixer.options import Options
from fixer.run import load_document, run
from fixer.workspace import Workspace

ACR = """param sku string = 'Basic'
resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrdemo'
  location: 'westeurope'
  sku: { name: sku }
}
"""
MAIN = "module registry 'modules/acr.bicep' = {\n  name: 'acr'\n  params: { sku: 'Standard' }\n}\n"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
LINKING = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "acr",
     "properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/acr.json"}}}]}


def _tree(root: Path, files: dict[str, str]) -> list[Path]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_one_pass_finds_module_calls_usings_and_links(tmp_path: Path) -> None:
    files = _tree(tmp_path, {"main.bicep": MAIN + "module remote 'br/public:avm/acr:1.0' = {\n  name: 'r'\n}\n",
                             "modules/acr.bicep": ACR, "prod.bicepparam": "using 'main.bicep'\nparam x = 1\n",
                             "notes.bicepparam": "// using 'main.bicep'\n",
                             "azuredeploy.json": json.dumps(LINKING), "nested/acr.json": "{}"})
    workspace = Workspace(loader=load_document, files=files)
    index = deployments.prepare(workspace, (deployments.MODULE, deployments.USING, deployments.LINK))
    key = deployments.plain_key
    assert index.referrers(deployments.MODULE, key(tmp_path / "modules" / "acr.bicep")) == [tmp_path / "main.bicep"]
    assert index.referrers(deployments.USING, key(tmp_path / "main.bicep")) == [tmp_path / "prod.bicepparam"]
    assert index.referrers(deployments.LINK, "acr.json") == [tmp_path / "azuredeploy.json"]
    assert not any("br/public" in target for target in index.references[deployments.MODULE])
    assert deployments.index_of(workspace, deployments.LINK) is index   # read, not built again


def test_a_run_builds_the_index_once_before_resolving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, {"main.bicep": MAIN, "modules/acr.bicep": ACR, "azuredeploy.json": json.dumps(LINKING),
                     "nested/acr.json": json.dumps({"$schema": SCHEMA, "resources": []})})
    passes: list[list[str]] = []
    real = deployments._one_pass
    monkeypatch.setattr(deployments, "_one_pass", lambda files, kinds, size: passes.append(list(kinds)) or
                        real(files, kinds, size))
    result = run([tmp_path], Options(jobs=1), root=tmp_path)
    assert passes == [[deployments.MODULE, deployments.USING, deployments.LINK]]   # every kind, one pass
    # and resolution read it: the module's sku is the value its caller passes
    (plan,) = [p for _, p in result.plans]
    assert plan.registry.sku_name.value == "Standard" and plan.registry.sku_name.doc.path.name == "main.bicep"


def test_a_caller_that_does_not_parse_is_no_deployment_of_its_module(tmp_path: Path) -> None:
    _tree(tmp_path, {"main.bicep": "// Microsoft.ContainerRegistry/registries\n"
                                   "module registry 'modules/acr.bicep' = {\n  name: 'acr'\n  params: { sku: \n",
                     "modules/acr.bicep": ACR})
    result = run([tmp_path], Options(jobs=1), root=tmp_path)
    assert not any(f.status == "failed" and f.display == "modules/acr.bicep" for f in result.files)
    (plan,) = [p for f, p in result.plans if f.display == "modules/acr.bicep"]
    assert plan.registry.sku_name.value == "Basic"   # the broken call is no deployment of it


def test_a_parameter_file_that_does_not_parse_fails_its_template(tmp_path: Path) -> None:
    _tree(tmp_path, {"acr.bicep": ACR, "acr.parameters.json": '{"parameters": {"sku": {"value": "Basic"}\n'})
    result = run([tmp_path], Options(jobs=1), root=tmp_path)
    (template,) = [f for f in result.files if f.display == "acr.bicep"]
    assert template.status == "failed" and "acr.parameters.json" in (template.error or "")
