"""``acr-fix pr`` end to end: real ARM templates, the real core, real git with a bare origin,
and the GitHub REST API served on 127.0.0.1."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fixer import fix_flags
from fixer.bot.body import MARKER, TRAILER
from fixer.bot.cli import register
from fixer.bot.errors import (DirtyTree, ForeignChanges, NotARepository, PushRejected, Unprocessable)
from fixer.bot.git import Author
from fixer.bot.github import GitHub
from fixer.bot.pr import DEFAULT_BRANCH, PrRequest, PrResult, open_or_update_pr
from fixer.options import Options

from .conftest import NAME, OWNER, TOKEN, FakeGitHub, GitHttpServer, Repo, git, make_repo
from .test_github import Clock

BASIC_OPEN = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      // the team's build cache
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "buildcache",
      "location": "westeurope",
      "sku": {
        "name": "Basic"
      },
      "properties": {
        "adminUserEnabled": false
      }
    }
  ]
}
"""

COMPLIANT = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerRegistry/registries",
      "apiVersion": "2023-07-01",
      "name": "locked",
      "location": "westeurope",
      "sku": { "name": "Premium" },
      "properties": { "publicNetworkAccess": "Disabled" }
    }
  ]
}
"""

PACKAGE_JSON = '{"name": "web", "version": "1.0.0"}\n'


def settings(root: Path) -> tuple[Options, Any]:
    return fix_flags.settings(root, {}, None)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:  # overrides conftest's: a repository with an open registry
    return make_repo(tmp_path, {"infra/registry.json": BASIC_OPEN, "web/package.json": PACKAGE_JSON})


def bot(repo: Repo, github: FakeGitHub, clock: Clock | None = None, **kw: Any) -> PrResult:
    clock = clock or Clock()
    fields: dict[str, Any] = {"token": TOKEN, "repository": f"{OWNER}/{NAME}", "api_url": github.url,
                              "author": Author("acr-fix bot", "bot@example.com")}
    fields.update(kw)
    return open_or_update_pr(
        PrRequest(**fields), settings, cwd=repo.work,
        github=lambda r, t, u, sink: GitHub(r, t, u, log=sink, sleep=clock.sleep, clock=clock))


def checkout_state(repo: Repo) -> tuple[str, str, str, int]:
    return (git(repo.work, "rev-parse", "--abbrev-ref", "HEAD"), git(repo.work, "rev-parse", "HEAD"),
            git(repo.work, "status", "--porcelain", "--untracked-files=all"),
            len(git(repo.work, "worktree", "list").splitlines()))


def test_first_run_opens_a_pull_request(repo: Repo, github: FakeGitHub) -> None:
    before = checkout_state(repo)
    original = (repo.work / "infra/registry.json").read_bytes()
    result = bot(repo, github, labels=("security",), reviewers=("alice", "contoso/platform"), draft=True)

    assert result.action == "opened", result.message
    assert result.exit_code() == 0
    sha = repo.remote_sha(DEFAULT_BRANCH)
    assert sha == result.commit
    # One commit on top of main, touching only the template.
    assert git(repo.origin, "rev-parse", f"{sha}^") == repo.remote_sha("main")
    assert git(repo.origin, "diff", "--name-only", f"{sha}^", sha) == "infra/registry.json"
    fixed = git(repo.origin, "show", f"{sha}:infra/registry.json")
    assert '"name": "Premium"' in fixed and '"defaultAction": "Deny"' in fixed
    assert "// the team's build cache" in fixed          # comments kept: the core's minimal edits
    log = git(repo.origin, "log", "-1", "--format=%an <%ae>|%cn <%ce>%n%B", sha)
    assert log.startswith("acr-fix bot <bot@example.com>|acr-fix bot <bot@example.com>\n")
    assert "infra/registry.json:\n- registry 'buildcache' (line" in log
    assert "set sku.name to 'Premium'" in log and TRAILER in log

    [pull] = github.pulls.values()
    assert pull["head"]["ref"] == DEFAULT_BRANCH and pull["base"]["ref"] == "main" and pull["draft"] is True
    body = pull["body"]
    assert body.startswith(MARKER)
    assert "| Registry | Line | Problem | Fix | Why | Cost |" in body and "`buildcache`" in body
    assert "```diff\n--- a/infra/registry.json\n+++ b/infra/registry.json" in body
    assert '+        "name": "Premium"' in body
    assert "Premium costs more" in body and len(body) < 65536
    assert github.labels[1] == ["security"]
    assert github.reviewers[1] == {"reviewers": ["alice"], "team_reviewers": ["platform"]}
    # The user's checkout is exactly as it was.
    assert checkout_state(repo) == before
    assert (repo.work / "infra/registry.json").read_bytes() == original


def test_second_run_without_new_changes_does_nothing(repo: Repo, github: FakeGitHub) -> None:
    first = bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    writes = len(github.writes())
    second = bot(repo, github)
    assert second.action == "unchanged", second.message
    assert second.pull is not None and second.pull.number == first.pull.number  # type: ignore[union-attr]
    assert repo.remote_sha(DEFAULT_BRANCH) == sha           # no push, no empty commit
    assert len(github.writes()) == writes                   # no new PR, no PATCH, no labels
    assert len(github.pulls) == 1


def test_unrelated_change_on_main_is_not_a_new_change(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    sha = repo.remote_sha(DEFAULT_BRANCH)
    repo.write("README.md", "# infra, now documented\n")
    repo.commit_and_push("docs", "README.md")
    assert bot(repo, github).action == "unchanged"
    assert repo.remote_sha(DEFAULT_BRANCH) == sha


def test_new_template_change_updates_the_same_pull_request(repo: Repo, github: FakeGitHub) -> None:
    first = bot(repo, github)
    old_sha = repo.remote_sha(DEFAULT_BRANCH)
    repo.write("infra/second.json", BASIC_OPEN.replace("buildcache", "artifacts"))
    main = repo.commit_and_push("add a second registry", "infra/second.json")

    result = bot(repo, github, labels=("security",))
    assert result.action == "updated", result.message
    assert result.pull is not None and result.pull.number == first.pull.number  # type: ignore[union-attr]
    assert len(github.pulls) == 1
    new_sha = repo.remote_sha(DEFAULT_BRANCH)
    assert new_sha != old_sha and git(repo.origin, "rev-parse", f"{new_sha}^") == main   # rebuilt on the new base
    assert set(git(repo.origin, "diff", "--name-only", main, new_sha).split()) == {"infra/registry.json", "infra/second.json"}
    [patch] = github.calls("PATCH")
    assert patch.body["title"] == "Restrict network access of 2 container registries (Azure.ACR.Firewall)"
    assert "`artifacts`" in patch.body["body"] and "`buildcache`" in patch.body["body"]
    assert github.pulls[1]["body"] == patch.body["body"]


def test_nothing_to_fix_makes_no_branch_and_no_api_writes(tmp_path: Path, github: FakeGitHub) -> None:
    repo = make_repo(tmp_path / "clean", {"infra/registry.json": COMPLIANT, "web/package.json": PACKAGE_JSON})
    result = bot(repo, github)
    assert result.action == "nothing-to-fix" and result.exit_code() == 0
    assert result.message.startswith("nothing to fix on main")
    assert repo.remote_sha(DEFAULT_BRANCH) is None
    assert github.requests == []


def test_dirty_tree_is_refused_and_left_alone(repo: Repo, github: FakeGitHub) -> None:
    repo.write("infra/registry.json", BASIC_OPEN.replace("buildcache", "edited"))
    before = checkout_state(repo)
    with pytest.raises(DirtyTree, match="infra/registry.json.*--allow-dirty"):
        bot(repo, github)
    assert checkout_state(repo) == before
    assert repo.remote_sha(DEFAULT_BRANCH) is None and github.requests == []
    # With --allow-dirty the bot fixes main as pushed; the local edit stays local.
    result = bot(repo, github, allow_dirty=True)
    assert result.action == "opened"
    assert "buildcache" in repo.remote_show(f"{DEFAULT_BRANCH}:infra/registry.json")
    assert checkout_state(repo) == before


def test_429_then_success(repo: Repo, github: FakeGitHub) -> None:
    clock = Clock()
    github.inject("POST", r"/pulls$", 429, headers={"Retry-After": "5"},
                  body={"message": "You have exceeded a secondary rate limit"})
    result = bot(repo, github, clock=clock)
    assert result.action == "opened"
    assert clock.sleeps == [5.0]
    assert len(github.calls("POST", "/pulls")) == 2 and len(github.pulls) == 1
    assert any("rate limited; waiting 5 s" in line for line in result.log)


def test_401_and_422_are_errors_that_leave_the_checkout_alone(repo: Repo, github: FakeGitHub) -> None:
    before = checkout_state(repo)
    github.inject("GET", r"/pulls$", 401, body={"message": "Bad credentials"})
    with pytest.raises(Exception) as info:
        bot(repo, github)
    assert "HTTP 401 Bad credentials" in str(info.value) and TOKEN not in str(info.value)
    github.inject("POST", r"/pulls$", 422, body={"message": "Validation Failed",
                                                  "errors": [{"message": "base branch protected"}]})
    with pytest.raises(Unprocessable, match="base branch protected"):
        bot(repo, github)
    assert checkout_state(repo) == before
    # The branch was pushed before the failure; the next run opens the PR without pushing again.
    sha = repo.remote_sha(DEFAULT_BRANCH)
    result = bot(repo, github)
    assert result.action == "opened" and repo.remote_sha(DEFAULT_BRANCH) == sha


def test_push_rejected_leaves_no_pull_request(repo: Repo, github: FakeGitHub) -> None:
    hook = repo.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch protection: pushes need review' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = checkout_state(repo)
    with pytest.raises(PushRejected, match="rejected"):
        bot(repo, github)
    assert github.calls("POST", "/pulls") == []
    assert checkout_state(repo) == before


def test_a_closed_pull_request_is_not_reopened_for_the_same_fix(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    github.pulls[1]["state"] = "closed"
    result = bot(repo, github)
    assert result.action == "declined" and "#1" in result.message
    assert len(github.pulls) == 1
    assert len([r for r in github.calls("POST") if r.path.endswith("/pulls")]) == 1


def test_someone_elses_pull_request_or_commit_is_not_overwritten(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github)
    github.pulls[1]["body"] = "my own description"
    with pytest.raises(ForeignChanges, match="#1 .* not opened by acr-fix"):
        bot(repo, github)
    github.pulls[1]["body"] = MARKER
    # A reviewer pushes a commit onto the bot's branch.
    git(repo.work, "fetch", "-q", "origin", DEFAULT_BRANCH)
    git(repo.work, "switch", "-q", "-c", "review", "FETCH_HEAD")
    repo.write("infra/registry.json", BASIC_OPEN.replace("westeurope", "northeurope"))
    git(repo.work, "commit", "-qam", "reviewer tweak")
    git(repo.work, "push", "-q", "origin", f"HEAD:{DEFAULT_BRANCH}")
    tweak = repo.remote_sha(DEFAULT_BRANCH)
    git(repo.work, "switch", "-q", "main")
    with pytest.raises(ForeignChanges, match="commits acr-fix did not make"):
        bot(repo, github)
    assert repo.remote_sha(DEFAULT_BRANCH) == tweak


def test_not_a_repository(tmp_path: Path, github: FakeGitHub) -> None:
    with pytest.raises(NotARepository):
        open_or_update_pr(PrRequest(token=TOKEN, repository="o/r", api_url=github.url), settings, cwd=tmp_path)


def test_config_is_read_from_the_base_branch(repo: Repo, github: FakeGitHub) -> None:
    repo.write("acr-fix.yaml", "strategy: disable\n")
    repo.commit_and_push("config", "acr-fix.yaml")
    result = bot(repo, github)
    assert "publicNetworkAccess" in repo.remote_show(f"{DEFAULT_BRANCH}:infra/registry.json")
    assert result.action == "opened"


def test_psrule_suppression_on_the_base_branch_is_honoured(repo: Repo, github: FakeGitHub) -> None:
    repo.write("ps-rule.yaml", "suppression:\n  Azure.ACR.Firewall:\n    - buildcache  # public base images\n")
    repo.commit_and_push("suppress", "ps-rule.yaml")
    result = bot(repo, github)
    assert result.action == "nothing-to-fix", result.message
    assert repo.remote_sha(DEFAULT_BRANCH) is None and github.requests == []


def test_psrule_path_ignore_on_the_base_branch_is_honoured(repo: Repo, github: FakeGitHub) -> None:
    repo.write("ps-rule.yaml", "input:\n  pathIgnore:\n    - 'infra/**'\n")
    repo.commit_and_push("ignore infra", "ps-rule.yaml")
    assert bot(repo, github).action == "nothing-to-fix"
    assert repo.remote_sha(DEFAULT_BRANCH) is None


# -- through the command line ---------------------------------------------------------------


def cli_app() -> typer.Typer:
    app = typer.Typer(add_completion=False)

    @app.callback()
    def main() -> None:
        """acr-fix (test host for the pr command)."""

    register(app)
    return app


def invoke(repo: Repo, args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(repo.work)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(cli_app(), ["pr", *args], catch_exceptions=False)


def test_cli_dry_run_prints_everything_and_touches_nothing(repo: Repo, github: FakeGitHub,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = checkout_state(repo)
    refs = git(repo.work, "for-each-ref")
    result = invoke(repo, ["--dry-run", "--strategy", "deny", "--ip-rule", "203.0.113.0/24"], {}, monkeypatch)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert f"branch: {DEFAULT_BRANCH} (from main)" in out
    assert "commit message:\n  Restrict network access of 1 container registry" in out
    assert "pull request title: Restrict network access of 1 container registry (Azure.ACR.Firewall)" in out
    assert MARKER in out and "203.0.113.0/24" in out
    assert github.requests == [] and repo.remote_sha(DEFAULT_BRANCH) is None
    assert checkout_state(repo) == before and git(repo.work, "for-each-ref") == refs


def test_cli_over_https_keeps_the_token_out_of_output_logs_and_disk(repo: Repo, github: FakeGitHub,
                                                                   git_http: GitHttpServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo.work, "remote", "set-url", "origin", git_http.url("origin.git"))
    env = {"BOT_TOKEN": TOKEN, "GITHUB_REPOSITORY": f"{OWNER}/{NAME}", "GITHUB_API_URL": github.url}
    args = ["--token-env", "BOT_TOKEN", "--author", "acr-fix bot <bot@example.com>", "--label", "security",
            "--verbose", "infra"]
    first = invoke(repo, args, env, monkeypatch)
    assert first.exit_code == 0, first.output
    assert "opened pull request #1: https://github.test/contoso/infra/pull/1" in first.stdout
    assert "GET /repos/contoso/infra/pulls -> 200" in first.stderr      # --verbose logs the calls
    assert repo.remote_sha(DEFAULT_BRANCH) is not None
    assert any(h and h.lower() == git_http.expected.lower() for h in git_http.auth_headers)
    second = invoke(repo, args, env, monkeypatch)
    assert second.exit_code == 0 and "already has these fixes" in second.stdout
    github.inject("GET", r"/pulls$", 401, body={"message": f"Bad credentials for {TOKEN}"})
    failed = invoke(repo, args, env, monkeypatch)
    assert failed.exit_code == 2 and "HTTP 401" in failed.stderr

    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    for run in (first, second, failed):
        assert TOKEN not in run.output and basic not in run.output
    for git_dir in (repo.work / ".git", repo.origin):
        for path in git_dir.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert TOKEN.encode() not in data and basic.encode() not in data, path
    assert git(repo.work, "remote", "get-url", "origin") == git_http.url("origin.git")


def test_cli_errors_are_one_line_with_exit_2(repo: Repo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(repo, [], {"GITHUB_REPOSITORY": f"{OWNER}/{NAME}", "GITHUB_API_URL": github.url}, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr == "acr-fix: error: no GitHub token: set GITHUB_TOKEN or pass --token-env NAME\n"
    bad = invoke(repo, ["--author", "nobody"], {"GITHUB_TOKEN": TOKEN}, monkeypatch)
    assert bad.exit_code == 2 and "Name <email>" in bad.stderr
    dirty = repo.write("infra/registry.json", "{}")
    assert dirty.exists()
    refused = invoke(repo, [], {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "o/r"}, monkeypatch)
    assert refused.exit_code == 2 and "uncommitted changes in infra/registry.json" in refused.stderr


def test_derives_repository_from_an_ssh_style_remote(repo: Repo, github: FakeGitHub,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # A push URL in scp form for GitHub, while fetching still uses the local bare repository.
    git(repo.work, "remote", "set-url", "--push", "origin", f"git@github.com:{OWNER}/{NAME}.git")
    from fixer.bot.git import Git
    from fixer.bot.github import repository_from_remote
    assert repository_from_remote(Git(repo.work).remote_url("origin")) == f"{OWNER}/{NAME}"



def test_shallow_clone_as_actions_checkout_makes(repo: Repo, github: FakeGitHub) -> None:
    shallow = repo.root / "shallow"
    git(repo.root, "clone", "-q", "--depth", "1", f"file://{repo.origin}", str(shallow))
    git(shallow, "config", "user.name", "CI")
    git(shallow, "config", "user.email", "ci@example.com")
    ci = Repo(root=repo.root, work=shallow, origin=repo.origin)
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true"
    assert bot(ci, github).action == "opened"
    repo.write("README.md", "# moved on\n")
    repo.commit_and_push("docs", "README.md")
    assert bot(ci, github).action == "unchanged"
    assert len(github.pulls) == 1


def test_request_repr_hides_the_token() -> None:
    assert TOKEN not in repr(PrRequest(token=TOKEN)) and TOKEN not in str(PrRequest(token=TOKEN))


def test_the_bot_finds_settings_per_folder_as_write_does(tmp_path: Path, github: FakeGitHub) -> None:
    repo = make_repo(tmp_path / "second", {"infra/registry.json": BASIC_OPEN,
                                "infra/acr-fix.yaml": "overrides:\n  - path: registry.json\n    skip: true\n"})
    result = bot(repo, github, dry_run=True)
    assert result.action == "nothing-to-fix", result.message
    assert github.requests == []


def test_cli_extend_exclude_leaves_out_more(tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "second", {"infra/registry.json": BASIC_OPEN, "acr-fix.yaml": "exclude: [nothing/]\n"})
    result = invoke(repo, ["--dry-run", "--extend-exclude", "infra/"], {}, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "nothing to fix" in result.stdout


TERRAFORM_REGISTRY = '''resource "azurerm_container_registry" "acr" {
  name                = "buildcache"
  resource_group_name = "rg-build"
  location            = "westeurope"
  sku                 = var.acr_sku # the team's build cache
}
'''
TERRAFORM_VARIABLES = 'variable "acr_sku" {\n  type    = string\n  default = "Basic"\n}\n'


def test_terraform_module_is_fixed_in_one_pull_request(tmp_path: Path, github: FakeGitHub) -> None:
    repo = make_repo(tmp_path / "tf", {"infra/main.tf": TERRAFORM_REGISTRY, "infra/variables.tf": TERRAFORM_VARIABLES,
                                       "web/package.json": PACKAGE_JSON})
    github.origin = repo.origin   # the fake GitHub serves this repository, not the fixture's
    result = bot(repo, github)
    assert result.action == "opened", result.message
    sha = repo.remote_sha(DEFAULT_BRANCH)
    assert git(repo.origin, "diff", "--name-only", f"{sha}^", sha).splitlines() == ["infra/main.tf", "infra/variables.tf"]
    assert 'default = "Premium"' in git(repo.origin, "show", f"{sha}:infra/variables.tf")
    fixed = git(repo.origin, "show", f"{sha}:infra/main.tf")
    assert "network_rule_set {\n    default_action = \"Deny\"\n  }" in fixed and "# the team's build cache" in fixed
    [pull] = github.pulls.values()
    assert "`buildcache`" in pull["body"] and "+    default_action = \"Deny\"" in pull["body"]


PULLED = json.dumps({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "pulledacr",
         "location": "westeurope", "sku": {"name": "Premium"}, "properties": {}},
        {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "app", "location": "westeurope",
         "properties": {"siteConfig": {"linuxFxVersion": "[format('DOCKER|{0}/app:1', reference(resourceId("
                        "'Microsoft.ContainerRegistry/registries', 'pulledacr'), '2023-07-01').loginServer)]"}}}],
}, indent=2) + "\n"


def test_cli_unsafe_fixes_lets_the_bot_apply_a_fix_that_cuts_off_a_puller(
        tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "pulled", {"main.json": PULLED})
    held = invoke(repo, ["--dry-run"], {}, monkeypatch)
    assert "nothing to fix" in held.stdout and "1 registry needs manual action" in held.stdout, held.output
    applied = invoke(repo, ["--dry-run", "--unsafe-fixes"], {}, monkeypatch)
    assert applied.exit_code == 1, applied.output
    assert "Restrict network access of 1 container registry" in applied.stdout
    assert "Microsoft.Web/sites 'app'" in applied.stdout    # the body says who is cut off
    assert github.requests == []
