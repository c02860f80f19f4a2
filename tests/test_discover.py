"""Which files a run reads: folders skipped by what they are, not by a name that templates share."""

from __future__ import annotations

from pathlib import Path

from fixer.discover import discover

TEMPLATE = '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}'


def _touch(path: Path, text: str = TEMPLATE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_env_folders_of_templates_are_read(tmp_path: Path) -> None:
    # env/, env/dev, .env hold templates in many IaC repositories
    for rel in ("env/acr.bicep", "infra/env/dev/main.json", ".env/main.bicep", "venv/main.json"):
        _touch(tmp_path / rel, "param x string\n" if rel.endswith(".bicep") else TEMPLATE)
    found = {p.relative_to(tmp_path).as_posix() for p in discover([tmp_path]).files}
    assert found == {"env/acr.bicep", "infra/env/dev/main.json", ".env/main.bicep", "venv/main.json"}


def test_virtual_environments_are_skipped_whatever_their_name(tmp_path: Path) -> None:
    _touch(tmp_path / "main.json")
    _touch(tmp_path / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    _touch(tmp_path / "env" / "lib" / "python3.12" / "site.json")
    _touch(tmp_path / "tools" / "pyvenv.cfg", "home = /usr/bin\n")
    _touch(tmp_path / "tools" / "share" / "schema.json")
    _touch(tmp_path / "conda" / "conda-meta" / "history", "")
    _touch(tmp_path / "conda" / "etc" / "x.json")
    _touch(tmp_path / "node_modules" / "pkg" / "package.json")
    found = {p.relative_to(tmp_path).as_posix() for p in discover([tmp_path]).files}
    assert found == {"main.json"}
