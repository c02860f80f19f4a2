"""An organisation on 127.0.0.1 for the fleet tests: many real bare git repositories, the REST
API over all of them (organisation listing with Link pagination, the git trees API and code
search answered from the bare repositories themselves, each repository's pull requests as
``FakeGitHub`` keeps them) and git's smart HTTP with a push refused (403) where asked."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from urllib.parse import urlencode

from .conftest import TOKEN, FakeGitHub, GitHttpServer, git
from .test_pr import BASIC_OPEN, COMPLIANT

ORG = "contoso"


@dataclass
class FleetRepo:
    name: str
    origin: Path
    files: dict[str, str] = field(default_factory=dict)
    archived: bool = False
    fork: bool = False
    topics: tuple[str, ...] = ()
    private: bool = False
    api: FakeGitHub | None = None     # this repository's pull requests, comments, labels

    @property
    def full_name(self) -> str:
        return f"{ORG}/{self.name}"


def make_bare(root: Path, name: str, files: dict[str, str]) -> Path:
    """A bare repository ``root/contoso/<name>.git`` with one commit holding ``files`` on
    main (none: an empty repository, as GitHub has them before the first push)."""
    origin = root / ORG / f"{name}.git"
    origin.parent.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "--bare", "-b", "main", str(origin))
    if files:
        seed = root / "seeds" / name
        git(root, "init", "-q", "-b", "main", str(seed))
        for rel, text in files.items():
            path = seed / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode())
        git(seed, "add", "-A")
        git(seed, "-c", "user.name=Dev One", "-c", "user.email=dev@example.com", "commit", "-q", "-m", "initial")
        git(seed, "push", "-q", str(origin), "main")
    return origin


class FakeOrg(FakeGitHub):
    """The REST API of organisation ``contoso``: the listing paginates ``page_size`` at a time
    (GitHub's own cap is 100) with a Link header; everything under ``/repos/contoso/<name>``
    goes to that repository's FakeGitHub."""

    def __init__(self, repos: list[FleetRepo], git_server: GitHttpServer, page_size: int = 5) -> None:
        super().__init__(None, owner=ORG, name="")
        self.repos = {r.name: r for r in repos}
        self.git_server = git_server
        self.page_size = page_size
        self.account_type = "Organization"   # or "User": contoso as a personal account
        self.user_login: str | None = None   # who the token is (GET /user); None: an installation token
        for repo in repos:
            repo.api = FakeGitHub(repo.origin, owner=ORG, name=repo.name, serve=False)

    def repo_json(self, repo: FleetRepo) -> dict[str, Any]:
        return {"name": repo.name, "full_name": repo.full_name, "archived": repo.archived, "fork": repo.fork,
                "disabled": False, "topics": list(repo.topics), "default_branch": "main", "private": repo.private,
                "clone_url": self.git_server.url(f"{ORG}/{repo.name}.git")}

    def _page(self, path: str, query: dict[str, list[str]], items: list[Any], key: str | None = None) -> tuple[int, Any, dict[str, str]]:
        size = min(int(query.get("per_page", ["30"])[0]), self.page_size)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * size:page * size]
        last = max(1, -(-len(items) // size))
        links = []
        rest = {k: v[0] for k, v in query.items() if k not in ("page", "per_page")}
        for rel, number in (("next", page + 1), ("last", last)):
            if rel == "next" and page >= last:
                continue
            url = f"{self.url}{path}?{urlencode({**rest, 'per_page': size, 'page': number})}"
            links.append(f'<{url}>; rel="{rel}"')
        body: Any = {"total_count": len(items), key: chunk} if key else chunk
        return 200, body, ({"Link": ", ".join(links)} if links else {})

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[Any, ...]:
        if method == "GET" and path == f"/users/{ORG}":
            return 200, {"login": ORG, "type": self.account_type}
        if method == "GET" and path == "/user":
            if self.user_login is None:
                return 403, {"message": "Resource not accessible by integration"}
            return 200, {"login": self.user_login, "type": "User"}
        listing = [self.repo_json(r) for r in self.repos.values()]
        if method == "GET" and path == f"/orgs/{ORG}/repos" and self.account_type == "Organization":
            return self._page(path, query, listing)
        if method == "GET" and path == "/user/repos" and self.user_login == ORG:
            return self._page(path, query, listing)
        if method == "GET" and path == f"/users/{ORG}/repos":   # another account sees the public ones
            return self._page(path, query, [r for r in listing if not r["private"]])
        if method == "GET" and path == "/installation/repositories":
            return self._page(path, query, [self.repo_json(r) for r in self.repos.values()], "repositories")
        if method == "GET" and path == "/search/code":
            return self._page(path, query, self._search(query.get("q", [""])[0]), "items")
        match = re.fullmatch(rf"/repos/{ORG}/([^/]+)(/.*)?", path)
        if not match or match[1] not in self.repos:
            return 404, {"message": "Not Found"}
        repo = self.repos[match[1]]
        tree = re.fullmatch(r"/git/trees/(.+)", match[2] or "")
        if method == "GET" and tree:
            return self._tree(repo, tree[1])
        assert repo.api is not None
        return repo.api.route(method, path, query, body)

    def _tree(self, repo: FleetRepo, ref: str) -> tuple[int, Any]:
        proc = subprocess.run(["git", "ls-tree", "-r", "--full-tree", ref], cwd=repo.origin, capture_output=True, text=True)
        if proc.returncode != 0:
            if not _has_commits(repo.origin):
                return 409, {"message": "Git Repository is empty."}
            return 404, {"message": "Not Found"}
        entries = []
        for line in proc.stdout.splitlines():
            meta, _, name = line.partition("\t")
            mode, kind, sha = meta.split()
            entries.append({"path": name, "mode": mode, "type": kind, "sha": sha})
        return 200, {"sha": ref, "tree": entries, "truncated": False}

    def _search(self, q: str) -> list[dict[str, Any]]:
        term = re.match(r'^"([^"]+)"', q)
        assert term and f"org:{ORG}" in q, q
        items = []
        for repo in self.repos.values():
            if repo.fork or not _has_commits(repo.origin):
                continue  # GitHub's code search does not index forks
            proc = subprocess.run(["git", "grep", "-l", "-F", term[1], "main"], cwd=repo.origin, capture_output=True, text=True)
            for line in proc.stdout.splitlines():
                items.append({"path": line.split(":", 1)[1], "repository": {"full_name": repo.full_name}})
        return items

    def pulls_of(self, name: str, state: str | None = None) -> list[dict[str, Any]]:
        api = self.repos[name].api
        assert api is not None
        return [p for p in api.pulls.values() if state is None or p["state"] == state]


def _has_commits(origin: Path) -> bool:
    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", "refs/heads/main"], cwd=origin,
                          capture_output=True).returncode == 0


class FleetGitServer(GitHttpServer):
    """Git smart HTTP over every bare repository under ``root``; pushes to the repositories in
    ``deny_push`` (owner/name) get HTTP 403, as GitHub answers a token without contents: write."""

    def __init__(self, root: Path, token: str = TOKEN, deny_push: set[str] | None = None) -> None:
        self.deny_push = set(deny_push or ())
        super().__init__(root, token)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()
        srv = self

        class Handler(base):  # type: ignore[valid-type, misc]
            def _handle(self) -> None:
                wants_push = "git-receive-pack" in self.path
                if wants_push and any(f"/{name}.git/" in self.path for name in srv.deny_push):
                    self.send_response(403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                super()._handle()

            do_GET = do_POST = _handle

        return Handler


BICEP_OPEN = """resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'bicepacr'
  location: 'westeurope'
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
  }
}
"""

# The sku comes from an expression acr-fix will not rewrite: a manual finding, no fix.
MANUAL = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "registryName": { "type": "string" } },
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "[parameters('registryName')]",
      "location": "westeurope",
      "sku": { "name": "[concat('Prem', 'ium')]" },
      "properties": { "publicNetworkAccess": "[if(equals(1, 1), 'Enabled', 'Disabled')]" }
    }
  ]
}
"""

README = {"README.md": "# docs\n"}
NEED_PR = [f"app-{i:02d}" for i in range(1, 11)] + ["mixed"]
NO_PR = ["locked-1", "locked-2", "locked-3", "locked-4", "manual-1", "suppressed", "shared"]
NO_TEMPLATES = ["docs-1", "docs-2", "docs-3"]
READONLY = "readonly"
# app-05 chooses its own strategy, and suppressed suppresses its registry in ps-rule.yaml:
# each repository's settings apply in its own job.
OWN_CONFIG = {"acr-fix.yaml": "strategy: disable\n"}
# With strategy disable the fix changes a parameter a storage account uses too: unsafe, so
# a manual finding unless the campaign runs with --unsafe-fixes.
SHARED_PARAMETER = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "access": { "type": "string", "defaultValue": "Enabled" } },
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "sharedacr",
      "location": "westeurope",
      "sku": { "name": "Premium" },
      "properties": { "publicNetworkAccess": "[parameters('access')]" }
    },
    {
      "type": "Microsoft.Storage/storageAccounts",
      "apiVersion": "2023-01-01",
      "name": "sharedsa",
      "location": "westeurope",
      "sku": { "name": "Standard_LRS" },
      "kind": "StorageV2",
      "properties": { "publicNetworkAccess": "[parameters('access')]" }
    }
  ]
}
"""
OWN_SUPPRESSION = {"ps-rule.yaml": "suppression:\n  Azure.ACR.Firewall:\n    - buildcache  # public mirror\n"}


def fleet_specs() -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    """25 repositories: 11 that need a pull request (one Bicep, one with its own acr-fix.yaml,
    one also with a manual finding), 7 with nothing to fix (compliant, manual only, unsafe
    only, or suppressed in ps-rule.yaml), 3 without templates, one archived, one fork, one empty, and
    one whose token cannot push."""
    specs: list[tuple[str, dict[str, str], dict[str, Any]]] = []
    for name in NEED_PR[:10]:
        files = {"main.bicep": BICEP_OPEN} if name == "app-03" else {"infra/registry.json": BASIC_OPEN}
        if name == "app-05":
            files.update(OWN_CONFIG)
        specs.append((name, {**README, **files}, {"topics": ("azure", "app")}))
    specs.append(("mixed", {"infra/registry.json": BASIC_OPEN, "infra/manual.json": MANUAL}, {"topics": ("azure",)}))
    for name in NO_PR[:4]:
        specs.append((name, {"deploy/registry.json": COMPLIANT}, {"topics": ("azure",), "private": name == "locked-4"}))
    specs.append(("manual-1", {"infra/manual.json": MANUAL}, {}))
    specs.append(("suppressed", {"infra/registry.json": BASIC_OPEN, **OWN_SUPPRESSION}, {}))
    specs.append(("shared", {"infra/shared.json": SHARED_PARAMETER, **OWN_CONFIG}, {}))
    specs.append(("docs-1", README, {}))
    specs.append(("docs-2", {**README, "web/index.html": "<p>hi</p>\n"}, {}))
    specs.append(("docs-3", {**README, "node_modules/x/package.json": "{}\n"}, {}))
    specs.append(("old-infra", {"infra/registry.json": BASIC_OPEN}, {"archived": True}))
    specs.append(("forked-infra", {"infra/registry.json": BASIC_OPEN}, {"fork": True}))
    specs.append(("empty", {}, {}))
    specs.append((READONLY, {"infra/registry.json": BASIC_OPEN}, {"topics": ("azure",)}))
    return specs


@dataclass
class Org:
    root: Path
    repos: list[FleetRepo]
    api: FakeOrg
    git_server: FleetGitServer

    def repo(self, name: str) -> FleetRepo:
        return next(r for r in self.repos if r.name == name)


@pytest.fixture(scope="session")
def fleet_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bare repositories, made once with real git (without the user's git config); each
    test works on a copy."""
    root = tmp_path_factory.mktemp("fleet-template")
    home = tmp_path_factory.mktemp("fleet-home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
        env.setenv("GIT_CONFIG_NOSYSTEM", "1")
        env.setenv("HOME", str(home))
        for name, files, _ in fleet_specs():
            make_bare(root, name, files)
    shutil.rmtree(root / "seeds")
    return root


@pytest.fixture
def org(tmp_path: Path, fleet_template: Path) -> Iterator[Org]:
    root = tmp_path / "server"
    shutil.copytree(fleet_template, root, symlinks=True)
    repos = [FleetRepo(name, root / ORG / f"{name}.git", files, **extra) for name, files, extra in fleet_specs()]
    git_server = FleetGitServer(root, deny_push={f"{ORG}/{READONLY}"})
    git_server.thread.start()
    api = FakeOrg(repos, git_server)
    api.thread.start()
    yield Org(root, repos, api, git_server)
    for server in (api, git_server):
        server.server.shutdown()
        server.server.server_close()
