"""Settings for each file, found the way ruff and git find theirs.

For a file, acr-fix uses the nearest ``acr-fix.yaml``, the nearest PSRule options file
(``ps-rule.yaml``) and the nearest ``.ps-rule/`` folder: each looked for in the file's folder,
then its parents, up to the repository root (``git rev-parse --show-toplevel``, or the nearest
folder holding ``.git``; the filesystem root outside a repository). ``--config`` wins over every
``acr-fix.yaml``. Paths in a file found this way are relative to its folder, as PSRule and ruff
read theirs; paths in ``--config`` and on the command line are relative to the current directory.

Which files are read:

- ``.gitignore`` files (nested ones too, each relative to its folder, a deeper one winning) and
  ``.git/info/exclude``, unless ``gitignore=False`` (``--no-gitignore``); a path given on the
  command line is read even when ignored (as ruff does);
- ``exclude`` of the nearest acr-fix.yaml, or ``--exclude``, which replaces it; the file's
  ``extend_exclude`` and ``--extend-exclude`` add to whichever is used; ``include`` keeps only
  the files it matches; PSRule's ``input.pathIgnore`` skips files too. These lists apply to
  files named on the command line only with ``force_exclude`` (``--force-exclude``, which the
  pre-commit hooks pass, as ruff's do).

Every lookup is cached per folder: a run costs one ``git rev-parse`` and a few ``stat`` calls
per folder, none per file.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from .config import CONFIG_NAMES, ConfigFile, load_config, merge_options
from .errors import ConfigError
from .globs import ignored, invalid_pattern, verdict
from .options import Options
from .suppressions import GROUPS_FOLDER, OPTIONS_NAMES, Suppressions, read_suppressions

_Chain = tuple[tuple[str, tuple[str, ...]], ...]   # (folder, its gitignore patterns), outermost first


def git_toplevel(folder: str) -> str | None:
    """``git rev-parse --show-toplevel`` run in ``folder`` (real path), or None outside a
    repository or without git."""
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    top = done.stdout.strip()
    return os.path.realpath(top) if done.returncode == 0 and top else None


class Settings:
    """Options, PSRule suppressions and ignore rules for any file of a run (see module docstring).

    ``cli_values`` are the flags as ``merge_options`` takes them. Raises ConfigError (``file:line:
    message``) for a bad ``config`` or an invalid ``--exclude`` glob. The files found are read
    when first needed (``prepare`` reads those of a list of files, so their errors surface
    before the analysis starts)."""

    def __init__(self, cwd: Path, cli_values: dict[str, Any], config: Path | None = None, *,
                 gitignore: bool = True, force_exclude: bool = False, now: dt.datetime | None = None) -> None:
        self.cwd = os.path.realpath(cwd)
        self.cli_values = dict(cli_values)
        self.cli_excludes = tuple(self.cli_values.get("excludes") or ())
        self.cli_extend = tuple(self.cli_values.get("extend_excludes") or ())
        self.gitignore = gitignore
        self.force_exclude = force_exclude
        self.now = now
        for flag, patterns in (("--exclude", self.cli_excludes), ("--extend-exclude", self.cli_extend)):
            for pattern in patterns:
                problem = invalid_pattern(pattern)
                if problem is not None:
                    raise ConfigError(f"{flag}: '{pattern}' is not a valid glob ({problem})")
        self.explicit: ConfigFile | None = load_config(Path(self.cwd), config) if config is not None else None
        self._git_top = git_toplevel(self.cwd)
        self._real: dict[str, str] = {}      # absolute folder -> real folder
        self._spelled: dict[str, str] = {}   # folder as a path names it -> real folder
        self._top: dict[str, str] = {}
        self._nearest: dict[tuple[str, str], str | None] = {}
        self._configs: dict[str, ConfigFile] = {}
        self._options: dict[str | None, Options] = {}
        self._suppressions: dict[tuple[str | None, str | None], Suppressions] = {}
        self._suppressors: dict[int, Callable[[Any, str], str | None]] = {}   # id(Suppressions) -> hook
        self._folder_options: dict[str, Options] = {}
        self._folder_suppressions: dict[str, Suppressions] = {}
        self._chains: dict[str, _Chain] = {}
        self._given_ignored: dict[str, bool] = {}
        self._walked: dict[str, tuple[str, ConfigFile, str | None, _Chain]] = {}

    # --- where things are -------------------------------------------------------------------

    def real_folder(self, folder: str) -> str:
        real = self._real.get(folder)
        if real is None:
            real = self._real[folder] = os.path.realpath(folder)
        return real

    def _folder_of(self, path: Path | str) -> str:
        """The real folder of ``path``, cached by the folder as spelled (the current directory
        does not change during a run): no abspath() or realpath() per file."""
        spelled = os.path.dirname(path)
        real = self._spelled.get(spelled)
        if real is None:
            real = self._spelled[spelled] = self.real_folder(os.path.abspath(spelled or "."))
        return real

    def top(self, folder: str) -> str:
        """The repository root above real ``folder`` (the filesystem root outside a repository)."""
        walked: list[str] = []
        current = folder
        while True:
            known = self._top.get(current)
            if known is not None:
                break
            walked.append(current)
            parent = os.path.dirname(current)
            if current == self._git_top or os.path.exists(os.path.join(current, ".git")) or parent == current:
                known = current
                break
            current = parent
        for seen in walked:
            self._top[seen] = known
        return known

    def _find(self, folder: str, kind: str) -> str | None:
        """The nearest ``kind`` ("config", "psrule", "groups") at or above real ``folder``."""
        cached = self._nearest.get((folder, kind), self)
        if cached is not self:
            return cached  # type: ignore[return-value]
        walked: list[str] = []
        current = folder
        found: str | None = None
        top = self.top(folder)
        while True:
            key = (current, kind)
            if key in self._nearest:
                found = self._nearest[key]
                break
            walked.append(current)
            found = _probe(current, kind)
            parent = os.path.dirname(current)
            if found is not None or current == top or parent == current:
                break
            current = parent
        for seen in walked:
            self._nearest[(seen, kind)] = found
        return found

    def shown(self, path: Path | str) -> str:
        """``path`` as messages name it: relative to the current directory."""
        return Path(os.path.relpath(os.path.abspath(path), self.cwd)).as_posix()

    # --- options ----------------------------------------------------------------------------

    def _config(self, folder: str) -> tuple[ConfigFile, str | None]:
        """The config that applies in real ``folder`` and the folder its paths are relative to
        (None: the current directory)."""
        if self.explicit is not None:
            return self.explicit, None
        found = self._find(folder, "config")
        if found is None:
            return ConfigFile(), None
        config = self._configs.get(found)
        if config is None:
            config = self._configs[found] = load_config(Path(self.cwd), Path(found))
        return config, os.path.dirname(found)

    def options_for(self, path: Path | str) -> Options:
        """The options for the file at ``path``: defaults < its acr-fix.yaml < the flags."""
        return self.options_in(self._folder_of(path))

    def options_in(self, folder: str) -> Options:
        """The options for the files of ``folder``."""
        real = self.real_folder(os.path.abspath(folder))
        known = self._folder_options.get(real)
        if known is None:
            known = self._folder_options[real] = self._options_of(real)
        return known

    def _options_of(self, real: str) -> Options:
        config, base = self._config(real)
        key = str(config.path) if config.path is not None else None
        options = self._options.get(key)
        if options is None:
            options = merge_options(config, self.cli_values)
            if base is not None and base != self.cwd:
                options = replace(options, config_folder=base)
            self._options[key] = options
        return options

    # --- PSRule's files ---------------------------------------------------------------------

    def suppressions_for(self, path: Path | str) -> Suppressions:
        return self._suppressions_in(self._folder_of(path))

    def _suppressions_in(self, folder: str) -> Suppressions:
        known = self._folder_suppressions.get(folder)
        if known is None:
            known = self._folder_suppressions[folder] = self._suppressions_of(folder)
        return known

    def _suppressions_of(self, folder: str) -> Suppressions:
        key = (self._find(folder, "psrule"), self._find(folder, "groups"))
        found = self._suppressions.get(key)
        if found is None:
            options_file, group_dir = key
            found = read_suppressions(Path(options_file) if options_file else None,
                                      Path(group_dir) if group_dir else None, self.now, shown=self.shown)
            self._suppressions[key] = found
        return found

    def path_ignored(self, path: Path | str) -> bool:
        """True if the nearest PSRule options file's ``input.pathIgnore`` skips ``path``."""
        folder = self._folder_of(path)
        suppressions = self._suppressions_in(folder)
        options_file = self._find(folder, "psrule")
        if not suppressions.path_ignore or options_file is None:
            return False
        rel = _relative(os.path.join(folder, os.path.basename(path)), os.path.dirname(options_file))
        return rel is not None and suppressions.path_ignored(rel)

    def suppressor(self) -> Callable[[Any, str], str | None]:
        """A ``run(..., suppressor=...)`` hook that asks the PSRule files nearest the registry's file."""

        def check(registry: Any, file_rel: str) -> str | None:
            suppressions = self._suppressions_in(self._folder_of(registry.doc.path))
            hook = self._suppressors.get(id(suppressions))
            if hook is None:
                hook = self._suppressors[id(suppressions)] = suppressions.suppressor()
            return hook(registry, file_rel)

        return check

    @property
    def warnings(self) -> list[str]:
        """What reading PSRule's files (and matching their groups) warned about, in order."""
        seen: dict[str, None] = {}
        for suppressions in self._suppressions.values():
            seen.update(dict.fromkeys(suppressions.warnings))
        return list(seen)

    def prepare(self, paths: list[Path]) -> None:
        """Read the settings of the folders of ``paths`` now (ConfigError for a bad file), so a
        run's workers inherit them and a bad file stops the run before it starts."""
        for folder in dict.fromkeys(self._folder_of(p) for p in paths):
            self.options_in(folder)
            self._suppressions_in(folder)

    def psrule_folder(self) -> Path:
        """Where ``acr-fix suppress`` writes: the folder of the PSRule options file nearest the
        current directory (up to the repository root), else the repository root, else (outside
        a repository) the current directory. A new ps-rule.yaml in a subfolder would hide the
        repository's own from the files below it."""
        found = self._find(self.cwd, "psrule")
        if found is not None:
            return Path(os.path.dirname(found))
        top = self.top(self.cwd)
        return Path(top if top == self._git_top or os.path.exists(os.path.join(top, ".git")) else self.cwd)

    # --- which files are read ---------------------------------------------------------------

    def skip(self, given: str, path: str, rel: str, is_dir: bool) -> bool:
        """True if the walk of ``given`` (a folder named on the command line) leaves out ``path``
        (``rel``: relative to ``given``): gitignored, excluded, or not included."""
        cut = path.rfind(os.sep)
        spelled, name = (path[:cut] or os.sep, path[cut + 1:]) if cut >= 0 else (".", path)
        folder = self._walked.get(spelled)
        if folder is None:
            folder = self._walked[spelled] = self._walked_folder(spelled)
        real_folder, config, base, chain = folder
        real = real_folder.rstrip(os.sep) + os.sep + name
        suffix = "/" if is_dir else ""
        if self.cli_excludes or self.cli_extend or config.excludes or config.extend_excludes or config.includes:
            if self._excluded(real, rel, suffix, is_dir, config, base):
                return True
        if not chain or not self.gitignore or self._given_is_ignored(given):
            return False
        for level, patterns in reversed(chain):
            relative = _relative(real, level)
            said = verdict(patterns, relative + suffix) if relative is not None else None
            if said is not None:
                return said
        return False

    def _walked_folder(self, spelled: str) -> tuple[str, ConfigFile, str | None, _Chain]:
        """What ``skip`` needs for the entries of one folder: its real path, config (and the
        folder the config's paths are relative to) and .gitignore chain."""
        cut = spelled.rfind(os.sep)
        parent = self._walked.get(spelled[:cut]) if cut > 0 else None
        if parent is not None and not os.path.islink(spelled):
            real = parent[0].rstrip(os.sep) + os.sep + spelled[cut + 1:]   # (one lstat, not a realpath)
        else:
            real = self.real_folder(os.path.abspath(spelled))
        self._real.setdefault(os.path.abspath(spelled), real)   # the found files' folders, for _folder_of
        config, base = self._config(real)
        return real, config, base, self._chain(real) if self.gitignore else ()

    def _excluded(self, real: str, rel: str, suffix: str, is_dir: bool, config: ConfigFile, base: str | None) -> bool:
        here = [rel + suffix]
        from_cwd = _relative(real, self.cwd)
        if from_cwd is not None and from_cwd != rel:
            here.append(from_cwd + suffix)
        if base is None:
            config_rel = here
        else:
            relative = _relative(real, base)
            config_rel = [relative + suffix] if relative is not None else []
        if self.cli_excludes:
            if any(ignored(self.cli_excludes, name) for name in here):
                return True
        elif config.excludes and any(ignored(config.excludes, name) for name in config_rel):
            return True
        if config.extend_excludes and any(ignored(config.extend_excludes, name) for name in config_rel):
            return True
        if self.cli_extend and any(ignored(self.cli_extend, name) for name in here):
            return True
        return not is_dir and bool(config.includes) and not any(ignored(config.includes, name) for name in config_rel)

    def excluded(self, path: Path | str) -> bool:
        """True if the exclude and include lists (not .gitignore) leave out the file at ``path``,
        matched as if it had been found by walking the current directory: what ``--force-exclude``
        applies to the files named on the command line (a pre-commit hook names them all)."""
        real = os.path.join(self._folder_of(path), os.path.basename(path))
        config, base = self._config(os.path.dirname(real))
        rel = _relative(real, self.cwd) or Path(path).as_posix()
        return self._excluded(real, rel, "", False, config, base)

    def _given_is_ignored(self, given: str) -> bool:
        known = self._given_ignored.get(given)
        if known is None:
            real = os.path.realpath(given)
            known = self._given_ignored[given] = os.path.isdir(real) and self.git_ignored(real, True)
        return known

    def git_ignored(self, real: str, is_dir: bool) -> bool:
        """True if the .gitignore files (and .git/info/exclude) above real path ``real`` ignore it."""
        for base, patterns in reversed(self._chain(os.path.dirname(real))):
            rel = _relative(real, base)
            if rel is None:
                continue
            said = verdict(patterns, rel + ("/" if is_dir else ""))
            if said is not None:
                return said
        return False

    def _chain(self, folder: str) -> _Chain:
        chain = self._chains.get(folder)
        if chain is not None:
            return chain
        own = _read_lines(os.path.join(folder, ".gitignore"))
        if folder == self.top(folder) or os.path.dirname(folder) == folder:
            info = _read_lines(os.path.join(folder, ".git", "info", "exclude"))
            chain = tuple((folder, lines) for lines in (info, own) if lines)
        else:
            chain = self._chain(os.path.dirname(folder)) + (((folder, own),) if own else ())
        self._chains[folder] = chain
        return chain


def _probe(folder: str, kind: str) -> str | None:
    if kind == "groups":
        candidate = os.path.join(folder, GROUPS_FOLDER)
        return candidate if os.path.isdir(candidate) else None
    for name in CONFIG_NAMES if kind == "config" else OPTIONS_NAMES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def _relative(path: str, base: str) -> str | None:
    """``path`` relative to ``base`` with ``/``, or None when it is not below ``base``."""
    if path == base:
        return None
    prefix = base.rstrip(os.sep) + os.sep
    if not path.startswith(prefix):
        return None
    return path[len(prefix):].replace(os.sep, "/")


def _read_lines(path: str) -> tuple[str, ...]:
    """The patterns of an ignore file (none for a missing file or one with only comments)."""
    if not os.path.isfile(path):   # (a FIFO would block open())
        return ()
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = tuple(line.rstrip("\r\n") for line in handle)
    except OSError:
        return ()
    return lines if any(line.strip() and not line.startswith("#") for line in lines) else ()
