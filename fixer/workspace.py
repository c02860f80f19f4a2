"""Access to the other files a template's values may come from (parameter files, module callers).

Readers ask the workspace for a document by path; it reads and parses each file once, and
for verification it can hold edited text in place of what is on disk (``overrides``), so a
fix that spans a template and its parameter file is checked as a whole before anything is
written.
"""

from __future__ import annotations

import functools
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import FixerError
from .model import Document
from .source import DEFAULT_MAX_FILE_SIZE, SourceFile, read_source


@dataclass
class Workspace:
    """Lazily loaded documents, keyed by resolved path.

    ``files`` is the set of template files discovered in this run (used to find, e.g., the
    Bicep files that call a module). ``loader`` parses a SourceFile into a Document for its
    format; ``run.py`` wires it to the format readers.
    """

    loader: Callable[[SourceFile], Document | None]
    files: list[Path] = field(default_factory=list)
    overrides: dict[Path, str] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    _docs: dict[Path, Document | None] = field(default_factory=dict)
    errors: dict[Path, str] = field(default_factory=dict)
    # Indexes readers build once per run (e.g. which Bicep files call which module).
    cache: dict[str, Any] = field(default_factory=dict)
    # The workspace this one overrides (see with_overrides): asked for every file not overridden.
    base: "Workspace | None" = None

    def add(self, doc: Document) -> None:
        self._docs[file_key(doc.path)] = doc

    def document(self, path: Path) -> Document | None:
        """The parsed document at ``path``, or None if missing or unparsable (error kept)."""
        key = file_key(path)
        if key in self._docs:
            return self._docs[key]
        if self.base is not None and key not in self.overrides:
            return self.base.document(path)
        doc: Document | None = None
        try:
            if not key.is_file():
                self._docs[key] = None
                return None
            source = read_source(path, self.max_file_size)
            if key in self.overrides:
                source.text = self.overrides[key]
            doc = self.loader(source)
        except FixerError as exc:
            self.errors[key] = str(exc)
            doc = None
        self._docs[key] = doc
        return doc

    def error_for(self, path: Path) -> str | None:
        """Why the file at ``path`` could not be read or parsed, if it could not."""
        key = file_key(path)
        if key in self.errors or self.base is None or key in self.overrides:
            return self.errors.get(key)
        return self.base.error_for(path)

    def with_overrides(self, overrides: dict[Path, str]) -> "Workspace":
        """A workspace that sees ``overrides`` (path -> new text) instead of the disk. Files
        not overridden come from this workspace, parsed once: they have not changed."""
        return Workspace(loader=self.loader, files=self.files, overrides={file_key(p): t for p, t in overrides.items()},
                         max_file_size=self.max_file_size, cache=self.cache, base=self)


@functools.lru_cache(maxsize=8192)
def file_key(path: Path) -> Path:
    """One key per file however it was reached (relative, through a symlink): its real
    path. Cached: a run asks again and again for the same few files. The folder's real path
    is cached too (the files of one folder share it), so a file costs one lstat, not one
    per path component."""
    try:
        absolute = os.path.abspath(path)
        folder, name = os.path.split(absolute)
        try:
            link = stat.S_ISLNK(os.lstat(absolute).st_mode)
        except OSError:
            link = False  # missing: its folder still decides its key
        if link or not name:
            return Path(os.path.realpath(absolute))
        return Path(_real_folder(folder), name)
    except (OSError, RuntimeError, ValueError):
        return path.absolute()


@functools.lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def clear_file_keys() -> None:
    """Forget cached real paths (a long-lived process may see files and links move)."""
    file_key.cache_clear()
    _real_folder.cache_clear()
