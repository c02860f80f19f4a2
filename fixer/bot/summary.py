"""The campaign table for ``$GITHUB_STEP_SUMMARY`` (and the end of ``acr-fix fleet run``):
one row per repository from its JSON result. A pure function; nothing here reads files."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from .campaign import ERROR, SKIPPED, RepoResult
from .fleet import FleetPlan, Skipped

# What each of acr-fix pr's actions means in the table's Pull request column.
ACTION_WORDS = {"opened": "opened", "updated": "updated", "unchanged": "up to date", "declined": "declined (closed unmerged)",
                "closed": "closed as stale", "nothing-to-fix": "nothing to fix", "dry-run": "would open or update"}
MAX_ERROR_TEXT = 200
# A link target taken as it is: http(s), none of the characters that could end the link or the
# cell or start HTML. Anything else is shown without a link.
_SAFE_URL = re.compile(r"^https?://[^\s()<>\[\]|`\\\"']+$")


def _cell(text: str) -> str:
    """Text safe in a table cell: one line, HTML and Markdown specials escaped, no pipes."""
    text = html.escape(" ".join(str(text).split()), quote=False)
    return re.sub(r"([\\`*_\[\]|#~])", r"\\\1", text)


def _pull_cell(result: RepoResult) -> str:
    if result.status == SKIPPED:
        return f"skipped: {_cell(result.message)}" if result.message else "skipped"
    words = ACTION_WORDS.get(result.action, _cell(result.action))
    if result.pull_url and result.pull_number is not None and _SAFE_URL.match(result.pull_url):
        return f"[#{result.pull_number}]({result.pull_url}) {words}"
    if result.status == ERROR and not result.action:
        return "failed"
    return words


def _errors_cell(result: RepoResult) -> str:
    if not result.errors:
        return "0"
    first = result.errors[0]
    if len(first) > MAX_ERROR_TEXT:
        first = first[:MAX_ERROR_TEXT - 1] + "…"
    more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
    return f"{len(result.errors)}: {_cell(first)}{more}"


def totals(results: Sequence[RepoResult]) -> dict[str, int]:
    counts = {"repositories": len(results), "dry_run": 0, "opened": 0, "updated": 0, "unchanged": 0, "closed": 0,
              "declined": 0, "nothing_to_fix": 0, "skipped": 0, "failed": 0,
              "fixed": 0, "unsafe": 0, "manual": 0}
    for result in results:
        if result.status == SKIPPED:
            counts["skipped"] += 1
        elif result.status == ERROR:
            counts["failed"] += 1
        key = result.action.replace("-", "_")
        if result.status != SKIPPED and key in counts:
            counts[key] += 1
        counts["fixed"] += result.fixed
        counts["unsafe"] += result.unsafe
        counts["manual"] += result.manual
    return counts


def render_summary(results: Sequence[RepoResult], title: str = "acr-fix campaign",
                   skipped: Sequence[Skipped] = ()) -> str:
    """Markdown: a heading, a line of totals, then the table (repositories sorted by name:
    Repository, Pull request, Fixed, Unsafe, Manual, Errors), then the repositories the plan
    left out and why (folded: with --detect tree most of an organisation can be there)."""
    counts = totals(results)
    parts = [f"{counts['repositories']} repositor{'y' if counts['repositories'] == 1 else 'ies'}"]
    for key, words in (("dry_run", "would get a pull request"), ("opened", "opened"), ("updated", "updated"), ("unchanged", "up to date"),
                       ("closed", "closed as stale"), ("declined", "declined"), ("nothing_to_fix", "nothing to fix"),
                       ("skipped", "skipped"), ("failed", "failed")):
        if counts[key]:
            parts.append(f"{counts[key]} {words}")
    lines = [f"## {_cell(title)}", "",
             ", ".join(parts) + f". Registries: {counts['fixed']} fixed, {counts['unsafe']} of them unsafe, "
             f"{counts['manual']} need manual action.", ""]
    if not results:
        lines += ["No repositories in this campaign.", ""]
    else:
        lines += ["| Repository | Pull request | Fixed | Unsafe | Manual | Errors |",
                  "| --- | --- | ---: | ---: | ---: | --- |"]
        for result in sorted(results, key=lambda r: r.repository.lower()):
            lines.append(f"| {_cell(result.repository)} | {_pull_cell(result)} | {result.fixed} | {result.unsafe} | "
                         f"{result.manual} | {_errors_cell(result)} |")
        lines.append("")
    if skipped:
        lines += [f"<details><summary>{len(skipped)} repositor{'y' if len(skipped) == 1 else 'ies'} not in the "
                  "campaign</summary>", ""]
        lines += [f"- {_cell(s.repository)}: {_cell(s.reason)}" for s in sorted(skipped, key=lambda s: s.repository.lower())]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def render_plan_summary(plan: FleetPlan, jobs: int) -> str:
    """The plan job's part of the step summary: how many repositories in how many jobs, and
    the ones left out with the reason."""
    count = len(plan.targets)
    lines = ["## acr-fix campaign plan", "",
             f"{count} repositor{'y' if count == 1 else 'ies'} in {jobs} job{'' if jobs == 1 else 's'}; "
             f"{len(plan.skipped)} left out.", ""]
    if plan.skipped:
        lines += [f"- {_cell(s.repository)}: {_cell(s.reason)}" for s in sorted(plan.skipped, key=lambda s: s.repository.lower())]
        lines.append("")
    if plan.notes:
        lines += [f"> {_cell(note)}" for note in plan.notes] + [""]
    return "\n".join(lines)


__all__: Sequence[str] = ("render_summary", "render_plan_summary", "totals", "ACTION_WORDS")
