"""The ``acr-fix pr`` command. ``fixer/cli.py`` calls ``register(app)``; the flags that choose the
fixes are declared once, in ``fixer/fix_flags.py``, for both commands.

Parse flags, call ``open_or_update_pr``, print, choose the exit code. No logic.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, List, Optional

import typer

from .. import fix_flags
from ..errors import FixerError
from ..escape import for_report, for_terminal
from ..options import Options
from ..suppressions import Suppressions
from .git import Author, Redactor
from .pr import DEFAULT_BRANCH, PrRequest, format_preview, format_summary, open_or_update_pr, settings_from_env

# (root of the checkout being fixed, CLI values as merge_options takes them, --config path
# mapped into that checkout) -> (options, PSRule suppressions). The default is the check
# command's own (fixer.fix_flags.settings), so the bot computes exactly what --write would.
SettingsBuilder = Callable[[Path, dict[str, Any], Path | None], tuple[Options, Suppressions | None]]

PR_HELP = """Exit codes: 0 pull request opened, updated or already up to date, or nothing to fix
(an open acr-fix pull request is then closed as stale); 1 --dry-run with changes to propose;
2 usage or configuration error, git/GitHub failure, or some files could not be processed (the
pull request still holds the others; a stale one is left open)."""


def register(app: typer.Typer, settings: SettingsBuilder = fix_flags.settings) -> None:
    """Add the ``pr`` command to ``app``. ``settings`` builds options and suppressions for a
    checkout (by default as the check command does, so both compute the same fixes)."""

    @app.command("pr", epilog=PR_HELP)
    def pr(
        paths: List[Path] = typer.Argument(None, help="Files or directories to fix (default: current directory)."),
        branch: str = typer.Option(DEFAULT_BRANCH, "--branch", help="Branch the bot pushes its fix to."),
        base: Optional[str] = typer.Option(None, "--base", help="Branch to fix and target (default: the remote's default branch)."),
        remote: str = typer.Option("origin", "--remote", help="Git remote to fetch from and push to."),
        author: Optional[str] = typer.Option(None, "--author", help="Commit author and committer, \"Name <email>\" (default: git config)."),
        label: List[str] = typer.Option([], "--label", help="Label for the pull request (repeatable)."),
        reviewer: List[str] = typer.Option([], "--reviewer", help="Reviewer login or org/team (repeatable; on a new pull request)."),
        draft: bool = typer.Option(False, "--draft", help="Open the pull request as a draft."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print branch, commit message and pull request; change nothing."),
        allow_dirty: bool = typer.Option(False, "--allow-dirty", help="Run even with uncommitted changes (they are not part of the fix)."),
        split: str = typer.Option("none", "--split", help="One pull request per part: none | folder (top-level folder) | codeowners (CODEOWNERS owner); each on the branch --branch plus '-' and the part."),
        keep_branch: bool = typer.Option(False, "--keep-branch", help="When nothing is left to fix, close the bot's pull request but keep its branch (default: delete it)."),
        token_env: str = typer.Option("GITHUB_TOKEN", "--token-env", help="Environment variable that holds the GitHub token."),
        summary: Optional[Path] = typer.Option(None, "--summary", help="Also write what was done as Markdown to this file (the Action: the job summary)."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log GitHub API calls to stderr (the token is never shown)."),
        config: Optional[Path] = fix_flags.config("Configuration file (default: acr-fix.yaml at the repository root)."),
        strategy: Optional[fix_flags.Strategy] = fix_flags.strategy(),
        ip_rule: List[str] = fix_flags.ip_rule("CIDR to allow through the firewall (repeatable)."),
        no_trusted_services: bool = fix_flags.no_trusted_services(),
        no_sku_upgrade: bool = fix_flags.no_sku_upgrade("Never upgrade the SKU to Premium; report it instead."),
        premium_only: bool = fix_flags.premium_only("Check only Premium registries, as PSRule does."),
        exclude: List[str] = fix_flags.exclude(),
        extend_exclude: List[str] = fix_flags.extend_exclude(),
        max_file_size: Optional[int] = fix_flags.max_file_size("Skip files larger than this many MB."),
        unsafe_fixes: bool = fix_flags.unsafe_fixes("Also apply unsafe fixes (those that cut off a known consumer); "
                                                    "the pull request lists each one under 'Before you merge'."),
        result_file: Optional[Path] = typer.Option(None, "--result-file", help="Also write the outcome as JSON (the result acr-fix fleet summary reads)."),
    ) -> None:
        """Fix the templates on a branch and open (or update) a pull request on GitHub."""
        env = settings_from_env(token_env=token_env)
        cli_values = fix_flags.values(strategy=strategy, ip_rule=ip_rule, no_trusted_services=no_trusted_services,
                                      no_sku_upgrade=no_sku_upgrade, premium_only=premium_only, exclude=exclude,
                                      max_file_size=max_file_size, extend_exclude=extend_exclude,
                                      unsafe_fixes=unsafe_fixes)
        cwd = Path.cwd()
        redact = Redactor([env["token"] or ""])

        def say(line: str, err: bool = True) -> None:
            # the last gate before text leaves the process: the token in any form, and control
            # characters from template or file names, never get out
            typer.echo(for_terminal(redact(line), keep="" if err else "\n"), err=err)

        log_sink = (lambda line: say(f"acr-fix: {line}")) if verbose else None
        try:
            request = PrRequest(
                paths=tuple(paths or ()), branch=branch, base=base, remote=remote,
                author=Author.parse(author) if author else None, labels=tuple(label), reviewers=tuple(reviewer),
                draft=draft, dry_run=dry_run, allow_dirty=allow_dirty, keep_branch=keep_branch, split=split,
                token=env["token"],
                repository=env["repository"], api_url=env["api_url"] or "https://api.github.com")
            config_path = config if config is None or config.is_absolute() else cwd / config

            def build(root: Path) -> tuple[Options, Suppressions | None]:
                return settings(root, dict(cli_values), _in_checkout(config_path, cwd, root))

            result = open_or_update_pr(request, build, cwd=cwd, github=_client_factory(log_sink))
        except FixerError as exc:
            say(f"acr-fix: error: {exc}")
            if result_file is not None:
                _write_result(result_file, env["repository"], remote, cwd, None, exc)
            raise typer.Exit(2)
        if result_file is not None:
            _write_result(result_file, env["repository"], remote, cwd, result, None)
        if dry_run and result.action == "dry-run":
            sys.stdout.write(for_report(redact(format_preview(result))))
        say(result.message, err=False)
        if summary is not None:
            try:
                summary.write_text(for_report(redact(format_summary(result))), encoding="utf-8")
            except OSError as exc:
                say(f"acr-fix: error: {summary}: cannot write the summary ({exc.strerror or exc})")
                raise typer.Exit(2)
        for warning in result.warnings:
            say(f"acr-fix: warning: {warning}")
        for error in result.errors:
            say(f"acr-fix: {error}")
        raise typer.Exit(result.exit_code())


def _write_result(path: Path, repository: str | None, remote: str, cwd: Path, result: Any,
                  error: FixerError | None) -> None:
    """The fleet's per-repository JSON (``fixer.bot.campaign.RepoResult``) for this run."""
    from .campaign import repository_result, write_result
    from .github import repository_from_remote

    if not repository:
        try:
            from .git import Git
            repository = repository_from_remote(Git(cwd).remote_url(remote, push=False))
        except FixerError:
            repository = None
    try:
        write_result(path, repository_result(repository or str(cwd.name), result, error))
    except (OSError, FixerError) as exc:
        typer.echo(f"acr-fix: error: {path}: cannot write the result ({exc})", err=True)
        raise typer.Exit(2)


def _client_factory(log_sink: Callable[[str], None] | None):
    from .github import GitHub

    def make(repository: str, token: str, api_url: str, sink: Callable[[str], None]) -> GitHub:
        def both(line: str) -> None:
            sink(line)
            if log_sink is not None:
                log_sink(line)
        return GitHub(repository, token, api_url, log=both)

    return make


def _in_checkout(config: Path | None, cwd: Path, root: Path) -> Path | None:
    """``--config`` inside the repository is read from the checkout being fixed."""
    if config is None:
        return None
    try:
        from .git import Git
        top = Git(cwd).toplevel().resolve()
        return root / config.resolve().relative_to(top)
    except (FixerError, ValueError):
        return config


__all__ = ["register", "SettingsBuilder"]
