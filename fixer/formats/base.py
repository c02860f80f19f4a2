"""The contract every format reader (ARM JSON, Bicep) fulfils, and what they share.

A reader (``formats.reader_for(path)``, ``formats.reader_of(doc)``) provides:

``parse(source, previous=None) -> Document``
    Parse the text into generic ``Node``s (char offsets into ``source.text``), with
    ``Document.data`` the plain-Python view used for semantic diffs and each ``Node.path``
    its path inside that data. Raises ``ParseError`` (one line, with a line number).
    ``previous``: the document ``source`` was made from, and the edits that made it (a
    reader may reparse incrementally).

``find_registries(doc, workspace) -> list[Registry]``
    Every ``Microsoft.ContainerRegistry/registries`` resource in the document, each value
    that matters resolved to a ``Resolved`` that says where it is defined (a literal in
    the resource, a parameter default, a parameter file, a variable, a module caller) or
    why it cannot be known. ``workspace.document(path)`` loads parameter files and callers.

``semantic_data(doc, text, reuse)``
    Plain data of ``text`` read as ``doc``'s format, for verification.

``dialect``
    A ``Dialect``: how to spell a literal, insert an object member, append an array item.
    Edits are built only through it, so the planner never knows the syntax.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..edits import Edit
    from ..model import Document, Registry
    from ..source import SourceFile
    from ..workspace import Workspace

PRIVATE_ENDPOINT_TYPE = "microsoft.network/privateendpoints"
# Comments that keep a registry as it is: `acr-fix: ignore <reason>`, checkov's skip of its rule.
IGNORE_COMMENT = re.compile(r"acr-fix:\s*ignore\b[ \t:=-]*([^\n*]*)", re.IGNORECASE)
CHECKOV_SKIP = re.compile(r"checkov:skip=CKV_AZURE_139\b[ \t:]*([^\n*]*)", re.IGNORECASE)

# The files the readers read (what discovery looks for).
TEMPLATE_SUFFIXES = (".json", ".jsonc", ".bicep", ".bicepparam")


class Reader(Protocol):
    name: str                          # "arm", "bicep"
    suffixes: tuple[str, ...]          # lower-case file suffixes it reads
    calls_remote_modules: bool         # whether a file can deploy a registry through a remote module
    parameter_files_by_content: bool   # whether a file named like a template can be a parameter file
    dialect: Any

    def parse(self, source: SourceFile, previous: tuple[Document, list[Edit]] | None = None) -> Document: ...

    def find_registries(self, doc: Document, workspace: Workspace) -> list[Registry]: ...

    def prepare_workspace(self, workspace: Workspace) -> None: ...

    def is_parameters(self, doc: Document) -> bool: ...

    def looks_like_parameter_file(self, raw: bytes) -> bool: ...

    def semantic_data(self, doc: Document, text: str, reuse: bool = True) -> Any: ...

    def condition_reads(self, condition: str, parameter: str) -> bool: ...

    def release(self, doc: Document) -> None: ...

    def deployed_templates(self, source: SourceFile, workspace: Workspace) -> list[Path]:
        """The local files ``source`` deploys (Bicep modules, ARM linked templates), in file
        order, whether or not they exist; [] for a file that deploys none or cannot be parsed."""
        ...


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
