"""Run options: what the user asked for, after CLI flags, config file and defaults are merged."""

from __future__ import annotations

from dataclasses import dataclass, field

from .source import DEFAULT_MAX_FILE_SIZE

STRATEGIES = ("auto", "deny", "disable")


@dataclass(frozen=True)
class RegistryOverride:
    """Per-registry settings from the config file, matched by resource name or file glob."""

    name: str | None = None        # registry name (case-insensitive, fnmatch pattern)
    path: str | None = None        # file path glob, relative to the root
    strategy: str | None = None
    ip_rules: tuple[str, ...] | None = None
    skip: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class Options:
    strategy: str = "auto"
    ip_rules: tuple[str, ...] = ()
    trusted_services: bool = True
    sku_upgrade: bool = True
    premium_only: bool = False
    excludes: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    overrides: tuple[RegistryOverride, ...] = field(default_factory=tuple)
    jobs: int = 0                  # 0 = choose by repository size
    unsafe_fixes: bool = False     # also change values other resources share (see planner)
    # The folder that overrides[].path globs are relative to: the folder of the acr-fix.yaml
    # they come from (see fixer.settings); None: the run's root.
    config_folder: str | None = None
