"""Every registry of a Bicep file, and which of their definitions other resources share."""

from __future__ import annotations

import re

from tree_sitter import Query, QueryCursor

from ... import REGISTRY_TYPE
from ...model import Document, Node, Origin, Registry, Resolved
from ...workspace import Workspace
from ..module_refs import AVM_REGISTRY
from .deployments import _plain_key, _Resolver
from .grammar import _LANGUAGE
from .modules import _avm_registry, _other_registry_modules
from .nodes import _REMOTE_MODULE, _SYNTAX, Gap, _Syntax, _syntax_of, _type_name
from .pullers import _add_output_clients
from .resources import _private_endpoint_declarations, _registry

# --------------------------------------------------------------------------- registries

def find_registries(doc: Document, workspace: Workspace) -> list[Registry]:
    """Every top-level ``Microsoft.ContainerRegistry/registries`` resource in a .bicep file.

    Resources inside ``if``/``for`` count; nested child resources (replications, webhooks)
    and other files' resources do not. ``existing`` references come back with existing=True."""
    if doc.kind != "bicep":
        return []
    syntax = _syntax_of(doc)
    resolver = _Resolver(workspace, home=doc)
    endpoints = _private_endpoint_declarations(syntax)
    registries: list[Registry] = []
    for resource in syntax.resources:
        if "::" in resource.symbolic or resource.body is None:
            continue
        if _type_name(resource.type_node) != REGISTRY_TYPE:
            continue
        registry = _registry(doc, syntax, resource, resolver, endpoints)
        registry.index = len(registries)
        registries.append(registry)
    for module in syntax.modules:
        if module.body is not None and module.path and AVM_REGISTRY.match(module.path):
            registry = _avm_registry(doc, syntax, module, resolver)
            registry.index = len(registries)
            registries.append(registry)
    for registry in _other_registry_modules(doc, syntax, resolver):
        registry.index = len(registries)
        registries.append(registry)
    if syntax.gaps:
        _mark_gap_dependencies(doc, syntax, registries)
        left_out = "; ".join(f"line {gap.line} ({gap.problem})" for gap in syntax.gaps)
        for registry in registries:
            if registry.manual_reason is None:
                registry.notes.append(f"acr-fix cannot read the statement(s) at {left_out}; none of them is "
                                      "something this registry depends on, and they are kept as they are")
        for gap in syntax.gaps:
            if gap.mentions_registry:
                registry = _registry_in_gap(doc, gap)
                registry.index = len(registries)
                registries.append(registry)
    _mark_shared_definitions(registries)
    _add_output_clients(doc, syntax, registries, resolver)
    return registries


_GAP_REGISTRY_NAME = re.compile(r"(?:resource|module)[ \t]+([A-Za-z_][A-Za-z0-9_]*)")


def _top_level_spans(syntax: _Syntax) -> dict[str, tuple[int, int]]:
    """Name -> (start, end) of each top-level declaration the grammar read."""
    spans: dict[str, tuple[int, int]] = {}
    if syntax.root is None:
        return spans
    for child in syntax.root.named_children:
        named = child.named_children
        if named and named[0].type == "identifier" and child.type != "decorators":
            spans.setdefault(syntax.source_text(named[0]), syntax.span(child))
    return spans


def _statement_of(syntax: _Syntax, offset: int) -> tuple[int, int] | None:
    if syntax.root is None:
        return None
    byte = syntax.offsets.byte(offset)
    for child in syntax.root.named_children:
        if child.start_byte <= byte < child.end_byte:
            return syntax.span(child)
    return None


def _mark_gap_dependencies(doc: Document, syntax: _Syntax, registries: list[Registry]) -> None:
    """A registry whose declaration, or a declaration its values depend on (followed through
    the names each one's text uses), names something declared in a statement the grammar
    cannot read is a check by hand: acr-fix cannot know that value. (A name used as an
    object key or after a dot is no use of a symbol.)"""
    in_gap = {name: gap for gap in syntax.gaps for name in gap.declares}
    if not in_gap:
        return
    declarations = _top_level_spans(syntax)
    uses = _symbol_uses(doc)   # names used as values (not keys, not `.property`), and where

    def names_in(start: int, end: int) -> list[str]:
        return [name for name, offsets in uses.items() if any(start <= offset < end for offset in offsets)]

    for registry in registries:
        span = _statement_of(syntax, registry.node.start if registry.declared_at is None else registry.declared_at)
        if span is None:
            continue
        seen: set[str] = set()
        pending = [span]
        found = None
        while pending and found is None:
            start, end = pending.pop()
            for word in names_in(start, end):
                if word in seen:
                    continue
                seen.add(word)
                if word in in_gap:
                    found = word
                    break
                if word in declarations:
                    pending.append(declarations[word])
        if found is not None:
            gap = in_gap[found]
            registry.manual_reason = (f"its values depend on '{found}', declared in a statement acr-fix cannot read "
                                      f"(line {gap.line}, column {gap.column}: {gap.problem}); check it by hand")


def _registry_in_gap(doc: Document, gap: Gap) -> Registry:
    """A registry (or registry module call) declared in a statement the grammar cannot read:
    reported as a check by hand at that statement, never written."""
    text = doc.source.text[gap.start:gap.end]
    named = _GAP_REGISTRY_NAME.search(text)
    symbolic = named.group(1) if named else None
    declared = gap.start + (named.start() if named else 0)
    node = Node(kind="object", start=gap.start, end=gap.end, path=("resource", symbolic or "?"), members=[])
    line = doc.line(declared)
    detail = f"the registry is declared in a statement acr-fix cannot read (line {gap.line}: {gap.problem})"
    unknown = Resolved(Origin.EXPRESSION, doc=doc, detail=detail)
    return Registry(
        doc=doc, name=symbolic or f"line {gap.line}", node=node, line=line,
        api_version=Resolved(Origin.EXPRESSION, doc=doc), sku_name=Resolved(Origin.EXPRESSION, doc=doc),
        public_network_access=unknown, default_action=Resolved(Origin.EXPRESSION, doc=doc),
        bypass=Resolved(Origin.EXPRESSION, doc=doc), properties=None, network_rule_set=None, ip_rules=None,
        sku=None, symbolic=symbolic, declared_at=declared,
        manual_reason=(f"the statement at line {line} declares or calls a registry, but acr-fix cannot read it "
                       f"({gap.where()}); check its network access by hand"),
    )


_IDENTIFIERS = Query(_LANGUAGE, "(identifier) @identifier")


def _symbol_uses(doc: Document) -> dict[str, list[int]]:
    """Where each name is used as a value in ``doc`` (not where it is declared, not as an
    object key or a property after a dot): name -> character offsets. Built once per file."""
    syntax = _syntax_of(doc)
    if syntax.uses is not None:
        return syntax.uses
    uses: dict[str, list[int]] = {}
    root = syntax.root
    if root is not None:
        for node in QueryCursor(_IDENTIFIERS).captures(root).get("identifier", []):
            parent = node.parent
            if parent is None:
                continue
            kind = parent.type
            if kind in ("parameter_declaration", "variable_declaration", "resource_declaration",
                        "module_declaration", "output_declaration", "type_declaration", "user_defined_function",
                        "metadata_declaration") and parent.named_children and parent.named_children[0] == node:
                continue  # the declared name itself
            if kind == "object_property" and parent.named_children and parent.named_children[0] == node:
                continue  # a key
            if kind == "member_expression" and node.prev_sibling is not None and node.prev_sibling.type in (".", ".?"):
                continue  # `x.name`: a property, not the symbol
            start = syntax.offsets.char(node.start_byte)
            uses.setdefault(syntax.text[start:syntax.offsets.char(node.end_byte)], []).append(start)
    syntax.uses = uses
    return uses


def _named_at_most_once_outside(text: str, name: str, spans: list[tuple[int, int]]) -> bool:
    """True when ``name`` occurs as a word at most once outside ``spans``. Every use of a symbol
    is such an occurrence and so is its declaration (or import), so then nothing else uses it."""
    outside = 0
    for match in re.finditer(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text):
        if not any(start <= match.start() < end for start, end in spans):
            outside += 1
            if outside > 1:
                return False
    return True


def _mark_shared_definitions(registries: list[Registry]) -> None:
    """Flag values whose parameter or variable other declarations use too: a fix there
    would change them as well. Uses inside registries and in outputs do not count."""
    for registry in registries:
        for resolved in (registry.sku_name, registry.public_network_access, registry.default_action, registry.bypass):
            for place in (resolved, *resolved.also):
                name = place.param or place.variable
                owner = place.symbol_doc
                if not name or owner is None or owner.kind != "bicep" or owner not in _SYNTAX:
                    continue
                syntax = _syntax_of(owner)
                own = [(r.node.start, r.node.end) for r in registries if r.doc is owner]
                own += [(r.start, r.end) for r in syntax.resources
                        if r.body is not None and _type_name(r.type_node) == REGISTRY_TYPE]
                own += [(o.start, o.end) for o in syntax.outputs]
                # a module call that deploys this registry passes the value to it: not another user
                target = _plain_key(registry.doc.path)
                own += [(m.start, m.end) for m in syntax.modules
                        if m.path and not _REMOTE_MODULE.match(m.path) and _plain_key(owner.path.parent / m.path) == target]
                if place.origin == Origin.MODULE_CALLER:
                    continue  # the caller passes this value for this module only
                if _named_at_most_once_outside(syntax.text, name, own):
                    continue  # only its declaration names it: no other user (no need to walk the tree)
                for offset in _symbol_uses(owner).get(name, []):
                    if not any(start <= offset < end for start, end in own):
                        where = "this file" if owner is registry.doc else registry.doc.path_to(owner)
                        user = _declaration_at(syntax, offset)
                        place.shared = (f"'{name}' is also used by {user} ({where}, line {owner.line(offset)})" if user
                                        else f"'{name}' is also used elsewhere in {where} (line {owner.line(offset)})")
                        break


_DECLARATION_WORDS = {"resource_declaration": "resource", "module_declaration": "module",
                      "variable_declaration": "variable", "parameter_declaration": "parameter",
                      "output_declaration": "output", "user_defined_function": "function"}


def _declaration_at(syntax: _Syntax, offset: int) -> str | None:
    """The top-level declaration around ``offset``, as the user wrote it (`resource 'settings'`),
    or None outside any (or for a kind without a name)."""
    if syntax.root is None:
        return None
    byte = syntax.offsets.byte(offset)
    for child in syntax.root.named_children:
        if child.start_byte <= byte < child.end_byte:
            word = _DECLARATION_WORDS.get(child.type)
            named = child.named_children
            if word is None or not named or named[0].type != "identifier":
                return None
            return f"{word} '{syntax.source_text(named[0])}'"
    return None
