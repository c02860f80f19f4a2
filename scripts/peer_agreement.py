#!/usr/bin/env python3
"""Agreement with the peers' own ACR test data: PSRule for Azure and Azure Policy d0793b48.

    python scripts/peer_agreement.py [DATA] [--expected EXPECTED]

DATA is PSRule for Azure's `Resources.ACR.json` (its test data: registries as Azure exports
them, `Name`, `Sku`, `Properties`), the extract in tests/peers/psrule_acr by default, or the
file of a checkout of Azure/PSRule.Rules.Azure. Each registry becomes an ARM template that
acr-fix reads like any other. Then:

- with `--premium-only`, acr-fix's verdict must be the outcome PSRule's tests expect for
  Azure.ACR.Firewall (EXPECTED, `expected.json` beside the data: Fail / Pass / None);
- in the default mode it must be Azure Policy d0793b48's ("Container registries should not
  allow unrestricted network access"): non-compliant when networkRuleSet.defaultAction is
  missing or Allow and publicNetworkAccess is missing or Enabled, whatever the SKU.

Prints one line per registry and exits 1 on any disagreement, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fixer.options import Options  # noqa: E402
from fixer.run import run  # noqa: E402

DEFAULT_DATA = REPO / "tests" / "peers" / "psrule_acr" / "Resources.ACR.json"
REGISTRY_TYPE = "microsoft.containerregistry/registries"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
# A version that has every property the test data sets (publicNetworkAccess, the bypass).
API_VERSION = "2023-07-01"
# acr-fix's verdicts as PSRule's outcomes ("unknown" has no PSRule twin: a disagreement)
OUTCOME = {"fail": "Fail", "pass": "Pass", "not-applicable": "None"}


def registries(data: list) -> list[dict]:
    """The registries of PSRule's export-shaped test data (not their nested resources)."""
    return [item for item in data if isinstance(item, dict)
            and str(item.get("ResourceType", item.get("Type", ""))).lower() == REGISTRY_TYPE
            and isinstance(item.get("Sku"), dict)]


def as_template(item: dict) -> dict:
    """An exported registry as the ARM template that would deploy it."""
    sku = {key.lower(): value for key, value in item["Sku"].items() if key in ("Name", "Tier") and value}
    properties = {k: v for k, v in (item.get("Properties") or {}).items() if k != "loginServer"}
    resource = {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": API_VERSION,
                "name": item["Name"], "location": item.get("Location") or "westeurope", "sku": sku,
                "properties": properties}
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [resource]}


def policy_d0793b48(item: dict) -> str:
    """Azure Policy d0793b48's verdict, from its definition: Fail (non-compliant) or Pass."""
    properties = item.get("Properties") or {}
    action = (properties.get("networkRuleSet") or {}).get("defaultAction")
    access = properties.get("publicNetworkAccess")
    open_action = action is None or str(action).lower() == "allow"
    open_access = access is None or str(access).lower() == "enabled"
    return "Fail" if open_action and open_access else "Pass"


def verdicts(folder: Path, premium_only: bool) -> dict[str, str]:
    """acr-fix's verdict per registry name over the templates in ``folder``."""
    result = run([folder], Options(premium_only=premium_only), root=folder)
    errors = [f.error for f in result.files if f.error]
    if errors or result.errors:
        raise SystemExit(f"acr-fix could not read the test data: {(errors + result.errors)[0]}")
    return {plan.registry.name: OUTCOME.get(plan.verdict.value, plan.verdict.value) for _, plan in result.plans}


def compare(data: list, expected: dict | None) -> list[tuple[str, str, str, str, str]]:
    """(name, PSRule expects, acr-fix --premium-only, policy, acr-fix default) per registry."""
    items = registries(data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for index, item in enumerate(items):
            (folder / f"{index:02d}-{item['Name']}.json").write_text(json.dumps(as_template(item), indent=2))
        premium = verdicts(folder, premium_only=True)
        default = verdicts(folder, premium_only=False)
    wanted = {name: outcome for outcome in ("Fail", "Pass", "None") for name in (expected or {}).get(outcome, [])}
    return [(item["Name"], wanted.get(item["Name"], "-"), premium.get(item["Name"], "missing"),
             policy_d0793b48(item), default.get(item["Name"], "missing")) for item in items]


def disagreements(rows: list[tuple[str, str, str, str, str]]) -> list[str]:
    problems = []
    for name, psrule, premium, policy, default in rows:
        if psrule != "-" and premium != psrule:
            problems.append(f"{name}: PSRule expects {psrule}, acr-fix --premium-only says {premium}")
        if default != policy:
            problems.append(f"{name}: Azure Policy d0793b48 says {policy}, acr-fix says {default}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--expected", type=Path, help="PSRule's expected outcomes (default: expected.json beside DATA)")
    args = parser.parse_args(argv)
    expected_path = args.expected or args.data.parent / "expected.json"
    expected = json.loads(expected_path.read_text()) if expected_path.is_file() else None
    rows = compare(json.loads(args.data.read_text(encoding="utf-8-sig")), expected)
    print(f"{'registry':<14} {'PSRule':<7} {'--premium-only':<15} {'policy':<7} default")
    for name, psrule, premium, policy, default in rows:
        print(f"{name:<14} {psrule:<7} {premium:<15} {policy:<7} {default}")
    problems = disagreements(rows)
    for problem in problems:
        print(f"disagreement: {problem}", file=sys.stderr)
    print(f"{len(rows)} registries, {len(problems)} disagreement(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
