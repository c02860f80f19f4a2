"""Values known statically: what an expression evaluates to when every deployment (parameter
files, linked-template callers, defaults) agrees on it."""

from __future__ import annotations

import re
from typing import Any

from ...model import Node, Origin, Resolved
from .. import armexpr, values
from ..param_files import values_in_parameter_files
from ..values import Known
from .template import (
    _MAX_RESOLVE_DEPTH,
    Scope,
    _is_expression,
    _short,
    readable_expression,
)

# --------------------------------------------------------------------------- known values

def _known_inside(expression: Node, scope: Scope, path: tuple[str, ...], what: str) -> Resolved | None:
    """The value at ``path`` inside the object an expression stands for, when every deployment
    gives it the same one (`"networkRuleSet": "[if(c, createObject('defaultAction', 'Deny'),
    null())]"`): read, never edited (it is an expression). None when it is not known."""
    tree = armexpr.parse(str(expression.value))
    known = _known(tree, scope) if tree is not None else None
    if known is None:
        return None
    value = known.value
    for key in path:
        if value is None:
            break   # a null object: nothing inside is set
        value = values.member(value, key)
    doc = scope.doc
    if value is None:
        # unset, like a missing property, but by the expression (its node): not writable there
        return Resolved(Origin.ABSENT, doc=doc, node=expression,
                        detail=f"{what} is unset by the expression {_short(str(expression.value))} "
                               f"(line {doc.line(expression)})")
    if not isinstance(value, str):
        return None
    because = f" because {known.why()}" if known.facts else ""
    return Resolved(Origin.EXPRESSION, value=value, doc=doc, node=expression, reads=known.reads,
                    detail=f"{what} is inside the expression {_short(str(expression.value))} (line {doc.line(expression)}), "
                           f"where it is '{value}'{because}")


def _known(tree: tuple, scope: Scope, depth: int = 0) -> Known | None:
    """The value of an expression tree (see armexpr) when every deployment gives it the same
    one: literals, parameters() and variables() (through parameter files, values passed to a
    nested deployment and defaults), members, if(), not(), and(), or(), equals(), empty(),
    coalesce(), toLower(), toUpper(), bool(), createArray(), createObject(), true(), false(),
    null(). None when it is not known."""
    if depth > _MAX_RESOLVE_DEPTH:
        return None
    kind = tree[0]
    if kind == "literal":
        return Known(tree[1])
    if kind in ("property", "index"):
        base = _known(tree[1], scope, depth + 1)
        key = Known(tree[2]) if kind == "property" else _known(tree[2], scope, depth + 1)
        if base is None or key is None:
            return None
        if isinstance(key.value, int) and not isinstance(key.value, bool) and isinstance(base.value, list):
            value = base.value[key.value] if 0 <= key.value < len(base.value) else values.OPAQUE
        elif isinstance(key.value, str):
            value = values.member(base.value, key.value)
        else:
            return None
        return None if value is values.OPAQUE else base.because(key).with_value(value)
    name, args = tree[1], tree[2]
    if name in ("parameters", "variables") and len(args) == 1 and isinstance(armexpr.literal_text(args[0]), str):
        symbol = armexpr.literal_text(args[0]) or ""
        return _known_parameter(symbol, scope, depth) if name == "parameters" else _known_variable(symbol, scope, depth)
    if name in ("true", "false", "null") and not args:
        return Known({"true": True, "false": False, "null": None}[name])
    if name == "if" and len(args) == 3:
        condition = _known_bool(args[0], scope, depth)
        if condition is not None:
            chosen = _known(args[1] if condition.value else args[2], scope, depth + 1)
            return chosen.because(condition) if chosen is not None else None
        first, second = (_known(a, scope, depth + 1) for a in args[1:])
        if first is not None and second is not None and values.same(first.value, second.value):
            return first.because(second)
        return None
    if name in ("and", "or") and len(args) >= 2:
        decisive = name == "or"   # the value that decides alone
        parts = []
        for arg in args:
            part = _known_bool(arg, scope, depth)
            if part is not None and part.value is decisive:
                return part
            parts.append(part)
        if any(p is None for p in parts):
            return None
        return parts[0].because(*parts[1:])  # type: ignore[union-attr]
    if name == "coalesce" and args:
        seen: list[Known] = []
        for arg in args:
            part = _known(arg, scope, depth + 1)
            if part is None:
                return None
            if part.value is not None:
                return part.because(*seen)
            seen.append(part)
        return seen[0].because(*seen[1:])
    if name == "createarray":
        parts = [_known(a, scope, depth + 1) for a in args]
        return Known([p.value if p is not None else values.OPAQUE for p in parts]).because(*(p for p in parts if p))
    if name == "createobject" and len(args) % 2 == 0:
        keys = [armexpr.literal_text(a) for a in args[::2]]
        if any(k is None for k in keys):
            return None
        parts = [_known(a, scope, depth + 1) for a in args[1::2]]
        return Known({k: p.value if p is not None else values.OPAQUE for k, p in zip(keys, parts)}) \
            .because(*(p for p in parts if p))
    arguments = [_known(a, scope, depth + 1) for a in args]
    if any(a is None for a in arguments):
        return None
    known: list[Known] = arguments  # type: ignore[assignment]
    if name == "not" and len(known) == 1 and isinstance(known[0].value, bool):
        return known[0].with_value(not known[0].value)
    if name == "equals" and len(known) == 2:
        result = values.equal(known[0].value, known[1].value)
        return known[0].because(known[1]).with_value(result) if result is not None else None
    if name == "empty" and len(known) == 1:
        result = values.empty(known[0].value)
        return known[0].with_value(result) if result is not None else None
    if name in ("tolower", "toupper") and len(known) == 1 and isinstance(known[0].value, str):
        return known[0].with_value(known[0].value.lower() if name == "tolower" else known[0].value.upper())
    if name == "bool" and len(known) == 1:
        value = known[0].value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return known[0].with_value(value.lower() == "true")
        return known[0] if isinstance(value, bool) else None
    return None


def _known_bool(tree: tuple, scope: Scope, depth: int) -> Known | None:
    known = _known(tree, scope, depth + 1)
    return known if known is not None and isinstance(known.value, bool) else None


def _known_node(node: Node | None, scope: Scope, depth: int) -> Known | None:
    """The value of a JSON node of ``scope``'s template, its expressions evaluated there."""
    if node is None or depth > _MAX_RESOLVE_DEPTH:
        return None
    if node.kind == "string" and node.value.startswith("[") and not node.value.startswith("[["):
        tree = armexpr.parse(node.value)
        return _known(tree, scope, depth + 1) if tree is not None else None
    if node.kind in ("array", "object"):
        children = node.items or () if node.kind == "array" else [m.value for m in node.members or ()]
        parts = [_known_node(child, scope, depth + 1) for child in children]
        plain = [p.value if p is not None else values.OPAQUE for p in parts]
        value = plain if node.kind == "array" else {m.key: v for m, v in zip(node.members or (), plain)}
        return Known(value).because(*(p for p in parts if p))
    value = values.of_json(node)
    return None if value is values.OPAQUE else Known(value)


def _known_variable(name: str, scope: Scope, depth: int) -> Known | None:
    known = _known_node(scope.variable(name), scope, depth + 1)
    if known is not None and not known.facts:
        known = Known(known.value, (f"variable '{name}' is {values.show(known.value)}",))
    return known


def _known_parameter(name: str, scope: Scope, depth: int) -> Known | None:
    """The value of parameter ``name`` when every deployment gives it the same one: the value
    passed to a nested deployment; else each parameter file's and what each linked-template
    caller passes, and the default where one of them leaves it unset (or when there is
    neither a parameter file nor a caller)."""
    if depth > _MAX_RESOLVE_DEPTH:
        return None
    if scope.parent is not None:
        kind, payload = passed_entry(scope.passing, name, scope.parent, depth)
        if kind in ("node", "known"):
            known = _known_node(payload, scope.parent, depth + 1) if kind == "node" else payload[0]
            if known is None:
                return None
            return Known(known.value, (f"parameter '{name}' is {values.show(known.value)} (passed to {scope.label})",),
                         known.reads | {name})
        if kind != "absent":
            return None
    declared = scope.parameter(name)
    if declared is None or declared.kind != "object":
        return None
    setting = values_in_parameter_files(scope.param_files, name)
    if setting is None:
        return None
    found, unset = [Known(v) for v in setting[0]], setting[1]
    # every parameter file and every linked-template caller is a deployment of its own; with
    # neither, the template is deployed with its defaults
    callers = scope.callers()
    if not scope.param_files and not callers:
        unset = True
    if callers:
        for caller in callers:
            kind, payload = passed_entry(caller.parameters, name, caller.scope, depth)
            if kind == "absent" and caller.parameters_link is None:
                unset = True
                continue
            known = _known_node(payload, caller.scope, depth + 1) if kind == "node" else \
                payload[0] if kind == "known" else None
            if known is None:
                return None
            found.append(known)
    if unset:
        nullable = declared.get("nullable")
        if declared.get("defaultValue") is None and nullable is not None and nullable.kind == "bool" and nullable.value:
            default: Known | None = Known(None)   # a nullable parameter nobody sets is null
        else:
            default = _known_node(declared.get("defaultValue"), scope, depth + 1)
        if default is None:
            return None
        found.append(default)
    if not found:
        return None
    first = found[0].value
    if any(not values.same(k.value, first) for k in found[1:]) or values.has_opaque(first) and not isinstance(first, (list, dict)):
        return None
    why = "its default" if unset and len(found) == 1 else \
        "in every parameter file and passed by every caller" if callers and scope.param_files else \
        "passed by every caller" if callers else "in every parameter file"
    return Known(first, (f"parameter '{name}' is {values.show(first)} ({why})",),
                 frozenset({name}).union(*(k.reads for k in found)))


def passed_entry(parameters: Node | None, name: str, source: Scope, depth: int = 0) -> tuple[str, Any]:
    """What a deployment's `properties.parameters` (``parameters``, read in ``source``)
    passes for parameter ``name``, as (kind, payload):

    - ("absent", None): nothing; the template's default applies
    - ("node", value node): `{"value": ...}`, to be read in ``source``
    - ("known", (Known, node)): an expression every deployment gives the same value, e.g. what Bicep
      compiles a ternary module argument to: `[if(c, createObject('value', 'a'), createObject('value', 'b'))]`
      (for the entry, or for the whole parameters object)
    - ("reference", entry): a Key Vault reference
    - ("expression", node): an expression acr-fix cannot evaluate (or an entry it cannot read)
    """
    if parameters is None:
        return "absent", None
    entry: Node | None = None
    if parameters.kind == "object":
        entry = parameters.get(name)
        if entry is None:
            return "absent", None
        if entry.kind == "object":
            value = entry.get("value")
            if value is not None:
                return "node", value
            return ("reference" if entry.get("reference") is not None else "expression"), entry
    holder = entry if entry is not None else parameters
    if holder.kind != "string" or not _is_expression(holder.value):
        return "expression", holder
    tree = armexpr.parse(holder.value)
    known = _known(tree, source, depth + 1) if tree is not None else None
    if known is None:
        return "expression", holder
    value = known.value
    if entry is None:   # the whole parameters object
        if isinstance(value, dict) and not any(k.lower() == name.lower() for k in value):
            return "absent", None
        value = values.member(value, name)
    value = values.member(value, "value")
    if value is values.OPAQUE or values.has_opaque(value) and not isinstance(value, (list, dict)):
        return "expression", holder
    return "known", (known.with_value(value), holder)


def readable_passed(text: str, scope: Scope | None = None) -> str:
    """An expression that passes a deployment parameter, as a report shows it:
    `createObject('value', 'Basic')` (what Bicep compiles a module argument to) as `'Basic'`."""
    return readable_expression(_CREATE_VALUE.sub(r"\1", text), scope)


_CREATE_VALUE = re.compile(r"createObject\(\s*'value'\s*,\s*('(?:[^']|'')*'|[^(),']*(?:\([^()]*\))?)\s*\)", re.IGNORECASE)


