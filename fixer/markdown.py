"""Render a RunResult as Markdown: the body of the pull request the bot opens.

Per file: a table of the registries acr-fix closes (registry, line, problem, fix, why,
cost), the registries left alone on purpose (suppressed) or needing a person (manual), then the file's unified diff in a ```diff block. Output is deterministic:
files by path, registries by line; nothing depends on time or machine paths.
"""

from __future__ import annotations

import re
from typing import Any

from . import RULE_ID
from .escape import for_terminal
from .results import FileResult, RunResult, display_path
from .sarif import HELP_URI

COST_NOTE = "Premium costs more than Basic/Standard"
_SHOWN = ("fix", "manual", "suppressed")


def render_markdown(result: RunResult, max_length: int | None = None) -> str:
    """The Markdown report. With ``max_length`` (GitHub caps PR bodies at 65,536
    characters) diffs are dropped, last file first, until the text fits; a note says so."""
    sections = [_file_section(result, f) for f in sorted(result.files, key=lambda f: f.display)]
    sections = [s for s in sections if s is not None]
    text = _assemble(result, sections, dropped=0)
    if max_length is not None:
        dropped = 0
        while len(text) > max_length and dropped < len(sections):
            dropped += 1
            for section in sections[len(sections) - dropped:]:
                section["diff"] = None
            text = _assemble(result, sections, dropped)
    return text


def _assemble(result: RunResult, sections: list[dict[str, Any]], dropped: int) -> str:
    out: list[str] = ["## acr-fix: container registries open to the internet", ""]
    counts = _counts(result)
    out.append(_summary(result, counts))
    out.append("")
    for section in sections:
        out.extend(section["lines"])
        if section["diff"]:
            # longer than any run of backticks in the diff, so template text cannot close it
            fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", section["diff"])), default=0))
            out.append(f"{fence}diff")
            out.append(section["diff"].rstrip("\n"))
            out.append(fence)
            out.append("")
    if dropped:
        out.append(f"_Diffs of {dropped} file(s) left out to keep this text short; see the commit._")
        out.append("")
    if result.warnings:
        out.append("### Warnings")
        out.append("")
        out.extend(f"- {_inline(w)}" for w in result.warnings)
        out.append("")
    out.append(f"Rule: [{RULE_ID}]({HELP_URI}) (PSRule for Azure).")
    return "\n".join(out) + "\n"


def _counts(result: RunResult) -> dict[str, int]:
    counts = {"fix": 0, "manual": 0, "suppressed": 0, "pass": 0}
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
            f"{counts['manual']} need{'s' if counts['manual'] == 1 else ''} a manual fix, "
            f"{counts['suppressed']} suppressed, {counts['pass']} already restricted.")


def _file_section(result: RunResult, file_result: FileResult) -> dict[str, Any] | None:
    plans = sorted((p for p in file_result.plans if p.status in _SHOWN),
                   key=lambda p: (p.registry.line, p.registry.name))
    if not plans and not file_result.diff and file_result.status != "failed":
        return None
    lines = [f"### `{_code(file_result.display)}`", ""]
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
            lines.append("| " + " | ".join(_row(result, file_result, plan)) + " |")
        lines.append("")
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
    diff = file_result.diff.replace("\r\n", "\n") if file_result.diff else None
    return {"lines": lines, "diff": diff}


def _row(result: RunResult, file_result: FileResult, plan: Any) -> list[str]:
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
    why = "; ".join(dict.fromkeys(whys))
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
