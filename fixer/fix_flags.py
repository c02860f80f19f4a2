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

from .config import flag_values, load_config, merge_options
from .options import Options
from .suppressions import Suppressions, load_suppressions


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


def exclude(help: str = "Glob of paths to skip (repeatable).") -> Any:
    return typer.Option([], "--exclude", help=help)


def config(help: str = "Configuration file (default: acr-fix.yaml in the current directory).") -> Any:
    return typer.Option(None, "--config", help=help)


def max_file_size(help: str = "Skip files larger than this many MB (default 50).") -> Any:
    return typer.Option(None, "--max-file-size", help=help)


def values(*, strategy: str | None, ip_rule: list[str], no_trusted_services: bool, no_sku_upgrade: bool,
           premium_only: bool, exclude: list[str], max_file_size: int | None, jobs: int | None = None,
           unsafe_fixes: bool = False) -> dict[str, Any]:
    """The flags above, as the commands' parameters are named, in the form ``merge_options``
    takes (``jobs`` and ``unsafe_fixes``: flags only the check command has)."""
    return flag_values(strategy=strategy, ip_rules=ip_rule, no_trusted_services=no_trusted_services,
                       no_sku_upgrade=no_sku_upgrade, premium_only=premium_only, excludes=exclude,
                       max_file_size_mb=max_file_size, jobs=jobs, unsafe_fixes=unsafe_fixes)


def settings(root: Path, cli_values: dict[str, Any], config: Path | None) -> tuple[Options, Suppressions]:
    """Options (defaults < acr-fix.yaml or ``config`` < flags) and PSRule suppressions for the
    checkout at ``root``. Raises ConfigError."""
    return merge_options(load_config(root, config), cli_values), load_suppressions(root)
