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


def _open(place: Resolved, closed: str) -> bool:
    """Whether this deployment's value is known and leaves the property open."""
    return place.origin == Origin.ABSENT or (place.value is not None and place.value.lower() != closed.lower())


def _open_somewhere(access: Resolved, action: Resolved) -> bool:
    """Whether some deployment is certainly open though others cannot be read (a module
    caller passes an expression): the values of the two properties are not paired by
    deployment, so one of them must be open in every deployment and the other in one."""
    access_places, action_places = [access, *access.also], [action, *action.also]
    all_access = all(_open(p, "Disabled") for p in access_places)
    all_action = all(_open(p, "Deny") for p in action_places)
    return (all_access and any(_open(p, "Deny") for p in action_places)) or \
        (all_action and any(_open(p, "Disabled") for p in access_places))


def unreadable(resolved: Resolved) -> list[Resolved]:
    """The deployments (beyond the first) whose value cannot be read."""
    return [p for p in resolved.also if not _decided(p)]


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


def never_deployed(registry: Registry) -> bool:
    """Whether the registry's condition is the literal false (ARM `"condition": false` or
    `"[false()]"`, Bicep `if (false)`): no deployment ever creates it."""
    text = registry.condition_text
    if text is None:
        condition = registry.node.get("condition") if registry.node is not None and registry.doc is not None \
            and registry.doc.kind == "arm" else None
        if condition is None:
            return False
        if condition.kind == "bool":
            return condition.value is False
        text = str(condition.value) if condition.kind == "string" else None
        if text is None:
            return False
        text = text.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
    text = "".join(text.split()).lower()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text in ("false", "false()")


def _tier_premium(registry: Registry) -> bool:
    """PSRule's selector Azure.ACR.IsPremiumSKU also takes `sku.tier: 'Premium'` (a literal)."""
    tier = registry.sku.get("tier") if registry.sku is not None else None
    return tier is not None and tier.kind == "string" and str(tier.value).lower() == "premium"


def evaluate(registry: Registry, premium_only: bool = False) -> Verdict:
    if registry.existing:
        return Verdict.EXISTING
    if never_deployed(registry):
        return Verdict.NOT_APPLICABLE
    if premium_only and not _tier_premium(registry) and \
            all((r.value is not None and r.value.lower() != "premium") or r.origin == Origin.ABSENT
                for r in (registry.sku_name, *registry.sku_name.also)):
        # (PSRule's selector: sku.name or sku.tier 'Premium'; no SKU at all is not Premium)
        return Verdict.NOT_APPLICABLE  # (a deployment that is Premium, e.g. prod's parameter file, is in scope)
    if _equals(registry.public_network_access, "Disabled") or _equals(registry.default_action, "Deny"):
        return Verdict.PASS
    if _passes_either_way(registry.public_network_access, registry.default_action):
        return Verdict.PASS
    access, action = registry.public_network_access, registry.default_action
    if _decided(access) and _decided(action) and not unreadable(access) and not unreadable(action):
        return Verdict.FAIL
    if _open_somewhere(access, action):
        return Verdict.FAIL  # a deployment is open, whatever the unreadable ones do
    return Verdict.UNKNOWN


def problem(registry: Registry) -> str:
    """What is wrong, in words."""
    pna = registry.public_network_access
    action = registry.default_action
    parts = []
    parts.append("publicNetworkAccess is " + pna.describe())
    parts.append("networkRuleSet.defaultAction is " + action.describe())
    text = "open to the internet: " + " and ".join(parts)
    # deployments whose value acr-fix cannot read (the others are open all the same)
    for place in (*unreadable(pna), *unreadable(action)):
        text += f"; {place.detail}"
    return text


def undetermined(registry: Registry) -> str:
    """Why the network access of a registry (verdict unknown) cannot be determined."""
    places = [place for r in (registry.public_network_access, registry.default_action) for place in (r, *r.also)]
    return "; ".join(p.detail for p in places if p.detail and not _decided(p))


_NOT_PREMIUM = ("basic", "standard")


def refused_by_azure(registry: Registry) -> str | None:
    """Why Azure would refuse to deploy a registry that passes the rule (None: it deploys):
    publicNetworkAccess 'Disabled' (DisablingPublicNetworkAccessNotSupported) or a Deny
    firewall on a Basic or Standard SKU, or an apiVersion older than a property it sets.
    For registries declared as resources and those the Azure Verified Module deploys (from the
    params it is given); other modules write what their own version takes."""
    if registry.flavor not in ("resource", "avm-module") or registry.existing:
        return None
    from .api_versions import supports

    disabled = any((p.value or "").lower() == "disabled" for p in (registry.public_network_access,
                                                                  *registry.public_network_access.also))
    denied = any((p.value or "").lower() == "deny" for p in (registry.default_action, *registry.default_action.also))
    skus = [p for p in (registry.sku_name, *registry.sku_name.also) if (p.value or "").lower() in _NOT_PREMIUM]
    if (disabled or denied) and skus:
        what = "publicNetworkAccess 'Disabled'" if disabled else "a Deny firewall (networkRuleSet)"
        where = f" ({skus[0].detail})" if skus[0].detail else ""
        code = " (DisablingPublicNetworkAccessNotSupported)" if disabled else ""
        return f"{what} needs the Premium SKU, and the SKU is '{skus[0].value}'{where}{code}"
    api = registry.api_version.value
    if api:
        lacking = [name for name, key in (("publicNetworkAccess", "publicnetworkaccess"),
                                          ("networkRuleBypassOptions", "networkrulebypassoptions"),
                                          ("networkRuleSet", "networkruleset"))
                   if key in registry.property_keys and not supports(api, key)]
        if lacking:
            return f"apiVersion {api} does not have {', '.join(lacking)}, which the registry sets"
    return None
