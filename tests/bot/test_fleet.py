"""``acr-fix fleet`` end to end: an organisation of 23 real bare git repositories on 127.0.0.1
(REST API and git smart HTTP), the real core, and ``acr-fix pr`` in each shallow clone."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fixer import fix_flags
from fixer.bot.campaign import (DONE, ERROR, SKIPPED, Campaign, RepoResult, ResultFileError, load_results,
                                load_state, run_campaign)
from fixer.bot.errors import GitHubError, NotFound, RateLimited
from fixer.bot.fleet import (RepositoryListError, Selection, Skipped, Target, holds_templates, matrix,
                             parse_repository_list, plan_account, plan_list, select)
from fixer.bot.fleet_cli import register
from fixer.bot.git import Author
from fixer.bot.github import GitHub, Pacer
from fixer.bot.pr import PrRequest
from fixer.bot.summary import render_summary

from .conftest import TOKEN, git
from .fleet_server import NEED_PR, NO_PR, ORG, READONLY, Org, fleet_template, org  # noqa: F401 - fixtures
from .test_github import Clock
from .test_pr import BASIC_OPEN, COMPLIANT

def account_client(org: Org, clock: Clock) -> GitHub:
    return GitHub.for_account(TOKEN, org.api.url, sleep=clock.sleep, clock=clock)


def campaign(org: Org, tmp_path: Path, clock: Clock, **kw: Any) -> Campaign:
    request = PrRequest(token=TOKEN, api_url=org.api.url, author=Author("acr-fix bot", "bot@example.com"))

    def client(repository: str, token: str, url: str, sink: Any) -> GitHub:
        return GitHub(repository, token, url, sleep=clock.sleep, clock=clock, log=sink)

    fields: dict[str, Any] = {"concurrency": 4, "state_path": tmp_path / "state.json",
                              "results_dir": tmp_path / "results", "github": client}
    fields.update(kw)
    return Campaign(request, lambda root: fix_flags.settings(root, {"jobs": 1}, None), **fields)


# -- planning -------------------------------------------------------------------------------


def test_plan_lists_every_page_and_keeps_repositories_with_templates(org: Org) -> None:
    clock = Clock()
    with account_client(org, clock) as client:
        plan = plan_account(client, ORG, Selection())
    names = [t.repository.split("/")[1] for t in plan.targets]
    assert sorted(names) == sorted(NEED_PR + NO_PR + [READONLY])
    reasons = {s.repository.split("/")[1]: s.reason for s in plan.skipped}
    assert reasons == {"docs-1": "no template files", "docs-2": "no template files", "docs-3": "no template files",
                       "old-infra": "archived (read-only)", "forked-infra": "fork", "empty": "empty repository"}
    pages = [r.query.get("page", ["1"])[0] for r in org.api.calls("GET", f"/orgs/{ORG}/repos")]
    assert pages == ["1", "2", "3", "4", "5"]   # 23 repositories, 5 a page, followed by the Link header
    target = next(t for t in plan.targets if t.repository.endswith("/app-01"))
    assert target.clone_url == org.git_server.url(f"{ORG}/app-01.git") and target.default_branch == "main"
    assert clock.sleeps == []


def test_plan_filters_by_pattern_topic_archived_and_fork(org: Org) -> None:
    with account_client(org, Clock()) as client:
        plan = plan_account(client, ORG, Selection(include=("app-*", "old-*", "forked-*"), exclude=("app-1?",),
                                                   topics=("APP",), archived=True, forks=True, detect="none"))
    assert [t.repository for t in plan.targets] == [f"{ORG}/app-{i:02d}" for i in range(1, 10)]
    reasons = {s.repository.split("/")[1]: s.reason for s in plan.skipped}
    assert reasons["app-10"] == "name matched by --exclude"
    assert reasons["old-infra"] == reasons["forked-infra"] == "no topic of APP"
    assert reasons["locked-1"] == "name not matched by --include"
    assert not org.api.calls("GET", "/git/trees/")   # --detect none asks nothing per repository


def test_plan_by_code_search(org: Org) -> None:
    with account_client(org, Clock()) as client:
        plan = plan_account(client, ORG, Selection(detect="search"))
    names = sorted(t.repository.split("/")[1] for t in plan.targets)
    assert names == sorted(NEED_PR + NO_PR + [READONLY])
    queries = [r.query["q"][0] for r in org.api.calls("GET", "/search/code")]
    assert any('"Microsoft.ContainerRegistry/registries" org:contoso' == q for q in queries)
    assert {s.reason for s in plan.skipped} >= {"code search found no registry"}


def test_plan_waits_out_primary_and_secondary_rate_limits(org: Org) -> None:
    clock = Clock()
    reset = str(int(clock.now) + 30)
    org.api.inject("GET", f"/orgs/{ORG}/repos$", 403, {"Retry-After": "7"}, {"message": "You have exceeded a secondary rate limit"})
    org.api.inject("GET", "/app-01/git/trees/", 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
                   {"message": "API rate limit exceeded"})
    org.api.inject("GET", "/app-02/git/trees/", 429, times=2)   # no headers: back off, doubling
    with account_client(org, clock) as client:
        plan = plan_account(client, ORG, Selection())
    assert len(plan.targets) == len(NEED_PR + NO_PR) + 1
    # Retry-After 7 s; then until the reset (30 s after the start, 7 s of it gone) and a second;
    # then a minute, two minutes.
    assert clock.sleeps == [7.0, 24.0, 60.0, 120.0]


def test_a_quota_used_up_pauses_before_the_next_request(org: Org) -> None:
    clock = Clock()
    org.api.inject("GET", f"/users/{ORG}$", 200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(clock.now) + 10)},
                   {"login": ORG, "type": "Organization"})
    with account_client(org, clock) as client:
        plan_account(client, ORG, Selection(detect="none"))
    assert clock.sleeps == [11.0]


def test_rate_limit_longer_than_the_cap_is_reported(org: Org) -> None:
    clock = Clock()
    org.api.inject("GET", f"/orgs/{ORG}/repos$", 429, {"Retry-After": "3600"})
    with account_client(org, clock) as client, pytest.raises(RateLimited, match="resets in 3600 s"):
        plan_account(client, ORG, Selection())
    assert clock.sleeps == []


def test_next_page_on_another_host_is_not_followed(org: Org) -> None:
    org.api.inject("GET", f"/orgs/{ORG}/repos$", 200, {"Link": '<http://evil.example/orgs/contoso/repos?page=2>; rel="next"'},
                   [org.api.repo_json(org.repos[0])])
    with account_client(org, Clock()) as client, pytest.raises(GitHubError, match="another host"):
        plan_account(client, ORG, Selection(detect="none"))


def test_installation_repositories(org: Org) -> None:
    with account_client(org, Clock()) as client:
        plan = plan_account(client, None, Selection(detect="none", include=("locked-*",)))
    assert [t.repository for t in plan.targets] == [f"{ORG}/locked-{i}" for i in range(1, 5)]


def test_a_user_account_lists_all_with_its_own_token_and_public_ones_otherwise(org: Org) -> None:
    org.api.account_type = "User"
    with account_client(org, Clock()) as client:
        others = plan_account(client, ORG, Selection(detect="none"))
        org.api.user_login = ORG
        own = plan_account(client, ORG, Selection(detect="none"))
    assert len(own.targets) == len(others.targets) + 1
    assert {t.repository for t in own.targets} - {t.repository for t in others.targets} == {f"{ORG}/locked-4"}
    assert org.api.calls("GET", "/user/repos")[0].query["affiliation"] == ["owner"]


def test_unknown_account(org: Org) -> None:
    with account_client(org, Clock()) as client, pytest.raises(GitHubError, match="account 'nobody' not found"):
        plan_account(client, "nobody", Selection())


# -- pure parts -------------------------------------------------------------------------------


def test_matrix_fits_the_job_limit_in_chunks() -> None:
    targets = [Target(f"o/r{i}") for i in range(600)]
    jobs = matrix(targets)["include"]
    assert len(jobs) == 200 and all(len(j["repositories"].split()) == 3 for j in jobs)
    assert [r for j in jobs for r in j["repositories"].split()] == [t.repository for t in targets]
    assert len({j["id"] for j in jobs}) == 200 and jobs[0]["id"] == "001"
    one_each = matrix(targets[:256])["include"]
    assert len(one_each) == 256 and one_each[255] == {"id": "256", "repositories": "o/r255"}
    assert len(matrix(targets[:257])["include"]) == 129
    assert matrix([]) == {"include": []}
    assert len(matrix(targets[:10], max_jobs=3)["include"]) == 3
    with pytest.raises(Exception, match="1 to 256"):
        matrix(targets, max_jobs=257)


def test_holds_templates_by_file_names() -> None:
    assert holds_templates(["README.md", "infra/main.bicep"])
    assert holds_templates(["deploy/azuredeploy.JSON"])
    assert not holds_templates(["README.md", "node_modules/a/package.json", ".git/x.json"])
    assert not holds_templates(["test/fixtures/a.json"], ["test/*"])


def test_holds_templates_matches_excludes_as_acr_fix_does() -> None:
    # gitignore-style, as `acr-fix --exclude`: a bare name matches at any depth, `*` stays in a folder
    assert not holds_templates(["infra/legacy/acr.json"], ["legacy"])
    assert holds_templates(["infra/legacy/acr.json"], ["*.bicep"])
    assert holds_templates(["infra/legacy/acr.json"], ["infra/*.json"])


def test_repository_list_file() -> None:
    text = "# platform repos\ncontoso/a\n\n  contoso/b  # infra\nhttps://github.com/contoso/c.git\ncontoso/a\n"
    assert [t.repository for t in parse_repository_list(text, "repos.txt")] == ["contoso/a", "contoso/b", "contoso/c"]
    with pytest.raises(RepositoryListError, match=r"^repos.txt:2: 'not a repo' is not owner/name$"):
        parse_repository_list("contoso/a\nnot a repo\n", "repos.txt")


def test_select_keeps_order_and_drops_duplicates() -> None:
    listing = [{"full_name": "o/b"}, {"full_name": "o/a"}, {"full_name": "O/B"}, {"full_name": "o/c", "disabled": True}]
    kept, skipped = select(listing, Selection())
    assert [r["full_name"] for r in kept] == ["o/b", "o/a"]
    assert skipped == [Skipped("o/c", "disabled")]


# -- the campaign -----------------------------------------------------------------------------


def by_name(results: list[RepoResult]) -> dict[str, RepoResult]:
    return {r.repository.split("/")[1]: r for r in results}


def open_pulls(org: Org) -> dict[str, int]:
    return {r.name: len(org.api.pulls_of(r.name, "open")) for r in org.repos if org.api.pulls_of(r.name)}


def table_rows(summary: str) -> dict[str, list[str]]:
    rows = {}
    for line in summary.splitlines():
        if line.startswith(f"| {ORG}/"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows[cells[0].split("/")[1].replace("\\", "")] = cells[1:]
    return rows


def test_campaign_opens_one_pull_request_each_and_a_rerun_opens_none(org: Org, tmp_path: Path) -> None:
    clock = Clock()
    with account_client(org, clock) as client:
        plan = plan_account(client, ORG, Selection())
    results = by_name(run_campaign(plan.targets, campaign(org, tmp_path, clock)))

    assert open_pulls(org) == {name: 1 for name in NEED_PR}
    for name in NEED_PR:
        assert (results[name].status, results[name].action) == (DONE, "opened"), results[name]
        pull = org.api.pulls_of(name)[0]
        assert results[name].pull_url == pull["html_url"] and pull["head"]["ref"] == "acr-fix/restrict-registry-network-access"
        assert results[name].fixed == 1
    assert results["mixed"].manual == 1 and results["manual-1"].manual == 1 and results["shared"].manual == 1
    for name in NO_PR:
        assert (results[name].status, results[name].action, results[name].pull_url) == (DONE, "nothing-to-fix", None)
    # The token cannot push to one repository: reported, and every other repository still ran.
    readonly = results[READONLY]
    assert readonly.status == ERROR and "403" in readonly.message and not org.api.pulls_of(READONLY)
    assert readonly.message.endswith(f"the token needs 'contents: write' on {ORG}/{READONLY} (or the repository is archived)")
    assert TOKEN not in json.dumps([r.to_json() for r in results.values()])
    # The fix landed on the bot's branch of the bare repository, made by the real core.
    fixed = git(org.repo("app-03").origin, "show", "acr-fix/restrict-registry-network-access:main.bicep")
    assert "defaultAction: 'Deny'" in fixed
    # Each repository's own settings: app-05's acr-fix.yaml asks for strategy disable, and
    # suppressed's ps-rule.yaml suppresses its registry.
    own = git(org.repo("app-05").origin, "show", "acr-fix/restrict-registry-network-access:infra/registry.json")
    assert '"publicNetworkAccess": "Disabled"' in own and "defaultAction" not in own
    assert "Deny" in git(org.repo("app-01").origin, "show", "acr-fix/restrict-registry-network-access:infra/registry.json")
    # One result file per repository, read back by the summary.
    files = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert files == sorted(f"{ORG}__{n}.json" for n in NEED_PR + NO_PR + [READONLY])
    rows = table_rows(render_summary(load_results([tmp_path / "results"])))
    assert rows["app-01"][0] == f"[#1]({org.api.pulls_of('app-01')[0]['html_url']}) opened"
    assert rows["mixed"][1:4] == ["1", "0", "1"]
    assert rows["locked-1"] == ["nothing to fix", "0", "0", "0", "0"]
    assert rows[READONLY][0] == "failed" and rows[READONLY][4].startswith("1: ") and "403" in rows[READONLY][4]

    # Someone fixes app-01 by hand on main: its pull request is stale now. The rerun (a new
    # campaign: no state file) opens none, closes that one, and leaves the others as they are.
    hand = tmp_path / "hand"
    git(tmp_path, "clone", "-q", str(org.repo("app-01").origin), str(hand))
    (hand / "infra" / "registry.json").write_text(COMPLIANT)
    git(hand, "-c", "user.name=Dev", "-c", "user.email=d@example.com", "commit", "-qam", "close the registry")
    git(hand, "push", "-q", "origin", "main")
    # and someone adds a second open registry to app-02: its pull request is updated.
    hand2 = tmp_path / "hand2"
    git(tmp_path, "clone", "-q", str(org.repo("app-02").origin), str(hand2))
    (hand2 / "infra" / "second.json").write_text(BASIC_OPEN.replace("buildcache", "second"))
    git(hand2, "add", "-A")
    git(hand2, "-c", "user.name=Dev", "-c", "user.email=d@example.com", "commit", "-qm", "another registry")
    git(hand2, "push", "-q", "origin", "main")
    numbers = {name: [p["number"] for p in org.api.pulls_of(name)] for name in NEED_PR}
    again = by_name(run_campaign(plan.targets, campaign(org, tmp_path / "second", clock, state_path=None)))
    assert {name: [p["number"] for p in org.api.pulls_of(name)] for name in NEED_PR} == numbers   # none opened
    assert again["app-01"].action == "closed" and org.api.pulls_of("app-01", "open") == []
    assert len(org.repo("app-01").api.comments[1]) == 1   # the closing comment
    assert (again["app-02"].action, again["app-02"].fixed) == ("updated", 2)
    assert "second" in git(org.repo("app-02").origin, "show", "acr-fix/restrict-registry-network-access:infra/second.json")
    assert {again[n].action for n in NEED_PR if n not in ("app-01", "app-02")} == {"unchanged"}
    assert {again[n].action for n in NO_PR} == {"nothing-to-fix"} and again[READONLY].status == ERROR
    rows = table_rows(render_summary(list(again.values())))
    assert rows["app-01"][0] == f"[#1]({org.api.pulls_of('app-01')[0]['html_url']}) closed as stale"
    assert rows["app-02"][0].endswith(") updated") and rows["app-03"][0].endswith(") up to date")
    assert rows["app-01"][1] == "0"


def test_resume_skips_repositories_already_done(org: Org, tmp_path: Path) -> None:
    clock = Clock()
    targets = [Target(f"{ORG}/{n}", clone_url=org.git_server.url(f"{ORG}/{n}.git"))
               for n in ["app-01", "locked-1", READONLY]]
    state = tmp_path / "state.json"
    run_campaign(targets[:2], campaign(org, tmp_path, clock))
    assert set(load_state(state)) == {f"{ORG}/app-01", f"{ORG}/locked-1"}
    before = len(org.api.requests)
    seen: list[tuple[str, bool]] = []
    results = run_campaign(targets, campaign(org, tmp_path, clock), on_result=lambda r, resumed: seen.append((r.repository, resumed)))
    assert sorted(seen) == [(f"{ORG}/app-01", True), (f"{ORG}/locked-1", True), (f"{ORG}/{READONLY}", False)]
    assert all(f"/{READONLY}" in r.path for r in org.api.requests[before:])   # only the new one asked
    assert [r.status for r in results] == [DONE, DONE, ERROR]
    # The failed one is tried again by the next resume; the state file keeps all three.
    assert load_state(state)[f"{ORG}/{READONLY}"].status == ERROR


def test_unsafe_fixes_are_counted(org: Org, tmp_path: Path) -> None:
    target = Target(f"{ORG}/shared", clone_url=org.git_server.url(f"{ORG}/shared.git"))
    unsafe = campaign(org, tmp_path, Clock())
    unsafe = Campaign(unsafe.request, lambda root: fix_flags.settings(root, {"jobs": 1, "unsafe_fixes": True}, None),
                      state_path=None, results_dir=None, github=unsafe.github)
    [result] = run_campaign([target], unsafe)
    assert (result.action, result.fixed, result.unsafe, result.manual) == ("opened", 1, 1, 0)
    assert table_rows(render_summary([result]))["shared"][1:4] == ["1", "1", "0"]


def test_an_interrupted_campaign_starts_no_more_repositories(org: Org, tmp_path: Path) -> None:
    targets = [Target(f"{ORG}/locked-{i}", clone_url=org.git_server.url(f"{ORG}/locked-{i}.git")) for i in range(1, 5)]

    def interrupt(result: RepoResult, resumed: bool) -> None:
        raise KeyboardInterrupt

    started: list[str] = []
    plain = campaign(org, tmp_path, Clock(), concurrency=1)
    assert plain.github is not None
    make = plain.github

    def counting(repository: str, token: str, url: str, sink: Any) -> GitHub:
        started.append(repository)
        return make(repository, token, url, sink)

    with pytest.raises(KeyboardInterrupt):
        run_campaign(targets, replace(plain, github=counting), on_result=interrupt)
    assert len(load_state(tmp_path / "state.json")) == 1
    assert 1 <= len(started) <= 2   # the first, and the one that may have been under way
    resumed = run_campaign(targets, campaign(org, tmp_path, Clock()))
    assert [r.action for r in resumed] == ["nothing-to-fix"] * 4


def test_empty_repository_from_a_list_is_skipped(org: Org, tmp_path: Path) -> None:
    target = Target(f"{ORG}/empty", clone_url=org.git_server.url(f"{ORG}/empty.git"))
    results: list[RepoResult] = []
    result, again = run_campaign([target, target], campaign(org, tmp_path, Clock()),
                                 on_result=lambda r, resumed: results.append(r))
    assert result is again and len(results) == 1   # listed twice, run once
    assert (result.status, result.message) == (SKIPPED, "empty repository: no commits to fix")
    assert "skipped: empty repository" in render_summary([result])


def test_bad_state_and_result_files_name_the_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{\n  oops\n}\n")
    with pytest.raises(ResultFileError, match=r"state.json:2: not JSON"):
        load_state(state)
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "x.json").write_text('{"repository": "o/r"}\n')
    with pytest.raises(ResultFileError, match=r"x.json: not an acr-fix fleet result"):
        load_results([tmp_path / "r"])
    with pytest.raises(ResultFileError, match=r"nothing: no such file or folder of results"):
        load_results([tmp_path / "nothing"])
    (tmp_path / "r" / "x.json").write_text(json.dumps(RepoResult("o/r", DONE, "opened").to_json()))
    (tmp_path / "r" / "state.json").write_text(json.dumps({"version": 1, "repositories": {}}))
    assert [r.action for r in load_results([tmp_path / "r"])] == ["opened"]   # the state file is not a result


def test_summary_escapes_what_github_would_render() -> None:
    result = RepoResult("o/r", ERROR, errors=("a | b <script>alert(1)</script> [x](http://e) *bold*",))
    text = render_summary([result], skipped=[Skipped("o/s", "archived (read-only)")])
    row = [line for line in text.splitlines() if line.startswith("| o/r")][0]
    assert row.count(" | ") == 5 and "<script>" not in row and "\\[x\\]" in row and "\\*bold\\*" in row
    assert "1 repository, 1 failed. Registries: 0 fixed" in text
    assert "- o/s: archived (read-only)" in text
    odd = RepoResult("o/x", DONE, "opened", pull_number=3, pull_url="javascript:alert(1)")
    assert "| o/x | opened |" in render_summary([odd])   # a link only to an http(s) address


# -- the command line -------------------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    register(app)
    return app


def test_cli_plan_run_and_summary(org: Org, tmp_path: Path, cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", org.api.url)
    output = tmp_path / "github_output"
    step_summary = tmp_path / "step_summary"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    runner = CliRunner()
    planned = runner.invoke(cli, ["fleet", "plan", "--owner", ORG, "--topic", "azure", "--exclude-repo", "app-1*",
                                  "--max-jobs", "4", "--github-output", "--step-summary"])
    assert planned.exit_code == 0, planned.output
    jobs = json.loads(planned.stdout)
    names = [r for j in jobs["include"] for r in j["repositories"].split()]
    assert len(jobs["include"]) == 4 and len(names) == 15 and f"{ORG}/app-10" not in names
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert json.loads(outputs["matrix"]) == jobs and outputs["count"] == "15"
    assert "- contoso/docs-1: no topic of azure" in step_summary.read_text()

    chunk = jobs["include"][0]["repositories"]
    monkeypatch.chdir(tmp_path)
    ran = runner.invoke(cli, ["fleet", "run", "--repository", chunk, "--server-url", org.git_server.url(""),
                              "--results-dir", "out", "--concurrency", "2"])
    assert ran.exit_code == 0, ran.output
    rows = table_rows(ran.stdout)
    assert set(rows) == {n.split("/")[1] for n in chunk.split()}
    assert all(cells[0].endswith(") opened") or cells[0] == "nothing to fix" for cells in rows.values())
    assert (tmp_path / "acr-fix-fleet-state.json").is_file()

    summed = runner.invoke(cli, ["fleet", "summary", "out", "--output", str(step_summary)])
    assert summed.exit_code == 0, summed.output
    assert table_rows(step_summary.read_text()) == rows

    bad = runner.invoke(cli, ["fleet", "plan"])
    assert bad.exit_code == 2 and "exactly one of --owner" in bad.output


def test_cli_run_reports_a_failed_repository_with_exit_code_2(org: Org, tmp_path: Path, cli: typer.Typer,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", org.api.url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "repos.txt").write_text(f"{ORG}/{READONLY}\n{ORG}/app-02\n")
    ran = CliRunner().invoke(cli, ["fleet", "run", "--repos-file", "repos.txt", "--server-url", org.git_server.url(""),
                                   "--summary-file", "summary.md"])
    assert ran.exit_code == 2, ran.output
    rows = table_rows((tmp_path / "summary.md").read_text())
    assert rows[READONLY][0] == "failed" and rows["app-02"][0].endswith(") opened")
    assert TOKEN not in ran.output


def test_a_403_from_the_api_is_reported_and_the_rerun_opens_exactly_one(org: Org, tmp_path: Path) -> None:
    clock = Clock()
    targets = [Target(f"{ORG}/{n}", clone_url=org.git_server.url(f"{ORG}/{n}.git")) for n in ("app-07", "app-08")]
    org.api.inject("POST", f"/repos/{ORG}/app-07/pulls$", 403, body={"message": "Resource not accessible by integration"})
    first = by_name(run_campaign(targets, campaign(org, tmp_path, clock, concurrency=2)))
    assert first["app-07"].status == ERROR and "HTTP 403 Resource not accessible by integration" in first["app-07"].message
    assert "pull-requests: write" in first["app-07"].message   # says which permission to grant
    assert first["app-08"].action == "opened" and not org.api.pulls_of("app-07")
    # The branch was pushed before the refusal; the resumed run opens the pull request, once.
    again = by_name(run_campaign(targets, campaign(org, tmp_path, clock)))
    assert again["app-07"].action == "opened" and again["app-08"] == first["app-08"]
    assert [len(org.api.pulls_of(n)) for n in ("app-07", "app-08")] == [1, 1]


def test_listing_refused_says_which_permission(org: Org) -> None:
    org.api.inject("GET", f"/orgs/{ORG}/repos$", 403, body={"message": "Resource not accessible by personal access token"})
    with account_client(org, Clock()) as client, pytest.raises(GitHubError, match="'metadata: read'"):
        plan_account(client, ORG, Selection())


def test_paginate_reads_listings_wrapped_in_an_object(org: Org) -> None:
    with account_client(org, Clock()) as client:
        names = [r["full_name"] for r in client.installation_repositories()]
    assert len(names) == 25 and len(org.api.calls("GET", "/installation/repositories")) == 5


def test_writes_of_clients_sharing_a_pacer_are_a_second_apart(org: Org) -> None:
    clock = Clock()
    pacer = Pacer(sleep=clock.sleep, clock=clock)
    first, second = (GitHub(f"{ORG}/{name}", TOKEN, org.api.url, sleep=clock.sleep, clock=clock, pacer=pacer)
                     for name in ("app-01", "app-02"))

    def write(client: GitHub) -> None:
        with pytest.raises(NotFound):   # no such pull request: still a PATCH sent
            client.update_pull(99, title="x")

    write(first)
    write(second)            # right after the first: waits its second
    first.default_branch()   # reads are not paced
    clock.sleep(5.0)
    write(first)             # long after: no wait
    assert clock.sleeps == [1.0, 5.0]
    assert len(org.api.calls("PATCH")) == 3


def test_a_list_takes_only_the_name_patterns() -> None:
    listed = parse_repository_list("contoso/app-1\ncontoso/docs\ncontoso/app-2\n", "repos.txt")
    plan = plan_list(listed, Selection(exclude=("docs",), topics=("ignored-for-lists",)))
    assert [t.repository for t in plan.targets] == ["contoso/app-1", "contoso/app-2"]
    assert plan.skipped == (Skipped("contoso/docs", "name matched by --exclude"),)


def test_acr_fix_pr_writes_the_result_the_summary_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import NAME, FakeGitHub, make_repo
    from .test_pr import invoke

    repo = make_repo(tmp_path / "one", {"infra/registry.json": BASIC_OPEN})
    api = FakeGitHub(repo.origin)
    api.thread.start()
    try:
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": f"{ORG}/{NAME}", "GITHUB_API_URL": api.url}
        args = ["--author", "acr-fix bot <bot@example.com>", "--result-file", str(tmp_path / "out" / "infra.json")]
        opened = invoke(repo, args, env, monkeypatch)
        assert opened.exit_code == 0, opened.output
        [result] = load_results([tmp_path / "out"])
        assert (result.repository, result.status, result.action, result.fixed, result.pull_number) == \
            (f"{ORG}/{NAME}", DONE, "opened", 1, 1)
        api.inject("GET", r"/pulls$", 401, body={"message": "Bad credentials"})
        failed = invoke(repo, args, env, monkeypatch)
        assert failed.exit_code == 2
        [result] = load_results([tmp_path / "out"])
        assert result.status == ERROR and "HTTP 401" in result.errors[0]
    finally:
        api.server.shutdown()
        api.server.server_close()


def test_cli_max_wait_bounds_a_rate_limit_wait(org: Org, cli: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", org.api.url)
    org.api.inject("GET", f"/orgs/{ORG}/repos$", 429, {"Retry-After": "20"})
    planned = CliRunner().invoke(cli, ["fleet", "plan", "--owner", ORG, "--max-wait", "5"])
    assert planned.exit_code == 2 and "resets in 20 s, longer than the 5 s acr-fix waits" in planned.stderr


def test_cli_dry_run_pushes_nothing_and_says_what_it_would_do(org: Org, tmp_path: Path, cli: typer.Typer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    ran = CliRunner().invoke(cli, ["fleet", "run", "--repository", f"{ORG}/app-04,{ORG}/locked-2", "--dry-run",
                                   "--server-url", org.git_server.url("")])
    assert ran.exit_code == 1, ran.output   # as acr-fix --dry-run: changes to propose
    rows = table_rows(ran.stdout)
    assert rows["app-04"] == ["would open or update", "1", "0", "0", "0"]
    assert rows["locked-2"][0] == "nothing to fix"
    assert "1 would get a pull request, 1 nothing to fix" in ran.stdout
    assert org.api.requests == [] and git(org.repo("app-04").origin, "branch", "--list") == "* main"
    assert not (tmp_path / "acr-fix-fleet-state.json").exists()   # a real run afterwards starts afresh
