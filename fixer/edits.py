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
from itertools import repeat
from typing import Any, Callable

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


# Indentation of each non-blank line after the first: starts with a literal "\n", so the
# regex engine jumps from line to line instead of trying every position.
_NEXT_LINE_INDENT = re.compile(r"\n([ \t]*)[^ \t\r\n]")
_FIRST_LINE_INDENT = re.compile(r"([ \t]*)[^ \t\r\n]")


@functools.lru_cache(maxsize=64)
def detect_indent_unit(text: str) -> str:
    """The file's indentation step: the most common positive step between lines, in tabs or
    spaces, whichever the file indents with (some files step by two tabs)."""
    head = text[:20_000]  # the first few hundred lines tell; blank lines do not count
    first = _FIRST_LINE_INDENT.match(head)
    leads = ([first.group(1)] if first else []) + _NEXT_LINE_INDENT.findall(head)
    tabs = sum(map(str.startswith, leads, repeat("\t")))
    spaces = sum(map(str.startswith, leads, repeat(" ")))
    char = "\t" if tabs > spaces else " "
    widths = [len(lead) for lead in leads if lead[:1] == char]
    counts: dict[int, int] = {}
    for previous, width in zip([0, *widths], widths):
        if width > previous:
            counts[width - previous] = counts.get(width - previous, 0) + 1
    if not counts:
        return "\t" if char == "\t" else "  "
    step = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    return char * max(1, min(step, 8 if char == " " else 4))


_BLOCK_COMMENTS_ONLY = re.compile(r"(?:[ \t]*/\*(?:[^*\n]|\*(?!/))*\*/)+")


def line_end_if_only_trivia(text: str, pos: int) -> int:
    """End of the line (before CR/LF) when only spaces and comments follow ``pos`` on it;
    else ``pos``. New lines go there, so a trailing comment stays with its own line."""
    newline = text.find("\n", pos)
    end = len(text) if newline == -1 else newline
    rest = text[pos:end].strip(" \t\r")
    if not rest or rest.startswith("//") or (rest.startswith("/*") and rest.endswith("*/") and "*/" not in rest[2:-2]):
        if end > pos and text[end - 1] == "\r":
            end -= 1
        return end
    return pos


def _after_block_comments(text: str, pos: int, close: int) -> int:
    """The end of the block comments between ``pos`` and a closing bracket at ``close`` on the
    same line (`{ name: 'Basic' /* note */ }`), else ``pos``: entries added to a one-line
    container go after the comment, which stays with the element it follows."""
    between = text[pos:close].rstrip(" \t")
    if between.strip() and _BLOCK_COMMENTS_ONLY.fullmatch(between):
        return pos + len(between)
    return pos


def _crowded_line(text: str, offset: int) -> bool:
    """True when the line before ``offset`` holds more structure than an indented key:
    the file lays objects out on one line (minified JSON)."""
    prefix = text[line_start(text, offset):offset]
    return any(ch in prefix for ch in "{[,")


def insert_entries(text: str, eol: str, unit: str, container: Any, values: list[Any], starts: list[int],
                   multi: Callable[[str], list[str]], compact: list[str], trailing_comma: int | None,
                   separator: str, joiner: str = ", ") -> list[Edit]:
    """Edits that add rendered entries after the last element of an object or array.

    The layout follows the container's own: an empty container is opened onto new lines one
    step deeper than its line; a one-line container gets ``, a, b``; a multi-line one gets a
    new line per entry with the last element's indentation. ``multi(indent)`` renders the
    entries for that indentation, ``compact`` on one line. ``trailing_comma`` is the offset
    of a comma after the last element (JSONC, Bicep), ``separator`` what goes between
    elements on separate lines ("," in JSON; "" or "," in Bicep, as the file does it)."""
    opener = container.start + 1
    if not values and separator and _crowded_line(text, container.start):
        # an empty container inside one-line (minified) JSON stays on its line
        interior = text[opener:container.end - 1]
        if not interior.strip():
            return [Edit(opener, container.end - 1, joiner.join(compact))]
    if not values:
        base = indent_at(text, container.start)
        inner = base + unit
        body = eol + (separator + eol).join(inner + r for r in multi(inner))
        interior = text[opener:container.end - 1]
        if "\n" in interior:
            anchor = line_end_if_only_trivia(text, opener)
            return [Edit(anchor, anchor, body)]
        if interior.strip():
            # `{ /* note */ }`: keep the comment on the opening line, the entries below it.
            after_comment = opener + len(interior.rstrip())
            return [Edit(after_comment, container.end - 1, body + eol + base)]
        return [Edit(opener, container.end - 1, body + eol + base)]

    last = values[-1]
    if same_line(text, container.start, starts[-1]) and same_line(text, last.end, container.end):
        joined = joiner.join(compact)
        if trailing_comma is not None:
            at = _after_block_comments(text, trailing_comma + 1, container.end - 1)
            return [Edit(at, at, joiner[1:] + joined + ",")]
        at = _after_block_comments(text, last.end, container.end - 1)
        return [Edit(at, at, joiner + joined)]
    indent = indent_at(text, starts[-1])
    rendered = multi(indent)
    if trailing_comma is not None:
        anchor = line_end_if_only_trivia(text, trailing_comma + 1)
        return [Edit(anchor, anchor, "".join(eol + indent + r + "," for r in rendered))]
    body = separator.join(eol + indent + r for r in rendered)
    anchor = line_end_if_only_trivia(text, last.end)
    if anchor == last.end and same_line(text, last.end, container.end):
        # `last /* note */ }`: the new entries go after the comment that belongs to the last
        # element, before the closing bracket (which stays where the file puts it)
        between = text[last.end:container.end - 1].rstrip(" \t")
        if between.strip() and _BLOCK_COMMENTS_ONLY.fullmatch(between):
            anchor = last.end + len(between)
    if separator:
        if anchor == last.end:
            return [Edit(last.end, last.end, separator + body)]
        # the separator goes right after the old last element, the entries after its comment
        return [Edit(last.end, last.end, separator), Edit(anchor, anchor, body)]
    return [Edit(anchor, anchor, body)]
