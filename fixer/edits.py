"""Text edits and the one function that applies them.

Format readers and the planner only ever produce Edits; ``apply_edits`` builds the new text
by copying everything between edits unchanged, so comments, indentation, line endings and
key order outside the edits survive byte for byte.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .errors import OverlappingEdits


class Applicability(IntEnum):
    """How sure we are about a fix. Higher is safer."""

    DISPLAY_ONLY = 0  # reported as a manual finding, never applied
    UNSAFE = 1        # applied only when the user opts in
    SAFE = 2          # meaning and comments kept; applied by --write


@dataclass(frozen=True, order=True)
class Edit:
    """Replace text[start:end] with ``text`` (start == end inserts, "" deletes)."""

    start: int
    end: int
    text: str


@dataclass(eq=False)
class Change:
    """One planned change, in words and as edits on one document."""

    doc: Any                      # model.Document
    edits: list[Edit]
    paths: list[tuple]            # semantic paths in doc.data this change may alter
    what: str                     # "set networkRuleSet.defaultAction to 'Deny'"
    why: str = ""
    line: int = 0


@dataclass(eq=False)
class Fix:
    """Everything needed to close one registry, possibly across several files."""

    rule_id: str
    message: str
    changes: list[Change] = field(default_factory=list)
    applicability: Applicability = Applicability.SAFE

    def applies(self, required: Applicability) -> bool:
        return self.applicability >= required


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Return ``text`` with ``edits`` applied. Raises OverlappingEdits if two edits collide.

    Two inserts at the same offset are kept in the order given (stable sort)."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    out: list[str] = []
    pos = 0
    for edit in ordered:
        if edit.start < pos or edit.end < edit.start:
            raise OverlappingEdits(f"edits overlap at offset {edit.start}")
        out.append(text[pos:edit.start])
        out.append(edit.text)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


_INDENT = re.compile(r"[ \t]*")


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def indent_at(text: str, offset: int) -> str:
    """The whitespace that starts the line holding ``offset``."""
    start = line_start(text, offset)
    match = _INDENT.match(text, start)
    return match.group(0) if match else ""


def same_line(text: str, a: int, b: int) -> bool:
    lo, hi = min(a, b), max(a, b)
    return "\n" not in text[lo:hi]


@functools.lru_cache(maxsize=64)
def detect_indent_unit(text: str) -> str:
    """The file's indentation step: a tab, or the most common positive step between lines."""
    counts: dict[int, int] = {}
    previous = 0
    tabs = 0
    spaces = 0
    for line in text[:200_000].splitlines():
        stripped = line.lstrip(" \t")
        if not stripped:
            continue
        lead = line[: len(line) - len(stripped)]
        if lead.startswith("\t"):
            tabs += 1
            continue
        width = len(lead)
        if width:
            spaces += 1
        if width > previous:
            counts[width - previous] = counts.get(width - previous, 0) + 1
        previous = width
    if tabs > spaces:
        return "\t"
    if not counts:
        return "  "
    step = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    return " " * max(1, min(step, 8))
