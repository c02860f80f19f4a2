"""Git-style unified diffs that keep CRLF and mark a missing final newline."""

from __future__ import annotations

import difflib


def unified_diff(old: str, new: str, path: str, context: int = 3) -> str:
    """``--- a/path`` / ``+++ b/path`` diff of two texts ("" when equal).

    Lines keep their own endings (so a CRLF file shows CRLF lines); a last line without a
    newline is followed by git's "\\ No newline at end of file" marker."""
    if old == new:
        return ""
    path = path.lstrip("/")
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    out: list[str] = []
    for line in difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}", n=context, lineterm="\n"):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
            continue
        if not line.endswith("\n"):
            out.append(line + "\n\\ No newline at end of file\n")
        else:
            out.append(line)
    return "".join(out)
