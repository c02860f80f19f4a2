"""Where acr-fix may write: under the paths given, resolved after symlinks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..escape import for_terminal


@dataclass(frozen=True)
class WriteScope:
    """The folders acr-fix may write in, as real paths: each folder given; for a file named
    alone, that file and the current folder. Empty: no limit."""

    roots: tuple[str, ...] = ()

    @classmethod
    def of(cls, paths: Iterable[Path], cwd: Path) -> "WriteScope":
        roots: list[str] = []
        for given in paths:
            try:
                real = os.path.realpath(given)
                # a file named alone: itself (where its link points) and the current folder
                folders = [real] if os.path.isdir(real) else [real, os.path.realpath(cwd)]
            except (OSError, RuntimeError, ValueError):
                continue
            roots.extend(f for f in folders if f not in roots)
        return cls(tuple(roots))

    def allows(self, path: "Path | str") -> bool:
        """True if ``path``, resolved after symlinks, lies under one of the roots."""
        if not self.roots:
            return True
        try:
            real = os.path.realpath(path)
        except (OSError, RuntimeError, ValueError):
            return False
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def refusal(self, path: Path, display: str) -> str | None:
        """The one-line reason ``path`` may not be written, or None when it may."""
        if self.allows(path):
            return None
        return (f"{display}: lies outside the paths given (at {escaped_path(os.path.realpath(path))}); "
                "read-only, not written (give its folder too to fix it)")


def escaped_path(path: "str | Path") -> str:
    """A path for a message: bytes that are not UTF-8 (surrogate escapes) and control
    characters written as \\xNN, so a name can neither break a line nor fail to print."""
    return for_terminal(str(path))
