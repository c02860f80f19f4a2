"""Render a RunResult as Markdown: the body of the pull request the bot opens, and the job
summary of the GitHub Action.

Layout, most important first: a summary sentence; a table with one row per file; "Before you
merge" (the run's warnings and every note of the text report: pullers that a fix may cut
off, allowed values, loops, unsafe fixes, costs); then per file a ``<details>`` block with the
registries acr-fix closes (registry, line, problem, fix, why, cost), the ones left alone on
purpose (suppressed) or needing a person (manual), and the file's unified diff.

With ``max_length`` (GitHub refuses pull request bodies over 65,536 characters) the parts are
added in that order while they fit: table rows, notes, file details, then diffs; what is left
out is counted in a closing note that says where to see it all. Output is deterministic: files
by path, registries by line; nothing depends on time or machine paths.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from typing import Any

from . import RULE_ID
from .escape import for_terminal
from .results import FileResult, RunResult, display_path
from .sarif import HELP_URI

COST_NOTE = "Premium costs more than Basic/Standard"
# A report about this many files or fewer shows their details unfolded.
OPEN_UP_TO = 3
_SHOWN = ("fix", "unsafe", "manual", "suppressed")
# Where to see what a capped report leaves out.
REST_HINT = ("Run `acr-fix --dry-run` on these files to see everything, or open the SARIF or JSON report "
             "(`acr-fix --format sarif` / `--format json`) that a check job uploads")


@dataclass(frozen=True)
class FileBlock:
    """One file's parts of the report, rendered."""

    display: str
    row: str            # its line in the summary table
    details: str        # its <details> block without the diff
    diff: str           # its ```diff block, "" when the file has no diff


def render_markdown(result: RunResult, max_length: int | None = None) -> str:
    """The Markdown report; with ``max_length``, at most that many characters (see the module
    docstring for what is left out first).

    When the full text does not fit, it is also tried with the fixes' reasons (the tables'
    "Why" column, mostly the same few sentences) given once in a numbered list and cited by
    number; whichever shows more files' details (then diffs) is returned."""
    files = sorted(result.files, key=lambda f: f.display)
    notes = _notes(result)
    head = _head(result)
    footer = f"Rule: [{RULE_ID}]({HELP_URI}) (PSRule for Azure).\n"
    blocks = _blocks(result, files, None)
    full = _assemble(head, blocks, notes, [True] * len(blocks), [True] * len(blocks), len(notes), footer, "", "")
    if max_length is None or len(full) <= max_length:
        return full
    inline = _fit(head, blocks, notes, footer, "", max_length)
    reasons = _reasons(result, files)
    cited = _fit(head, _blocks(result, files, reasons), notes, footer, _legend(reasons), max_length) if reasons else None
    best = inline if cited is None or cited[1:] <= inline[1:] else cited
    text = best[0]
    if len(text) > max_length:   # only when max_length is smaller than the head itself
        cut = max(0, max_length - 2)
        text = text[:cut].rstrip() + "\n"
    return text


def _blocks(result: RunResult, files: list[FileResult], reasons: dict[str, int] | None) -> list[FileBlock]:
    blocks = [b for b in (_file_block(result, f, reasons) for f in files) if b is not None]
    if len(blocks) <= OPEN_UP_TO:
        blocks = [replace(b, details=b.details.replace("<details>", "<details open>", 1)) for b in blocks]
    return blocks


def _fit(head: str, blocks: list[FileBlock], notes: list[str], footer: str, legend: str,
         max_length: int) -> tuple[str, int, int]:
    """(text within ``max_length``, files with details, diffs shown). The legend of cited
    reasons is paid for with the first file's details."""
    # Room for the closing note at its longest (every kind of part left out, counts at most).
    note_room = len(_left_out(len(blocks), len(notes), len(blocks), len(blocks)))
    room = max_length - len(head) - len(footer) - note_room
    rows, room = _take(blocks, lambda b: len(b.row) + 1, room, extra=len(_TABLE_HEAD))
    shown_notes, room = _take(notes, lambda n: len(n) + 1, room, extra=len(_NOTES_HEAD))
    details_count, room = _take(blocks[:rows], lambda b: len(b.details) + len(_DETAILS_END), room,
                                extra=len(legend))
    with_details = [i < details_count for i in range(len(blocks))]
    diffs_count, room = _take([b for b in blocks[:details_count] if b.diff], lambda b: len(b.diff), room)
    with_diff: list[bool] = []
    seen = 0
    for block, shown in zip(blocks, with_details):
        has = shown and bool(block.diff) and seen < diffs_count
        seen += bool(shown and block.diff)
        with_diff.append(has)
    left_out = _left_out(len(blocks) - rows, len(notes) - shown_notes, len(blocks) - details_count,
                         sum(1 for b in blocks if b.diff) - sum(with_diff))
    text = _assemble(head, blocks[:rows], notes[:shown_notes], with_details, with_diff, shown_notes, footer,
                     left_out, legend if details_count else "")
    return text, details_count, diffs_count


def _reasons(result: RunResult, files: list[FileResult]) -> dict[str, int]:
    """Each distinct reason of a fix's change (the "Why" column) -> its number, in order of
    first use."""
    numbers: dict[str, int] = {}
    for file_result in files:
        for plan in sorted(file_result.plans, key=lambda p: (p.registry.line, p.registry.name)):
            if plan.status == "fix" and plan.fix is not None:
                for change in plan.fix.changes:
                    for why in _split_why(change.why):
                        numbers.setdefault(why, len(numbers) + 1)
    return numbers


def _split_why(why: str) -> list[str]:
    return [_inline(part) for part in (why or "").split("; ") if part.strip()]


def _legend(reasons: dict[str, int]) -> str:
    lines = ["### Why these changes", "", "The tables below cite these reasons by number.", ""]
    lines.extend(f"{number}. {_inline(text)}" for text, number in reasons.items())
    return "\n".join(lines) + "\n\n"


_TABLE_HEAD = "| File | To fix | Manual | Suppressed |\n| --- | ---: | ---: | ---: |\n"
_NOTES_HEAD = "### Before you merge\n\n"
_DETAILS_END = "</details>\n\n"


def _take(items: list[Any], size: Any, room: int, extra: int = 0) -> tuple[int, int]:
    """How many of ``items`` fit, in order, into ``room`` (``extra``: a heading paid once when
    at least one is taken), and the room left."""
    taken = 0
    for item in items:
        cost = size(item) + (extra if taken == 0 else 0)
        if cost > room:
            break
        room -= cost
        taken += 1
    return taken, room


def _assemble(head: str, blocks: list[FileBlock], notes: list[str], with_details: list[bool],
              with_diff: list[bool], shown_notes: int, footer: str, left_out: str, legend: str) -> str:
    out = [head]
    if blocks:
        out.append(_TABLE_HEAD)
        out.extend(b.row + "\n" for b in blocks)
        out.append("\n")
    if notes[:shown_notes]:
        out.append(_NOTES_HEAD)
        out.extend(n + "\n" for n in notes[:shown_notes])
        out.append("\n")
    out.append(legend)
    for block, details, diff in zip(blocks, with_details, with_diff):
        if details:
            out.append(block.details)
            if diff:
                out.append(block.diff)
            out.append(_DETAILS_END)
    if left_out:
        out.append(left_out)
    out.append(footer)
    return "".join(out)


def _left_out(rows: int, notes: int, details: int, diffs: int) -> str:
    parts = []
    if rows:
        parts.append(f"{rows} file(s) in the table")
    if notes:
        parts.append(f"{notes} note(s) to read before merging")
    if details:
        parts.append(f"the details of {details} file(s)")
    if diffs:
        parts.append(f"the diffs of {diffs} file(s)")
    if not parts:
        return ""
    return f"> [!NOTE]\n> Left out to keep this text within GitHub's size limit: {', '.join(parts)}. {REST_HINT}.\n\n"


def _head(result: RunResult) -> str:
    return f"## acr-fix: container registries open to the internet\n\n{_summary(result, _counts(result))}\n\n"


def _counts(result: RunResult) -> dict[str, int]:
    counts = {"fix": 0, "unsafe": 0, "manual": 0, "suppressed": 0, "pass": 0}
    for file_result in result.files:
        for plan in file_result.plans:
            status = plan.status
            if status in counts:
                counts[status] += 1
    return counts


def _summary(result: RunResult, counts: dict[str, int]) -> str:
    verb = "fixed" if result.written else "to fix"
    files = sum(1 for f in result.files if f.diff)
    return (f"{counts['fix']} registr{'y' if counts['fix'] == 1 else 'ies'} {verb} in {files} file(s), "
            + (f"{counts['unsafe']} unsafe fix{'es' if counts['unsafe'] != 1 else ''} not applied, "
               if counts["unsafe"] else "")
            + f"{counts['manual']} need{'s' if counts['manual'] == 1 else ''} a manual fix, "
            f"{counts['suppressed']} suppressed, {counts['pass']} already restricted.")


def _notes(result: RunResult) -> list[str]:
    """The "before you merge" items: the run's warnings, then each registry's notes (as the
    text report prints them), one list item per distinct note with the registries it is
    about (at most _REFS named, the rest counted)."""
    items = [f"- {_inline(w)}" for w in result.warnings]
    by_note: dict[str, list[str]] = {}
    for file_result in sorted(result.files, key=lambda f: f.display):
        for plan in sorted(file_result.plans, key=lambda p: (p.registry.line, p.registry.name)):
            if plan.status not in ("fix", "unsafe", "manual"):
                continue
            where = f"{_name(plan.registry)} in `{_code(file_result.display)}` line {plan.registry.line}"
            for note in plan.notes:
                by_note.setdefault(_inline(note), []).append(where)
    for note, refs in by_note.items():
        shown = ", ".join(refs[:_REFS]) + (f" and {len(refs) - _REFS} more" if len(refs) > _REFS else "")
        items.append(f"- {shown}: {note}")
    return items


_REFS = 10


def _file_block(result: RunResult, file_result: FileResult, reasons: dict[str, int] | None = None) -> FileBlock | None:
    plans = sorted((p for p in file_result.plans if p.status in _SHOWN),
                   key=lambda p: (p.registry.line, p.registry.name))
    if not plans and not file_result.diff and file_result.status != "failed":
        return None
    counts = {s: sum(1 for p in plans if p.status == s) for s in _SHOWN}
    row = (f"| `{_code(file_result.display)}` | {counts['fix']} | {counts['manual']} | {counts['suppressed']} |")
    what = ", ".join(f"{n} {label}" for n, label in ((counts["fix"], "to fix"), (counts["manual"], "manual"),
                                                      (counts["suppressed"], "suppressed")) if n)
    if file_result.status == "failed":
        what = ", ".join(x for x in (what, "not changed (error)") if x)
    summary = f"<code>{html.escape(file_result.display)}</code>" + (f": {html.escape(what)}" if what else "")
    lines = [f"<details><summary>{summary}</summary>", ""]
    if file_result.role != "template":
        lines.append(f"Edited for the templates that take their values from this {file_result.role} file.")
        lines.append("")
    if file_result.status == "failed" and file_result.error:
        lines.append(f"**Not changed:** {_inline(file_result.error)}")
        lines.append("")
    table = [p for p in plans if p.status == "fix"]
    if table:
        lines.append("| Registry | Line | Problem | Fix | Why | Cost |")
        lines.append("| --- | --- | --- | --- | --- | --- |")
        for plan in table:
            lines.append("| " + " | ".join(_row(result, file_result, plan, reasons)) + " |")
        lines.append("")
    lines.extend(_unsafe_held(plans))
    for plan in plans:
        if plan.cut_off and plan.status in ("fix", "unsafe"):
            lines.extend(_before_you_merge(result, plan))
    suppressed = [p for p in plans if p.status == "suppressed"]
    if suppressed:
        lines.append("Left alone on purpose (suppressed):")
        lines.append("")
        for plan in suppressed:
            lines.append(f"- {_name(plan.registry)} (line {plan.registry.line}): {_inline(plan.suppressed or '')}")
        lines.append("")
    manual = [p for p in plans if p.status == "manual"]
    if manual:
        lines.append("Needs a manual fix:")
        lines.append("")
        for plan in manual:
            reasons = "; ".join(plan.manual) or "acr-fix cannot change this registry safely"
            problem = f"{_inline(plan.problem)}. " if plan.problem else ""
            lines.append(f"- {_name(plan.registry)} (line {plan.registry.line}): {problem}To do: {_inline(reasons)}")
        lines.append("")
    diff = ""
    if file_result.diff:
        body = file_result.diff.replace("\r\n", "\n").rstrip("\n")
        fence = "```"
        while fence in body:
            fence += "`"
        diff = f"{fence}diff\n{body}\n{fence}\n\n"
    return FileBlock(file_result.display, row, "\n".join(lines) + "\n", diff)


def _unsafe_held(plans: list[Any]) -> list[str]:
    """The unsafe fixes left out of this change (they cut off consumers; --unsafe-fixes applies them)."""
    held = [p for p in plans if p.status == "unsafe"]
    if not held:
        return []
    lines = ["Not applied, unsafe (the fix cuts off consumers of the registry; `--unsafe-fixes` applies it):", ""]
    for plan in held:
        fix = plan.fix.message if plan.fix is not None else ""
        whys = dict.fromkeys(c.why for c in plan.fix.changes if c.why) if plan.fix is not None else {}
        why = f" (why: {_inline('; '.join(whys))})" if whys else ""
        lines.append(f"- {_name(plan.registry)} (line {plan.registry.line}): {_inline(fix)}{why}")
    lines.append("")
    return lines


def _before_you_merge(result: RunResult, plan: Any) -> list[str]:
    """A checklist for an unsafe fix: each consumer it cuts off, and what that consumer needs."""
    lines = [f"**Before you merge** the fix of {_name(plan.registry)}: it cuts off these consumers.", ""]
    for lost in plan.cut_off:
        consumer = lost.consumer
        where = f"`{_code(display_path(consumer.path, result.root))}` line {consumer.line}"
        lines.append(f"- [ ] {consumer.kind.value}: {_inline(consumer.what)} ({where}), {consumer.verb} "
                     f"{_inline(consumer.how)}. Give it {_inline(lost.needs)}.")
    lines.append("")
    return lines


def _row(result: RunResult, file_result: FileResult, plan: Any, reasons: dict[str, int] | None = None) -> list[str]:
    registry = plan.registry
    whats: list[str] = []
    whys: list[str] = []
    if plan.fix is not None:
        for change in plan.fix.changes:
            where = ""
            if change.doc.path.resolve() != file_result.path.resolve():
                where = f" (in `{_code(display_path(change.doc.path, result.root))}`)"
            whats.append(change.what + where)
            if change.why:
                whys.append(change.why)
    fix = "; ".join(whats) or (plan.fix.message if plan.fix is not None else "")
    if plan.fix is not None and plan.fix.applicability.name == "UNSAFE":
        fix = f"**unsafe** (--unsafe-fixes): {fix}"    # a reviewer would not expect it from the defaults
    why = "; ".join(dict.fromkeys(whys))
    if reasons is not None:     # cited by number (see _legend)
        why = ", ".join(f"({reasons[w]})" for w in dict.fromkeys(p for w in whys for p in _split_why(w)))
    cost = COST_NOTE if plan.sku_upgrade else ""
    return [_name(registry), str(registry.line), _cell(plan.problem or ""), _cell(fix), _cell(why), cost]


def _name(registry: Any) -> str:
    """The registry's name as code; a name that is an expression says so."""
    return f"`{_code(registry.display_name)}`" + (" (expression)" if registry.shown_is_expression else "")


def _cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no line breaks."""
    return _inline(text).replace("|", "\\|")


def _inline(text: str) -> str:
    """One line of text that Markdown shows as it is: control characters escaped, and no
    HTML (a template's `<!-- -->` or `<img>` stays text)."""
    text = for_terminal(" ".join(str(text).split()))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    return for_terminal(str(text)).replace("`", "'").replace("|", "\\|")
