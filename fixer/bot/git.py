"""Git operations for the bot, run as argument lists (never through a shell).

Everything the bot changes happens in a temporary worktree checked out at the base commit,
so the user's own checkout (branch, index, files) is never touched, on success or failure.

The GitHub token is never written to disk: for an HTTPS remote it reaches git through the
``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n`` environment of the one
command that needs it (fetch, ls-remote, push), as an ``http.<url>.extraHeader``. Process
environments are readable only by their owner, unlike command lines (``git -c``), which
any local user can see in ``ps``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..formats.base import TEMPLATE_SUFFIXES
from .errors import ConfigurationError, DirtyTree, GitError, NotARepository, PushRejected

# Config files whose uncommitted state would change what the bot fixes.
CONFIG_NAMES = ("acr-fix.yaml", "acr-fix.yml", "ps-rule.yaml", "ps-rule.yml")

_AUTHOR = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+)>\s*$")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class Author:
    """A commit identity, used for both author and committer."""

    name: str
    email: str

    @classmethod
    def parse(cls, text: str) -> "Author":
        """Parse ``"Name <email>"``. Raises ConfigurationError when it is not that shape."""
        match = _AUTHOR.match(text)
        if not match or not match["name"]:
            raise ConfigurationError(f"--author {text!r}: expected \"Name <email>\", e.g. \"acr-fix bot <bot@example.com>\"")
        return cls(match["name"], match["email"])

    def env(self) -> dict[str, str]:
        return {"GIT_AUTHOR_NAME": self.name, "GIT_AUTHOR_EMAIL": self.email,
                "GIT_COMMITTER_NAME": self.name, "GIT_COMMITTER_EMAIL": self.email}

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def check_token(token: str | None, name: str = "the GitHub token") -> None:
    """Raise ConfigurationError (never showing the token) unless ``token`` is printable ASCII
    without spaces, as every GitHub token is: a line break in it would reach an HTTP header
    or git's configuration, and a non-ASCII character cannot be sent at all."""
    if not token:
        return
    for position, char in enumerate(token, 1):
        if not "\x21" <= char <= "\x7e":
            what = "a line break" if char in "\r\n" else "a space" if char.isspace() else \
                "a character that is not ASCII" if ord(char) > 0x7e else "a control character"
            raise ConfigurationError(f"{name} has {what} at character {position} of {len(token)}; "
                                     "copy the token again (GitHub tokens are letters, digits and _)")


# A line of a multi-line secret shorter than this is not redacted on its own: hiding every
# "ab" in a log would hide the log, and so short a piece gives nothing away.
_MIN_PIECE = 6


def _forms(secret: str) -> list[str]:
    """Every way ``secret`` may appear in text: itself, each line of it, escaped as Python,
    JSON or an HTTP library shows it, URL-encoded, and git's Basic form."""
    from urllib.parse import quote, quote_plus

    forms = [secret, f"x-access-token:{secret}"]
    forms.append(base64.b64encode(f"x-access-token:{secret}".encode("utf-8", "surrogatepass")).decode())
    forms += [line for line in re.split(r"[\r\n]+", secret) if len(line.strip()) >= _MIN_PIECE]
    forms.append(secret.encode("unicode_escape").decode("ascii"))
    forms.append(repr(secret)[1:-1])
    forms.append(repr(secret.encode("utf-8", "surrogatepass"))[2:-1])
    import json
    forms.append(json.dumps(secret)[1:-1])
    forms.append(json.dumps(secret, ensure_ascii=False)[1:-1])
    forms.append(quote(secret, safe=""))
    forms.append(quote_plus(secret, safe=""))
    return [f for f in dict.fromkeys(forms) if len(f) >= min(len(secret), _MIN_PIECE)]


class Redactor:
    """Replaces every known secret, in every form it may be echoed in, with ``***``."""

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret:
            return
        for value in _forms(secret):
            if value not in self._secrets:
                self._secrets.append(value)
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK


def wants_token(url: str) -> bool:
    """True for remotes that take the GitHub token: HTTPS, and plain HTTP on this machine only
    (so the token never crosses a network unencrypted). SSH and local remotes need none."""
    parts = urlsplit(url)
    return parts.scheme == "https" or is_loopback_http(url)


def auth_env(url: str, token: str, base_env: Mapping[str, str]) -> dict[str, str]:
    """Environment entries that make git send ``token`` to ``url``'s host, in memory only.

    The header is keyed by ``http.<scheme>://<host>/`` (the same key ``actions/checkout``
    persists), and an empty value first resets any header configured there: git would
    otherwise send two Authorization headers, which GitHub rejects.
    """
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    key = f"http.{parts.scheme}://{netloc}/.extraheader"
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    try:
        start = int(base_env.get("GIT_CONFIG_COUNT", "0") or "0")
    except ValueError:
        start = 0
    entries = [(key, ""), (key, f"AUTHORIZATION: basic {basic}")]
    env = {"GIT_CONFIG_COUNT": str(start + len(entries))}
    for offset, (name, value) in enumerate(entries):
        env[f"GIT_CONFIG_KEY_{start + offset}"] = name
        env[f"GIT_CONFIG_VALUE_{start + offset}"] = value
    return env


class Git:
    """Runs git in ``cwd``. ``token`` is sent only to HTTPS (or loopback HTTP) remotes."""

    def __init__(self, cwd: Path, token: str | None = None, env: Mapping[str, str] | None = None,
                 redact: Redactor | None = None) -> None:
        self.cwd = Path(cwd)
        self.redact = redact or Redactor()
        self.redact.add(token)
        check_token(token)
        self.token = token
        base = dict(os.environ if env is None else env)
        # Never wait for a password prompt; keep output parseable; take paths literally
        # (a template named "a*.json" is a file, not a glob).
        base.update({"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never", "LC_ALL": "C",
                     "GIT_LITERAL_PATHSPECS": "1"})
        base.pop("GIT_DIR", None)
        base.pop("GIT_WORK_TREE", None)
        base.pop("GIT_INDEX_FILE", None)
        self.env = base

    def at(self, cwd: Path) -> "Git":
        """The same settings, run in another directory (a worktree)."""
        clone = Git.__new__(Git)
        clone.cwd, clone.token, clone.redact, clone.env = Path(cwd), self.token, self.redact, self.env
        return clone

    def without_hooks(self) -> "Git":
        """The same settings with the repository's hooks off (``core.hooksPath`` pointed at
        nothing): the bot's checkout and commit happen in a throwaway worktree, where a
        post-checkout or post-commit hook (husky, LFS, linters) has no business running."""
        clone = self.at(self.cwd)
        env = dict(self.env)
        try:
            index = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
        except ValueError:
            index = 0
        env.update({"GIT_CONFIG_COUNT": str(index + 1), f"GIT_CONFIG_KEY_{index}": "core.hooksPath",
                    f"GIT_CONFIG_VALUE_{index}": os.devnull})
        clone.env = env
        return clone

    # -- running -----------------------------------------------------------------------

    def run(self, *args: str, check: bool = True, url: str | None = None,
            env: Mapping[str, str] | None = None, ok: Sequence[int] = (0,),
            input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``git args`` and return the finished process.

        ``url``: the remote this command talks to; the token is added for it when it wants one.
        Raises GitError (stderr redacted) when the exit code is not in ``ok`` and ``check``.
        """
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        if url and self.token and wants_token(url):
            full_env.update(auth_env(url, self.token, full_env))
        try:
            proc = subprocess.run(["git", *args], cwd=self.cwd, env=full_env, capture_output=True,
                                  text=True, encoding="utf-8", errors="replace", check=False,
                                  **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}))
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        if check and proc.returncode not in ok:
            raise GitError(f"git {args[0]} failed: {self._explain(proc)}")
        return proc

    def _explain(self, proc: subprocess.CompletedProcess[str]) -> str:
        text = (proc.stderr or proc.stdout or "").strip()
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("hint:")]
        return self.redact("; ".join(lines[-3:]) or f"exit code {proc.returncode}")

    def out(self, *args: str, url: str | None = None) -> str:
        return self.run(*args, url=url).stdout.strip()

    # -- questions about the checkout ----------------------------------------------------

    def toplevel(self) -> Path:
        """The checkout's root. Raises NotARepository outside a git work tree."""
        proc = self.run("rev-parse", "--show-toplevel", check=False)
        if proc.returncode != 0 or not proc.stdout.strip():
            raise NotARepository(f"{self.cwd}: not inside a git repository; run acr-fix pr in a clone of the repository to fix")
        return Path(proc.stdout.strip())

    def current(self) -> tuple[str | None, str | None]:
        """(branch name or None when detached, HEAD commit or None in an empty repository)."""
        branch = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip() or None
        sha = self.rev_parse("HEAD")
        return branch, sha

    def rev_parse(self, rev: str) -> str | None:
        proc = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def is_shallow(self) -> bool:
        return self.out("rev-parse", "--is-shallow-repository") == "true"

    def config(self, key: str) -> str | None:
        proc = self.run("config", "--get", key, check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def dirty_paths(self, scanned: Sequence[Path] = ()) -> tuple[str, ...]:
        """Uncommitted changes the bot would silently leave out of its fix.

        The bot fixes the base branch as it is on the remote, so every change to a tracked
        file counts, and so do untracked templates under the scanned paths and untracked
        config files (they would change what gets fixed). Other untracked files (build
        output, editor files) do not matter.
        """
        top = self.toplevel()
        proc = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=dirty")
        entries = proc.stdout.split("\0")
        roots = [_relative(top, p) for p in scanned] or [Path(".")]
        found: list[str] = []
        skip_next = False
        for entry in entries:
            if skip_next:  # the source path of a rename/copy
                skip_next = False
                continue
            if len(entry) < 4:
                continue
            code, path = entry[:2], entry[3:]
            if code[0] in "RC":
                skip_next = True
            if code == "??":
                rel = Path(path)
                is_config = rel.name in CONFIG_NAMES or ".ps-rule" in rel.parts
                is_template = rel.suffix.lower() in TEMPLATE_SUFFIXES and any(_under(rel, root) for root in roots)
                if not (is_config or is_template):
                    continue
            found.append(path)
        return tuple(found)

    def require_clean(self, scanned: Sequence[Path] = ()) -> None:
        """Raises DirtyTree naming up to five of the changed paths."""
        paths = self.dirty_paths(scanned)
        if paths:
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
            raise DirtyTree(f"uncommitted changes in {shown}: the bot fixes the base branch as pushed, "
                            "not your local changes; commit or stash them, or pass --allow-dirty", paths)

    # -- remotes ------------------------------------------------------------------------

    def remote_url(self, remote: str, push: bool = True) -> str:
        """The push (or fetch) URL of ``remote``. Raises GitError when there is no such remote."""
        _check_name(remote, "remote")
        proc = self.run("remote", "get-url", *(["--push"] if push else []), remote, check=False)
        if proc.returncode != 0:
            raise GitError(f"no git remote named {remote!r}; add it (git remote add {remote} URL) or pass --remote")
        return proc.stdout.strip()

    def default_branch(self, remote: str) -> str:
        """The remote's default branch: from ``refs/remotes/<remote>/HEAD`` when the clone
        recorded it, else by asking the remote (``ls-remote --symref``)."""
        proc = self.run("symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD", check=False)
        prefix = f"refs/remotes/{remote}/"
        if proc.returncode == 0 and proc.stdout.strip().startswith(prefix):
            return proc.stdout.strip()[len(prefix):]
        url = self.remote_url(remote, push=False)
        proc = self.run("ls-remote", "--symref", remote, "HEAD", url=url, check=False)
        if proc.returncode != 0:
            raise GitError(f"cannot ask {remote!r} for its default branch: {self._explain(proc)}; pass --base")
        for line in proc.stdout.splitlines():
            if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
                return line[len("ref: refs/heads/"):-len("\tHEAD")]
        raise GitError(f"remote {remote!r} does not say which branch is its default (empty repository?); pass --base")

    def remote_branch(self, remote: str, branch: str) -> str | None:
        """The commit ``branch`` points to on the remote now, or None when it does not exist."""
        url = self.remote_url(remote, push=False)
        proc = self.run("ls-remote", "--heads", remote, f"refs/heads/{branch}", url=url, check=False)
        if proc.returncode != 0:
            raise GitError(f"cannot list branches of {remote!r}: {self._explain(proc)}")
        for line in proc.stdout.splitlines():
            sha, _, ref = line.partition("\t")
            if ref == f"refs/heads/{branch}":
                return sha
        return None

    def fetch(self, remote: str, branch: str) -> str:
        """Fetch ``branch`` into ``refs/remotes/<remote>/<branch>`` and return its commit.

        In a shallow clone (``actions/checkout`` makes them) fetch two commits deep: the bot
        compares its branch with that commit's parent. A full clone stays full.
        """
        url = self.remote_url(remote, push=False)
        args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head"]
        if self.is_shallow():
            args.append("--depth=2")
        proc = self.run(*args, remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}", url=url, check=False)
        if proc.returncode != 0:
            raise GitError(f"cannot fetch {branch!r} from {remote!r}: {self._explain(proc)}")
        sha = self.rev_parse(f"refs/remotes/{remote}/{branch}")
        if sha is None:  # pragma: no cover - fetch succeeded but the ref is missing
            raise GitError(f"fetched {remote}/{branch} but the ref is missing")
        return sha

    def push(self, remote: str, commit: str, branch: str, expected: str | None) -> None:
        """Push ``commit`` to ``refs/heads/<branch>``, only if the remote branch is still
        ``expected`` (None: must not exist yet). Raises PushRejected otherwise."""
        self._push_with_lease(remote, f"{commit}:refs/heads/{branch}", branch, expected,
                              f"push of {branch!r} to {remote!r}")

    def delete_branch(self, remote: str, branch: str, expected: str) -> None:
        """Delete ``refs/heads/<branch>`` on the remote, only while it still points to
        ``expected``. Raises PushRejected otherwise.

        A push with a lease rather than the REST API's DELETE of the ref: the lease makes the
        check and the deletion one step on the server, so a commit someone pushed to the branch
        after the bot looked at it is never deleted with it.
        """
        self._push_with_lease(remote, f":refs/heads/{branch}", branch, expected,
                              f"deletion of {branch!r} on {remote!r}")

    def _push_with_lease(self, remote: str, refspec: str, branch: str, expected: str | None, what: str) -> None:
        url = self.remote_url(remote)
        lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
        proc = self.run("push", "--porcelain", "--no-verify", lease, remote, refspec, url=url, check=False)
        if proc.returncode != 0:
            why = self._explain(proc)
            if "stale info" in proc.stdout or "stale info" in proc.stderr:
                why = f"{branch!r} changed on {remote!r} while acr-fix was running; run it again"
            raise PushRejected(f"{what} was rejected: {why}")

    # -- worktrees and commits -------------------------------------------------------------

    @contextlib.contextmanager
    def worktree(self, commit: str) -> Iterator["Git"]:
        """A temporary detached worktree at ``commit``, removed again however the block ends."""
        parent = Path(tempfile.mkdtemp(prefix="acr-fix-bot-"))
        path = parent / "worktree"
        try:
            quiet = self.without_hooks()
            quiet.run("worktree", "add", "--quiet", "--detach", "--no-checkout", str(path), commit)
            tree = quiet.at(path)
            # Check out separately so a failing checkout still leaves a worktree to remove.
            tree.run("checkout", "--quiet", "--detach", commit)
            yield tree
        finally:
            self.run("worktree", "remove", "--force", str(path), check=False)
            shutil.rmtree(parent, ignore_errors=True)
            self.run("worktree", "prune", check=False)

    def commit(self, paths: Sequence[str], message: str, author: Author | None) -> str:
        """Commit exactly ``paths`` (relative to the worktree) and return the new commit.

        Author and committer are ``author`` when given, else git's configuration. Hooks are
        skipped: this is a machine commit in a throwaway worktree.
        """
        if not paths:
            raise GitError("nothing to commit")
        env = author.env() if author else None
        if author is None and not (self.config("user.email") and self.config("user.name")):
            raise ConfigurationError("no commit author: pass --author \"Name <email>\" or set git config user.name and user.email")
        self.run("add", "--", *paths)
        self.run("commit", "--quiet", "--no-verify", "--file=-", "--", *paths, env=env, input=message)
        sha = self.rev_parse("HEAD")
        if sha is None:  # pragma: no cover - commit succeeded without a HEAD
            raise GitError("git commit left no HEAD")
        return sha

    def changed_paths(self, old: str, new: str) -> set[str]:
        """Paths that differ between two commits."""
        out = self.run("diff", "--name-only", "-z", "--no-renames", old, new, "--").stdout
        return {p for p in out.split("\0") if p}

    def same_files(self, old: str, new: str, paths: Sequence[str]) -> bool:
        """True when ``paths`` have the same content in both commits."""
        proc = self.run("diff", "--quiet", "--no-renames", old, new, "--", *paths, ok=(0, 1))
        return proc.returncode == 0

    def message(self, commit: str) -> str:
        return self.run("log", "-1", "--format=%B", "--end-of-options", commit).stdout

    def check_branch_name(self, branch: str) -> None:
        """Raises ConfigurationError unless ``branch`` is a valid branch name."""
        proc = self.run("check-ref-format", "--branch", branch, check=False)
        if proc.returncode != 0 or branch.startswith("-"):
            raise ConfigurationError(f"{branch!r} is not a valid branch name")


def _check_name(name: str, what: str) -> None:
    if not name or name.startswith("-") or any(c.isspace() for c in name):
        raise ConfigurationError(f"{name!r} is not a valid {what} name")


def _relative(top: Path, path: Path) -> Path:
    try:
        return Path(os.path.relpath(Path(path).resolve(), top.resolve()))
    except ValueError:  # another drive on Windows
        return Path(path)


def _under(path: Path, root: Path) -> bool:
    if str(root) in ("", "."):
        return True
    if root.parts and root.parts[0] == "..":
        return False
    return path == root or root in path.parents
