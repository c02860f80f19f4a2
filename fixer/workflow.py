"""Render a RunResult for GitHub Actions: annotations (workflow commands), step outputs and
the job summary. Pure: returns strings; the Action only routes them to stdout,
``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``.

An annotation is one line, ``::error file=F,line=L,endLine=E,title=T::MESSAGE``, escaped as
the workflow-command format requires (``%``, CR and LF in the message; also ``:`` and ``,`` in
property values), so a file or registry name can neither break the line nor start another
command.
"""

from __future__ import annotations

from typing import Any

from . import RULE_ID
from .markdown import render_markdown
from .report import summary_counts
from .rule import Verdict
from .run import FileResult, RunResult
from .sarif import declaration_region, headline

LEVELS = ("error", "warning", "notice")
# GitHub refuses a job summary over 1 MiB; the margin covers multi-byte characters' UTF-8 form.
STEP_SUMMARY_LIMIT = 1024 * 1024 // 4


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as the message, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: Any) -> str:
    """One workflow command line; properties with value None are left out."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def render_github(result: RunResult, level: str = "error") -> str:
    """A one-line count first (GitHub shows only the first few annotations of a step on the
    pull request), then one annotation per open registry (``level`` for registries that fail
    the rule; "warning" for those whose access cannot be read), a notice per suppressed one,
    then the run's warnings and errors. Registries this run fixed (``--write``) are not
    annotated."""
    if level not in LEVELS:
        raise ValueError(f"annotation level must be one of {', '.join(LEVELS)}, not {level!r}")
    lines: list[str] = []
    counts = summary_counts(result)
    open_ = (0 if result.written else counts["fix"]) + counts["manual"] + counts.get("failed", 0)
    if open_:
        lines.append(command(level, f"{open_} container registr{'y is' if open_ == 1 else 'ies are'} open to the "
                             f"internet ({counts['manual']} need a manual fix): each is annotated at its file; "
                             "see the job summary or code scanning, or run `acr-fix --dry-run`", title="acr-fix"))
    for file_result in sorted(result.files, key=lambda f: f.display):
        for plan in sorted(file_result.plans, key=lambda p: (p.registry.line, p.registry.name)):
            line = _annotation(result, file_result, plan, level)
            if line is not None:
                lines.append(line)
        if file_result.error and file_result.status in ("failed", "skipped"):
            kind = "error" if file_result.status == "failed" else "warning"
            lines.append(command(kind, file_result.error, file=file_result.display, title="acr-fix"))
    lines.extend(command("warning", text, title="acr-fix") for text in result.warnings)
    lines.extend(command("error", text, title="acr-fix") for text in result.errors)
    return "".join(line + "\n" for line in lines)


def _annotation(result: RunResult, file_result: FileResult, plan: Any, level: str) -> str | None:
    status = plan.status
    if status not in ("fix", "manual", "suppressed"):
        return None
    if status == "fix" and result.written and file_result.status == "fixed":
        return None
    region = declaration_region(plan.registry)
    where = {"file": file_result.display, "line": region["startLine"], "endLine": region["endLine"]}
    if status == "suppressed":
        return command("notice", f"{headline(plan)} Suppressed: {plan.suppressed}",
                       title=f"{RULE_ID} (suppressed)", **where)
    kind = "warning" if plan.verdict == Verdict.UNKNOWN and level == "error" else level
    text = [headline(plan)]
    if status == "fix" and plan.fix is not None:
        text.append(f"Fix: {plan.fix.message}. Run `acr-fix --write {file_result.display}` to apply it.")
    elif plan.manual:
        text.append("Needs a manual fix: " + "; ".join(plan.manual))
    text.extend(f"Note: {note}" for note in plan.notes)
    return command(kind, "\n".join(text), title=RULE_ID, **where)


def render_github_output(result: RunResult, sarif_file: str | None = None) -> str:
    """``name=value`` lines for ``$GITHUB_OUTPUT``: findings (registries that fail the rule and
    are not suppressed), fixed (fixed by this run, or that a dry run would fix), manual,
    suppressed, files-changed, and sarif-file when given. (The exit code is the process's;
    the Action records it itself.)"""
    counts = summary_counts(result)
    findings = counts["fix"] + counts["manual"] + counts.get("failed", 0)
    values = {"findings": findings, "fixed": counts["fix"], "manual": counts["manual"],
              "suppressed": counts["suppressed"], "files-changed": counts["files_changed"]}
    if sarif_file is not None:
        values["sarif-file"] = sarif_file
    return "".join(f"{key}={' '.join(str(value).split())}\n" for key, value in values.items())


def render_step_summary(result: RunResult) -> str:
    """The Markdown report, capped to what a job summary accepts."""
    return render_markdown(result, max_length=STEP_SUMMARY_LIMIT)
