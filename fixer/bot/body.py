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


# GitHub refuses pull request bodies longer than 65,536 characters; the margin allows for any
# difference in how characters are counted.
MAX_BODY = 65_000
# git's and GitHub's convention: a subject that fits a one-line log and a PR list.
MAX_SUBJECT = 72
# GitHub refuses longer pull request titles.
MAX_TITLE = 256
# The commit body lists registries while it stays this short; the pull request has the rest.
MAX_COMMIT_BODY = 2_000


def fixed_plans(result: RunResult) -> list[tuple[FileResult, Plan]]:
    return [(f, p) for f, p in result.plans if p.status == "fix" and p.fix is not None
            and f.status not in ("failed", "skipped")]


def _count(result: RunResult) -> tuple[int, str]:
    count = len(fixed_plans(result))
    return count, "registry" if count == 1 else "registries"


def title(result: RunResult, scope: str | None = None) -> str:
    """The pull request title; ``scope``: the part of the repository a split pull request
    covers (a folder or an owner)."""
    count, noun = _count(result)
    text = f"Restrict network access of {count} container {noun}"
    if scope:
        room = MAX_TITLE - len(text) - len(f" in  ({RULE_ID})")
        text += " in " + (scope if len(scope) <= room else scope[:room - 1] + "…")
    return f"{text} ({RULE_ID})"


def subject(result: RunResult, scope: str | None = None) -> str:
    """The commit subject, at most MAX_SUBJECT characters (a long scope is shortened)."""
    count, noun = _count(result)
    text = f"Restrict network access of {count} container {noun}"
    if not scope:
        return text
    text = f"Restrict network access of {count} {noun}"
    room = MAX_SUBJECT - len(text) - len(" in ")
    if len(scope) > room:
        scope = scope[:max(0, room - 1)] + "…"
    return f"{text} in {scope}"


def commit_message(result: RunResult, scope: str | None = None) -> str:
    """Subject (at most 72 characters), a short body, the trailer the bot knows itself by.

    The body lists per template file and registry what changed (and where, when a fix edits
    another file such as a parameter file) while it stays under MAX_COMMIT_BODY characters;
    the rest is counted and left to the pull request, which has every detail."""
    count, noun = _count(result)
    plans = fixed_plans(result)
    files = len({f.display for f, _ in plans})
    lines = [subject(result, scope), "",
             f"Stop {count} Azure container {noun} in {files} file{'' if files == 1 else 's'} from being "
             f"open to the whole internet ({RULE_ID}).", ""]
    by_file: dict[str, list[Plan]] = {}
    for file_result, plan in plans:
        by_file.setdefault(file_result.display, []).append(plan)
    size = 0
    listed = 0
    for display, file_plans in by_file.items():
        block = [f"{display}:"]
        for plan in file_plans:
            block.append(f"- registry {plan.registry.label} (line {plan.registry.line}):")
            block.extend(f"  - {what}" for what in _changes(plan, result))
        block.append("")
        cost = sum(len(line) + 1 for line in block)
        if size + cost > MAX_COMMIT_BODY:
            break
        size += cost
        listed += len(file_plans)
        lines.extend(block)
    if listed < count:
        rest = count - listed
        lines += [f"{rest} more registr{'y' if rest == 1 else 'ies'}: see the pull request, or run "
                  "`acr-fix --dry-run`.", ""]
    if any(p.sku_upgrade for _, p in plans):
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


def body(result: RunResult, scope: str | None = None, max_length: int = MAX_BODY) -> str:
    """The pull request body, at most ``max_length`` characters: the marker the bot finds its
    own pull request by, the scope of a split pull request, a cost callout when SKUs are
    upgraded, the Markdown report (capped: see fixer.markdown) and a footer."""
    scope_line = f"This pull request covers {scope}; acr-fix opens one pull request for each part.\n\n" if scope else ""
    callout = ""
    if any(p.sku_upgrade for _, p in fixed_plans(result)):
        callout = ("> [!IMPORTANT]\n> Some registries are upgraded to the Premium SKU, which network rules need. "
                   "Premium costs more than Basic or Standard "
                   "(https://azure.microsoft.com/pricing/details/container-registry/).\n\n")
    footer = (f"---\n<sub>Opened by `acr-fix pr` {__version__}. Running it again updates this pull request; "
              "it stops rather than overwrite commits that others push to this branch.</sub>\n")
    room = max_length - len(MARKER) - len(scope_line) - len(callout) - len(footer) - 4
    report = render_markdown(result, max_length=room).strip()
    return f"{MARKER}\n{scope_line}{callout}{report}\n\n{footer}"


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
