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


def test_a_type_only_change_is_a_change():
    # Python's == calls True and 1 (and 1 and 1.0) equal; a template does not
    old = {"resources": [{"properties": {"adminUserEnabled": True, "zones": [1.0], "n": 0}}]}
    new = {"resources": [{"properties": {"adminUserEnabled": 1, "zones": [1], "n": False}}]}
    assert _shown(changed_paths(old, new)) == [("resources.0.properties.adminUserEnabled", True),
                                               ("resources.0.properties.n", 0),
                                               ("resources.0.properties.zones.0", 1.0)]


def test_reordered_keys_are_no_change():
    assert changed_paths({"a": {"x": 1, "y": [True]}}, {"a": {"y": [True], "x": 1}}) == []


def _open_registry(tmp_path: Path) -> Path:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                       "name": "acr", "location": "westeurope", "sku": {"name": "Premium"},
                       "properties": {"adminUserEnabled": True, "zoneRedundancy": "Disabled"}}],
    }
    (tmp_path / "main.json").write_text(json.dumps(template, indent=2))
    return tmp_path / "main.json"


def test_an_edit_that_changes_a_type_outside_the_plan_is_refused(tmp_path: Path, monkeypatch):
    import fixer.run

    _open_registry(tmp_path)
    real_apply = fixer.run.apply_edits

    def apply_and_slip(text, edits):  # a faulty edit: also turns `true` into `1` elsewhere
        return real_apply(text, edits).replace('"adminUserEnabled": true', '"adminUserEnabled": 1')

    monkeypatch.setattr(fixer.run, "apply_edits", apply_and_slip)
    result = run([tmp_path], Options(jobs=1), root=tmp_path)
    (main,) = [f for f in result.files if f.display == "main.json"]
    assert main.status == "failed"
    assert "properties.adminUserEnabled, which was not planned" in main.error
    assert not main.changed


def test_verification_is_linear_in_the_registries_of_a_file(tmp_path: Path):
    # thousands of registries in one file: every changed path against every allowed path
    # was quadratic (1,600 registries took 31-53 s); the prefix tree makes it a walk per path
    from fixer.verify import _prefix_tree, _within

    allowed = [("resources", i, "properties", "networkRuleSet") for i in range(20_000)]
    tree = _prefix_tree(allowed)
    changed = [["resources", i, "properties", "networkRuleSet", "defaultAction"] for i in range(20_000)]
    assert all(_within(p, None, tree) for p in changed)
    assert not _within(["resources", 3, "properties", "adminUserEnabled"], True, tree)
    assert _within(["resources", 3, "properties"], {}, tree)  # filling an empty object
    assert not _within(["resources", 3, "properties"], {"a": 1}, tree)
