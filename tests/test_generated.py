"""An ARM template compiled from Bicep (`metadata._generator.name: bicep`) is the build's output:
beside its source it is reported as generated and never edited; alone it is fixed with a note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixer.cli import app

MAIN_BICEP = """param location string = resourceGroup().location

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoimages'
  location: location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
  }
}
"""
# What `bicep build main.bicep` writes for it.
MAIN_JSON = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "metadata": {
    "_generator": {
      "name": "bicep",
      "version": "0.30.23.60470",
      "templateHash": "6453476523894263402"
    }
  },
  "parameters": {
    "location": {
      "type": "string",
      "defaultValue": "[resourceGroup().location]"
    }
  },
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "contosoimages",
      "location": "[parameters('location')]",
      "sku": {
        "name": "Premium"
      },
      "properties": {
        "adminUserEnabled": false
      }
    }
  ]
}
"""


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "main.bicep").write_text(MAIN_BICEP)
    (tmp_path / "main.json").write_text(MAIN_JSON)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_compiled_template_beside_its_source_is_left_alone(compiled):
    result = invoke("--write", ".")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (compiled / "main.json").read_text() == MAIN_JSON          # never edited
    assert (compiled / "main.bicep").read_text() != MAIN_BICEP        # the source is fixed
    assert "main.json:18: registry 'contosoimages': suppressed" in result.stdout
    assert "generated from main.bicep by `bicep build`" in result.stdout


def test_the_report_points_at_the_source(compiled):
    report = json.loads(invoke("--dry-run", "--format", "json", ".").stdout)
    by_path = {f["path"]: f for f in report["files"]}
    compiled_plan = by_path["main.json"]["registries"][0]
    assert compiled_plan["status"] == "suppressed" and "fix main.bicep" in compiled_plan["suppressed"]
    assert by_path["main.bicep"]["registries"][0]["status"] == "fix"


def test_a_compiled_template_without_its_source_in_the_run_is_fixed_with_a_note(compiled):
    result = invoke("--write", "main.json")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (compiled / "main.json").read_text() != MAIN_JSON
    assert "main.json is generated: `bicep build` wrote it (metadata._generator.name: bicep) from main.bicep, " \
           "which is not part of this run" in result.stdout


def test_a_compiled_template_with_no_source_at_all_is_fixed_with_a_note(compiled):
    (compiled / "main.bicep").unlink()
    result = invoke("--dry-run", ".")
    assert result.exit_code == 1
    assert "from a Bicep file not found beside it" in result.stdout


def test_a_hand_written_template_beside_a_bicep_file_is_fixed(compiled):
    (compiled / "main.json").write_text(MAIN_JSON.replace('"name": "bicep"', '"name": "handmade"'))
    result = invoke("--dry-run", ".")
    assert "+++ b/main.json" in result.stdout and "generated" not in result.stdout
