"""A check that Terraform text is laid out as `terraform fmt` leaves it (no Terraform binary
can be installed where acr-fix runs and is tested, so it checks its own output).

What it checks, after hclwrite's formatter: each line is indented two spaces per open
bracket (`{`, `[`, `(`), one less when it starts by closing one; within a run of consecutive
lines that each assign a whole one-line value (`name = value`, not `name = {` which opens a
bracket), the `=` signs line up one space after the longest name, with one space after them.
Heredoc bodies are left alone. Not checked: the alignment of trailing comments, and spacing
inside expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = "{[("
_CLOSE = "}])"


@dataclass
class _Line:
    number: int
    text: str
    depth: int              # open brackets before the line
    starts_closing: bool
    assign_at: int | None   # column of a whole-value `=`, else None
    lead_width: int = 0     # width of the text before that `=`, trailing spaces dropped
    verbatim: bool = False  # inside a heredoc or a block comment


def _scan(text: str) -> list[_Line]:
    lines: list[_Line] = []
    depth = 0
    heredoc: str | None = None
    in_block_comment = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if heredoc is not None:
            lines.append(_Line(number, line, depth, False, None, verbatim=True))
            if line.strip() == heredoc:
                heredoc = None
            continue
        if in_block_comment:
            lines.append(_Line(number, line, depth, False, None, verbatim=True))
            if "*/" in line:
                in_block_comment = False
            continue
        start_depth = depth
        stripped = line.lstrip(" \t")
        starts_closing = stripped[:1] in _CLOSE
        assign_at = None
        lead_width = 0
        level = 0            # brackets opened on this line so far
        i = 0
        string_depth: list[int] = []   # interpolation nesting inside strings
        in_string = False
        while i < len(line):
            ch = line[i]
            if in_string:
                if ch == "\\":
                    i += 2
                    continue
                if line.startswith("${", i) or line.startswith("%{", i):
                    string_depth.append(level)
                    in_string = False
                    level += 1
                    depth += 1
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
                    in_block_comment = True
                    break
                i = end + 2
                continue
            if line.startswith("<<", i):
                marker = line[i + 2:].lstrip("-").strip()
                if marker and marker.replace("_", "").isalnum():
                    heredoc = marker
                    break
            if ch in _OPEN:
                level += 1
                depth += 1
            elif ch in _CLOSE:
                level -= 1
                depth -= 1
                if string_depth and ch == "}" and string_depth[-1] == level:
                    string_depth.pop()
                    in_string = True
            elif ch == "=" and assign_at is None and line[:i].strip() and level == 0 \
                    and line[i + 1:i + 2] not in ("=", ">") and line[i - 1:i] not in ("!", "<", ">", "="):
                assign_at = i
                lead_width = len(line[:i].rstrip())
            i += 1
        if assign_at is not None and depth != start_depth:
            assign_at = None  # `name = {`: a value that goes on over the next lines
        lines.append(_Line(number, line, start_depth, starts_closing, assign_at, lead_width))
    return lines


def fmt_problems(text: str) -> list[str]:
    """Where ``text`` differs from what `terraform fmt` would write: "line 4: indented 3
    spaces, expected 2", "line 7: `=` at column 9, expected 12 (aligned with line 6)"."""
    problems: list[str] = []
    lines = _scan(text)
    for line in lines:
        if line.verbatim or not line.text.strip():
            continue
        expected = 2 * max(0, line.depth - (1 if line.starts_closing else 0))
        actual = len(line.text) - len(line.text.lstrip(" \t"))
        if line.text[:actual].replace(" ", ""):
            problems.append(f"line {line.number}: indented with tabs")
        elif actual != expected:
            problems.append(f"line {line.number}: indented {actual} spaces, expected {expected}")
        if line.assign_at is not None:
            after = line.text[line.assign_at + 1:]
            if after and not (after.startswith(" ") and not after.startswith("  ")):
                problems.append(f"line {line.number}: expected one space after `=`")
    run: list[_Line] = []

    def close_run() -> None:
        if run:
            width = max(l.lead_width for l in run)
            for l in run:
                if l.assign_at != width + 1:
                    problems.append(f"line {l.number}: `=` at column {l.assign_at + 1}, expected {width + 2} "
                                    f"(aligned within lines {run[0].number}-{run[-1].number})")
        run.clear()

    for line in lines:
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
