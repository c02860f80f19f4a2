"""The git layer against real repositories: a clone with a local bare origin, and smart HTTP."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fixer.bot.errors import ConfigurationError, DirtyTree, GitError, NotARepository, PushRejected
from fixer.bot.git import Author, Git, Redactor, auth_env, wants_token

from .conftest import TOKEN, GitHttpServer, Repo, git


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(NotARepository, match="not inside a git repository"):
        Git(tmp_path).toplevel()


def test_dirty_paths_count_tracked_changes_and_untracked_templates_only(repo: Repo) -> None:
    g = Git(repo.work)
    assert g.dirty_paths() == ()
    repo.write("notes.txt", "scratch\n")           # untracked, not a template: ignored
    repo.write("build/out.bin", "x")
    assert g.dirty_paths() == ()
    repo.write("infra/new.bicep", "param x string\n")  # untracked template: counts
    assert g.dirty_paths() == ("infra/new.bicep",)
    assert g.dirty_paths([repo.work / "other"]) == ()  # ...unless outside the scanned paths
    repo.write("README.md", "# changed\n")           # tracked change: always counts
    assert set(g.dirty_paths([repo.work / "other"])) == {"README.md"}
    with pytest.raises(DirtyTree, match="README.md.*--allow-dirty"):
        g.require_clean([repo.work / "other"])


def test_untracked_config_file_counts(repo: Repo) -> None:
    repo.write("ps-rule.yaml", "rule: {}\n")
    assert Git(repo.work).dirty_paths([repo.work / "infra"]) == ("ps-rule.yaml",)


def test_default_branch_from_symref_then_from_remote(repo: Repo) -> None:
    git(repo.origin, "symbolic-ref", "HEAD", "refs/heads/trunk")
    git(repo.origin, "branch", "trunk", "main")
    g = Git(repo.work)
    assert g.default_branch("origin") == "main"          # the clone recorded origin/HEAD -> main
    git(repo.work, "remote", "set-head", "origin", "--delete")
    assert g.default_branch("origin") == "trunk"         # asked the remote


def test_unknown_remote(repo: Repo) -> None:
    with pytest.raises(GitError, match="no git remote named 'upstream'"):
        Git(repo.work).remote_url("upstream")


def test_worktree_commit_push_leave_the_checkout_alone(repo: Repo) -> None:
    g = Git(repo.work)
    before_branch, before_sha = g.current()
    base = g.fetch("origin", "main")
    with g.worktree(base) as tree:
        (tree.cwd / "infra/app.json").write_text('{"hello": 2}\n')
        sha = tree.commit(["infra/app.json"], "fix: app\n\nbody\n", Author.parse("Bot <bot@example.com>"))
        g.push("origin", sha, "acr-fix/test", None)
        wt_path = tree.cwd
    assert not wt_path.exists()
    assert repo.remote_sha("acr-fix/test") == sha
    assert git(repo.origin, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", sha) == \
        "Bot <bot@example.com>|Bot <bot@example.com>|fix: app"
    assert g.current() == (before_branch, before_sha)
    assert g.dirty_paths() == ()
    assert len(git(repo.work, "worktree", "list").splitlines()) == 1


def test_worktree_removed_when_the_block_raises(repo: Repo) -> None:
    g = Git(repo.work)
    with pytest.raises(RuntimeError):
        with g.worktree(g.fetch("origin", "main")) as tree:
            (tree.cwd / "infra/app.json").write_text("half-written")
            raise RuntimeError("boom")
    assert len(git(repo.work, "worktree", "list").splitlines()) == 1
    assert (repo.work / "infra/app.json").read_text() == '{"hello": 1}\n'


def test_commit_author_from_git_config(repo: Repo) -> None:
    g = Git(repo.work)
    with g.worktree(g.fetch("origin", "main")) as tree:
        (tree.cwd / "infra/app.json").write_text("{}\n")
        sha = tree.commit(["infra/app.json"], "m", None)
        assert git(tree.cwd, "log", "-1", "--format=%an <%ae>", sha) == "Dev One <dev@example.com>"


def test_commit_without_any_author_is_a_clear_error(repo: Repo, tmp_path: Path) -> None:
    git(repo.work, "config", "--unset", "user.name")
    git(repo.work, "config", "--unset", "user.email")
    g = Git(repo.work)
    with g.worktree(g.fetch("origin", "main")) as tree:
        (tree.cwd / "infra/app.json").write_text("{}\n")
        with pytest.raises(ConfigurationError, match="--author"):
            tree.commit(["infra/app.json"], "m", None)


def test_commit_only_the_given_paths(repo: Repo) -> None:
    g = Git(repo.work)
    with g.worktree(g.fetch("origin", "main")) as tree:
        (tree.cwd / "infra/app.json").write_text("{}\n")
        (tree.cwd / "README.md").write_text("touched\n")
        sha = tree.commit(["infra/app.json"], "m", None)
        assert tree.changed_paths(f"{sha}^", sha) == {"infra/app.json"}


def test_push_lease_refuses_to_overwrite_an_unexpected_branch(repo: Repo) -> None:
    g = Git(repo.work)
    base = g.fetch("origin", "main")
    git(repo.work, "push", "-q", "origin", f"{base}:refs/heads/acr-fix/x")
    with g.worktree(base) as tree:
        (tree.cwd / "infra/app.json").write_text("{}\n")
        sha = tree.commit(["infra/app.json"], "m", None)
        with pytest.raises(PushRejected, match="rejected"):
            g.push("origin", sha, "acr-fix/x", None)          # we thought it did not exist
        with pytest.raises(PushRejected):
            g.push("origin", sha, "acr-fix/x", "0" * 40)      # we thought it was elsewhere
        g.push("origin", sha, "acr-fix/x", base)              # the lease holds
    assert repo.remote_sha("acr-fix/x") == sha


def test_branch_names_are_validated(repo: Repo) -> None:
    g = Git(repo.work)
    g.check_branch_name("acr-fix/restrict-registry-network-access")
    for bad in ("-x", "a..b", "a b", "a~1"):
        with pytest.raises(ConfigurationError):
            g.check_branch_name(bad)


def test_author_parse() -> None:
    assert Author.parse(" acr-fix bot <bot@x.test> ") == Author("acr-fix bot", "bot@x.test")
    for bad in ("bot", "<bot@x>", "bot <a b@x>", "a <b> c"):
        with pytest.raises(ConfigurationError, match="Name <email>"):
            Author.parse(bad)


def test_token_only_for_https_and_loopback_http() -> None:
    assert wants_token("https://github.com/o/r.git")
    assert wants_token("http://127.0.0.1:8080/o/r.git")
    assert not wants_token("http://example.com/o/r.git")
    assert not wants_token("git@github.com:o/r.git")
    assert not wants_token("ssh://git@github.com/o/r.git")
    assert not wants_token("/srv/git/r.git")


def test_auth_env_appends_after_existing_config_entries() -> None:
    env = auth_env("https://github.com/o/r.git", "tok", {"GIT_CONFIG_COUNT": "1"})
    assert env["GIT_CONFIG_COUNT"] == "3"
    assert env["GIT_CONFIG_KEY_1"] == env["GIT_CONFIG_KEY_2"] == "http.https://github.com/.extraheader"
    assert env["GIT_CONFIG_VALUE_1"] == ""   # resets a header actions/checkout may have persisted
    assert env["GIT_CONFIG_VALUE_2"].startswith("AUTHORIZATION: basic ")


def test_redactor_hides_token_and_its_basic_form() -> None:
    import base64
    r = Redactor(["s3cret"])
    basic = base64.b64encode(b"x-access-token:s3cret").decode()
    assert r(f"a s3cret b {basic} c") == "a *** b *** c"


def test_https_push_sends_token_in_memory_only(repo: Repo, git_http: GitHttpServer) -> None:
    url = git_http.url("origin.git")
    git(repo.work, "remote", "set-url", "origin", url)
    # Without the token the server refuses, and git must not hang on a password prompt.
    with pytest.raises(GitError) as info:
        Git(repo.work).fetch("origin", "main")
    assert "fetch" in str(info.value)
    g = Git(repo.work, token=TOKEN)
    base = g.fetch("origin", "main")
    assert g.default_branch("origin") == "main"
    assert g.remote_branch("origin", "acr-fix/y") is None
    with g.worktree(base) as tree:
        (tree.cwd / "infra/app.json").write_text("{}\n")
        sha = tree.commit(["infra/app.json"], "m", None)
        g.push("origin", sha, "acr-fix/y", None)
    assert repo.remote_sha("acr-fix/y") == sha
    assert g.remote_branch("origin", "acr-fix/y") == sha
    assert any(h and h.lower() == git_http.expected.lower() for h in git_http.auth_headers)
    _assert_token_not_on_disk(repo.work / ".git")


def test_git_errors_never_show_the_token(repo: Repo, git_http: GitHttpServer) -> None:
    url = git_http.url("missing.git")
    git(repo.work, "remote", "add", "gh", url)
    with pytest.raises(GitError) as info:
        Git(repo.work, token=TOKEN).fetch("gh", "main")
    assert TOKEN not in str(info.value)


def _assert_token_not_on_disk(git_dir: Path) -> None:
    import base64
    needles = [TOKEN.encode(), base64.b64encode(f"x-access-token:{TOKEN}".encode())]
    for path in git_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in needles), path
    # And the config git actually reads:
    out = subprocess.run(["git", "config", "--list", "--show-origin"], cwd=git_dir.parent,
                         capture_output=True, text=True).stdout
    assert TOKEN not in out and needles[1].decode() not in out


def test_git_error_messages_are_redacted(repo: Repo) -> None:
    with pytest.raises(GitError) as info:
        Git(repo.work, token=TOKEN).run("checkout", f"no-such-{TOKEN}")
    assert "no-such-***" in str(info.value) and TOKEN not in str(info.value)


def test_worktree_runs_no_repository_hooks(repo: Repo) -> None:
    hooks = repo.work / ".git" / "hooks"
    for name in ("post-checkout", "pre-commit", "commit-msg", "post-commit"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho ran >> '{repo.root}/{name}.ran'\nexit 1\n")
        hook.chmod(0o755)
    g = Git(repo.work)
    with g.worktree(g.fetch("origin", "main")) as tree:
        (tree.cwd / "infra/app.json").write_text("{}\n")
        tree.commit(["infra/app.json"], "m", None)
    assert sorted(p.name for p in repo.root.glob("*.ran")) == []
    # The repository's own configuration was not changed.
    proc = subprocess.run(["git", "config", "--get", "core.hooksPath"], cwd=repo.work, capture_output=True, text=True)
    assert proc.returncode == 1
