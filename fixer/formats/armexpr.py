"""ARM template expressions (`[if(equals(parameters('sku'), 'Premium'), 'Disabled', 'Enabled')]`)
parsed into a small tree the ARM reader evaluates.

Grammar: a function call `name(arg, ...)` followed by any number of `.property` and
`[index]` accessors; a string literal `'...'` (`''` is a quote); an integer; `true`/`false`/
`null`. A tree is a tuple:

    ("literal", value)
    ("call", lower-case name, (argument trees...))
    ("property", tree, name)
    ("index", tree, index tree)
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)"
                    r"|(?P<punct>[(),\[\]]|\.(?=\s*[A-Za-z_])))")
_MAX_DEPTH = 64


class _Unreadable(Exception):
    pass


def parse(text: str) -> tuple | None:
    """The tree of a template string that is an expression (`[...]`); None for a literal
    string, or for an expression this parser cannot read."""
    stripped = text.strip()
    if not stripped.startswith("[") or stripped.startswith("[[") or not stripped.endswith("]"):
        return None
    body = stripped[1:-1]
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(body):
        if not body[position:].strip():
            break
        match = _TOKEN.match(body, position)
        if match is None or match.end() == position:
            return None
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    try:
        tree, used = _expression(tokens, 0, 0)
    except _Unreadable:
        return None
    return tree if used == len(tokens) else None


def _expression(tokens: list[tuple[str, str]], at: int, depth: int) -> tuple[tuple, int]:
    if depth > _MAX_DEPTH or at >= len(tokens):
        raise _Unreadable
    kind, text = tokens[at]
    tree: tuple
    if kind == "string":
        tree, at = ("literal", text[1:-1].replace("''", "'")), at + 1
    elif kind == "number":
        tree, at = ("literal", int(text)), at + 1
    elif kind == "name" and at + 1 < len(tokens) and tokens[at + 1] == ("punct", "("):
        arguments: list[tuple] = []
        at += 2
        if at < len(tokens) and tokens[at] == ("punct", ")"):
            at += 1
        else:
            while True:
                argument, at = _expression(tokens, at, depth + 1)
                arguments.append(argument)
                if at < len(tokens) and tokens[at] == ("punct", ","):
                    at += 1
                    continue
                if at < len(tokens) and tokens[at] == ("punct", ")"):
                    at += 1
                    break
                raise _Unreadable
        tree = ("call", text.lower(), tuple(arguments))
    elif kind == "name" and text.lower() in ("true", "false", "null"):
        tree, at = ("literal", {"true": True, "false": False, "null": None}[text.lower()]), at + 1
    else:
        raise _Unreadable
    while at < len(tokens):
        if tokens[at] == ("punct", ".") and at + 1 < len(tokens) and tokens[at + 1][0] == "name":
            for part in tokens[at + 1][1].split("."):  # `.sku.name` is read as one name token
                if not part:
                    raise _Unreadable
                tree = ("property", tree, part)
            at += 2
        elif tokens[at] == ("punct", "["):
            index, at = _expression(tokens, at + 1, depth + 1)
            if at >= len(tokens) or tokens[at] != ("punct", "]"):
                raise _Unreadable
            tree, at = ("index", tree, index), at + 1
        else:
            break
    return tree, at


def literal_text(tree: Any) -> str | None:
    """The string a tree is when it is a string literal."""
    return tree[1] if isinstance(tree, tuple) and tree[0] == "literal" and isinstance(tree[1], str) else None
