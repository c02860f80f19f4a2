"""A check that Terraform text is laid out as `terraform fmt` leaves it (no Terraform binary
can be installed where acr-fix runs and is tested, so it checks its own output).

It follows hclwrite's formatter line by line. Indentation: a line whose brackets (`{`, `[`,
`(`, `${`, `%{` open; `}`, `]`, `)` close; inside strings and comments they do not count)
open more than they close indents the lines after it one level (two spaces), however many it
opens; a line that closes more goes back the levels it closes, and is itself indented at the
level it returns to. Alignment: a line "assigns" when, from its first `=` (not the first
token) to its end, the brackets balance (`name = value`, not `name = {`); in a run of such
consecutive lines the `=` signs line up one space after the longest text before them, with one
space after them. Heredoc bodies and block comments are left alone. Not checked: the alignment
of trailing comments, and spacing inside expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPENERS = ("${", "%{", "{", "[", "(")
_CLOSERS = "}])"


@dataclass
class _Line:
    number: int
    text: str
    net: int                # brackets opened minus closed on the line (up to a heredoc)
    assign_at: int | None   # column of a whole-value `=`, else None
    lead_width: int = 0     # width of the text before that `=`, trailing spaces dropped
    verbatim: bool = False  # inside a heredoc or a block comment
    in_heredoc: bool = False
    expected: int = 0       # the indentation hclwrite gives it


def _events(line: str) -> tuple[list[tuple[int, int]], int | None, str | None, bool]:
    """(bracket changes as (column, +1/-1), column of the first `=` after the first token,
    the heredoc marker the line opens, whether it opens a block comment that goes on)."""
    changes: list[tuple[int, int]] = []
    first_equal = None
    in_string = False
    string_levels: list[int] = []   # bracket depth at which each open interpolation returns to a string
    depth = 0
    i = 0
    while i < len(line):
        ch = line[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(("$${", "%%{"), i):
                i += 3
                continue
            if line.startswith(("${", "%{"), i):
                changes.append((i, 1))
                string_levels.append(depth)
                depth += 1
                in_string = False
                i += 2
                continue
            if ch == '"':
                in_string = False
            i += 1
            continue
        if ch == '"':
            in_string = True
            i += 1
            continue
        if ch == "#" or line.startswith("//", i):
            break
        if line.startswith("/*", i):
            end = line.find("*/", i + 2)
            if end < 0:
                return changes, first_equal, None, True
            i = end + 2
            continue
        if line.startswith("<<", i):
            marker = line[i + 2:].lstrip("-").strip()
            if marker and marker.replace("_", "").isalnum():
                return changes, first_equal, marker, False
        if ch in "{[(":
            changes.append((i, 1))
            depth += 1
        elif ch in _CLOSERS:
            changes.append((i, -1))
            depth -= 1
            if ch == "}" and string_levels and string_levels[-1] == depth:
                string_levels.pop()
                in_string = True
        elif ch == "=" and first_equal is None and line[:i].strip() \
                and line[i + 1:i + 2] not in ("=", ">") and line[i - 1:i] not in ("!", "<", ">", "="):
            first_equal = i
        i += 1
    return changes, first_equal, None, False


def _scan(text: str) -> list[_Line]:
    lines: list[_Line] = []
    heredoc: str | None = None
    in_block_comment = False
    indents: list[int] = []   # openers of each indent level (hclwrite's stack)
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if heredoc is not None or in_block_comment:
            # (hclwrite sees a heredoc as part of the line that opens it: an alignment run goes
            # on after it; a block comment's lines are left alone too)
            lines.append(_Line(number, line, 0, None, verbatim=True, in_heredoc=heredoc is not None))
            if heredoc is not None and line.strip() == heredoc:
                heredoc = None
            elif in_block_comment and "*/" in line:
                in_block_comment = False
            continue
        changes, equal, marker, opens_comment = _events(line)
        heredoc, in_block_comment = marker, opens_comment
        net = sum(change for _, change in changes)
        assign_at = None
        lead_width = 0
        if equal is not None and sum(c for col, c in changes if col > equal) == 0:
            assign_at, lead_width = equal, len(line[:equal].rstrip())
        if not line.strip():
            lines.append(_Line(number, line, 0, None, verbatim=True))
            continue
        if net > 0:
            expected = 2 * len(indents)
            indents.append(net)
        elif net < 0:
            closed = -net
            while closed > 0 and indents:
                if closed >= indents[-1]:
                    closed -= indents.pop()
                else:
                    indents[-1] -= closed
                    closed = 0
            expected = 2 * len(indents)
        else:
            expected = 2 * len(indents)
        lines.append(_Line(number, line, net, assign_at, lead_width, expected=expected))
    return lines


def fmt_problems(text: str) -> list[str]:
    """Where ``text`` differs from what `terraform fmt` would write: "line 4: indented 3
    spaces, expected 2", "line 7: `=` at column 9, expected 12 (aligned within lines 6-7)"."""
    problems: list[str] = []
    lines = _scan(text)
    for line in lines:
        if line.verbatim:
            continue
        actual = len(line.text) - len(line.text.lstrip(" \t"))
        if line.text[:actual].replace(" ", ""):
            problems.append(f"line {line.number}: indented with tabs")
        elif actual != line.expected:
            problems.append(f"line {line.number}: indented {actual} spaces, expected {line.expected}")
        if line.assign_at is not None:
            after = line.text[line.assign_at + 1:]
            if after and not (after.startswith(" ") and not after.startswith("  ")):
                problems.append(f"line {line.number}: expected one space after `=`")
    run: list[_Line] = []

    def close_run() -> None:
        if run:
            width = max(item.lead_width for item in run)
            for item in run:
                if item.assign_at != width + 1:
                    problems.append(f"line {item.number}: `=` at column {item.assign_at + 1}, expected {width + 2} "
                                    f"(aligned within lines {run[0].number}-{run[-1].number})")
        run.clear()

    for line in lines:
        if line.in_heredoc:
            continue
        if line.assign_at is None or line.verbatim:
            close_run()
        else:
            run.append(line)
    close_run()
    return sorted(problems, key=lambda p: int(p.split(":")[0].split()[1]))


def new_fmt_problems(old: str, new: str) -> list[str]:
    """Problems in ``new`` beyond those ``old`` already had (compared by count and wording
    without numbers: an edit shifts the lines below it)."""
    def strip(problem: str) -> str:
        return re.sub(r"\d+", "#", problem.split(": ", 1)[1] if ": " in problem else problem)

    before: dict[str, int] = {}
    for problem in fmt_problems(old):
        before[strip(problem)] = before.get(strip(problem), 0) + 1
    out = []
    for problem in fmt_problems(new):
        key = strip(problem)
        if before.get(key, 0) > 0:
            before[key] -= 1
        else:
            out.append(problem)
    return out
