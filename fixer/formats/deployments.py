"""Who deploys each template: one index of the run's files, built before any value is resolved.

``prepare(workspace, kinds)`` makes one pass over the run's files (``workspace.files``),
reading each file's raw bytes once, and records every reference a file makes to a local
template: a Bicep ``module x 'path'`` (kind ``module``), a ``.bicepparam`` file's
``using 'path'`` (``using``), an ARM ``templateLink`` that names a file (``link``).
``parallel.run_in_chunks`` builds it (through ``formats.prepare_workspace``) before the first
chunk runs and before workers fork, so every chunk and every worker reads the same index.

The readers' ``deployments`` modules turn an entry into deployments (the parsed parameter
files, the module calls and linked deployments with the arguments each passes) when a
template's values are first resolved: they read candidates here and never look for them.
Parsing stays with the chunk that resolves the values, so a parse error in a caller file
fails the file it always failed, and memory follows a chunk, not the repository.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..workspace import Workspace

MODULE, USING, LINK = "module", "using", "link"
_SUFFIXES_OF_KIND = {MODULE: (".bicep",), USING: (".bicepparam",), LINK: (".json", ".jsonc")}
_CACHE_KEY = "formats.deployment-index"

# `module x 'path' = ...` and `using 'path'`, found on raw bytes. Both start with a literal
# word, so the regex engine can jump from one occurrence to the next (a leading \b or ^ would
# make it try every position: 15x slower over a repository); the word boundary / line start
# is checked on each hit instead (see _reference_at).
_MODULE_REF = re.compile(rb"""module\s+[A-Za-z_][A-Za-z0-9_]*\s+'([^'\n]+)'""")
_USING_REF = re.compile(rb"""using\s+'([^'\n]+)'""")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# a module path to a registry or template spec (`br:`, `br/alias:`, `ts:`): not a local file
_REMOTE_REF = re.compile(r"^(br|ts)[:/]", re.IGNORECASE)
_LINKED_NAME = re.compile(rb"[A-Za-z0-9_.\-]+\.jsonc?\b")
TEMPLATE_LINK_SPELLINGS = (b"mplateLink", b"mplatelink")  # [Tt]emplateLink, templatelink


@dataclass
class DeploymentIndex:
    """kind -> target -> the files that refer to it. A Bicep target is the template's plain
    absolute path (``plain_key``), an ARM one the lower-cased file name a `templateLink`
    mentions (each candidate is then read properly, see ``arm/deployments.py``)."""

    references: dict[str, dict[str, list[Path]]] = field(default_factory=dict)

    def referrers(self, kind: str, target: str) -> list[Path]:
        return self.references.get(kind, {}).get(target, [])

    def has(self, kind: str) -> bool:
        return kind in self.references


def plain_key(path: Path) -> str:
    """A Bicep reference's key: the absolute, normalised path it names (no filesystem call)."""
    return os.path.normcase(os.path.normpath(os.path.abspath(path)))


def prepare(workspace: Workspace, kinds: Iterable[str]) -> DeploymentIndex:
    """The run's index with ``kinds`` in it, built now in one pass for those not built yet."""
    index = workspace.cache.get(_CACHE_KEY)
    if index is None:
        index = workspace.cache[_CACHE_KEY] = DeploymentIndex()
    missing = [kind for kind in dict.fromkeys(kinds) if not index.has(kind)]
    if missing:
        index.references.update(_one_pass(workspace.files, missing, workspace.max_file_size))
    return index


def index_of(workspace: Workspace, kind: str) -> DeploymentIndex:
    """The index value resolution reads. A run has built it already (``prepare``); a workspace
    made outside a run (a test, a library caller) gets it built on first use."""
    index = workspace.cache.get(_CACHE_KEY)
    if index is not None and index.has(kind):
        return index
    return prepare(workspace, (kind,))


def _one_pass(files: Iterable[Path], kinds: list[str], max_size: int) -> dict[str, dict[str, list[Path]]]:
    found: dict[str, dict[str, list[Path]]] = {kind: {} for kind in kinds}
    kind_of_suffix = {suffix: kind for kind in kinds for suffix in _SUFFIXES_OF_KIND[kind]}
    # a Bicep file reached twice (two spellings of one path) is read once, under its last one
    bicep: dict[str, tuple[str, Path]] = {}
    arm: list[Path] = []
    for path in files:
        kind = kind_of_suffix.get(path.suffix.lower())
        if kind == LINK:
            arm.append(path)
        elif kind is not None:
            bicep[plain_key(path)] = (kind, path)
    for kind, path in bicep.values():
        raw = _read(path, max_size)
        if raw is not None:
            _add_references(found[kind], path, raw, _MODULE_REF if kind == MODULE else _USING_REF)
    for path in arm:
        raw = _read(path, max_size)
        if raw is not None:
            _add_links(found[LINK], path, raw)
    for kind in kinds:
        if kind != LINK:
            for referrers in found[kind].values():
                referrers.sort()
    return found


def _read(path: Path, max_size: int) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > max_size:
                return None
            return handle.read()
    except OSError:
        return None


def _reference_at(raw: bytes, match: re.Match[bytes]) -> bool:
    """A `module x '...'` hit starts a word; a `using '...'` hit starts its line."""
    start = match.start()
    if match.re is _USING_REF:
        line_start = raw.rfind(b"\n", 0, start) + 1
        return not raw[line_start:start].strip()
    return start == 0 or raw[start - 1] not in _WORD_BYTES


def module_targets(raw: bytes) -> list[str]:
    """The paths of a Bicep file's local `module x '...'` declarations, in file order."""
    found = []
    for match in _MODULE_REF.finditer(raw):
        target = match.group(1).decode("utf-8", "replace")
        if _reference_at(raw, match) and not _REMOTE_REF.match(target):
            found.append(target)
    return found


def _add_references(index: dict[str, list[Path]], path: Path, raw: bytes, pattern: re.Pattern[bytes]) -> None:
    for match in pattern.finditer(raw):
        if not _reference_at(raw, match):
            continue
        target = match.group(1).decode("utf-8", "replace")
        if _REMOTE_REF.match(target):
            continue
        index.setdefault(plain_key(path.parent / target), []).append(path)


def _add_links(index: dict[str, list[Path]], path: Path, raw: bytes) -> None:
    # (plain byte searches for the ways the property is written: lower-casing every file, or a
    # case-insensitive regex, cost more than reading it; only the few files that link
    # templates are lower-cased)
    if not any(spelling in raw for spelling in TEMPLATE_LINK_SPELLINGS):
        return
    for name in set(_LINKED_NAME.findall(raw.lower())):
        index.setdefault(name.rsplit(b"/", 1)[-1].decode("utf-8", "replace"), []).append(path)


def using_references_in(paths: Iterable[Path], max_size: int) -> dict[str, list[Path]]:
    """The ``using`` references of these .bicepparam files (for a template given on its own,
    whose parameter files were not among the run's files: see ``bicep/deployments.py``)."""
    index: dict[str, list[Path]] = {}
    for path in paths:
        raw = _read(path, max_size)
        if raw is not None:
            _add_references(index, path, raw, _USING_REF)
    for referrers in index.values():
        referrers.sort()
    return index
