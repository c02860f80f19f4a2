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


def _branch(resolved: Resolved, condition: str, index: int) -> str | None:
    """The value of ``resolved`` when ``condition`` takes branch ``index`` (0: true); None when
    unset or not known (chosen by another condition, or by several deployments)."""
    if resolved.also:
        return None
    if resolved.branches is not None:
        return resolved.branches[1][index] if resolved.branches[0] == condition else None
    return resolved.value


def _passes_either_way(access: Resolved, action: Resolved) -> bool:
    """`publicNetworkAccess: open ? 'Enabled' : 'Disabled'` with `networkRuleSet: open ?
    { defaultAction: 'Deny' } : null`: neither is known alone, but whichever way the one
    condition goes, one of them closes the registry."""
    condition = (access.branches or action.branches or (None,))[0]
    if condition is None:
        return False
    for index in (0, 1):
        access_value = _branch(access, condition, index)
        action_value = _branch(action, condition, index)
        if (access_value or "").lower() == "disabled" or (action_value or "").lower() == "deny":
            continue
        return False  # this branch leaves it open, or is not known
    return True


def evaluate(registry: Registry, premium_only: bool = False) -> Verdict:
    if registry.existing:
        return Verdict.EXISTING
    if premium_only and all(r.value is not None and r.value.lower() != "premium"
                            for r in (registry.sku_name, *registry.sku_name.also)):
        return Verdict.NOT_APPLICABLE  # (a deployment that is Premium, e.g. prod's parameter file, is in scope)
    if _equals(registry.public_network_access, "Disabled") or _equals(registry.default_action, "Deny"):
        return Verdict.PASS
    if _passes_either_way(registry.public_network_access, registry.default_action):
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
