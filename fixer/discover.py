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
    seen: set[str] = set()
    roots: list[str] = []
    for given in paths:
        try:
            roots.append(os.path.realpath(given, strict=True) if os.path.exists(given) else os.path.realpath(given))
        except (OSError, RuntimeError):
            result.errors.append(f"{given}: cannot resolve path (symlink loop?)")

    def inside_roots(real: str) -> bool:
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)

    def wanted(rel: str) -> bool:
        return not _excluded(rel, excludes) and (not includes or any(fnmatch.fnmatch(rel, p) for p in includes))

    for given in paths:
        if not given.exists() and not given.is_symlink():
            result.errors.append(f"{given}: no such file or directory")
            continue
        if given.is_file():
            real = os.path.realpath(given)
            if real not in seen:
                seen.add(real)
                # a fix is written to the file itself, never over the link (see write_atomic)
                result.files.append(Path(real) if given.is_symlink() else given)
            continue
        if not given.is_dir():
            result.errors.append(f"{given}: broken symlink or symlink loop; skipped")
            continue
        # Walk with scandir: the real path of a plain entry is its parent's real path plus its
        # name, so only symlinks cost a realpath() call. Loops need a symlink, and a symlinked
        # folder is walked only once and only inside the given roots.
        root_real = os.path.realpath(given)
        visited: set[str] = {root_real}
        stack: list[tuple[str, str, str]] = [(str(given), root_real, "")]
        while stack:
            folder, real_folder, rel_folder = stack.pop()
            try:
                with os.scandir(folder) as handle:
                    entries = sorted(handle, key=lambda e: e.name)
            except OSError as exc:
                result.errors.append(f"{folder}: cannot list directory ({exc.strerror or exc})")
                continue
            subfolders: list[tuple[str, str, str]] = []
            for entry in entries:
                name = entry.name
                rel = f"{rel_folder}{name}"
                link = entry.is_symlink()
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if name in SKIP_DIRS or name.endswith(".egg-info"):
                        continue
                    real = os.path.realpath(entry.path) if link else os.path.join(real_folder, name)
                    if link and not inside_roots(real):
                        result.errors.append(f"{entry.path}: symlink points outside the given paths; skipped")
                        continue
                    if real in visited:
                        continue  # a symlink back to a folder already walked: a loop, or a duplicate
                    visited.add(real)
                    subfolders.append((entry.path, real, rel + "/"))
                    continue
                if not name.lower().endswith(TEMPLATE_SUFFIXES) or not wanted(rel):
                    continue
                try:
                    is_file = entry.is_file()
                except OSError:
                    is_file = False
                if not is_file:
                    if link:
                        result.errors.append(f"{entry.path}: broken symlink or symlink loop; skipped")
                    continue
                real = os.path.realpath(entry.path) if link else os.path.join(real_folder, name)
                if link and not inside_roots(real):
                    result.errors.append(f"{entry.path}: symlink points outside the given paths; skipped")
                    continue
                if real in seen:
                    continue
                seen.add(real)
                result.files.append(Path(real) if link else Path(entry.path))
            stack.extend(reversed(subfolders))
    return result
