"""JSON parameter files: which belong to a template (ARM or Bicep: both are deployed with
``<stem>.parameters.json`` files) and the values they give a parameter."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .json_roles import folder_roles, loose_owner
from ..errors import ParseError
from ..model import Document
from ..source import open_regular
from ..workspace import Workspace, file_key
from . import values

# A value a release pipeline puts in a parameter file before deploying it (token replacement:
# `#{acrSku}#`, `#arm_acrSku#`, `__acrSku__`, `$(acrSku)`, `{{acrSku}}`, azd's `${AZURE_X}`).
_PLACEHOLDER = re.compile(r"^\s*(?:#\{[^}]*\}#?|#[A-Za-z_][\w.-]*#?|__[A-Za-z_][\w.-]*__|\$\([^)]*\)|\{\{[^}]*\}\}|\$\{[^}]*\})\s*$")


def param_files_for(doc: Document, workspace: Workspace) -> list[Document]:
    """Parameter files that belong to ``doc``: ``<stem>.parameters.json`` (or .jsonc, or
    ``<stem>.parameters.<env>.json``) next to it, or any parameter file in the same folder
    whose ``metadata.template`` names it. The exact ``<stem>.parameters.json`` comes first."""
    found: list[Document] = []
    paths = _param_file_paths(doc.path, workspace)
    if doc.kind == "arm":
        paths = paths + [p for p in _loose_param_file_paths(doc, workspace) if p not in paths]
    for candidate in paths:
        other = workspace.document(candidate)
        if other is None:
            error = workspace.error_for(candidate)
            if error:
                # The values the deployment really uses are unknown: never guess from defaults.
                raise ParseError(f"{error} (parameter file of {doc.path.name}; fix it, then run acr-fix again)")
        if other is not None and other.kind == "arm-params":
            found.append(other)
    return found


def _param_file_paths(path: Path, workspace: Workspace) -> list[Path]:
    """The paths behind param_files_for, looked up once per run (the writer's re-check asks
    again; a fix never changes which files belong to a template)."""
    cache = workspace.cache.setdefault("arm.param-files", {})
    if path in cache:
        return cache[path]
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    folder = path.parent
    found: list[Path] = []
    try:
        siblings = sorted(p for p in folder.iterdir() if p.name.lower().endswith((".json", ".jsonc")))
    except OSError:
        siblings = []
    names = {p.name for p in siblings}
    for name in (f"{stem}.parameters.json", f"{stem}.parameters.jsonc"):
        if name in names and (folder / name).is_file():
            found.append(folder / name)
    lower_stem = stem.lower()
    for sibling in siblings:
        lower = sibling.name.lower()
        if sibling in found or sibling == path:
            continue
        if lower.startswith(lower_stem + ".parameters."):
            found.append(sibling)
            continue
        # metadata.template link (PSRule's convention; any file name, e.g. staging.json),
        # checked cheaply before parsing
        try:
            with open_regular(sibling) as handle:
                head = handle.read(4096)
        except OSError:
            continue
        if os.fsencode(path.name) in head and b'"template"' in head and b"deploymentparameters" in head.lower():
            other = workspace.document(sibling)
            meta = other.root.get("metadata") if other is not None else None
            link = meta.get("template") if meta is not None and meta.kind == "object" else None
            if link is not None and link.kind == "string" and (folder / link.value).resolve() == path.resolve():
                found.append(sibling)
    cache[path] = found
    return found


def _loose_param_file_paths(doc: Document, workspace: Workspace) -> list[Path]:
    """Parameter files in an ARM template's folder named otherwise than `<stem>.parameters.json`
    (`acr.params.json`, `acr-parameters.json`, `staging-parameters.json` beside the folder's
    only template; see json_roles.loose_owner), that set only parameters the template declares
    (a parameter file of another template does not) and that no `metadata.template` sends to
    another file."""
    cache = workspace.cache.setdefault("arm.loose-param-files", {})
    key = file_key(doc.path)
    if key in cache:
        return cache[key]
    folder = doc.path.parent
    roles = workspace.cache.setdefault("arm.folder-roles", {})
    if folder not in roles:
        roles[folder] = folder_roles(folder)
    templates, parameter_files, bicep = roles[folder]
    names: set[str] | None = None  # the template's parameters, read only if a file may be its
    found: list[Path] = []
    strict = doc.path.name[: -len(doc.path.suffix)].lower() + ".parameters."
    for candidate in parameter_files:
        if candidate.name.lower().startswith(strict):
            continue  # `<stem>.parameters.json`: _param_file_paths has it
        owner = loose_owner(candidate, templates, bicep)
        if owner is None or owner.name != doc.path.name:
            continue
        if names is None:
            declared = doc.root.get("parameters")
            names = {m.key.lower() for m in declared.members or ()} \
                if declared is not None and declared.kind == "object" else set()
        other = workspace.document(candidate)
        params = other.root.get("parameters") if other is not None and other.kind == "arm-params" else None
        if params is None or params.kind != "object" or any(m.key.lower() not in names for m in params.members or ()):
            continue
        meta = other.root.get("metadata")  # type: ignore[union-attr]
        link = meta.get("template") if meta is not None and meta.kind == "object" else None
        if link is not None and link.kind == "string" and (folder / link.value).resolve() != doc.path.resolve():
            continue
        found.append(candidate)
    cache[key] = found
    return found


def values_in_parameter_files(param_docs: list[Document], name: str) -> tuple[list[Any], bool] | None:
    """The plain values (see values.of_json) that these parameter files give parameter
    ``name``, and whether one of them leaves it unset (its default then applies); None when
    one sets it by reference (a Key Vault secret) or to an expression."""
    found: list[Any] = []
    unset = False
    for param_doc in param_docs:
        params = param_doc.root.get("parameters")
        entry = params.get(name) if params is not None and params.kind == "object" else None
        if entry is None:
            unset = True
            continue
        value = values.of_json(entry.get("value") if entry.kind == "object" else None)
        if value is values.OPAQUE or isinstance(value, str) and _PLACEHOLDER.match(value):
            return None
        found.append(value)
    return found, unset
