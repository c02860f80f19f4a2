"""The Bicep reader as the rest of acr-fix sees it (the ``Reader`` protocol of ``formats/base.py``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ...edits import Edit
from ...model import Document, Registry
from ...source import SourceFile
from ...workspace import Workspace
from .deployments import local_modules, prepare_workspace
from .dialect import DIALECT
from .nodes import release
from .registries import find_registries
from .syntax import parse


class BicepReader:
    name = "bicep"
    suffixes = (".bicep", ".bicepparam")
    calls_remote_modules = True          # `module x 'br/public:...'` can deploy a registry
    parameter_files_by_content = False   # a .bicepparam file is named like one
    dialect = DIALECT

    def parse(self, source: SourceFile, previous: tuple[Document, list[Edit]] | None = None) -> Document:
        return parse(source, previous)

    def find_registries(self, doc: Document, workspace: Workspace) -> list[Registry]:
        return find_registries(doc, workspace)

    def prepare_workspace(self, workspace: Workspace) -> None:
        prepare_workspace(workspace)

    def is_parameters(self, doc: Document) -> bool:
        return doc.kind == "bicepparam"

    def looks_like_parameter_file(self, raw: bytes) -> bool:
        return False

    def semantic_data(self, doc: Document, text: str, reuse: bool = True) -> Any:
        return doc.data   # the plain data the reader built (Bicep has no independent parser here)

    def condition_reads(self, condition: str, parameter: str) -> bool:
        """Whether an `if (...)` condition names ``parameter``."""
        return re.search(rf"(?<![A-Za-z0-9_.]){re.escape(parameter)}(?![A-Za-z0-9_])", condition) is not None

    def release(self, doc: Document) -> None:
        release(doc)

    def deployed_templates(self, source: SourceFile, workspace: Workspace) -> list[Path]:
        """The local modules a .bicep file calls (found in its bytes: no parse)."""
        if source.path.suffix.lower() != ".bicep" or b"module" not in source.raw:
            return []
        return local_modules(source.raw, source.path.parent)


READER = BicepReader()
