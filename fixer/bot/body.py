"""The words of the bot: commit message, pull request title and body.

Pure functions of a RunResult; nothing here runs git or talks to GitHub.
"""

from __future__ import annotations

from .. import RULE_ID, __version__
from ..escape import for_commit_message
from ..markdown import render_markdown
from ..planner import Plan
from ..results import FileResult, RunResult, display_path

MARKER = "<!-- acr-fix:bot -->"
# Added to the body of a pull request the bot closed itself because nothing was left to fix,
# so a later run does not mistake it for one a person closed to decline the fix.
CLOSED_MARKER = "<!-- acr-fix:closed-as-stale -->"
# Starts the comment the bot posts before closing its stale pull request, with the tip of the
# bot's branch: a run that finds its own comment for that tip does not post it again.
CLOSING_MARKER = "<!-- acr-fix:closing {tip} -->"
TRAILER = "Generated-by: acr-fix"


def is_bot_body(text: str) -> bool:
    """A pull request body the bot wrote: its marker starts it. Only there: template text
    quoted in the report below (a registry name, an error) cannot make a body the bot's."""
    return text.startswith(MARKER)


def closed_as_stale(text: str) -> bool:
    """A body the bot marked when it closed its own stale pull request (see closed_body):
    the marker right after the bot's own, never anywhere in the text."""
    return text.startswith(f"{MARKER}\n{CLOSED_MARKER}")


def is_closing_comment(text: str, tip: str) -> bool:
    """The bot's comment before closing at ``tip``: the marker starts the comment."""
    return text.startswith(closing_marker(tip))
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
            lines.append(f"- registry {plan.registry.label} (line {plan.registry.line}):")
            for what in _changes(plan, result):
                lines.append(f"  - {what}")
        lines.append("")
    if any(p.sku_upgrade for _, p in fixed_plans(result)):
        lines += ["Premium costs more than Basic or Standard; see the pull request for details.", ""]
    lines.append(f"{TRAILER} {__version__}")
    # each entry is one line: a name from a template cannot add a paragraph or a trailer
    return "\n".join(for_commit_message(line) for line in lines) + "\n"


def _changes(plan: Plan, result: RunResult) -> list[str]:
    out = []
    assert plan.fix is not None
    for change in plan.fix.changes:
        where = ""
        if change.doc.path.resolve() != plan.registry.doc.path.resolve():
            where = f" ({display_path(change.doc.path, result.root)}:{change.line})"
        out.append(f"{change.what}{where}")
    return out


def body(result: RunResult) -> str:
    """The pull request body: the marker the bot finds its own pull request by, a cost
    callout when SKUs are upgraded, the Markdown report (tables and diffs; diffs are dropped
    when the text would pass GitHub's size limit) and a footer."""
    callout = ""
    if any(p.sku_upgrade for _, p in fixed_plans(result)):
        callout = ("> [!IMPORTANT]\n> Some registries are upgraded to the Premium SKU, which network rules need. "
                   "Premium costs more than Basic or Standard "
                   "(https://azure.microsoft.com/pricing/details/container-registry/).\n\n")
    footer = (f"---\n<sub>Opened by `acr-fix pr` {__version__}. Running it again updates this pull request; "
              "it stops rather than overwrite commits that others push to this branch.</sub>\n")
    room = MAX_BODY - len(MARKER) - len(callout) - len(footer) - 4
    report = render_markdown(result, max_length=room).strip()
    return f"{MARKER}\n{callout}{report}\n\n{footer}"


def closing_marker(tip: str) -> str:
    """The hidden line that marks the closing comment for the bot's branch at ``tip``."""
    return CLOSING_MARKER.format(tip=tip)


def closing_comment(base: str, sha: str, manual: int = 0, tip: str = "") -> str:
    """The comment the bot posts on its pull request before closing it as stale; ``tip``: the
    commit its branch is at (see CLOSING_MARKER)."""
    text = f"{closing_marker(tip)}\n" if tip else ""
    text += (f"acr-fix found nothing left to fix on `{base}` at {sha[:12]}, so this pull request is stale: "
            "closing it. acr-fix opens a new pull request if a fix is needed again.")
    if manual:
        noun = "registry needs" if manual == 1 else "registries need"
        text += f"\n\n{manual} {noun} manual action, which acr-fix cannot make; run `acr-fix --dry-run` to see why."
    return text + "\n"


def closed_body(text: str) -> str:
    """``text`` with CLOSED_MARKER after the bot's marker (once; the rest unchanged)."""
    if closed_as_stale(text):
        return text
    if text.startswith(MARKER):
        return f"{MARKER}\n{CLOSED_MARKER}{text[len(MARKER):]}"
    return f"{CLOSED_MARKER}\n{text}"
