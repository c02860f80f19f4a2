"""Git-style unified diffs that keep CRLF and mark a missing final newline."""

from __future__ import annotations

import bisect
from difflib import SequenceMatcher
from itertools import accumulate
from typing import Iterable

Opcode = tuple[str, int, int, int, int]


def unified_diff(old: str, new: str, path: str, context: int = 3, edits: Iterable | None = None) -> str:
    """``--- a/path`` / ``+++ b/path`` diff of two texts ("" when equal).

    Lines keep their own endings (so a CRLF file shows CRLF lines); a last line without a
    newline is followed by git's "\\ No newline at end of file" marker. When the ``edits``
    that turned ``old`` into ``new`` are given, only the lines they touch are compared, which
    keeps big templates cheap; the output is the same as comparing whole files."""
    if old == new:
        return ""
    path = path.lstrip("/")
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    opcodes = None
    if edits is not None:
        opcodes = _opcodes_from_edits(old, sorted(edits, key=lambda e: (e.start, e.end)), old_lines, new_lines)
    if opcodes is not None:
        matcher = SequenceMatcher(None, (), (), autojunk=False)  # no index over the whole file
        matcher.opcodes = opcodes  # get_grouped_opcodes() uses these instead of diffing
    else:
        matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    out: list[str] = [f"--- a/{path}\n", f"+++ b/{path}\n"]
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_line(" ", line) for line in old_lines[i1:i2])
                continue
            if tag in ("replace", "delete"):
                out.extend(_line("-", line) for line in old_lines[i1:i2])
            if tag in ("replace", "insert"):
                out.extend(_line("+", line) for line in new_lines[j1:j2])
    return "".join(out)


def _line(prefix: str, line: str) -> str:
    if line.endswith("\n"):
        return prefix + line
    return prefix + line + "\n\\ No newline at end of file\n"


def _range(start: int, stop: int) -> str:
    """A unified-diff range: 'start,length' (1-based), as difflib and git write it."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _opcodes_from_edits(old: str, edits: list, old_lines: list[str], new_lines: list[str]) -> list[Opcode] | None:
    """difflib opcodes computed from the edits: whole-line windows around each group of
    edits are compared, everything between them is equal. None if anything does not add up
    (the caller then diffs the whole files)."""
    if not edits or not old_lines:
        return None
    starts = list(accumulate(map(len, old_lines[:-1]), initial=0))

    def line_of(offset: int) -> int:
        return min(bisect.bisect_right(starts, offset) - 1, len(old_lines) - 1)

    groups: list[list] = []  # [first_line, last_line, [edits]]
    for edit in edits:
        first = line_of(edit.start)
        last = line_of(max(edit.end - 1, edit.start))
        if groups and first <= groups[-1][1] + 1:
            groups[-1][1] = max(groups[-1][1], last)
            groups[-1][2].append(edit)
        else:
            groups.append([first, last, [edit]])
    opcodes: list[Opcode] = []
    char_delta = 0
    line_delta = 0
    old_pos = 0
    for first, last, group_edits in groups:
        new_first = first + line_delta
        if first > old_pos:
            opcodes.append(("equal", old_pos, first, old_pos + line_delta, new_first))
        span_start = starts[first]
        span_end = starts[last + 1] if last + 1 < len(starts) else len(old)
        group_delta = sum(len(e.text) - (e.end - e.start) for e in group_edits)
        new_span = (span_start + char_delta, span_end + char_delta + group_delta)
        window_lines = _text_lines(new_lines, new_first, new_span[1] - new_span[0])
        if window_lines is None:
            return None
        new_count = len(window_lines)
        window = SequenceMatcher(None, old_lines[first:last + 1], new_lines[new_first:new_first + new_count],
                                 autojunk=False)
        for tag, i1, i2, j1, j2 in window.get_opcodes():
            opcodes.append((tag, first + i1, first + i2, new_first + j1, new_first + j2))
        char_delta += group_delta
        line_delta += new_count - (last + 1 - first)
        old_pos = last + 1
    if old_pos < len(old_lines):
        opcodes.append(("equal", old_pos, len(old_lines), old_pos + line_delta, len(old_lines) + line_delta))
    if len(old_lines) + line_delta != len(new_lines):
        return None
    merged: list[Opcode] = []
    for opcode in opcodes:
        if opcode[1] == opcode[2] and opcode[3] == opcode[4]:
            continue  # empty
        if merged and opcode[0] == "equal" and merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1], opcode[2], merged[-1][3], opcode[4])
        else:
            merged.append(opcode)
    return merged


def _text_lines(new_lines: list[str], first: int, length: int) -> list[str] | None:
    """The new lines starting at index ``first`` that together hold ``length`` characters."""
    taken: list[str] = []
    total = 0
    index = first
    while total < length and index < len(new_lines):
        taken.append(new_lines[index])
        total += len(new_lines[index])
        index += 1
    return taken if total == length else None
