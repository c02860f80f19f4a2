"""``acr-fix fleet plan | run | summary``: one campaign over many repositories.

Parse flags, call ``fleet`` / ``campaign`` / ``summary``, print, choose the exit code. No logic.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, List, Optional

import typer

from .. import fix_flags
from ..errors import FixerError
from .campaign import ERROR, Campaign, RepoResult, load_results, run_campaign
from .fleet import (MAX_MATRIX_JOBS, FleetPlan, Selection, Skipped, matrix, parse_repository_list, plan_account,
                    plan_list, read_repository_list)
from .git import Author
from .github import DEFAULT_API_URL, GitHub, Pacer
from .pr import DEFAULT_BRANCH, PrRequest, settings_from_env
from .summary import render_plan_summary, render_summary

# The identity GitHub shows for commits made with the Actions token; a GitHub App's commits
# are better made as the App's bot user (pass --author).
DEFAULT_AUTHOR = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"

FLEET_HELP = "Fix a whole organisation: list its repositories (plan), run acr-fix pr on each (run), report (summary)."
PLAN_HELP = """Prints the GitHub Actions matrix (JSON, one line) on stdout; skipped repositories and
notes go to stderr. Exit codes: 0 listed; 2 usage error or the account could not be listed."""
RUN_HELP = """Exit codes: 0 every repository done or skipped; 1 --dry-run with pull requests to propose;
2 usage error, or some repositories failed (the others still ran; their results are in
--results-dir and the state file)."""
SUMMARY_HELP = "Exit codes: 0 summary written; 2 a result file could not be read."


def register(app: typer.Typer) -> None:
    """Add the ``fleet`` command group to ``app``."""
    fleet = typer.Typer(add_completion=False, help=FLEET_HELP, no_args_is_help=True)
    app.add_typer(fleet, name="fleet")

    @fleet.command("plan", epilog=PLAN_HELP)
    def plan(
        owner: Optional[str] = typer.Option(None, "--owner", help="Organisation or user whose repositories to list."),
        installation: bool = typer.Option(False, "--installation", help="List the repositories the GitHub App installation token was granted."),
        repos_file: Optional[Path] = typer.Option(None, "--repos-file", help="File of repositories, owner/name one a line (# comments)."),
        include_repo: List[str] = typer.Option([], "--include-repo", help="Glob of repository names to take (repeatable; default all)."),
        exclude_repo: List[str] = typer.Option([], "--exclude-repo", help="Glob of repository names to leave out (repeatable)."),
        topic: List[str] = typer.Option([], "--topic", help="Take only repositories with one of these topics (repeatable)."),
        archived: bool = typer.Option(False, "--archived", help="Also list archived repositories (they are read-only)."),
        forks: bool = typer.Option(False, "--forks", help="Also list forks."),
        detect: str = typer.Option("tree", "--detect", help="How to tell a repository holds templates: tree (git trees API) | search (code search) | none."),
        exclude: List[str] = fix_flags.exclude("Glob of paths that do not count as templates (repeatable; --detect tree)."),
        max_jobs: int = typer.Option(MAX_MATRIX_JOBS, "--max-jobs", help=f"Most matrix entries (1-{MAX_MATRIX_JOBS}); more repositories share entries."),
        output_format: str = typer.Option("matrix", "--format", help="matrix (GitHub Actions JSON) | list (owner/name lines) | json (targets and skipped)."),
        github_output: bool = typer.Option(False, "--github-output", help="Also write matrix= and count= to $GITHUB_OUTPUT."),
        step_summary: bool = typer.Option(False, "--step-summary", help="Also append the repositories left out, and why, to $GITHUB_STEP_SUMMARY."),
        token_env: str = typer.Option("GITHUB_TOKEN", "--token-env", help="Environment variable that holds the GitHub token."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log GitHub API calls to stderr (the token is never shown)."),
        max_wait: float = typer.Option(300.0, "--max-wait", help="Longest wait for a rate limit to reset, in seconds (longer: that repository fails; resume later)."),
    ) -> None:
        """List the campaign's repositories and print the GitHub Actions matrix."""
        if output_format not in ("matrix", "list", "json"):
            _fail(f"--format must be matrix, list or json, not {output_format!r}")
        selection = Selection(tuple(include_repo), tuple(exclude_repo), tuple(topic), archived, forks, detect,
                              tuple(exclude))
        found = _plan(owner, installation, repos_file, selection, token_env, verbose, max_wait)
        for skipped in found.skipped:
            typer.echo(f"acr-fix: skipped {skipped.repository}: {skipped.reason}", err=True)
        for note in found.notes:
            typer.echo(f"acr-fix: note: {note}", err=True)
        try:
            jobs = matrix(found.targets, max_jobs)
        except FixerError as exc:
            _fail(str(exc))
        if output_format == "matrix":
            sys.stdout.write(json.dumps(jobs, separators=(",", ":")) + "\n")
        elif output_format == "list":
            sys.stdout.write("".join(f"{t.repository}\n" for t in found.targets))
        else:
            sys.stdout.write(json.dumps({"targets": [t.repository for t in found.targets],
                                         "skipped": [{"repository": s.repository, "reason": s.reason} for s in found.skipped],
                                         "notes": list(found.notes), "matrix": jobs}, indent=2) + "\n")
        if github_output:
            _github_output({"matrix": json.dumps(jobs, separators=(",", ":")), "count": str(len(found.targets))})
        if step_summary:
            _append_env_file("GITHUB_STEP_SUMMARY", render_plan_summary(found, len(jobs["include"])))
        typer.echo(f"acr-fix: {len(found.targets)} repositor{'y' if len(found.targets) == 1 else 'ies'} in "
                   f"{len(jobs['include'])} job(s), {len(found.skipped)} skipped", err=True)

    @fleet.command("run", epilog=RUN_HELP)
    def run(
        repository: List[str] = typer.Option([], "--repository", help="owner/name to fix (repeatable; spaces or commas separate several)."),
        owner: Optional[str] = typer.Option(None, "--owner", help="Organisation or user whose repositories to fix (listed as fleet plan does)."),
        installation: bool = typer.Option(False, "--installation", help="Fix the repositories the GitHub App installation token was granted."),
        repos_file: Optional[Path] = typer.Option(None, "--repos-file", help="File of repositories, owner/name one a line."),
        include_repo: List[str] = typer.Option([], "--include-repo", help="Glob of repository names to take (repeatable)."),
        exclude_repo: List[str] = typer.Option([], "--exclude-repo", help="Glob of repository names to leave out (repeatable)."),
        topic: List[str] = typer.Option([], "--topic", help="Take only repositories with one of these topics (repeatable)."),
        archived: bool = typer.Option(False, "--archived", help="Also take archived repositories."),
        forks: bool = typer.Option(False, "--forks", help="Also take forks."),
        detect: str = typer.Option("tree", "--detect", help="tree | search | none (see fleet plan)."),
        concurrency: int = typer.Option(4, "--concurrency", "-j", help="Repositories worked on at once."),
        state: Optional[Path] = typer.Option(Path("acr-fix-fleet-state.json"), "--state", help="State file: a run with the same file resumes, skipping repositories already done."),
        results_dir: Optional[Path] = typer.Option(Path("acr-fix-results"), "--results-dir", help="Folder for each repository's JSON result."),
        summary_file: Optional[Path] = typer.Option(None, "--summary-file", help="Also write the Markdown summary to this file."),
        server_url: Optional[str] = typer.Option(None, "--server-url", help="Git server for clone URLs (default: $GITHUB_SERVER_URL or https://github.com)."),
        branch: str = typer.Option(DEFAULT_BRANCH, "--branch", help="Branch the bot pushes its fix to."),
        author: str = typer.Option(DEFAULT_AUTHOR, "--author", help="Commit author and committer, \"Name <email>\"."),
        label: List[str] = typer.Option([], "--label", help="Label for the pull requests (repeatable)."),
        reviewer: List[str] = typer.Option([], "--reviewer", help="Reviewer login or org/team (repeatable)."),
        draft: bool = typer.Option(False, "--draft", help="Open the pull requests as drafts."),
        keep_branch: bool = typer.Option(False, "--keep-branch", help="When nothing is left to fix, close the stale pull request but keep its branch."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Clone and compute the fixes, push nothing, open nothing: the summary says what a run would do."),
        token_env: str = typer.Option("GITHUB_TOKEN", "--token-env", help="Environment variable that holds the GitHub token."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log GitHub API calls to stderr (the token is never shown)."),
        max_wait: float = typer.Option(300.0, "--max-wait", help="Longest wait for a rate limit to reset, in seconds (longer: that repository fails; resume later)."),
        strategy: Optional[str] = fix_flags.strategy("auto | deny | disable."),
        ip_rule: List[str] = fix_flags.ip_rule("CIDR to allow through the firewall (repeatable)."),
        no_trusted_services: bool = fix_flags.no_trusted_services(),
        no_sku_upgrade: bool = fix_flags.no_sku_upgrade("Never upgrade the SKU to Premium; report it instead."),
        premium_only: bool = fix_flags.premium_only("Check only Premium registries, as PSRule does."),
        exclude: List[str] = fix_flags.exclude(),
        max_file_size: Optional[int] = fix_flags.max_file_size("Skip files larger than this many MB."),
        unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also change a parameter or variable that other resources share (counted as unsafe in the summary)."),
    ) -> None:
        """Run acr-fix pr on each repository of the campaign (a shallow clone each) and summarise."""
        env = settings_from_env(token_env=token_env)
        named = [part for value in repository for part in value.replace(",", " ").split()]
        sources = sum([bool(named), owner is not None, installation, repos_file is not None])
        if sources != 1:
            _fail("give exactly one of --repository, --owner, --installation or --repos-file")
        if not env["token"]:
            _fail(f"no GitHub token: set {token_env} or pass --token-env NAME")
        skipped: tuple[Skipped, ...] = ()
        if named:
            try:
                targets = parse_repository_list("\n".join(named), "--repository")
            except FixerError as exc:
                _fail(str(exc))
        else:
            selection = Selection(tuple(include_repo), tuple(exclude_repo), tuple(topic), archived, forks, detect,
                                  tuple(exclude))
            found = _plan(owner, installation, repos_file, selection, token_env, verbose, max_wait)
            for left_out in found.skipped:
                typer.echo(f"acr-fix: skipped {left_out.repository}: {left_out.reason}", err=True)
            targets = list(found.targets)
            skipped = found.skipped
        # Parallel across repositories, so each repository's run stays in one process: the
        # core's worker processes fork, which a threaded program must not do.
        cli_values = fix_flags.values(strategy=strategy, ip_rule=ip_rule, no_trusted_services=no_trusted_services,
                                      no_sku_upgrade=no_sku_upgrade, premium_only=premium_only, exclude=exclude,
                                      max_file_size=max_file_size, jobs=1, unsafe_fixes=unsafe_fixes)
        try:
            request = PrRequest(branch=branch, author=Author.parse(author), labels=tuple(label),
                                reviewers=tuple(reviewer), draft=draft, keep_branch=keep_branch, dry_run=dry_run,
                                token=env["token"], api_url=env["api_url"] or DEFAULT_API_URL)
            campaign = Campaign(request, lambda root: fix_flags.settings(root, dict(cli_values), None),
                                server_url=server_url or os.environ.get("GITHUB_SERVER_URL") or "https://github.com",
                                concurrency=concurrency, state_path=state, results_dir=results_dir,
                                github=_client_factory(verbose, max_wait))
            results = run_campaign(targets, campaign, on_result=_progress)
        except FixerError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            typer.echo(f"acr-fix: interrupted; run again with --state {state} to resume", err=True)
            raise typer.Exit(130)
        text = render_summary(results, skipped=skipped)
        sys.stdout.write(text)
        if summary_file is not None:
            _write_text(summary_file, text)
        if any(r.status == ERROR for r in results):
            raise typer.Exit(2)
        raise typer.Exit(1 if any(r.action == "dry-run" for r in results) else 0)

    @fleet.command("summary", epilog=SUMMARY_HELP)
    def summary(
        results: List[Path] = typer.Argument(..., help="Result files or folders of them (the workflow's artifacts)."),
        output: Optional[Path] = typer.Option(None, "--output", help="Append the summary to this file (e.g. $GITHUB_STEP_SUMMARY) instead of stdout."),
        title: str = typer.Option("acr-fix campaign", "--title", help="Heading of the summary."),
    ) -> None:
        """Render the campaign table from each repository's JSON result."""
        try:
            text = render_summary(load_results(results), title)
        except FixerError as exc:
            _fail(str(exc))
        if output is None:
            sys.stdout.write(text)
            return
        try:
            with output.open("a", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as exc:
            _fail(f"{output}: cannot write the summary ({exc.strerror or exc})")


def _plan(owner: str | None, installation: bool, repos_file: Path | None, selection: Selection, token_env: str,
          verbose: bool, max_wait: float) -> FleetPlan:
    if sum([owner is not None, installation, repos_file is not None]) != 1:
        _fail("give exactly one of --owner, --installation or --repos-file")
    try:
        if repos_file is not None:
            return plan_list(read_repository_list(repos_file), selection)
        env = settings_from_env(token_env=token_env)
        if not env["token"]:
            _fail(f"no GitHub token: set {token_env} or pass --token-env NAME")
        with GitHub.for_account(str(env["token"]), env["api_url"] or DEFAULT_API_URL, log=_log_sink(verbose),
                                max_wait=max_wait) as client:
            return plan_account(client, owner, selection)
    except FixerError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")  # pragma: no cover - _fail raises


def _progress(result: RepoResult, resumed: bool) -> None:
    what = "already " + result.status if resumed else result.status
    first = result.message.splitlines()[0] if result.message else result.action
    typer.echo(f"acr-fix: {result.repository}: {what}: {first}", err=True)


def _log_sink(verbose: bool) -> Callable[[str], None] | None:
    return (lambda line: typer.echo(f"acr-fix: {line}", err=True)) if verbose else None


def _client_factory(verbose: bool, max_wait: float) -> Callable[[str, str, str, Callable[[str], None]], GitHub]:
    sink = _log_sink(verbose)
    pacer = Pacer()   # one for every repository at once: GitHub counts the token's writes together

    def make(repository: str, token: str, api_url: str, log: Callable[[str], None]) -> GitHub:
        def both(line: str) -> None:
            log(line)
            if sink is not None:
                sink(f"{repository}: {line}")
        return GitHub(repository, token, api_url, log=both, pacer=pacer, max_wait=max_wait)

    return make


def _github_output(values: dict[str, Any]) -> None:
    # one-line values (the matrix is compact JSON), so the simple name=value form is enough
    _append_env_file("GITHUB_OUTPUT", "".join(f"{key}={value}\n" for key, value in values.items()))


def _append_env_file(name: str, text: str) -> None:
    """Append to the file a GitHub Actions variable names ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY)."""
    path = os.environ.get(name)
    if not path:
        _fail(f"{name} is not set (it is, inside a GitHub Actions step)")
    try:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        _fail(f"{path}: cannot write {name} ({exc.strerror or exc})")


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{path}: cannot write the summary ({exc.strerror or exc})")


def _fail(message: str) -> None:
    typer.echo(f"acr-fix: error: {message}", err=True)
    raise typer.Exit(2)


__all__ = ["register", "DEFAULT_AUTHOR"]
