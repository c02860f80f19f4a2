"""acr-fix.yaml: parsing, errors with file:line, precedence CLI > file > defaults, init."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixer.config import STARTER_CONFIG, ConfigFile, load_config, merge_options, parse_config, write_starter_config
from fixer.errors import ConfigError
from fixer.options import Options, RegistryOverride

FULL = """\
# team settings
strategy: deny
ip_rules:
  - 203.0.113.0/24
  - 198.51.100.7
trusted_services: false
sku_upgrade: false
premium_only: true
include: ["infra/**"]
exclude:
  - "**/test/**"
overrides:
  - name: publicdist
    skip: true
    reason: serves public images
  - path: "infra/prod/**"
    strategy: disable
  - name: "build*"
    ip_rules: [192.0.2.0/28]
"""


def test_full_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "acr-fix.yaml").write_text(FULL)
    config = load_config(tmp_path, None)
    assert config.path == tmp_path / "acr-fix.yaml"
    assert config.strategy == "deny"
    assert config.ip_rules == ("203.0.113.0/24", "198.51.100.7")
    assert (config.trusted_services, config.sku_upgrade, config.premium_only) == (False, False, True)
    assert config.includes == ("infra/**",)
    assert config.excludes == ("**/test/**",)
    assert config.overrides == (
        RegistryOverride(name="publicdist", skip=True, reason="serves public images"),
        RegistryOverride(path="infra/prod/**", strategy="disable"),
        RegistryOverride(name="build*", ip_rules=("192.0.2.0/28",)),
    )


def test_no_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path, None)
    assert config == ConfigFile()
    assert merge_options(config, {}) == Options()


def test_explicit_config_path_and_missing_one(tmp_path: Path) -> None:
    other = tmp_path / "ci" / "acr.yaml"
    other.parent.mkdir()
    other.write_text("strategy: disable\n")
    assert load_config(tmp_path, other).strategy == "disable"
    with pytest.raises(ConfigError, match=r"ci/nope\.yaml: config file not found"):
        load_config(tmp_path, tmp_path / "ci" / "nope.yaml")


def test_empty_file_is_valid(tmp_path: Path) -> None:
    (tmp_path / "acr-fix.yaml").write_text("# nothing yet\n")
    assert merge_options(load_config(tmp_path, None), {}) == Options()


@pytest.mark.parametrize("text, expected", [
    ("strategy: deny\nbogus: 1\n", r"^acr-fix\.yaml:2: unknown key 'bogus'"),
    ("strategy: nope\n", r"^acr-fix\.yaml:1: strategy: expected one of auto, deny, disable, got 'nope'"),
    ("sku_upgrade: yes\n", r"^acr-fix\.yaml:1: sku_upgrade: expected true or false, got 'yes'"),
    ("trusted_services: 1\n", r"^acr-fix\.yaml:1: trusted_services: expected true or false, got a number \(1\)"),
    ("ip_rules: 10.0.0.0/8\n", r"^acr-fix\.yaml:1: ip_rules: expected a list"),
    ("# c\nip_rules:\n  - 203.0.113.0/24\n  - 300.1.1.1\n", r"^acr-fix\.yaml:4: ip_rules: '300\.1\.1\.1' is not an IPv4"),
    ("ip_rules:\n  - 10.0.0.1/8\n", r"^acr-fix\.yaml:2: .*host bits set; did you mean 10\.0\.0\.0/8\?"),
    ("ip_rules: ['2001:db8::/32']\n", r"^acr-fix\.yaml:1: .*IPv6"),
    ("exclude:\n  - 3\n", r"^acr-fix\.yaml:2: exclude\[0\]: expected glob pattern"),
    ("overrides:\n  - name: a\n    skp: true\n", r"^acr-fix\.yaml:3: overrides\[0\]: unknown key 'skp'"),
    ("overrides:\n  - skip: true\n", r"^acr-fix\.yaml:2: overrides\[0\]: needs 'name'"),
    ("overrides:\n  - name: a\n", r"^acr-fix\.yaml:2: overrides\[0\]: sets nothing"),
    ("overrides:\n  - name: a\n    strategy: off\n", r"^acr-fix\.yaml:3: overrides\[0\]\.strategy: expected one of"),
    ("overrides:\n  - name: a\n    ip_rules: [x]\n", r"^acr-fix\.yaml:3: overrides\[0\]\.ip_rules: 'x'"),
    ("overrides: {}\n", r"^acr-fix\.yaml:1: overrides: expected a list"),
    ("- strategy\n", r"^acr-fix\.yaml:1: expected a mapping"),
    ("strategy: deny\nstrategy: auto\n", r"^acr-fix\.yaml:2: invalid YAML"),
    ("strategy: [\n", r"^acr-fix\.yaml:2: invalid YAML"),
])
def test_errors_name_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "acr-fix.yaml").write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_config(tmp_path, None)


def test_precedence_cli_over_file_over_defaults() -> None:
    config = parse_config("strategy: deny\nip_rules: [203.0.113.0/24]\nsku_upgrade: false\nexclude: [a/**]\n", "acr-fix.yaml")
    # Nothing given on the command line: the file wins over the defaults.
    merged = merge_options(config, {"strategy": None, "ip_rules": [], "sku_upgrade": None, "excludes": None})
    assert merged.strategy == "deny"
    assert merged.ip_rules == ("203.0.113.0/24",)
    assert merged.sku_upgrade is False
    assert merged.excludes == ("a/**",)
    assert merged.trusted_services is True            # default, set nowhere
    # Flags that were given win over the file.
    merged = merge_options(config, {"strategy": "disable", "ip_rules": ["198.51.100.7"], "sku_upgrade": True,
                                    "excludes": ["b/**"], "max_file_size": 1024})
    assert merged.strategy == "disable"
    assert merged.ip_rules == ("198.51.100.7",)
    assert merged.sku_upgrade is True
    assert merged.excludes == ("b/**",)
    assert merged.max_file_size == 1024


def test_cli_values_are_validated_too() -> None:
    with pytest.raises(ConfigError, match=r"--ip-rule: ip_rules: '10\.0\.0\.1/8' has host bits set"):
        merge_options(ConfigFile(), {"ip_rules": ["10.0.0.1/8"]})
    with pytest.raises(ConfigError, match=r"--strategy"):
        merge_options(ConfigFile(), {"strategy": "close"})
    with pytest.raises(ValueError):
        merge_options(ConfigFile(), {"not_an_option": 1})


def test_starter_config_is_valid_and_means_the_defaults(tmp_path: Path) -> None:
    path = write_starter_config(tmp_path)
    assert path == tmp_path / "acr-fix.yaml"
    assert path.read_text() == STARTER_CONFIG
    assert STARTER_CONFIG.count("\n#") > 10            # it explains itself
    assert merge_options(load_config(tmp_path, None), {}) == Options()


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "acr-fix.yaml").write_text("strategy: deny\n")
    with pytest.raises(ConfigError, match="already exists"):
        write_starter_config(tmp_path)
    assert (tmp_path / "acr-fix.yaml").read_text() == "strategy: deny\n"


def test_starter_examples_are_valid_when_switched_on() -> None:
    lines = STARTER_CONFIG.splitlines()
    out = []
    in_example = False
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.endswith(": []") and following.startswith("#" + line.split(":")[0] + ":"):
            continue                                     # replaced by the example below it
        if line.startswith("#") and len(line) > 1 and line[1] != " ":
            in_example = True                            # "#key:" starts an example
        elif not line.startswith("#  "):
            in_example = False
        out.append(line[1:] if in_example else line)
    config = parse_config("\n".join(out) + "\n", "acr-fix.yaml")
    assert config.ip_rules == ("203.0.113.0/24", "198.51.100.7")
    assert config.excludes == ("**/test/**",)
    assert config.overrides == (
        RegistryOverride(name="publicdist", skip=True, reason="serves public base images"),
        RegistryOverride(path="infra/prod/**", strategy="deny", ip_rules=("198.51.100.7",)),
        RegistryOverride(name="appsacr", unsafe_fixes=True),
    )
