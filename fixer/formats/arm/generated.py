"""ARM templates that `bicep build` wrote: `metadata._generator.name` is 'bicep'."""

from __future__ import annotations

from pathlib import Path

from ...model import Document
from ..base import Generated

# Suffixes a build's output file carries before `.json` besides its source's name:
# `bicep build brownfield.bicep --outfile brownfield.arm.json` (azd's templates).
_OUTPUT_INFIXES = (".arm",)


def compiled_from_bicep(doc: Document) -> bool:
    """True for an ARM template that `bicep build` wrote: `metadata._generator.name` is 'bicep'."""
    if doc.kind != "arm" or doc.root is None or doc.root.kind != "object" or "_generator" not in doc.source.text:
        return False  # (the text search first: a lookup in the tree may expand its lazy parts)
    metadata = doc.root.get("metadata")
    generator = metadata.get("_generator") if metadata is not None and metadata.kind == "object" else None
    name = generator.get("name") if generator is not None and generator.kind == "object" else None
    return name is not None and name.kind == "string" and str(name.value).lower() == "bicep"


def bicep_source_candidates(path: Path) -> list[Path]:
    """Where the `.bicep` source of a compiled template would sit: `main.json` <- `main.bicep`,
    `main.arm.json` <- `main.bicep` (then `main.arm.bicep`)."""
    stem = path.stem
    candidates = [path.with_name(stem[:-len(infix)] + ".bicep") for infix in _OUTPUT_INFIXES
                  if stem.lower().endswith(infix) and len(stem) > len(infix)]
    return candidates + [path.with_suffix(".bicep")]


def generated(doc: Document) -> Generated | None:
    """How ``doc`` was generated, with the `.bicep` file beside it that it was built from (if any)."""
    if not compiled_from_bicep(doc):
        return None
    source = next((p for p in bicep_source_candidates(doc.path) if p.is_file()), None)
    return Generated(tool="bicep build", marker="metadata._generator.name: bicep", source=source)
