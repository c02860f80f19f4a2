"""The unified diff built from edits is a correct patch: applied to the old text it gives the
new text, every context and removed line is really in the old text, and it matches difflib's
whole-file diff whenever the alignment is unambiguous."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import assume, given, settings, strategies as st

from fixer.diff import unified_diff
from fixer.edits import Edit, apply_edits


def reference(old: str, new: str, path: str) -> str:
    out = []
    for line in difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}", lineterm="\n"):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
        elif not line.endswith("\n"):
            out.append(line + "\n\\ No newline at end of file\n")
        else:
            out.append(line)
    return "".join(out)


def apply_patch(old: str, diff: str) -> str:
    """Apply a unified diff (as unified_diff writes it) to ``old``; assert it fits."""
    old_lines = old.splitlines(True)
    out: list[str] = []
    pos = 0
    lines = diff.splitlines(True)[2:]
    i = 0
    while i < len(lines):
        header = lines[i]
        assert header.startswith("@@ -"), header
        old_start = int(header[4:].split(",")[0].split(" ")[0])
        start = old_start - 1 if old_start else 0
        out.extend(old_lines[pos:start])
        pos = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            tag, text = lines[i][0], lines[i][1:]
            if i + 1 < len(lines) and lines[i + 1] == "\\ No newline at end of file\n":
                text = text[:-1]
                i += 1
            if tag in " -":
                assert old_lines[pos] == text, (old_lines[pos], text)
                pos += 1
            if tag in " +":
                out.append(text)
            i += 1
    out.extend(old_lines[pos:])
    return "".join(out)


lines = st.lists(st.sampled_from(["a\n", "b\n", "  c: 1,\n", "}\n", "x\r\n", "", "tail"]), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), parts=lines)
def test_diff_from_edits_matches_difflib(data, parts):
    old = "".join(parts)
    assume(len(old) >= 1)
    positions = sorted(data.draw(st.lists(st.integers(0, len(old)), min_size=2, max_size=8, unique=True)))
    edits = []
    for start, end in zip(positions[::2], positions[1::2]):
        edits.append(Edit(start, end, data.draw(st.sampled_from(["", "Z", "new\n", "q,\n  r\n", "\n"]))))
    new = apply_edits(old, edits)
    diff = unified_diff(old, new, "f.json", edits=edits)
    assert (diff == "") == (old == new)
    if diff:
        assert apply_patch(old, diff) == new
        assert apply_patch(old, reference(old, new, "f.json")) == new  # the checker itself is sound


def test_crlf_and_missing_final_newline_are_kept():
    old = '{\r\n  "a": 1\r\n}'
    new = apply_edits(old, [Edit(11, 11, ',\r\n  "b": 2')])
    diff = unified_diff(old, new, "t.json", edits=[Edit(11, 11, ',\r\n  "b": 2')])
    assert '-  "a": 1\r\n' in diff and '+  "b": 2\r\n' in diff
    assert diff.endswith(" }\n\\ No newline at end of file\n")


@pytest.mark.parametrize("unit", ["  ", "    ", "\t", "\t\t"])
def test_the_indentation_step_is_the_files_own(unit):
    from fixer.edits import detect_indent_unit

    text = "{\n" + "".join(f"{unit * depth}\"k{depth}\": {{\n" for depth in range(1, 4)) + \
        "".join(f"{unit * depth}}}\n" for depth in range(3, 0, -1)) + "}\n"
    assert detect_indent_unit(text) == unit
