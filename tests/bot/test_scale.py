"""``acr-fix pr`` on a repository with several hundred open registries: pull requests that
fit GitHub's limits (the local API refuses a body over 65,536 characters, as GitHub does),
a short commit message, split pull requests, and reruns that change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixer.bot.body import MARKER, MAX_SUBJECT, TRAILER
from fixer.bot.errors import Unprocessable
from fixer.bot.github import GitHub
from fixer.bot.pr import DEFAULT_BRANCH, PrResult

from .conftest import BODY_LIMIT, NAME, OWNER, TOKEN, FakeGitHub, Repo, git, make_repo
from .test_pr import bot, invoke

FOLDERS = ("apps", "data", "platform", "shared")
PER_FOLDER = 40
PER_FILE = 3          # 4 x 40 x 3 = 480 open registries


def template(folder: str, index: int) -> str:
    """Three open registries (Premium, Basic, Premium: the Basic one is upgraded), the first
    pulled from by a web app (a note to read before merging)."""
    resources: list[dict[str, Any]] = []
    for j in range(PER_FILE):
        name = f"{folder}acr{index:03d}x{j}"
        resources.append({"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01",
                          "name": name, "location": "westeurope", "sku": {"name": "Basic" if j % 2 else "Premium"},
                          "properties": {"adminUserEnabled": False}})
        if j == 0:
            server = (f"reference(resourceId('Microsoft.ContainerRegistry/registries', '{name}'), "
                      "'2023-07-01').loginServer")
            resources.append({"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": f"{name}-app",
                              "location": "westeurope",
                              "properties": {"siteConfig": {"linuxFxVersion": f"[format('DOCKER|{{0}}/app:1', {server})]"}}})
    return json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                       "contentVersion": "1.0.0.0", "resources": resources}, indent=2) + "\n"


def big_files(per_folder: int = PER_FOLDER) -> dict[str, str]:
    files = {f"{folder}/svc{i:03d}/registry.json": template(folder, i) for folder in FOLDERS for i in range(per_folder)}
    files[".github/CODEOWNERS"] = "* @contoso/platform\n/apps/ @contoso/apps @alice\n/data/ @contoso/data\n"
    return files


SMALL = 4   # files per folder where the size does not matter, only the parts


@pytest.fixture
def repo(tmp_path: Path, request: pytest.FixtureRequest) -> Repo:
    """The big repository; ``parametrize("repo", [SMALL], indirect=True)`` makes a small one."""
    return make_repo(tmp_path, big_files(getattr(request, "param", PER_FOLDER)))


small = pytest.mark.parametrize("repo", [SMALL], indirect=True, ids=["small"])


def pulls_fit(github: FakeGitHub) -> None:
    for pull in github.pulls.values():
        assert len(pull["body"]) <= BODY_LIMIT and pull["body"].startswith(MARKER)


def commit_fits(repo: Repo, branch: str) -> str:
    message = git(repo.origin, "log", "-1", "--format=%B", branch)
    subject, blank, *rest = message.split("\n")
    assert len(subject) <= MAX_SUBJECT and blank == "", subject
    assert len(message) < 3000 and TRAILER in message
    return message


def test_the_local_api_refuses_a_body_over_githubs_limit(repo: Repo, github: FakeGitHub) -> None:
    git(repo.work, "push", "-q", "origin", "HEAD:refs/heads/too-long")
    client = GitHub(f"{OWNER}/{NAME}", TOKEN, github.url)
    with pytest.raises(Unprocessable, match="body is too long"):
        client.create_pull("t", "x" * (BODY_LIMIT + 1), "too-long", "main")
    pull = client.create_pull("t", "x" * BODY_LIMIT, "too-long", "main")
    with pytest.raises(Unprocessable, match="body is too long"):
        client.update_pull(pull.number, body="y" * (BODY_LIMIT + 1))


def test_one_pull_request_for_480_registries_fits_and_reruns_idempotently(repo: Repo, github: FakeGitHub) -> None:
    first = bot(repo, github)
    assert first.action == "opened", first.message + "".join(first.errors)
    pulls_fit(github)
    [pull] = github.pulls.values()
    body = pull["body"]
    assert "480 registries fixed in 160 file(s)" in body
    assert "| `shared/svc039/registry.json` | 3 | 0 | 0 |" in body          # every file in the table
    assert "### Before you merge" in body and "pulls from this registry" in body
    assert "Left out to keep this text within GitHub's size limit" in body and "acr-fix --dry-run" in body
    assert pull["title"] == "Restrict network access of 480 container registries (Azure.ACR.Firewall)"
    message = commit_fits(repo, DEFAULT_BRANCH)
    assert "more registries: see the pull request" in message
    changed = git(repo.origin, "diff", "--name-only", "main", DEFAULT_BRANCH).split()
    assert len(changed) == 160

    writes = len(github.writes())
    again = bot(repo, github)
    assert again.action == "unchanged", again.message
    assert len(github.writes()) == writes and len(github.pulls) == 1


def by_branch(result: PrResult) -> dict[str, PrResult]:
    return {part.branch: part for part in result.parts}


def test_split_by_folder_opens_one_fitting_pull_request_per_folder(repo: Repo, github: FakeGitHub) -> None:
    result = bot(repo, github, split="folder")
    assert result.exit_code() == 0, result.errors
    parts = by_branch(result)
    assert set(parts) == {f"{DEFAULT_BRANCH}-{folder}" for folder in FOLDERS}
    assert {p.action for p in parts.values()} == {"opened"}
    pulls_fit(github)
    for folder in FOLDERS:
        branch = f"{DEFAULT_BRANCH}-{folder}"
        pull = next(p for p in github.pulls.values() if p["head"]["ref"] == branch)
        assert pull["title"] == f"Restrict network access of 120 container registries in `{folder}/` (Azure.ACR.Firewall)"
        body = pull["body"]
        assert f"This pull request covers `{folder}/`" in body
        # Each folder's part is small enough for every note (40 pullers, one grouped cost note).
        assert body.count("pulls from this registry") == PER_FOLDER
        assert "Left out to keep this text" in body        # its 40 diffs still do not all fit
        changed = git(repo.origin, "diff", "--name-only", "main", branch).split()
        assert len(changed) == PER_FOLDER and all(path.startswith(f"{folder}/") for path in changed)
        assert commit_fits(repo, branch).startswith(f"Restrict network access of 120 registries in `{folder}/`")

    writes = len(github.writes())
    again = bot(repo, github, split="folder")
    assert {p.action for p in again.parts} == {"unchanged"}, again.message
    assert len(github.writes()) == writes and len(github.pulls) == 4

    # The data team merges its part: the next run closes nothing else and finds data clean.
    data_branch = f"{DEFAULT_BRANCH}-data"
    git(repo.work, "fetch", "-q", "origin", data_branch)
    git(repo.work, "merge", "-q", "--ff-only", f"origin/{data_branch}")
    git(repo.work, "push", "-q", "origin", "HEAD:main")
    github.pulls[next(n for n, p in github.pulls.items() if p["head"]["ref"] == data_branch)].update(
        state="closed", merged_at="2026-12-01T00:00:00Z")
    git(repo.origin, "branch", "-D", data_branch)
    third = bot(repo, github, split="folder")
    assert third.exit_code() == 0, third.errors
    assert data_branch not in by_branch(third)
    assert {p.action for p in third.parts} == {"unchanged"}, third.message


@small
def test_a_folder_with_nothing_left_to_fix_closes_its_stale_pull_request(repo: Repo, github: FakeGitHub) -> None:
    bot(repo, github, split="folder")
    # Someone fixes shared/ by hand on main (not through the bot's pull request).
    for i in range(SMALL):
        rel = f"shared/svc{i:03d}/registry.json"
        repo.write(rel, (repo.work / rel).read_text().replace('"adminUserEnabled": false',
                                                               '"publicNetworkAccess": "Disabled"'))
    repo.commit_and_push("close shared registries by hand", "shared")
    result = bot(repo, github, split="folder")
    parts = by_branch(result)
    shared = parts[f"{DEFAULT_BRANCH}-shared"]
    assert shared.action == "closed", shared.message
    assert repo.remote_sha(f"{DEFAULT_BRANCH}-shared") is None
    assert {parts[f"{DEFAULT_BRANCH}-{f}"].action for f in ("apps", "data", "platform")} == {"unchanged"}


def test_split_by_codeowners_gives_each_owner_its_files(repo: Repo, github: FakeGitHub) -> None:
    result = bot(repo, github, split="codeowners")
    assert result.exit_code() == 0, result.errors
    pulls_fit(github)
    titles = sorted(p["title"] for p in github.pulls.values())
    assert titles == [
        "Restrict network access of 120 container registries in the files owned by @contoso/apps @alice (Azure.ACR.Firewall)",
        "Restrict network access of 120 container registries in the files owned by @contoso/data (Azure.ACR.Firewall)",
        "Restrict network access of 240 container registries in the files owned by @contoso/platform (Azure.ACR.Firewall)",
    ]
    for part in result.parts:
        commit_fits(repo, part.branch)
    again = bot(repo, github, split="codeowners")
    assert {p.action for p in again.parts} == {"unchanged"}, again.message


@small
def test_split_dry_run_previews_each_part(repo: Repo, github: FakeGitHub) -> None:
    result = bot(repo, github, split="folder", dry_run=True)
    assert result.action == "dry-run" and result.exit_code() == 1
    assert [p.branch for p in result.parts] == [f"{DEFAULT_BRANCH}-{f}" for f in FOLDERS]
    assert all(len(p.body) <= BODY_LIMIT for p in result.parts)
    assert github.requests == []


@small
def test_a_human_branch_with_the_prefix_is_left_alone(repo: Repo, github: FakeGitHub) -> None:
    git(repo.work, "push", "-q", "origin", f"HEAD:refs/heads/{DEFAULT_BRANCH}-notes")   # someone's own branch
    result = bot(repo, github, split="folder")
    assert result.exit_code() == 0, result.errors
    assert f"left branch {DEFAULT_BRANCH}-notes alone: acr-fix did not make it" in result.message
    assert repo.remote_sha(f"{DEFAULT_BRANCH}-notes") is not None and len(github.pulls) == 4


@small
def test_an_unknown_split_is_a_one_line_error(repo: Repo, github: FakeGitHub) -> None:
    from fixer.bot.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="--split must be one of none, folder, codeowners, not 'team'"):
        bot(repo, github, split="team")
    assert github.requests == []


@small
def test_codeowners_split_without_a_codeowners_file_says_where_it_looked(tmp_path: Path, github: FakeGitHub) -> None:
    from fixer.bot.errors import ConfigurationError

    files = {k: v for k, v in big_files().items() if not k.endswith("CODEOWNERS") and k.startswith("apps/svc00")}
    small = make_repo(tmp_path / "small", files)
    with pytest.raises(ConfigurationError, match="no CODEOWNERS file in .github/, the repository root or docs/"):
        bot(small, github, split="codeowners")


@small
def test_cli_split_dry_run_prints_each_part(repo: Repo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke(repo, ["--dry-run", "--split", "folder"], {}, monkeypatch)
    assert result.exit_code == 1, result.output
    out = result.stdout
    for folder in FOLDERS:
        assert f"branch: {DEFAULT_BRANCH}-{folder} (from main)" in out
        assert f"pull request title: Restrict network access of {SMALL * PER_FILE} container registries in `{folder}/`" in out
    assert github.requests == []
    bad = invoke(repo, ["--dry-run", "--split", "teams"], {}, monkeypatch)
    assert bad.exit_code == 2 and "--split must be one of none, folder, codeowners" in bad.stderr


def test_part_slugs_are_stable_distinct_and_valid_branch_names(tmp_path: Path) -> None:
    import subprocess

    from fixer.bot.split import slug

    keys = [("folder", "infra"), ("folder", "Infra"), ("folder", "x.lock"), ("folder", "a..b"), ("folder", "."),
            ("codeowners", "@contoso/platform"), ("codeowners", "@contoso/platform @alice"), ("codeowners", "")]
    slugs = [slug(by, key) for by, key in keys]
    assert slugs[0] == "infra" and slugs[4] == "root" and slugs[7] == "no-owner"
    assert len(set(slugs)) == len(slugs)
    assert slugs == [slug(by, key) for by, key in keys]        # the same key gives the same branch every run
    for value in slugs:
        branch = f"{DEFAULT_BRANCH}-{value}"
        assert subprocess.run(["git", "check-ref-format", "--branch", branch], capture_output=True).returncode == 0


def test_a_fix_that_edits_two_folders_stays_in_one_part(tmp_path: Path) -> None:
    from fixer.options import Options
    from fixer.run import run
    from fixer.bot.split import split_result

    (tmp_path / "modules").mkdir()
    (tmp_path / "apps").mkdir()
    (tmp_path / "modules" / "acr.bicep").write_text(
        "param sku string\nresource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n"
        "  name: 'linkedacr'\n  location: 'westeurope'\n  sku: { name: sku }\n  properties: {}\n}\n")
    (tmp_path / "apps" / "main.bicep").write_text(
        "module acr '../modules/acr.bicep' = {\n  name: 'acr'\n  params: {\n    sku: 'Basic'\n  }\n}\n")
    result = run([tmp_path], Options(), root=tmp_path)
    assert {f.display for f in result.changed_files} == {"apps/main.bicep", "modules/acr.bicep"}
    [part] = split_result(result, "folder")
    assert part.key == "apps"         # the first of the linked files by path
    assert {f.display for f in part.result.changed_files} == {"apps/main.bicep", "modules/acr.bicep"}
    [owned] = split_result(result, "codeowners", "/modules/ @contoso/platform\n/apps/ @contoso/apps\n")
    assert owned.key == "@contoso/apps" and len(owned.result.changed_files) == 2


@small
def test_cli_summary_lists_each_pull_request(repo: Repo, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": f"{OWNER}/{NAME}", "GITHUB_API_URL": github.url}
    result = invoke(repo, ["--split", "folder", "--author", "acr-fix bot <bot@example.com>", "--summary", str(summary)],
                    env, monkeypatch)
    assert result.exit_code == 0, result.output
    lines = summary.read_text().splitlines()
    assert lines[:2] == ["### acr-fix pr", ""]
    assert sorted(lines[2:]) == sorted(f"- {DEFAULT_BRANCH}-{f}: opened pull request #{n}: "
                                       f"https://github.test/{OWNER}/{NAME}/pull/{n}"
                                       for n, f in enumerate(FOLDERS, start=1))
