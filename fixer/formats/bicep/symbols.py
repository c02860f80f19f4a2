"""Symbols and values: follow a value in one template to where it is defined (parameters,
variables, imports, ternaries), without looking at who deploys the template."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tree_sitter import Node as SyntaxNode

from ...model import Document, Node, Origin, Resolved
from ...workspace import Workspace
from .. import values
from ..values import Known
from .nodes import (
    _REMOTE_MODULE,
    _SYNTAX,
    SPREAD,
    _Builder,
    _first,
    _Module,
    _Param,
    _Syntax,
    _syntax_of,
)

_MAX_RESOLVE_DEPTH = 12    # parameter -> variable -> caller hops before we give up


# --------------------------------------------------------------------------- resolution

class _ValueResolver:
    """Follows a value to where it is defined, across parameter files and module callers."""

    def __init__(self, workspace: Workspace, home: Document | None = None) -> None:
        self.workspace = workspace
        self.home = home  # the file whose registries are resolved: lines elsewhere name their file
        self._param_files: dict[Path, list[Document]] = {}
        self._callers: dict[Path, list[tuple[Document, _Module]]] = {}

    def _where(self, doc: Document, node: Node) -> str:
        if self.home is None or doc is self.home:
            return _where(doc, node)
        return f"{self.home.path_to(doc)} line {doc.line(node)}"

    def resolve(self, doc: Document, node: Node | None, what: str, depth: int = 0,
                keys: tuple[str, ...] = ()) -> Resolved:
        """Where ``node`` (or, with ``keys``, the member at that path inside the object it
        stands for) gets its value. ``what`` names the value in messages."""
        if node is None:
            return Resolved(Origin.ABSENT, doc=doc)
        if keys and node.kind == "object":
            # `sku: sku` with `param sku object = { name: 'Basic' }`: look inside the object.
            child = node.get(keys[0])
            if child is None:
                return Resolved(Origin.ABSENT, doc=doc, parent=node if len(keys) == 1 else None)
            return self.resolve(doc, child, what, depth, keys[1:])
        if keys and node.kind == "null":
            return Resolved(Origin.ABSENT, doc=doc)
        if keys and node.kind != "expr":
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} is inside a {node.kind}, not an object ({self._where(doc, node)})")
        if node.kind == "string":
            return Resolved(Origin.LITERAL, value=node.value, doc=doc, node=node)
        if node.kind == "null":
            return Resolved(Origin.ABSENT, doc=doc, node=node)
        where = self._where(doc, node)
        if node.kind != "expr":
            kind = {"bool": "a boolean"}.get(node.kind, f"an {node.kind}" if node.kind[0] in "aeiou" else f"a {node.kind}")
            return Resolved(Origin.EXPRESSION, doc=doc, node=node, detail=f"{what} is {kind}, not a string ({where})")
        if depth > _MAX_RESOLVE_DEPTH:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} is defined through too many indirections ({where})")
        syntax = _syntax_of(doc)
        expression = syntax.expressions.get(id(node))
        while expression is not None and expression.type == "parenthesized_expression":
            inner = [c for c in expression.named_children if c.type != "comment"]
            expression = inner[0] if len(inner) == 1 else None
        if expression is None:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from the expression `{_short(node.value)}` ({where})")
        if expression.type == "identifier":
            name = syntax.source_text(expression)
            if name in syntax.params or name in syntax.variables or name in syntax.imports:
                return self._symbol(doc, name, node, what, depth, keys)
            gap = next((g for g in syntax.gaps if name in g.declares), None)
            if gap is not None:
                return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                                detail=f"{what} comes from `{name}`, declared in a statement acr-fix cannot read "
                                       f"({doc.path.name} {gap.where()})")
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from `{name}`, which is neither a parameter nor a variable ({where})")
        member = _member_path(syntax, expression)
        if member is not None:
            # `cfg.sku` with `param cfg object = { sku: 'Basic' }` (or a .bicepparam, a caller):
            # the member inside the object the parameter or variable stands for
            name, path = member
            inner = self._symbol(doc, name, node, what, depth, path + keys)
            if inner.known and not _member_type_allows(doc, name, path, _FIXED_VALUE.get(what)):
                return Resolved(Origin.EXPRESSION, value=inner.value, doc=doc, node=node,
                                detail=f"{what} comes from `{_short(node.value)}` ({where}), and the type of parameter "
                                       f"'{name}' does not let acr-fix change it there")
            return inner
        if expression.type == "ternary_expression":
            return self._ternary(doc, node, expression, what, depth, keys)
        if keys:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} is inside the expression `{_short(node.value)}` ({where})")
        if expression.type in ("call_expression", "binary_expression"):
            # `toUpper(tier)`, `settings.sku ?? 'Premium'`: known when every part is
            known = self._known(doc, expression, depth + 1)
            if known is not None and isinstance(known.value, str):
                because = f" because {known.why()}" if known.facts else ""
                return Resolved(Origin.EXPRESSION, value=known.value, doc=doc, node=node,
                                detail=f"{what} comes from the expression `{_short(node.value)}` ({where}), which is "
                                       f"'{known.value}'{because}", reads=known.reads)
        if expression.type == "string":
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from the interpolated string `{_short(node.value)}` ({where})")
        if expression.type == "call_expression":
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from the function call `{_short(node.value)}` ({where})")
        return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                        detail=f"{what} comes from the expression `{_short(node.value)}` ({where})")

    def _symbol(self, doc: Document, name: str, node: Node, what: str, depth: int, keys: tuple[str, ...]) -> Resolved:
        """The value of parameter or variable ``name`` (at ``keys`` inside it)."""
        syntax = _syntax_of(doc)
        if name in syntax.params:
            return self._parameter(doc, name, node, what, depth, keys)
        if name not in syntax.variables:
            return self._imported(doc, name, node, what, depth, keys)
        inner = self.resolve(doc, syntax.variables[name], what, depth + 1, keys)
        if inner.origin == Origin.LITERAL:
            inner.origin = Origin.VARIABLE
            inner.detail = f"variable '{name}'{_members(keys)}"
            inner.variable, inner.symbol_doc = name, doc
        elif inner.origin in (Origin.EXPRESSION, Origin.NO_VALUE) and inner.detail:
            inner.detail += f", through variable '{name}'"
        return inner

    def _import_target(self, doc: Document, name: str, keys: tuple[str, ...]) -> tuple[Document, str, tuple[str, ...]] | None:
        """(the file, its exported variable, the keys left inside it) that imported ``name``
        (at ``keys``) stands for: `import { acr } from './shared.bicep'`, or `shared.acr.sku`
        with `import * as shared from ...`; None when that file or variable cannot be read."""
        entry = _syntax_of(doc).imports.get(name)
        if entry is None:
            return None
        path, exported = entry
        if exported is None:   # a namespace: its first member names the variable
            if not keys:
                return None
            exported, keys = keys[0], keys[1:]
        if _REMOTE_MODULE.match(path):
            return None  # from a registry: not in the scanned files
        other = self.workspace.document(doc.path.parent / path)
        if other is None or other.kind != "bicep" or other not in _SYNTAX or other is doc \
                or exported not in _syntax_of(other).variables:
            return None
        return other, exported, keys

    def _imported(self, doc: Document, name: str, node: Node, what: str, depth: int, keys: tuple[str, ...]) -> Resolved:
        """The value of an imported variable (`import { acrSettings } from './shared.bicep'`,
        `@export() var acrSettings = {...}` there). Known but never edited here: other files
        may import the same variable, so a change there is the user's call."""
        where = self._where(doc, node)
        entry = _syntax_of(doc).imports.get(name)
        target = self._import_target(doc, name, keys)
        if target is None:
            source = f" from '{entry[0]}'" if entry is not None else ""
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from `{_short(node.value)}`, imported{source}, which acr-fix cannot "
                                   f"read ({where})")
        other, exported, inner_keys = target
        inner = self.resolve(other, _syntax_of(other).variables[exported], what, depth + 1, inner_keys)
        declared = f"variable '{exported}'{_members(inner_keys)}, exported by {doc.path_to(other)} " \
                   f"(line {other.line(_syntax_of(other).variables[exported])})"
        if inner.known and inner.value is not None and not inner.also:
            return Resolved(Origin.EXPRESSION, value=inner.value, doc=doc, node=node,
                            detail=f"{what} comes from {declared}, imported here ({where}); acr-fix leaves an "
                                   f"exported variable to its file, as other files may import it",
                            reads=inner.reads)
        if inner.origin == Origin.ABSENT:
            # unset over there; this expression is what leaves it unset (never rewritten)
            return Resolved(Origin.ABSENT, doc=doc, node=node, reads=inner.reads,
                            detail=f"{what} is unset by {declared}, imported here ({where})")
        return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                        detail=f"{what} comes from {declared}, imported here ({where}): "
                               f"{inner.detail or 'an expression'}")

    def _ternary(self, doc: Document, node: Node, expression: SyntaxNode, what: str, depth: int,
                 keys: tuple[str, ...] = ()) -> Resolved:
        """`cond ? a : b` (with ``keys``: the member inside whichever object it picks). Never
        editable; its value is known when both branches agree, and its branches are kept for
        the rule when each is known (see Resolved.branches)."""
        syntax = _syntax_of(doc)
        builder = _Builder(doc.source, syntax)
        chosen_by: list[str | None] = []   # the value of each branch
        sure: list[bool] = []              # whether that value is the same in every deployment
        for field_name in ("consequence", "alternative"):
            branch = expression.child_by_field_name(field_name)
            if branch is None:
                chosen_by.append(None)
                sure.append(False)
                continue
            branch_node = builder.node(branch, node.path)
            branch_value = self.resolve(doc, branch_node, what, depth + 1, keys)
            chosen_by.append(branch_value.value)
            sure.append((branch_value.origin == Origin.ABSENT or branch_value.value is not None)
                        and not branch_value.also)
        known = all(sure)
        condition = expression.child_by_field_name("condition")
        if keys:
            detail = f"{what} is inside the expression `{_short(node.value)}` ({self._where(doc, node)})"
        else:
            detail = f"{what} comes from the expression `{_short(node.value)}` ({self._where(doc, node)})"
        # the same text means the same value only within one file (a caller's `private` is
        # not the module's)
        branches = (f"{doc.path}: {' '.join(syntax.source_text(condition).split())}", (chosen_by[0], chosen_by[1])) \
            if known and condition is not None else None
        if chosen_by[0] is not None and chosen_by[1] is not None and chosen_by[0].lower() == chosen_by[1].lower():
            return Resolved(Origin.EXPRESSION, value=chosen_by[0], doc=doc, node=node,
                            detail=detail + f", which is '{chosen_by[0]}' either way", branches=branches)
        decided = self._condition(doc, condition) if any(sure) and condition is not None else None
        if decided is not None and sure[0 if decided.value else 1]:
            # `private ? 'Disabled' : 'Enabled'` with `param private bool = false` and nothing
            # else setting it: the value is known (but not editable: it is an expression)
            chosen = chosen_by[0] if decided.value else chosen_by[1]
            if chosen is None:
                # `networkRuleSet: restricted ? {...} : null` with restricted false: unset, by
                # the expression (its node: never rewritten, see Resolved.parent)
                return Resolved(Origin.ABSENT, doc=doc, node=node, branches=branches, reads=decided.reads,
                                detail=detail + f", which leaves it unset because {decided.why()}")
            return Resolved(Origin.EXPRESSION, value=chosen, doc=doc, node=node,
                            detail=detail + f", which is '{chosen}' because {decided.why()}", branches=branches,
                            reads=decided.reads)
        return Resolved(Origin.EXPRESSION, doc=doc, node=node, detail=detail, branches=branches)

    def _condition(self, doc: Document, condition: SyntaxNode) -> Known | None:
        """The value of a condition when every deployment gives it the same one (see _known);
        None otherwise (or when it is not a bool)."""
        known = self._known(doc, condition)
        return known if known is not None and isinstance(known.value, bool) else None

    # -- values every deployment gives an expression ----------------------------------
    def _known(self, doc: Document, expression: SyntaxNode | None, depth: int = 0) -> Known | None:
        """The value of ``expression`` when every deployment gives it the same one: literals,
        parameters and variables (through parameter files, module callers and defaults),
        imported variables, `!`, `&&`, `||`, `==`, `!=`, `=~`, `!~`, `??`, `c ? a : b`,
        members (`cfg.sku`), empty(), toLower(), toUpper(), any(). None when it is not known."""
        if expression is None or depth > _MAX_RESOLVE_DEPTH:
            return None
        syntax = _syntax_of(doc)
        kind = expression.type
        parts = [c for c in expression.named_children if c.type not in ("comment", "diagnostic_comment")]
        if kind == "parenthesized_expression":
            return self._known(doc, parts[0], depth + 1) if len(parts) == 1 else None
        if kind == "unary_expression":
            if not syntax.source_text(expression).lstrip().startswith("!") or not parts:
                return None
            inner = self._known(doc, parts[-1], depth + 1)
            return inner.with_value(not inner.value) if inner is not None and isinstance(inner.value, bool) else None
        if kind == "binary_expression":
            operator = next((c.type for c in expression.children if not c.is_named), None)
            return self._known_binary(doc, operator, expression.child_by_field_name("left"),
                                      expression.child_by_field_name("right"), depth)
        if kind == "ternary_expression":
            condition = self._condition_at(doc, expression.child_by_field_name("condition"), depth)
            if condition is None:
                return None
            chosen = self._known(doc, expression.child_by_field_name("consequence" if condition.value else "alternative"),
                                 depth + 1)
            return chosen.because(condition) if chosen is not None else None
        if kind in ("string", "number", "boolean", "null", "array", "object"):
            node = _Builder(doc.source, syntax).node(expression, ())
            # (an interpolated string stays an expression: not known)
            return self._known_node(doc, node, depth + 1) if node.kind != "expr" else None
        if kind == "identifier":
            return self._known_symbol(doc, syntax.source_text(expression), (), depth + 1)
        if kind == "member_expression":
            member = _member_path(syntax, expression)
            if member is not None:
                return self._known_symbol(doc, member[0], member[1], depth + 1)
            return self._known_safe_member(doc, expression, depth + 1)
        if kind == "call_expression":
            function = expression.child_by_field_name("function")
            arguments = _first(expression, "arguments")
            name = syntax.source_text(function).removeprefix("sys.") if function is not None else ""
            args = [c for c in arguments.named_children if c.type not in ("comment", "diagnostic_comment")] \
                if arguments is not None else []
            if len(args) != 1 or name not in ("empty", "toLower", "toUpper", "any"):
                return None
            argument = self._known(doc, args[0], depth + 1)
            if argument is None or name == "any":   # any(): the value itself, untyped
                return argument
            if name == "empty":
                result = values.empty(argument.value)
                return argument.with_value(result) if result is not None else None
            if not isinstance(argument.value, str):
                return None
            return argument.with_value(argument.value.lower() if name == "toLower" else argument.value.upper())
        return None

    def _known_safe_member(self, doc: Document, expression: SyntaxNode, depth: int) -> Known | None:
        """`cfg.?publicNetworkAccess` (safe access, any `.?` on the way): null where a member is
        missing from an object whose keys are all known (a typed parameter's default without
        that optional member), else the member as `cfg.x` would give it. It reads that member
        only: its `reads` name the member (`cfg.publicNetworkAccess`), so a fix that changes
        another member of the same object (its SKU) is not taken to change this value."""
        syntax = _syntax_of(doc)
        steps: list[tuple[str, bool]] = []   # (key, safe), outermost last
        current: SyntaxNode | None = expression
        while current is not None and current.type == "member_expression":
            prop = current.child_by_field_name("property")
            if prop is None:
                return None
            steps.insert(0, (syntax.source_text(prop), any(c.type == ".?" for c in current.children)))
            current = current.child_by_field_name("object")
        if current is None or current.type != "identifier":
            return None
        name = syntax.source_text(current)
        if name not in syntax.params and name not in syntax.variables:
            return None
        base = self._known_symbol(doc, name, (), depth)
        if base is None:
            return None
        value = base.value
        missing: str | None = None   # the path of the member found missing, for the message
        for depth_in, (key, safe) in enumerate(steps):
            if safe and value is None:
                continue   # `a.?b.?c` with a.?b null: null
            if safe and isinstance(value, dict) and not any(k.lower() == key.lower() for k in value):
                missing = missing or ".".join([name, *(k for k, _ in steps[:depth_in])]) + f" has no '{key}'"
                value = None
                continue
            value = values.member(value, key)
        if values.has_opaque(value) and not isinstance(value, (list, dict)):
            return None
        shown = " ".join(syntax.source_text(expression).split())
        source = re.search(r"\(([^()]*)\)$", base.facts[0]) if base.facts else None
        where = f" ({source.group(1)})" if source else ""
        fact = f"{missing}{where}, so `{shown}` is null" if missing else f"`{shown}` is {values.show(value)}{where}"
        return Known(value, (fact,), frozenset({f"{name}.{'.'.join(k for k, _ in steps)}"}))

    def _condition_at(self, doc: Document, condition: SyntaxNode | None, depth: int) -> Known | None:
        known = self._known(doc, condition, depth + 1)
        return known if known is not None and isinstance(known.value, bool) else None

    def _known_binary(self, doc: Document, operator: str | None, left: SyntaxNode | None, right: SyntaxNode | None,
                      depth: int) -> Known | None:
        if operator in ("&&", "||"):
            decisive = operator == "||"   # the value that decides alone: true for ||, false for &&
            first = self._condition_at(doc, left, depth)
            if first is not None and first.value is decisive:
                return first
            second = self._condition_at(doc, right, depth)
            if second is not None and second.value is decisive:
                return second
            return first.because(second) if first is not None and second is not None else None
        first = self._known(doc, left, depth + 1)
        if operator == "??":
            if first is None:
                return None
            if first.value is not None:
                return first
            second = self._known(doc, right, depth + 1)
            return second.because(first) if second is not None else None
        if operator not in ("==", "!=", "=~", "!~") or first is None:
            return None
        second = self._known(doc, right, depth + 1)
        if second is None:
            return None
        result = values.equal(first.value, second.value, ignore_case=operator in ("=~", "!~"))
        if result is None:
            return None
        return first.because(second).with_value(result if operator in ("==", "=~") else not result)

    def _known_node(self, doc: Document, node: Node | None, depth: int) -> Known | None:
        """The value of a Node of ``doc`` (see _known); containers with unknown parts hold OPAQUE."""
        if node is None or depth > _MAX_RESOLVE_DEPTH:
            return None
        if node.kind in ("string", "bool", "number"):
            return Known(node.value)
        if node.kind == "null":
            return Known(None)
        if node.kind == "expr":
            return self._known(doc, _syntax_of(doc).expressions.get(id(node)), depth + 1)
        parts: list[Known] = []
        if node.kind == "array":
            items = []
            for item in node.items or ():
                known = self._known_node(doc, item, depth + 1)
                items.append(known.value if known is not None else values.OPAQUE)
                parts += [known] if known is not None else []
            return Known(items).because(*parts)
        if node.kind == "object":
            members = {}
            for entry in node.members or ():
                if entry.key.startswith(SPREAD):
                    return None  # its keys are not all written here
                known = self._known_node(doc, entry.value, depth + 1)
                members[entry.key] = known.value if known is not None else values.OPAQUE
                parts += [known] if known is not None else []
            return Known(members).because(*parts)
        return None

    def _known_symbol(self, doc: Document, name: str, keys: tuple[str, ...], depth: int) -> Known | None:
        """The value of parameter or variable ``name`` (at ``keys`` inside it) in every deployment."""
        if depth > _MAX_RESOLVE_DEPTH:
            return None
        syntax = _syntax_of(doc)
        where = f"variable '{name}'"   # what a literal value rests on
        shown_name = name + "".join("." + key for key in keys)
        if name in syntax.variables:
            known = self._known_node(doc, syntax.variables[name], depth + 1)
        elif name in syntax.params and doc.kind == "bicepparam":
            known = self._known_node(doc, syntax.params[name].default, depth + 1)
        elif name in syntax.params:
            known = self._known_parameter(doc, name, depth)
        else:
            target = self._import_target(doc, name, keys)
            if target is None:
                return None
            other, exported, keys = target
            where = f"variable '{exported}' exported by {doc.path_to(other)}"
            known = self._known_node(other, _syntax_of(other).variables[exported], depth + 1)
        if known is None:
            return None
        value = known.value
        for key in keys:
            value = values.member(value, key)
        if values.has_opaque(value) and not isinstance(value, (list, dict)):
            return None
        if not known.facts:
            return Known(value, (f"{shown_name} is {values.show(value)} ({where})",))
        return known.with_value(value)


def _allowed_type(doc: Document, declared: _Param) -> Any:
    """``Resolved.allowed_type`` for a parameter: its string-union type, inline or through a
    local `type` alias; a reason when the alias is imported from another file."""
    if declared.union is not None:
        union = declared.union
        return (doc, union.end, union.values, union.path)
    if declared.type_name is None:
        return None
    syntax = _SYNTAX.get(doc)
    if syntax is None:
        return None
    if declared.type_name in syntax.types:
        union = syntax.types[declared.type_name]
        return (doc, union.end, union.values, union.path) if union is not None else None
    if declared.type_name in syntax.imported:
        return (f"parameter '{declared.name}' has the type '{declared.type_name}', imported from another file; "
                f"its allowed values cannot be checked here")
    return None


def _where(doc: Document, node: Node) -> str:
    return f"line {doc.line(node)}"


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# The value a fix writes for each property the resolver is asked about.
_FIXED_VALUE = {"sku.name": "Premium", "publicNetworkAccess": "Disabled", "networkRuleSet.defaultAction": "Deny",
                "networkRuleBypassOptions": "AzureServices"}


def _member_type_allows(doc: Document, name: str, path: tuple[str, ...], value: str | None) -> bool:
    """Whether the declared type of parameter ``name`` lets its member at ``path`` become
    ``value``: the parameter is a plain `object`, or the member's type (in the parameter's
    type, inline or a local alias) is `string` or a union that names the value. Variables
    have no declared type."""
    syntax = _syntax_of(doc)
    if name not in syntax.params:
        return True
    type_text = syntax.params[name].type_text.strip()
    if type_text == "object":
        return True
    if type_text.isidentifier():
        type_text = ((doc.data or {}).get("type") or {}).get(type_text) or ""  # imported: unknown
    member = re.search(rf"(?<![A-Za-z0-9_]){re.escape(path[-1])}\s*:\s*([^\n]+)", type_text)
    if member is None:
        return False
    member_type = member.group(1).strip()
    return member_type == "string" or (value is not None and f"'{value}'" in member_type)


def _members(keys: tuple[str, ...]) -> str:
    """", member 'sku'" for a value inside an object parameter or variable."""
    return f", member '{'.'.join(keys)}'" if keys else ""


def _member_path(syntax: _Syntax, expression: SyntaxNode) -> tuple[str, tuple[str, ...]] | None:
    """`cfg.sku.name` -> ('cfg', ('sku', 'name')); None for anything else (`.?`, `cfg['x']`, calls)."""
    path: list[str] = []
    current: SyntaxNode | None = expression
    while current is not None and current.type == "member_expression":
        if any(child.type == ".?" for child in current.children):
            return None  # safe access: null when missing, which a plain member is not
        prop = current.child_by_field_name("property")
        if prop is None:
            return None
        path.insert(0, syntax.source_text(prop))
        current = current.child_by_field_name("object")
    if current is None or current.type != "identifier" or not path:
        return None
    name = syntax.source_text(current)
    if name not in syntax.params and name not in syntax.variables and name not in syntax.imports:
        return None
    return name, tuple(path)


def _calls(calls: list[str]) -> str:
    """"module 'a' in x.bicep and module 'b' in y.bicep"; after three, "... and 2 more"."""
    if len(calls) > 3:
        return ", ".join(calls[:3]) + f" and {len(calls) - 3} more"
    return calls[0] if len(calls) == 1 else ", ".join(calls[:-1]) + " and " + calls[-1]
