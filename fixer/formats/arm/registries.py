"""Every registry of an ARM template, and which of their definitions other resources share."""

from __future__ import annotations

import json

from ... import REGISTRY_TYPE
from ...edits import Edit, line_start
from ...model import Document, Node, Origin, Registry, Resolved
from ...workspace import Workspace
from ..base import CHECKOV_SKIP, IGNORE_COMMENT, PRIVATE_ENDPOINT_TYPE, imports_images
from .deployments import _root_scope
from .known import _known_inside
from .pullers import (
    _PULL_NEEDLES,
    _clients,
    _has_private_endpoint,
    _private_endpoint_text,
    _role_variables,
)
from .symbols import object_of_expression, resolve, resolve_member
from .syntax import DEPLOYMENTS_TYPE
from .template import Scope, _is_expression, _short, _Uses, _walk, readable_expression


def find_registries(doc: Document, workspace: Workspace) -> list[Registry]:
    """Every registry in an ARM template, with its values resolved."""
    if doc.kind != "arm":
        return []
    root_scope = _root_scope(doc, workspace)
    registries: list[Registry] = []
    private_endpoint_targets: list[str] = []
    deployments: list[Node] = []  # nested deployments (their parameters carry values to registries)
    pulling: list[tuple[Node, Scope]] = []  # resources that use a login server or registry credentials
    scopes: dict[int, Scope] = {}  # id(registry node) -> the scope it is deployed in
    lowered = doc.source.text.lower()
    role_vars = _role_variables(doc)
    role_uses = [f"variables('{name}')" for name in role_vars]
    for symbolic, resource, rtype, scope in _walk(root_scope, every=True):
        if lowered.find("loginserver", resource.start, resource.end) >= 0 or \
                lowered.find("listcredentials(", resource.start, resource.end) >= 0 or \
                imports_images(lowered, resource.start, resource.end):
            pulling.append((resource, scope))
        elif (any(lowered.find(n, resource.start, resource.end) >= 0 for n in _PULL_NEEDLES)
              or any(lowered.find(use, resource.start, resource.end) >= 0 for use in role_uses)) \
                and lowered.find(DEPLOYMENTS_TYPE, resource.start, resource.end) < 0:
            # (a nested deployment's text holds its template's resources: they are looked at
            # one by one in their own scope, the wrapper is not a puller for holding them)
            pulling.append((resource, scope))
        if rtype == REGISTRY_TYPE:
            registries.append(_registry(doc, resource, symbolic, scope))
            scopes[id(resource)] = scope
        elif rtype == PRIVATE_ENDPOINT_TYPE:
            private_endpoint_targets.append(_private_endpoint_text(doc, resource))
        elif rtype == DEPLOYMENTS_TYPE:
            deployments.append(resource)
    declared = sum(1 for r in registries if not r.existing)  # counted once: per registry was quadratic
    for index, registry in enumerate(registries):
        registry.index = index
        registry.has_private_endpoint = _has_private_endpoint(registry, private_endpoint_targets, declared)
        registry.clients, registry.importers = _clients(
            doc, registry, [r for r, s in pulling if s is scopes.get(id(registry.node))],
            lowered, declared, role_vars)
    _mark_shared_definitions(doc, registries, deployments)
    return registries


def _mark_shared_definitions(doc: Document, registries: list[Registry], deployments: list[Node]) -> None:
    """Flag values defined in a parameter or variable that other resources use as well
    (`parameters('sku')` in a registry and in a Service Bus namespace): a fix there would
    change those resources too. Uses inside registries and in the outputs do not count.
    Values a linked-template caller defines were checked where they were found (see
    _resolve_from_callers: ``symbol_doc`` names the file that declares them)."""
    uses = _Uses(doc, [(r.node.start, r.node.end) for r in registries], deployments)
    for registry in registries:
        for resolved in (registry.sku_name, registry.public_network_access, registry.default_action, registry.bypass):
            for place in (resolved, *resolved.also):
                if place.symbol_doc is not None:
                    continue
                if place.origin in (Origin.PARAMETER_DEFAULT, Origin.PARAMETER_FILE) and place.param:
                    place.shared = uses.other_use(uses.declaring(place), "parameters", place.param)
                elif place.origin == Origin.VARIABLE and place.variable:
                    place.shared = uses.other_use(uses.declaring(place), "variables", place.variable)


def _registry(doc: Document, resource: Node, symbolic: str | None, scope: Scope) -> Registry:
    props = resource.get("properties")
    props_obj = props if props is not None and props.kind == "object" else None
    nrs = props_obj.get("networkRuleSet") if props_obj is not None else None
    nrs_obj = nrs if nrs is not None and nrs.kind == "object" else None
    sku = resource.get("sku")
    sku_obj = sku if sku is not None and sku.kind == "object" else None
    api = resource.get("apiVersion")

    name_node = resource.get("name")
    name_res = resolve(name_node, scope, "name")
    shown_name = None
    if name_res.value:
        name = name_res.value
    elif symbolic:
        name = symbolic
    elif name_node is not None and name_node.kind == "string":
        name = name_node.value
    else:
        name = "(unnamed)"
    if not name_res.value and name_node is not None and name_node.kind == "string" and _is_expression(name_node.value):
        shown_name = readable_expression(name_node.value, scope)

    def field_of(parent: Node | None, parent_present: Node | None, key: str, what: str,
                 inside: tuple[str, ...] | None = None) -> Resolved:
        """``key`` of ``parent``; when the parent is an expression (``parent_present``), the
        value at ``inside`` (default: ``key``) in the object it stands for, if known."""
        if parent_present is not None and parent is None:
            # the parent itself is an expression or null
            if parent_present.kind == "null":
                return Resolved(Origin.ABSENT, doc=doc)
            if parent_present.kind == "string" and str(parent_present.value).startswith("["):
                known = _known_inside(parent_present, scope, inside or (key,), what)
                if known is not None:
                    return known
                return Resolved(Origin.EXPRESSION, doc=doc, node=parent_present,
                                detail=f"{what} is inside an expression {_short(str(parent_present.value))} (line {doc.line(parent_present)})")
            return Resolved(Origin.EXPRESSION, doc=doc, node=parent_present,
                            detail=f"{what} cannot be read: its parent is a {parent_present.kind}, not an object (line {doc.line(parent_present)})")
        node = parent.get(key) if parent is not None else None
        result = resolve(node, scope, what)
        if result.origin == Origin.ABSENT:
            result.parent = parent
        return result

    public_access = field_of(props_obj, props, "publicNetworkAccess", "publicNetworkAccess")
    default_action = field_of(nrs_obj, nrs if props_obj is not None else None, "defaultAction", "networkRuleSet.defaultAction")
    if props is not None and props_obj is None:
        # `"properties": "[variables('acrProps')]"`: both values are out of reach alike
        default_action = field_of(None, props, "defaultAction", "networkRuleSet.defaultAction",
                                  ("networkRuleSet", "defaultAction"))
    bypass = field_of(props_obj, props, "networkRuleBypassOptions", "networkRuleBypassOptions")
    sku_name = field_of(sku_obj, sku, "name", "sku.name")
    if sku is not None and sku_obj is None:
        # `"sku": "[parameters('sku')]"` with an object parameter (what Bicep's `sku: sku` compiles to)
        source = object_of_expression(sku, scope)
        if source is not None:
            sku_obj = source.node
            sku_name = resolve_member(source, "name", scope, "sku.name")
    api_res = resolve(api, scope, "apiVersion")

    ip_rules = nrs_obj.get("ipRules") if nrs_obj is not None else None
    existing = resource.get("existing")
    text = doc.source.text
    # Comments that mark the resource: inside its span, or on the lines just above it.
    above_start = line_start(text, max(0, line_start(text, resource.start) - 1))
    above = text[above_start:resource.start]
    inside = text[resource.start:resource.end]
    ignore = IGNORE_COMMENT.search(inside) or IGNORE_COMMENT.search(above)
    checkov = CHECKOV_SKIP.search(inside)

    # The version may sit in a variable or a parameter default of this template
    # ("apiVersion": "[variables('acrApiVersion')]"): it is bumped there.
    editable_api = api_res.node if api_res.origin in (Origin.LITERAL, Origin.VARIABLE, Origin.PARAMETER_DEFAULT) \
        and api_res.doc is doc else None

    def api_edit(new_version: str, node: Node | None = editable_api) -> list[Edit]:
        if node is None:
            return []
        return [Edit(node.start, node.end, json.dumps(new_version))]

    return Registry(
        doc=doc,
        name=name,
        shown_name=shown_name,
        shown_is_expression=shown_name is not None,
        node=resource,
        line=doc.line(resource),
        api_version=api_res,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=default_action,
        bypass=bypass,
        properties=props_obj,
        network_rule_set=nrs_obj,
        ip_rules=ip_rules,
        sku=sku_obj,
        api_version_edit=api_edit,
        symbolic=symbolic,
        existing=bool(existing is not None and existing.kind == "bool" and existing.value),
        property_keys=frozenset(m.key.lower() for m in (props_obj.members or ())) if props_obj is not None else frozenset(),
        network_rule_set_keys=frozenset(m.key.lower() for m in (nrs_obj.members or ())) if nrs_obj is not None else frozenset(),
        inline_ignore=(ignore.group(1).strip() or "no reason given") if ignore else None,
        checkov_skip=(checkov.group(1).strip() or "CKV_AZURE_139 skipped") if checkov else None,
        notes=_resource_notes(resource),
    )


def _resource_notes(resource: Node) -> list[str]:
    """What a fix of this resource should mention: a loop makes it many registries, a
    condition may leave it undeployed."""
    notes = []
    if resource.get("copy") is not None:
        notes.append("declared with a `copy` loop: a fix applies to every registry the loop creates")
    condition = resource.get("condition")
    if condition is not None and not (condition.kind == "bool" and condition.value is True):
        notes.append("declared with a `condition`: it is only deployed when the condition holds")
    return notes
