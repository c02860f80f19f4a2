"""Bicep syntax as acr-fix sees it: offsets, the per-document syntax side table and the
builder that turns tree-sitter nodes into the generic ``Node``s of ``model.py``."""

from __future__ import annotations

import bisect
import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node as SyntaxNode
from tree_sitter import QueryCursor, Tree

from ... import REGISTRY_TYPE
from ...errors import ParseError
from ...model import Document, Member, Node
from ...source import SourceFile
from ..base import PRIVATE_ENDPOINT_TYPE
from .grammar import _COMMENTS

MAX_DEPTH = 200            # object/array nesting; deeper input is refused, not recursed into


def _type_name(type_node: Node) -> str:
    """The lower-case resource type of a `'Type@apiVersion'` string, also when the API version
    is interpolated (`'Microsoft.ContainerRegistry/registries@${apiVersion}'`, filled in by a
    build tool): the type itself is still literal. '' when the type is not."""
    if type_node.kind == "string":
        text = type_node.value
    elif type_node.kind == "expr" and str(type_node.value).startswith("'"):
        text = str(type_node.value)[1:]
        at, hole = text.find("@"), text.find("${")
        if at == -1 or (hole != -1 and hole < at):
            return ""
    else:
        return ""
    return text.split("@", 1)[0].strip().lower()
SPREAD = "..."  # key prefix of a spread member (`...base`) in an object
_REMOTE_MODULE = re.compile(r"^(br|ts)[:/]", re.IGNORECASE)


_UNION_MEMBER = re.compile(r"'((?:[^'\\\n]|\\.)*)'")


def _union_from_text(text: str, start: int, end: int, path: tuple) -> "_Union | None":
    """A string-literal union written in ``text[start:end]`` (`'a' | 'b'`, `(\n | 'a'\n | 'b')`)."""
    value = text[start:end]
    members = list(_UNION_MEMBER.finditer(value))
    if not members:
        return None
    rest = _UNION_MEMBER.sub("", value)
    if rest.strip(" \t\r\n|()"):
        return None  # something else than string literals
    values = [_ESCAPE.sub(lambda m: _unescape(m.group(0)), m.group(1)) for m in members]
    return _Union(end=start + members[-1].end(), values=values, path=path)


# --------------------------------------------------------------------------- offsets

class _Offsets:
    """tree-sitter byte offsets -> character offsets into the text (identity for ASCII)."""

    def __init__(self, text: str) -> None:
        self.ascii = text.isascii()
        self._byte_starts: list[int] = []
        self._extra_after: list[int] = []
        self._char_starts: list[int] = []   # character offset of each non-ASCII character
        if self.ascii:
            return
        extra = 0
        for match in re.finditer(r"[^\x00-\x7f]", text):
            code = ord(match.group(0))
            width = 2 if code < 0x800 else 3 if code < 0x10000 else 4
            self._byte_starts.append(match.start() + extra)
            self._char_starts.append(match.start())
            extra += width - 1
            self._extra_after.append(extra)

    def byte(self, char_offset: int) -> int:
        """The inverse of ``char``: a character offset as a UTF-8 byte offset."""
        if self.ascii:
            return char_offset
        index = bisect.bisect_left(self._char_starts, char_offset) - 1
        return char_offset + (self._extra_after[index] if index >= 0 else 0)

    def char(self, byte_offset: int) -> int:
        if self.ascii:
            return byte_offset
        index = bisect.bisect_left(self._byte_starts, byte_offset) - 1
        return byte_offset - (self._extra_after[index] if index >= 0 else 0)


# --------------------------------------------------------------------------- syntax side table

@dataclass(eq=False)
class _Param:
    name: str
    start: int
    type_text: str
    default: Node | None
    allowed: Node | None
    union: "_Union | None" = None      # a string-literal union type, inline or through a `type` alias
    type_name: str | None = None       # the alias the parameter's type names, if any


@dataclass(frozen=True)
class Gap:
    """A top-level statement the grammar cannot read, left out of the document: its span
    (character offsets, from its decorators to the next statement), the names it declares,
    and where and what the first error in it is."""

    start: int
    end: int
    line: int
    column: int
    problem: str                 # "unexpected `+`"
    declares: frozenset[str]     # names it declares (param, var, type, resource, module, func)
    mentions_registry: bool      # its text names the registry type or a registry module

    def where(self) -> str:
        return f"line {self.line}, column {self.column}: {self.problem}"


@dataclass(eq=False)
class _Span:
    start: int
    end: int


@dataclass(eq=False)
class _Union:
    """`'Basic' | 'Standard'`: where a new member goes and what is there."""

    end: int
    values: list[str]
    path: tuple


@dataclass(eq=False)
class _Resource:
    symbolic: str
    type_node: Node           # the 'Type@apiVersion' string
    body: Node | None         # the object, also inside if/for
    existing: bool
    start: int                # the `resource` keyword
    end: int
    head: int                 # first decorator, else start
    syntax: SyntaxNode
    loop: bool = False
    condition: bool = False


@dataclass(eq=False)
class _Module:
    symbolic: str
    path: str | None
    body: Node | None
    start: int
    end: int
    syntax: SyntaxNode


@dataclass(eq=False)
class _Syntax:
    """What the generic Nodes do not carry: tree-sitter nodes and declarations by name."""

    offsets: _Offsets
    text: str
    expressions: dict[int, SyntaxNode] = field(default_factory=dict)   # id(Node) -> syntax
    containers: dict[int, SyntaxNode] = field(default_factory=dict)    # id(object/array Node) -> syntax
    params: dict[str, _Param] = field(default_factory=dict)
    variables: dict[str, Node] = field(default_factory=dict)
    resources: list[_Resource] = field(default_factory=list)
    modules: list[_Module] = field(default_factory=list)
    using: str | None = None
    types: dict[str, _Union | None] = field(default_factory=dict)   # `type` aliases (None: not a string union)
    root: SyntaxNode | None = None
    tree: Tree | None = None          # kept when parsed from the text as written (see _reparse)
    uses: dict[str, list[int]] | None = None
    outputs: list["_Span"] = field(default_factory=list)
    imported: set[str] = field(default_factory=set)                  # names brought in by `import {...}`
    # compile-time imports: local name -> (the file, the exported name; None for `* as name`)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    opened: dict[int, int] = field(default_factory=dict)             # see _unparen_conditions
    # statements the grammar could not read and the reader left out (see syntax._tolerate)
    gaps: list["Gap"] = field(default_factory=list)

    def comments_between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """(start, end, text) of the comments that start in [start, end), in file order.
        Only the window is searched (most of a file never needs its comments)."""
        window = self.text[start:end]
        if "//" not in window and "/*" not in window:
            return []
        found: list[tuple[int, int, str]] = []
        if self.root is None:
            return found
        cursor = QueryCursor(_COMMENTS)
        cursor.set_byte_range(self.offsets.byte(start), self.offsets.byte(end))
        for node in cursor.captures(self.root).get("comment", []):
            first, last = self.span(node)
            if start <= first < end:
                found.append((first, last, self.text[first:last]))
        found.sort()
        return found

    def span(self, syntax: SyntaxNode) -> tuple[int, int]:
        start = self.offsets.char(syntax.start_byte)
        if self.opened and start in self.opened and syntax.type == "ternary_expression":
            start = self.opened[start]  # its condition's `(` was blanked for the grammar
        return start, self.offsets.char(syntax.end_byte)

    def source_text(self, syntax: SyntaxNode) -> str:
        start, end = self.span(syntax)
        return self.text[start:end]


_SYNTAX: "weakref.WeakKeyDictionary[Document, _Syntax]" = weakref.WeakKeyDictionary()


def release(doc: Document) -> None:
    """Forget the syntax tree kept for ``doc`` (after planning and verification)."""
    _SYNTAX.pop(doc, None)


def _syntax_of(doc: Document) -> _Syntax:
    try:
        return _SYNTAX[doc]
    except KeyError:
        raise ValueError(f"{doc.path}: not a document read by the Bicep reader") from None


def _value_after_equals(declaration: SyntaxNode) -> SyntaxNode | None:
    seen_equals = False
    for child in declaration.children:
        if seen_equals and child.is_named and child.type != "comment":
            return child
        if child.type == "=":
            seen_equals = True
    return None


def _first(declaration: SyntaxNode, *types: str) -> SyntaxNode | None:
    return next((c for c in declaration.named_children if c.type in types), None)


class _Builder:
    """Builds generic Nodes from syntax nodes, recording what resolution needs later."""

    def __init__(self, source: SourceFile, syntax: _Syntax) -> None:
        self.source = source
        self.syntax = syntax

    # -- values -----------------------------------------------------------------------
    def node(self, syntax_node: SyntaxNode, path: tuple, depth: int = 0) -> Node:
        """A generic Node for a value. Raises ParseError for nesting deeper than MAX_DEPTH."""
        if depth > MAX_DEPTH:
            line = self.source.line_of(self.syntax.offsets.char(syntax_node.start_byte))
            raise ParseError(f"{self.source.path}:{line}: nesting deeper than {MAX_DEPTH} levels", line)
        start, end = self.syntax.span(syntax_node)
        kind = syntax_node.type
        if kind == "object":
            members: list[Member] = []
            seen: dict[str, int] = {}
            for prop in syntax_node.named_children:
                if prop.type != "object_property":
                    continue
                parts = [c for c in prop.named_children if c.type not in ("comment", "diagnostic_comment")]
                if len(parts) < 2:
                    continue  # a nested `resource` declaration, not a key: value pair
                key_start, key_end = self.syntax.span(parts[0])
                if self.syntax.text.startswith("...", key_start):
                    # a spread (`...base`, masked for the grammar): kept as a member whose key
                    # says so; lookups treat a missing key in such an object as unknown
                    value = self.node(parts[-1], path + (SPREAD + str(len(members)),), depth + 1)
                    members.append(Member(key=SPREAD + self.syntax.source_text(parts[-1]), start=key_start,
                                          key_end=key_start + 3, value=value))
                    continue
                key = self._key(parts[0])
                if key.lower() in seen:
                    # BCP025: Bicep refuses duplicate properties; reading either value would be a guess.
                    line = self.source.line_of(key_start)
                    raise ParseError(f"{self.source.path}:{line}: invalid Bicep: property '{key}' is declared twice "
                                     f"(first on line {seen[key.lower()]})", line)
                seen[key.lower()] = self.source.line_of(key_start)
                value = self.node(parts[-1], path + (key,), depth + 1)
                members.append(Member(key=key, start=key_start, key_end=key_end, value=value))
            node = Node(kind="object", start=start, end=end, path=path, members=members)
            self.syntax.containers[id(node)] = syntax_node
            return node
        if kind == "array":
            items: list[Node] = []
            for item in syntax_node.named_children:
                if item.type in ("comment", "diagnostic_comment"):
                    continue
                items.append(self.node(item, path + (len(items),), depth + 1))
            node = Node(kind="array", start=start, end=end, path=path, items=items)
            self.syntax.containers[id(node)] = syntax_node
            return node
        if kind == "string":
            value = self._string_value(syntax_node)
            if value is not None:
                return Node(kind="string", start=start, end=end, path=path, value=value)
        elif kind == "number":
            try:
                return Node(kind="number", start=start, end=end, path=path, value=int(self.syntax.text[start:end]))
            except ValueError:
                pass
        elif kind == "boolean":
            return Node(kind="bool", start=start, end=end, path=path, value=self.syntax.text[start:end] == "true")
        elif kind == "null":
            return Node(kind="null", start=start, end=end, path=path, value=None)
        node = Node(kind="expr", start=start, end=end, path=path, value=self.syntax.text[start:end])
        self.syntax.expressions[id(node)] = syntax_node
        return node

    def _key(self, key_syntax: SyntaxNode) -> str:
        if key_syntax.type == "string":
            value = self._string_value(key_syntax)
            if value is not None:
                return value
        return self.syntax.source_text(key_syntax)

    def _string_value(self, string_syntax: SyntaxNode) -> str | None:
        """The decoded value of a string literal; None when it is interpolated."""
        children = string_syntax.children
        if not children:
            return None
        text = self.syntax.text
        if children[0].type == "'''":
            opening = self.syntax.offsets.char(string_syntax.start_byte)
            if opening > 0 and text[opening - 1] == "$":
                return None  # an interpolated multi-line string ($'''...${x}...'''): an expression
            # Multi-line strings have no escapes; a line break right after the opening
            # quotes is not part of the value.
            start = self.syntax.offsets.char(children[0].end_byte)
            end = self.syntax.offsets.char(children[-1].start_byte)
            value = text[start:end]
            if value.startswith("\r\n"):
                return value[2:]
            if value.startswith("\n"):
                return value[1:]
            return value
        if any(child.type == "interpolation" for child in children):
            return None
        # Decode from the text between the quotes: the grammar leaves some escapes (`\$`)
        # out of its children.
        start, end = self.syntax.span(string_syntax)
        return _ESCAPE.sub(lambda m: _unescape(m.group(0)), text[start + 1:end - 1])

    def plain(self, node: Node | None) -> Any:
        """The plain-Python view of a Node (expressions as their source text)."""
        if node is None:
            return None
        if node.kind == "object":
            return {m.key: self.plain(m.value) for m in node.members or ()}
        if node.kind == "array":
            return [self.plain(i) for i in node.items or ()]
        return node.value

    # -- declarations -----------------------------------------------------------------
    def named_value(self, declaration: SyntaxNode, section: tuple) -> tuple[str | None, Node | None]:
        name_syntax = _first(declaration, "identifier")
        if name_syntax is None:
            return None, None
        name = self.syntax.source_text(name_syntax)
        value_syntax = _value_after_equals(declaration)
        value = self.node(value_syntax, section + (name,)) if value_syntax is not None else None
        return name, value

    def union_of(self, type_syntax: SyntaxNode | None, path: tuple) -> _Union | None:
        """The string-literal union in a type (`'a' | 'b'`, or one string), else None."""
        if type_syntax is None:
            return None
        target = type_syntax
        if target.type == "type" and target.named_child_count == 1:
            target = target.named_children[0]
        if target.type == "string":
            members = [target]
        elif target.type == "union_type":
            members = list(target.named_children)
        else:
            return None
        values: list[str] = []
        for member in members:
            if member.type != "string":
                return None
            value = self._string_value(member)
            if value is None:
                return None
            values.append(value)
        return _Union(end=self.syntax.offsets.char(target.end_byte), values=values, path=path)

    def type_alias(self, declaration: SyntaxNode, data: dict) -> None:
        name_syntax = _first(declaration, "identifier")
        if name_syntax is None:
            return
        name = self.syntax.source_text(name_syntax)
        value = _value_after_equals(declaration)
        data.setdefault("type", {})[name] = self.syntax.source_text(value) if value is not None else None
        self.syntax.types[name] = self.union_of(value, ("type", name))

    def parameter(self, declaration: SyntaxNode, decorators: SyntaxNode | None, data: dict, kind: str) -> None:
        if kind == "bicepparam":
            name, value = self.named_value(declaration, ("param",))
            if name is not None:
                data.setdefault("param", {})[name] = self.plain(value)
                self.syntax.params[name] = _Param(name, self.syntax.offsets.char(declaration.start_byte), "", value, None)
            return
        name_syntax = _first(declaration, "identifier")
        if name_syntax is None:
            return
        name = self.syntax.source_text(name_syntax)
        type_syntax = _first(declaration, "type")
        type_text = self.syntax.source_text(type_syntax) if type_syntax is not None else ""
        if type_syntax is not None and self.syntax.text.startswith("?", self.syntax.offsets.char(type_syntax.end_byte)):
            type_text += "?"   # an optional object type's `?`, masked for the grammar (`param x {...}?`)
        entry: dict[str, Any] = {"type": type_text}
        value_syntax = _value_after_equals(declaration)
        default = self.node(value_syntax, ("param", name, "default")) if value_syntax is not None else None
        if default is not None:
            entry["default"] = self.plain(default)
        allowed = None
        for decorator in (decorators.named_children if decorators is not None else ()):
            call = _first(decorator, "call_expression")
            function = call.child_by_field_name("function") if call is not None else None
            arguments = call.child_by_field_name("arguments") if call is not None else None
            if function is None or arguments is None:
                continue
            if self.syntax.source_text(function).split(".")[-1] != "allowed":
                continue
            array = _first(arguments, "array")
            if array is not None:
                allowed = self.node(array, ("param", name, "allowed"))
                entry["allowed"] = self.plain(allowed)
        data.setdefault("param", {})[name] = entry
        union = self.union_of(type_syntax, ("param", name, "type"))
        type_name = None
        if union is None and type_syntax is not None and type_syntax.named_child_count == 1 \
                and type_syntax.named_children[0].type == "identifier":
            type_name = self.syntax.source_text(type_syntax.named_children[0])
        self.syntax.params[name] = _Param(name, self.syntax.offsets.char(declaration.start_byte), type_text,
                                          default, allowed, union, type_name)

    def resource(self, declaration: SyntaxNode, decorators: SyntaxNode | None, data: dict,
                 parent: str | None) -> None:
        name_syntax = _first(declaration, "identifier")
        type_syntax = _first(declaration, "string")
        if name_syntax is None or type_syntax is None:
            return
        symbolic = self.syntax.source_text(name_syntax)
        if parent is not None:
            symbolic = f"{parent}::{symbolic}"
        type_node = self.node(type_syntax, ("resource_type", symbolic))
        data.setdefault("resource_type", {})[symbolic] = self.plain(type_node)
        existing = any(c.type == "existing" for c in declaration.children)
        value = _value_after_equals(declaration)
        body_syntax, loop, condition = _unwrap_body(value)
        resource_type = _type_name(type_node)
        if parent is None and body_syntax is not None and resource_type not in (REGISTRY_TYPE, PRIVATE_ENDPOINT_TYPE):
            # Speed: acr-fix never reads or edits other resources, so their bodies stay
            # unparsed; for the semantic check before writing, their source text stands in
            # for their value (any change to them is then still caught).
            body = None
            data.setdefault("resource", {})[symbolic] = self.syntax.source_text(body_syntax)
            start, end = self.syntax.span(declaration)
            head = self.syntax.offsets.char(decorators.start_byte) if decorators is not None else start
            self.syntax.resources.append(_Resource(symbolic, type_node, body, existing, start, end, head,
                                                   declaration, loop, condition))
            return
        body = self.node(body_syntax, ("resource", symbolic)) if body_syntax is not None else None
        data.setdefault("resource", {})[symbolic] = self.plain(body)
        start, end = self.syntax.span(declaration)
        head = self.syntax.offsets.char(decorators.start_byte) if decorators is not None else start
        self.syntax.resources.append(_Resource(symbolic, type_node, body, existing, start, end, head,
                                               declaration, loop, condition))
        if body_syntax is not None:
            for prop in body_syntax.named_children:
                if prop.type != "object_property":
                    continue
                nested = _first(prop, "resource_declaration")
                if nested is not None:
                    self.resource(nested, None, data, symbolic)

    def module(self, declaration: SyntaxNode, data: dict) -> None:
        name_syntax = _first(declaration, "identifier")
        path_syntax = _first(declaration, "string")
        if name_syntax is None:
            return
        symbolic = self.syntax.source_text(name_syntax)
        body_syntax, _, _ = _unwrap_body(_value_after_equals(declaration))
        body = self.node(body_syntax, ("module", symbolic)) if body_syntax is not None else None
        data.setdefault("module", {})[symbolic] = self.plain(body)
        path = self._string_value(path_syntax) if path_syntax is not None else None
        start, end = self.syntax.span(declaration)
        self.syntax.modules.append(_Module(symbolic, path, body, start, end, declaration))


def _unwrap_body(value: SyntaxNode | None) -> tuple[SyntaxNode | None, bool, bool]:
    """The object of `= {...}`, `= if (c) {...}`, `= [for ...: {...}]`; (object, loop, condition)."""
    loop = condition = False
    for _ in range(3):
        if value is None:
            return None, loop, condition
        if value.type == "object":
            return value, loop, condition
        if value.type == "for_statement":
            loop = True
            value = value.child_by_field_name("body")
        elif value.type == "if_statement":
            condition = True
            value = _first(value, "object")
        else:
            return None, loop, condition
    return None, loop, condition


_ESCAPE = re.compile(r"\\(?:u\{[0-9A-Fa-f]{1,6}\}|.)", re.S)
_ESCAPES = {"\\'": "'", "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\$": "$", "\\{": "{"}


def _unescape(sequence: str) -> str:
    if sequence.startswith("\\u{") and sequence.endswith("}"):
        try:
            return chr(int(sequence[3:-1], 16))
        except (ValueError, OverflowError):
            return sequence
    return _ESCAPES.get(sequence, sequence)


def _condition_text(syntax: _Syntax, declaration: SyntaxNode) -> str | None:
    """The `if (...)` condition of a resource (also inside a `[for ...]`), as written."""
    value = _value_after_equals(declaration)
    for _ in range(3):
        if value is None:
            return None
        if value.type == "if_statement":
            condition = next((c for c in value.named_children if c.type != "object"), None)
            return syntax.source_text(condition) if condition is not None else None
        if value.type != "for_statement":
            return None
        value = value.child_by_field_name("body")
    return None
