"""Render a RunResult as text (for people) or JSON (for tools). Pure: returns strings."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from . import RULE_ID, __version__
from .escape import for_terminal
from .planner import Plan
from .results import FileResult, RunResult, display_path

JSON_VERSION = 1

# Verdicts that are not findings: listed only with --show-passing (the JSON always has them).
NOT_FINDINGS = ("pass", "existing", "not-applicable")


@lru_cache(maxsize=None)
def _style(name: str) -> Any:
    # rich is imported only when there is colour to paint: a plain run does not pay for it
    from rich.style import Style

    return Style.parse(name)


def _paint(text: str, style: str, color: bool) -> str:
    """``text`` in ``style`` (a rich style: "red", "bold", ...) as terminal escape codes, or as it is."""
    if not color:
        return text
    from rich.color import ColorSystem

    return _style(style).render(text, color_system=ColorSystem.STANDARD)


def _status_word(plan: Plan, written: bool, failed: bool = False) -> tuple[str, str]:
    """``failed``: the file's fix was refused by the re-check or could not be written."""
    status = plan.status
    if status == "fix" and failed:
        return ("not fixed: the fix could not be written (error below)" if written
                else "fix refused (error below)"), "red"
    if status == "fix":
        word = ("fixed" if written else "would fix")
        return (f"{word} (unsafe fix, allowed)" if plan.cut_off else word), "yellow"
    if status == "unsafe":
        return "unsafe fix, not applied (it cuts off consumers; --unsafe-fixes applies it)", "red"
    if status == "manual":
        return "needs manual fix", "red"
    if status == "suppressed":
        return "suppressed", "cyan"
    if status == "pass":
        return "passes", "green"
    if status == "existing":
        return "existing reference, not checked", "dim"
    if plan.never_deployed:
        return "not applicable: its condition is the literal false, it is never deployed", "dim"
    return "not in scope (not Premium, --premium-only)", "dim"


def summary_counts(result: RunResult) -> dict[str, int]:
    counts = {"files_scanned": result.scanned, "registries": 0, "fix": 0, "unsafe": 0, "manual": 0, "suppressed": 0,
              "pass": 0, "not_applicable": 0, "existing": 0, "errors": 0, "files_changed": 0}
    counts["failed"] = 0
    for file_result, plan in result.plans:
        counts["registries"] += 1
        # a fix that was refused or could not be written is not counted as fixed
        key = "failed" if plan.status == "fix" and file_result.status == "failed" else plan.status.replace("-", "_")
        if key == "not_applicable" and plan.never_deployed:
            key = "never_deployed"
        counts[key] = counts.get(key, 0) + 1
    counts["errors"] = len(result.errors) + sum(1 for f in result.files if f.status == "failed")
    counts["files_changed"] = len(result.changed_files)
    return counts


def render_text(result: RunResult, *, color: bool = False, show_diff: bool = True, quiet: bool = False,
                show_passing: bool = False) -> str:
    """Per registry: file:line, name, verdict, problem, fix, why; then the diffs; then a summary.
    Registries that pass (or are not checked) are listed only with ``show_passing``."""
    out: list[str] = []
    written = result.written
    for file_result in result.files:
        for plan in file_result.plans:
            if plan.status in NOT_FINDINGS and (quiet or not show_passing):
                continue
            # each entry is one line: names from templates and file names cannot add one
            out.extend(for_terminal(line, keep="\x1b" if color else "")
                       for line in _plan_lines(file_result, plan, written, color, result.root))
    if show_diff and not quiet:
        for file_result in result.files:
            if file_result.diff and not (written and file_result.status == "failed"):  # not what the file holds
                out.append(_color_diff(file_result.diff, color).rstrip("\n"))
    if not quiet:
        counts = summary_counts(result)
        verb = "fixed" if written else "to fix"
        out.append(_paint(
            f"{counts['files_scanned']} template file(s), {counts['registries']} registr{'y' if counts['registries'] == 1 else 'ies'}: "
            f"{counts['fix']} {verb}, " + (f"{counts['failed']} not fixed (errors), " if counts["failed"] else "")
            + (f"{counts['unsafe']} unsafe (not applied), " if counts["unsafe"] else "")
            + f"{counts['manual']} manual, {counts['suppressed']} suppressed, "
            f"{counts['pass']} passing{_not_checked(counts)}; {counts['errors']} error(s)", "bold", color)
            + _passing_hint(counts, show_passing))
    return "\n".join(out) + ("\n" if out else "")


def _passing_hint(counts: dict[str, int], show_passing: bool) -> str:
    hidden = counts["pass"] + counts.get("existing", 0) + counts.get("not_applicable", 0)
    return "" if show_passing or not hidden else " (--show-passing lists the registries that pass)"


def _concise_line(file_result: FileResult, plan: Plan, written: bool, color: bool) -> str:
    registry = plan.registry
    word, style = _status_word(plan, written, file_result.status == "failed")
    fixable = plan.status == "fix" and file_result.status != "failed"
    head = f"{file_result.display}:{registry.line}:{registry.column}: {_paint(RULE_ID, 'red' if plan.status not in NOT_FINDINGS else 'dim', color)}"
    head += f" {_paint('[*]', 'cyan', color)}" if fixable else ""
    detail = plan.problem or ""
    if plan.status == "manual" and plan.manual:
        detail = f"{detail}; {plan.manual[0]}" if detail else plan.manual[0]
    elif plan.suppressed:
        detail = plan.suppressed  # (after the word "suppressed": the reason alone)
    elif plan.status == "unsafe" and plan.cut_off:
        kinds = ", ".join(dict.fromkeys(lost.consumer.kind.value for lost in plan.cut_off))
        detail = f"{detail}; the fix cuts off {len(plan.cut_off)} consumer(s): {kinds}"
    elif plan.status == "fix" and plan.strategy and not written:
        word = f"{word} ({plan.strategy})"
    return f"{head} registry {registry.label}: {_paint(word, style, color)}" + (f": {detail}" if detail else "")


def render_concise(result: RunResult, *, color: bool = False, quiet: bool = False, show_passing: bool = False) -> str:
    """One line per finding, ``file:line:column: rule [*] registry 'name': verdict: problem``
    (``[*]``: ``--write`` fixes it), as ruff's concise format; then one line of totals.
    Suppressed and passing registries are listed only with ``show_passing``."""
    out: list[str] = []
    for file_result in result.files:
        for plan in file_result.plans:
            if (plan.status in NOT_FINDINGS or plan.suppressed) and not show_passing:
                continue
            line = _concise_line(file_result, plan, result.written, color)
            out.append(for_terminal(line, keep="\x1b" if color else ""))   # names cannot add a line
    if not quiet:
        counts = summary_counts(result)
        findings = counts["fix"] + counts["failed"] + counts["manual"] + counts["unsafe"]
        verb = "fixed" if result.written else "fixable with --write"
        out.append(f"Found {findings} open registr{'y' if findings == 1 else 'ies'} in {counts['files_scanned']} "
                   f"template file(s): {counts['fix']} {verb}, "
                   + (f"{counts['unsafe']} unsafe (--unsafe-fixes applies them), " if counts["unsafe"] else "")
                   + f"{counts['manual']} manual"
                   + (f", {counts['failed']} not fixed (errors)" if counts["failed"] else "")
                   + f"; {counts['suppressed']} suppressed, {counts['pass']} passing; {counts['errors']} error(s).")
    return "\n".join(out) + ("\n" if out else "")


def nothing_found(result: RunResult, paths: list) -> str:
    """What an empty run looked for, and where (the paths as given)."""
    where = ", ".join(str(p) for p in paths)
    if not result.scanned:
        return (f"no templates under {where}: acr-fix reads ARM templates (.json, .jsonc) and Bicep files "
                f"(.bicep, .bicepparam), skipping .git, node_modules, virtual environments, what .gitignore "
                f"ignores (--no-gitignore reads it) and exclude globs")
    failed = sum(1 for f in result.files if f.status == "failed")
    unread = f" ({failed} of them could not be read: see the errors)" if failed else ""
    return (f"no container registries in the {result.scanned} template file(s) under {where}{unread}: acr-fix looks for "
            f"Microsoft.ContainerRegistry/registries resources (and Bicep modules that deploy them)")


def _not_checked(counts: dict[str, int]) -> str:
    """The registries the rule does not apply to, so the summary adds up (only when there are)."""
    parts = []
    if counts.get("existing"):
        parts.append(f"{counts['existing']} existing reference{'s' if counts['existing'] != 1 else ''}")
    if counts.get("not_applicable"):
        parts.append(f"{counts['not_applicable']} not Premium (--premium-only)")
    if counts.get("never_deployed"):
        parts.append(f"{counts['never_deployed']} never deployed (condition false)")
    return "".join(f", {part}" for part in parts)


def _plan_lines(file_result: FileResult, plan: Plan, written: bool, color: bool, root) -> list[str]:
    registry = plan.registry
    word, style = _status_word(plan, written, file_result.status == "failed")
    head = f"{for_terminal(file_result.display)}:{registry.line}: registry {for_terminal(registry.label)}: " \
           f"{_paint(word, style, color)}"
    lines = [head]
    if plan.status in ("pass", "existing", "not-applicable"):
        return lines
    if plan.problem:
        lines.append(f"  problem: {plan.problem}")
    if plan.suppressed:
        lines.append(f"  suppressed by {plan.suppressed}")
        return lines
    if plan.fix is not None and plan.status in ("fix", "unsafe"):
        lines.append(f"  fix ({plan.strategy}{', unsafe' if plan.cut_off else ''}):")
        for change in plan.fix.changes:
            elsewhere = os.path.abspath(change.doc.path) != os.path.abspath(file_result.path)
            at = f" [{display_path(change.doc.path, root)}:{change.line}]" if elsewhere else f" [line {change.line}]"
            lines.append(f"    - {change.what}{at}")
            if change.why:
                lines.append(f"      why: {change.why}")
    for reason in plan.manual:
        lines.append(f"  manual: {reason}")
    for note in plan.notes:
        if plan.status in ("fix", "unsafe"):
            lines.append(f"  note: {note}")
    lines.extend(_cut_off_lines(plan))
    if file_result.status == "failed" and file_result.error:
        lines.append(f"  error: {file_result.error}")
    return lines


def _cut_off_lines(plan: Plan) -> list[str]:
    """One line per consumer the fix cuts off, and what it needs to keep working."""
    home = plan.registry.doc.path
    lines: list[str] = []
    for lost in plan.cut_off:
        lines += [f"  cuts off: {lost.consumer.describe(home)}", f"    needs: {lost.needs}"]
    return lines


def consumer_data(consumer, root=None, needs: str | None = None) -> dict[str, Any]:
    """A consumer for the JSON report: kind, file, line, how it reaches the registry."""
    data: dict[str, Any] = {
        "kind": consumer.kind.value,
        "what": consumer.what,
        "file": display_path(consumer.path, root) if root is not None else consumer.path.as_posix(),
        "line": consumer.line,
        "how": consumer.how,
        "pushes": consumer.pushes,
        "trusted_service": consumer.trusted,
        "cut_off": needs is not None,
    }
    if needs is not None:
        data["needs"] = needs
    return data


def _color_diff(diff: str, color: bool) -> str:
    if not color:
        return diff
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith(("+++", "---")):
            out.append(_paint(line.rstrip("\r\n"), "bold", True) + "\n")
        elif line.startswith("+"):
            out.append(_paint(line.rstrip("\r\n"), "green", True) + line[len(line.rstrip("\r\n")):])
        elif line.startswith("-"):
            out.append(_paint(line.rstrip("\r\n"), "red", True) + line[len(line.rstrip("\r\n")):])
        elif line.startswith("@@"):
            out.append(_paint(line.rstrip("\r\n"), "cyan", True) + "\n")
        else:
            out.append(line)
    return "".join(out)


def plan_data(file_result: FileResult, plan: Plan, root=None) -> dict[str, Any]:
    registry = plan.registry
    data: dict[str, Any] = {
        "name": registry.name,
        "display_name": registry.display_name,
        "name_is_expression": registry.shown_is_expression,
        "symbolic_name": registry.symbolic,
        "line": registry.line,
        "column": registry.column,
        "verdict": plan.verdict.value,
        "status": plan.status,
        "problem": plan.problem or None,
        "strategy": plan.strategy,
        "applicability": plan.fix.applicability.name.lower() if plan.fix is not None else None,
        "sku_upgrade": plan.sku_upgrade,
        "suppressed": plan.suppressed,
        "manual": list(plan.manual),
        "notes": list(plan.notes),
        "refused_by_azure": plan.refused,
        "consumers": _consumers_data(plan, root),
        "values": {
            "sku.name": _value(registry.sku_name, root),
            "publicNetworkAccess": _value(registry.public_network_access, root),
            "networkRuleSet.defaultAction": _value(registry.default_action, root),
            "networkRuleBypassOptions": _value(registry.bypass, root),
            "apiVersion": _value(registry.api_version, root),
        },
        "changes": [],
    }
    if plan.fix is not None and plan.status in ("fix", "unsafe"):
        for change in plan.fix.changes:
            data["changes"].append({
                "file": display_path(change.doc.path, root) if root is not None else str(change.doc.path),
                "line": change.line,
                "what": change.what,
                "why": change.why,
                "edits": [{"start": e.start, "end": e.end, "text": e.text} for e in change.edits],
            })
    return data


def _consumers_data(plan: Plan, root=None) -> list[dict[str, Any]]:
    needs = {lost.consumer: lost.needs for lost in plan.cut_off}
    return [consumer_data(c, root, needs.get(c)) for c in plan.registry.consumers]


def _value(resolved, root=None) -> dict[str, Any]:
    out: dict[str, Any] = {"origin": resolved.origin.value, "value": resolved.value}
    if resolved.detail:
        out["detail"] = resolved.detail
    if resolved.doc is not None and resolved.node is not None:
        where = display_path(resolved.doc.path, root) if root is not None else str(resolved.doc.path)
        out["defined_at"] = f"{where}:{resolved.doc.line(resolved.node)}"
    return out


def render_json(result: RunResult, mode: str) -> str:
    """One JSON document: files, registries, verdicts, plans, edits, errors (shape in README)."""
    files = []
    for file_result in result.files:
        files.append({
            "path": file_result.display,
            "role": file_result.role,
            "status": file_result.status,
            "error": file_result.error,
            "diff": file_result.diff or None,
            "semantic_changes": list(file_result.semantic_changes),
            "registries": [plan_data(file_result, p, result.root) for p in file_result.plans],
        })
    document = {
        "version": JSON_VERSION,
        "tool": {"name": "acr-fix", "version": __version__},
        "rule": RULE_ID,
        "mode": mode,
        "exit_code": result.exit_code(),
        "summary": summary_counts(result),
        "files": files,
        "errors": list(result.errors) + [f.error for f in result.files if f.error and f.status == "failed"],
        "warnings": list(result.warnings),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
