"""Symbols and values: follow a value to where it is defined (a literal, a parameter
default, a parameter file, a variable, a linked-template caller) or say why it cannot be known."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...model import Document, Node, Origin, Resolved
from .. import armexpr, values
from ..param_files import _PLACEHOLDER
from .known import _known, passed_entry, readable_passed
from .template import (
    _MAX_RESOLVE_DEPTH,
    _MEMBER_REF,
    _PARAM_REF,
    _VAR_REF,
    LinkCaller,
    Scope,
    _is_expression,
    _short,
)


def resolve(node: Node | None, scope: Scope, what: str, depth: int = 0) -> Resolved:
    """Follow a value to where it is defined. ``what`` names it in messages."""
    doc = scope.doc
    if node is None:
        return Resolved(Origin.ABSENT, doc=doc)
    if node.kind != "string":
        if node.kind == "null":
            return Resolved(Origin.ABSENT, doc=doc, node=node)
        return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                        detail=f"{what} is a {node.kind}, not a string (line {doc.line(node)})")
    text = node.value
    if not text.startswith("[") or text.startswith("[["):
        literal = text[1:] if text.startswith("[[") else text
        return Resolved(Origin.LITERAL, value=literal, doc=doc, node=node)
    if depth > _MAX_RESOLVE_DEPTH:
        return Resolved(Origin.EXPRESSION, doc=doc, node=node, detail=f"{what} is defined through too many indirections")
    param = _PARAM_REF.match(text)
    if param:
        return _resolve_parameter(param.group(1), node, scope, what, depth)
    member = _MEMBER_REF.match(text)
    if member:
        kind, name, key = member.group(1).lower(), member.group(2), member.group(3) or member.group(4)
        found = object_of_reference(kind, name, scope, depth + 1)
        if found is None:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from the expression {_short(text)} (line {doc.line(node)})")
        return resolve_member(found, key, scope, what, depth + 1)
    var = _VAR_REF.match(text)
    if var:
        name = var.group(1)
        target = scope.variable(name)
        if target is None:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} uses variables('{name}'), which the template does not define (line {doc.line(node)})")
        inner = resolve(target, scope, what, depth + 1)
        if inner.origin == Origin.LITERAL:
            inner.origin = Origin.VARIABLE
            inner.detail = f"variable '{name}'"
            inner.variable = name
        return inner
    tree = armexpr.parse(text)
    known = _known(tree, scope, depth + 1) if tree is not None else None
    choice = tree is not None and tree[0] == "call" and tree[1] == "if"
    if known is not None and (isinstance(known.value, str) or known.value is None and choice):
        # `[if(parameters('privateLinks'), 'Disabled', 'Enabled')]` with privateLinks false in
        # every deployment: the value is known (not editable: it is an expression)
        shown = f"'{known.value}'" if known.value is not None else "unset"
        why = f" because {known.why()}" if known.facts else " either way" if choice else ""
        return Resolved(Origin.EXPRESSION, value=known.value, doc=doc, node=node,
                        detail=f"{what} comes from the expression {_short(text)} (line {doc.line(node)}), "
                               f"which is {shown}{why}", reads=known.reads)
    return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                    detail=f"{what} comes from the expression {_short(text)} (line {doc.line(node)})")


def _resolve_parameter(name: str, ref: Node, scope: Scope, what: str, depth: int) -> Resolved:
    doc = scope.doc
    declared = scope.parameter(name)
    allowed = None
    if declared is not None and declared.kind == "object":
        allowed_node = declared.get("allowedValues")
        if allowed_node is not None and allowed_node.kind == "array":
            allowed = allowed_node
    # Inner-scope nested deployment: the value passed in by the outer template wins.
    if scope.parent is not None:
        kind, payload = passed_entry(scope.passing, name, scope.parent, depth)
        if kind == "node":
            inner = resolve(payload, scope.parent, what, depth + 1)
            if inner.origin == Origin.LITERAL:
                inner.detail = f"parameter '{name}' passed to {scope.label}"
            return inner
        if kind != "absent":
            node = payload[1] if kind == "known" else payload
            return _passed_unreadable(kind, payload, name, f"passed to {scope.label}", f"line {doc.line(node)}",
                                      scope.parent, what)
    found: list[Resolved] = []
    unset_in: list[Document] = []
    for param_doc in scope.param_files:
        params = param_doc.root.get("parameters")
        entry = params.get(name) if params is not None and params.kind == "object" else None
        if entry is None or entry.kind != "object":
            unset_in.append(param_doc)
            continue
        value_node = entry.get("value")
        if value_node is None:
            found.append(Resolved(Origin.EXPRESSION, doc=param_doc, node=entry,
                                  detail=f"{what} comes from parameter '{name}', which {param_doc.path.name} sets by reference (line {param_doc.line(entry)})"))
        elif value_node.kind == "string" and _PLACEHOLDER.match(value_node.value):
            found.append(Resolved(Origin.EXPRESSION, doc=param_doc, node=value_node,
                                  detail=f"{what} comes from parameter '{name}', which {param_doc.path.name} sets to the "
                                         f"placeholder '{value_node.value}' (line {param_doc.line(value_node)}), filled in "
                                         f"when it is deployed"))
        elif value_node.kind == "string" and not value_node.value.startswith("["):
            found.append(Resolved(Origin.PARAMETER_FILE, value=value_node.value, doc=param_doc, node=value_node,
                                  detail=f"parameter '{name}' in {param_doc.path.name}", allowed=allowed, allowed_doc=doc,
                                  param=name))
        else:
            found.append(Resolved(Origin.EXPRESSION, doc=param_doc, node=value_node,
                                  detail=f"{what} comes from parameter '{name}', set to a non-literal in {param_doc.path.name} (line {param_doc.line(value_node)})"))
    if found:
        unknown = next((r for r in found if r.origin == Origin.EXPRESSION), None)
        if unknown is not None:
            return unknown
    if declared is None:
        return Resolved(Origin.EXPRESSION, doc=doc, node=ref,
                        detail=f"{what} uses parameters('{name}'), which the template does not declare (line {doc.line(ref)})")
    # Each parameter file is a deployment of its own, and so is each linked-template caller
    # (which does not use this template's parameter files): all of them must be closed.
    callers = scope.callers()
    from_callers = _resolve_from_callers(name, declared, allowed, scope, callers, what, depth,
                                         [d.path.name for d in unset_in]) if callers else None
    places = found + ([from_callers, *from_callers.also] if from_callers is not None else [])
    # the default: for the parameter files that leave it unset, for callers that pass nothing
    # (from_callers has it, see there), and when nothing else deploys the template
    default_node = declared.get("defaultValue") if declared.kind == "object" else None
    needs_default = bool(unset_in) or from_callers is None and (callers or not scope.param_files)
    if not places or needs_default and default_node is not None and \
            not any(p.doc is doc and p.node is default_node for p in places):
        if default_node is None:
            if places:
                return _flat(places)   # a deployment without it fails: nothing to close there
            nobody = "no parameter file or caller sets it" if scope.param_files or callers else \
                "no parameter file sets it"
            return Resolved(Origin.NO_VALUE, doc=doc, node=declared,
                            detail=f"{what} comes from parameter '{name}', which has no default value and {nobody} (line {doc.line(declared)})")
        default = _resolve_default(name, declared, allowed, scope, what, depth)
        if not places:
            return default
        if default.origin != Origin.PARAMETER_DEFAULT:
            return default
        places.append(default)
    return _flat(places)


def _flat(places: list[Resolved]) -> Resolved:
    """One deployment's place with the others as its ``also``, each place once (the same
    node reached through two deployments is one edit)."""
    unique: list[Resolved] = []
    for place in (p for d in places for p in (d, *d.also)):
        if not any(u.doc is place.doc and u.node is place.node and place.node is not None for u in unique):
            unique.append(place)
    for place in unique:
        place.also = []
    primary, primary.also = unique[0], unique[1:]
    return primary


def _passed_unreadable(kind: str, payload: Any, name: str, passed: str, where: str, source: Scope,
                       what: str) -> Resolved:
    """A value a deployment passes that acr-fix cannot edit: an expression (known or not), a
    Key Vault reference. ``passed``: "passed to nested deployment 'x'" / "passed by deployment
    'x' in ../main.json"; ``where``: the line, as seen from the registry's file."""
    if kind == "known":
        known, holder = payload
        return Resolved(Origin.EXPRESSION, doc=source.doc, node=holder,
                        value=known.value if isinstance(known.value, str) else None,
                        detail=f"{what} comes from parameter '{name}', {passed} as the expression "
                               f"`{readable_passed(str(holder.value), source)}` ({where}), which is {values.show(known.value)}"
                               + (f" because {known.why()}" if known.facts else ""), reads=known.reads)
    node: Node = payload
    if kind == "reference":
        return Resolved(Origin.EXPRESSION, doc=source.doc, node=node,
                        detail=f"{what} comes from parameter '{name}', {passed} as a Key Vault reference ({where})")
    text = str(node.value) if node.kind == "string" else ""
    shown = f" `{readable_passed(text, source)}`" if _is_expression(text) else ""
    return Resolved(Origin.EXPRESSION, doc=source.doc, node=node,
                    detail=f"{what} comes from parameter '{name}', {passed} as an expression{shown} that the deploying "
                           f"template computes ({where})")


def _resolve_from_callers(name: str, declared: Node, allowed: Node | None, scope: Scope, callers: list[LinkCaller],
                          what: str, depth: int, unset_in: list[str] | None = None) -> Resolved | None:
    """Parameter ``name`` of a linked template, as its callers pass it: every caller is a
    deployment of its own (the value it passes, where that is defined in the caller; the
    default for those that pass none), like Bicep module callers. None when no caller passes
    anything (the default alone decides). ``unset_in``: the template's parameter files that
    leave it unset too (named with the callers when the default must change)."""
    deployments: list[Resolved] = []
    unreadable: list[Resolved] = []
    leaving: list[LinkCaller] = []   # callers that pass nothing: the default
    for caller in callers:
        kind, payload = passed_entry(caller.parameters, name, caller.scope, depth)
        if kind == "absent":
            link = caller.parameters_link
            if link is None:
                leaving.append(caller)
                continue
            unreadable.append(Resolved(Origin.EXPRESSION, doc=caller.doc, node=link,
                                       detail=f"{what} comes from parameter '{name}', and {caller.label} passes its "
                                              f"parameters in a linked parameter file (parametersLink, {caller.where(link)}), "
                                              f"which acr-fix cannot read"))
            continue
        if kind != "node":
            node = payload[1] if kind == "known" else payload
            unreadable.append(_passed_unreadable(kind, payload, name, f"passed by {caller.label}", caller.where(node),
                                                 caller.scope, what))
            continue
        inner = resolve(payload, caller.scope, what, depth + 1)
        if not inner.known:
            inner.detail = f"{caller.label} passes a value acr-fix cannot read ({inner.detail})"
            unreadable.append(inner)
            continue
        guard = _condition_reading_place(caller, inner)
        if guard is not None:
            return Resolved(Origin.EXPRESSION, value=inner.value, doc=caller.doc, node=payload,
                            detail=f"{what} comes from {guard} of {caller.relative}, which the condition of "
                                   f"{caller.label} also reads ({caller.where(payload)}); changing it could change "
                                   f"whether the registry is deployed")
        for place in (inner, *inner.also):
            _attribute_to_caller(place, caller, payload, name, scope)
        if allowed is not None:
            inner.allowed, inner.allowed_doc = allowed, scope.doc   # the linked template's list must allow it too
        deployments.append(inner)
    if not deployments and not unreadable:
        return None
    if leaving and declared.get("defaultValue") is not None:
        default = _resolve_default(name, declared, allowed, scope, what, depth)
        if not default.known:
            return default
        leavers = [c.label for c in leaving] + (unset_in or [])
        default.detail += ", which " + _calls(leavers) + " leave" + ("s" if len(leavers) == 1 else "") + " unset"
        deployments.append(default)
    if not deployments:
        return unreadable[0]
    # one flat list: a caller that is itself deployed several ways brings its own
    places = [place for d in deployments for place in (d, *d.also)] + unreadable
    for place in places:
        place.also = []
    primary, primary.also = places[0], places[1:]
    return primary


def _attribute_to_caller(place: Resolved, caller: LinkCaller, passed: Node, name: str, scope: Scope) -> None:
    """Say which caller deploys ``place`` (a value a caller passes to parameter ``name`` of the
    linked template of ``scope``), and whether changing it there would change something else:
    another user of the linked template's parameter, or of the caller's own parameter or
    variable that defines it (checked here, where the caller is known: see symbol_doc)."""
    if place.symbol_doc is not None:   # already attributed: it comes from a caller of the caller
        place.shared = place.shared or _linked_use(scope, name)
        return
    if place.origin == Origin.LITERAL:
        place.origin = Origin.MODULE_CALLER
        place.detail = f"parameter '{name}' passed by {caller.label}"
        place.param, place.symbol_doc = name, scope.doc
        place.shared = _linked_use(scope, name)
        return
    if place.origin not in (Origin.PARAMETER_DEFAULT, Origin.PARAMETER_FILE, Origin.VARIABLE):
        return
    passes = f"which {caller.name} passes as parameter '{name}'"
    if place.origin == Origin.PARAMETER_FILE and place.doc is not None:
        place.detail = f"parameter '{place.param}' in {scope.doc.path_to(place.doc)}, which {caller.label} passes as " \
                       f"parameter '{name}'"
    else:
        place.detail = f"{place.detail} of {caller.relative}, {passes}"
    place.symbol_doc = caller.doc
    place.shared = _caller_use(caller, passed, place) or _linked_use(scope, name)


def _calls(calls: list[str]) -> str:
    """"deployment 'a' in x.json and deployment 'b' in y.json"; after three, "... and 2 more"."""
    if len(calls) > 3:
        return ", ".join(calls[:3]) + f" and {len(calls) - 3} more"
    return calls[0] if len(calls) == 1 else ", ".join(calls[:-1]) + " and " + calls[-1]


def _condition_reading_place(caller: LinkCaller, place: Resolved) -> str | None:
    """"parameter 'sku'" when the linking deployment's `condition` reads the caller's
    parameter or variable that defines ``place``: changing it could switch the deployment off."""
    condition = caller.deployment.get("condition")
    if condition is None or condition.kind != "string" or place.doc is None:
        return None
    for kind, name, label in (("parameters", place.param, "parameter"), ("variables", place.variable, "variable")):
        if name and re.search(rf"{kind}\(\s*'{re.escape(name)}'\s*\)", condition.value, re.IGNORECASE) and \
                place.origin in (Origin.PARAMETER_DEFAULT, Origin.PARAMETER_FILE, Origin.VARIABLE):
            return f"{label} '{name}'"
    return None


def _linked_use(scope: Scope, name: str) -> str | None:
    """Another use of the linked template's parameter ``name`` (besides its registries and
    outputs): a value its caller passes changes that user too."""
    return scope.uses().other_use(scope.template, "parameters", name)


def _caller_use(caller: LinkCaller, passed: Node, place: Resolved) -> str | None:
    """Another use, in the caller, of the parameter or variable that defines ``place`` (besides
    passing it to this linked template here): a fix there would change that user too."""
    kind, name = ("variables", place.variable) if place.origin == Origin.VARIABLE else ("parameters", place.param)
    if not name:
        return None
    uses = _root_of(caller.scope).uses()
    parameters = caller.parameters
    deployment = caller.deployment
    if parameters is None:
        spans = [(deployment.start, deployment.end)]
    else:
        # the linking deployment's name, condition and dependencies are not another user, nor
        # the entry that passes the value; what it passes to its other parameters is
        spans = [(deployment.start, parameters.start), (parameters.end, deployment.end)]
        entry = next((m for m in parameters.members or () if m.value.start <= passed.start < m.value.end), None) \
            if parameters.kind == "object" else None
        spans.append((entry.start, entry.value.end) if entry is not None else (parameters.start, parameters.end))
    found = uses.other_use(uses.declaring(place), kind, name, extra_ignored=spans)
    return found.replace("elsewhere in the template", f"elsewhere in {caller.relative}") if found else None


def _resolve_default(name: str, declared: Node, allowed: Node | None, scope: Scope, what: str, depth: int) -> Resolved:
    inner = resolve(declared.get("defaultValue"), scope, what, depth + 1)
    if inner.origin == Origin.LITERAL:
        inner.origin = Origin.PARAMETER_DEFAULT
        inner.detail = f"default of parameter '{name}'"
        inner.allowed = allowed
        inner.allowed_doc = scope.doc
        inner.param = name
    return inner


def _root_of(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


@dataclass(eq=False)
class ObjectSource:
    """An object value (e.g. an object parameter's default) and where it is defined."""

    node: Node
    doc: Document
    origin: Origin
    detail: str
    # ("parameters" | "variables", name) whose value this object is: a member changed there
    # changes every other user of that parameter or variable too
    symbol: tuple[str, str] | None = None
    # the scope the object's own expressions are read in, when not the one asking
    home: Scope | None = None


def object_of_reference(kind: str, name: str, scope: Scope, depth: int = 0) -> ObjectSource | None:
    """The object that `parameters('name')` / `variables('name')` stands for, when it is a
    literal object (a parameter file value, a default, a variable); None otherwise."""
    if depth > _MAX_RESOLVE_DEPTH:
        return None
    if kind == "variables":
        target = scope.variable(name)
        if target is not None and target.kind == "object":
            return ObjectSource(target, scope.doc, Origin.VARIABLE, f"variable '{name}'", ("variables", name))
        if target is not None and target.kind == "string":
            return object_of_expression(target, scope, depth + 1)
        return None
    if scope.parent is not None:
        kind, value = passed_entry(scope.passing, name, scope.parent, depth)
        if kind == "node":
            if value.kind == "object":
                return ObjectSource(value, scope.parent.doc, Origin.LITERAL, f"passed as parameter '{name}' to {scope.label}",
                                    home=scope.parent)
            return object_of_expression(value, scope.parent, depth + 1)
        if kind != "absent":
            return None
    setting = []
    for param_doc in scope.param_files:
        params = param_doc.root.get("parameters")
        entry = params.get(name) if params is not None and params.kind == "object" else None
        if entry is not None and entry.kind == "object":
            setting.append((param_doc, entry.get("value")))
    callers = scope.callers()
    if setting:
        if len(setting) > 1 or len(setting) != len(scope.param_files) or callers:
            return None  # several deployments: not one place to edit
        param_doc, value = setting[0]
        if value is not None and value.kind == "object":
            return ObjectSource(value, param_doc, Origin.PARAMETER_FILE, f"parameter '{name}' in {param_doc.path.name}",
                                ("parameters", name))
        return None
    if callers:
        passing = [(caller, passed_entry(caller.parameters, name, caller.scope, depth)) for caller in callers]
        if any(kind != "absent" or caller.parameters_link is not None for caller, (kind, _) in passing):
            if len(callers) > 1 or scope.param_files:
                return None  # several deployments: not one place to edit
            caller, (kind, value) = passing[0]
            if kind != "node":
                return None
            if value.kind == "object":
                return ObjectSource(value, caller.doc, Origin.LITERAL, f"passed as parameter '{name}' by {caller.label}",
                                    home=caller.scope)
            return object_of_expression(value, caller.scope, depth + 1)
    declared = scope.parameter(name)
    default = declared.get("defaultValue") if declared is not None and declared.kind == "object" else None
    if default is not None and default.kind == "object":
        return ObjectSource(default, scope.doc, Origin.PARAMETER_DEFAULT, f"default of parameter '{name}'",
                            ("parameters", name))
    if default is not None and default.kind == "string":
        return object_of_expression(default, scope, depth + 1)
    return None


def object_of_expression(node: Node, scope: Scope, depth: int = 0) -> ObjectSource | None:
    """``object_of_reference`` for a string that is exactly a parameters()/variables() call."""
    if node.kind != "string":
        return None
    for pattern, kind in ((_PARAM_REF, "parameters"), (_VAR_REF, "variables")):
        match = pattern.match(node.value)
        if match:
            return object_of_reference(kind, match.group(1), scope, depth)
    return None


def resolve_member(source: ObjectSource, key: str, scope: Scope, what: str, depth: int = 0) -> Resolved:
    """The value of ``key`` inside an object defined elsewhere, attributed to that place."""
    member = source.node.get(key)
    if member is None:
        return Resolved(Origin.EXPRESSION, doc=source.doc, node=source.node,
                        detail=f"{what} is not set in {source.detail} (line {source.doc.line(source.node)})")
    inner_scope = source.home if source.home is not None else \
        scope if source.doc is scope.doc else Scope(doc=source.doc, template=source.doc.root)
    inner = resolve(member, inner_scope, what, depth)
    if inner.origin == Origin.LITERAL and source.origin != Origin.LITERAL:
        inner.origin = source.origin
        inner.detail = f"{source.detail}, member '{key}'"
        if source.symbol is not None:  # so the shared-use check sees the parameter or variable
            kind, name = source.symbol
            if kind == "parameters":
                inner.param = name
            else:
                inner.variable = name
    elif inner.origin == Origin.LITERAL and source.detail:
        inner.detail = f"{source.detail}, member '{key}'"
    return inner
