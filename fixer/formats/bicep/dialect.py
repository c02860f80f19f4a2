"""The Bicep dialect: how to spell a literal, insert an object member, append an array item.

Edits are built only through it, so the planner never knows Bicep syntax; it needs only the
syntax side table (``nodes``), and ``syntax.parse`` attaches it to each Document.
"""

from __future__ import annotations

from typing import Any

from ...edits import Edit, detect_indent_unit, insert_entries
from ...model import Document, Node
from .grammar import _IDENTIFIER
from .nodes import _SYNTAX

# --------------------------------------------------------------------------- dialect

class BicepDialect:
    """How to write values and insert members in Bicep, following the file's own layout."""

    name = "bicep"

    def literal(self, value: Any, indent: str, unit: str, eol: str) -> str:
        """Multi-line Bicep for objects and arrays (no commas), one token for scalars."""
        if isinstance(value, dict):
            if not value:
                return "{}"
            inner = indent + unit
            lines = [f"{inner}{_key(k)}: {self.literal(v, inner, unit, eol)}" for k, v in value.items()]
            return "{" + eol + eol.join(lines) + eol + indent + "}"
        if isinstance(value, (list, tuple)):
            if not value:
                return "[]"
            inner = indent + unit
            lines = [inner + self.literal(v, inner, unit, eol) for v in value]
            return "[" + eol + eol.join(lines) + eol + indent + "]"
        return _scalar(value)

    def compact(self, value: Any) -> str:
        """One-line Bicep (comma-separated) for single-line objects and arrays."""
        if isinstance(value, dict):
            if not value:
                return "{}"
            return "{ " + ", ".join(f"{_key(k)}: {self.compact(v)}" for k, v in value.items()) + " }"
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(self.compact(v) for v in value) + "]"
        return _scalar(value)

    def insert_member(self, doc: Document, obj: Node, key: str, value: Any) -> list[Edit]:
        return self.insert_members(doc, obj, [(key, value)])

    def insert_members(self, doc: Document, obj: Node, pairs: list[tuple[str, Any]]) -> list[Edit]:
        """Edits adding ``key: value`` pairs after the last member of ``obj``."""
        return _insert(doc, obj, [m.value for m in obj.members or ()], [m.start for m in obj.members or ()],
                       [(_key(k), v) for k, v in pairs])

    def append_item(self, doc: Document, array: Node, value: Any) -> list[Edit]:
        items = array.items or []
        return _insert(doc, array, items, [i.start for i in items], [(None, value)])


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _quote(value)
    raise TypeError(f"Bicep has no literal for {type(value).__name__} values")


def _quote(value: str) -> str:
    escaped = (value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t").replace("${", "\\${"))
    return f"'{escaped}'"


def _key(key: str) -> str:
    return key if _IDENTIFIER.match(key) else _quote(key)


def _insert(doc: Document, container: Node, values: list[Node], starts: list[int],
            entries: list[tuple[str | None, Any]]) -> list[Edit]:
    """Edits adding ``entries`` (key or None, value) after the last element of a container."""
    text = doc.source.text
    eol = doc.source.eol
    unit = detect_indent_unit(text)

    def multi(indent: str) -> list[str]:
        return [(f"{key}: " if key is not None else "") + DIALECT.literal(v, indent, unit, eol) for key, v in entries]

    compact = [(f"{key}: " if key is not None else "") + DIALECT.compact(v) for key, v in entries]
    commas = _separators(doc, container)
    trailing = commas[-1] if values and commas and commas[-1] > values[-1].end else None
    # Multi-line objects need no commas; use them only if the file already separates with them.
    separator = "," if len(values) > 1 and any(values[-2].end <= c < starts[-1] for c in commas) else ""
    return insert_entries(text, eol, unit, container, values, starts, multi, compact, trailing, separator)


def _separators(doc: Document, container: Node) -> list[int]:
    """Offsets of the commas that separate the container's elements."""
    syntax = _SYNTAX.get(doc)
    container_syntax = syntax.containers.get(id(container)) if syntax is not None else None
    if container_syntax is None:
        return []
    return [syntax.offsets.char(c.start_byte) for c in container_syntax.children if c.type == ","]


DIALECT = BicepDialect()
