"""Terraform syntax: tree-sitter-hcl's tree turned into a small tree of blocks, attributes and
expressions, each with its character span in ``SourceFile.text``.

This is the only module of the Terraform reader that imports tree_sitter or knows the
grammar's node names. tree-sitter counts bytes; every span is converted to characters here,
once, so edits line up with the text the rest of acr-fix works on.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from ...errors import ParseError


@dataclass(eq=False)
class Expr:
    """An expression with its span. ``kind``: string | number | bool | null | tuple | object
    | template (a string with interpolations) | ref (`var.x`, `local.y`, `a.b.c`) | other.
    ``value``: the plain value of a literal; ``parts``: a ref's names (`var`, `x`);
    ``items``: a tuple's expressions; ``members``: an object's (key, key start, value)."""

    kind: str
    start: int
    end: int
    text: str
    value: Any = None
    parts: tuple[str, ...] = ()
    items: list["Expr"] = field(default_factory=list)
    members: list[tuple[str, int, "Expr"]] = field(default_factory=list)

    def member(self, key: str) -> "Expr | None":
        return next((value for name, _, value in self.members if name == key), None)


@dataclass(eq=False)
class Attribute:
    name: str
    start: int           # where the name starts
    end: int             # end of the value
    value: Expr


@dataclass(eq=False)
class Block:
    """`type "label" ... { body }`. ``open`` is the offset just after `{`, ``close`` the
    offset of `}`."""

    type: str
    labels: tuple[str, ...]
    start: int
    end: int
    open: int
    close: int
    body: "Body"


@dataclass(eq=False)
class Body:
    attributes: list[Attribute] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    def blocks_of(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]


@dataclass(eq=False)
class Comment:
    start: int
    end: int
    text: str


@dataclass(eq=False)
class Syntax:
    body: Body
    comments: list[Comment]


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


class _Offsets:
    """Byte offset -> character offset (identity for ASCII text)."""

    def __init__(self, text: str, data: bytes) -> None:
        self.identity = len(data) == len(text)
        if not self.identity:
            table = [0] * (len(data) + 1)
            pos = 0
            for index, char in enumerate(text):
                width = len(char.encode("utf-8", "surrogatepass"))
                for k in range(width):
                    table[pos + k] = index
                pos += width
            table[pos] = len(text)
            self.table = table

    def __call__(self, offset: int) -> int:
        return offset if self.identity else self.table[offset]


def parse_syntax(text: str, path: str) -> Syntax:
    """The blocks, attributes and comments of a .tf / .tfvars text. Raises ParseError (with
    the line of the first syntax error) when tree-sitter-hcl cannot read it."""
    data = text.encode("utf-8", "surrogatepass")
    tree = _parser().parse(data)
    root = tree.root_node
    if root.has_error:
        line = _first_error_line(root)
        raise ParseError(f"{path}:{line}: not valid HCL (Terraform syntax error near line {line})", line)
    offsets = _Offsets(text, data)
    reader = _Reader(text, data, offsets)
    body_node = next((c for c in root.children if c.type == "body"), None)
    body = reader.body(body_node) if body_node is not None else Body()
    return Syntax(body, reader.comments)


def _first_error_line(node: Any) -> int:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "ERROR" or current.is_missing:
            return current.start_point[0] + 1
        stack.extend(reversed(current.children))
    return node.start_point[0] + 1


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{")


def _unescape(raw: str) -> str:
    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("$${", "%%{"):
            return token[1:]
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, token)

    return _ESCAPE.sub(one, raw)


class _Reader:
    def __init__(self, text: str, data: bytes, offsets: _Offsets) -> None:
        self.text = text
        self.data = data
        self.at = offsets
        self.comments: list[Comment] = []

    def span(self, node: Any) -> tuple[int, int]:
        return self.at(node.start_byte), self.at(node.end_byte)

    def source(self, node: Any) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def body(self, node: Any) -> Body:
        body = Body()
        for child in node.children:
            if child.type == "attribute":
                body.attributes.append(self.attribute(child))
            elif child.type == "block":
                body.blocks.append(self.block(child))
            elif child.type == "comment":
                self.comment(child)
        return body

    def comment(self, node: Any) -> None:
        start, end = self.span(node)
        self.comments.append(Comment(start, end, self.text[start:end].rstrip("\r")))

    def attribute(self, node: Any) -> Attribute:
        name_node = node.children[0]
        expr_node = next(c for c in node.children if c.type == "expression")
        start, end = self.span(node)
        return Attribute(self.source(name_node), start, end, self.expression(expr_node))

    def block(self, node: Any) -> Block:
        labels: list[str] = []
        kind = ""
        open_at = close_at = None
        body = Body()
        for child in node.children:
            if child.type == "identifier" and not kind:
                kind = self.source(child)
            elif child.type == "string_lit":
                labels.append(self.string_value(child))
            elif child.type == "identifier":
                labels.append(self.source(child))
            elif child.type == "block_start":
                open_at = self.span(child)[1]
            elif child.type == "block_end":
                close_at = self.span(child)[0]
            elif child.type == "body":
                body = self.body(child)
            elif child.type == "comment":
                self.comment(child)
        start, end = self.span(node)
        return Block(kind, tuple(labels), start, end, open_at if open_at is not None else start,
                     close_at if close_at is not None else end, body)

    def string_value(self, node: Any) -> str:
        return _unescape("".join(self.source(c) for c in node.children if c.type == "template_literal"))

    def _collect_comments(self, node: Any) -> None:
        for child in node.children:
            if child.type == "comment":
                self.comment(child)
            elif child.child_count:
                self._collect_comments(child)

    def operand(self, nodes: list[Any], start: int, end: int) -> Expr:
        """The expression made of sibling nodes (`var.x` is a variable_expr and its get_attrs)."""
        text = self.text[start:end]
        if len(nodes) == 1:
            return self.expression(nodes[0])
        if nodes and nodes[0].type == "variable_expr" and all(c.type == "get_attr" for c in nodes[1:]):
            parts = [self.source(nodes[0])] + [self.source(c.children[-1]) for c in nodes[1:]]
            return Expr("ref", start, end, text, parts=tuple(parts))
        return Expr("other", start, end, text)

    def expression(self, node: Any) -> Expr:
        """An `expression` node (or one of its inner nodes) as an Expr."""
        start, end = self.span(node)
        text = self.text[start:end]
        inner = [c for c in node.children if c.type != "comment"]
        if node.type == "expression":
            self._collect_comments(node)
            if len(inner) == 3 and inner[0].type == "(" and inner[2].type == ")":
                return self.expression(inner[1])
            return self.operand(inner, start, end)
        if node.type == "conditional":
            parts = [self.expression(c) for c in inner if c.type == "expression"]
            if len(parts) == 3:
                return Expr("conditional", start, end, text, items=parts)
            return Expr("other", start, end, text)
        if node.type == "operation" and len(inner) == 1:
            operation = inner[0]
            pieces = [c for c in operation.children if c.type != "comment"]
            if operation.type == "unary_operation" and pieces and pieces[0].type == "!":
                first, last = self.span(pieces[1])[0], self.span(pieces[-1])[1]
                return Expr("not", start, end, text, items=[self.operand(pieces[1:], first, last)])
            if operation.type == "binary_operation":
                at = next((i for i, c in enumerate(pieces) if not c.is_named and c.type in ("==", "!=", "&&", "||")), None)
                if at is not None and 0 < at < len(pieces) - 1:
                    left = self.operand(pieces[:at], self.span(pieces[0])[0], self.span(pieces[at - 1])[1])
                    right = self.operand(pieces[at + 1:], self.span(pieces[at + 1])[0], self.span(pieces[-1])[1])
                    return Expr("binary", start, end, text, value=pieces[at].type, items=[left, right])
            return Expr("other", start, end, text)
        if node.type == "literal_value":
            return self.expression(inner[0]) if inner else Expr("other", start, end, text)
        if node.type == "string_lit":
            return Expr("string", start, end, text, value=self.string_value(node))
        if node.type == "numeric_lit":
            try:
                number: Any = int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    return Expr("other", start, end, text)
            return Expr("number", start, end, text, value=number)
        if node.type == "bool_lit":
            return Expr("bool", start, end, text, value=text == "true")
        if node.type == "null_lit":
            return Expr("null", start, end, text, value=None)
        if node.type == "variable_expr":
            return Expr("ref", start, end, text, parts=(text,))
        if node.type == "template_expr":
            quoted = inner[0] if inner else None
            if quoted is not None and quoted.type == "quoted_template":
                pieces = [c for c in quoted.children if c.type not in ("quoted_template_start", "quoted_template_end")]
                if all(c.type == "template_literal" for c in pieces):
                    return Expr("string", start, end, text, value=_unescape("".join(self.source(c) for c in pieces)))
                # `"${var.prefix}acr"`: its literal parts and interpolated expressions, in order
                parts: list[Expr] = []
                for piece in pieces:
                    if piece.type == "template_literal":
                        a, b = self.span(piece)
                        parts.append(Expr("string", a, b, self.text[a:b], value=_unescape(self.text[a:b])))
                    elif piece.type == "template_interpolation":
                        inner_expr = [c for c in piece.children if c.type == "expression"]
                        if len(inner_expr) != 1 or any(c.type == "strip_marker" for c in piece.children):
                            return Expr("template", start, end, text)
                        parts.append(self.expression(inner_expr[0]))
                    else:
                        return Expr("template", start, end, text)   # a directive (%{ if }): not read
                return Expr("template", start, end, text, items=parts)
            return Expr("template", start, end, text)
        if node.type == "collection_value":
            return self.expression(inner[0]) if inner else Expr("other", start, end, text)
        if node.type == "tuple":
            items = [self.expression(c) for c in inner if c.type == "expression"]
            return Expr("tuple", start, end, text, items=items)
        if node.type == "object":
            members = []
            for elem in inner:
                if elem.type != "object_elem":
                    continue
                parts = [c for c in elem.children if c.type == "expression"]
                if len(parts) != 2:
                    return Expr("other", start, end, text)
                key = self.expression(parts[0])
                if key.kind == "string":
                    name = key.value
                elif key.kind == "ref" and len(key.parts) == 1:
                    name = key.parts[0]
                else:
                    return Expr("other", start, end, text)  # a computed key: `(var.x) = 1`
                members.append((name, key.start, self.expression(parts[1])))
            return Expr("object", start, end, text, members=members)
        if node.type == "parenthesized_expression" or node.type == "(":
            return Expr("other", start, end, text)
        return Expr("other", start, end, text)


def expr_data(expr: Expr) -> Any:
    """The plain value of an expression for semantic diffs: literals as themselves, a tuple
    as a list, an object as a dict, anything else as its text (whitespace folded)."""
    if expr.kind in ("string", "number", "bool", "null"):
        return expr.value
    if expr.kind == "tuple":
        return [expr_data(item) for item in expr.items]
    if expr.kind == "object":
        return {name: expr_data(value) for name, _, value in expr.members}
    return "${" + " ".join(expr.text.split()) + "}"


def block_key(block: Block) -> str:
    return ".".join((block.type, *block.labels))


def body_data(body: Body) -> dict[str, Any]:
    """A body as plain data: attributes by name, nested blocks as lists under their type
    (`dynamic "x"` as `dynamic.x`)."""
    out: dict[str, Any] = {}
    for attribute in body.attributes:
        out[attribute.name] = expr_data(attribute.value)
    for block in body.blocks:
        out.setdefault(block_key(block), []).append(body_data(block.body))
    return out


def file_data(body: Body) -> dict[str, Any]:
    """A file's plain data: top-level blocks by `type.label.label` (a repeated key gets `#2`,
    `#3`: Terraform would refuse it, but the diff must still see both), attributes (a
    .tfvars file) by name."""
    out: dict[str, Any] = {}
    for attribute in body.attributes:
        out[attribute.name] = expr_data(attribute.value)
    for block in body.blocks:
        out[unique_key(out, block_key(block))] = body_data(block.body)
    return out


def unique_key(taken: dict[str, Any], key: str) -> str:
    if key not in taken:
        return key
    n = 2
    while f"{key}#{n}" in taken:
        n += 1
    return f"{key}#{n}"
