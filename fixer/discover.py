"""Find the template files under the given paths, in a stable order."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE_SUFFIXES = (".json", ".jsonc", ".bicep", ".bicepparam")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", ".env", "__pycache__",
             ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".terraform"}


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def is_parameter_file(path: Path) -> bool:
    """Parameter files are read through their template, never processed on their own."""
    name = path.name.lower()
    return name.endswith(".bicepparam") or ".parameters." in name or name.startswith("parameters.") \
        or name.endswith(".parameters.json") or name.endswith(".parameters.jsonc")


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*") \
                or any(fnmatch.fnmatch(part, pattern) for part in rel.split("/")):
            return True
    return False


def discover(paths: list[Path], excludes: tuple[str, ...] = (), includes: tuple[str, ...] = ()) -> Discovery:
    """Template files (.json, .jsonc, .bicep and their parameter files) under ``paths``.

    Directories are walked recursively, skipping VCS folders, node_modules and virtualenvs.
    Symlinks are followed only when they point inside one of the given roots; symlink loops
    are detected. Missing paths become errors; the walk goes on."""
    result = Discovery()
    seen: set[Path] = set()
    roots = []
    for given in paths:
        try:
            roots.append(given.resolve())
        except (OSError, RuntimeError):
            result.errors.append(f"{given}: cannot resolve path (symlink loop?)")
    def inside_roots(real: Path) -> bool:
        return any(real == root or root in real.parents for root in roots)

    for given in paths:
        if not given.exists() and not given.is_symlink():
            result.errors.append(f"{given}: no such file or directory")
            continue
        if given.is_file():
            real = given.resolve()
            if real not in seen:
                seen.add(real)
                # a fix is written to the file itself, never over the link (see write_atomic)
                result.files.append(real if given.is_symlink() else given)
            continue
        visited_dirs: set[Path] = set()
        for dirpath, dirnames, filenames in os.walk(given, followlinks=True, onerror=lambda e: result.errors.append(
                f"{e.filename}: cannot list directory ({e.strerror})")):
            current = Path(dirpath)
            try:
                real_dir = current.resolve(strict=True)
            except (OSError, RuntimeError):
                result.errors.append(f"{current}: symlink loop; skipped")
                dirnames[:] = []
                continue
            if real_dir in visited_dirs or not inside_roots(real_dir):
                if real_dir in visited_dirs:
                    pass  # a symlink back to a folder already walked: a loop, or a duplicate
                elif current.is_symlink():
                    result.errors.append(f"{current}: symlink points outside the given paths; skipped")
                dirnames[:] = []
                continue
            visited_dirs.add(real_dir)
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
            for name in sorted(filenames):
                if not name.lower().endswith(TEMPLATE_SUFFIXES):
                    continue
                path = current / name
                rel = path.relative_to(given).as_posix()
                if _excluded(rel, excludes) or (includes and not any(fnmatch.fnmatch(rel, p) for p in includes)):
                    continue
                try:
                    real = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    result.errors.append(f"{path}: broken symlink or symlink loop; skipped")
                    continue
                if not inside_roots(real):
                    result.errors.append(f"{path}: symlink points outside the given paths; skipped")
                    continue
                if real in seen:
                    continue
                seen.add(real)
                result.files.append(real if path.is_symlink() else path)
    return result
