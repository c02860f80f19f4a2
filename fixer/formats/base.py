"""The contract every format reader (ARM JSON, Bicep) fulfils.

A format module provides:

``parse(source: SourceFile) -> Document``
    Parse the text into generic ``Node``s (char offsets into ``source.text``), with
    ``Document.data`` the plain-Python view used for semantic diffs and each ``Node.path``
    its path inside that data. Raises ``ParseError`` (one line, with a line number).

``find_registries(doc: Document, workspace: Workspace) -> list[Registry]``
    Every ``Microsoft.ContainerRegistry/registries`` resource in the document, each value
    that matters resolved to a ``Resolved`` that says where it is defined (a literal in
    the resource, a parameter default, a parameter file, a variable, a module caller) or
    why it cannot be known. ``workspace.document(path)`` loads parameter files and callers.

``DIALECT``
    A ``Dialect``: how to spell a literal, insert an object member, append an array item.
    Edits are built only through it, so the planner never knows the syntax.
"""

from __future__ import annotations

import re
from typing import Protocol

from ..model import Document, Registry
from ..source import SourceFile
from ..workspace import Workspace


class FormatReader(Protocol):
    def parse(self, source: SourceFile) -> Document: ...

    def find_registries(self, doc: Document, workspace: Workspace) -> list[Registry]: ...


_ACR_BEFORE = re.compile(r"(?:^|[^a-z0-9_])acr\s+$")


def imports_images(lowered: str, start: int = 0, end: int | None = None) -> bool:
    """Whether lower-case text runs `az acr import` (or PowerShell's
    Import-AzContainerRegistryImage), as a deployment script that fills a registry does."""
    end = len(lowered) if end is None else end
    # each `import` looked at where it is (this runs for every resource: a regular expression
    # over the rest of the text for the first `import` cost more than the whole check)
    at = lowered.find("import", start, end)
    while at >= 0:
        if lowered.startswith("import-azcontainerregistryimage", at):
            return True
        after = at + len("import")
        if (after >= end or not (lowered[after].isalnum() or lowered[after] == "_")) \
                and _ACR_BEFORE.search(lowered, max(start, at - 16), at):
            return True
        at = lowered.find("import", after, end)
    return False


# The built-in roles that let a principal pull (AcrPull) or push and pull (AcrPush) images.
REGISTRY_ROLES = {"7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull", "8311e382-0749-4cb8-b61a-304f252e45ec": "AcrPush"}


def registry_role_in(lowered: str) -> str | None:
    """AcrPull / AcrPush when lower-case text holds that role's id, else None."""
    return next((role for guid, role in REGISTRY_ROLES.items() if guid in lowered), None)
