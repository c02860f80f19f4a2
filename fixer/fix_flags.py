"""The flags that choose the fixes, declared once for ``acr-fix`` (--dry-run/--write) and
``acr-fix pr``, and the settings both build from them.

Each function returns the typer declaration of one flag (its name, default and help text),
used as the default of a command parameter: ``strategy: Optional[str] = fix_flags.strategy()``.
A command that words a flag for its own context passes ``help``; the name and default stay
the same everywhere, so the bot computes exactly the fixes ``--write`` would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import typer

from .config import flag_values
from .options import Options
from .settings import Settings


Strategy = Literal["auto", "deny", "disable"]  # as the commands annotate --strategy: typer shows the choices


def strategy(help: str = "deny: firewall denies by default; disable: public access off; auto (default): "
                         "disable when the template gives the registry a private endpoint, else deny.") -> Any:
    return typer.Option(None, "--strategy", help=help)


def ip_rule(help: str = "IPv4 address or CIDR to allow through the firewall (repeatable).") -> Any:
    return typer.Option([], "--ip-rule", help=help)


def no_trusted_services(help: str = "Do not add networkRuleBypassOptions: AzureServices.") -> Any:
    return typer.Option(False, "--no-trusted-services", help=help)


def no_sku_upgrade(help: str = "Never upgrade the SKU to Premium; report a manual finding instead.") -> Any:
    return typer.Option(False, "--no-sku-upgrade", help=help)


def premium_only(help: str = "Check only Premium registries, exactly as PSRule does.") -> Any:
    return typer.Option(False, "--premium-only", help=help)


def unsafe_fixes(help: str = "Also apply unsafe fixes: those that cut off a known consumer of the registry, "
                              "or change a parameter or variable that other resources share.") -> Any:
    return typer.Option(False, "--unsafe-fixes", help=help)


def exclude(help: str = "Glob of paths to skip (repeatable); replaces the config's exclude list.") -> Any:
    return typer.Option([], "--exclude", help=help)


def extend_exclude(help: str = "Glob of paths to skip, added to the config's exclude list (repeatable).") -> Any:
    return typer.Option([], "--extend-exclude", help=help)


def no_gitignore(help: str = "Read files that .gitignore or .git/info/exclude ignore.") -> Any:
    return typer.Option(False, "--no-gitignore", help=help)


def force_exclude(help: str = "Apply the exclude lists to files named on the command line too "
                               "(the pre-commit hooks pass it).") -> Any:
    return typer.Option(False, "--force-exclude", help=help)


def config(help: str = "Configuration file for every file (default: the acr-fix.yaml nearest each file, "
                       "up to the repository root).") -> Any:
    return typer.Option(None, "--config", help=help)


def max_file_size(help: str = "Skip files larger than this many MB (default 50).") -> Any:
    return typer.Option(None, "--max-file-size", help=help)


def values(*, strategy: str | None, ip_rule: list[str], no_trusted_services: bool, no_sku_upgrade: bool,
           premium_only: bool, exclude: list[str], max_file_size: int | None, jobs: int | None = None,
           unsafe_fixes: bool = False, extend_exclude: list[str] | None = None) -> dict[str, Any]:
    """The flags above, as the commands' parameters are named, in the form ``merge_options``
    takes (``jobs``, ``unsafe_fixes`` and ``extend_exclude``: flags only the check command has)."""
    # (checked here, not with typer's `min=`: that brings pydantic into every start-up, cli_values.py)
    if max_file_size is not None and max_file_size < 1:
        raise typer.BadParameter(f"{max_file_size} is not a size: give 1 MB or more", param_hint="'--max-file-size'")
    if jobs is not None and jobs < 0:
        raise typer.BadParameter(f"{jobs} is not a number of processes: give 1 or more, or 0 to choose by repository size",
                                 param_hint="'--jobs'")
    return flag_values(strategy=strategy, ip_rules=ip_rule, no_trusted_services=no_trusted_services,
                       no_sku_upgrade=no_sku_upgrade, premium_only=premium_only, excludes=exclude,
                       max_file_size_mb=max_file_size, jobs=jobs, unsafe_fixes=unsafe_fixes,
                       extend_excludes=extend_exclude)


def settings(root: Path, cli_values: dict[str, Any], config: Path | None) -> tuple[Options, Settings]:
    """The run's options (defaults < the acr-fix.yaml nearest ``root``, or ``config`` < flags) and
    the settings found per file (``run`` takes them as ``suppressions``) for the checkout at
    ``root``, as the check command finds them, .gitignore honoured. Raises ConfigError."""
    found = found_settings(root, cli_values, config)
    return found.options_in(str(root)), found


def found_settings(cwd: Path, cli_values: dict[str, Any], config: Path | None, gitignore: bool = True,
                   force_exclude: bool = False) -> Settings:
    """Settings found per file (the nearest acr-fix.yaml, ps-rule.yaml and .ps-rule/, up to the
    repository root; ``config`` wins), with .gitignore honoured unless ``gitignore`` is False.
    Raises ConfigError for a bad ``config``."""
    return Settings(cwd, cli_values, config, gitignore=gitignore, force_exclude=force_exclude)
