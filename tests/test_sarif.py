"""SARIF 2.1.0 output: valid against the official schema, locations, fixes that apply."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from fixer.options import Options
from fixer.run import run, write_fixes
from fixer.sarif import HELP_URI, render_sarif
from fixer.suppressions import load_suppressions

HERE = Path(__file__).parent
REPO = HERE / "report_cases" / "repo"
# Official OASIS schema (sarif-2.1/schema/sarif-schema-2.1.0.json, errata01), shipped verbatim.
SCHEMA = json.loads((HERE / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def validate(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(log)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO, root)
    return root


def analyse(root: Path):
    return run([root], Options(), root=root, suppressor=load_suppressions(root).suppressor())


def test_schema_rejects_a_broken_log() -> None:
    # The validator really checks: a result without a message is not SARIF.
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)


def test_sarif_is_valid_and_describes_each_registry(repo: Path) -> None:
    result = analyse(repo)
    log = json.loads(render_sarif(result))
    validate(log)
    assert log["version"] == "2.1.0"
    sarif_run = log["runs"][0]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "acr-fix"
    assert driver["rules"][0]["id"] == "Azure.ACR.Firewall"
    assert driver["rules"][0]["helpUri"] == HELP_URI == "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.ACR.Firewall/"
    by_name = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in sarif_run["results"]}
    assert set(by_name) == {"buildacr", "publicdist", "teamacr"}     # privateacr passes
    text = (repo / "infra" / "main.json").read_text()
    for name, entry in by_name.items():
        assert entry["ruleId"] == "Azure.ACR.Firewall"
        location = entry["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "infra/main.json"
        line = text.splitlines()[location["region"]["startLine"] - 1]
        assert line[location["region"]["startColumn"] - 1] == "{"     # the resource object
    assert by_name["buildacr"]["level"] == "error"
    assert "Premium" in by_name["buildacr"]["message"]["text"]
    assert by_name["teamacr"]["level"] == "warning"                   # value unknown, manual
    assert "fixes" not in by_name["teamacr"]
    assert by_name["publicdist"]["suppressions"] == [
        {"kind": "external", "status": "accepted",
         "justification": "ps-rule.yaml suppression: serves public base images to customers"}]


def test_sarif_fixes_rebuild_the_fixed_file(repo: Path) -> None:
    result = analyse(repo)
    log = json.loads(render_sarif(result))
    fixed = [r for r in log["runs"][0]["results"] if "fixes" in r]
    assert len(fixed) == 1
    change = fixed[0]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "infra/main.json"
    source = (repo / "infra" / "main.json").read_text()
    lines = source.splitlines(keepends=True)
    new = source
    for replacement in sorted(change["replacements"], key=lambda r: r["deletedRegion"]["charOffset"], reverse=True):
        region = replacement["deletedRegion"]
        start, length = region["charOffset"], region["charLength"]
        # line/column and character offsets describe the same place
        assert sum(len(l) for l in lines[:region["startLine"] - 1]) + region["startColumn"] - 1 == start
        assert sum(len(l) for l in lines[:region["endLine"] - 1]) + region["endColumn"] - 1 == start + length
        new = new[:start] + replacement.get("insertedContent", {}).get("text", "") + new[start + length:]
    expected = next(f.new_text for f in result.files if f.display == "infra/main.json")
    assert new == expected


def test_after_write_fixed_registries_are_gone(repo: Path) -> None:
    result = write_fixes(analyse(repo))
    log = json.loads(render_sarif(result))
    validate(log)
    names = sorted(r["locations"][0]["logicalLocations"][0]["name"] for r in log["runs"][0]["results"])
    assert names == ["publicdist", "teamacr"]


def test_warnings_and_errors_become_notifications(repo: Path) -> None:
    result = analyse(repo)
    result.warnings.append(".ps-rule/x.Rule.yaml: suppression group 'y': cannot be evaluated")
    result.errors.append("broken.json: not valid JSON")
    log = json.loads(render_sarif(result))
    validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert [n["level"] for n in invocation["toolExecutionNotifications"]] == ["warning", "error"]


def test_sarif_is_deterministic(repo: Path) -> None:
    assert render_sarif(analyse(repo)) == render_sarif(analyse(repo))
    broken = json.loads(render_sarif(analyse(repo)))
    mutated = copy.deepcopy(broken)
    mutated["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate(mutated)


def test_a_bicep_registry_is_located_at_its_declaration(tmp_path: Path) -> None:
    (tmp_path / "main.bicep").write_text(
        "param location string = resourceGroup().location\n"
        "\n"
        "@description('build cache')\n"
        "  resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n"
        "  name: 'cacheacr'\n"
        "  location: location\n"
        "  sku: { name: 'Premium' }\n"
        "}\n")
    log = json.loads(render_sarif(analyse(tmp_path)))
    validate(log)
    (result,) = log["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (4, 3)   # `resource`, not the body's `{`
    assert (region["endLine"], region["endColumn"]) == (8, 2)       # just after the body's `}`


def test_each_verdict_gets_a_sentence_of_its_own(repo: Path) -> None:
    # An open registry "is open to the internet: ..."; one whose network access cannot be
    # read is not "is network access cannot be determined", and a suppressed one is described
    # by its verdict too (its plan has no problem text).
    (repo / "ps-rule.yaml").write_text(
        "suppression:\n  Azure.ACR.Firewall:\n    - publicdist\n    - teamacr\n", encoding="utf-8")
    log = json.loads(render_sarif(analyse(repo)))
    validate(log)
    texts = {r["locations"][0]["logicalLocations"][0]["name"]: r["message"]["text"] for r in log["runs"][0]["results"]}
    assert texts["buildacr"].startswith("Registry 'buildacr' is open to the internet: publicNetworkAccess is not set")
    assert texts["publicdist"] == ("Registry 'publicdist' is open to the internet: publicNetworkAccess is 'Enabled' "
                                   "and networkRuleSet.defaultAction is not set.")
    assert texts["teamacr"].startswith("The network access of registry 'teamacr' cannot be determined: "
                                       "publicNetworkAccess comes from the expression [if(")
    assert all(" is network access" not in text for text in texts.values())


def test_expression_names_are_shown_readably_and_fingerprinted_as_before(tmp_path: Path) -> None:
    from fixer.report import render_json
    from fixer.sarif import _fingerprint

    (tmp_path / "main.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": {"prefix": {"type": "string"}},
        "resources": [{"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                       "name": "[format('{0}acr', parameters('prefix'))]", "location": "westeurope",
                       "sku": {"name": "Premium"}}]}))
    result = analyse(tmp_path)
    log = json.loads(render_sarif(result))
    validate(log)
    (entry,) = log["runs"][0]["results"]
    assert entry["message"]["text"].startswith("Registry `format('{0}acr', prefix)` is open")
    assert entry["locations"][0]["logicalLocations"][0]["name"] == "format('{0}acr', prefix)"
    raw = "[format('{0}acr', parameters('prefix'))]"
    assert entry["partialFingerprints"]["acrFixRegistry/v2"] == _fingerprint("main.json", raw, 0)
    (registry,) = json.loads(render_json(result, "dry-run"))["files"][0]["registries"]
    assert (registry["name"], registry["display_name"], registry["name_is_expression"]) == \
        (raw, "format('{0}acr', prefix)", True)


def test_the_rule_carries_what_code_scanning_reads(repo: Path) -> None:
    log = json.loads(render_sarif(analyse(repo)))
    validate(log)
    (rule,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "7.5"          # "high" in the Security tab
    assert float(rule["properties"]["security-severity"]) >= 7.0
    assert {"security", "azure", "container-registry"} <= set(rule["properties"]["tags"])
    assert rule["defaultConfiguration"] == {"enabled": True, "level": "error", "rank": -1}
    markdown = rule["help"]["markdown"]
    assert f"[Azure.ACR.Firewall]({HELP_URI})" in markdown and "`acr-fix --dry-run`" in markdown
    assert "publicNetworkAccess" in rule["help"]["text"] and HELP_URI in rule["help"]["text"]


def test_regions_span_the_declaration(repo: Path) -> None:
    log = json.loads(render_sarif(analyse(repo)))
    text = (repo / "infra" / "main.json").read_text()
    lines = text.splitlines(keepends=True)
    for entry in log["runs"][0]["results"]:
        region = entry["locations"][0]["physicalLocation"]["region"]
        assert region["endLine"] > region["startLine"]
        start = sum(len(l) for l in lines[:region["startLine"] - 1]) + region["startColumn"] - 1
        end = sum(len(l) for l in lines[:region["endLine"] - 1]) + region["endColumn"] - 1
        resource = json.loads(text[start:end])                       # exactly the resource object
        assert resource["type"] == "Microsoft.ContainerRegistry/registries"
        assert resource["name"] == entry["locations"][0]["logicalLocations"][0]["name"]


def test_fingerprints_survive_a_registry_added_above(repo: Path) -> None:
    def prints(root: Path) -> dict[str, str]:
        log = json.loads(render_sarif(analyse(root)))
        return {r["locations"][0]["logicalLocations"][0]["name"]: r["partialFingerprints"]["acrFixRegistry/v2"]
                for r in log["runs"][0]["results"]}

    before = prints(repo)
    path = repo / "infra" / "main.json"
    text = path.read_text()
    first = text.index('    {\n      "type": "Microsoft.ContainerRegistry/registries"')
    added = ('    {\n      "type": "Microsoft.ContainerRegistry/registries",\n      "apiVersion": "2023-07-01",\n'
             '      "name": "newcomer",\n      "location": "westeurope",\n      "sku": { "name": "Premium" }\n    },\n')
    path.write_text(text[:first] + added + text[first:])
    after = prints(repo)
    assert set(after) == set(before) | {"newcomer"}
    assert {name: after[name] for name in before} == before
    assert len(set(after.values())) == len(after)


def test_notes_reach_the_message(repo: Path) -> None:
    result = analyse(repo)
    plan = next(p for f in result.files for p in f.plans if p.registry.name == "buildacr")
    plan.notes.append("Microsoft.Web/sites 'web' (line 3) pulls from this registry")
    log = json.loads(render_sarif(result))
    validate(log)
    entry = next(r for r in log["runs"][0]["results"] if "fixes" in r)
    text = entry["message"]["text"]
    assert "Before you merge: SKU upgraded from 'Basic' to Premium" in text
    assert "Microsoft.Web/sites 'web' (line 3) pulls from this registry." in entry["message"]["text"]


def test_a_fix_says_how_safe_it_is(repo: Path) -> None:
    log = json.loads(render_sarif(analyse(repo)))
    validate(log)
    [fixed] = [r for r in log["runs"][0]["results"] if "fixes" in r]
    assert fixed["fixes"][0]["properties"] == {"applicability": "safe"}
