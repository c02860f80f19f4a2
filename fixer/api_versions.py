"""Which Microsoft.ContainerRegistry/registries API versions support which properties.

Source: Azure/bicep-types-az, generated/containerregistry*/microsoft.containerregistry/<version>/types.md
(RegistryProperties and NetworkRuleSet), summarised in ../shared/reference/acr-facts.md §2.
Keep this the only place that knows the table.
"""

from __future__ import annotations

# Every API version that has the registries resource, oldest first.
VERSIONS: tuple[str, ...] = (
    "2016-06-27-preview", "2017-03-01", "2017-06-01-preview", "2017-10-01", "2019-05-01",
    "2019-12-01-preview", "2020-11-01-preview", "2021-06-01-preview", "2021-08-01-preview",
    "2021-09-01", "2021-12-01-preview", "2022-02-01-preview", "2022-12-01", "2023-01-01-preview",
    "2023-06-01-preview", "2023-07-01", "2023-08-01-preview", "2023-11-01-preview",
    "2024-11-01-preview", "2025-03-01-preview", "2025-04-01", "2025-05-01-preview",
    "2025-06-01-preview", "2025-11-01", "2026-01-01-preview", "2026-03-01-preview",
)

_NETWORK_RULE_SET_FROM = "2017-10-01"
_PUBLIC_ACCESS_FROM = "2019-12-01-preview"
# virtualNetworkRules were removed from NetworkRuleSet in 2021-09-01 (azure-rest-api-specs
# PR 16481) and only re-appear in 2026-03-01-preview.
_VNET_RULES = {"2017-10-01", "2019-05-01", "2019-12-01-preview", "2020-11-01-preview",
               "2021-06-01-preview", "2021-08-01-preview", "2021-12-01-preview", "2026-03-01-preview"}
_ANONYMOUS_PULL = {"2020-11-01-preview", "2021-06-01-preview", "2021-08-01-preview", "2021-12-01-preview",
                   "2022-02-01-preview", "2023-01-01-preview", "2023-06-01-preview", "2023-08-01-preview",
                   "2023-11-01-preview", "2024-11-01-preview", "2025-03-01-preview", "2025-04-01",
                   "2025-05-01-preview", "2025-06-01-preview", "2025-11-01", "2026-01-01-preview",
                   "2026-03-01-preview"}


def _since(first: str) -> set[str]:
    return set(VERSIONS[VERSIONS.index(first):])


# property (lower-case; networkRuleSet children prefixed "networkruleset.") -> versions supporting it
SUPPORT: dict[str, set[str]] = {
    "networkruleset": _since(_NETWORK_RULE_SET_FROM),
    "networkruleset.ipRules".lower(): _since(_NETWORK_RULE_SET_FROM),
    "networkruleset.virtualnetworkrules": _VNET_RULES,
    "publicnetworkaccess": _since(_PUBLIC_ACCESS_FROM),
    "networkrulebypassoptions": _since(_PUBLIC_ACCESS_FROM),
    "anonymouspullenabled": _ANONYMOUS_PULL,
}


def is_preview(version: str) -> bool:
    return "preview" in version.lower()


def supports(version: str, feature: str) -> bool:
    """True when ``version`` has ``feature``; unknown versions or features count as supported
    (we only bump versions we know to be too old)."""
    allowed = SUPPORT.get(feature.lower())
    if allowed is None or version not in VERSIONS:
        return True
    return version in allowed


def _key(version: str) -> tuple[str, int]:
    # "2019-12-01-preview" sorts before "2019-12-01"
    return (version[:10], 0 if is_preview(version) else 1)


def needed_bump(current: str, needed: set[str], used: set[str]) -> tuple[str | None, str | None]:
    """Return (new_version, problem).

    ``needed`` are features the fix writes; ``used`` are features the resource already uses.
    (None, None) means the current version is fine; (None, problem) means no stable version
    supports everything (the fix must be done by hand)."""
    needed = {f.lower() for f in needed if f.lower() in SUPPORT}
    if all(supports(current, f) for f in needed):
        return None, None
    # Keep what the resource uses today working; a property the current version already
    # lacks is the template's own business, not a reason to pick a different version.
    used = {f.lower() for f in used if f.lower() in SUPPORT and supports(current, f)}
    features = needed | used
    candidates = [v for v in VERSIONS if not is_preview(v) and _key(v) >= _key(current) and all(v in SUPPORT[f] for f in features)]
    if candidates:
        return candidates[0], None
    if "networkruleset.virtualnetworkrules" in used:
        return None, ("the registry uses networkRuleSet.virtualNetworkRules, which no stable API version "
                      f"after {current} supports (removed in 2021-09-01), but the fix needs a newer one")
    return None, f"no stable API version newer than {current} supports {', '.join(sorted(features))}"


def oldest_supporting(features: set[str]) -> str | None:
    """The oldest stable API version that supports every one of ``features`` (None: none does)."""
    wanted = {f.lower() for f in features if f.lower() in SUPPORT}
    return next((v for v in VERSIONS if not is_preview(v) and all(v in SUPPORT[f] for f in wanted)), None)
