"""The peers' own ACR test data: PSRule for Azure's Azure.ACR.Firewall expectations under
--premium-only, Azure Policy d0793b48 in the default mode (scripts/peer_agreement.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "peers" / "psrule_acr"


def _script():
    spec = importlib.util.spec_from_file_location("peer_agreement", ROOT / "scripts" / "peer_agreement.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_psrule_and_policy_agree_on_their_acr_test_data(capsys):
    assert _script().main([str(DATA / "Resources.ACR.json")]) == 0
    out = capsys.readouterr().out
    assert "11 registries, 0 disagreement(s)" in out


def test_every_registry_psrule_names_is_compared():
    script = _script()
    expected = json.loads((DATA / "expected.json").read_text())
    rows = script.compare(json.loads((DATA / "Resources.ACR.json").read_text()), expected)
    compared = {name for name, psrule, *_ in rows if psrule != "-"}
    assert compared == {n for outcome in ("Fail", "Pass", "None") for n in expected[outcome]}


def test_a_tier_only_premium_registry_is_in_psrule_scope():
    # PSRule's selector Azure.ACR.IsPremiumSKU: sku.name or sku.tier is Premium
    script = _script()
    data = [{"Name": "registry-T", "ResourceType": "Microsoft.ContainerRegistry/registries",
             "Sku": {"Tier": "Premium"}, "Properties": {}},
            {"Name": "registry-S", "ResourceType": "Microsoft.ContainerRegistry/registries",
             "Sku": {"Name": "Standard", "Tier": "Standard"}, "Properties": {"publicNetworkAccess": "Enabled"}}]
    rows = script.compare(data, {"Fail": ["registry-T"], "None": ["registry-S"]})
    assert script.disagreements(rows) == []
