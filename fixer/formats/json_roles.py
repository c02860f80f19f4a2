"""What a JSON file is to ARM, from its bytes: a template, a parameter file, or other JSON.

Cheap enough to run for every JSON file of a folder (discovery sniffs them all), and shared by
discovery and the ARM reader, so it lives with the formats.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..source import open_regular

# What a JSON file is, told from its first bytes (a parameter file says so in its `$schema`,
# or is `contentVersion` + `parameters` with values and no `resources`).
_PARAMETERS_SCHEMA = re.compile(rb'"\$schema"\s*:\s*"[^"]*deploymentparameters', re.IGNORECASE)
_TEMPLATE_SCHEMA = re.compile(rb'"\$schema"\s*:\s*"[^"]*deploymenttemplate', re.IGNORECASE)
HEAD = 65536


def declared_role(raw: bytes) -> str | None:
    """"parameters" or "template" when one of ARM's `$schema`s says so in the first lines (where
    it almost always is), else None. Plain byte searches first: a case-insensitive regex over
    64 KB of every file of a folder cost more than reading them."""
    start = raw[:4096].lower()
    if b"deploymentparameters" in start and _PARAMETERS_SCHEMA.search(start):
        return "parameters"
    if b"deploymenttemplate" in start and _TEMPLATE_SCHEMA.search(start):
        return "template"
    return None


def json_role(raw: bytes) -> str | None:
    """"parameters" for an ARM parameter file, "template" for an ARM template, None for other
    JSON, judged from the file's bytes (cheap: it runs for every file of a folder)."""
    declared = declared_role(raw)
    if declared is not None:
        return declared
    head = raw[:HEAD]
    if _PARAMETERS_SCHEMA.search(head):
        return "parameters"
    lowered = head.lower()
    if _TEMPLATE_SCHEMA.search(head) or b'"resources"' in lowered:
        return "template"
    if b'"contentversion"' in lowered and b'"parameters"' in lowered and b'"value"' in lowered \
            and b'"$schema"' not in lowered:  # (a schema that is not ARM's: a Logic App workflow, ...)
        return "parameters"
    return None


def owner_by_name(parameter_file: str, templates: list[str]) -> str | None:
    """The template a parameter file is named after: the longest template name whose stem,
    followed by `.`, `-` or `_`, starts the file's name (`acr.params.json`, `acr-parameters.json`
    -> `acr.json`; `acr-web.dev.json` -> `acr-web.json` before `acr.json`)."""
    lowered = parameter_file.lower()
    best: str | None = None
    for template in templates:
        stem = template.rsplit(".", 1)[0].lower()
        if stem and any(lowered.startswith(stem + sep) for sep in ".-_") and lowered != template.lower():
            if best is None or len(stem) > len(best.rsplit(".", 1)[0]):
                best = template
    return best


def folder_roles(folder: Path) -> tuple[list[Path], list[Path], int]:
    """The ARM templates and parameter files of a folder (by content, sorted), and how many
    Bicep files it holds (templates too)."""
    templates: list[Path] = []
    parameters: list[Path] = []
    bicep = 0
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return templates, parameters, bicep
    for path in entries:
        name = path.name.lower()
        if name.endswith(".bicep"):
            bicep += 1
            continue
        if not name.endswith((".json", ".jsonc")) or not path.is_file():
            continue
        try:
            with open_regular(path) as handle:
                role = json_role(handle.read(HEAD))
        except OSError:
            continue
        if role == "template":
            templates.append(path)
        elif role == "parameters":
            parameters.append(path)
    return templates, parameters, bicep


def loose_owner(parameter_file: Path, templates: list[Path], bicep: int = 0) -> Path | None:
    """The ARM template of a parameter file not named `<stem>.parameters.json`: the one it is
    named after (see owner_by_name), else the only template of its folder."""
    named = owner_by_name(parameter_file.name, [t.name for t in templates])
    if named is not None:
        return parameter_file.parent / named
    if len(templates) == 1 and not bicep and ".parameters." not in parameter_file.name.lower():
        # (`x.parameters.json` names its own template, `x`)
        return templates[0]
    return None
