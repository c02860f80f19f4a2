"""The acr-fix command line: parse flags, call the library, print, choose the exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .options import STRATEGIES, Options
from .report import render_json, render_text
from .run import RunResult, run, write_fixes

app = typer.Typer(add_completion=False, help="Find and fix Azure Container Registries open to the internet "
                  "(PSRule Azure.ACR.Firewall) in ARM JSON and Bicep templates.")

EXIT_HELP = """Exit codes: 0 nothing left to do; 1 changes proposed (dry run) or findings that need
manual action; 2 usage error or unreadable/unparsable input (other files still processed)."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"acr-fix {__version__}")
        raise typer.Exit(0)


def _fail_usage(message: str) -> None:
    typer.echo(f"acr-fix: error: {message}", err=True)
    raise typer.Exit(2)


@app.command(epilog=EXIT_HELP)
def check(
    paths: List[Path] = typer.Argument(None, help="Files or directories (recursive). Default: current directory."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Preview: summary per registry and a unified diff; writes nothing."),
    write: bool = typer.Option(False, "--write", help="Apply the fixes to the files."),
    strategy: str = typer.Option("auto", "--strategy", help="auto | deny | disable."),
    ip_rule: List[str] = typer.Option([], "--ip-rule", help="CIDR to allow through the firewall (repeatable)."),
    no_trusted_services: bool = typer.Option(False, "--no-trusted-services", help="Do not add networkRuleBypassOptions: AzureServices."),
    no_sku_upgrade: bool = typer.Option(False, "--no-sku-upgrade", help="Never upgrade the SKU to Premium; report a manual finding instead."),
    premium_only: bool = typer.Option(False, "--premium-only", help="Check only Premium registries, exactly as PSRule does."),
    exclude: List[str] = typer.Option([], "--exclude", help="Glob of paths to skip (repeatable)."),
    output_format: str = typer.Option("text", "--format", help="text | json."),
    output: Optional[Path] = typer.Option(None, "--output", help="Write the report to this file instead of stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only findings and errors; no summary, no progress."),
    no_color: bool = typer.Option(False, "--no-color", help="No colour (colour is only used on a terminal anyway)."),
    max_file_size: int = typer.Option(50, "--max-file-size", help="Skip files larger than this many MB."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Preview (--dry-run) or apply (--write) fixes for open container registries."""
    if dry_run == write:
        _fail_usage("give exactly one of --dry-run or --write")
    if strategy not in STRATEGIES:
        _fail_usage(f"--strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    if output_format not in ("text", "json"):
        _fail_usage(f"--format must be text or json, not {output_format!r}")
    rules = []
    import ipaddress
    for rule in ip_rule:
        try:
            network = ipaddress.ip_network(rule, strict=False)
        except ValueError:
            _fail_usage(f"--ip-rule {rule!r} is not an IPv4 address or CIDR range")
        if network.version != 4:
            _fail_usage(f"--ip-rule {rule!r}: Azure Container Registry only accepts IPv4 rules")
        rules.append(rule)
    options = Options(strategy=strategy, ip_rules=tuple(rules), trusted_services=not no_trusted_services,
                      sku_upgrade=not no_sku_upgrade, premium_only=premium_only, excludes=tuple(exclude),
                      max_file_size=max_file_size * 1024 * 1024)
    result = run(list(paths or [Path(".")]), options)
    if write:
        write_fixes(result)
    _emit(result, output_format, output, quiet, no_color, "write" if write else "dry-run")
    for error in _errors(result):
        typer.echo(f"acr-fix: {error}", err=True)
    raise typer.Exit(result.exit_code())


def _errors(result: RunResult) -> list[str]:
    return list(result.errors) + [f.error for f in result.files if f.error and f.status in ("failed", "skipped")]


def _emit(result: RunResult, output_format: str, output: Optional[Path], quiet: bool, no_color: bool, mode: str) -> None:
    if output_format == "json":
        text = render_json(result, mode)
    else:
        color = output is None and not no_color and sys.stdout.isatty()
        text = render_text(result, color=color, quiet=quiet)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def main() -> None:
    app(prog_name="acr-fix")


if __name__ == "__main__":
    main()
