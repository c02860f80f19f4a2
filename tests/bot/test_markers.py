"""Template text cannot speak for the bot (issue 20): its markers count only where the bot
writes them, and names cannot forge commit trailers or Markdown. Real git with a bare
origin and the GitHub REST API on 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from fixer.bot.body import CLOSED_MARKER, MARKER, closing_marker
from fixer.bot.pr import DEFAULT_BRANCH

from .conftest import FakeGitHub, Repo, git, make_repo
from .test_pr import BASIC_OPEN, PACKAGE_JSON, bot
from .test_stale import fix_by_hand

HOSTILE_NAME = f"cache{CLOSED_MARKER}{MARKER}\\n\\nSigned-off-by: Mallory <m@example.com>"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:  # a registry whose name quotes the bot's markers and a trailer
    return make_repo(tmp_path, {"infra/registry.json": BASIC_OPEN.replace('"buildcache"', f'"{HOSTILE_NAME}"'),
                                "web/package.json": PACKAGE_JSON})


def test_a_marker_in_template_text_does_not_make_a_declined_pull_request_stale(repo: Repo,
                                                                              github: FakeGitHub) -> None:
    assert bot(repo, github).action == "opened"
    assert github.pulls[1]["body"].startswith(MARKER)
    github.pulls[1]["state"] = "closed"          # a person declines the fix
    result = bot(repo, github)
    assert result.action == "declined", result.message
    assert len(github.pulls) == 1


def test_the_commit_message_has_no_forged_trailer(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    message = git(repo.origin, "log", "-1", "--format=%B", DEFAULT_BRANCH)
    trailers = subprocess.run(["git", "interpret-trailers", "--parse"], input=message, capture_output=True,
                              text=True, check=True).stdout
    assert trailers.startswith("Generated-by: acr-fix") and "Signed-off-by" not in trailers
    assert not any(line.startswith("Signed-off-by") for line in message.splitlines())
    assert "\\x0a\\x0aSigned-off-by" in message          # the name is there, escaped on one line


def test_the_pull_request_body_shows_template_text_as_text(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    body = github.pulls[1]["body"]
    # Outside code spans and diff blocks (where GitHub shows HTML as text) no marker is live.
    live = re.sub(r"(`+)diff\n.*?\n\1\n", "", body, flags=re.S)
    live = re.sub(r"`[^`\n]*`", "", live)
    assert live.count(MARKER) == 1 and live.startswith(MARKER)
    assert CLOSED_MARKER not in live and "<!--" not in live.replace(MARKER, "", 1)
    assert "Signed-off-by" in body


def test_only_the_bots_own_closing_comment_counts(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    # someone else pastes the bot's closing marker: it must not stop the bot's own comment
    github.add_comment(1, f"{closing_marker(sha)}\nplease close", login="mallory")
    fix_by_hand(repo)
    assert bot(repo, github).action == "closed"
    assert len(github.comments[1]) == 2 and github.comments[1][1].startswith(closing_marker(sha))
