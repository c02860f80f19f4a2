"""The ``acr-fix.yaml`` configuration file: reading, validating, merging with CLI flags.

Precedence is CLI flag > config file > built-in default (``Options``). The file is read with
ruamel.yaml's round-trip loader only so that every error can name ``file:line``; values are
copied into plain Python types before anything else sees them.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .options import STRATEGIES, Options, RegistryOverride

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

CONFIG_NAMES = ("acr-fix.yaml", "acr-fix.yml")

# key -> (kind, Options field). kind is how the value is validated.
_TOP_LEVEL: dict[str, tuple[str, str]] = {
    "strategy": ("strategy", "strategy"),
    "ip_rules": ("ip_rules", "ip_rules"),
    "trusted_services": ("bool", "trusted_services"),
    "sku_upgrade": ("bool", "sku_upgrade"),
    "premium_only": ("bool", "premium_only"),
    "include": ("globs", "includes"),
    "exclude": ("globs", "excludes"),
    "extend_exclude": ("globs", "extend_excludes"),
    "overrides": ("overrides", "overrides"),
}
_OVERRIDE_KEYS = ("name", "path", "strategy", "ip_rules", "skip", "reason")


@dataclass(frozen=True)
class ConfigFile:
    """What one config file set. ``None`` means "not set here" (the default applies).

    ``path`` is the file that was read, or None when there was none.
    """

    path: Path | None = None
    strategy: str | None = None
    ip_rules: tuple[str, ...] | None = None
    trusted_services: bool | None = None
    sku_upgrade: bool | None = None
    premium_only: bool | None = None
    includes: tuple[str, ...] | None = None
    excludes: tuple[str, ...] | None = None
    extend_excludes: tuple[str, ...] | None = None
    overrides: tuple[RegistryOverride, ...] | None = None


def find_config(root: Path) -> Path | None:
    """The config file at the repository root, or None."""
    for name in CONFIG_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def load_config(root: Path, path: Path | None = None) -> ConfigFile:
    """Read ``path`` (``--config``) or ``acr-fix.yaml`` under ``root``.

    Returns an empty ConfigFile when no path is given and the root has no config file.
    Raises ConfigError (message ``file:line: what is wrong``) for a missing ``--config``
    file, invalid YAML, unknown keys, wrong types, or bad IP rules.
    """
    if path is None:
        path = find_config(root)
        if path is None:
            return ConfigFile()
    display = _display(root, path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{display}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{display}: cannot read config file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{display}: not valid UTF-8 (byte {exc.start})") from None
    return parse_config(text, display, path)


def parse_config(text: str, display: str, path: Path | None = None) -> ConfigFile:
    """Validate config ``text``; ``display`` is the file name used in error messages."""
    from ruamel.yaml import YAML  # imported here: most runs have no config file
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{display}:{line}: invalid YAML: {problem}") from None
    except YAMLError as exc:
        raise ConfigError(f"{display}:1: invalid YAML: {exc}") from None
    if data is None:
        return ConfigFile(path=path)
    if not isinstance(data, CommentedMap):
        raise ConfigError(f"{display}:1: expected a mapping of settings at the top level, got {_type_name(data)}")
    values: dict[str, Any] = {}
    for key in data:
        line = _key_line(data, key)
        if not isinstance(key, str) or key not in _TOP_LEVEL:
            raise ConfigError(f"{display}:{line}: unknown key '{key}'; expected one of: {', '.join(_TOP_LEVEL)}")
        kind, target = _TOP_LEVEL[key]
        value = data[key]
        where = _Where(display, _value_line(data, key), key)
        if kind == "strategy":
            values[target] = _strategy(value, where)
        elif kind == "ip_rules":
            values[target] = _ip_rules(value, where)
        elif kind == "bool":
            values[target] = _bool(value, where)
        elif kind == "globs":
            values[target] = _globs(value, where)
        else:
            values[target] = _overrides(value, where)
    return ConfigFile(path=path, **values)


def flag_values(*, strategy: str | None, ip_rules: list[str], no_trusted_services: bool, no_sku_upgrade: bool,
                premium_only: bool, excludes: list[str], max_file_size_mb: int | None,
                jobs: int | None = None, unsafe_fixes: bool = False,
                extend_excludes: list[str] | None = None) -> dict[str, Any]:
    """The fix flags as ``merge_options`` takes them: None (or []) for a flag not given, so
    the config file's value stays. Shared by `acr-fix --dry-run/--write` and `acr-fix pr`."""
    values: dict[str, Any] = {
        "strategy": strategy, "ip_rules": list(ip_rules),
        "trusted_services": False if no_trusted_services else None,
        "sku_upgrade": False if no_sku_upgrade else None,
        "premium_only": True if premium_only else None,
        "excludes": list(excludes),
        "max_file_size": max_file_size_mb * 1024 * 1024 if max_file_size_mb is not None else None,
        "jobs": jobs,
        "unsafe_fixes": True if unsafe_fixes else None,
    }
    if extend_excludes:
        values["extend_excludes"] = list(extend_excludes)
    return values


def merge_options(config: ConfigFile, cli_values: dict[str, Any], base: Options | None = None) -> Options:
    """Options from defaults (``base`` or ``Options()``), then the file, then the CLI.

    ``cli_values`` maps Options field names (``strategy``, ``ip_rules``, ``trusted_services``,
    ``sku_upgrade``, ``premium_only``, ``includes``, ``excludes``, ``max_file_size``,
    ``jobs``) to what the user typed; ``None`` (and, for list flags, an empty list) means the
    flag was not given. A list flag replaces the file's list rather than extending it, as
    ruff's do: ``--exclude`` replaces the file's ``exclude``; the file's ``extend_exclude`` and
    ``extend_excludes`` (``--extend-exclude``) are added to whichever list that leaves.
    Raises ConfigError for a bad ``--strategy`` or ``--ip-rule`` value, and ValueError for
    a key that is not an Options field (a programming error).
    """
    options = base or Options()
    from_file = {f.name: getattr(config, f.name) for f in fields(ConfigFile) if f.name not in ("path", "extend_excludes")}
    merged = {k: v for k, v in from_file.items() if v is not None}
    known = {f.name for f in fields(Options)}
    cli_values = dict(cli_values)
    extend = tuple(config.extend_excludes or ()) + tuple(cli_values.pop("extend_excludes", None) or ())
    for key, value in cli_values.items():
        if key not in known:
            raise ValueError(f"merge_options: unknown option {key!r}")
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            if not value:
                continue
            value = tuple(value)
        if key == "strategy":
            value = _strategy(value, _Where("--strategy", 0, "strategy"))
        elif key == "ip_rules":
            value = _ip_rules(list(value), _Where("--ip-rule", 0, "ip_rules"))
        merged[key] = value
    if extend:
        merged["excludes"] = tuple(merged.get("excludes", options.excludes)) + extend
    return replace(options, **merged)


STARTER_CONFIG = """\
# acr-fix configuration. Every key is optional; delete what you do not need.
# Command-line flags win over this file, and this file wins over the built-in defaults.
# Lines that start with "#" and no space are examples: remove the line above them and the
# "#" to use them. Reference: the "Configuration" section of acr-fix's README.

# How to close an open registry (PSRule rule Azure.ACR.Firewall):
#   auto    - acr-fix picks per registry (see the README)
#   deny    - keep public access but set networkRuleSet.defaultAction to Deny (+ ip_rules)
#   disable - set publicNetworkAccess to Disabled (reach it through private endpoints)
strategy: auto

# Public IPv4 addresses or CIDR ranges allowed through the firewall.
ip_rules: []
#ip_rules:
#  - 203.0.113.0/24
#  - 198.51.100.7

# Let trusted Azure services (e.g. Defender for Containers scanning) bypass the firewall.
trusted_services: true

# Network rules need the Premium SKU. Upgrade Basic/Standard registries to Premium?
# Premium costs more than Basic/Standard; set false to report those registries instead.
sku_upgrade: true

# Only look at registries that are already Premium (what PSRule itself checks).
premium_only: false

# Template files to scan or skip (gitignore-style globs relative to this file's folder).
# .gitignore files are honoured too (acr-fix --no-gitignore reads everything).
# --exclude on the command line replaces "exclude"; "extend_exclude" and --extend-exclude add to it.
include: []
exclude: []
#exclude:
#  - "**/test/**"
extend_exclude: []

# Per-registry settings, matched by registry name (glob) and/or template path (glob).
overrides: []
#overrides:
#  - name: publicdist          # open on purpose: public image distribution
#    skip: true
#    reason: serves public base images
#  - path: "infra/prod/**"
#    strategy: deny
#    ip_rules: [198.51.100.7]
"""


def write_starter_config(root: Path) -> Path:
    """Write STARTER_CONFIG to ``root/acr-fix.yaml`` and return its path.

    Raises ConfigError if a config file already exists (it is never overwritten) or the
    file cannot be created.
    """
    existing = find_config(root)
    if existing is not None:
        raise ConfigError(f"{existing}: already exists; not overwritten (edit it, or delete it and run 'acr-fix init' again)")
    target = root / CONFIG_NAMES[0]
    try:
        # O_EXCL: refuse even if the file appeared since the check above.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise ConfigError(f"{target}: already exists; not overwritten") from None
    except OSError as exc:
        raise ConfigError(f"{target}: cannot create ({exc.strerror or exc})") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(STARTER_CONFIG)
    return target


# --- validation helpers -------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    display: str
    line: int
    key: str

    def error(self, message: str) -> ConfigError:
        if self.line:
            return ConfigError(f"{self.display}:{self.line}: {message}")
        return ConfigError(f"{self.display}: {message}")

    def at(self, line: int, key: str | None = None) -> "_Where":
        return _Where(self.display, line or self.line, key or self.key)


def _strategy(value: Any, where: _Where) -> str:
    if not isinstance(value, str) or value not in STRATEGIES:
        raise where.error(f"{where.key}: expected one of {', '.join(STRATEGIES)}, got {_show(value)}")
    return value


def _bool(value: Any, where: _Where) -> bool:
    if not isinstance(value, bool):
        raise where.error(f"{where.key}: expected true or false, got {_show(value)}")
    return value


def _string_list(value: Any, where: _Where, what: str) -> list[tuple[str, int]]:
    """Items of a list of strings with their line numbers."""
    if not isinstance(value, list):
        raise where.error(f"{where.key}: expected a list of {what}, got {_show(value)}")
    items: list[tuple[str, int]] = []
    for index, item in enumerate(value):
        line = _item_line(value, index) or where.line
        if not isinstance(item, str) or not item.strip():
            raise where.at(line).error(f"{where.key}[{index}]: expected {what[:-1]}, got {_show(item)}")
        items.append((item.strip(), line))
    return items


def _ip_rules(value: Any, where: _Where) -> tuple[str, ...]:
    rules: list[str] = []
    for text, line in _string_list(value, where, "IPv4 addresses or CIDR ranges"):
        rules.append(check_ip_rule(text, where.at(line)))
    return tuple(rules)


def check_ip_rule(text: str, where: _Where | None = None) -> str:
    """Return ``text`` if it is an IPv4 address or CIDR range ACR accepts; else ConfigError.

    ACR ipRules take "IP or IP range in CIDR format. Only IPV4 address is allowed."
    """
    where = where or _Where("ip rule", 0, "ip_rules")
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        hint = ""
        try:
            loose = ipaddress.ip_network(text, strict=False)
            hint = f"; did you mean {loose}?"
        except ValueError:
            pass
        if not hint:
            raise where.error(f"{where.key}: '{text}' is not an IPv4 address or CIDR range ({exc})") from None
        raise where.error(f"{where.key}: '{text}' has host bits set{hint}") from None
    if network.version != 4:
        raise where.error(f"{where.key}: '{text}' is IPv6; Azure Container Registry IP rules accept IPv4 only")
    return text


def _globs(value: Any, where: _Where) -> tuple[str, ...]:
    from .globs import invalid_pattern

    items = _string_list(value, where, "glob patterns")
    for index, (text, line) in enumerate(items):
        problem = invalid_pattern(text)
        if problem is not None:
            raise where.at(line).error(f"{where.key}[{index}]: '{text}' is not a valid glob ({problem})")
    return tuple(text for text, _ in items)


def _overrides(value: Any, where: _Where) -> tuple[RegistryOverride, ...]:
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(value, list):
        raise where.error(f"overrides: expected a list of overrides, got {_show(value)}")
    result: list[RegistryOverride] = []
    for index, item in enumerate(value):
        line = _item_line(value, index) or where.line
        label = f"overrides[{index}]"
        if not isinstance(item, CommentedMap):
            raise where.at(line).error(f"{label}: expected a mapping with name or path, got {_show(item)}")
        fields_: dict[str, Any] = {}
        for key in item:
            key_line = _key_line(item, key) or line
            if not isinstance(key, str) or key not in _OVERRIDE_KEYS:
                raise where.at(key_line).error(f"{label}: unknown key '{key}'; expected one of: {', '.join(_OVERRIDE_KEYS)}")
            sub = where.at(_value_line(item, key) or key_line, f"{label}.{key}")
            raw = item[key]
            if key in ("name", "path", "reason"):
                if not isinstance(raw, str) or not raw.strip():
                    raise sub.error(f"{label}.{key}: expected a non-empty string, got {_show(raw)}")
                fields_[key] = raw.strip()
            elif key == "strategy":
                fields_[key] = _strategy(raw, sub)
            elif key == "ip_rules":
                fields_[key] = _ip_rules(raw, sub)
            else:
                fields_[key] = _bool(raw, sub)
        if "name" not in fields_ and "path" not in fields_:
            raise where.at(line).error(f"{label}: needs 'name' (registry name) or 'path' (template glob) to say which registries it applies to")
        if len(fields_.keys() - {"name", "path", "reason"}) == 0:
            raise where.at(line).error(f"{label}: sets nothing; add strategy, ip_rules or skip")
        result.append(RegistryOverride(**fields_))
    return tuple(result)


def _key_line(mapping: CommentedMap, key: Any) -> int:
    try:
        return mapping.lc.key(key)[0] + 1
    except (KeyError, TypeError, AttributeError):
        return mapping.lc.line + 1 if getattr(mapping, "lc", None) and mapping.lc.line is not None else 0


def _value_line(mapping: CommentedMap, key: Any) -> int:
    try:
        return mapping.lc.value(key)[0] + 1
    except (KeyError, TypeError, AttributeError):
        return _key_line(mapping, key)


def _item_line(seq: Any, index: int) -> int:
    from ruamel.yaml.comments import CommentedSeq

    if not isinstance(seq, CommentedSeq):
        return 0
    try:
        return seq.lc.item(index)[0] + 1
    except (KeyError, TypeError, AttributeError):
        return 0


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "nothing"
    if isinstance(value, (bool, int, float)):
        return f"{_type_name(value)} ({str(value).lower() if isinstance(value, bool) else value})"
    return _type_name(value)


def _display(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` (``../acr-fix.yaml`` for one found above it), else as given."""
    try:
        return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()
    except (ValueError, OSError):
        return str(path)
