"""The token never leaves the process in any form, and odd tokens fail in one line (issue 20).

Against the local GitHub-shaped API on 127.0.0.1 and a real bare git remote."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
import typer
from typer.testing import CliRunner

from fixer.bot.cli import register
from fixer.bot.errors import ConfigurationError
from fixer.bot.git import Git, Redactor
from fixer.bot.github import GitHub

from .conftest import NAME, OWNER, TOKEN, FakeGitHub, Repo

MULTI_LINE = "ghs_FIRSTpartOFthe\nSECONDpartOFthe\r\nTHIRDpart"
PIECES = ("FIRSTpartOFthe", "SECONDpartOFthe", "THIRDpart")


def _cli(repo: Repo, token: str, api_url: str, monkeypatch: pytest.MonkeyPatch, *args: str):
    app = typer.Typer(add_completion=False)

    @app.callback()
    def main() -> None:
        """test host"""

    register(app)
    monkeypatch.chdir(repo.work)
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_REPOSITORY", f"{OWNER}/{NAME}")
    monkeypatch.setenv("GITHUB_API_URL", api_url)
    return CliRunner().invoke(app, ["pr", "--author", "bot <bot@example.com>", *args], catch_exceptions=False)


def test_every_form_of_a_token_is_redacted() -> None:
    redact = Redactor([MULTI_LINE])
    forms = [MULTI_LINE, repr(MULTI_LINE)[1:-1], json.dumps(MULTI_LINE)[1:-1], quote(MULTI_LINE, safe=""),
             MULTI_LINE.encode("unicode_escape").decode(), *MULTI_LINE.splitlines(),
             base64.b64encode(f"x-access-token:{MULTI_LINE}".encode()).decode()]
    for form in forms:
        text = redact(f"error: Illegal header value b'Bearer {form}' sent")
        assert not any(piece in text for piece in PIECES), (form, text)
    assert Redactor(["ab\ncd"])("a cab scd") == "a cab scd"   # short pieces are not hunted alone


@pytest.mark.parametrize("token", [MULTI_LINE, "ghs_tökenWITHumlaut0123", "ghs_tab\tinside0123", " ghs_x y"])
def test_an_odd_token_is_refused_in_one_line_without_a_traceback(token: str, repo: Repo, github: FakeGitHub,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    result = _cli(repo, token, github.url, monkeypatch, "infra")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("acr-fix: error: the GitHub token has "), lines
    for piece in (*PIECES, "umlaut", "inside", "ghs_"):
        assert piece not in result.output
    assert github.requests == []   # nothing was sent


def test_the_client_and_git_refuse_an_odd_token_too(repo: Repo) -> None:
    with pytest.raises(ConfigurationError, match="a line break at character 19") as info:
        GitHub(f"{OWNER}/{NAME}", MULTI_LINE, "https://api.github.com")
    assert not any(piece in str(info.value) for piece in PIECES)
    with pytest.raises(ConfigurationError, match="not ASCII"):
        Git(repo.work, token="ghs_\u00e9")


def test_the_token_is_never_sent_to_a_plain_http_api(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        GitHub(f"{OWNER}/{NAME}", TOKEN, "http://api.example.com")
    GitHub(f"{OWNER}/{NAME}", TOKEN, "http://localhost:9").close()     # this machine only
    GitHub(f"{OWNER}/{NAME}", TOKEN, "http://127.0.0.1:9").close()
    result = _cli(repo, TOKEN, "http://api.example.com/", monkeypatch, "infra")
    assert result.exit_code == 2 and "plain http" in result.stderr
    assert TOKEN not in result.output


def test_a_server_echoing_the_token_escaped_or_encoded_is_redacted(repo: Repo, github: FakeGitHub,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    echoed = f"Bad credentials {TOKEN} {quote('Bearer ' + TOKEN)} {json.dumps(TOKEN)}"
    github.inject("GET", r"/pulls$", 401, body={"message": echoed})
    repo.write("infra/acr.json", json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "resources": [{
            "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "acr",
            "location": "westeurope", "sku": {"name": "Basic"}, "properties": {}}]}, indent=2) + "\n")
    repo.commit_and_push("add a registry", "infra/acr.json")
    result = _cli(repo, TOKEN, github.url, monkeypatch, "--verbose", "infra")
    assert result.exit_code == 2 and "HTTP 401" in result.stderr, result.output
    assert TOKEN not in result.output and "Bad credentials" in result.stderr
    assert "Traceback" not in result.output
