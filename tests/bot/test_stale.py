"""A run that finds nothing left to fix closes the bot's stale pull request: real ARM templates,
the real core, real git with a bare origin, and the GitHub REST API served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fixer.bot.body import CLOSED_MARKER, MARKER
from fixer.bot.errors import PermissionDenied, PushRejected
from fixer.bot.git import Git
from fixer.bot.github import PullRequest
from fixer.bot.pr import DEFAULT_BRANCH, plan_cleanup

from .conftest import NAME, OWNER, TOKEN, FakeGitHub, Repo, git, make_repo
from .test_pr import BASIC_OPEN, COMPLIANT, PACKAGE_JSON, bot, checkout_state, invoke

# Mentions a registry, so the core parses it, and fails to: the run has an error.
BROKEN = '{"resources": [{"type": "Microsoft.ContainerRegistry/registries", "name": "half",, ]}\n'


@pytest.fixture
def repo(tmp_path: Path) -> Repo:  # overrides conftest's: a repository with an open registry
    return make_repo(tmp_path, {"infra/registry.json": BASIC_OPEN, "web/package.json": PACKAGE_JSON})


def fix_by_hand(repo: Repo) -> str:
    """Someone fixes the template on main themselves; returns main's new commit."""
    repo.write("infra/registry.json", COMPLIANT)
    return repo.commit_and_push("lock down the build cache by hand", "infra/registry.json")


def suppress(repo: Repo) -> str:
    """The team decides the registry stays open: a PSRule suppression on main."""
    repo.write("ps-rule.yaml", "suppression:\n  Azure.ACR.Firewall:\n    - buildcache  # public base images\n")
    return repo.commit_and_push("suppress", "ps-rule.yaml")


@pytest.mark.parametrize("resolve", [fix_by_hand, suppress], ids=["fixed-by-hand", "suppressed"])
def test_stale_pull_request_is_closed_with_a_comment_and_its_branch_deleted(repo: Repo, github: FakeGitHub,
                                                                            resolve: Callable[[Repo], str]) -> None:
    assert bot(repo, github).action == "opened"
    main = resolve(repo)
    before = checkout_state(repo)
    writes = len(github.writes())

    result = bot(repo, github)
    assert result.action == "closed", result.message
    assert result.exit_code() == 0 and result.warnings == ()
    assert result.message.splitlines() == [f"closed #1 with a comment: nothing left to fix on main at {main[:12]}",
                                           f"deleted branch {DEFAULT_BRANCH}"]
    # The comment first, then the close; nothing else written through the API.
    comment, close = github.writes()[writes:]
    assert (comment.method, comment.path) == ("POST", "/repos/contoso/infra/issues/1/comments")
    assert (close.method, close.path) == ("PATCH", "/repos/contoso/infra/pulls/1")
    assert github.comments[1] == [comment.body["body"]]
    assert f"nothing left to fix on `main` at {main[:12]}" in comment.body["body"]
    assert close.body["state"] == "closed"
    assert github.pulls[1]["state"] == "closed"
    assert github.pulls[1]["body"].startswith(f"{MARKER}\n{CLOSED_MARKER}\n")
    # The bot's branch is gone from the remote and from the clone's remote-tracking refs.
    assert repo.remote_sha(DEFAULT_BRANCH) is None
    assert git(repo.work, "for-each-ref", f"refs/remotes/origin/{DEFAULT_BRANCH}") == ""
    assert checkout_state(repo) == before

    # The next run has nothing to close and asks GitHub nothing.
    seen = len(github.requests)
    again = bot(repo, github)
    assert again.action == "nothing-to-fix" and again.message.count("\n") == 0
    assert len(github.requests) == seen


def test_closing_names_registries_left_for_manual_action(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    # The team now refuses SKU upgrades: the fix the pull request proposes is no longer wanted,
    # and the Basic registry needs a person.
    repo.write("acr-fix.yaml", "sku_upgrade: false\n")
    main = repo.commit_and_push("no Premium for us", "acr-fix.yaml")
    result = bot(repo, github)
    assert result.action == "closed", result.message
    assert result.message.splitlines()[0] == (f"closed #1 with a comment: nothing left to fix on main at {main[:12]}; "
                                              "1 registry needs manual action")
    assert "1 registry needs manual action" in github.comments[1][0]


def test_keep_branch_closes_but_keeps_the_branch_and_a_relapse_opens_a_new_pull_request(repo: Repo,
                                                                                       github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    main = fix_by_hand(repo)
    result = bot(repo, github, keep_branch=True)
    assert result.action == "closed"
    assert result.message.splitlines() == [f"closed #1 with a comment: nothing left to fix on main at {main[:12]}",
                                           f"kept branch {DEFAULT_BRANCH} (--keep-branch)"]
    assert github.pulls[1]["state"] == "closed" and repo.remote_sha(DEFAULT_BRANCH) == sha
    # The template is opened again, exactly as before: the kept branch already holds the fix.
    # The pull request the bot closed itself is no "no" from a person: a new one is opened.
    repo.write("infra/registry.json", BASIC_OPEN)
    repo.commit_and_push("revert the hand fix", "infra/registry.json")
    relapse = bot(repo, github)
    assert relapse.action == "opened", relapse.message
    assert relapse.pull is not None and relapse.pull.number == 2
    assert github.pulls[2]["state"] == "open"


def test_someone_elses_pull_request_from_the_branch_is_left_open(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    github.pulls[1]["body"] = "my own description"       # no marker: a person's pull request
    fix_by_hand(repo)
    writes = len(github.writes())
    result = bot(repo, github)
    assert result.action == "nothing-to-fix" and result.exit_code() == 0
    assert result.message.splitlines()[1:] == ["left #1 open: not opened by acr-fix"]
    assert github.pulls[1]["state"] == "open" and github.pulls[1]["body"] == "my own description"
    assert len(github.writes()) == writes and github.comments == {}
    assert repo.remote_sha(DEFAULT_BRANCH) == sha        # its branch is not deleted either


def test_run_with_errors_leaves_the_pull_request_open(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    repo.write("infra/registry.json", COMPLIANT)
    repo.write("infra/half.json", BROKEN)
    repo.commit_and_push("fix by hand, and a half-written template", "infra/registry.json", "infra/half.json")
    writes = len(github.writes())
    result = bot(repo, github)
    assert result.action == "nothing-to-fix" and result.exit_code() == 2
    assert any(e.startswith("infra/half.json") for e in result.errors), result.errors
    assert result.message.splitlines()[1:] == ["left #1 open: this run had 1 error, so what is left to fix is unknown"]
    assert github.pulls[1]["state"] == "open" and CLOSED_MARKER not in github.pulls[1]["body"]
    assert len(github.writes()) == writes and github.comments == {}
    assert repo.remote_sha(DEFAULT_BRANCH) == sha


@pytest.mark.parametrize("how", ["closed", "merged"])
def test_nothing_happens_without_an_open_bot_pull_request(repo: Repo, github: FakeGitHub, how: str) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    assert sha is not None
    if how == "merged":                                  # merged, branch not deleted on merge
        git(repo.origin, "update-ref", "refs/heads/main", sha)
        github.pulls[1].update(state="closed", merged_at="2024-05-01T00:00:00Z")
    else:                                                # a person declined it, then fixed by hand
        github.pulls[1]["state"] = "closed"
        fix_by_hand(repo)
    git(repo.work, "fetch", "-q", "origin")
    body = github.pulls[1]["body"]
    writes = len(github.writes())
    result = bot(repo, github)
    assert result.action == "nothing-to-fix", result.message
    assert result.exit_code() == 0 and "\n" not in result.message
    assert len(github.writes()) == writes and github.comments == {}
    assert github.pulls[1]["body"] == body               # not marked as closed by the bot
    assert repo.remote_sha(DEFAULT_BRANCH) == sha        # the branch of a closed pull request is not ours to delete


def test_pull_request_into_another_base_is_left_open(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    repo.write("infra/registry.json", COMPLIANT)
    git(repo.work, "add", "infra/registry.json")
    git(repo.work, "commit", "-qm", "release is locked down")
    git(repo.work, "push", "-q", "origin", "HEAD:refs/heads/release")
    result = bot(repo, github, base="release")
    assert result.action == "nothing-to-fix"
    assert result.message.splitlines()[1:] == ["left #1 open: it targets main, this run checked release"]
    assert github.pulls[1]["state"] == "open" and github.comments == {}
    assert repo.remote_sha(DEFAULT_BRANCH) == sha


def test_a_refused_branch_deletion_is_a_warning_and_the_pull_request_stays_closed(repo: Repo,
                                                                                  github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    fix_by_hand(repo)
    hook = repo.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch protection: deletion not allowed' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = bot(repo, github)
    assert result.action == "closed" and result.exit_code() == 0
    assert "\n" not in result.message and result.message.startswith("closed #1 with a comment")  # no "deleted branch"
    assert github.pulls[1]["state"] == "closed"
    [warning] = result.warnings
    assert warning.startswith(f"could not delete branch {DEFAULT_BRANCH}: deletion of") and "rejected" in warning
    assert repo.remote_sha(DEFAULT_BRANCH) == sha
    # The next run sees the closed pull request and leaves it, and the branch, alone.
    writes = len(github.writes())
    assert bot(repo, github).action == "nothing-to-fix"
    assert len(github.writes()) == writes


def test_a_failed_comment_leaves_the_pull_request_open(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    fix_by_hand(repo)
    github.inject("POST", r"/issues/1/comments$", 403, body={"message": "Resource not accessible by integration"})
    with pytest.raises(PermissionDenied, match="Resource not accessible"):
        bot(repo, github)
    assert github.pulls[1]["state"] == "open" and github.calls("PATCH") == []
    assert repo.remote_sha(DEFAULT_BRANCH) == sha
    assert bot(repo, github).action == "closed"          # the next run catches up


def test_a_failed_close_after_the_comment_is_retried_without_a_second_comment(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    fix_by_hand(repo)
    # The token may comment (issues: write) but not close (pull-requests: write), twice.
    github.inject("PATCH", r"/pulls/1$", 403, body={"message": "Resource not accessible by integration"}, times=2)
    for _ in range(2):
        with pytest.raises(PermissionDenied, match="Resource not accessible"):
            bot(repo, github)
        assert github.pulls[1]["state"] == "open" and len(github.comments[1]) == 1
        assert repo.remote_sha(DEFAULT_BRANCH) == sha
    result = bot(repo, github)
    assert result.action == "closed", result.message
    assert github.pulls[1]["state"] == "closed" and repo.remote_sha(DEFAULT_BRANCH) is None
    [comment] = github.comments[1]
    assert comment.startswith(f"<!-- acr-fix:closing {sha} -->\n") and "nothing left to fix" in comment
    assert len(github.calls("POST", "/issues/1/comments")) == 1
    assert len(github.calls("PATCH", "/pulls/1")) == 3


def test_a_closing_comment_for_another_tip_of_the_branch_does_not_count(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    github.comments[1] = ["<!-- acr-fix:closing 0000000000000000000000000000000000000000 -->\nan older fix",
                          "why was this closed?", *(f"comment {i}" for i in range(250))]   # three pages
    fix_by_hand(repo)
    assert bot(repo, github).action == "closed"
    assert len(github.comments[1]) == 253 and github.comments[1][-1].startswith(f"<!-- acr-fix:closing {sha} -->")
    assert [c.query["page"] for c in github.calls("GET", "/issues/1/comments")] == [["1"], ["2"], ["3"]]


def test_delete_branch_only_while_it_is_where_the_bot_left_it(repo: Repo) -> None:
    g = Git(repo.work)
    base = g.fetch("origin", "main")
    git(repo.work, "push", "-q", "origin", f"{base}:refs/heads/acr-fix/x")
    with pytest.raises(PushRejected, match="deletion of 'acr-fix/x' on 'origin' was rejected"):
        g.delete_branch("origin", "acr-fix/x", "0" * 40)   # someone pushed since the bot looked
    assert repo.remote_sha("acr-fix/x") == base
    g.delete_branch("origin", "acr-fix/x", base)
    assert repo.remote_sha("acr-fix/x") is None


def pull(number: int, body: str = MARKER, base: str = "main") -> PullRequest:
    return PullRequest(number=number, url="", title="", body=body, head=DEFAULT_BRANCH, base=base, state="open")


def test_plan_cleanup_keeps_a_branch_another_open_pull_request_uses() -> None:
    plan = plan_cleanup([pull(1), pull(2, body="mine", base="release")], DEFAULT_BRANCH, "main", [])
    assert plan.close == pull(1) and plan.delete_branch is False
    assert plan.notes == ("left #2 open: not opened by acr-fix", f"kept branch {DEFAULT_BRANCH}: #2 still uses it")
    assert plan_cleanup([pull(1)], DEFAULT_BRANCH, "main", []).delete_branch is True
    assert plan_cleanup([pull(1)], DEFAULT_BRANCH, "main", [], keep_branch=True).delete_branch is False
    assert plan_cleanup([], DEFAULT_BRANCH, "main", []).close is None


# -- through the command line ---------------------------------------------------------------


def test_cli_prints_one_line_per_action(repo: Repo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": f"{OWNER}/{NAME}", "GITHUB_API_URL": github.url}
    args = ["--author", "acr-fix bot <bot@example.com>"]
    assert invoke(repo, args, env, monkeypatch).exit_code == 0
    main = fix_by_hand(repo)
    result = invoke(repo, args, env, monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"closed #1 with a comment: nothing left to fix on main at {main[:12]}\n"
                             f"deleted branch {DEFAULT_BRANCH}\n")
    assert result.stderr == ""


def test_cli_dry_run_says_what_it_would_close_and_calls_no_api(repo: Repo, github: FakeGitHub,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    fix_by_hand(repo)
    seen = len(github.requests)
    result = invoke(repo, ["--dry-run"], {}, monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "nothing to fix on main; no branch, commit or pull request made",
        f"would close an open acr-fix pull request from {DEFAULT_BRANCH} with a comment and delete the branch"]
    kept = invoke(repo, ["--dry-run", "--keep-branch"], {}, monkeypatch)
    assert kept.stdout.splitlines()[1].endswith("with a comment and keep the branch")
    assert len(github.requests) == seen
    assert github.pulls[1]["state"] == "open" and repo.remote_sha(DEFAULT_BRANCH) == sha
