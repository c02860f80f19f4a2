"""The words of the bot: commit message, pull request title and body.

Pure functions of a RunResult; nothing here runs git or talks to GitHub.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import RULE_ID, __version__
from ..planner import Plan
from ..run import FileResult, RunResult, display_path

MARKER = "<!-- acr-fix:bot -->"
TRAILER = "Generated-by: acr-fix"
# GitHub refuses pull request bodies longer than 65 536 characters.
MAX_BODY = 65_000


def fixed_plans(result: RunResult) -> list[tuple[FileResult, Plan]]:
    return [(f, p) for f, p in result.plans if p.status == "fix" and p.fix is not None
            and f.status not in ("failed", "skipped")]


def title(result: RunResult) -> str:
    count = len(fixed_plans(result))
    noun = "registry" if count == 1 else "registries"
    return f"Restrict network access of {count} container {noun} ({RULE_ID})"


def commit_message(result: RunResult) -> str:
    """Subject, then per template file and registry what changed (and where, when a fix
    edits another file such as a parameter file), then the trailer the bot knows itself by."""
    lines = [title(result), ""]
    by_file: dict[str, list[Plan]] = {}
    for file_result, plan in fixed_plans(result):
        by_file.setdefault(file_result.display, []).append(plan)
    for display, plans in by_file.items():
        lines.append(f"{display}:")
        for plan in plans:
            lines.append(f"- registry '{plan.registry.name}' (line {plan.registry.line}):")
            for what in _changes(plan, result):
                lines.append(f"  - {what}")
        lines.append("")
    if any(p.sku_upgrade for _, p in fixed_plans(result)):
        lines += ["Premium costs more than Basic or Standard; see the pull request for details.", ""]
    lines.append(f"{TRAILER} {__version__}")
    return "\n".join(lines) + "\n"


def _changes(plan: Plan, result: RunResult) -> list[str]:
    out = []
    assert plan.fix is not None
    for change in plan.fix.changes:
        where = ""
        if change.doc.path.resolve() != plan.registry.doc.path.resolve():
            where = f" ({display_path(change.doc.path, result.root)}:{change.line})"
        out.append(f"{change.what}{where}")
    return out


def body(result: RunResult, render_markdown: Callable[[RunResult], str] | None = None) -> str:
    """The pull request body: marker, introduction, the Markdown report, footer.

    ``render_markdown`` is the report renderer (``fixer.report.render_markdown``); without
    it the bot's own table and diff are used. Over GitHub's size limit, diffs are cut and
    the reader is sent to the branch.
    """
    count = len(fixed_plans(result))
    intro = (f"acr-fix found {count} Azure container "
             f"{'registry' if count == 1 else 'registries'} open to the internet "
             f"(rule `{RULE_ID}`, Azure Policy \"Container registries should not allow unrestricted "
             "network access\") and proposes the changes below.")
    if any(p.sku_upgrade for _, p in fixed_plans(result)):
        intro += ("\n\n> [!IMPORTANT]\n> Some registries are upgraded to the Premium SKU, which network rules need. "
                  "Premium costs more than Basic or Standard "
                  "(https://azure.microsoft.com/pricing/details/container-registry/).")
    footer = (f"---\n<sub>Opened by `acr-fix pr` {__version__}. Running it again updates this pull request; "
              "it stops rather than overwrite commits that others push to this branch.</sub>")
    report = render_markdown(result) if render_markdown is not None else report_markdown(result)
    text = f"{MARKER}\n{intro}\n\n{report.strip()}\n\n{footer}\n"
    if len(text) > MAX_BODY:
        report = report_markdown(result, with_diff=False)
        note = "\n\n_The diff is too large for a pull request description; see the Files changed tab._"
        text = f"{MARKER}\n{intro}\n\n{report.strip()}{note}\n\n{footer}\n"
    return text[:MAX_BODY]


def report_markdown(result: RunResult, with_diff: bool = True) -> str:
    """A table per file (registry, problem, fix, why, cost) and the diff of every changed file."""
    out: list[str] = []
    plans_by_file: dict[str, list[Plan]] = {}
    for file_result, plan in result.plans:
        if plan.status in ("fix", "manual"):
            plans_by_file.setdefault(file_result.display, []).append(plan)
    for display, plans in plans_by_file.items():
        out += [f"### `{display}`", "", "| Registry | Problem | Fix | Why | Cost |", "| --- | --- | --- | --- | --- |"]
        for plan in plans:
            if plan.status == "fix" and plan.fix is not None:
                fix = "<br>".join(_cell(w) for w in _changes(plan, result))
                why = "<br>".join(_cell(c.why) for c in plan.fix.changes if c.why) or "&nbsp;"
            else:
                fix = "**manual:** " + "<br>".join(_cell(m) for m in plan.manual)
                why = "acr-fix cannot change this safely"
            cost = "Premium costs more than Basic/Standard" if plan.sku_upgrade else "&nbsp;"
            out.append(f"| `{_cell(plan.registry.name)}` (line {plan.registry.line}) | {_cell(plan.problem)} "
                       f"| {fix} | {why} | {cost} |")
        out.append("")
    errors = list(result.errors) + [f.error for f in result.files if f.error and f.status in ("failed", "skipped")]
    if errors:
        out += ["### Not processed", ""] + [f"- {_cell(e)}" for e in errors] + [""]
    if with_diff:
        diffs = [f for f in result.files if f.diff and f.status not in ("failed", "skipped")]
        if diffs:
            out += ["### Diff", ""]
            for file_result in diffs:
                fence = _fence(file_result.diff)
                out += [f"{fence}diff", file_result.diff.rstrip("\n"), fence, ""]
    return "\n".join(out)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _fence(text: str) -> str:
    longest = 2
    run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * (longest + 1)
