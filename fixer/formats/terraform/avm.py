"""Registries deployed by modules: calls of the Azure Verified Module
`Azure/avm-res-containerregistry-registry/azurerm`, read through its variables, and remote
modules acr-fix cannot read, which are manual findings."""

from __future__ import annotations

import re
from typing import Any

from ...model import Member, Node, Origin, Registry, Resolved
from .dialect import InvertedBool, Target
from .neighbours import base_notes, clients, endpoint_note, sku_validation, suppressions
from .resolve import absent, for_deployments, indent_of, module_default, resolved
from .syntax import Block, Expr
from .values import Deployment, Module, Source, TerraformDocument, node_of, sources

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


def avm_registry(doc: TerraformDocument, block: Block, module: Module, deploys: list[Deployment],
                 address: str) -> Registry:
    """A call of the AVM registry module, read through its variables."""
    text = doc.source.text
    key = doc.key_of(block)
    rpath = (key,)
    body = block.body
    target = Target("avm", block.open, block.close, indent_of(text, block.start), rpath)
    props_members: list[Member] = []
    props = Node("object", block.open, block.close, rpath, target, members=props_members)
    root = Node("object", block.open, block.close, rpath, target, members=[Member("properties", block.open, block.open, props)])
    version = body.attribute("version")
    notes = base_notes(doc, block, module)
    notes.append(f"deployed by the AVM module {address}"
                 + (f" {version.value.value}" if version is not None and version.value.kind == "string" else "")
                 + ", read through its variables")

    def given(name: str, prop: str) -> tuple[Resolved | None, Any]:
        attribute = body.attribute(name)
        if attribute is None:
            return None, None
        return for_deployments(attribute.value, module, doc, rpath + (name,), deploys, block, prop), attribute

    access, access_attr = given("public_network_access_enabled", "access")
    if access is None:
        access = absent(props, "the module's default: true")
    else:
        props_members.append(Member("publicNetworkAccess", access_attr.start, access_attr.start,
                                    node_of(access_attr.value, rpath + ("public_network_access_enabled",), InvertedBool)))
    sku, _ = given("sku", "sku")
    if sku is not None:
        sku_validation(sku, module)
    if sku is None:
        sku = module_default(AVM_DEFAULTS["sku"], "the module's default")
    bypass, bypass_attr = given("network_rule_bypass_option", "bypass")
    if bypass is None:
        bypass = absent(props, "the module's default: \"None\"")
    else:
        props_members.append(Member("networkRuleBypassOptions", bypass_attr.start, bypass_attr.start,
                                    node_of(bypass_attr.value, rpath + ("network_rule_bypass_option",))))
    nrs_attr = body.attribute("network_rule_set")
    nrs_node = ip_rules = None
    if nrs_attr is None:
        action = absent(None, "network_rule_set not given: the module writes none")
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
            action = module_default("Deny", "the module's default for network_rule_set.default_action")
        own = nrs_attr.value
        npath = rpath + ("network_rule_set",)
        if own.kind == "object" and "\n" in own.text:
            ntarget = Target("nrs-object", own.start + 1, own.end - 1, indent_of(text, nrs_attr.start), npath)
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
        named = for_deployments(name_attr.value, module, doc, rpath + ("name",), deploys, block, "name")
        if named.origin == Origin.LITERAL and named.value:
            name = named.value
        elif named.value:
            shown = named.value
        else:
            shown, shown_expr = " ".join(name_attr.value.text.split()), True
    reference = f"module.{block.labels[0]}"
    conditional: list[str] = []
    pullers, importers, pe = clients(doc, module, reference, block, conditional)
    note = endpoint_note(conditional)
    if note:
        notes.append(note)
    ignore, checkov, scanner = suppressions(doc, block)
    return Registry(
        doc=doc, name=name, node=root, line=doc.line(block.start), declared_at=block.start,
        api_version=absent(None, "Terraform: the azurerm provider chooses the API version"),
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


def remote_module_registry(doc: TerraformDocument, block: Block, address: str) -> Registry:
    text = doc.source.text
    rpath = (doc.key_of(block),)
    root = Node("object", block.open, block.close, rpath, Target("avm", block.open, block.close, indent_of(text, block.start), rpath),
                members=[])
    why = f"set inside the module {address}, which acr-fix cannot read"
    unknown = Resolved(Origin.EXPRESSION, None, doc, None, why)
    ignore, checkov, scanner = suppressions(doc, block)
    return Registry(
        doc=doc, name=block.labels[0], node=root, line=doc.line(block.start), declared_at=block.start,
        api_version=absent(None), sku_name=Resolved(Origin.EXPRESSION, None, doc, None, why),
        public_network_access=unknown, default_action=Resolved(Origin.EXPRESSION, None, doc, None, ""),
        bypass=absent(None), properties=None, network_rule_set=None, ip_rules=None, sku=None,
        symbolic=f"module.{block.labels[0]}", flavor="unreadable-module", module_path=address,
        inline_ignore=ignore, checkov_skip=checkov, scanner_ignore=scanner,
    )
