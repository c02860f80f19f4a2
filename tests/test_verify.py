"""The writer's semantic check (fixer/verify.py): deepdiff's view of what an edit changes."""

from __future__ import annotations

import json
from pathlib import Path

from fixer.options import Options
from fixer.report import render_json
from fixer.run import run
from fixer.verify import changed_paths


def _shown(paths):
    return sorted((".".join(map(str, p)), old) for p, old in paths)


def test_added_keys_are_reported_one_by_one():
    old = {"resources": [{"sku": {"name": "Basic"}, "properties": {"adminUserEnabled": False}}]}
    new = {"resources": [{"sku": {"name": "Premium"},
                          "properties": {"adminUserEnabled": False, "networkRuleBypassOptions": "AzureServices",
                                         "networkRuleSet": {"defaultAction": "Deny", "ipRules": []}}}]}
    shown = _shown(changed_paths(old, new))
    assert [p for p, _ in shown] == ["resources.0.properties.networkRuleBypassOptions",
                                     "resources.0.properties.networkRuleSet", "resources.0.sku.name"]
    assert dict(shown)["resources.0.sku.name"] == "Basic"


def test_filling_an_empty_object_and_removing_keys():
    old = {"a": {}, "b": {"x": 1, "y": 2}, "c": [1, 2, 3]}
    new = {"a": {"n": {"m": 1}, "o": 2}, "b": {"x": 1}, "c": [1, 2]}
    assert [p for p, _ in _shown(changed_paths(old, new))] == ["a.n", "a.o", "b.y", "c.2"]


def test_equal_documents_have_no_changes():
    data = {"resources": [{"properties": {"x": [1, {"y": None}]}}]}
    assert changed_paths(data, json.loads(json.dumps(data))) == []


def test_report_lists_the_changed_properties(tmp_path: Path):
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                       "name": "acr", "location": "westeurope", "sku": {"name": "Premium"},
                       "properties": {"adminUserEnabled": False, "zoneRedundancy": "Disabled"}}],
    }
    (tmp_path / "main.json").write_text(json.dumps(template, indent=2))
    report = json.loads(render_json(run([tmp_path], Options(jobs=1), root=tmp_path), "dry-run"))
    changed = [f for f in report["files"] if f.get("semantic_changes")]
    assert changed[0]["semantic_changes"] == ["resources[0].properties.networkRuleBypassOptions",
                                              "resources[0].properties.networkRuleSet"]
