"""Real parts for the bot's tests: git repositories with a local bare ``origin``, a GitHub REST
API served on 127.0.0.1, and git's smart HTTP protocol (``git http-backend``) on 127.0.0.1.

Nothing here leaves the machine; every server binds 127.0.0.1 on a random port.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

TOKEN = "ghs_TESTtoken0123456789abcdefSECRET"
OWNER, NAME = "contoso", "infra"


def git(cwd: Path, *args: str, input: str | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, input=input)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No system or user git config (credential helpers, signing, hooks) leaks into the tests."""
    home = tmp_path_factory.mktemp("home")
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(home))
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GIT_DIR", "GIT_WORK_TREE",
                 "GIT_CONFIG_COUNT", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Repo:
    """A clone (``work``) of a bare repository (``origin``) with one commit on main."""

    root: Path
    work: Path
    origin: Path

    def write(self, rel: str, text: str) -> Path:
        path = self.work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
        return path

    def commit_and_push(self, message: str, *paths: str) -> str:
        git(self.work, "add", "--", *(paths or ("-A",)))
        git(self.work, "commit", "-q", "-m", message)
        git(self.work, "push", "-q", "origin", "HEAD:main")
        return git(self.work, "rev-parse", "HEAD")

    def remote_sha(self, branch: str) -> str | None:
        proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
                              cwd=self.origin, capture_output=True, text=True)
        return proc.stdout.strip() or None

    def remote_show(self, rev: str) -> str:
        return git(self.origin, "show", rev)


def make_repo(root: Path, files: dict[str, str]) -> Repo:
    root.mkdir(parents=True, exist_ok=True)
    origin = root / "origin.git"
    git(root, "init", "-q", "--bare", "-b", "main", str(origin))
    seed = root / "seed"
    git(root, "init", "-q", "-b", "main", str(seed))
    git(seed, "config", "user.name", "Dev One")
    git(seed, "config", "user.email", "dev@example.com")
    for rel, text in {"README.md": "# infra\n", **files}.items():
        path = seed / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "initial")
    git(seed, "push", "-q", str(origin), "main")
    work = root / "work"
    git(root, "clone", "-q", str(origin), str(work))
    git(work, "config", "user.name", "Dev One")
    git(work, "config", "user.email", "dev@example.com")
    return Repo(root=root, work=work, origin=origin)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path, {"infra/app.json": '{"hello": 1}\n'})


# -- a GitHub REST API on 127.0.0.1 ------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Injection:
    method: str
    pattern: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int = 1


class FakeGitHub:
    """The REST endpoints the bot uses, with state, a request log and injectable failures.

    Creating a pull request checks that the head branch exists in the bare repository, as
    GitHub does, so a PR opened before the push would fail the test.
    """

    def __init__(self, origin: Path | None, token: str = TOKEN, owner: str = OWNER, name: str = NAME,
                 serve: bool = True) -> None:
        self.origin = origin
        self.token = token
        self.owner, self.name = owner, name
        self.requests: list[Recorded] = []
        self.injections: list[Injection] = []
        self.pulls: dict[int, dict[str, Any]] = {}
        self.labels: dict[int, list[str]] = {}
        self.reviewers: dict[int, dict[str, list[str]]] = {}
        self.comments: dict[int, list[str]] = {}
        # who wrote a comment (by pull request, by index); any other is the token's account
        self.comment_authors: dict[int, dict[int, str]] = {}
        self.login = "acr-fix-bot[bot]"
        self.default_branch = "main"
        self.lock = threading.Lock()
        if serve:  # False: the state of one repository, routed to by a server of many (test_fleet)
            self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
            self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, method: str, pattern: str, status: int, headers: dict[str, str] | None = None,
               body: Any = None, times: int = 1) -> None:
        self.injections.append(Injection(method, pattern, status, headers or {}, body, times))

    def add_comment(self, number: int, body: str, login: str) -> None:
        """A comment written by another account (a person quoting the bot's markers)."""
        self.comments.setdefault(number, []).append(body)
        self.comment_authors.setdefault(number, {})[len(self.comments[number]) - 1] = login

    def calls(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method) and contains in r.path]

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with fake.lock:
                    fake.requests.append(Recorded(self.command, parts.path, parse_qs(parts.query),
                                                  dict(self.headers.items()), body))
                    for injection in fake.injections:
                        if injection.times > 0 and injection.method == self.command \
                                and re.search(injection.pattern, parts.path):
                            injection.times -= 1
                            return self._send(injection.status, injection.body, injection.headers)
                    if self.headers.get("Authorization") != f"Bearer {fake.token}":
                        return self._send(401, {"message": "Bad credentials"})
                    # route gives (status, body) or (status, body, headers), e.g. a Link header
                    status, out, *headers = fake.route(self.command, parts.path, parse_qs(parts.query), body)
                self._send(status, out, headers[0] if headers else None)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        return Handler

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        base = f"/repos/{self.owner}/{self.name}"
        if method == "GET" and path == base:
            return 200, {"full_name": f"{self.owner}/{self.name}", "default_branch": self.default_branch}
        if method == "GET" and path == f"{base}/pulls":
            head = query.get("head", [""])[0]
            state = query.get("state", ["open"])[0]
            for pull in self.pulls.values():
                # As on GitHub: deleting the head branch closes its open pull request.
                if pull["state"] == "open" and self.origin is not None and not _branch_exists(self.origin, pull["head"]["ref"]):
                    pull["state"] = "closed"
            found = [p for p in sorted(self.pulls.values(), key=lambda p: -p["number"])
                     if (not head or f"{self.owner}:{p['head']['ref']}" == head)
                     and (state == "all" or p["state"] == state)]
            return 200, found
        if method == "POST" and path == f"{base}/pulls":
            head, base_ref = body["head"], body["base"]
            if self.origin is not None and not _branch_exists(self.origin, head):
                return 422, {"message": "Validation Failed", "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}]}
            if any(p["head"]["ref"] == head and p["state"] == "open" for p in self.pulls.values()):
                return 422, {"message": "Validation Failed",
                             "errors": [{"message": f"A pull request already exists for {self.owner}:{head}."}]}
            number = len(self.pulls) + 1
            pull = {"number": number, "html_url": f"https://github.test/{self.owner}/{self.name}/pull/{number}",
                    "title": body["title"], "body": body["body"], "state": "open", "draft": bool(body.get("draft")),
                    "head": {"ref": head}, "base": {"ref": base_ref}, "merged_at": None,
                    "user": {"login": self.login}}
            self.pulls[number] = pull
            return 201, pull
        match = re.fullmatch(rf"{base}/pulls/(\d+)", path)
        if method == "PATCH" and match and int(match[1]) in self.pulls:
            pull = self.pulls[int(match[1])]
            for key in ("title", "body", "state"):
                if key in body:
                    pull[key] = body[key]
            if "base" in body:
                pull["base"] = {"ref": body["base"]}
            return 200, pull
        match = re.fullmatch(rf"{base}/issues/(\d+)/labels", path)
        if method == "POST" and match and int(match[1]) in self.pulls:
            labels = self.labels.setdefault(int(match[1]), [])
            labels.extend(label for label in body["labels"] if label not in labels)
            return 200, [{"name": label} for label in labels]
        match = re.fullmatch(rf"{base}/issues/(\d+)/comments", path)
        if method == "GET" and match and int(match[1]) in self.pulls:
            size, page = int(query.get("per_page", ["30"])[0]), int(query.get("page", ["1"])[0])
            number = int(match[1])
            start = (page - 1) * size
            bodies = self.comments.get(number, [])[start:start + size]
            authors = self.comment_authors.get(number, {})
            return 200, [{"body": text, "user": {"login": authors.get(start + i, self.login)}}
                         for i, text in enumerate(bodies)]
        if method == "POST" and match and int(match[1]) in self.pulls:
            self.comments.setdefault(int(match[1]), []).append(body["body"])
            return 201, {"id": sum(map(len, self.comments.values())), "body": body["body"]}
        match = re.fullmatch(rf"{base}/pulls/(\d+)/requested_reviewers", path)
        if method == "POST" and match and int(match[1]) in self.pulls:
            self.reviewers[int(match[1])] = body
            return 201, self.pulls[int(match[1])]
        return 404, {"message": "Not Found"}


def _branch_exists(origin: Path, branch: str) -> bool:
    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=origin,
                          capture_output=True).returncode == 0


@pytest.fixture
def github(repo: Repo) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(repo.origin)
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


# -- git smart HTTP on 127.0.0.1 (git http-backend as CGI), requiring the token ----------


class GitHttpServer:
    """Serves the bare repositories under ``root`` over git's smart HTTP protocol.

    Every request must carry ``Authorization: Basic base64(x-access-token:TOKEN)``, as GitHub
    requires; the headers of each request are recorded.
    """

    def __init__(self, root: Path, token: str = TOKEN) -> None:
        self.root = root
        self.expected = "basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
        self.auth_headers: list[str | None] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def url(self, repo: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/{repo}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                auth = self.headers.get("Authorization")
                srv.auth_headers.append(auth)
                if (auth or "").lower() != srv.expected.lower():
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="test"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                env = {"PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(srv.root), "GIT_HTTP_EXPORT_ALL": "1",
                       "PATH_INFO": parts.path, "QUERY_STRING": parts.query, "REQUEST_METHOD": self.command,
                       "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(data)),
                       "REMOTE_USER": "x-access-token", "REMOTE_ADDR": "127.0.0.1",
                       "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                       "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(srv.root)}
                proc = subprocess.run(["git", "http-backend"], input=data, env=env, capture_output=True)
                head, _, body = proc.stdout.partition(b"\r\n\r\n")
                status = 200
                headers = []
                for line in head.decode().split("\r\n"):
                    key, _, value = line.partition(":")
                    if key.lower() == "status":
                        status = int(value.strip().split()[0])
                    elif key:
                        headers.append((key, value.strip()))
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle

        return Handler


@pytest.fixture
def git_http(repo: Repo) -> Iterator[GitHttpServer]:
    server = GitHttpServer(repo.root)
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
