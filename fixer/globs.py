"""Path globs as users write them in .gitignore, PSRule's ``input.pathIgnore`` and acr-fix.yaml.

* ``*`` matches within one path segment, ``?`` one character, ``[abc]`` a class;
  ``**`` matches any number of segments (``a/**/b``, ``**/test/**``, ``logs/**``).
* A pattern without a ``/`` (other than a trailing one) matches a file or folder name at
  any depth (``*.bicep``, ``modules``); one with a ``/`` is anchored at the root
  (``infra/prod/*.json``, ``/main.bicep``).
* A pattern matches a path when it matches the path itself or any folder above it, so
  ``modules`` and ``modules/`` both cover ``modules/acr/main.bicep``. A trailing ``/``
  matches folders only.

Paths are relative to the repository root, with ``/`` separators. Matching is
case-sensitive, as git's is on Linux.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Glob:
    pattern: str
    regex: re.Pattern[str]
    dir_only: bool
    negate: bool = False

    def matches(self, rel_path: str) -> bool:
        """True if this glob covers ``rel_path`` (ignoring ``negate``)."""
        parts = _normalise(rel_path).split("/")
        for end in range(len(parts), 0, -1):
            candidate = "/".join(parts[:end])
            is_dir = end < len(parts)
            if self.dir_only and not is_dir:
                continue
            if self.regex.fullmatch(candidate):
                return True
        return False


@lru_cache(maxsize=512)
def compile_glob(pattern: str, allow_negation: bool = False) -> Glob:
    """Compile one glob. With ``allow_negation`` a leading ``!`` sets ``negate``."""
    text = pattern.strip()
    negate = False
    if allow_negation and text.startswith("!"):
        negate = True
        text = text[1:]
    if text.startswith("\\!") or text.startswith("\\#"):
        text = text[1:]
    dir_only = text.endswith("/") and len(text) > 1
    text = text.rstrip("/") if dir_only else text
    if text.startswith("./"):
        text = text[2:]
    anchored = "/" in text
    text = text.lstrip("/")
    body = _translate(text)
    if not anchored:
        body = r"(?:.*/)?" + body
    return Glob(pattern=pattern, regex=re.compile(body, re.DOTALL), dir_only=dir_only, negate=negate)


def match_path(pattern: str, rel_path: str) -> bool:
    """True if ``pattern`` (see module docstring) covers ``rel_path``."""
    return compile_glob(pattern).matches(rel_path)


def ignored(patterns: list[str] | tuple[str, ...], rel_path: str) -> bool:
    """gitignore-style list: the last pattern that matches decides; ``!`` re-includes."""
    result = False
    for pattern in patterns:
        stripped = pattern.strip()
        if not stripped or stripped.startswith("#"):
            continue
        glob = compile_glob(stripped, allow_negation=True)
        if glob.matches(rel_path):
            result = not glob.negate
    return result


def _normalise(rel_path: str) -> str:
    path = rel_path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/")


def _translate(text: str) -> str:
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "*":
            if text.startswith("**", i):
                before_ok = i == 0 or text[i - 1] == "/"
                after = i + 2
                if before_ok and after < n and text[after] == "/":
                    out.append(r"(?:.*/)?")       # "**/" : zero or more folders
                    i = after + 1
                    continue
                if before_ok and after == n:
                    out.append(r".*")              # trailing "/**" or a lone "**"
                    i = after
                    continue
                out.append(r"[^/]*")                # "a**b" behaves like "a*b"
                i = after
                continue
            out.append(r"[^/]*")
        elif c == "?":
            out.append(r"[^/]")
        elif c == "[":
            close = text.find("]", i + 2 if text.startswith("[!", i) or text.startswith("[]", i) else i + 1)
            if close == -1:
                out.append(re.escape(c))
            else:
                inner = text[i + 1:close]
                if inner.startswith("!"):
                    inner = "^" + inner[1:]
                out.append("[" + inner.replace("\\", "\\\\") + "]")
                i = close
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(text[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)
