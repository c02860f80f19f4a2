"""The ARM reader as the rest of acr-fix sees it (the ``Reader`` protocol of ``formats/base.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...edits import Edit
from ...errors import ParseError
from ...model import Document, Registry
from ...source import SourceFile
from ...workspace import Workspace
from ..deployments import TEMPLATE_LINK_SPELLINGS
from ..jsonc import load_values
from .deployments import linked_templates, prepare_workspace
from ..base import Generated
from .dialect import DIALECT
from .generated import generated
from .registries import find_registries
from .syntax import looks_like_parameter_file, parse


class ArmReader:
    name = "arm"
    suffixes = (".json", ".jsonc")
    calls_remote_modules = False        # JSON templates call no registry modules
    parameter_files_by_content = True   # `staging.json` can be a parameter file
    filters_itself = False
    parameter_suffixes: tuple[str, ...] = ()
    dialect = DIALECT

    def parse(self, source: SourceFile, previous: tuple[Document, list[Edit]] | None = None) -> Document:
        return parse(source)  # a JSON file is always read whole

    def find_registries(self, doc: Document, workspace: Workspace) -> list[Registry]:
        return find_registries(doc, workspace)

    def prepare_workspace(self, workspace: Workspace) -> None:
        prepare_workspace(workspace)   # which templates link which (templateLink)

    def is_parameters(self, doc: Document) -> bool:
        return doc.kind == "arm-params"

    def looks_like_parameter_file(self, raw: bytes) -> bool:
        return looks_like_parameter_file(raw)

    def semantic_data(self, doc: Document, text: str, reuse: bool = True) -> Any:
        """Plain data of ``text`` read by an independent parser (``json``, ``json5`` for
        JSONC). ``reuse``: the values the reader collected while parsing may stand in (they
        come from the standard library's decoder too, below the top level)."""
        if doc.kind in ("arm", "arm-params", "json"):
            if reuse and doc.data is not None and text is doc.source.text:
                return doc.data
            return load_values(text, getattr(doc, "strict", False))
        return doc.data

    def condition_reads(self, condition: str, parameter: str) -> bool:
        """Whether a resource's `condition` expression reads ``parameters('parameter')``."""
        return f"parameters('{parameter.lower()}')" in condition.lower().replace(" ", "")

    def release(self, doc: Document) -> None:
        """Nothing to forget: an ARM Document keeps no syntax tree beside it."""

    def deployed_templates(self, source: SourceFile, workspace: Workspace) -> list[Path]:
        """The local templates an ARM template's deployments link to (parsed only when its
        bytes mention `templateLink`)."""
        if not any(spelling in source.raw for spelling in TEMPLATE_LINK_SPELLINGS):
            return []
        try:
            doc = parse(source)
        except (ParseError, RecursionError):
            return []
        return linked_templates(doc, workspace) if doc.kind == "arm" else []


    def generated(self, doc: Document) -> Generated | None:
        return generated(doc)


READER = ArmReader()
