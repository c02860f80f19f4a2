"""Render a RunResult as SARIF 2.1.0, the format GitHub code scanning uploads.

One result per registry that fails Azure.ACR.Firewall and is still open after this run
(after ``--write`` the registries that were fixed are gone), with its file, line and
column, and the planned fix as a SARIF ``fixes`` entry whose replacements carry both
character offsets and line/column regions. Suppressed registries are results too, marked
with a SARIF ``suppressions`` entry and the team's justification, so code scanning shows
them as dismissed rather than open. Pure: returns a string.
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

# Where a suppression was written: in the template itself, or in a file beside it.
_IN_SOURCE_MARKERS = ("inline", "checkov")


def render_sarif(result: RunResult) -> str:
    """The SARIF log as JSON text (2-space indent, trailing newline)."""
    results: list[dict[str, Any]] = []
    for file_result in sorted(result.files, key=lambda f: f.display):
        for plan in sorted(file_result.plans, key=lambda p: (p.registry.line, p.registry.name)):
            entry = _result(result, file_result, plan)
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
            "help": {"text": f"See {HELP_URI}"},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["security", "azure", "container-registry"], "precision": "very-high"},
        }],
    }


def _result(result: RunResult, file_result: FileResult, plan: Any) -> dict[str, Any] | None:
    status = plan.status
    if status not in ("fix", "manual", "suppressed"):
        return None
    if status == "fix" and result.written and file_result.status == "fixed":
        return None  # closed by this run
    registry = plan.registry
    uri = _uri(file_result.display)
    column = registry.column
    level = "warning" if plan.verdict.value == "unknown" else "error"
    text = _headline(plan)
    if status == "fix" and plan.fix is not None:
        text += f" Fix: {plan.fix.message}."
    elif status == "manual" and plan.manual:
        text += " Needs a manual fix: " + "; ".join(plan.manual)
    if plan.sku_upgrade:
        text += " The fix upgrades the SKU to Premium, which costs more than Basic or Standard."
    entry: dict[str, Any] = {
        "ruleId": RULE_ID,
        "ruleIndex": 0,
        "level": level,
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
                "region": {"startLine": registry.line, "startColumn": column},
            },
            "logicalLocations": [{"name": registry.display_name, "kind": "resource"}],
        }],
        "partialFingerprints": {"acrFixRegistry/v1": _fingerprint(uri, registry.name, registry.index)},
    }
    if status == "suppressed":
        kind = "inSource" if any(m in (plan.suppressed or "") for m in _IN_SOURCE_MARKERS) else "external"
        entry["suppressions"] = [{"kind": kind, "justification": plan.suppressed}]
    elif status == "fix" and plan.fix is not None:
        entry["fixes"] = [_fix(result, plan.fix)]
    return entry


def _headline(plan: Any) -> str:
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
    return {"description": {"text": fix.message}, "artifactChanges": changes}


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


def _fingerprint(uri: str, name: str, index: int) -> str:
    digest = hashlib.sha256(f"{RULE_ID}\0{uri}\0{name}\0{index}".encode("utf-8", "surrogateescape")).hexdigest()
    return digest[:32]

