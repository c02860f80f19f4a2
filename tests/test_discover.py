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


PARAMETERS = '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", ' \
             '"contentVersion": "1.0.0.0", "parameters": {"sku": {"value": "Basic"}}}'


def test_json_role_by_content() -> None:
    from fixer.discover import json_role

    assert json_role(PARAMETERS.encode()) == "parameters"
    assert json_role(b'{"contentVersion": "1.0.0.0", "parameters": {"sku": {"value": "Basic"}}}') == "parameters"
    assert json_role(TEMPLATE.encode()) == "template"
    assert json_role(b'{"contentVersion": "1.0.0.0", "parameters": {}, "resources": [], "outputs": {"x": {"value": 1}}}') \
        == "template"
    assert json_role(b'{"name": "package", "version": "1.0.0"}') is None
    assert json_role(b'{"definition": {"$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/'
                     b'2016-06-01/workflowdefinition.json#", "contentVersion": "1.0.0.0", "parameters": '
                     b'{"$connections": {"value": {}}}}}') is None


def test_a_parameter_file_belongs_to_the_template_it_is_named_after() -> None:
    from fixer.discover import owner_by_name

    templates = ["acr.json", "acr-web.json", "azuredeploy.json"]
    assert owner_by_name("acr.params.json", templates) == "acr.json"
    assert owner_by_name("acr-parameters.json", templates) == "acr.json"
    assert owner_by_name("acr_dev.json", templates) == "acr.json"
    assert owner_by_name("acr-web.dev.json", templates) == "acr-web.json"   # the longest name wins
    assert owner_by_name("azuredeploy.paremeters.json", templates) == "azuredeploy.json"
    assert owner_by_name("acrdev.json", templates) is None
    assert owner_by_name("staging-parameters.json", templates) is None


def test_a_staged_parameter_file_brings_its_template(tmp_path: Path) -> None:
    from fixer.discover import template_of_parameter_file

    _touch(tmp_path / "one" / "azuredeploy.json")
    _touch(tmp_path / "one" / "staging-parameters.json", PARAMETERS)     # the folder's only template
    _touch(tmp_path / "two" / "acr.json")
    _touch(tmp_path / "two" / "web.json")
    _touch(tmp_path / "two" / "acr.params.json", PARAMETERS)             # named after it
    _touch(tmp_path / "two" / "dev.json", PARAMETERS)                    # two templates: whose?
    assert template_of_parameter_file(tmp_path / "one" / "staging-parameters.json") == tmp_path / "one" / "azuredeploy.json"
    assert template_of_parameter_file(tmp_path / "two" / "acr.params.json") == tmp_path / "two" / "acr.json"
    assert template_of_parameter_file(tmp_path / "two" / "dev.json") is None
