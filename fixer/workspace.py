"""Access to the other files a template's values may come from (parameter files, module callers).

Readers ask the workspace for a document by path; it reads and parses each file once, and
for verification it can hold edited text in place of what is on disk (``overrides``), so a
fix that spans a template and its parameter file is checked as a whole before anything is
written.
"""

from __future__ import annotations

import functools
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

    def add(self, doc: Document) -> None:
        self._docs[_key(doc.path)] = doc

    def document(self, path: Path) -> Document | None:
        """The parsed document at ``path``, or None if missing or unparsable (error kept)."""
        key = _key(path)
        if key in self._docs:
            return self._docs[key]
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

    def with_overrides(self, overrides: dict[Path, str]) -> "Workspace":
        """A workspace that sees ``overrides`` (path -> new text) instead of the disk. Files
        not overridden keep the documents already parsed: they have not changed."""
        keys = {_key(p): t for p, t in overrides.items()}
        return Workspace(loader=self.loader, files=self.files, overrides=keys,
                         max_file_size=self.max_file_size, cache=self.cache,
                         _docs={k: d for k, d in self._docs.items() if k not in keys},
                         errors={k: e for k, e in self.errors.items() if k not in keys})


@functools.lru_cache(maxsize=8192)
def file_key(path: Path) -> Path:
    """One key per file however it was reached (relative, through a symlink): its real
    path. Cached: a run asks again and again for the same few files, and resolve() costs
    an lstat per path component."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


_key = file_key
