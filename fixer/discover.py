"""Find the template files under the given paths, in a stable order."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .escape import for_terminal
from .formats import reader_for
from .formats.base import TEMPLATE_SUFFIXES
from .formats.json_roles import folder_roles, json_role, loose_owner, owner_by_name  # noqa: F401 (owner_by_name: re-exported)
from .globs import ignored, match_path
from .source import file_kind, open_regular

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__",
             ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", ".terraform"}
# A Python virtual environment is known by this file, not by its folder's name: `env/`,
# `env/dev` and `env/prod` are common homes for templates.
VENV_MARKERS = ("pyvenv.cfg", "conda-meta")


def _is_virtual_environment(entries: list[os.DirEntry]) -> bool:
    """Whether a folder is a virtual environment, from its listing (no stat per folder)."""
    return any(entry.name in VENV_MARKERS for entry in entries)


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # temporary files, recovery copies and journals an interrupted write left (fixer.write)
    leftovers: list[Path] = field(default_factory=list)


LEFTOVER_SUFFIXES = (".acr-fix.tmp", ".acr-fix.orig", ".acr-fix.journal")   # see fixer.write


def _special_kind(path: str) -> str | None:
    """"a named pipe (FIFO)", "a socket", ... for a path (or a link to one) that is neither a
    regular file nor a folder; None otherwise. Never opens it: a FIFO would block."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return file_kind(mode)


def _shown(path: "str | Path") -> str:
    return for_terminal(str(path))


def is_parameter_file(path: Path) -> bool:
    """Parameter files are read through their template, never processed on their own."""
    name = path.name.lower()
    reader = reader_for(path)
    if reader is not None and reader.parameter_suffixes and name.endswith(reader.parameter_suffixes):
        return True   # a .tfvars file
    return name.endswith(".bicepparam") or ".parameters." in name or name.startswith("parameters.") \
        or name.endswith(".parameters.json") or name.endswith(".parameters.jsonc")


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    """gitignore-style: `*.bicep` matches at any depth, `infra/old` is anchored, `!` re-includes."""
    return bool(patterns) and ignored(patterns, rel)


# (folder given, entry's path, entry's path relative to the folder given, is it a folder) ->
# leave the entry out (fixer.settings.Settings.skip: .gitignore, excludes found per folder)
Skip = Callable[[str, str, str, bool], bool]


def discover(paths: list[Path], excludes: tuple[str, ...] = (), includes: tuple[str, ...] = (),
             skip: Skip | None = None) -> Discovery:
    """Template files (.json, .jsonc, .bicep and their parameter files) under ``paths``.

    Directories are walked recursively, skipping VCS folders, node_modules and virtualenvs,
    and the folders and files ``skip`` leaves out (files named in ``paths`` are always read).
    Symlinks are followed only when they point inside one of the given roots; symlink loops
    are detected. Hard links to one file are one file (found under its first path). Missing
    paths become errors; the walk goes on."""
    result = Discovery()
    seen: set[str] = set()
    linked: set[tuple[int, int]] = set()

    def another_link(entry: os.DirEntry | Path) -> bool:
        """A file with several hard links is listed once: written in place (fixer.source), a
        fix through one link is a fix through all of them, and a second one would be refused."""
        try:
            st = entry.stat()
        except OSError:
            return False
        if st.st_nlink < 2:
            return False
        key = (st.st_dev, st.st_ino)
        if key in linked:
            return True
        linked.add(key)
        return False
    roots: list[str] = []
    for given in paths:
        try:
            roots.append(os.path.realpath(given, strict=True) if os.path.exists(given) else os.path.realpath(given))
        except (OSError, RuntimeError):
            result.errors.append(f"{given}: cannot resolve path (symlink loop?)")

    def inside_roots(real: str) -> bool:
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)

    cwd = os.getcwd()

    def wanted(rel: str, path: str) -> bool:
        if not excludes and not includes:
            return True
        # Globs are tried against the path below the given folder and below the current
        # directory, so `--exclude legacy` and `--exclude infra/legacy` both work.
        names = {rel}
        absolute = os.path.abspath(path)
        if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
            names.add(Path(absolute[len(cwd.rstrip(os.sep)) + 1:]).as_posix())
        if any(_excluded(name, excludes) for name in names):
            return False
        return not includes or any(match_path(p, name) for p in includes for name in names)

    for given in paths:
        if not given.exists() and not given.is_symlink():
            result.errors.append(f"{given}: no such file or directory")
            continue
        kind = _special_kind(str(given))
        if kind is not None:
            result.errors.append(f"{_shown(given)}: {kind}, not a regular file; skipped")
            continue
        if given.is_file():
            real = os.path.realpath(given)
            if real not in seen and not another_link(given):
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
            if rel_folder and _is_virtual_environment(entries):
                continue  # (a folder given by name is read, whatever it is)
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
                    if skip is not None and skip(str(given), entry.path, rel, True):
                        continue
                    visited.add(real)
                    subfolders.append((entry.path, real, rel + "/"))
                    continue
                if not name.lower().endswith(TEMPLATE_SUFFIXES) or not wanted(rel, entry.path) \
                        or (skip is not None and skip(str(given), entry.path, rel, False)):
                    if name.endswith(LEFTOVER_SUFFIXES) and not link:
                        result.leftovers.append(Path(entry.path))
                    continue
                try:
                    is_file = entry.is_file()
                except OSError:
                    is_file = False
                if not is_file:
                    kind = _special_kind(entry.path)
                    if kind is not None:
                        result.errors.append(f"{_shown(entry.path)}: {kind}, not a regular file; skipped")
                    elif link:
                        result.errors.append(f"{_shown(entry.path)}: broken symlink or symlink loop; skipped")
                    continue
                real = os.path.realpath(entry.path) if link else os.path.join(real_folder, name)
                if link and not inside_roots(real):
                    result.errors.append(f"{entry.path}: symlink points outside the given paths; skipped")
                    continue
                if real in seen or another_link(entry):
                    continue
                seen.add(real)
                result.files.append(Path(real) if link else Path(entry.path))
            stack.extend(reversed(subfolders))
    return result


_USING = re.compile(r"""^\s*using\s+'([^'\n]+)'""", re.MULTILINE)
_TEMPLATE_LINK = re.compile(r'"template"\s*:\s*"([^"\n]+)"')


def template_of_parameter_file(path: Path) -> Path | None:
    """The template a parameter file belongs to: `using '...'` of a .bicepparam file;
    `<name>.parameters[.env].json` -> `<name>.json`/`.jsonc`/`.bicep`, or its `metadata.template` link."""
    reader = reader_for(path)
    if reader is not None and reader.parameter_suffixes and path.name.lower().endswith(reader.parameter_suffixes):
        return reader.template_of_parameter_file(path)   # a .tfvars file: its module's .tf file
    try:
        with open_regular(path) as handle:
            head = handle.read(65536).decode("utf-8", "replace")
    except OSError:
        return None
    name = path.name
    if name.lower().endswith(".bicepparam"):
        match = _USING.search(head)
        target = path.parent / match.group(1) if match else None
        return target if target is not None and target.is_file() else None
    link = _TEMPLATE_LINK.search(head)
    if link and (path.parent / link.group(1)).is_file():
        return path.parent / link.group(1)
    lowered = name.lower()
    stem = name[: lowered.index(".parameters")] if ".parameters" in lowered else None
    for suffix in (".json", ".jsonc", ".bicep"):  # (`main.parameters.json` is azd's for `main.bicep`)
        if stem and (path.parent / f"{stem}{suffix}").is_file():
            return path.parent / f"{stem}{suffix}"
    if json_role(head.encode("utf-8", "replace")) == "parameters":
        # `acr.params.json`, `staging-parameters.json`: see formats/arm/deployments.param_files_for
        templates, _, bicep = folder_roles(path.parent)
        return loose_owner(path, templates, bicep)
    return None


def context_files(root: Path, given: list[Path], excludes: tuple[str, ...] = (), skip: Skip | None = None) -> list[Path]:
    """Every template file under ``root`` (for parameter-file and module-caller lookups),
    plus the files given; just the given files when they do not lie under ``root``."""
    real_root = os.path.realpath(root)
    real_given = {os.path.realpath(p): p for p in given}
    if not all(real.startswith(real_root.rstrip(os.sep) + os.sep) for real in real_given):
        return list(given)
    walked = discover([root], excludes, skip=skip).files
    # The walk lists plain entries under ``root`` as spelled there and symlinked ones by their
    # real path: map the first kind onto the real root instead of a realpath() per file.
    spelled_root = os.path.abspath(root).rstrip(os.sep) + os.sep
    real_prefix = real_root.rstrip(os.sep) + os.sep
    known = set()
    for path in walked:
        absolute = os.path.abspath(path)
        known.add(real_prefix + absolute[len(spelled_root):] if absolute.startswith(spelled_root) else absolute)
    return walked + [p for real, p in real_given.items() if real not in known]
