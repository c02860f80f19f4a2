"""Choose the fix for each registry: which property to set, where, and why.

``plan_registry`` is pure: it reads a Registry (whose values say where they are defined)
and returns a Plan with Changes (edits per document) or the reason the registry must be
fixed by hand. Nothing here reads or writes files or knows a format's syntax: edits are
spelled through the document's dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from . import RULE_ID
from .api_versions import needed_bump, oldest_supporting, supports
from .edits import Applicability, Change, Edit, Fix, detect_indent_unit, indent_at
from .formats import reader_of
from .model import Document, Node, Origin, Registry, Resolved
from .options import Options
from .rule import Verdict, evaluate, problem, undetermined

COST_NOTE = ("Premium costs more than Basic or Standard "
             "(https://azure.microsoft.com/pricing/details/container-registry/)")
VALID_SKUS = {"basic", "standard", "premium", "classic"}
EDITABLE = (Origin.LITERAL, Origin.PARAMETER_DEFAULT, Origin.PARAMETER_FILE, Origin.VARIABLE, Origin.MODULE_CALLER)


@dataclass(eq=False)
class Plan:
    """What acr-fix will do (or asks a human to do) for one registry."""

    registry: Registry
    verdict: Verdict
    problem: str = ""
    strategy: str | None = None
    fix: Fix | None = None
    manual: list[str] = field(default_factory=list)
    suppressed: str | None = None
    sku_upgrade: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """pass | fix | manual | suppressed | not-applicable | existing"""
        if self.suppressed:
            return "suppressed"
        if self.verdict in (Verdict.PASS, Verdict.NOT_APPLICABLE, Verdict.EXISTING):
            return self.verdict.value
        if self.manual or self.fix is None:
            return "manual"
        return "fix"


class _Builder:
    """Collects the changes of one plan; groups inserts into the same object into one edit."""

    def __init__(self, registry: Registry, unsafe_fixes: bool = False) -> None:
        self.registry = registry
        self.unsafe_fixes = unsafe_fixes
        self.applicability = Applicability.SAFE
        self.unsafe_notes: list[str] = []
        self.fix_notes: list[str] = []   # notes that only make sense if the fix is made
        self.changes: list[Change] = []
        self.manual: list[str] = []
        # id(object node) -> (doc, node, {key: value}, [what], [why])
        self.inserts: dict[int, tuple[Document, Node, dict[str, Any], list[str], list[str]]] = {}
        # id(null node) -> (doc, node, {key: value}, [what], [why]): nulls replaced by an object
        self.null_fills: dict[int, tuple[Document, Node, dict[str, Any], list[str], list[str]]] = {}
        self.written: set[str] = set()   # features written, for the apiVersion check

    # -- primitive changes -------------------------------------------------------------
    def replace(self, doc: Document, node: Node, value: Any, what: str, why: str) -> None:
        text = doc.source.text
        rendered = doc.dialect.literal(value, indent_at(text, node.start), detect_indent_unit(text), doc.source.eol)
        self.changes.append(Change(doc, [Edit(node.start, node.end, rendered)], [node.path], what, why, doc.line(node)))

    def insert(self, doc: Document, obj: Node, key: str, value: Any, what: str, why: str) -> None:
        _gather(self.inserts, doc, obj, {key: value}, what, why)

    def append(self, doc: Document, array: Node, value: Any, what: str, why: str) -> None:
        edits = doc.dialect.append_item(doc, array, value)
        self.changes.append(Change(doc, edits, [array.path], what, why, doc.line(array)))

    def fill_null(self, doc: Document, node: Node, payload: dict[str, Any], what: str, why: str) -> None:
        _gather(self.null_fills, doc, node, payload, what, why)

    def finish(self) -> list[Change]:
        for doc, node, payload, whats, whys in self.null_fills.values():
            text = doc.source.text
            rendered = doc.dialect.literal(payload, indent_at(text, node.start), detect_indent_unit(text), doc.source.eol)
            self.changes.append(Change(doc, [Edit(node.start, node.end, rendered)], [node.path], "; ".join(whats),
                                       "; ".join(w.rstrip(".") for w in dict.fromkeys(whys)), doc.line(node)))
        for doc, obj, members, whats, whys in self.inserts.values():
            dialect = doc.dialect
            pairs = list(members.items())
            if hasattr(dialect, "insert_members"):
                edits = dialect.insert_members(doc, obj, pairs)
            else:
                edits = [e for key, value in pairs for e in dialect.insert_member(doc, obj, key, value)]
            self.changes.append(Change(doc, edits, [obj.path + (key,) for key, _ in pairs], "; ".join(whats),
                                       "; ".join(w.rstrip(".") for w in dict.fromkeys(whys)),
                                       doc.line(obj)))
        self.changes.sort(key=lambda c: (str(c.doc.path), c.edits[0].start if c.edits else 0))
        return self.changes

    # -- setting a property of the registry --------------------------------------------
    def set_property(self, resolved: Resolved, keys: tuple[str, ...], value: str, why: str,
                     display: str | None = None) -> bool:
        """Make ``keys`` (a path inside the resource) equal ``value`` where it is defined.

        Returns False (and records a manual reason) when the value cannot be edited safely."""
        reg = self.registry
        name = display or ".".join(keys)
        if resolved.origin in EDITABLE and resolved.node is not None and resolved.doc is not None:
            places = [resolved, *resolved.also]
            blocked = [p for p in places if p.node is None or p.doc is None or p.origin not in EDITABLE]
            if blocked:
                message = f"{name} is also set where acr-fix cannot edit it: " + "; ".join(p.detail for p in blocked)
                todo = [p for p in places if p not in blocked and (p.value or "").lower() != str(value).lower()]
                if todo:
                    # a fix must close every deployment (the re-check reads them all): the
                    # readable ones are left as they are, and the message says what to change
                    message += (f". A fix must close every deployment, so acr-fix changes nothing: make that value "
                                f"'{value}' by hand and set {name} to '{value}' in "
                                + " and in ".join(f"{p.detail} ({_place(reg.doc, p)})" for p in todo))
                self.manual.append(message)
                return False
            for place in places:
                reader = _condition_reading(reg, place.param) if place.param else None
                if reader is not None and (place.value or "").lower() != str(value).lower():
                    # `publicNetworkAccess: acrSku == 'Premium' ? 'Disabled' : 'Enabled'`: the
                    # value was read with the parameter as it is; changing it changes that too
                    self.manual.append(f"{name} comes from {place.detail}, which a condition also reads: {reader.detail}; "
                                       f"changing it could change that value too, so set {name} to '{value}' by hand")
                    return False
                if place.shared and (place.value or "").lower() != str(value).lower():
                    if not self.unsafe_fixes:
                        self.manual.append(f"{name} comes from {place.detail}, and {place.shared}: changing it to "
                                           f"'{value}' would change that resource too; give the registry its own "
                                           f"value, or allow it with --unsafe-fixes")
                        return False
                    # --unsafe-fixes: the user accepts that the other user changes too
                    self.applicability = Applicability.UNSAFE
                    self.unsafe_notes.append(f"unsafe fix (--unsafe-fixes): {place.shared}, and it changes too")
                if isinstance(value, str) and (place.value or "").lower() == value.lower():
                    continue  # already right in this deployment
                where = f" in {place.detail}" if place.detail else ""
                self.replace(place.doc, place.node, value, f"set {name} to '{value}'{where} (was '{place.value}')", why)
            self._allow(resolved, value)
            return True
        if resolved.origin == Origin.ABSENT:
            if resolved.node is not None and resolved.node.kind == "null":
                self.replace(reg.doc, resolved.node, value, f"set {name} to '{value}' (was null)", why)
                return True
            if resolved.node is not None:   # an expression leaves it unset: not rewritten
                self.manual.append(f"{resolved.detail or name + ' is unset by an expression'}; set {name} to "
                                   f"{_show(value)} by hand")
                return False
            return self.ensure(keys, value, name, why)
        self.manual.append(f"{name} cannot be set safely: {resolved.detail or 'its value is an expression'}; "
                           f"set it to '{value}' by hand")
        return False

    def _allow_type(self, resolved: Resolved, value: str) -> None:
        """Add ``value`` to a Bicep string-union parameter type ('Basic' | 'Standard')."""
        allowed_type = resolved.allowed_type
        if allowed_type is None:
            return
        if isinstance(allowed_type, str):
            self.manual.append(f"{allowed_type}; make sure it allows '{value}'")
            return
        doc, end, values, path = allowed_type
        if value.lower() in (v.lower() for v in values):
            return
        label = f"parameter '{resolved.param}'" if resolved.param else re.sub(r"^default of ", "", resolved.detail)
        literal = doc.dialect.literal(value, "", "", doc.source.eol)
        self.changes.append(Change(doc, [Edit(end, end, f" | {literal}")], [path],
                                   f"add {literal} to the type of {label}",
                                   "the parameter's type lists its values, and the fix needs this one", doc.line(end)))

    def _allow(self, resolved: Resolved, value: str) -> None:
        self._allow_type(resolved, value)
        allowed = resolved.allowed
        if allowed is None or resolved.allowed_doc is None or allowed.kind != "array":
            return
        values = [i.value.lower() for i in allowed.items or () if i.kind == "string"]
        if value.lower() not in values:
            label = f"parameter '{resolved.param}'" if resolved.param else re.sub(r"^default of ", "", resolved.detail)
            self.append(resolved.allowed_doc, allowed, value,
                        f"add '{value}' to the allowed values of {label}",
                        "the parameter restricts its values, and the fix needs this one")

    def ensure(self, keys: tuple[str, ...], value: Any, name: str, why: str) -> bool:
        """Insert ``keys`` = value under the resource, creating missing parent objects."""
        reg = self.registry
        current = reg.node
        for depth, key in enumerate(keys):
            child = current.get(key)
            rest = keys[depth + 1:]
            if child is None:
                payload: Any = value
                for inner in reversed(rest):
                    payload = {inner: payload}
                self.insert(reg.doc, current, key, payload, f"add {name} = {_show(value)}", why)
                return True
            if not rest:
                self.replace(reg.doc, child, value, f"set {name} to {_show(value)}", why)
                return True
            if child.kind == "null":
                payload = value
                for inner in reversed(rest[1:]):
                    payload = {inner: payload}
                self.fill_null(reg.doc, child, {rest[0]: payload},
                               f"replace null {'.'.join(keys[:depth + 1])} with {name} = '{value}'", why)
                return True
            if child.kind != "object":
                self.manual.append(f"{'.'.join(keys[:depth + 1])} is an expression (line {reg.doc.line(child)}); "
                                   f"set {name} to '{value}' by hand")
                return False
            current = child
        return False


def _place(home: Document, place: Resolved) -> str:
    """Where ``place`` is defined, as seen from the registry's file: "line 3", "../b.bicep line 2"."""
    line = place.doc.line(place.node) if place.doc is not None and place.node is not None else "?"
    if place.doc is None or place.doc is home:
        return f"line {line}"
    return f"{home.path_to(place.doc)} line {line}"


def _show(value: Any) -> str:
    """A value as the messages quote it: 'Deny', [], {"defaultAction": "Deny"}."""
    if isinstance(value, str):
        return f"'{value}'"
    import json
    return json.dumps(value, separators=(", ", ": "))


def _gather(store: dict, doc: Document, node: Node, members: dict[str, Any], what: str, why: str) -> None:
    """Collect members going into one object (or one null) so they become a single edit."""
    entry = store.setdefault(id(node), (doc, node, {}, [], []))
    for key, value in members.items():
        _merge(entry[2], key, value)
    entry[3].append(what)
    if why:
        entry[4].append(why)


def _merge(target: dict[str, Any], key: str, value: Any) -> None:
    if key in target and isinstance(target[key], dict) and isinstance(value, dict):
        for inner_key, inner_value in value.items():
            _merge(target[key], inner_key, inner_value)
    else:
        target[key] = value


def _writable(resolved: Resolved) -> bool:
    """Whether a fix can set the value: where it is defined, or where it is missing (not when
    an expression leaves it unset: its node is then that expression)."""
    if resolved.origin == Origin.ABSENT:
        return resolved.node is None or resolved.node.kind == "null"
    return resolved.origin in EDITABLE


def choose_strategy(registry: Registry, requested: str) -> tuple[str, str]:
    """(strategy, why) for a failing registry."""
    if requested == "disable":
        return "disable", ("public network access is turned off (--strategy disable); clients must use "
                           "private endpoints")
    if requested == "deny":
        return "deny", "the firewall denies by default (--strategy deny)"
    if registry.has_private_endpoint:
        return "disable", ("the template gives this registry a private endpoint, so clients can reach it "
                           "privately; public network access is turned off")
    return "deny", ("the template gives this registry no private endpoint, so turning public access off could "
                    "cut off its clients; the firewall denies by default instead")


@dataclass(frozen=True)
class Access:
    """Who still reaches the registry after the fix besides its private endpoints: addresses
    from networkRuleSet.ipRules (a deny fix, if it will list any) and trusted Azure services
    (True: networkRuleBypassOptions is or defaults to AzureServices; False: None; None: not
    known, e.g. an expression). Trusted services pass a Deny firewall and disabled public
    access alike."""

    ip_rules: bool
    trusted: bool | None


def _access_after(registry: Registry, rules: tuple[str, ...], adds_bypass: bool) -> Access:
    array = registry.ip_rules
    if rules:
        listed = True
    elif array is None or array.kind == "null":
        listed = False
    elif array.kind == "array":
        listed = bool(array.items)
    else:
        listed = True  # an expression: whatever addresses it gives
    bypass = registry.bypass
    if adds_bypass:
        trusted: bool | None = True
    elif bypass.value is not None:
        trusted = bypass.value.lower() == "azureservices"
    elif bypass.origin == Origin.ABSENT and (registry.api_version.value is None
                                             or supports(registry.api_version.value, "networkRuleBypassOptions")):
        trusted = True  # not set: a registry allows trusted services by default
    else:
        trusted = None
    return Access(listed, trusted)


def _deny_effect(access: Access, registry: Registry, adds_bypass: bool) -> str:
    """What a Deny firewall lets through, as the "why" of a deny fix says it. Trusted services
    are left to the networkRuleBypassOptions change when the fix adds that itself."""
    rules = "params.networkRuleSetIpRules" if registry.flavor == "avm-module" else "networkRuleSet.ipRules"
    if access.ip_rules:
        effect = f"only the addresses in {rules} get in over the public endpoint"
    else:
        effect = f"no public address gets in until {rules} lists some (--ip-rule)"
    if adds_bypass or access.trusted is None:
        return effect
    bypass = registry.bypass
    setting = (f"networkRuleBypassOptions is '{bypass.value}'" + (f", {bypass.detail}" if bypass.detail else "")
               if bypass.value else "networkRuleBypassOptions defaults to 'AzureServices'")
    if access.trusted:
        return f"{effect}; trusted Azure services still get in ({setting})"
    return f"{effect}; trusted Azure services are turned away too ({setting})"


def plan_registry(registry: Registry, options: Options, strategy: str | None = None,
                  ip_rules: tuple[str, ...] | None = None) -> Plan:
    """Decide what to do for one registry. Pure: returns a Plan, edits nothing."""
    verdict = evaluate(registry, options.premium_only)
    result = Plan(registry=registry, verdict=verdict)
    if verdict in (Verdict.PASS, Verdict.NOT_APPLICABLE, Verdict.EXISTING):
        return result
    result.problem = problem(registry) if verdict == Verdict.FAIL else \
        f"network access cannot be determined: {undetermined(registry)}"
    if registry.flavor == "unreadable-module":
        result.manual = [_unreadable_module_advice(registry)]
        return result
    reason = registry.manual_reason or _classic_registry(registry) or _public_on_purpose(registry)
    if reason:
        result.manual = [reason]
        return result
    chosen, why = choose_strategy(registry, strategy or options.strategy)
    hint = None
    if (strategy or options.strategy) == "auto":
        preferred = registry.public_network_access if chosen == "disable" else registry.default_action
        other = registry.default_action if chosen == "disable" else registry.public_network_access
        if not _writable(preferred) and _writable(other):
            if chosen == "disable":
                # the firewall is the fallback that cuts off no one the template shows
                chosen = "deny"
                why = ("the template gives this registry a private endpoint, but its publicNetworkAccess is an "
                       "expression; the firewall denies by default instead")
            else:
                # never the other way round by itself: with no private endpoint, turning public
                # access off could cut off every client; that is the user's call
                hint = ("publicNetworkAccess could be set to 'Disabled' instead (--strategy disable), but the "
                        "template gives this registry no private endpoint: that could cut off its clients")
    result.strategy = chosen
    builder = _Builder(registry, options.unsafe_fixes)
    rules = tuple(ip_rules if ip_rules is not None else options.ip_rules)
    adds_bypass = (chosen == "deny" and registry.flavor != "avm-module" and options.trusted_services
                   and registry.bypass.origin == Origin.ABSENT and registry.bypass.node is None)
    access = _access_after(registry, rules if chosen == "deny" else (), adds_bypass)
    if chosen == "deny":
        why = f"{why}: {_deny_effect(access, registry, adds_bypass)}"

    if registry.flavor == "avm-module":
        _plan_module_network(builder, registry, chosen, why, rules)
    elif registry.flavor == "classic-module":
        _plan_classic_module_network(builder, registry, chosen, why, rules)
    elif registry.flavor == "pattern-module":
        _plan_pattern_network(builder, registry, chosen, why)
    elif chosen == "disable":
        builder.set_property(registry.public_network_access, ("properties", "publicNetworkAccess"), "Disabled", why,
                             "publicNetworkAccess")
        builder.written.add("publicNetworkAccess")
    else:
        if adds_bypass:
            builder.set_property(registry.bypass, ("properties", "networkRuleBypassOptions"), "AzureServices",
                                 # (ACR Tasks are no longer let in by this alone: since June 2025
                                 # they also need networkRuleBypassAllowedForTasks)
                                 "trusted Azure services (Defender for Containers vulnerability scanning, "
                                 "`az acr import`) keep access through the firewall", "networkRuleBypassOptions")
            builder.written.add("networkRuleBypassOptions")
        network_rule_set_exists = registry.network_rule_set is not None
        if registry.default_action.origin == Origin.ABSENT and not network_rule_set_exists and rules:
            # create the whole networkRuleSet at once, ip rules included
            builder.set_property(registry.default_action, ("properties", "networkRuleSet"),
                                 {"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": r} for r in rules]},  # type: ignore[arg-type]
                                 why, "networkRuleSet")
            rules = ()
        else:
            builder.set_property(registry.default_action, ("properties", "networkRuleSet", "defaultAction"), "Deny",
                                 why, "networkRuleSet.defaultAction")
        builder.written.add("networkRuleSet")
        if rules:
            _add_ip_rules(builder, registry, rules)

    result.sku_upgrade = _plan_sku(builder, registry, options, result)
    api_blocked = _plan_api_version(builder, registry)
    if api_blocked and "networkRuleBypassOptions" in builder.written and len(builder.manual) == 1:
        # Trusted services are a nicety the apiVersion cannot carry (e.g. virtualNetworkRules
        # pin it to 2019-05-01): close the registry without them rather than not at all.
        fallback = plan_registry(registry, replace(options, trusted_services=False), strategy, ip_rules)
        if fallback.fix is not None:
            fallback.notes.append(f"networkRuleBypassOptions was not added: {api_blocked}; trusted Azure services "
                                  "(Defender for Containers scanning) cannot reach the registry through the firewall")
        return fallback

    if builder.manual:
        result.manual = builder.manual + ([hint] if hint else [])
        result.sku_upgrade = False  # nothing is changed: no upgrade to report either
        return result
    changes = builder.finish()
    message = "; ".join(c.what for c in changes)
    result.fix = Fix(RULE_ID, message, changes, builder.applicability)
    result.notes.extend(registry.notes)  # what the reader saw around it: a loop, a condition, a module
    result.notes.extend(builder.fix_notes)
    result.notes.extend(builder.unsafe_notes)
    if registry.clients or registry.output_clients:
        result.notes.append(_clients_note(registry.clients, chosen, access, registry.output_clients))
    if registry.importers:
        result.notes.append(_importers_note(registry.importers, access, registry.bypass, adds_bypass))
    return result


def _literal_property(registry: Registry, key: str) -> Node | None:
    """A property of the registry (a param of a registry module call) as written, or None."""
    properties = registry.properties
    return properties.get(key) if properties is not None and properties.kind == "object" else None


def _classic_registry(registry: Registry) -> str | None:
    """Why the registry is a Classic one (None if it is not): a storage account of its own,
    the Classic SKU, or an API version from before the managed SKUs. A Classic registry takes
    no firewall and no publicNetworkAccess; bumping its API version and SKU would keep a
    storageAccount that newer versions read differently, so the move is the user's."""
    sign = None
    if _literal_property(registry, "storageAccount") is not None:
        sign = "it has its own storageAccount"
    elif (registry.sku_name.value or "").lower() == "classic":
        sign = "its SKU is Classic"
    elif registry.sku_name.origin == Origin.ABSENT and registry.api_version.value and registry.api_version.value < "2017-03-01":
        sign = f"apiVersion {registry.api_version.value} has only the Classic SKU"
    if sign is None:
        return None
    without = ", without the storageAccount," if _literal_property(registry, "storageAccount") is not None else ""
    return (f"this is a Classic registry ({sign}): Classic registries take neither a firewall nor a public access "
            f"setting; move it to a managed SKU (Premium for a firewall) by hand{without} then run acr-fix again")


def _public_on_purpose(registry: Registry) -> str | None:
    """Why the registry looks meant to be open (None if it does not): anonymous pull serves
    its images to anyone, which closing it would stop. That is the user's call, not a fix."""
    anonymous = _literal_property(registry, "anonymousPullEnabled")
    if anonymous is None or anonymous.kind != "bool" or anonymous.value is not True:
        return None
    return (f"anonymous pull is enabled (line {registry.doc.line(anonymous)}): the registry looks meant to serve "
            f"images to anyone, and closing it would stop that. If it is public on purpose, suppress the finding "
            f"(acr-fix suppress {registry.name} --reason '...'); if not, turn anonymous pull off and run acr-fix again")


def _unreadable_module_advice(registry: Registry) -> str:
    """What to do about a registry deployed by a remote module acr-fix cannot read (the problem
    line already names the module)."""
    return ("check by hand that the module sets publicNetworkAccess to 'Disabled' or networkRuleSet.defaultAction "
            "to 'Deny' (both need the Premium SKU), passing it the parameters that do so; then mark the call with an "
            "'acr-fix: ignore' comment giving the reason")


def _importers_note(importers: list[str], access: Access, bypass: Resolved, adds_bypass: bool) -> str:
    """What the fix means for the template's `az acr import` scripts. The script only calls
    the management API (importImage): the registry service copies the images itself, and a
    closed registry (Deny firewall, disabled public access, private endpoint) lets that copy
    through only as a trusted service. So the script's own address, private endpoints and
    IP rules do not matter; networkRuleBypassOptions does."""
    who = ", ".join(importers[:3]) + (f" and {len(importers) - 3} more" if len(importers) > 3 else "")
    verb = "imports" if len(importers) == 1 else "import"
    head = (f"{who} in this template {verb} images with `az acr import`: the registry service copies them "
            "itself, and a closed registry lets that through only for trusted Azure services")
    if access.trusted is None:
        return head + "; make sure networkRuleBypassOptions is 'AzureServices', or the import fails after the fix"
    if not access.trusted:
        return head + ("; networkRuleBypassOptions is 'None', so the import fails after the fix: set it to "
                       "'AzureServices'")
    setting = ("networkRuleBypassOptions 'AzureServices', which the fix adds" if adds_bypass else
               "networkRuleBypassOptions is 'AzureServices'" if bypass.value else
               "networkRuleBypassOptions defaults to 'AzureServices'")
    one = len(importers) == 1
    return head + (f" ({setting}), so {'it keeps' if one else 'they keep'} working; "
                   f"{'it needs' if one else 'they need'} no IP rule or private endpoint")


def _clients_note(clients: list[str], strategy: str, access: Access, through_outputs: list[str] | None = None) -> str:
    """What the fix means for the template's own image pulls (an App Service pulling with the
    admin credentials is not a trusted service: the firewall turns it away). ``through_outputs``:
    pullers that reach the registry through module outputs (their labels name their file)."""
    through_outputs = through_outputs or []
    listed = clients + through_outputs
    who = ", ".join(listed[:3]) + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")
    where, how = (" in this template", "") if not through_outputs else (
        ("", " through the module that deploys it (its outputs or the name passed to it)") if not clients else
        ("", " (in this template, or through the module that deploys it: its outputs or the name passed to it)"))
    clients = listed
    if strategy == "disable":
        let_in = "private endpoints"
    else:
        ways = (["the addresses in networkRuleSet.ipRules"] if access.ip_rules else []) \
            + (["trusted Azure services"] if access.trusted else []) + ["private endpoints"]
        let_in = ", ".join(ways[:-1]) + (" and " if len(ways) > 1 else "") + ways[-1]
    return (f"{who}{where} pull{'s' if len(clients) == 1 else ''} from this registry{how}; after the fix only "
            f"{let_in} get through, so give {'it' if len(clients) == 1 else 'them'} a private endpoint"
            + (f" or allow {'its' if len(clients) == 1 else 'their'} outbound addresses (--ip-rule)"
               if strategy != "disable" else "")
            + " before deploying")


def _plan_module_network(builder: _Builder, registry: Registry, chosen: str, why: str, rules: tuple[str, ...]) -> None:
    """The fix for a registry deployed by the AVM registry module: through its params.

    disable: `publicNetworkAccess: 'Disabled'`. deny: the module only writes a networkRuleSet
    when `networkRuleSetIpRules` is given, so it is set (to the allowed IPs, or [] for none)
    and `networkRuleSetDefaultAction` must be 'Deny' (the module's default)."""
    if chosen == "disable":
        builder.set_property(registry.public_network_access, ("params", "publicNetworkAccess"), "Disabled", why,
                             "params.publicNetworkAccess")
        return
    entries = [{"action": "Allow", "value": r} for r in rules]
    has_rules = registry.ip_rules is not None and registry.ip_rules.kind == "array" and bool(registry.ip_rules.items)
    if not registry.module_empty_rules_deny and not rules and not has_rules:
        builder.manual.append(
            "this version of the registry module writes a networkRuleSet only when networkRuleSetIpRules is not "
            "empty ([] is enough from 0.12.0 on): give the IP addresses to allow with --ip-rule, upgrade the module "
            "to 0.12.0 or later, or turn public access off (--strategy disable) if its clients reach it privately")
        return
    if registry.ip_rules is not None and registry.ip_rules.kind not in ("array", "null"):
        # `cond ? [...] : null`: which way it goes is not known here, and the module writes a
        # networkRuleSet only for one of them
        builder.manual.append(f"params.networkRuleSetIpRules is the expression `{_short_text(registry.ip_rules.value)}` "
                              f"(line {registry.doc.line(registry.ip_rules)}); the module writes a networkRuleSet only "
                              f"when it is given: set it to [] (or the IP rules to allow) by hand")
        return
    if registry.ip_rules is None or registry.ip_rules.kind == "null":
        builder.ensure(("params", "networkRuleSetIpRules"), entries, "params.networkRuleSetIpRules",  # type: ignore[arg-type]
                        why + ("; given networkRuleSetIpRules, even [], the module writes a networkRuleSet" if not entries
                               else "; given networkRuleSetIpRules, the module writes a networkRuleSet"))
    elif rules:
        _add_ip_rules(builder, registry, rules)
    action = registry.module_action
    if action is not None and action.origin != Origin.ABSENT and (action.value or "").lower() != "deny":
        builder.set_property(action, ("params", "networkRuleSetDefaultAction"), "Deny", why,
                             "params.networkRuleSetDefaultAction")


# The module parameter that sets the SKU, for registries deployed by a module acr-fix models.
_MODULE_SKU_PARAM = {"avm-module": "acrSku", "classic-module": "skuName"}


def _plan_pattern_network(builder: _Builder, registry: Registry, chosen: str, why: str) -> None:
    """The fix for a registry deployed by an AVM pattern (avm/ptn/...), through the one pattern
    param that reaches the registry's network access, if there is one. The patterns pass the
    registry module no IP rules, so there is no firewall to deny with: only turning public
    access off closes the registry, and that is the user's call when the template gives it no
    private endpoint (as for a plain resource, see choose_strategy)."""
    pattern = registry.module_path
    access = registry.module_access_param
    if access is None:
        builder.manual.append(
            f"the pattern module {pattern} passes its registry module no network settings, so none of its "
            "parameters closes the registry: deploy the registry yourself with "
            "br/public:avm/res/container-registry/registry (Premium SKU, publicNetworkAccess 'Disabled' or "
            "networkRuleSetIpRules) instead of through the pattern, or mark this call with an 'acr-fix: ignore' "
            "comment giving the reason")
        return
    if chosen != "disable":
        builder.manual.append(
            f"the pattern module {pattern} passes its registry module no firewall rules; only params.{access} = "
            "'Disabled' closes the registry, and the template gives it no private endpoint, so that could cut off "
            "its clients: use --strategy disable if they reach it privately, or deploy the registry yourself "
            "with br/public:avm/res/container-registry/registry, or mark this call with an 'acr-fix: ignore' "
            "comment giving the reason")
        return
    if registry.module_access_shared:
        if not builder.unsafe_fixes:
            builder.manual.append(
                f"params.{access} of the pattern module {pattern} also sets {registry.module_access_shared}: "
                "setting it to 'Disabled' would close that too; allow it with --unsafe-fixes, or deploy the "
                "registry yourself with br/public:avm/res/container-registry/registry")
            return
        builder.applicability = Applicability.UNSAFE
        builder.unsafe_notes.append(f"unsafe fix (--unsafe-fixes): params.{access} also sets "
                                    f"{registry.module_access_shared}, and it changes too")
    given = registry.properties.get(access) if registry.properties is not None else None
    if given is None:
        builder.ensure(("params", access), "Disabled", f"params.{access}", why)
    else:
        builder.set_property(registry.public_network_access, ("params", access), "Disabled", why, f"params.{access}")


def _plan_classic_module_network(builder: _Builder, registry: Registry, chosen: str, why: str,
                                 rules: tuple[str, ...]) -> None:
    """The fix for a registry deployed by the public module before AVM (compute/container-registry),
    through its params. The module writes network settings only for the Premium SKU (the SKU
    upgrade, _plan_sku, makes it write them); then its networkDefaultAction, 'Deny' unless the
    caller passes another, closes the registry.

    disable: `publicNetworkAccessEnabled: false`. deny: networkDefaultAction 'Deny' where it is
    given; the allowed IPs go into `networkAllowedIpRanges` (plain addresses)."""
    doc = registry.doc
    params = registry.properties
    if chosen == "disable":
        flag = params.get("publicNetworkAccessEnabled") if params is not None else None
        if flag is None:
            builder.ensure(("params", "publicNetworkAccessEnabled"), False, "params.publicNetworkAccessEnabled", why)
        elif flag.kind == "bool":
            if flag.value:
                builder.replace(doc, flag, False, "set params.publicNetworkAccessEnabled to false (was true)", why)
        else:
            builder.manual.append(f"params.publicNetworkAccessEnabled is the expression `{flag.value}` "
                                  f"(line {doc.line(flag)}); set it to false by hand")
        return
    action = registry.module_action
    if action is not None and action.origin != Origin.ABSENT and (action.value or "").lower() != "deny":
        builder.set_property(action, ("params", "networkDefaultAction"), "Deny", why, "params.networkDefaultAction")
    elif registry.default_action.value is None:
        builder.fix_notes.append("with the Premium SKU the module writes networkRuleSet.defaultAction from "
                                 "networkDefaultAction ('Deny' by default) and lets trusted Azure services through "
                                 "(publicAzureAccessEnabled, true by default)")
    if not rules:
        return
    reason = "allowed client addresses from --ip-rule / the config file"
    ranges = registry.ip_rules
    if ranges is None:
        builder.ensure(("params", "networkAllowedIpRanges"), list(rules), "params.networkAllowedIpRanges", reason)  # type: ignore[arg-type]
    elif ranges.kind != "array":
        builder.manual.append(f"params.networkAllowedIpRanges is an expression (line {doc.line(ranges)}); "
                              f"add {', '.join(rules)} there by hand")
    else:
        present = {item.value for item in ranges.items or () if item.kind == "string"}
        for rule in rules:
            if rule not in present:
                builder.append(doc, ranges, rule, f"allow {rule} in params.networkAllowedIpRanges", reason)


def _short_text(value: Any, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _add_ip_rules(builder: _Builder, registry: Registry, rules: tuple[str, ...]) -> None:
    why = "allowed client addresses from --ip-rule / the config file"
    existing_values: set[str] = set()
    array = registry.ip_rules
    if array is not None and array.kind == "array":
        for item in array.items or ():
            value = item.get("value") if item.kind == "object" else None
            if value is not None and value.kind == "string":
                existing_values.add(value.value)
    missing = [r for r in rules if r not in existing_values]
    if not missing:
        return
    if array is None:
        builder.ensure(("properties", "networkRuleSet", "ipRules"),
                        [{"action": "Allow", "value": r} for r in missing], "networkRuleSet.ipRules", why)  # type: ignore[arg-type]
        return
    if array.kind != "array":
        builder.manual.append(f"networkRuleSet.ipRules is an expression (line {registry.doc.line(array)}); "
                              f"add {', '.join(missing)} there by hand")
        return
    for rule in missing:
        builder.append(registry.doc, array, {"action": "Allow", "value": rule}, f"allow {rule} in networkRuleSet.ipRules", why)


def _plan_sku(builder: _Builder, registry: Registry, options: Options, result: Plan) -> bool:
    sku = registry.sku_name
    if all(r.value is not None and r.value.lower() == "premium" for r in [sku, *sku.also]):
        return False
    if sku.value is not None and sku.value.lower() == "premium":
        # lead with the first deployment that is not Premium (set_property edits every one that
        # is not, and skips those that are)
        places = [sku, *sku.also]
        first = next(r for r in places if (r.value or "").lower() != "premium")
        sku = replace(first, also=[r for r in places if r is not first])
    others = list(dict.fromkeys(f"'{r.value}'" for r in [sku, *sku.also]
                                if r.value is not None and r.value.lower() != "premium"))
    current = " and ".join(others) if others else sku.describe()
    why = "firewall rules and disabled public access need the Premium SKU (see the cost note)"
    if sku.value is not None and sku.value.lower() not in VALID_SKUS:
        # e.g. AKS-Construction's registries_sku = '' switches the registry off: changing it
        # would deploy a registry the user did not ask for.
        where = f" ({sku.detail})" if sku.detail else ""
        builder.manual.append(f"sku.name resolves to '{sku.value}'{where}, which is not a registry SKU (it may switch "
                              "the registry on or off); set it to 'Premium' where the registry is really deployed")
        return False
    if sku.param and _condition_uses(registry, sku.param):
        builder.manual.append(f"the registry's condition depends on parameter '{sku.param}', which also sets its SKU; "
                              "changing it could change whether the registry is deployed, so set the SKU by hand")
        return False
    if not options.sku_upgrade:
        where = f" ({sku.detail})" if sku.detail else ""
        builder.manual.append(f"the fix needs the Premium SKU, but the SKU is {current}{where} and --no-sku-upgrade "
                              "was given; upgrade it or suppress this registry")
        return False
    module_sku = registry.module_sku_param or _MODULE_SKU_PARAM.get(registry.flavor)
    if sku.origin == Origin.ABSENT and module_sku:
        ok = builder.ensure(("params", module_sku), "Premium", f"params.{module_sku}", why)
    elif sku.origin == Origin.ABSENT:
        ok = builder.ensure(("sku", "name"), "Premium", "sku.name", why)
    else:
        ok = builder.set_property(sku, ("sku", "name"), "Premium", why,
                                  f"params.{module_sku}" if module_sku else "sku.name")
    if ok:
        builder.fix_notes.append(f"SKU upgraded from {current} to Premium: {COST_NOTE}")
        still_allowed = _other_allowed_skus(sku)
        if still_allowed:
            builder.fix_notes.append(
                f"parameter '{sku.param}' still allows {still_allowed}: a deployment that passes one of them (from "
                f"the command line, a pipeline, or a caller outside these files) gets a firewall its SKU cannot "
                f"have; consider allowing only 'Premium'")
        tier = registry.sku.get("tier") if registry.sku is not None else None
        if tier is not None and tier.kind == "string" and not tier.value.startswith("[") \
                and tier.value.lower() != "premium":
            builder.replace(registry.doc, tier, "Premium", f"set sku.tier to 'Premium' (was '{tier.value}')",
                            "sku.tier has to agree with sku.name")
    return ok


def _other_allowed_skus(sku: Resolved) -> str:
    """The SKUs other than Premium that the SKU parameter's allowed values still accept after
    the upgrade ('' when none, or when the value is not a parameter's)."""
    allowed = sku.allowed
    if not sku.param or allowed is None or allowed.kind != "array":
        return ""
    others = [i.value for i in allowed.items or () if i.kind == "string" and i.value.lower() in VALID_SKUS
              and i.value.lower() != "premium"]
    return " and ".join(f"'{v}'" for v in others)


def _condition_reading(registry: Registry, parameter: str) -> Resolved | None:
    """A value of the registry that a condition reading ``parameter`` chose (see Resolved.reads)."""
    lowered = parameter.lower()
    for resolved in (registry.sku_name, registry.public_network_access, registry.default_action, registry.bypass,
                     registry.module_action):
        for place in [resolved, *resolved.also] if resolved is not None else ():
            if any(read.lower() == lowered for read in place.reads):
                return place
    return None


def _condition_uses(registry: Registry, parameter: str) -> bool:
    """Whether the condition the registry is deployed under reads ``parameter``."""
    text = registry.condition_text
    if text is None:
        condition = registry.node.get("condition")  # ARM
        text = str(condition.value) if condition is not None and condition.kind in ("string", "expr") else None
    if text is None:
        return False
    return reader_of(registry.doc).condition_reads(text, parameter)


def _plan_api_version(builder: _Builder, registry: Registry) -> str | None:
    """Bump the apiVersion when the fix writes properties it lacks. Returns the reason when
    no stable version can carry the fix (a manual finding is recorded), else None."""
    api = registry.api_version
    if api.value is None:
        features = {w.lower() for w in builder.written}
        if "networkruleset" in features:
            features.add("networkruleset.iprules")
        oldest = oldest_supporting(features)
        if builder.written and oldest is not None and api.origin != Origin.ABSENT:
            # `'...registries@${apiVersion}'`: filled in by a build tool, out of acr-fix's sight
            builder.fix_notes.append(f"the apiVersion is not written in the template ({api.detail}): it must be "
                                     f"{oldest} or later for {', '.join(sorted(builder.written))}")
        return None
    used = set(registry.property_keys) | {f"networkruleset.{k}" for k in registry.network_rule_set_keys}
    written = {w.lower() for w in builder.written}
    if "networkruleset" in written or "networkruleset" in used:
        written.add("networkruleset.iprules")
    new_version, blocker = needed_bump(api.value, written, used)
    if blocker:
        builder.manual.append(f"apiVersion {api.value}: {blocker}")
        return blocker
    if new_version is None:
        return None
    edits = registry.api_version_edit(new_version) if registry.api_version_edit else []
    if not edits or api.node is None:
        builder.manual.append(f"apiVersion {api.value} predates the properties the fix writes, and acr-fix cannot edit it here; "
                              f"set it to {new_version} by hand")
        return None
    doc = registry.doc
    builder.changes.append(Change(doc, edits, [api.node.path], f"bump apiVersion {api.value} -> {new_version}",
                                  f"{api.value} does not support {', '.join(sorted(w for w in builder.written if not supports(api.value, w)))}; "
                                  f"{new_version} is the oldest stable version that supports everything this registry uses",
                                  doc.line(api.node)))
