"""The Terraform reader: `azurerm_container_registry` resources and calls of the AVM registry
module in .tf files, their values followed through variables, .tfvars files, locals and
local module calls.

``parse(source) -> Document`` (kind "terraform" for .tf, "tfvars" for .tfvars),
``find_registries(doc, workspace) -> list[Registry]`` and ``DIALECT`` fulfil the contract in
``formats/base.py``; every piece of Terraform knowledge stays in this package.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...source import SourceFile
from .dialect import DIALECT, TerraformDialect
from .registries import find_registries
from .syntax import file_data, parse_syntax
from .values import TerraformDocument, top_keys

__all__ = ["DIALECT", "READER", "TerraformDialect", "TerraformDocument", "parse", "find_registries",
           "mentions_registry", "SUFFIXES"]

SUFFIXES = (".tf", ".tfvars")

# A .tf file can only matter to acr-fix if one of these is in it (lower-case bytes): the
# resource type, the AVM module, or another registry module (reported as manual).
_NEEDLES = (b"azurerm_container_registry", b"avm-res-containerregistry-registry", b"container-registry", b"/acr",
            b"containerregistry", b"container_registry")


def mentions_registry(lowered: bytes) -> bool:
    return any(needle in lowered for needle in _NEEDLES)


def module_file_of_tfvars(path: Path) -> Path | None:
    """The .tf file a .tfvars file gives values to, for a run given only the .tfvars file (a
    staged file in pre-commit): the first file, by name, that mentions a registry in its
    folder, or in the folder above when its own holds no .tf file (`env/prod.tfvars`)."""
    for folder in (path.parent, path.parent.parent):
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".tf"))
        except OSError:
            continue
        for name in names:
            try:
                with open(folder / name, "rb") as handle:
                    if mentions_registry(handle.read().lower()):
                        return folder / name
            except OSError:
                continue
        if names:
            return None
    return None


def parse(source: SourceFile) -> TerraformDocument:
    """Parse a .tf or .tfvars file. Raises ParseError naming the file and line."""
    syntax = parse_syntax(source.text, str(source.path))
    kind = "tfvars" if source.path.name.lower().endswith(".tfvars") else "terraform"
    doc = TerraformDocument(source=source, root=None, dialect=DIALECT, kind=kind,  # type: ignore[arg-type]
                            data=file_data(syntax.body), syntax=syntax, keys=top_keys(syntax.body))
    return doc


class TerraformReader:
    """The Terraform reader on the ``Reader`` protocol of ``formats/base.py``."""

    name = "terraform"
    suffixes = SUFFIXES
    # a .tf file deploys registries through the AVM module or another remote module
    calls_remote_modules = True
    parameter_files_by_content = False
    filters_itself = True               # mentions_registry is its pre-filter (see formats._LazyReader)
    parameter_suffixes = (".tfvars",)
    dialect = DIALECT

    def template_of_parameter_file(self, path: Path) -> Path | None:
        return module_file_of_tfvars(path)

    def deployed_templates(self, source: SourceFile, workspace: object) -> list[Path]:
        """The .tf files that mention a registry in the folders a file's local module calls
        name (`source = "./modules/acr"`), found in its bytes: no parse."""
        import re

        raw = source.raw or source.text.encode("utf-8", "replace")
        if b"module" not in raw:
            return []
        found: list[Path] = []
        for match in re.finditer(rb'source\s*=\s*"(\.\.?(?:/[^"\n]*)?)"', raw):
            folder = source.path.parent / match.group(1).decode("utf-8", "replace")
            try:
                names = sorted(n for n in os.listdir(folder) if n.endswith(".tf"))
            except OSError:
                continue
            for name in names:
                try:
                    with open(folder / name, "rb") as handle:
                        if mentions_registry(handle.read().lower()):
                            found.append(folder / name)
                except OSError:
                    continue
        return found

    def parse(self, source: SourceFile, previous: object = None) -> TerraformDocument:
        return parse(source)

    def find_registries(self, doc, workspace):  # type: ignore[no-untyped-def]
        return find_registries(doc, workspace) if doc.kind == "terraform" else []

    def prepare_workspace(self, workspace: object) -> None:
        """Nothing to build before workers fork: callers are indexed on first use, per worker."""

    def is_parameters(self, doc) -> bool:  # type: ignore[no-untyped-def]
        return doc.kind == "tfvars"

    def looks_like_parameter_file(self, raw: bytes) -> bool:
        return False   # a .tfvars file says so by its name

    def semantic_data(self, doc, text: str, reuse: bool = True):  # type: ignore[no-untyped-def]
        """The file's plain data (``syntax.file_data``), from a fresh parse when ``text`` is
        not the text ``doc`` was read from."""
        if reuse and text is doc.source.text and doc.data is not None:
            return doc.data
        return file_data(parse_syntax(text, str(doc.path)).body)

    def condition_reads(self, condition: str, parameter: str) -> bool:
        import re
        return re.search(rf"\bvar\.{re.escape(parameter)}\b", condition) is not None

    def release(self, doc) -> None:  # type: ignore[no-untyped-def]
        """Nothing: the syntax is small, and a module's files may still be read by a later
        registry of the same run (the run drops ``doc.data`` itself)."""

    def mentions_registry(self, lowered: bytes) -> bool:
        return mentions_registry(lowered)

    def generated(self, doc) -> None:  # type: ignore[no-untyped-def]
        return None   # .tf files are written by hand (no build writes them from another file)


READER = TerraformReader()
