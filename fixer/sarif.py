"""Render a RunResult as SARIF 2.1.0, the format GitHub code scanning uploads.

One result per registry that fails Azure.ACR.Firewall and is still open after this run
(after ``--write`` the registries that were fixed are gone), with its file and the region of
its declaration (start and end), and the planned fix as a SARIF ``fixes`` entry whose
replacements carry both character offsets and line/column regions. The message ends with the
registry's notes (pullers a fix may cut off, costs, ...). Suppressed registries are results
too, with a suppression whose status is "accepted" (SARIF 2.1.0 §3.35.3) and the team's
justification, so code scanning shows them as dismissed rather than open. The rule carries
what code scanning reads:
``security-severity`` and tags, Markdown help, a default level. Fingerprints depend on the
file and the registry's name, not on its line or its place among the file's registries, so
an alert stays the same alert when the template changes around it. Pure: returns a string.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any
from urllib.parse import quote

from . import RULE_ID, __version__
from .rule import Verdict, problem, undetermined
from .results import FileResult, RunResult, display_path

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
HELP_URI = "https://azure.github.io/PSRule.Rules.Azure/en/rules/Azure.ACR.Firewall/"
RULE_TITLE = "Restrict network access to container registries"
SRCROOT = "%SRCROOT%"
# GitHub code scanning maps 7.0-8.9 to "high": a registry open to the whole internet exposes
# its images (and, with admin user or tokens, pushes) to anyone who has a credential.
SECURITY_SEVERITY = "7.5"
FINGERPRINT = "acrFixRegistry/v2"
HELP_MARKDOWN = f"""A container registry that accepts connections from the whole internet can be reached by
anyone who holds (or steals) a credential. PSRule for Azure's rule
[{RULE_ID}]({HELP_URI}) passes when the registry

- sets `properties.publicNetworkAccess` to `'Disabled'` (clients use private endpoints), or
- sets `properties.networkRuleSet.defaultAction` to `'Deny'` (only the listed `ipRules`,
  private endpoints and, with `networkRuleBypassOptions: 'AzureServices'`, trusted Azure
  services get through).

Both need the **Premium** SKU, which costs more than Basic or Standard.

**Fix it:** `acr-fix --dry-run` shows the change for each registry, `acr-fix --write` makes it
(comments and formatting kept). Before you deploy, give the registry's clients (web apps,
container apps, AKS, pipelines) a private endpoint or allow their addresses (`--ip-rule`).
To keep a registry open on purpose, suppress it: `acr-fix suppress NAME --reason "..."`.
"""

# Where a suppression was written: in the template itself, or in a file beside it.
_IN_SOURCE_MARKERS = ("inline", "checkov")


def render_sarif(result: RunResult) -> str:
    """The SARIF log as JSON text (2-space indent, trailing newline)."""
    results: list[dict[str, Any]] = []
    for file_result in sorted(result.files, key=lambda f: f.display):
        seen: dict[str, int] = {}
        for plan in sorted(file_result.plans, key=lambda p: (p.registry.line, p.registry.name)):
            # Two registries of one file with the same name (two conditional branches) get
            # their own fingerprints; other registries added around them change nothing.
            occurrence = seen.get(plan.registry.name, 0)
            seen[plan.registry.name] = occurrence + 1
            entry = _result(result, file_result, plan, occurrence)
            if entry is not None:
                results.append(entry)
    notifications = [
        {"level": "warning", "message": {"text": text}} for text in result.warnings
    ] + [
        {"level": "error", "message": {"text": text}}
        for text in list(result.errors) + [f.error for f in result.files if f.error and f.status == "failed"]
    ]
    invocation: dict[str, Any] = {"executionSuccessful": result.exit_code() != 2}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": _driver()},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _driver() -> dict[str, Any]:
    return {
        "name": "acr-fix",
        "version": __version__,
        "rules": [{
            "id": RULE_ID,
            "name": "RestrictContainerRegistryNetworkAccess",
            "shortDescription": {"text": RULE_TITLE},
            "fullDescription": {"text": (
                "A container registry should set properties.publicNetworkAccess to 'Disabled' or "
                "properties.networkRuleSet.defaultAction to 'Deny', so that it is not reachable from "
                "the whole internet (PSRule for Azure rule Azure.ACR.Firewall).")},
            "helpUri": HELP_URI,
            "help": {"text": f"Restrict network access: set publicNetworkAccess to 'Disabled' or "
                             f"networkRuleSet.defaultAction to 'Deny' (Premium SKU). {HELP_URI}",
                     "markdown": HELP_MARKDOWN},
            "defaultConfiguration": {"enabled": True, "level": "error", "rank": -1},
            "properties": {"tags": ["security", "azure", "container-registry", "network", "external/cwe/cwe-284"],
                           "precision": "very-high", "problem.severity": "error",
                           "security-severity": SECURITY_SEVERITY},
        }],
    }


def _result(result: RunResult, file_result: FileResult, plan: Any, occurrence: int = 0) -> dict[str, Any] | None:
    status = plan.status
    if status not in ("fix", "unsafe", "manual", "suppressed"):
        return None
    if status == "fix" and result.written and file_result.status == "fixed":
        return None  # closed by this run
    registry = plan.registry
    uri = _uri(file_result.display)
    level = "warning" if plan.verdict.value == "unknown" else "error"
    text = headline(plan)
    if status == "fix" and plan.fix is not None:
        text += f" Fix: {plan.fix.message}."
    elif status == "unsafe" and plan.fix is not None:
        text += f" Unsafe fix, not applied (--unsafe-fixes applies it): {plan.fix.message}."
    elif status == "manual" and plan.manual:
        text += " Needs a manual fix: " + "; ".join(plan.manual)
    text += _cut_off_text(plan)
    if plan.sku_upgrade:
        text += " The fix upgrades the SKU to Premium, which costs more than Basic or Standard."
    notes = [" ".join(note.split()) for note in plan.notes] if status in ("fix", "unsafe", "manual") else []
    if notes:
        text += " Before you merge: " + "; ".join(n.rstrip(".") for n in notes) + "."
    entry: dict[str, Any] = {
        "ruleId": RULE_ID,
        "ruleIndex": 0,
        "level": level,
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
                "region": declaration_region(registry),
            },
            "logicalLocations": [{"name": registry.display_name, "kind": "resource"}],
        }],
        "partialFingerprints": {FINGERPRINT: _fingerprint(uri, registry.name, occurrence)},
    }
    if status == "suppressed":
        kind = "inSource" if any(m in (plan.suppressed or "") for m in _IN_SOURCE_MARKERS) else "external"
        entry["suppressions"] = [{"kind": kind, "status": "accepted", "justification": plan.suppressed}]
    elif status in ("fix", "unsafe") and plan.fix is not None:
        entry["fixes"] = [_fix(result, plan.fix)]
    related = _related_consumers(result, plan)
    if related:
        entry["relatedLocations"] = related
    if plan.fix is not None and status in ("fix", "unsafe"):
        entry.setdefault("properties", {})["applicability"] = plan.fix.applicability.name.lower()
    return entry


def declaration_region(registry: Any) -> dict[str, int]:
    """The declaration's span: from where reports point (the ``resource`` keyword in Bicep,
    the object's brace in ARM) to the end of the resource."""
    source = registry.doc.source
    start = registry.node.start if registry.declared_at is None else registry.declared_at
    end = max(registry.node.end, start)
    return {"startLine": source.line_of(start), "startColumn": source.column_of(start),
            "endLine": source.line_of(end), "endColumn": source.column_of(end)}


def _cut_off_text(plan: Any) -> str:
    """The consumers an unsafe fix cuts off, and what each needs, for the result's message."""
    if not plan.cut_off:
        return ""
    parts = [f"{lost.consumer.describe(plan.registry.doc.path)} (needs {lost.needs})" for lost in plan.cut_off]
    return " The fix cuts off: " + "; ".join(parts) + "."


def _related_consumers(result: RunResult, plan: Any) -> list[dict[str, Any]]:
    """Every known consumer of the registry as a SARIF related location (ids from 1)."""
    needs = {lost.consumer: lost.needs for lost in plan.cut_off}
    related = []
    for index, consumer in enumerate(plan.registry.consumers, start=1):
        state = f"cut off by the fix; needs {needs[consumer]}" if consumer in needs else "keeps access"
        related.append({
            "id": index,
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(display_path(consumer.path, result.root)), "uriBaseId": SRCROOT},
                "region": {"startLine": max(1, consumer.line)},
            },
            "message": {"text": f"{consumer.kind.value}: {consumer.what}, {consumer.verb} {consumer.how} ({state})"},
        })
    return related


def headline(plan: Any) -> str:
    """The result's first sentence, worded for its verdict (a suppressed registry's plan has
    no problem text: it is read from the registry)."""
    registry = plan.registry
    if plan.verdict == Verdict.UNKNOWN:
        why = undetermined(registry)
        return f"The network access of registry {registry.label} cannot be determined" + (f": {why}." if why else ".")
    return f"Registry {registry.label} is {problem(registry)}."


def _fix(result: RunResult, fix: Any) -> dict[str, Any]:
    by_doc: dict[str, tuple[Any, list[Any]]] = {}
    for change in fix.changes:
        uri = _uri(display_path(change.doc.path, result.root))
        entry = by_doc.setdefault(uri, (change.doc, []))
        for edit in change.edits:
            if edit not in entry[1]:
                entry[1].append(edit)
    changes = []
    for uri in sorted(by_doc):
        doc, edits = by_doc[uri]
        replacements = [_replacement(doc.source, edit) for edit in sorted(edits, key=lambda e: (e.start, e.end))]
        changes.append({"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT}, "replacements": replacements})
    return {"description": {"text": fix.message}, "artifactChanges": changes,
            "properties": {"applicability": fix.applicability.name.lower().replace("_", "-")}}


def _replacement(source: Any, edit: Any) -> dict[str, Any]:
    """A SARIF replacement for ``edit`` (offsets into ``source.text``, which has no BOM)."""
    region = {
        "charOffset": edit.start,
        "charLength": edit.end - edit.start,
        "startLine": source.line_of(edit.start),
        "startColumn": source.column_of(edit.start),
        "endLine": source.line_of(edit.end),
        "endColumn": source.column_of(edit.end),
    }
    replacement: dict[str, Any] = {"deletedRegion": region}
    if edit.text:
        replacement["insertedContent"] = {"text": edit.text}
    return replacement


def _uri(display: str) -> str:
    """A relative path as a URI reference: as it is, unless it holds bytes that are not
    UTF-8 or control characters, which are percent-encoded (RFC 3986)."""
    if display.isprintable() and not any(0xDC80 <= ord(c) <= 0xDCFF for c in display):
        return display
    return quote(os.fsencode(display), safe="/")


def _fingerprint(uri: str, name: str, occurrence: int = 0) -> str:
    """A stable id of the registry: rule, file, name (as suppressions match it) and, for a
    name that occurs more than once in the file, which occurrence."""
    digest = hashlib.sha256(f"{RULE_ID}\0{uri}\0{name}\0{occurrence}".encode("utf-8", "surrogateescape")).hexdigest()
    return digest[:32]

