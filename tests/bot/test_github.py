"""The GitHub client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from fixer.bot.errors import (AuthenticationFailed, ConfigurationError, NetworkError, NotFound, PermissionDenied,
                              RateLimited, Unprocessable)
from fixer.bot.github import GitHub, parse_repository, repository_from_remote

from .conftest import NAME, OWNER, TOKEN, FakeGitHub


@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(origin=None)
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


class Clock:
    """A fake clock: sleeping advances time instead of waiting."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client(api: FakeGitHub, clock: Clock | None = None, log: list[str] | None = None, **kw: object) -> GitHub:
    clock = clock or Clock()
    return GitHub(f"{OWNER}/{NAME}", TOKEN, api.url, sleep=clock.sleep, clock=clock,
                  log=(log.append if log is not None else None), **kw)  # type: ignore[arg-type]


def test_create_find_update_label_review(api: FakeGitHub) -> None:
    gh = client(api)
    assert gh.default_branch() == "main"
    assert gh.pulls_from("acr-fix/b") == []
    pr = gh.create_pull("t", "body", "acr-fix/b", "main", draft=True)
    assert (pr.number, pr.draft, pr.head, pr.base) == (1, True, "acr-fix/b", "main")
    assert [p.number for p in gh.pulls_from("acr-fix/b")] == [1]
    assert gh.pulls_from("other") == []
    assert gh.update_pull(1, title="t2", body="b2").title == "t2"
    gh.add_labels(1, ["security", "acr"])
    gh.request_reviewers(1, ["alice", "@contoso/platform"])
    assert api.labels[1] == ["security", "acr"]
    assert api.reviewers[1] == {"reviewers": ["alice"], "team_reviewers": ["platform"]}
    listing = api.calls("GET", "/pulls")[0]
    assert listing.query["head"] == [f"{OWNER}:acr-fix/b"]
    headers = {k.lower(): v for k, v in api.requests[0].headers.items()}
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"


def test_api_url_with_a_path_prefix_for_enterprise_server(api: FakeGitHub) -> None:
    api.inject("GET", r"^/api/v3/repos/contoso/infra$", 200, body={"default_branch": "trunk"})
    gh = GitHub(f"{OWNER}/{NAME}", TOKEN, api.url + "/api/v3/")
    assert gh.default_branch() == "trunk"


def test_401_is_a_clear_error_without_the_token(api: FakeGitHub) -> None:
    gh = GitHub(f"{OWNER}/{NAME}", "wrong-" + TOKEN, api.url)
    with pytest.raises(AuthenticationFailed) as info:
        gh.repo_info()
    message = str(info.value)
    assert "HTTP 401 Bad credentials" in message and "GITHUB_TOKEN" in message
    assert TOKEN not in message and "\n" not in message


def test_403_permission_404_and_422(api: FakeGitHub) -> None:
    gh = client(api)
    api.inject("POST", "/pulls$", 403, body={"message": "Resource not accessible by integration"})
    with pytest.raises(PermissionDenied, match="Resource not accessible by integration.*pull-requests: write"):
        gh.create_pull("t", "b", "h", "main")
    with pytest.raises(NotFound, match="HTTP 404.*contoso/infra exists"):
        gh.update_pull(99, title="x")
    api.inject("POST", "/pulls$", 422, body={"message": "Validation Failed",
                                             "errors": [{"message": "No commits between main and h"}]})
    with pytest.raises(Unprocessable, match="Validation Failed; No commits between main and h"):
        gh.create_pull("t", "b", "h", "main")


def test_429_with_retry_after_waits_then_succeeds(api: FakeGitHub) -> None:
    clock, log = Clock(), []
    api.inject("GET", "/pulls$", 429, headers={"Retry-After": "7"}, times=2)
    gh = client(api, clock, log)
    assert gh.pulls_from("b") == []
    assert clock.sleeps == [7.0, 7.0]
    assert len(api.calls("GET", "/pulls")) == 3
    assert any("rate limited; waiting 7 s (retry 1 of 3)" in line for line in log)


def test_403_primary_rate_limit_waits_until_reset(api: FakeGitHub) -> None:
    clock = Clock()
    api.inject("GET", "/pulls$", 403, headers={"X-RateLimit-Remaining": "0",
                                               "X-RateLimit-Reset": str(int(clock.now) + 20)},
               body={"message": "API rate limit exceeded"})
    assert client(api, clock).pulls_from("b") == []
    assert clock.sleeps == [21.0]


def test_rate_limit_gives_up_after_bounded_retries(api: FakeGitHub) -> None:
    clock = Clock()
    api.inject("GET", "/pulls$", 429, headers={"Retry-After": "1"}, times=10)
    with pytest.raises(RateLimited, match="after 2 retries"):
        client(api, clock, max_retries=2).pulls_from("b")
    assert clock.sleeps == [1.0, 1.0]


def test_rate_limit_reset_too_far_away_is_not_waited(api: FakeGitHub) -> None:
    clock = Clock()
    api.inject("GET", "/pulls$", 403, headers={"X-RateLimit-Remaining": "0",
                                               "X-RateLimit-Reset": str(int(clock.now) + 3600)})
    with pytest.raises(RateLimited, match="resets in 3601 s"):
        client(api, clock).pulls_from("b")
    assert clock.sleeps == []


def test_network_failure_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gh = GitHub(f"{OWNER}/{NAME}", TOKEN, f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(NetworkError, match=f"cannot reach http://127.0.0.1:{port}") as info:
        gh.repo_info()
    assert TOKEN not in str(info.value)


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="GITHUB_TOKEN"):
        GitHub("o/r", "", "https://api.github.com")
    with pytest.raises(ConfigurationError, match="owner/name"):
        GitHub("o", "t")
    with pytest.raises(ConfigurationError, match="not an http"):
        GitHub("o/r", "t", "ftp://x")
    assert parse_repository("Contoso/infra.repo") == ("Contoso", "infra.repo")


@pytest.mark.parametrize("url,expected", [
    ("https://github.com/contoso/infra.git", "contoso/infra"),
    ("https://x-access-token@github.com/contoso/infra", "contoso/infra"),
    ("https://ghe.example.com/contoso/infra/", "contoso/infra"),
    ("git@github.com:contoso/infra.git", "contoso/infra"),
    ("ssh://git@github.com:22/contoso/infra.git", "contoso/infra"),
    ("/srv/git/infra.git", None),
    ("file:///srv/contoso/infra.git", None),
    ("../infra", None),
])
def test_repository_from_remote(url: str, expected: str | None) -> None:
    assert repository_from_remote(url) == expected
