"""A registry declared as a ``Microsoft.ContainerRegistry/registries`` resource."""

from __future__ import annotations

import re
from typing import Callable, Iterator

from tree_sitter import Node as SyntaxNode

from ... import REGISTRY_TYPE
from ...edits import Edit, line_start, same_line
from ...model import Document, Node, Origin, Registry, Resolved
from ..base import CHECKOV_SKIP, IGNORE_COMMENT, PRIVATE_ENDPOINT_TYPE
from .deployments import _Resolver
from .nodes import (
    SPREAD,
    _condition_text,
    _Module,
    _Resource,
    _Syntax,
    _syntax_of,
    _type_name,
)
from .pullers import _clients
from .symbols import _short, _where


def _spread_lacks(syntax: _Syntax, spread: Node, key: str) -> bool:
    """True when the spread (`...name`) is a variable holding an object literal that has no
    ``key`` (and no spread of its own): the key is then really absent."""
    name = str(spread.value).strip()
    value = syntax.variables.get(name) if spread.kind == "expr" and name.isidentifier() else None
    if value is None or value.kind != "object":
        return False
    return all(not m.key.startswith(SPREAD) and m.key.lower() != key.lower() for m in value.members or ())


def _registry(doc: Document, syntax: _Syntax, resource: _Resource, resolver: _Resolver,
              endpoints: list[_Resource | _Module]) -> Registry:
    body = resource.body
    assert body is not None
    props = body.get("properties")
    props_obj = props if props is not None and props.kind == "object" else None
    nrs = props_obj.get("networkRuleSet") if props_obj is not None else None
    nrs_obj = nrs if nrs is not None and nrs.kind == "object" else None
    sku = body.get("sku")
    sku_obj = sku if sku is not None and sku.kind == "object" else None

    def field(*keys: str) -> Resolved:
        """The value at ``keys`` below the body; an object on the way may be a parameter
        or variable that holds an object literal."""
        what = ".".join(keys[1:] if keys[0] == "properties" else keys)
        current = body
        for depth, key in enumerate(keys):
            child = current.get(key)
            if child is None:
                spread = next((m for m in current.members or ()
                               if m.key.startswith(SPREAD) and not _spread_lacks(syntax, m.value, key)), None)
                if spread is not None:
                    return Resolved(Origin.EXPRESSION, doc=doc, node=spread.value,
                                    detail=f"{what} may come from the spread `{_short(spread.key)}` ({_where(doc, spread.value)})")
                return Resolved(Origin.ABSENT, doc=doc, parent=current if depth == len(keys) - 1 else None)
            rest = keys[depth + 1:]
            if rest and child.kind == "object":
                current = child
                continue
            result = resolver.resolve(doc, child, what, 0, rest)
            if rest and result.origin == Origin.EXPRESSION and result.node is child:
                result.detail = f"{what} is inside the expression `{_short(str(child.value))}` ({_where(doc, child)})"
            return result
        raise AssertionError("field() needs at least one key")

    public_access = field("properties", "publicNetworkAccess")
    default_action = field("properties", "networkRuleSet", "defaultAction")
    bypass = field("properties", "networkRuleBypassOptions")
    sku_name = field("sku", "name")

    name_node = body.get("name")
    name = name_node.value if name_node is not None and name_node.kind == "string" else resource.symbolic
    shown_name, shown_is_expression = _shown_name(doc, resolver, name_node, resource.symbolic)
    clients, importers = _clients(doc, syntax, resource, name_node)

    api_version, api_edit = _api_version(doc, resource)
    comments = _comments_of(doc, syntax, resource)
    ignore = next((m for m in (IGNORE_COMMENT.search(c) for c in comments) if m), None)
    checkov = next((m for m in (CHECKOV_SKIP.search(c) for c in _comments_inside(syntax, resource)) if m), None)
    notes: list[str] = []
    if resource.loop:
        notes.append("declared in a `for` loop: a fix applies to every registry the loop creates")
    if resource.condition:
        notes.append("declared with an `if` condition: it is only deployed when the condition holds")

    return Registry(
        doc=doc,
        name=name,
        shown_name=shown_name,
        shown_is_expression=shown_is_expression,
        node=body,
        line=doc.line(resource.start),
        declared_at=resource.start,
        api_version=api_version,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=default_action,
        bypass=bypass,
        properties=props_obj,
        network_rule_set=nrs_obj,
        ip_rules=nrs_obj.get("ipRules") if nrs_obj is not None else None,
        sku=sku_obj,
        api_version_edit=api_edit,
        symbolic=resource.symbolic,
        existing=resource.existing,
        has_private_endpoint=_has_private_endpoint(syntax, resource, endpoints),
        clients=clients,
        importers=importers,
        condition_text=_condition_text(syntax, resource.syntax),
        property_keys=frozenset(m.key.lower() for m in props_obj.members or ()) if props_obj is not None else frozenset(),
        network_rule_set_keys=frozenset(m.key.lower() for m in nrs_obj.members or ()) if nrs_obj is not None else frozenset(),
        inline_ignore=(ignore.group(1).strip() or "no reason given") if ignore else None,
        checkov_skip=(checkov.group(1).strip() or "CKV_AZURE_139 skipped") if checkov else None,
        notes=notes,
    )


def _api_version(doc: Document, resource: _Resource) -> tuple[Resolved, Callable[[str], list[Edit]]]:
    """The @API part of the type string as a Resolved, and a hook that rewrites only that part."""
    type_node = resource.type_node
    if type_node.kind != "string":
        return (Resolved(Origin.EXPRESSION, doc=doc, node=type_node,
                         detail=f"the resource type is an interpolated string ({_where(doc, type_node)})"),
                lambda new_version: [])
    text = doc.source.text
    # The type string holds no escapes in practice; if it does, its value and its source
    # text differ and we refuse to edit rather than compute offsets inside escapes.
    quote = 1
    raw = text[type_node.start + quote:type_node.end - quote]
    if raw != type_node.value:
        return (Resolved(Origin.EXPRESSION, doc=doc, node=type_node,
                         detail=f"the resource type string uses escapes ({_where(doc, type_node)})"),
                lambda new_version: [])
    at = raw.rfind("@")
    if at == -1:
        insert_at = type_node.end - quote
        return (Resolved(Origin.ABSENT, doc=doc, node=type_node),
                lambda new_version: [Edit(insert_at, insert_at, "@" + new_version)])
    start = type_node.start + quote + at + 1
    end = type_node.end - quote

    def rewrite(new_version: str) -> list[Edit]:
        return [Edit(start, end, new_version)]

    return Resolved(Origin.LITERAL, value=raw[at + 1:], doc=doc, node=type_node), rewrite


def _comments_of(doc: Document, syntax: _Syntax, resource: _Resource) -> list[str]:
    """Comments inside the resource, on its first line, or on the line just above it
    (or above its decorators), or after its closing brace on the same line."""
    text = doc.source.text
    # Comments are in file order: look only at the window around the resource, so that
    # files with thousands of registries stay linear.
    window_start = line_start(text, max(0, line_start(text, resource.head) - 1))
    newline = text.find("\n", resource.end)
    window_end = len(text) if newline == -1 else newline
    first_line = doc.line(resource.head)
    out = []
    for start, end, comment in _comments_between(syntax, window_start, window_end):
        if resource.head <= start < resource.end:
            out.append(comment)
        elif end <= resource.head and doc.line(end) in (first_line - 1, first_line):
            out.append(comment)
        elif start >= resource.end and same_line(text, resource.end, start):
            out.append(comment)
    return out


def _comments_inside(syntax: _Syntax, resource: _Resource) -> list[str]:
    return [c for _, _, c in _comments_between(syntax, resource.start, resource.end)]


def _comments_between(syntax: _Syntax, start: int, end: int) -> list[tuple[int, int, str]]:
    """Comments that start in [start, end)."""
    return syntax.comments_between(start, end)


def _private_endpoint_declarations(syntax: _Syntax) -> list[_Resource | _Module]:
    """The file's privateEndpoints resources, and modules that look like they deploy
    private endpoints (e.g. AVM's `privateEndpoints` parameter)."""
    found: list[_Resource | _Module] = []
    for resource in syntax.resources:
        if resource.type_node.kind == "string" \
                and resource.type_node.value.split("@", 1)[0].strip().lower() == PRIVATE_ENDPOINT_TYPE:
            found.append(resource)
    for module in syntax.modules:
        text = syntax.text[module.start:module.end].lower()
        if "privateendpoint" in text or "private-endpoint" in text:
            found.append(module)
    return found


def _shown_name(doc: Document, resolver: _Resolver, name_node: Node | None, symbolic: str) -> tuple[str | None, bool]:
    """How reports show a registry whose name is not a string literal: the value it resolves
    to (a parameter default or file, a module caller, a variable), else the expression's
    source text, shortened (the one a variable holds when the name is that variable, as
    ARM's readable_expression does); for a bare parameter (`name: name`), whose name says
    less than the declaration's, the symbolic name (`resource acr`), in backticks too.
    (None, False) for a literal name or none."""
    if name_node is None or name_node.kind == "string":
        return None, False
    resolved = resolver.resolve(doc, name_node, "name")
    if resolved.value and resolved.origin != Origin.NO_VALUE:  # '' (a placeholder default) names nothing
        return resolved.value, False
    # a variable is followed (its expression is fixed in the file); a parameter is not
    variables = _syntax_of(doc).variables
    source = name_node
    for _ in range(3):
        inner = variables.get(str(source.value).strip()) if source.kind == "expr" else None
        if inner is None or inner.kind != "expr":
            break
        source = inner
    text = str(source.value).strip()
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and symbolic:
        return symbolic, True
    return _short(text), True


def _has_private_endpoint(syntax: _Syntax, registry: _Resource, endpoints: list[_Resource | _Module]) -> bool:
    """A private endpoint in this file for the registry: a privateEndpoints resource or a
    private-endpoint module that names the registry, or a privateEndpoints resource for
    'registry' that names no registry of this file while this is the file's only one (its
    target then comes from a parameter: the one registry here is the likely one). An
    endpoint of another registry in the same file does not count: it gives this one no
    private path, and turning its public access off would cut its clients off."""
    def others() -> bool:  # (asked only when an endpoint needs it: per registry, it was quadratic)
        return any(r is not registry and "::" not in r.symbolic and _type_name(r.type_node) == REGISTRY_TYPE
                   for r in syntax.resources)

    for declaration in endpoints:
        if _mentions_symbol(syntax, declaration.syntax, registry.symbolic):
            return True
        if isinstance(declaration, _Resource) and any(g.lower() == "registry" for g in _group_ids(declaration.body)) \
                and not others():
            return True
    return False


def _group_ids(body: Node | None) -> Iterator[str]:
    props = body.get("properties") if body is not None else None
    if props is None or props.kind != "object":
        return
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        connections = props.get(key)
        for connection in (connections.items or ()) if connections is not None and connections.kind == "array" else ():
            inner = connection.get("properties") if connection.kind == "object" else None
            groups = inner.get("groupIds") if inner is not None and inner.kind == "object" else None
            for group in (groups.items or ()) if groups is not None and groups.kind == "array" else ():
                if group.kind == "string":
                    yield group.value


def _mentions_symbol(syntax: _Syntax, root: SyntaxNode, symbol: str) -> bool:
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.type == "identifier" and syntax.source_text(node) == symbol and node != root:
            return True
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent() or cursor.node == root:
                return False
