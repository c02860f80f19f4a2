"""Parsing an ARM template or parameter file (JSON / JSONC) and telling which it is."""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import ParseError
from ...model import Document, Node
from ...source import SourceFile
from ..json_roles import declared_role, json_role
from ..jsonc import scan_with_values
from .dialect import DIALECT

DEPLOYMENTS_TYPE = "microsoft.resources/deployments"


# --------------------------------------------------------------------------- parsing

def parse(source: SourceFile) -> Document:
    """Parse an ARM template or parameter file. Raises ParseError."""
    try:
        root, strict, values = scan_with_values(source.text)
    except ParseError as exc:
        raise ParseError(f"{source.path}:{exc.line or 1}: invalid JSON: {_strip_line(str(exc))}", exc.line) from None
    kind = classify(root, source.path)
    doc = Document(source=source, root=root, dialect=DIALECT, kind=kind or "json", data=values)
    doc.strict = strict  # type: ignore[attr-defined]
    return doc


def _strip_line(message: str) -> str:
    return re.sub(r"^line \d+: ", "", message)


def classify(root: Node, path: Path) -> str | None:
    """'arm' for a deployment template, 'arm-params' for a parameter file, None otherwise."""
    if root.kind != "object":
        return None
    schema = root.get("$schema")
    schema_text = schema.value.lower() if schema is not None and schema.kind == "string" else ""
    if "deploymentparameters" in schema_text:
        return "arm-params"
    if "deploymenttemplate" in schema_text:
        return "arm"
    resources = root.get("resources")
    if resources is not None and resources.kind in ("array", "object") and (
            root.get("contentVersion") is not None or root.get("parameters") is not None):
        return "arm"
    name = path.name.lower()
    parameters = root.get("parameters")
    if parameters is not None and (".parameters." in name or name.startswith("parameters.")):
        return "arm-params"
    if parameters is not None and parameters.kind == "object" and parameters.members and \
            root.get("contentVersion") is not None and resources is None and \
            all(m.value.kind == "object" and (m.value.get("value") is not None or m.value.get("reference") is not None)
                for m in parameters.members):
        # a parameter file without a `$schema`: `contentVersion`, and values, not declarations
        return "arm-params"
    return None


# A JSON parameter file that is not named like one (`staging.json`) tells by its schema (see
# json_roles.json_role), or by a `metadata.template` link to its template and no resources of its own.
_TEMPLATE_LINK = re.compile(rb'"template"\s*:\s*"[^"\n]+"')


def looks_like_parameter_file(raw: bytes) -> bool:
    # (this runs for every .json file: the usual answer comes from the $schema in the first lines)
    declared = declared_role(raw)
    if declared is not None:
        return declared == "parameters"
    if json_role(raw) == "parameters":   # a schema further down, or `contentVersion` and values
        return True
    return _TEMPLATE_LINK.search(raw[:8192]) is not None and b'"resources"' not in raw
