"""The Terraform reader: `azurerm_container_registry` resources and calls of the AVM registry
module in .tf files, their values followed through variables, .tfvars files, locals and
local module calls.

``parse(source) -> Document`` (kind "terraform" for .tf, "tfvars" for .tfvars),
``find_registries(doc, workspace) -> list[Registry]`` and ``DIALECT`` fulfil the contract in
``formats/base.py``; every piece of Terraform knowledge stays in this package.
"""

from __future__ import annotations

from pathlib import Path

from ...source import SourceFile
from .dialect import DIALECT, TerraformDialect
from .registries import find_registries
from .syntax import file_data, parse_syntax
from .values import TerraformDocument, top_keys

__all__ = ["DIALECT", "TerraformDialect", "TerraformDocument", "parse", "find_registries", "handles",
           "mentions_registry", "SUFFIXES"]

SUFFIXES = (".tf", ".tfvars")

# A .tf file can only matter to acr-fix if one of these is in it (lower-case bytes): the
# resource type, the AVM module, or another registry module (reported as manual).
_NEEDLES = (b"azurerm_container_registry", b"avm-res-containerregistry-registry", b"container-registry",
            b"containerregistry", b"container_registry")


def handles(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def mentions_registry(lowered: bytes) -> bool:
    return any(needle in lowered for needle in _NEEDLES)


def parse(source: SourceFile) -> TerraformDocument:
    """Parse a .tf or .tfvars file. Raises ParseError naming the file and line."""
    syntax = parse_syntax(source.text, str(source.path))
    kind = "tfvars" if source.path.name.lower().endswith(".tfvars") else "terraform"
    doc = TerraformDocument(source=source, root=None, dialect=DIALECT, kind=kind,  # type: ignore[arg-type]
                            data=file_data(syntax.body), syntax=syntax, keys=top_keys(syntax.body))
    return doc
