"""Azure.ACR.Firewall: restrict network access to container registries.

A registry passes when properties.publicNetworkAccess is 'Disabled' or
properties.networkRuleSet.defaultAction is 'Deny' (compared case-insensitively). PSRule only
evaluates Premium registries (selector Azure.ACR.IsPremiumSKU); Azure Policy d0793b48-...
applies the same condition to every SKU, which is acr-fix's default.
"""

from __future__ import annotations

from enum import Enum

from . import RULE_ID
from .model import Origin, Registry, Resolved

ID = RULE_ID
TITLE = "Restrict network access to container registries"
HELP_URI = "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.ACR.Firewall/"


class Verdict(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"          # a deciding value is an expression we cannot resolve
    NOT_APPLICABLE = "not-applicable"  # --premium-only and the SKU is not Premium
    EXISTING = "existing"        # a reference to a registry deployed elsewhere


def _equals(resolved: Resolved, expected: str) -> bool:
    """True when the value is ``expected`` in every deployment (every parameter file)."""
    return all(r.value is not None and r.value.lower() == expected.lower() for r in [resolved, *resolved.also])


def _decided(resolved: Resolved) -> bool:
    return resolved.value is not None or resolved.origin == Origin.ABSENT


def evaluate(registry: Registry, premium_only: bool = False) -> Verdict:
    if registry.existing:
        return Verdict.EXISTING
    if premium_only and registry.sku_name.value is not None and registry.sku_name.value.lower() != "premium":
        return Verdict.NOT_APPLICABLE
    if _equals(registry.public_network_access, "Disabled") or _equals(registry.default_action, "Deny"):
        return Verdict.PASS
    if _decided(registry.public_network_access) and _decided(registry.default_action):
        return Verdict.FAIL
    return Verdict.UNKNOWN


def problem(registry: Registry) -> str:
    """What is wrong, in words."""
    pna = registry.public_network_access
    action = registry.default_action
    parts = []
    parts.append("publicNetworkAccess is " + pna.describe())
    parts.append("networkRuleSet.defaultAction is " + action.describe())
    return "open to the internet: " + " and ".join(parts)
