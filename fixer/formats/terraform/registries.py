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
from typing import Any

from ...model import Member, Node, Origin, Registry, Resolved
from .avm import AVM_SOURCE, REGISTRY_MODULE, avm_registry, remote_module_registry
from .dialect import InvertedBool, Target
from .neighbours import (base_notes, clients, clients_of_callers, endpoint_note, provider_note, sku_validation,
                         suppressions)
from .resolve import absent, for_deployments, indent_of
from .syntax import Block
from .values import Deployment, Module, TerraformDocument, deployments, load_module, node_of

RESOURCE = "azurerm_container_registry"


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
                found.append(avm_registry(doc, block, module, deploys, address))
            elif address and not address.startswith(".") and REGISTRY_MODULE.search(address):
                found.append(remote_module_registry(doc, block, address))
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


def _resource_registry(doc: TerraformDocument, block: Block, module: Module, deploys: list[Deployment]) -> Registry:
    text = doc.source.text
    key = doc.key_of(block)
    rpath = (key,)
    body = block.body
    target = Target("resource", block.open, block.close, indent_of(text, block.start), rpath)

    def member(name: str, value: Node, at: int) -> Member:
        return Member(name, at, at, value)

    def attr(name: str, prop: str) -> tuple[Resolved | None, Any]:
        attribute = body.attribute(name)
        if attribute is None:
            return None, None
        return for_deployments(attribute.value, module, doc, rpath + (name,), deploys, block, prop), attribute

    props_members: list[Member] = []
    props = Node("object", block.open, block.close, rpath, target, members=props_members)
    root_members: list[Member] = [member("properties", props, block.open)]
    root = Node("object", block.open, block.close, rpath, target, members=root_members)
    notes = base_notes(doc, block, module)

    access, access_attr = attr("public_network_access_enabled", "access")
    if access is None:
        access = absent(props)
    else:
        props_members.append(member("publicNetworkAccess",
                                    node_of(access_attr.value, rpath + ("public_network_access_enabled",), InvertedBool),
                                    access_attr.start))
    bypass, bypass_attr = attr("network_rule_bypass_option", "bypass")
    if bypass is None:
        bypass = absent(props)
    else:
        props_members.append(member("networkRuleBypassOptions",
                                    node_of(bypass_attr.value, rpath + ("network_rule_bypass_option",)), bypass_attr.start))
    sku, sku_attr = attr("sku", "sku")
    if sku is not None:
        sku_validation(sku, module)
    sku_node = None
    if sku is None:
        sku = absent(root)
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
        ntarget = Target("nrs-block", nrs_block.open, nrs_block.close, indent_of(text, nrs_block.start), npath)
        nrs_members: list[Member] = []
        nrs_node = Node("object", nrs_block.open, nrs_block.close, npath, ntarget, members=nrs_members)
        props_members.append(member("networkRuleSet", nrs_node, nrs_block.start))
        default = nrs_block.body.attribute("default_action")
        if default is None:
            action = absent(nrs_node, "default_action not set: the provider's default is \"Allow\"")
        else:
            action = for_deployments(default.value, module, doc, npath + ("default_action",), deploys, block, "action")
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
        note = provider_note(module, nrs_block)
        if note:
            notes.append(note)
    else:
        action = absent(None)

    name_attr = body.attribute("name")
    name, shown, shown_expr = block.labels[1], None, False
    if name_attr is not None:
        named = for_deployments(name_attr.value, module, doc, rpath + ("name",), deploys, block, "name")
        if named.origin == Origin.LITERAL and named.value:
            name = named.value
            # the literal name, where suppressions (PSRule's, by name) look for it
            root_members.append(member("name", node_of(name_attr.value, rpath + ("name",)), name_attr.start))
        elif named.value:
            shown = named.value
        else:
            shown, shown_expr = " ".join(name_attr.value.text.split()), True
    reference = f"{RESOURCE}.{block.labels[1]}"
    conditional: list[str] = []
    pullers, importers, private = clients(doc, module, reference, block, conditional)
    note = endpoint_note(conditional)
    if note:
        notes.append(note)
    through_calls, called_privately = clients_of_callers(doc, module, deploys)
    private = private or called_privately
    ignore, checkov, scanner = suppressions(doc, block)
    return Registry(
        doc=doc, name=name, node=root, line=doc.line(block.start), declared_at=block.start,
        api_version=absent(None, "Terraform: the azurerm provider chooses the API version"),
        sku_name=sku, public_network_access=access, default_action=action, bypass=bypass,
        properties=props, network_rule_set=nrs_node, ip_rules=ip_rules, sku=sku_node,
        symbolic=reference, has_private_endpoint=private, clients=pullers, importers=importers,
        output_clients=through_calls,
        inline_ignore=ignore, checkov_skip=checkov, scanner_ignore=scanner, notes=notes, shown_name=shown, shown_is_expression=shown_expr,
    )


