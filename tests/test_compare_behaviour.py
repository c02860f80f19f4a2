"""scripts/compare_behaviour.py: how it reads the listed ranges and reports differences (the
comparison itself runs in CI, .ci/run, over every listed range)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "compare_behaviour.py"
spec = importlib.util.spec_from_file_location("compare_behaviour", SCRIPT)
compare_behaviour = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = compare_behaviour  # (dataclasses look their module up)
spec.loader.exec_module(compare_behaviour)


def test_listed_ranges_skip_comments_and_blank_lines(tmp_path: Path) -> None:
    listed = tmp_path / "ranges.txt"
    listed.write_text("# header\n\nabc123..def456  # split a reader\nv1..v2\n")
    assert compare_behaviour.listed_ranges(listed) == [("abc123", "def456"), ("v1", "v2")]


def test_every_listed_range_names_two_commits() -> None:
    ranges = compare_behaviour.listed_ranges(SCRIPT.parent / "behaviour-preserving.txt")
    assert ranges and all(base and head and head != compare_behaviour.WORKTREE for base, head in ranges)


def test_differences_name_the_case_the_output_and_the_line() -> None:
    case = compare_behaviour.Case("golden/x", Path("."), ())
    Outcome = compare_behaviour.Outcome
    same = [Outcome("dry-run json", {"stdout": b"a\nb\n", "exit": b"1"}), Outcome("write tree", {"t.json": b"{}"})]
    other = [Outcome("dry-run json", {"stdout": b"a\nc\n", "exit": b"1"}), Outcome("write tree", {"t.json": b"{}", "new": b""})]
    assert compare_behaviour.differences(case, same, same) == []
    found = compare_behaviour.differences(case, same, other)
    assert found[0].startswith("golden/x: dry-run json: stdout\n") and "-b" in found[0] and "+c" in found[0]
    assert found[1] == "golden/x: write tree: new: only in head"


def test_ranges_that_follow_one_another_are_compared_by_their_ends() -> None:
    pairs = [("a", "b"), ("b", "c"), ("x", "y"), ("c", "d")]
    assert compare_behaviour.chains(pairs) == [("a", "c"), ("x", "y"), ("c", "d")]
