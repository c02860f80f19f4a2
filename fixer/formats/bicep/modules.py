"""A registry deployed by a registry module acr-fix models (AVM, the classic public module,
AVM patterns) or by one it cannot read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ... import consumers
from ...model import Document, Node, Origin, Registry, Resolved
from .. import values
from ..base import CHECKOV_SKIP, IGNORE_COMMENT
from ..module_refs import (
    AVM_REGISTRY,
    CLASSIC_REGISTRY,
    PATTERN_REGISTRY,
    deploys_unmodelled_registry,
    version_of,
)
from .deployments import _Resolver
from .nodes import (
    SPREAD,
    _Builder,
    _condition_text,
    _Module,
    _Resource,
    _Syntax,
    _syntax_of,
    _value_after_equals,
)
from .resources import _comments_inside, _comments_of, _shown_name
from .symbols import _short, _where


def _module_field(doc: Document, body: Node, resolver: "_Resolver", key: str) -> Resolved:
    """The value the caller passes for the module parameter ``key`` (ABSENT when not passed)."""
    params = body.get("params")
    if params is None:
        return Resolved(Origin.ABSENT, doc=doc, parent=None)
    if params.kind != "object":
        return Resolved(Origin.EXPRESSION, doc=doc, node=params,
                        detail=f"the module's params are the expression `{_short(str(params.value))}` ({_where(doc, params)})")
    child = params.get(key)
    if child is None:
        spread = next((m for m in params.members or () if m.key.startswith(SPREAD)), None)
        if spread is not None:
            return Resolved(Origin.EXPRESSION, doc=doc, node=spread.value,
                            detail=f"{key} may come from the spread `{_short(spread.key)}` ({_where(doc, spread.value)})")
        return Resolved(Origin.ABSENT, doc=doc, parent=params)
    return resolver.resolve(doc, child, key, 0, ())


def _avm_version(path: str) -> tuple[int, int, int] | None:
    """The version of the AVM registry module a `br` reference pins (`...registry:0.8.5`)."""
    match = AVM_REGISTRY.match(path)
    version = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", path[match.end():].strip()) if match else None
    return (int(version[1]), int(version[2]), int(version[3])) if version else None


# The module versions where its behaviour changed (Azure/bicep-registry-modules tags
# avm/res/container-registry/registry/0.6.0 and 0.12.0, main.bicep):
AVM_PREMIUM_DEFAULT = (0, 6, 0)      # acrSku = 'Premium' (before: 'Basic')
AVM_EMPTY_RULES_DENY = (0, 12, 0)    # networkRuleSet when networkRuleSetIpRules != null (before: !empty(...))


def _chosen_branch(doc: Document, resolver: "_Resolver", node: Node | None) -> Node | None:
    """``node``, or for `cond ? a : b` the branch it really is: either one when both are the
    same value (`cond ? [] : []`), else the one a condition that every deployment sets alike
    picks (see _Resolver._condition: `privateNetworking ? [ {...} ] : []`)."""
    if node is None or node.kind != "expr":
        return node
    syntax = _syntax_of(doc)
    expression = syntax.expressions.get(id(node))
    while expression is not None and expression.type == "parenthesized_expression":
        inner = [c for c in expression.named_children if c.type != "comment"]
        expression = inner[0] if len(inner) == 1 else None
    if expression is None or expression.type != "ternary_expression":
        return node
    builder = _Builder(doc.source, syntax)
    consequence = expression.child_by_field_name("consequence")
    alternative = expression.child_by_field_name("alternative")
    if consequence is None or alternative is None:
        return node
    first, second = (resolver._known(doc, branch) for branch in (consequence, alternative))
    if first is not None and second is not None and values.same(first.value, second.value):
        return _chosen_branch(doc, resolver, builder.node(consequence, node.path))
    condition = expression.child_by_field_name("condition")
    decided = resolver._condition(doc, condition) if condition is not None else None
    if decided is None:
        return node
    return _chosen_branch(doc, resolver, builder.node(consequence if decided.value else alternative, node.path))


def _rules_state(ip_rules: Node | None) -> str:
    """absent | empty | nonempty | unknown: what `networkRuleSetIpRules` is, for `empty()`
    and `!= null` in the module."""
    if ip_rules is None or ip_rules.kind == "null":
        return "absent"
    if ip_rules.kind == "array":
        return "nonempty" if ip_rules.items else "empty"
    return "unknown"


def _avm_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: "_Resolver") -> Registry:
    """A call of the AVM registry module, read the way the module version it pins turns its
    params into the resource (avm/res/container-registry/registry main.bicep at each tag; see
    ../shared/reference):

    - publicNetworkAccess: the param if given; else 'Disabled' when privateEndpoints are
      given and networkRuleSetIpRules are empty; else unset (every version).
    - networkRuleSet (defaultAction = networkRuleSetDefaultAction, default 'Deny'): from
      0.12.0, set when networkRuleSetIpRules is given (even []), or when publicNetworkAccess
      is 'Enabled' and the default action is 'Deny'; before 0.12.0 only when
      networkRuleSetIpRules is not empty. A version acr-fix cannot read counts as old.
    - acrSku defaults to 'Premium' from 0.6.0 ('Basic' before); networkRuleBypassOptions to
      'AzureServices'.
    """
    body = module.body
    assert body is not None and module.path is not None
    version = _avm_version(module.path)
    new_rules = version is not None and version >= AVM_EMPTY_RULES_DENY
    field = lambda key: _module_field(doc, body, resolver, key)  # noqa: E731
    params = body.get("params")
    params_obj = params if params is not None and params.kind == "object" else None
    ip_rules = _chosen_branch(doc, resolver, params_obj.get("networkRuleSetIpRules") if params_obj is not None else None)
    rules = _rules_state(ip_rules)
    endpoints = _chosen_branch(doc, resolver, params_obj.get("privateEndpoints") if params_obj is not None else None)
    has_endpoints = endpoints is not None and not (endpoints.kind == "array" and not endpoints.items) \
        and endpoints.kind != "null"
    sure_endpoints = has_endpoints and endpoints is not None and endpoints.kind == "array"

    public_access = field("publicNetworkAccess")
    if public_access.origin == Origin.ABSENT and has_endpoints and rules != "nonempty":
        if sure_endpoints and rules != "unknown":
            public_access = Resolved(Origin.EXPRESSION, value="Disabled", doc=doc, node=endpoints,
                                     detail="set to 'Disabled' by the module: private endpoints and no IP rules")
        elif sure_endpoints:
            public_access = Resolved(Origin.EXPRESSION, doc=doc, node=ip_rules,
                                     detail="the module disables public access only if networkRuleSetIpRules, "
                                            f"`{_short(str(ip_rules.value if ip_rules is not None else ''))}`, is empty")
        else:  # e.g. `privateNetworking ? [...] : []`: the module's choice depends on it
            public_access = Resolved(Origin.EXPRESSION, doc=doc, node=endpoints,
                                     detail=f"the module disables public access only if privateEndpoints, the expression "
                                            f"`{_short(str(endpoints.value if endpoints is not None else ''))}` "
                                            f"({_where(doc, endpoints) if endpoints is not None else 'unknown'}), is not empty")
    action = field("networkRuleSetDefaultAction")
    action_value = action.value if action.origin != Origin.ABSENT else "Deny"
    if new_rules:
        configured = rules in ("empty", "nonempty") or (
            (public_access.value or "").lower() == "enabled" and (action_value or "").lower() == "deny")
    else:
        configured = rules == "nonempty"
    if not configured:
        if public_access.origin == Origin.EXPRESSION and public_access.value is None or rules == "unknown":
            default_action = Resolved(Origin.EXPRESSION, doc=doc, detail="whether the module sets a networkRuleSet depends on an expression")
        else:
            default_action = Resolved(Origin.ABSENT, doc=doc, parent=params_obj)
    elif action.origin == Origin.ABSENT:
        default_action = Resolved(Origin.EXPRESSION, value="Deny", doc=doc, detail="the module's default networkRuleSetDefaultAction")
    else:
        default_action = action
    sku_name = field("acrSku")
    if sku_name.origin == Origin.ABSENT and version is not None and version >= AVM_PREMIUM_DEFAULT:
        sku_name = Resolved(Origin.EXPRESSION, value="Premium", doc=doc, detail="the module's default acrSku")
    elif sku_name.origin == Origin.ABSENT:
        # 'Basic' before 0.6.0; a version acr-fix cannot read may be that old: pass it explicitly
        sku_name = Resolved(Origin.ABSENT, value="Basic" if version is not None else None, doc=doc,
                            parent=params_obj, detail=f"the module's default acrSku in {module.path.rsplit(':', 1)[-1]}")
    bypass = field("networkRuleBypassOptions")
    if bypass.origin == Origin.ABSENT:
        bypass = Resolved(Origin.EXPRESSION, value="AzureServices", doc=doc, detail="the module's default")
    name_node = params_obj.get("name") if params_obj is not None else None
    return _module_registry(
        doc, syntax, module, resolver, params_obj, name_node,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=default_action,
        bypass=bypass,
        ip_rules=ip_rules,
        has_private_endpoint=sure_endpoints,
        notes=[f"deployed by the Azure Verified Module {module.path}: fixed through its params"],
        flavor="avm-module",
        module_action=action,
        module_empty_rules_deny=new_rules,
    )


# --------------------------------------------------------------------------- other registry modules

def _other_registry_modules(doc: Document, syntax: _Syntax, resolver: _Resolver) -> list[Registry]:
    """Remote module calls that deploy a registry, besides the AVM module: the classic public
    module (read like the AVM one) and modules acr-fix cannot read (reported, see module_refs)."""
    found: list[Registry] = []
    for module in syntax.modules:
        if module.body is None or not module.path:
            continue
        if CLASSIC_REGISTRY.match(module.path):
            found.append(_classic_registry(doc, syntax, module, resolver))
        elif PATTERN_REGISTRY.match(module.path):
            pattern = _pattern_registry(doc, syntax, module, resolver)
            if pattern is not None:
                found.append(pattern)
        elif deploys_unmodelled_registry(module.path):
            found.append(_unreadable_module_registry(doc, syntax, module, resolver))
    return found


def _module_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: "_Resolver",
                     params_obj: Node | None, name_node: Node | None, **values: Any) -> Registry:
    """A registry deployed by a module call, with what every such call shares: its name (as
    passed, and as reports show it), where the call is, its params, its suppressions and its
    condition; ``values``: the rest (the network values the module writes, its flavour...)."""
    assert module.body is not None
    shown_name, shown_is_expression = _shown_name(doc, resolver, name_node, module.symbolic)
    ignore, checkov = _module_suppressions(doc, syntax, module)
    return Registry(
        doc=doc,
        name=name_node.value if name_node is not None and name_node.kind == "string" else module.symbolic,
        shown_name=shown_name,
        shown_is_expression=shown_is_expression,
        node=module.body,
        line=doc.line(module.start),
        declared_at=module.start,
        api_version=Resolved(Origin.ABSENT, doc=doc),
        properties=params_obj,
        network_rule_set=None,
        sku=None,
        symbolic=module.symbolic,
        inline_ignore=ignore,
        checkov_skip=checkov,
        module_path=module.path,
        condition_text=_condition_text(syntax, module.syntax),
        **values,
    )


def _module_suppressions(doc: Document, syntax: _Syntax, module: _Module) -> tuple[str | None, str | None]:
    """(acr-fix: ignore reason, checkov skip reason) from the comments on and in a module call."""
    view = _Resource(module.symbolic, Node("string", module.start, module.start), module.body, False,
                     module.start, module.end, module.start, module.syntax, False, False)
    ignore = next((m for m in (IGNORE_COMMENT.search(c) for c in _comments_of(doc, syntax, view)) if m), None)
    checkov = next((m for m in (CHECKOV_SKIP.search(c) for c in _comments_inside(syntax, view)) if m), None)
    return ((ignore.group(1).strip() or "no reason given") if ignore else None,
            (checkov.group(1).strip() or "CKV_AZURE_139 skipped") if checkov else None)


def _module_notes(syntax: _Syntax, module: _Module) -> list[str]:
    value = _value_after_equals(module.syntax)
    notes = []
    if value is not None and value.type == "for_statement":
        notes.append("deployed in a `for` loop: a fix applies to every registry the loop creates")
    if _condition_text(syntax, module.syntax) is not None:
        notes.append("deployed with an `if` condition: it is only deployed when the condition holds")
    return notes


def _module_bool(doc: Document, params: Node | None, key: str, default: bool) -> tuple[bool | None, Node | None]:
    """A boolean module parameter as passed: (its value, the literal) or (None, the expression);
    (default, None) when it is not passed."""
    node = params.get(key) if params is not None else None
    if node is None:
        return default, None
    if node.kind == "bool":
        return bool(node.value), node
    return None, node


def _classic_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: _Resolver) -> Registry:
    """A call of the public registry module that came before AVM (br/public:compute/container-registry).
    Its four published versions (1.0.1, 1.0.2, 1.0.3, 1.1.1; Azure/bicep-registry-modules tags
    compute/container-registry/<version>, main.bicep) turn their params into the resource alike:

    - `IS_PREMIUM_SKU = skuName == 'Premium'`, skuName defaulting to 'Basic';
    - publicNetworkAccess: Premium ? (publicNetworkAccessEnabled ? 'Enabled' : 'Disabled') : null,
      publicNetworkAccessEnabled defaulting to true;
    - networkRuleSet: Premium ? { defaultAction: networkDefaultAction, ipRules from
      networkAllowedIpRanges } : null, networkDefaultAction defaulting to 'Deny';
    - networkRuleBypassOptions: Premium ? (publicAzureAccessEnabled ? 'AzureServices' : 'None') : null.

    So below Premium the registry is open whatever else is passed, and a Premium one is closed
    unless networkDefaultAction is 'Allow' and public access is left on."""
    body = module.body
    assert body is not None and module.path is not None
    params = body.get("params")
    params_obj = params if params is not None and params.kind == "object" else None
    field = lambda key: _module_field(doc, body, resolver, key)  # noqa: E731
    sku_name = field("skuName")
    if sku_name.origin == Origin.ABSENT:
        sku_name = Resolved(Origin.ABSENT, value="Basic", doc=doc, parent=params_obj,
                            detail="the module's default skuName")
    skus = [r.value for r in (sku_name, *sku_name.also)]
    premium: bool | None = None
    if any(v is not None and v.lower() != "premium" for v in skus):
        premium = False
    elif all(v is not None for v in skus):
        premium = True
    action = field("networkDefaultAction")
    enabled, enabled_node = _module_bool(doc, params_obj, "publicNetworkAccessEnabled", True)
    azure, _ = _module_bool(doc, params_obj, "publicAzureAccessEnabled", True)
    if premium is None:
        why = ("the module sets publicNetworkAccess and networkRuleSet only for the Premium SKU, and "
               + (sku_name.detail if sku_name.detail.startswith("skuName ") else f"skuName is {sku_name.describe()}"))
        public_access = Resolved(Origin.EXPRESSION, doc=doc, node=sku_name.node, detail=why)
        default_action = Resolved(Origin.EXPRESSION, doc=doc)
        bypass = Resolved(Origin.EXPRESSION, doc=doc)
    elif not premium:
        public_access = Resolved(Origin.ABSENT, doc=doc)
        default_action = Resolved(Origin.ABSENT, doc=doc)
        bypass = Resolved(Origin.ABSENT, doc=doc)
    else:
        if enabled is None:
            assert enabled_node is not None
            public_access = Resolved(Origin.EXPRESSION, doc=doc, node=enabled_node,
                                     detail=f"set by the module from publicNetworkAccessEnabled, the expression "
                                            f"`{_short(str(enabled_node.value))}` ({_where(doc, enabled_node)})")
        else:
            public_access = Resolved(Origin.EXPRESSION, value="Enabled" if enabled else "Disabled", doc=doc,
                                     node=enabled_node,
                                     detail=f"set by the module from publicNetworkAccessEnabled = {str(enabled).lower()}"
                                            + ("" if enabled_node is not None else ", its default"))
        if action.origin == Origin.ABSENT:
            default_action = Resolved(Origin.EXPRESSION, value="Deny", doc=doc,
                                      detail="the module's default networkDefaultAction")
        else:
            default_action = action
        bypass = Resolved(Origin.EXPRESSION, value=None if azure is None else "AzureServices" if azure else "None",
                          doc=doc, detail="set by the module from publicAzureAccessEnabled")
    endpoints = _chosen_branch(doc, resolver, params_obj.get("privateEndpoints") if params_obj is not None else None)
    ip_ranges = params_obj.get("networkAllowedIpRanges") if params_obj is not None else None
    name_node = params_obj.get("name") if params_obj is not None else None
    return _module_registry(
        doc, syntax, module, resolver, params_obj, name_node,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=default_action,
        bypass=bypass,
        ip_rules=ip_ranges,
        has_private_endpoint=endpoints is not None and endpoints.kind == "array" and bool(endpoints.items),
        notes=[f"deployed by the public registry module {module.path} (the one before Azure Verified Modules): "
               "it sets the network access only for the Premium SKU; fixed through its params",
               *_module_notes(syntax, module)],
        flavor="classic-module",
        module_action=action,
    )


@dataclass(frozen=True)
class _Pattern:
    """How an Azure Verified Module pattern passes its params to the AVM registry module it
    calls. All three below call registry versions before 0.12.0 and pass no
    networkRuleSetIpRules nor privateEndpoints, so the module never writes a networkRuleSet
    and sets publicNetworkAccess only from what the pattern passes."""

    what: str                     # what the pattern deploys, for messages
    name_param: str               # the pattern param that names the registry
    sku_param: str
    sku_default: str
    access_param: str | None      # the pattern param passed on as publicNetworkAccess, if any
    access_default: str | None
    # from this pattern version on (and for a version acr-fix cannot read) the access param
    # also sets another resource's public network access: who, for messages
    shared_from: tuple[int, int, int] | None = None
    shared_with: str = ""
    optional: bool = False        # deployed only when the name param is not empty
    pullers: tuple[str, ...] = () # what the pattern itself lets pull from the registry


# Azure/bicep-registry-modules, avm/ptn/<name>/<version> tags, main.bicep:
# - azd/container-apps-stack 0.1.0-0.4.0: registry 0.4.0 / 0.9.1 with name, location,
#   acrAdminUserEnabled, tags, acrSku ('Standard'), enableTelemetry; its publicNetworkAccess
#   param (0.3.0 on) is the Container Apps environment's.
# - azd/aks 0.1.0-0.3.0: registry 0.5.1 / 0.9.1 / 0.11.0 with publicNetworkAccess ('Enabled')
#   and acrSku ('Standard'); from 0.1.1 the same publicNetworkAccess goes to the AKS cluster
#   too; the cluster's kubelet identity gets AcrPull on the registry.
# - azd/ml-hub-dependencies 0.1.0-0.2.0: registry 0.4.0 / 0.9.1, only when
#   containerRegistryName is not empty, with registryPublicNetworkAccess ('Enabled') and
#   registryAcrSku ('Basic').
_PATTERNS: dict[str, _Pattern] = {
    "azd/container-apps-stack": _Pattern("a Container Apps environment and a registry", "containerRegistryName",
                                         "acrSku", "Standard", None, None),
    "azd/aks": _Pattern("an AKS cluster and a registry", "containerRegistryName", "acrSku", "Standard",
                        "publicNetworkAccess", "Enabled", (0, 1, 1), "the AKS cluster's public network access",
                        pullers=("the AKS cluster the pattern deploys",)),
    "azd/ml-hub-dependencies": _Pattern("an Azure ML hub's dependencies (a registry among them)",
                                        "containerRegistryName", "registryAcrSku", "Basic",
                                        "registryPublicNetworkAccess", "Enabled", optional=True),
}


def _pattern_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: _Resolver) -> Registry | None:
    """A call of an AVM pattern that deploys a registry (see _Patterns): its registry read from
    the params the pattern passes on. None when the call deploys no registry (an optional one
    whose name is not given)."""
    body = module.body
    assert body is not None and module.path is not None
    match = PATTERN_REGISTRY.match(module.path)
    assert match is not None
    pattern = _PATTERNS[match.group(1).lower()]
    version = version_of(module.path[match.end():])
    params = body.get("params")
    params_obj = params if params is not None and params.kind == "object" else None
    name_node = params_obj.get(pattern.name_param) if params_obj is not None else None
    notes = _module_notes(syntax, module)
    if pattern.optional:
        if params_obj is not None and (name_node is None or name_node.kind == "string" and not name_node.value):
            return None   # no name: the pattern deploys no registry
        if name_node is None or name_node.kind != "string":
            notes.append(f"the pattern deploys the registry only when {pattern.name_param} is not empty")
    field = lambda key: _module_field(doc, body, resolver, key)  # noqa: E731
    sku_name = field(pattern.sku_param)
    if sku_name.origin == Origin.ABSENT:
        sku_name = Resolved(Origin.ABSENT, value=pattern.sku_default, doc=doc, parent=params_obj,
                            detail=f"the pattern's default {pattern.sku_param}")
    if pattern.access_param is None:
        public_access = Resolved(Origin.ABSENT, doc=doc)
    else:
        public_access = field(pattern.access_param)
        if public_access.origin == Origin.ABSENT:
            public_access = Resolved(Origin.EXPRESSION, value=pattern.access_default, doc=doc,
                                     detail=f"the pattern's default {pattern.access_param}, which it passes to the "
                                            "registry module")
    shared = pattern.shared_from is not None and (version is None or version >= pattern.shared_from)
    passes = f"{pattern.sku_param}" + (f" and {pattern.access_param}" if pattern.access_param else "")
    return _module_registry(
        doc, syntax, module, resolver, params_obj, name_node,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=Resolved(Origin.ABSENT, doc=doc),
        bypass=Resolved(Origin.EXPRESSION, value="AzureServices", doc=doc, detail="the registry module's default"),
        ip_rules=None,
        consumers=[consumers.of_resource("Microsoft.ContainerService/managedClusters", puller, doc.path,
                                         doc.line(module.start), "", "the AcrPull role of its kubelet identity")
                   for puller in pattern.pullers],
        notes=[f"deployed by the Azure Verified Module pattern {module.path}, which deploys {pattern.what} and "
               f"passes its {passes} to the registry module", *notes],
        flavor="pattern-module",
        module_sku_param=pattern.sku_param,
        module_access_param=pattern.access_param,
        module_access_shared=pattern.shared_with if shared else None,
    )


def _unreadable_module_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: "_Resolver") -> Registry:
    """A remote module whose name says it deploys a registry, and whose source acr-fix does not
    have: nothing is known about what it writes, so it is a check by hand (not silence)."""
    body = module.body
    assert body is not None and module.path is not None
    params = body.get("params")
    params_obj = params if params is not None and params.kind == "object" else None
    name_node = params_obj.get("name") if params_obj is not None else None
    kind = "pattern module" if "avm/ptn/" in module.path.lower() else "module"
    unknown = Resolved(Origin.EXPRESSION, doc=doc,
                       detail=f"the registry is deployed through {kind} '{module.path}', which acr-fix cannot read")
    return _module_registry(
        doc, syntax, module, resolver, params_obj, name_node,
        sku_name=Resolved(Origin.EXPRESSION, doc=doc, detail="set inside the module"),
        public_network_access=unknown,
        default_action=Resolved(Origin.EXPRESSION, doc=doc),
        bypass=Resolved(Origin.EXPRESSION, doc=doc),
        ip_rules=None,
        notes=_module_notes(syntax, module),
        flavor="unreadable-module",
    )
