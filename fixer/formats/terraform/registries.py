"""Registries in Terraform: `azurerm_container_registry` resources and calls of the Azure
Verified Module `Azure/avm-res-containerregistry-registry/azurerm`, in the rule's terms.

The rule speaks of publicNetworkAccess ('Disabled' passes) and networkRuleSet.defaultAction
('Deny' passes). In azurerm (3.x and 4.x) they are `public_network_access_enabled` (a bool,
inverted: false passes; unset means true) and a `network_rule_set { default_action }`
block (unset means "Allow"); `network_rule_bypass_option` ("AzureServices" unless set) lets
trusted services through; `sku` is required. The AVM module takes the same names as
variables, with other defaults (below). Each value is followed to where it is defined (see
values.py), so the planner can edit it there; placeholder objects (dialect.Target) stand
for the bodies where missing settings go.
"""

from __future__ import annotations

import os
import re
from typing import Any

from ...model import Member, Node, Origin, Registry, Resolved
from ..base import imports_images, registry_role_in
from .dialect import InvertedBool, Target
from .syntax import Block, Expr
from .values import Deployment, Module, Source, TerraformDocument, deployments, load_module, node_of, sources

RESOURCE = "azurerm_container_registry"
AVM_SOURCE = re.compile(r"^(registry\.terraform\.io/)?azure/avm-res-containerregistry-registry/azurerm(//.*)?$"
                        # the same module from its repository: git::https://github.com/Azure/...?ref=v0.8.0
                        r"|^(git::)?(https://|ssh://git@)?github\.com[/:]azure/terraform-azurerm-avm-res-containerregistry-registry"
                        r"(\.git)?([/?].*)?$", re.I)
# A remote module whose address says it deploys a registry (not the AVM one): its settings
# are out of sight, so its registries are manual findings.
REGISTRY_MODULE = re.compile(r"container[-_]?registry|(^|[/_-])acr($|[/_-])", re.I)

# The AVM module's defaults (the same in every release 0.1.0 - 0.8.0, checked in its
# variables.tf): Premium, public access on, no network_rule_set (given one, its
# default_action is "Deny"), and trusted services NOT let through ("None").
AVM_DEFAULTS = {"sku": "Premium", "public_network_access_enabled": True,
                "network_rule_set.default_action": "Deny", "network_rule_bypass_option": "None"}

_CHECKOV = re.compile(r"checkov:skip=CKV_AZURE_139(?::\s*(.*))?", re.I)
_ACR_FIX_IGNORE = re.compile(r"acr-fix:\s*ignore\b[:\s]*(.*)", re.I)
_SCANNER_IGNORE = re.compile(r"\b(trivy|tfsec):ignore:([A-Za-z0-9_.*-]+)", re.I)
_REGISTRY_CHECK = re.compile(r"acr|container-?registry|containerregistry", re.I)
_PROVIDER_VERSION = re.compile(r"(\d+)(?:\.\d+)*")


def _indent_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def _line_of(doc: TerraformDocument, offset: int, home: TerraformDocument) -> str:
    if doc is home:
        return f"line {doc.line(offset)}"
    return f"{home.path_to(doc)} line {doc.line(offset)}"


# -- Resolved values for the rule -------------------------------------------------------------

def _convert(source: Source, prop: str) -> tuple[str | None, str]:
    """The value of one source in the rule's terms ('Disabled', 'Deny', 'Premium', ...), or
    (None, why) when it is not one."""
    value = source.expr.value if source.expr is not None else None
    kind = source.expr.kind if source.expr is not None else ""
    if prop == "access":
        if kind == "bool" or (kind == "string" and value in ("true", "false")):
            enabled = value is True or value == "true"
            return ("Enabled" if enabled else "Disabled"), ""
        if kind == "null":
            return "Enabled", "null: the provider's default, true"
        return None, "not a bool"
    if kind == "string":
        return value, ""
    if kind == "null":
        fallback = {"action": "Allow", "bypass": "AzureServices"}.get(prop)
        return (fallback, "null: the provider's default") if fallback else (None, "null")
    return None, f"not a string ({kind})"


def resolved(found: list[Source], prop: str, home: TerraformDocument) -> Resolved:
    """One Resolved for the places ``found`` (the first, with the others in ``also``)."""
    places: list[Resolved] = []
    seen: set[tuple[int, int, str]] = set()
    for source in found:
        # one place per definition; a value read from a template is one per value it takes
        key = (id(source.doc), source.expr.start if source.expr is not None else -1,
               repr(source.expr.value) if source.expr is not None else "")
        if key in seen and source.expr is not None:
            continue
        seen.add(key)
        places.append(_place(source, prop, home))
    first, *rest = places
    first.also = rest
    return first


def _place(source: Source, prop: str, home: TerraformDocument) -> Resolved:
    detail = source.detail
    if source.doc is not None and source.expr is not None and source.doc is not home and source.origin != Origin.EXPRESSION:
        where = _line_of(source.doc, source.expr.start, home)
        if source.origin == Origin.PARAMETER_FILE:
            where = f"line {source.doc.line(source.expr.start)}"   # the detail names the file
        detail = f"{detail}, {where}" if detail else where
    if source.fixed and source.expr is not None:
        value, why = _convert(source, prop)
        return Resolved(Origin.EXPRESSION, value, source.doc, node_of(source.expr, source.path),
                        detail if value is not None else f"{detail}: `{source.expr.text}` is {why}", param=source.param)
    if not source.literal:
        node = node_of(source.expr, source.path) if source.expr is not None else None
        return Resolved(source.origin if source.origin == Origin.NO_VALUE else Origin.EXPRESSION, None,
                        source.doc, node, detail, param=source.param)
    value, why = _convert(source, prop)
    cls = InvertedBool if prop == "access" else Node
    node = node_of(source.expr, source.path, cls)
    if value is None:
        return Resolved(Origin.EXPRESSION, None, source.doc, node,
                        f"{detail + ': ' if detail else ''}`{source.expr.text}` is {why}", param=source.param)
    if why:
        detail = f"{detail}, {why}" if detail else why
    return Resolved(source.origin, value, source.doc, node, detail, param=source.param, shared=source.shared)


def _for_deployments(expr: Expr, module: Module, doc: TerraformDocument, path: tuple, deploys: list[Deployment],
                     block: Block, prop: str) -> Resolved:
    found: list[Source] = []
    for deployment in deploys:
        found.extend(sources(expr, module, doc, path, deployment, (doc, block.start, block.end)))
    return resolved(found, prop, doc)


def _absent(parent: Node | None, detail: str = "") -> Resolved:
    return Resolved(Origin.ABSENT, None, None, None, detail, parent=parent)


def _default(value: str, detail: str) -> Resolved:
    """A module's default: known, and not written anywhere a fix could edit."""
    return Resolved(Origin.PARAMETER_DEFAULT, value, None, None, detail)


# -- the registries of a file ---------------------------------------------------------------------

def find_registries(doc: TerraformDocument, workspace: Any) -> list[Registry]:
    module = load_module(doc.path.parent, workspace)
    # the module was maybe loaded (through a sibling) before this copy of the file was parsed
    here = os.path.realpath(doc.path)
    module.docs = [d for d in module.docs if os.path.realpath(d.path) != here]
    module.docs.append(doc)
    module.docs.sort(key=lambda d: d.path.name)
    deploys = deployments(module, workspace)
    found: list[Registry] = []
    if _is_override(doc):
        return found   # a partial block that Terraform merges into the one it names (read there)
    for block in doc.syntax.body.blocks:
        if block.type == "resource" and block.labels[:1] == (RESOURCE,) and len(block.labels) == 2:
            found.append(_resource_registry(doc, block, module, deploys))
        elif block.type == "module" and block.labels:
            source = block.body.attribute("source")
            address = source.value.value if source is not None and source.value.kind == "string" else ""
            if AVM_SOURCE.match(address):
                found.append(_avm_registry(doc, block, module, deploys, address))
            elif address and not address.startswith(".") and REGISTRY_MODULE.search(address):
                found.append(_remote_module_registry(doc, block, address))
    for registry in found:
        _apply_overrides(registry, module)
    for index, registry in enumerate(found):
        registry.index = index
    return found


def _is_override(doc: TerraformDocument) -> bool:
    name = doc.path.name
    return name in ("override.tf", "override.tf.json") or name.endswith(("_override.tf", "_override.tf.json"))


def _apply_overrides(registry: Registry, module: Module) -> None:
    """A registry that an override file (`override.tf`, `*_override.tf`) also declares is not
    judged: Terraform merges that block into this one, and acr-fix does not merge them."""
    if not registry.symbolic:
        return
    kind, _, label = registry.symbolic.partition(".")
    for doc in module.docs:
        if not _is_override(doc):
            continue
        for block in doc.syntax.body.blocks:
            same = (block.type == "resource" and block.labels == (kind, label)) or \
                (kind == "module" and block.type == "module" and block.labels[:1] == (label,))
            if same:
                why = (f"{doc.path.name} line {doc.line(block.start)} overrides this {block.type}, and acr-fix does "
                       "not merge override files: check it by hand")
                registry.public_network_access = Resolved(Origin.EXPRESSION, None, doc, None, why)
                registry.default_action = Resolved(Origin.EXPRESSION, None, doc, None, "")
                return


def _suppressions(doc: TerraformDocument, block: Block) -> tuple[str | None, str | None, str | None]:
    """(acr-fix: ignore reason, checkov skip reason, trivy/tfsec ignore) from the comments in
    the block and on the lines right above it."""
    text = doc.source.text
    inside = [c.text for c in doc.syntax.comments if block.start <= c.start < block.end]
    # the comment lines directly above the block (tfsec / trivy put them there)
    above: list[str] = []
    cursor = text.rfind("\n", 0, block.start) + 1      # start of the block's line
    while cursor > 0:
        previous = text.rfind("\n", 0, cursor - 1) + 1
        line = text[previous:cursor].strip()
        if not line.startswith(("#", "//")):
            break
        above.append(line)
        cursor = previous
    ignore = checkov = scanner = None
    for comment in above + inside:
        body = comment.lstrip("#/ ").strip()
        if ignore is None and (m := _ACR_FIX_IGNORE.search(body)):
            ignore = m.group(1).strip() or "no reason given"
        if checkov is None and comment in inside and (m := _CHECKOV.search(body)):
            checkov = (m.group(1) or "").strip() or "CKV_AZURE_139 skipped"
        for m in _SCANNER_IGNORE.finditer(body):
            if scanner is None and _REGISTRY_CHECK.search(m.group(2)):
                scanner = f"{m.group(1).lower()}:ignore:{m.group(2)}"
    return ignore, checkov, scanner


def _references(module: Module, needle: re.Pattern[str], skip: Block | None = None):
    """(doc, block) of the module's top-level blocks whose text matches ``needle``."""
    for doc in module.docs:
        text = doc.source.text
        for block in doc.syntax.body.blocks:
            if block is skip or block.type not in ("resource", "module"):
                continue
            if needle.search(text, block.start, block.end):
                yield doc, block


_PULLERS = {
    "azurerm_container_app": re.compile(r"\bregistry\s*\{[^}]*\bserver\s*=", re.S),
    "azurerm_linux_web_app": re.compile(r"\bdocker_registry_url\s*="),
    "azurerm_windows_web_app": re.compile(r"\bdocker_registry_url\s*="),
    "azurerm_linux_function_app": re.compile(r"\bdocker\s*\{|\bregistry_url\s*="),
    "azurerm_container_group": re.compile(r"\bimage_registry_credential\s*\{"),
}


def _clients(home: TerraformDocument, module: Module, reference: str, registry_block: Block) -> tuple[list[str], list[str], bool]:
    """(pullers, importers, has a private endpoint) among the module's resources that refer to
    the registry through ``reference`` (`azurerm_container_registry.acr`, `module.acr`)."""
    needle = re.compile(re.escape(reference) + r"(\[[^\]\n]*\])?\.")   # also `module.acr[0].` (count)
    pullers: list[str] = []
    importers: list[str] = []
    private = False
    for doc, block in _references(module, needle, registry_block):
        kind = block.labels[0] if block.labels else block.type
        name = block.labels[1] if len(block.labels) > 1 else kind
        text = doc.source.text[block.start:block.end]
        where = _line_of(doc, block.start, home)
        if kind == "azurerm_private_endpoint":
            # only one that connects to the registry (not one that just reads its location)
            private = private or re.search(r"private_connection_resource_id\s*=[^\n]*" + needle.pattern, text) is not None
        elif kind == "azurerm_role_assignment":
            role = registry_role_in(text.lower()) or next((r for r in ("AcrPull", "AcrPush") if f'"{r.lower()}"' in text.lower()), None)
            if role:
                who = "the kubelet identity of an AKS cluster" if "kubelet_identity" in text else "a principal"
                pullers.append(f"{kind} '{name}' ({role} for {who}, {where})")
        elif kind in _PULLERS and _PULLERS[kind].search(text):
            pullers.append(f"{kind} '{name}' ({where})")
        if imports_images(text.lower()):
            importers.append(f"{kind} '{name}' ({where})")
    return pullers, importers, private


def _clients_of_callers(home: TerraformDocument, module: Module, deploys: list[Deployment]) -> tuple[list[str], bool]:
    """(pullers, whether some caller gives a private endpoint) in the folders that call the
    registry's module, found through the call's outputs (`module.acr.login_server`)."""
    pullers: list[str] = []
    private = False
    seen: set[int] = set()
    for deployment in deploys:
        if deployment.call is None or deployment.caller is None or not deployment.call.labels \
                or id(deployment.call) in seen:
            continue
        seen.add(id(deployment.call))
        found, _, endpoint = _clients(home, deployment.caller, f"module.{deployment.call.labels[0]}", deployment.call)
        pullers.extend(p for p in found if p not in pullers)
        private = private or endpoint
    return pullers, private


def _provider_note(module: Module, nrs: Block | None) -> str | None:
    """A note when the network_rule_set holds `virtual_network` blocks and the module's
    azurerm version constraint admits 4.x, which removed them."""
    if nrs is None or not nrs.body.blocks_of("virtual_network"):
        return None
    constraint = None
    for doc, block in module.blocks("terraform"):
        for providers in block.body.blocks_of("required_providers"):
            azurerm = providers.body.attribute("azurerm")
            version = azurerm.value.member("version") if azurerm is not None and azurerm.value.kind == "object" else None
            if version is not None and version.kind == "string":
                constraint = version.value
    if constraint is not None and not re.search(r"<\s*4(\D|$)|~>\s*[0-3]\.|^\s*=?\s*[0-3]\.", constraint):
        return (f"network_rule_set has virtual_network blocks, which azurerm 4.0 removed, and the provider "
                f"constraint '{constraint}' admits 4.x: move them to private endpoints before upgrading")
    if constraint is None:
        return ("network_rule_set has virtual_network blocks, which azurerm 4.0 removed; no azurerm version "
                "constraint pins the provider below 4.0 here")
    return None


_CONTAINS = re.compile(r"contains\(\s*(\[[^\]]*\])")
_QUOTED = re.compile(r'"([^"\\]*)"')


def _sku_validation(sku: Resolved, module: Module) -> None:
    """The list a `validation` of the SKU variable checks the value against
    (`contains(["Basic", "Standard"], var.sku)`), as ``sku.allowed`` so the planner adds
    'Premium' to it, or, when the check names SKUs in a form acr-fix does not read, a
    sentence in ``sku.allowed_type`` that stops the fix."""
    if not sku.param or sku.param not in module.variables:
        return
    vdoc, variable = module.variables[sku.param]
    text = vdoc.source.text
    for index, validation in enumerate(variable.body.blocks_of("validation")):
        condition = validation.body.attribute("condition")
        if condition is None:
            continue
        written = text[condition.value.start:condition.value.end]
        lowered = written.lower()
        if "premium" in lowered or not ("basic" in lowered or "standard" in lowered):
            continue
        found = _CONTAINS.search(written)
        path = (vdoc.key_of(variable), "validation", index, "condition")
        if found is None:
            sku.allowed_type = (f"the validation of variable '{sku.param}' ({vdoc.path.name} line "
                                f"{vdoc.line(condition.start)}) names the SKUs it accepts in a form acr-fix does not edit")
            return
        start = condition.value.start + found.start(1)
        items = [Node("string", start + m.start(), start + m.end(), path, m.group(1))
                 for m in _QUOTED.finditer(found.group(1))]
        sku.allowed = Node("array", start, start + len(found.group(1)), path, None, items=items)
        sku.allowed_doc = vdoc
        return


def _base_notes(doc: TerraformDocument, block: Block, module: Module) -> list[str]:
    notes = []
    for meta in ("count", "for_each"):
        attribute = block.body.attribute(meta)
        if attribute is not None:
            notes.append(f"the {block.type} has {meta} = {' '.join(attribute.value.text.split())[:60]}: the fix "
                         "applies to every instance")
    if module.unreadable:
        notes.append(f"files of this module that do not parse were not read: {', '.join(module.unreadable)}")
    return notes


def _resource_registry(doc: TerraformDocument, block: Block, module: Module, deploys: list[Deployment]) -> Registry:
    text = doc.source.text
    key = doc.key_of(block)
    rpath = (key,)
    body = block.body
    target = Target("resource", block.open, block.close, _indent_of(text, block.start), rpath)

    def member(name: str, value: Node, at: int) -> Member:
        return Member(name, at, at, value)

    def attr(name: str, prop: str) -> tuple[Resolved | None, Any]:
        attribute = body.attribute(name)
        if attribute is None:
            return None, None
        return _for_deployments(attribute.value, module, doc, rpath + (name,), deploys, block, prop), attribute

    props_members: list[Member] = []
    props = Node("object", block.open, block.close, rpath, target, members=props_members)
    root_members: list[Member] = [member("properties", props, block.open)]
    root = Node("object", block.open, block.close, rpath, target, members=root_members)
    notes = _base_notes(doc, block, module)

    access, access_attr = attr("public_network_access_enabled", "access")
    if access is None:
        access = _absent(props)
    else:
        props_members.append(member("publicNetworkAccess",
                                    node_of(access_attr.value, rpath + ("public_network_access_enabled",), InvertedBool),
                                    access_attr.start))
    bypass, bypass_attr = attr("network_rule_bypass_option", "bypass")
    if bypass is None:
        bypass = _absent(props)
    else:
        props_members.append(member("networkRuleBypassOptions",
                                    node_of(bypass_attr.value, rpath + ("network_rule_bypass_option",)), bypass_attr.start))
    sku, sku_attr = attr("sku", "sku")
    if sku is not None:
        _sku_validation(sku, module)
    sku_node = None
    if sku is None:
        sku = _absent(root)
    else:
        sku_node = Node("object", sku_attr.start, sku_attr.end, rpath, target,
                        members=[member("name", node_of(sku_attr.value, rpath + ("sku",)), sku_attr.start)])
        root_members.append(member("sku", sku_node, sku_attr.start))

    nrs_blocks = body.blocks_of("network_rule_set")
    dynamic = [b for b in body.blocks if b.type == "dynamic" and b.labels[:1] == ("network_rule_set",)]
    nrs_attr = body.attribute("network_rule_set")
    nrs_node = ip_rules = None
    nrs_block = nrs_blocks[0] if len(nrs_blocks) == 1 else None
    if dynamic:
        at = dynamic[0]
        action = Resolved(Origin.EXPRESSION, None, doc, Node("expr", at.start, at.end, rpath, "dynamic"),
                          f"network_rule_set is a dynamic block (line {doc.line(at.start)}), which acr-fix does not "
                          "evaluate")
        props_members.append(member("networkRuleSet", Node("expr", at.start, at.end, rpath, "dynamic"), at.start))
    elif nrs_attr is not None:
        action = Resolved(Origin.EXPRESSION, None, doc, node_of(nrs_attr.value, rpath + ("network_rule_set",)),
                          f"network_rule_set is an attribute (line {doc.line(nrs_attr.start)}), not a block")
        props_members.append(member("networkRuleSet", Node("expr", nrs_attr.start, nrs_attr.end, rpath, "attribute"),
                                    nrs_attr.start))
    elif len(nrs_blocks) > 1:
        action = Resolved(Origin.EXPRESSION, None, doc, None,
                          f"{len(nrs_blocks)} network_rule_set blocks (line {doc.line(nrs_blocks[1].start)}); the "
                          "provider takes one")
        props_members.append(member("networkRuleSet", Node("expr", nrs_blocks[1].start, nrs_blocks[1].end, rpath, ""),
                                    nrs_blocks[1].start))
    elif nrs_block is not None:
        npath = rpath + ("network_rule_set", 0)
        ntarget = Target("nrs-block", nrs_block.open, nrs_block.close, _indent_of(text, nrs_block.start), npath)
        nrs_members: list[Member] = []
        nrs_node = Node("object", nrs_block.open, nrs_block.close, npath, ntarget, members=nrs_members)
        props_members.append(member("networkRuleSet", nrs_node, nrs_block.start))
        default = nrs_block.body.attribute("default_action")
        if default is None:
            action = _absent(nrs_node, "default_action not set: the provider's default is \"Allow\"")
        else:
            action = _for_deployments(default.value, module, doc, npath + ("default_action",), deploys, block, "action")
            nrs_members.append(member("defaultAction", node_of(default.value, npath + ("default_action",)), default.start))
        rule_blocks = nrs_block.body.blocks_of("ip_rule")
        dynamic_rules = [b for b in nrs_block.body.blocks if b.type == "dynamic" and b.labels[:1] == ("ip_rule",)]
        if dynamic_rules or nrs_block.body.attribute("ip_rule") is not None:
            ip_rules = Node("expr", nrs_block.start, nrs_block.end, npath + ("ip_rule",), "dynamic ip_rule")
        elif rule_blocks:
            items = []
            for i, rule in enumerate(rule_blocks):
                rng = rule.body.attribute("ip_range")
                members = [member("value", node_of(rng.value, npath + ("ip_rule", i, "ip_range")), rng.start)] if rng else []
                items.append(Node("object", rule.open, rule.close, npath + ("ip_rule", i), None, members=members))
            ip_rules = Node("array", nrs_block.open, nrs_block.close, npath + ("ip_rule",),
                            Target("ip-rules", nrs_block.open, nrs_block.close, ntarget.indent, npath + ("ip_rule",),
                                   after=rule_blocks[-1].end), items=items)
        if ip_rules is not None:
            nrs_members.append(member("ipRules", ip_rules, nrs_block.open))
        note = _provider_note(module, nrs_block)
        if note:
            notes.append(note)
    else:
        action = _absent(None)

    name_attr = body.attribute("name")
    name, shown, shown_expr = block.labels[1], None, False
    if name_attr is not None:
        named = _for_deployments(name_attr.value, module, doc, rpath + ("name",), deploys, block, "name")
        if named.origin == Origin.LITERAL and named.value:
            name = named.value
            # the literal name, where suppressions (PSRule's, by name) look for it
            root_members.append(member("name", node_of(name_attr.value, rpath + ("name",)), name_attr.start))
        elif named.value:
            shown = named.value
        else:
            shown, shown_expr = " ".join(name_attr.value.text.split()), True
    reference = f"{RESOURCE}.{block.labels[1]}"
    pullers, importers, private = _clients(doc, module, reference, block)
    through_calls, called_privately = _clients_of_callers(doc, module, deploys)
    private = private or called_privately
    ignore, checkov, scanner = _suppressions(doc, block)
    return Registry(
        doc=doc, name=name, node=root, line=doc.line(block.start), declared_at=block.start,
        api_version=_absent(None, "Terraform: the azurerm provider chooses the API version"),
        sku_name=sku, public_network_access=access, default_action=action, bypass=bypass,
        properties=props, network_rule_set=nrs_node, ip_rules=ip_rules, sku=sku_node,
        symbolic=reference, has_private_endpoint=private, clients=pullers, importers=importers,
        output_clients=through_calls,
        inline_ignore=ignore, checkov_skip=checkov, scanner_ignore=scanner, notes=notes, shown_name=shown, shown_is_expression=shown_expr,
    )


def _avm_registry(doc: TerraformDocument, block: Block, module: Module, deploys: list[Deployment],
                  address: str) -> Registry:
    """A call of the AVM registry module, read through its variables."""
    text = doc.source.text
    key = doc.key_of(block)
    rpath = (key,)
    body = block.body
    target = Target("avm", block.open, block.close, _indent_of(text, block.start), rpath)
    props_members: list[Member] = []
    props = Node("object", block.open, block.close, rpath, target, members=props_members)
    root = Node("object", block.open, block.close, rpath, target, members=[Member("properties", block.open, block.open, props)])
    version = body.attribute("version")
    notes = _base_notes(doc, block, module)
    notes.append(f"deployed by the AVM module {address}"
                 + (f" {version.value.value}" if version is not None and version.value.kind == "string" else "")
                 + ", read through its variables")

    def given(name: str, prop: str) -> tuple[Resolved | None, Any]:
        attribute = body.attribute(name)
        if attribute is None:
            return None, None
        return _for_deployments(attribute.value, module, doc, rpath + (name,), deploys, block, prop), attribute

    access, access_attr = given("public_network_access_enabled", "access")
    if access is None:
        access = _absent(props, "the module's default: true")
    else:
        props_members.append(Member("publicNetworkAccess", access_attr.start, access_attr.start,
                                    node_of(access_attr.value, rpath + ("public_network_access_enabled",), InvertedBool)))
    sku, _ = given("sku", "sku")
    if sku is not None:
        _sku_validation(sku, module)
    if sku is None:
        sku = _default(AVM_DEFAULTS["sku"], "the module's default")
    bypass, bypass_attr = given("network_rule_bypass_option", "bypass")
    if bypass is None:
        bypass = _absent(props, "the module's default: \"None\"")
    else:
        props_members.append(Member("networkRuleBypassOptions", bypass_attr.start, bypass_attr.start,
                                    node_of(bypass_attr.value, rpath + ("network_rule_bypass_option",))))
    nrs_attr = body.attribute("network_rule_set")
    nrs_node = ip_rules = None
    if nrs_attr is None:
        action = _absent(None, "network_rule_set not given: the module writes none")
    else:
        found: list[Source] = []
        for deployment in deploys:
            found.extend(sources(nrs_attr.value, module, doc, rpath + ("network_rule_set",), deployment,
                                 (doc, block.start, block.end)))
        actions: list[Source] = []
        for source in found:
            obj = source.expr
            if obj is not None and obj.kind == "object" and source.literal:
                inner = obj.member("default_action")
                if inner is None:
                    actions.append(Source(Expr("string", obj.start, obj.start, "", value="Deny"), None, (),
                                          Origin.PARAMETER_DEFAULT, "the module's default for network_rule_set.default_action"))
                else:
                    actions.extend(_member_source(source, inner, "default_action"))
            else:
                detail = source.detail or "network_rule_set"
                why = "null" if obj is not None and obj.kind == "null" else "not an object acr-fix can read"
                actions.append(Source(obj, source.doc, source.path, Origin.EXPRESSION,
                                      f"network_rule_set is {why} ({detail}); give it as {{ default_action = \"Deny\" }}"))
        action = resolved(actions, "action", doc)
        if action.origin == Origin.PARAMETER_DEFAULT and action.node is None and not action.also:
            action = _default("Deny", "the module's default for network_rule_set.default_action")
        own = nrs_attr.value
        npath = rpath + ("network_rule_set",)
        if own.kind == "object" and "\n" in own.text:
            ntarget = Target("nrs-object", own.start + 1, own.end - 1, _indent_of(text, nrs_attr.start), npath)
            members: list[Member] = []
            nrs_node = Node("object", own.start, own.end, npath, ntarget, members=members)
            inner = own.member("default_action")
            if inner is not None:
                members.append(Member("defaultAction", inner.start, inner.start, node_of(inner, npath + ("default_action",))))
            rules = own.member("ip_rule")
            if rules is not None:
                ip_rules = Node("expr", rules.start, rules.end, npath + ("ip_rule",), rules.text)
                members.append(Member("ipRules", rules.start, rules.start, ip_rules))
        else:
            nrs_node = Node("expr", own.start, own.end, npath, own.text)
        props_members.append(Member("networkRuleSet", nrs_attr.start, nrs_attr.start, nrs_node))
    endpoints = body.attribute("private_endpoints")
    private = endpoints is not None and not (endpoints.value.kind in ("object", "null") and not endpoints.value.members)
    name_attr = body.attribute("name")
    name, shown, shown_expr = block.labels[0], None, False
    if name_attr is not None:
        named = _for_deployments(name_attr.value, module, doc, rpath + ("name",), deploys, block, "name")
        if named.origin == Origin.LITERAL and named.value:
            name = named.value
        elif named.value:
            shown = named.value
        else:
            shown, shown_expr = " ".join(name_attr.value.text.split()), True
    reference = f"module.{block.labels[0]}"
    pullers, importers, pe = _clients(doc, module, reference, block)
    ignore, checkov, scanner = _suppressions(doc, block)
    return Registry(
        doc=doc, name=name, node=root, line=doc.line(block.start), declared_at=block.start,
        api_version=_absent(None, "Terraform: the azurerm provider chooses the API version"),
        sku_name=sku, public_network_access=access, default_action=action, bypass=bypass,
        properties=props, network_rule_set=nrs_node, ip_rules=ip_rules, sku=None,
        symbolic=reference, has_private_endpoint=private or pe, clients=pullers, importers=importers,
        inline_ignore=ignore, checkov_skip=checkov, scanner_ignore=scanner, notes=notes, shown_name=shown, shown_is_expression=shown_expr,
        module_path=address,
    )


def _member_source(source: Source, inner: Expr, name: str) -> list[Source]:
    """The source of one member of an object literal (`network_rule_set = { default_action = ... }`)."""
    if inner.kind in ("string", "null"):
        return [Source(inner, source.doc, source.path + (name,), source.origin, source.detail, source.param, source.shared)]
    return [Source(inner, source.doc, source.path + (name,), Origin.EXPRESSION,
                   f"network_rule_set.{name} is the expression `{' '.join(inner.text.split())[:60]}`")]


def _remote_module_registry(doc: TerraformDocument, block: Block, address: str) -> Registry:
    text = doc.source.text
    rpath = (doc.key_of(block),)
    root = Node("object", block.open, block.close, rpath, Target("avm", block.open, block.close, _indent_of(text, block.start), rpath),
                members=[])
    why = f"set inside the module {address}, which acr-fix cannot read"
    unknown = Resolved(Origin.EXPRESSION, None, doc, None, why)
    ignore, checkov, scanner = _suppressions(doc, block)
    return Registry(
        doc=doc, name=block.labels[0], node=root, line=doc.line(block.start), declared_at=block.start,
        api_version=_absent(None), sku_name=Resolved(Origin.EXPRESSION, None, doc, None, why),
        public_network_access=unknown, default_action=Resolved(Origin.EXPRESSION, None, doc, None, ""),
        bypass=_absent(None), properties=None, network_rule_set=None, ip_rules=None, sku=None,
        symbolic=f"module.{block.labels[0]}", flavor="unreadable-module", module_path=address,
        inline_ignore=ignore, checkov_skip=checkov, scanner_ignore=scanner,
    )
