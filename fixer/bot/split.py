"""Split one run's fixes into several pull requests: per top-level folder, or per CODEOWNERS
owner, so that each team reviews its own part.

Pure functions of a RunResult (and a CODEOWNERS text); nothing here runs git. A fix that
edits more than one file (a template and its parameter file, a module and its caller) keeps
those files in one part, so no pull request holds half a fix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..run import RunResult, display_path
from .errors import ConfigurationError

SPLITS = ("none", "folder", "codeowners")
# Where GitHub looks for the CODEOWNERS file, in its order: the first one found is used.
CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
NO_OWNER = ""
ROOT_FOLDER = "."
_SAFE = re.compile(r"[^a-z0-9_-]+")   # no dots: git refuses "..", ".lock"


@dataclass(frozen=True)
class Part:
    """One pull request's share of the run."""

    key: str            # the folder ("infra", "." for the root) or the owners ("@org/web @alice", "" for none)
    scope: str          # the key for people, e.g. "`infra/`" or "the files owned by @org/web"
    slug: str           # the suffix of its branch: stable for the key across runs
    result: RunResult   # the run restricted to the part's files

    def branch(self, prefix: str) -> str:
        return f"{prefix}-{self.slug}"


def find_codeowners(root: Path) -> tuple[str, str]:
    """(path relative to ``root``, text) of the CODEOWNERS file GitHub would use. Raises
    ConfigurationError when there is none."""
    for place in CODEOWNERS_PLACES:
        path = root / place
        if path.is_file():
            try:
                return place, path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigurationError(f"{place}: cannot read it ({exc})") from None
    raise ConfigurationError("--split codeowners: no CODEOWNERS file in .github/, the repository root or docs/")


def owners_key(codeowners_text: str) -> Callable[[str], str]:
    """A function path -> its owners as written, space-separated ("" when none), for a
    CODEOWNERS text; the last matching pattern wins, as on GitHub (the ``codeowners``
    library's matcher)."""
    from codeowners import CodeOwners

    owners = CodeOwners(codeowners_text)

    def key(path: str) -> str:
        return " ".join(name for _kind, name in owners.of(path))

    return key


def split_result(result: RunResult, by: str, codeowners_text: str | None = None) -> list[Part]:
    """The parts of ``result`` with something to change, sorted by key. ``by``: "folder" or
    "codeowners" (then ``codeowners_text`` is the CODEOWNERS file)."""
    if by == "folder":
        key_of = _folder
    elif by == "codeowners":
        if codeowners_text is None:
            raise ConfigurationError("--split codeowners needs a CODEOWNERS file")
        key_of = owners_key(codeowners_text)
    else:
        raise ConfigurationError(f"--split must be one of {', '.join(SPLITS)}, not {by!r}")
    group = _linked_files(result)
    keys = {display: key_of(leader) for display, leader in group.items()}
    parts: dict[str, list] = {}
    for file_result in result.files:
        parts.setdefault(keys.get(file_result.display, key_of(file_result.display)), []).append(file_result)
    out = []
    for key in sorted(parts):
        files = parts[key]
        if not any(f.changed and f.status in ("fixed", "would-fix") for f in files):
            continue
        sub = RunResult(files=files, errors=list(result.errors), warnings=list(result.warnings),
                        written=result.written, root=result.root, scanned=result.scanned)
        out.append(Part(key, _scope(by, key), slug(by, key), sub))
    return out


def _folder(display: str) -> str:
    head, sep, _rest = display.partition("/")
    return head if sep and head not in ("", "..") else ROOT_FOLDER


def _scope(by: str, key: str) -> str:
    if by == "folder":
        return "the files at the repository root" if key == ROOT_FOLDER else f"`{key}/`"
    return f"the files owned by {key}" if key else "the files without a code owner"


def slug(by: str, key: str) -> str:
    """A branch-name suffix for ``key``: readable, and different for different keys (a hash is
    added when the readable part had to drop characters)."""
    if by == "folder" and key == ROOT_FOLDER:
        return "root"
    if by == "codeowners" and not key:
        return "no-owner"
    text = _SAFE.sub("-", key.lower().replace("@", "")).strip("-")[:50] or "part"
    if text != key:
        text += "-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:6]
    return text


def _linked_files(result: RunResult) -> dict[str, str]:
    """display -> the first (by path) file of the files that one fix edits together."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for file_result in result.files:
        find(file_result.display)
        for plan in file_result.plans:
            if plan.fix is None:
                continue
            for change in plan.fix.changes:
                union(file_result.display, display_path(change.doc.path, result.root))
    return {x: find(x) for x in parent}
