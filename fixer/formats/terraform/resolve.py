"""Values of a Terraform registry in the rule's terms: ``Resolved`` objects made from the
places ``values.sources`` finds ('Disabled' for `public_network_access_enabled = false`)."""

from __future__ import annotations

from ...model import Node, Origin, Resolved
from .dialect import InvertedBool
from .syntax import Block, Expr
from .values import Deployment, Module, Source, TerraformDocument, node_of, sources


def indent_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def line_of(doc: TerraformDocument, offset: int, home: TerraformDocument) -> str:
    if doc is home:
        return f"line {doc.line(offset)}"
    return f"{home.path_to(doc)} line {doc.line(offset)}"


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
        where = line_of(source.doc, source.expr.start, home)
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


def for_deployments(expr: Expr, module: Module, doc: TerraformDocument, path: tuple, deploys: list[Deployment],
                     block: Block, prop: str) -> Resolved:
    found: list[Source] = []
    for deployment in deploys:
        found.extend(sources(expr, module, doc, path, deployment, (doc, block.start, block.end)))
    return resolved(found, prop, doc)


def absent(parent: Node | None, detail: str = "") -> Resolved:
    return Resolved(Origin.ABSENT, None, None, None, detail, parent=parent)


def module_default(value: str, detail: str) -> Resolved:
    """A module's default: known, and not written anywhere a fix could edit."""
    return Resolved(Origin.PARAMETER_DEFAULT, value, None, None, detail)

