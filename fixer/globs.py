"""Path globs as users write them in .gitignore, PSRule's ``input.pathIgnore`` and acr-fix.yaml,
matched by pathspec's implementation of git's own rules (``GitIgnoreSpec``):

* ``*`` matches within one path segment, ``?`` one character, ``[abc]`` a class;
  ``**`` matches any number of segments (``a/**/b``, ``**/test/**``, ``logs/**``).
* A pattern without a ``/`` (other than a trailing one) matches a file or folder name at
  any depth (``*.bicep``, ``modules``); one with a ``/`` is anchored at the folder the list
  belongs to (``infra/prod/*.json``, ``/main.bicep``).
* A pattern that matches a folder covers everything below it, so ``modules`` and
  ``modules/`` both cover ``modules/acr/main.bicep``. A trailing ``/`` matches folders only.
* In a list, the last pattern that matches decides; ``!`` re-includes.

Paths are relative to that folder, with ``/`` separators; a folder is written with a trailing
``/``. Matching is case-sensitive, as git's is on Linux.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec


@lru_cache(maxsize=512)
def compile_patterns(patterns: tuple[str, ...]) -> GitIgnoreSpec:
    """The patterns of one list (blank lines and ``#`` comments are skipped, as in .gitignore).
    A pattern that is not valid (``x\\``, ``[z-a]``) matches nothing, as git treats it; the
    config file reader reports one (see ``invalid_pattern``)."""
    # imported here: pathspec costs about 5 % of the CLI's import time, and a run with no
    # .gitignore, exclude or pathIgnore never matches a glob
    from pathspec import GitIgnoreSpec

    lines = [pattern.strip() for pattern in patterns]
    try:
        return GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        return GitIgnoreSpec.from_lines(line for line in lines if invalid_pattern(line) is None)


def invalid_pattern(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid gitignore-style glob, or None when it is."""
    from pathspec import GitIgnoreSpec

    try:
        GitIgnoreSpec.from_lines([pattern.strip()])
    except (ValueError, re.error) as exc:
        return str(exc)
    return None


def match_path(pattern: str, rel_path: str) -> bool:
    """True if ``pattern`` (see module docstring) covers ``rel_path``."""
    return compile_patterns((pattern,)).match_file(_normalise(rel_path))


def ignored(patterns: list[str] | tuple[str, ...], rel_path: str) -> bool:
    """gitignore-style list: the last pattern that matches decides; ``!`` re-includes."""
    return bool(patterns) and compile_patterns(tuple(patterns)).match_file(_normalise(rel_path))


def verdict(patterns: tuple[str, ...], rel_path: str) -> bool | None:
    """True (ignored), False (re-included by a ``!`` pattern) or None (no pattern matches): what
    one list says, so lists at several levels can be asked in turn (see fixer.settings)."""
    return compile_patterns(patterns).check_file(_normalise(rel_path)).include


def _normalise(rel_path: str) -> str:
    path = rel_path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")
