"""A small GitHub REST client (httpx): the handful of calls the bot makes.

Settings come from the variables GitHub Actions sets: ``GITHUB_API_URL`` (GitHub Enterprise
Server works too), ``GITHUB_REPOSITORY`` and a token (``GITHUB_TOKEN`` by default). Errors
are typed (``fixer.bot.errors``) with one-line messages that never contain the token. Rate
limits are waited out a bounded number of times, with an injectable clock for tests.
"""

from __future__ import annotations

import email.utils
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from .. import __version__
from .errors import (AuthenticationFailed, ConfigurationError, GitHubError, NetworkError, NotFound,
                     PermissionDenied, RateLimited, Unprocessable)
from ..escape import for_terminal
from .git import Redactor, check_token, is_loopback_http

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"

_NAME = r"[A-Za-z0-9_.-]+"
_SLUG = re.compile(rf"^(?P<owner>{_NAME})/(?P<name>{_NAME})$")
_SCP = re.compile(r"^(?:[^@/\s]+@)?[^:/\s]+:(?P<path>[^\s:]+)$")  # git@host:owner/name.git


def parse_repository(text: str) -> tuple[str, str]:
    """``"owner/name"`` -> (owner, name). Raises ConfigurationError for anything else."""
    match = _SLUG.match(text.strip())
    if not match or match["name"] in (".", ".."):
        raise ConfigurationError(f"repository {text!r} is not of the form owner/name")
    return match["owner"], match["name"]


def repository_from_remote(url: str) -> str | None:
    """``owner/name`` from a GitHub remote URL (https, ssh:// or scp-like ``git@host:o/r.git``),
    or None for URLs that do not name one (local paths, file://)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme in ("https", "http", "ssh", "git") and parts.netloc:
        path = parts.path
    elif not parts.scheme or (len(parts.scheme) > 1 and "://" not in url):
        match = _SCP.match(url)
        if not match:
            return None
        path = match["path"]
    else:
        return None
    segments = [s for s in path.strip("/").split("/") if s]
    if len(segments) < 2:
        return None
    owner, name = segments[-2], segments[-1]
    if name.endswith(".git"):
        name = name[:-4]
    try:
        parse_repository(f"{owner}/{name}")
    except ConfigurationError:
        return None
    return f"{owner}/{name}"


def token_from_env(name: str = "GITHUB_TOKEN", env: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if env is None else env).get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    title: str
    body: str
    head: str
    base: str
    state: str
    draft: bool = False
    merged: bool = False
    author: str = ""          # login of the account that opened it (for the bot's: the bot)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PullRequest":
        return cls(number=int(data["number"]), url=str(data.get("html_url") or data.get("url") or ""),
                   title=str(data.get("title") or ""), body=str(data.get("body") or ""),
                   head=str((data.get("head") or {}).get("ref") or ""),
                   base=str((data.get("base") or {}).get("ref") or ""),
                   state=str(data.get("state") or ""), draft=bool(data.get("draft")),
                   merged=bool(data.get("merged_at") or data.get("merged")),
                   author=str((data.get("user") or {}).get("login") or ""))


class Pacer:
    """Spaces the requests that change something (POST, PATCH, PUT, DELETE) at least
    ``interval`` seconds apart, across every client that shares it: GitHub asks for a second
    between them, or it answers with its secondary rate limit. ``acr-fix fleet run`` shares one
    between the repositories it works on at once."""

    def __init__(self, interval: float = 1.0, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.sleep = sleep
        self.clock = clock
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:   # held while sleeping: the next writer waits its turn
            now = self.clock()
            if now < self._next:
                self.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


class GitHub:
    """REST calls against one repository.

    ``sleep``/``clock`` are injectable so tests can check rate-limit waits without waiting.
    A rate-limited request is retried up to ``max_retries`` times; a single wait longer than
    ``max_wait`` seconds is not attempted (RateLimited says when to run again instead).
    """

    page_size = 100    # items per page of a listing (GitHub's maximum)

    def __init__(self, repository: str | None, token: str, api_url: str = DEFAULT_API_URL, *,
                 timeout: float = 30.0, max_retries: int = 3, max_wait: float = 300.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 log: Callable[[str], None] | None = None, transport: httpx.BaseTransport | None = None,
                 pacer: Pacer | None = None) -> None:
        # None: a client for calls about an account (listing an organisation's repositories,
        # code search), as ``acr-fix fleet`` makes; see ``for_account``.
        self.owner, self.name = parse_repository(repository) if repository is not None else ("", "")
        if not token:
            raise ConfigurationError("no GitHub token: set GITHUB_TOKEN or pass --token-env NAME")
        self.redact = Redactor([token])
        check_token(token)
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        parts = urlsplit(self.api_url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ConfigurationError(f"GITHUB_API_URL {for_terminal(self.redact(repr(api_url)))} is not an http(s) URL")
        if parts.scheme == "http" and not is_loopback_http(self.api_url):
            # (git refuses the same for a remote, see git.wants_token)
            raise ConfigurationError(f"GITHUB_API_URL {for_terminal(self.redact(self.api_url))} is plain http: the "
                                     "token would cross the network unencrypted; use https:// (plain http only "
                                     "for 127.0.0.1 or localhost)")
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self._log = log or (lambda line: None)
        self.pacer = pacer
        self._client = httpx.Client(
            base_url=self.api_url + "/", timeout=timeout, transport=transport, follow_redirects=False,
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                     "User-Agent": f"acr-fix/{__version__}", "Authorization": f"Bearer {token}"})

    @classmethod
    def for_account(cls, token: str, api_url: str = DEFAULT_API_URL, **kwargs: Any) -> "GitHub":
        """A client not bound to one repository: the listing and search calls below."""
        return cls(None, token, api_url, **kwargs)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "GitHub":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.name}"

    def log(self, line: str) -> None:
        self._log(self.redact(line))

    # -- the calls ------------------------------------------------------------------------

    def repo_info(self) -> dict[str, Any]:
        return self._request("GET", f"repos/{self.owner}/{self.name}")

    def default_branch(self) -> str:
        return str(self.repo_info()["default_branch"])

    def pulls_from(self, branch: str, state: str = "open") -> list[PullRequest]:
        """Pull requests whose head is ``branch`` of this repository, newest first."""
        data = self._request("GET", f"repos/{self.owner}/{self.name}/pulls",
                             params={"head": f"{self.owner}:{branch}", "state": state, "per_page": "100",
                                     "sort": "created", "direction": "desc"})
        return [PullRequest.from_json(item) for item in data]

    def create_pull(self, title: str, body: str, head: str, base: str, draft: bool = False) -> PullRequest:
        data = self._request("POST", f"repos/{self.owner}/{self.name}/pulls",
                             json={"title": title, "body": body, "head": head, "base": base, "draft": draft,
                                   "maintainer_can_modify": True})
        return PullRequest.from_json(data)

    def update_pull(self, number: int, *, title: str | None = None, body: str | None = None,
                    base: str | None = None, state: str | None = None) -> PullRequest:
        """Change only the fields given; ``state="closed"`` closes the pull request."""
        fields = {k: v for k, v in (("title", title), ("body", body), ("base", base), ("state", state))
                  if v is not None}
        data = self._request("PATCH", f"repos/{self.owner}/{self.name}/pulls/{number}", json=fields)
        return PullRequest.from_json(data)

    def comments(self, number: int, author: str | None = None) -> list[str]:
        """The bodies of the comments on the conversation of a pull request, oldest first
        (every page: the API sorts them by ascending id); with ``author``, only that
        account's (none when it is "", an author the API did not say)."""
        bodies: list[str] = []
        page = 1
        while True:
            data = self._request("GET", f"repos/{self.owner}/{self.name}/issues/{number}/comments",
                                 params={"per_page": str(self.page_size), "page": str(page)})
            bodies.extend(str(item.get("body") or "") for item in data
                          if author is None or (author and str((item.get("user") or {}).get("login") or "") == author))
            if len(data) < self.page_size:
                return bodies
            page += 1

    def comment(self, number: int, text: str) -> None:
        """A comment on the conversation of a pull request (pull requests are issues to this API)."""
        self._request("POST", f"repos/{self.owner}/{self.name}/issues/{number}/comments", json={"body": text})

    def add_labels(self, number: int, labels: Sequence[str]) -> None:
        if labels:
            self._request("POST", f"repos/{self.owner}/{self.name}/issues/{number}/labels",
                          json={"labels": list(labels)})

    def request_reviewers(self, number: int, reviewers: Sequence[str]) -> None:
        """Users by login; teams as ``org/team-slug`` (or ``@org/team-slug``)."""
        users = [r.lstrip("@") for r in reviewers if "/" not in r]
        teams = [r.lstrip("@").split("/", 1)[1] for r in reviewers if "/" in r]
        if users or teams:
            self._request("POST", f"repos/{self.owner}/{self.name}/pulls/{number}/requested_reviewers",
                          json={"reviewers": users, "team_reviewers": teams})

    # -- calls about an account (acr-fix fleet) ----------------------------------------------

    def paginate(self, path: str, params: Mapping[str, str] | None = None, items: str | None = None) -> Iterator[Any]:
        """Every item of a listing, page after page, following the ``Link: rel="next"`` header
        GitHub sends (the only pagination its docs promise). ``items``: the key that holds the
        list when a page is an object (``repositories``, ``items``) rather than a list. A next
        link to another host is refused: the token must not follow it there."""
        url: str = path
        query: dict[str, str] | None = {"per_page": str(self.page_size), **(params or {})}
        while True:
            response = self._response("GET", url, params=query)
            data = response.json() if response.content else []
            page = data.get(items) if items and isinstance(data, dict) else data
            if not isinstance(page, list):
                raise GitHubError(f"GET /{path}: expected a list{f' under {items!r}' if items else ''} from GitHub")
            yield from page
            following = response.links.get("next", {}).get("url")
            if not following:
                return
            if urlsplit(following).netloc != urlsplit(self.api_url).netloc:
                raise GitHubError(self.redact(f"GET /{path}: the next page is on another host ({urlsplit(following).netloc}); "
                                              "not sending the token there"))
            url, query = following, None   # the next link carries the query itself

    def account_type(self, owner: str) -> str:
        """``Organization`` or ``User``. Raises NotFound for an unknown account."""
        return str(self._request("GET", f"users/{owner}").get("type") or "User")

    def account_repositories(self, owner: str) -> Iterator[dict[str, Any]]:
        """The repositories of an organisation (all the token can see) or of a user: all of
        them when the token is that user's own, else the public ones (GitHub lists no more of
        another account, nor to an installation token, which cannot ask who it is)."""
        if self.account_type(owner) == "Organization":
            return self.paginate(f"orgs/{owner}/repos", {"type": "all"})
        try:
            login = str(self._request("GET", "user").get("login") or "")
        except (PermissionDenied, NotFound, AuthenticationFailed):
            login = ""
        if login.lower() == owner.lower():
            return self.paginate("user/repos", {"affiliation": "owner"})
        return self.paginate(f"users/{owner}/repos", {"type": "owner"})

    def installation_repositories(self) -> Iterator[dict[str, Any]]:
        """The repositories a GitHub App installation token was granted."""
        return self.paginate("installation/repositories", items="repositories")

    def tree_paths(self, repository: str, ref: str) -> tuple[list[str], bool]:
        """(paths of the files at ``ref``, truncated) from the git trees API: one call, no clone.
        GitHub answers 409 for an empty repository (raised as GitHubError with that status)."""
        data = self._request("GET", f"repos/{repository}/git/trees/{ref}", params={"recursive": "1"})
        paths = [str(item.get("path") or "") for item in data.get("tree") or () if item.get("type") == "blob"]
        return paths, bool(data.get("truncated"))

    def search_code(self, query: str) -> Iterator[dict[str, Any]]:
        """Code search results (``items``) for ``query``; GitHub allows few of these a minute."""
        return self.paginate("search/code", {"q": query}, items="items")

    # -- transport ------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._response(method, path, **kwargs)
        return response.json() if response.content else None

    def _response(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The successful response to a request, after waiting out rate limits."""
        what = f"{method} /{path}"
        attempt = 0
        while True:
            if self.pacer is not None and method != "GET":
                self.pacer.wait()
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                raise NetworkError(self.redact(f"{what}: cannot reach {self.api_url} ({type(exc).__name__}: {exc}); "
                                               "check the network or GITHUB_API_URL")) from None
            self.log(f"{what} -> {response.status_code}")
            wait = self._rate_limit_wait(response, attempt)
            if wait is not None:
                if attempt >= self.max_retries:
                    raise RateLimited(f"{what}: GitHub rate limit still reached after {attempt} retries; run again later",
                                      response.status_code)
                if wait > self.max_wait:
                    raise RateLimited(f"{what}: GitHub rate limit reached; it resets in {int(wait)} s, "
                                      f"longer than the {int(self.max_wait)} s acr-fix waits; run again later",
                                      response.status_code)
                attempt += 1
                self.log(f"{what}: rate limited; waiting {wait:g} s (retry {attempt} of {self.max_retries})")
                self.sleep(wait)
                continue
            if response.status_code >= 500 and method == "GET" and attempt < self.max_retries:
                attempt += 1
                self.log(f"{what}: server error {response.status_code}; retry {attempt} of {self.max_retries}")
                self.sleep(float(attempt))
                continue
            if response.is_success:
                self._pause_when_exhausted(response, what)
                return response
            raise self._error(what, response)

    def _pause_when_exhausted(self, response: httpx.Response, what: str) -> None:
        """After the last request of the hour's quota (``x-ratelimit-remaining: 0``) wait for
        ``x-ratelimit-reset`` before the next one, as GitHub asks, rather than be refused and
        risk a ban; a wait longer than ``max_wait`` is left to the next request to report."""
        headers = response.headers
        reset = headers.get("x-ratelimit-reset") or ""
        if headers.get("x-ratelimit-remaining") != "0" or not reset.isdigit():
            return
        wait = max(0.0, float(reset) - self.clock()) + 1.0
        if wait <= self.max_wait:
            self.log(f"{what}: rate limit quota used up; waiting {wait:g} s for it to reset")
            self.sleep(wait)

    def _rate_limit_wait(self, response: httpx.Response, attempt: int = 0) -> float | None:
        """Seconds to wait before retrying, or None when the response is not a rate limit."""
        if response.status_code not in (403, 429):
            return None
        headers = response.headers
        retry_after = headers.get("retry-after")
        remaining = headers.get("x-ratelimit-remaining")
        if response.status_code == 403 and retry_after is None and remaining != "0" \
                and "rate limit" not in response.text.lower():
            return None  # a plain permission error
        if retry_after is not None:
            seconds = _parse_retry_after(retry_after, self.clock())
            if seconds is not None:
                return seconds
        reset = headers.get("x-ratelimit-reset")
        if remaining == "0" and reset and reset.isdigit():
            return max(0.0, float(reset) - self.clock()) + 1.0
        # Secondary limits without headers: GitHub asks to wait at least a minute, then
        # longer each time; the wait doubles per retry, capped at max_wait.
        return min(60.0 * 2 ** attempt, max(60.0, self.max_wait))

    def _error(self, what: str, response: httpx.Response) -> GitHubError:
        detail = _github_message(response)
        status = response.status_code
        text = f"{what}: HTTP {status}" + (f" {detail}" if detail else "")
        if status == 401:
            return AuthenticationFailed(self.redact(f"{text}; the token is missing, expired or wrong "
                                                    "(check GITHUB_TOKEN or --token-env)"), status)
        if status == 403:
            return PermissionDenied(self.redact(f"{text}; the token needs 'contents: write' and "
                                                f"'pull-requests: write' on {self.repository}"), status)
        if status == 404:
            return NotFound(self.redact(f"{text}; check that {self.repository} exists, GITHUB_API_URL is right "
                                        "and the token can see the repository"), status)
        if status == 422:
            return Unprocessable(self.redact(text), status)
        return GitHubError(self.redact(text), status)


def _parse_retry_after(value: str, now: float) -> float | None:
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _github_message(response: httpx.Response) -> str:
    """GitHub's own explanation: ``message`` plus each ``errors[].message`` (422 details)."""
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data.get("message") or "").strip()]
    for error in data.get("errors") or ():
        if isinstance(error, dict):
            parts.append(str(error.get("message") or error.get("code") or "").strip())
        elif isinstance(error, str):
            parts.append(error)
    text = "; ".join(p for p in parts if p)
    return " ".join(text.split())[:300]
