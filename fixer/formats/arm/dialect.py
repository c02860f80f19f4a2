"""The JSON dialect: how to spell a literal, insert an object member, append an array item.

Edits are built only through it, so the planner never knows JSON syntax; ``syntax.parse``
attaches it to each Document.
"""

from __future__ import annotations

import json
from typing import Any

from ...edits import Edit, detect_indent_unit, insert_entries
from ...model import Document, Node

# --------------------------------------------------------------------------- dialect

class JsonDialect:
    """How to write values and insert members in JSON, following the file's own layout."""

    name = "json"

    def literal(self, value: Any, indent: str, unit: str, eol: str) -> str:
        if isinstance(value, dict):
            if not value:
                return "{}"
            inner = indent + unit
            parts = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {self.literal(v, inner, unit, eol)}" for k, v in value.items()]
            return "{" + eol + ("," + eol).join(parts) + eol + indent + "}"
        if isinstance(value, list):
            if not value:
                return "[]"
            inner = indent + unit
            parts = [inner + self.literal(v, inner, unit, eol) for v in value]
            return "[" + eol + ("," + eol).join(parts) + eol + indent + "]"
        return json.dumps(value, ensure_ascii=False)

    def compact(self, value: Any, tight: bool = False) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":") if tight else (", ", ": "))

    def insert_member(self, doc: Document, obj: Node, key: str, value: Any) -> list[Edit]:
        return self.insert_members(doc, obj, [(key, value)])

    def insert_members(self, doc: Document, obj: Node, pairs: list[tuple[str, Any]]) -> list[Edit]:
        entries = [(json.dumps(k, ensure_ascii=False), v) for k, v in pairs]
        return _insert(doc, obj, [m.value for m in obj.members or ()],
                       [m.start for m in obj.members or ()], entries)

    def append_item(self, doc: Document, array: Node, value: Any) -> list[Edit]:
        items = array.items or []
        return _insert(doc, array, items, [i.start for i in items], [(None, value)])


def _insert(doc: Document, container: Node, values: list[Node], starts: list[int],
            entries: list[tuple[str | None, Any]]) -> list[Edit]:
    """Edits adding ``entries`` (key or None, value) after the last element of a container."""
    text = doc.source.text
    eol = doc.source.eol
    unit = detect_indent_unit(text)

    def multi(indent: str) -> list[str]:
        return [(f"{key}: " if key is not None else "") + DIALECT.literal(value, indent, unit, eol)
                for key, value in entries]

    # Minified JSON ("a":1,"b":2) gets its new entries without spaces too.
    tight = '":' in text and '": ' not in text and '", ' not in text
    colon, joiner = (":", ",") if tight else (": ", ", ")
    compact = [(f"{key}{colon}" if key is not None else "") + DIALECT.compact(value, tight) for key, value in entries]
    trailing = None
    if values:
        after = _skip_trivia(text, values[-1].end)
        if after < len(text) and text[after] == ",":
            trailing = after
    return insert_entries(text, eol, unit, container, values, starts, multi, compact, trailing, ",", joiner)


def _skip_trivia(text: str, pos: int) -> int:
    """Skip whitespace and comments; return the offset of the next significant character."""
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch in " \t\r\n":
            pos += 1
        elif text.startswith("//", pos):
            nl = text.find("\n", pos)
            pos = n if nl == -1 else nl
        elif text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            pos = n if close == -1 else close + 2
        else:
            break
    return pos


DIALECT = JsonDialect()
