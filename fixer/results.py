"""What a run found and did: one FileResult per file, gathered in a RunResult.

The reports (report.py, sarif.py, markdown.py, bot/body.py) read these; run.py and
parallel.py make them. Kept apart from the pipeline so that neither the reports nor the
chunked execution import run.py.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from .planner import Plan
from .source import SourceFile
from .write import WriteScope


@dataclass(eq=False)
class FileResult:
    """The outcome for one file: fixed / would-fix / unchanged / manual / skipped / failed."""

    path: Path
    display: str
    status: str = "unchanged"
    plans: list[Plan] = field(default_factory=list)
    error: str | None = None
    diff: str = ""
    new_text: str | None = None
    source: SourceFile | None = None
    role: str = "template"     # template | parameters | caller (a file edited for another one)
    semantic_changes: list[str] = field(default_factory=list)   # deepdiff paths the fix changes
    _changed_before_drop: bool = field(default=False, repr=False, init=False)

    @property
    def changed(self) -> bool:
        if self.new_text is None:
            return self._changed_before_drop
        return self.source is not None and self.new_text != self.source.text

    def drop_new_text(self) -> None:
        """Forget the new text (a preview keeps only the diff); ``changed`` still tells."""
        self._changed_before_drop = self.changed
        self.new_text = None


@dataclass(eq=False)
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    root: Path = field(default_factory=Path.cwd)
    scanned: int = 0
    # where write_fixes may write: under the paths given (see fixer.write.WriteScope)
    scope: WriteScope = field(default_factory=WriteScope)

    @property
    def plans(self) -> list[tuple[FileResult, Plan]]:
        return [(f, p) for f in self.files for p in f.plans]

    @property
    def changed_files(self) -> list[FileResult]:
        return [f for f in self.files if f.changed and f.status in ("fixed", "would-fix")]

    def exit_code(self) -> int:
        """0 nothing left to do; 1 changes proposed (dry run) or manual findings; 2 errors."""
        if self.errors or any(f.status in ("failed", "skipped") for f in self.files):
            return 2
        if any(p.status in ("manual", "unsafe") for _, p in self.plans):
            return 1  # (an unsafe fix left out: the finding remains)
        if not self.written and any(p.status == "fix" for _, p in self.plans):
            return 1
        return 0


@functools.lru_cache(maxsize=16)
def _real_root(root: str) -> str:
    return os.path.realpath(root)


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes (as users type it), else as given.

    Cheap for the common case (a plain path under the root: no filesystem calls); only a
    path reached through a symlink needs realpath()."""
    prefix = _real_root(str(root)).rstrip(os.sep) + os.sep
    candidate = os.path.abspath(path)
    if not candidate.startswith(prefix) and candidate + os.sep != prefix:
        try:
            candidate = os.path.realpath(path)
        except (OSError, RuntimeError):
            return Path(path).as_posix()
    if candidate + os.sep == prefix:
        return "."
    if candidate.startswith(prefix):
        return Path(candidate[len(prefix):]).as_posix()
    return Path(path).as_posix()
