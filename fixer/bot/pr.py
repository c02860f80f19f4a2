"""``acr-fix pr``: fix the base branch on a bot branch and open or update a pull request.

The flow (issue 6):
1. check the checkout (a git repository, clean unless allowed, the remote exists);
2. fetch the base branch and compute the fixes in a temporary worktree at its tip, exactly
   as ``--write`` would (same options, config and suppressions, read from the base);
3. nothing to fix: stop (no branch, no commit, no pull request); when the bot's pull request
   from an earlier run is still open, it is stale: comment, close it and delete its branch
   (never someone else's pull request, never after a run with errors);
4. commit only the changed files on top of the base; when the bot's branch on the remote
   already holds the same fix, stop (no push, no new pull request);
5. push (with a lease on what the branch was), then update the bot's open pull request
   (found by head branch and the body marker) or open one.

The user's checkout is never modified. Returns a PrResult; prints nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..options import Options
from ..run import RunResult, run, write_fixes
from ..suppressions import Suppressions
from . import body as words
from .errors import ConfigurationError, ForeignChanges, GitError, GitHubError
from .git import Author, Git
from .github import DEFAULT_API_URL, GitHub, PullRequest, repository_from_remote

DEFAULT_BRANCH = "acr-fix/restrict-registry-network-access"

# root of the base checkout -> (options, PSRule suppressions): config and PSRule files are
# read from the commit being fixed, not from the user's working tree.
Settings = Callable[[Path], tuple[Options, Suppressions | None]]


@dataclass(frozen=True)
class PrRequest:
    paths: tuple[Path, ...] = ()            # as given on the command line; default: the current directory
    branch: str = DEFAULT_BRANCH
    base: str | None = None                 # None: the remote's default branch
    remote: str = "origin"
    author: Author | None = None            # None: git config user.name / user.email
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    draft: bool = False
    dry_run: bool = False
    allow_dirty: bool = False
    keep_branch: bool = False               # closing a stale pull request leaves its branch
    token: str | None = field(default=None, repr=False)   # never printed
    repository: str | None = None           # owner/name; None: GITHUB_REPOSITORY or the remote URL
    api_url: str = DEFAULT_API_URL


@dataclass(frozen=True)
class PrResult:
    """What happened. ``action`` is one of: nothing-to-fix, dry-run, opened, updated,
    unchanged (the open pull request already has this fix), declined (the bot's pull request
    with this fix was closed without merging; not reopened), closed (nothing left to fix: the
    bot's open pull request was closed as stale). ``message``: one line per thing done."""

    action: str
    message: str
    branch: str
    base: str
    title: str = ""
    body: str = ""
    commit_message: str = ""
    files: tuple[str, ...] = ()
    commit: str | None = None
    pull: PullRequest | None = None
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()             # files the core could not process (other files still fixed)
    log: tuple[str, ...] = ()
    run: RunResult | None = field(default=None, repr=False, compare=False)

    def exit_code(self) -> int:
        """0 done (including nothing to do); 1 dry run with changes; 2 some files failed."""
        if self.errors:
            return 2
        return 1 if self.action == "dry-run" else 0


def settings_from_env(env: Mapping[str, str] | None = None, token_env: str = "GITHUB_TOKEN") -> dict[str, str | None]:
    """Token, repository and API URL from the variables GitHub Actions sets."""
    env = os.environ if env is None else env
    return {"token": (env.get(token_env) or "").strip() or None,
            "repository": (env.get("GITHUB_REPOSITORY") or "").strip() or None,
            "api_url": (env.get("GITHUB_API_URL") or "").strip() or DEFAULT_API_URL}


@dataclass(frozen=True)
class Cleanup:
    """What to do with the open pull requests from the bot's branch when a run proposes no fix."""

    close: PullRequest | None = None       # the bot's stale pull request
    delete_branch: bool = False
    notes: tuple[str, ...] = ()            # one line per thing left alone, saying why


def plan_cleanup(pulls: Sequence[PullRequest], branch: str, base: str, errors: Sequence[str],
                 keep_branch: bool = False) -> Cleanup:
    """Decide, from the open pull requests whose head is ``branch``, what a run that found
    nothing to fix on ``base`` closes. Only the bot's own (the body marker), only one into
    ``base`` (a pull request into another base was not checked by this run), and only after a
    run without errors: a file that could not be read may still need the fix. The branch goes
    only when no other open pull request uses it (deleting it would close that one too)."""
    open_pulls = [p for p in pulls if p.state == "open"]
    close: PullRequest | None = None
    notes: list[str] = []
    for pull in open_pulls:
        if not words.is_bot_body(pull.body):
            notes.append(f"left #{pull.number} open: not opened by acr-fix")
        elif pull.base != base:
            notes.append(f"left #{pull.number} open: it targets {pull.base}, this run checked {base}")
        elif errors:
            count = f"{len(errors)} error{'' if len(errors) == 1 else 's'}"
            notes.append(f"left #{pull.number} open: this run had {count}, so what is left to fix is unknown")
        elif close is None:
            close = pull
    others = [p.number for p in open_pulls if p is not close]
    if close is not None and keep_branch:
        notes.append(f"kept branch {branch} (--keep-branch)")
    elif close is not None and others:
        notes.append(f"kept branch {branch}: #{others[0]} still uses it")
    return Cleanup(close, close is not None and not keep_branch and not others, tuple(notes))


def preview_cleanup(branch: str, errors: Sequence[str], keep_branch: bool = False) -> str:
    """The dry run's line about a stale pull request. The dry run calls no API, so it cannot
    know whether one is open; it says what a real run would do if one is."""
    if errors:
        return f"would leave an open acr-fix pull request from {branch} open: this run had errors"
    branch_fate = "keep" if keep_branch else "delete"
    return f"would close an open acr-fix pull request from {branch} with a comment and {branch_fate} the branch"


def open_or_update_pr(request: PrRequest, settings: Settings | None = None, *, cwd: Path | None = None,
                      github: Callable[[str, str, str, Callable[[str], None]], GitHub] | None = None,
                      git_env: Mapping[str, str] | None = None) -> PrResult:
    """Run the bot once. Raises BotError subclasses (and FixerError from settings) with
    one-line messages; the user's checkout is left exactly as it was in every case.

    ``github`` builds the API client from (repository, token, api_url, log); tests pass one
    with a fake clock.
    """
    cwd = Path(cwd or Path.cwd())
    settings = settings or (lambda root: (Options(), None))
    log: list[str] = []
    git = Git(cwd, token=request.token, env=git_env)
    top = git.toplevel()
    git.check_branch_name(request.branch)
    remote_url = git.remote_url(request.remote)
    scanned = [p if p.is_absolute() else cwd / p for p in (request.paths or (cwd,))]
    relative = [_inside(top, p) for p in scanned]
    if not request.allow_dirty:
        git.require_clean(scanned)

    client: GitHub | None = None
    if not request.dry_run:
        repository = request.repository or repository_from_remote(remote_url)
        if not repository:
            raise ConfigurationError(f"cannot tell the GitHub repository from remote {request.remote!r}; "
                                     "set GITHUB_REPOSITORY=owner/name")
        if not request.token:
            raise ConfigurationError("no GitHub token: set GITHUB_TOKEN or pass --token-env NAME")
        make = github or (lambda repo, token, url, sink: GitHub(repo, token, url, log=sink))
        client = make(repository, request.token, request.api_url, log.append)
    try:
        return _run(request, settings, git, relative, client, log)
    finally:
        if client is not None:
            client.close()


def _run(request: PrRequest, settings: Settings, git: Git, relative: list[Path], client: GitHub | None,
         log: list[str]) -> PrResult:
    warnings: list[str] = []
    base = request.base or _default_branch(git, request.remote, client)
    git.check_branch_name(base)
    if base == request.branch:
        raise ConfigurationError(f"--branch {request.branch!r} is the base branch; choose another branch name")

    remote_sha: str | None = None
    if request.dry_run:
        # Touch nothing: preview from what this clone last fetched.
        base_sha = git.rev_parse(f"refs/remotes/{request.remote}/{base}")
        if base_sha is None:
            base_sha = git.rev_parse("HEAD")
            warnings.append(f"{request.remote}/{base} has not been fetched; previewing from HEAD")
        if base_sha is None:
            raise GitError("the repository has no commits yet")
    else:
        base_sha = git.fetch(request.remote, base)
        if git.remote_branch(request.remote, request.branch) is not None:
            remote_sha = git.fetch(request.remote, request.branch)
            if words.TRAILER not in git.message(remote_sha):
                raise ForeignChanges(f"branch {request.branch!r} on {request.remote!r} has commits acr-fix did not make "
                                     f"(tip {remote_sha[:12]}); not overwriting them: merge or close its pull request "
                                     "and delete the branch, or pass another --branch")

    common = {"branch": request.branch, "base": base}
    with git.worktree(base_sha) as tree:
        options, suppressions = settings(tree.cwd)
        result = run([tree.cwd / rel for rel in relative], options, root=tree.cwd, suppressions=suppressions)
        warnings.extend(result.warnings)
        errors = tuple(list(result.errors) + [f.error for f in result.files
                                              if f.error and f.status in ("failed", "skipped")])
        if not result.changed_files:
            manual = sum(1 for _, p in result.plans if p.status == "manual")
            extra = f"; {manual} registr{'y needs' if manual == 1 else 'ies need'} manual action" if manual else ""
            lines = [f"nothing to fix on {base}{extra}; no branch, commit or pull request made"]
            action = "nothing-to-fix"
            stale: PullRequest | None = None      # the pull request closed as stale, for reports
            if request.dry_run:
                lines.append(preview_cleanup(request.branch, errors, request.keep_branch))
            # Without the branch no pull request from it can be open (GitHub closes a pull
            # request whose head branch is deleted), so a clean run asks the API nothing.
            elif remote_sha is not None:
                assert client is not None
                cleanup = plan_cleanup(client.pulls_from(request.branch), request.branch, base, errors,
                                       request.keep_branch)
                if cleanup.close is not None:
                    action, stale = "closed", cleanup.close
                    lines = _close_stale(cleanup, client, git, request, base, base_sha, remote_sha, manual, extra,
                                         warnings)
                lines.extend(cleanup.notes)
            return PrResult(action, "\n".join(lines), pull=stale, warnings=tuple(warnings), errors=errors,
                            log=tuple(log), run=result, **common)

        title = words.title(result)
        message = words.commit_message(result)
        text = words.body(result)
        files = tuple(f.display for f in result.changed_files)
        preview = {"title": title, "body": text, "commit_message": message, "files": files}
        if request.dry_run:
            return PrResult("dry-run", f"would push {len(files)} changed file(s) to {request.branch} and open or "
                            f"update a pull request into {base}", warnings=tuple(warnings), errors=errors,
                            log=tuple(log), run=result, **preview, **common)

        assert client is not None
        write_fixes(result)
        written = tuple(f.display for f in result.files if f.status == "fixed")
        errors = tuple(list(result.errors) + [f.error for f in result.files
                                              if f.error and f.status in ("failed", "skipped")])
        if not written:
            raise GitError("no fixed file could be written in the temporary worktree: " + "; ".join(errors))
        if written != files:
            message, text = words.commit_message(result), words.body(result)
            preview = {"title": words.title(result), "body": text, "commit_message": message, "files": written}
        commit = tree.commit(list(written), message, request.author)
        unchanged = remote_sha is not None and _same_fix(tree, base_sha, commit, remote_sha)

        pulls = client.pulls_from(request.branch, state="all")
        open_pulls = [p for p in pulls if p.state == "open"]
        mine = [p for p in open_pulls if words.is_bot_body(p.body)]
        if open_pulls and not mine:
            raise ForeignChanges(f"pull request #{open_pulls[0].number} from {request.branch!r} was not opened by acr-fix; "
                                 "not changing it: pass another --branch")
        pull = mine[0] if mine else None
        if unchanged and pull is not None:
            return PrResult("unchanged", f"pull request #{pull.number} already has these fixes; nothing pushed",
                            commit=remote_sha, pull=pull, warnings=tuple(warnings), errors=errors,
                            log=tuple(log), run=result, **preview, **common)
        if unchanged and pull is None:
            closed = [p for p in pulls if p.state == "closed" and words.is_bot_body(p.body) and not p.merged
                      and not words.closed_as_stale(p.body)]   # closed as stale by the bot: not a "no"
            if closed:
                return PrResult("declined", f"pull request #{closed[0].number} with these fixes was closed without "
                                "merging; not reopening it until the fixes change", commit=remote_sha, pull=closed[0],
                                warnings=tuple(warnings), errors=errors, log=tuple(log), run=result, **preview, **common)
        if not unchanged:
            git.push(request.remote, commit, request.branch, remote_sha)
        pushed = remote_sha if unchanged else commit
        if pull is not None:
            pull = client.update_pull(pull.number, title=preview["title"], body=text,
                                      base=base if pull.base != base else None)
            action, what = "updated", f"updated pull request #{pull.number}"
        else:
            pull = client.create_pull(preview["title"], text, request.branch, base, draft=request.draft)
            action, what = "opened", f"opened pull request #{pull.number}"
            _try(lambda: client.request_reviewers(pull.number, request.reviewers), "request reviewers", warnings)
        _try(lambda: client.add_labels(pull.number, request.labels), "add labels", warnings)
        return PrResult(action, f"{what}: {pull.url}", commit=pushed, pull=pull, warnings=tuple(warnings),
                        errors=errors, log=tuple(log), run=result, **preview, **common)


def _default_branch(git: Git, remote: str, client: GitHub | None) -> str:
    try:
        return git.default_branch(remote)
    except GitError:
        if client is None:
            raise
        return client.default_branch()


def _close_stale(cleanup: Cleanup, client: GitHub, git: Git, request: PrRequest, base: str, base_sha: str,
                 remote_sha: str, manual: int, extra: str, warnings: list[str]) -> list[str]:
    """Comment on the bot's stale pull request, close it, delete its branch; one line per action.

    The comment goes first: a pull request closed without a word is worse than one left open,
    and if the comment fails the pull request stays open for the next run. If the close fails
    after the comment, the next run finds its comment (marked with the branch tip) and only
    closes: one comment however often the close is retried. The branch is the bot's (its tip
    carries the trailer, checked before the run) and goes only while it is still at that tip;
    failing to delete it is a warning, the pull request is closed either way.
    """
    pull = cleanup.close
    assert pull is not None
    # only the bot's own comment counts: the account that opened the pull request
    if not any(words.is_closing_comment(text, remote_sha) for text in client.comments(pull.number, author=pull.author)):
        client.comment(pull.number, words.closing_comment(base, base_sha, manual, tip=remote_sha))
    client.update_pull(pull.number, state="closed", body=words.closed_body(pull.body))
    lines = [f"closed #{pull.number} with a comment: nothing left to fix on {base} at {base_sha[:12]}{extra}"]
    if cleanup.delete_branch:
        try:
            git.delete_branch(request.remote, request.branch, remote_sha)
            lines.append(f"deleted branch {request.branch}")
        except GitError as exc:
            warnings.append(f"could not delete branch {request.branch}: {exc}")
    return lines


def _same_fix(tree: Git, base_sha: str, commit: str, remote_sha: str) -> bool:
    """True when the remote bot branch already carries this fix: it changes the same files
    as ``commit`` does (relative to its own parent, the base it was made from) and those
    files have the same content. A moved base alone is not a new change."""
    parent = tree.rev_parse(f"{remote_sha}^")
    if parent is None:
        return False
    ours = tree.changed_paths(base_sha, commit)
    theirs = tree.changed_paths(parent, remote_sha)
    return ours == theirs and tree.same_files(remote_sha, commit, sorted(ours))


def _try(action: Callable[[], None], what: str, warnings: list[str]) -> None:
    """Labels and reviewers are extras: a failure is a warning, the pull request stands."""
    try:
        action()
    except GitHubError as exc:
        warnings.append(f"could not {what}: {exc}")


def _inside(top: Path, path: Path) -> Path:
    resolved = path.resolve()
    try:
        return resolved.relative_to(top.resolve())
    except ValueError:
        raise ConfigurationError(f"{path}: outside the git repository at {top}; the bot only fixes files in it") from None


def format_preview(result: PrResult) -> str:
    """The dry-run text: branch, commit message, pull request title and body."""
    lines = [f"branch: {result.branch} (from {result.base})", f"files: {', '.join(result.files)}", "",
             "commit message:", *("  " + line if line else "" for line in result.commit_message.rstrip("\n").split("\n")),
             "", f"pull request title: {result.title}", "", "pull request body:", result.body.rstrip("\n")]
    return "\n".join(lines) + "\n"


__all__: Sequence[str] = ("DEFAULT_BRANCH", "PrRequest", "PrResult", "Cleanup", "plan_cleanup", "preview_cleanup",
                          "open_or_update_pr", "settings_from_env", "format_preview")
