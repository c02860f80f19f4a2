"""The Terraform reader: syntax spans, values, the dialect's layout, the fmt check, and runs
over small trees (the golden cases in tests/golden/terraform_* cover whole fixes)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fixer.errors import ParseError
from fixer.formats.terraform import parse
from fixer.formats.terraform.dialect import DIALECT, terraform_terms
from fixer.formats.terraform.fmt import fmt_problems, new_fmt_problems
from fixer.formats.terraform.syntax import parse_syntax
from fixer.options import Options
from fixer.run import run
from fixer.source import SourceFile

GOLDEN = Path(__file__).parent / "golden"


def _run(tmp_path: Path, files: dict[str, str], **options):
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    return run([tmp_path], Options(jobs=1, **options), root=tmp_path)


def _plans(result):
    return [p for f in result.files for p in f.plans]


def _new(result, name: str) -> str:
    found = next(f for f in result.files if f.display == name)
    assert found.new_text is not None, found
    return found.new_text


REGISTRY = '''resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
}
'''


# -- syntax -----------------------------------------------------------------------------------

def test_spans_are_characters_not_bytes() -> None:
    text = '# Ünïcödé ✓\nresource "x" "y" {\n  name = "é"\n}\n'
    syntax = parse_syntax(text, "main.tf")
    attribute = syntax.body.blocks[0].body.attributes[0]
    assert text[attribute.value.start:attribute.value.end] == '"é"'
    assert attribute.value.value == "é"


def test_parse_error_names_file_and_line() -> None:
    with pytest.raises(ParseError) as error:
        parse_syntax('resource "x" "y" {\n  name = \n}\n', "infra/main.tf")
    assert str(error.value).startswith("infra/main.tf:")
    assert error.value.line is not None


def test_string_escapes_and_templates() -> None:
    syntax = parse_syntax('a = "x\\"y"\nb = "$${literal}"\nc = "${var.x}-y"\n', "t.tf")
    a, b, c = syntax.body.attributes
    assert (a.value.kind, a.value.value) == ("string", 'x"y')
    assert (b.value.kind, b.value.value) == ("string", "${literal}")
    assert c.value.kind == "template"


def test_document_data_for_semantic_diffs() -> None:
    source = SourceFile(path=Path("main.tf"), text=REGISTRY + 'variable "sku" {\n  default = "Basic"\n}\n')
    doc = parse(source)
    assert doc.data["resource.azurerm_container_registry.acr"]["sku"] == "Premium"
    assert doc.data["variable.sku"]["default"] == "Basic"


# -- the fmt check -----------------------------------------------------------------------------

def test_fmt_accepts_aligned_groups() -> None:
    text = ('resource "a" "b" {\n  name = "x"\n  tags = {\n    env = "dev"\n    a   = 1\n  }\n'
            '  location_name = "y"\n\n  block {\n    k = true\n  }\n}\n')
    assert fmt_problems(text) == []


def test_fmt_finds_misaligned_equals_and_indent() -> None:
    problems = fmt_problems('a {\n  b = 1\n  ccc = 2\n   d {\n  }\n}\n')
    assert any("line 2" in p and "`=`" in p for p in problems)
    assert any("line 4" in p and "indented 3" in p for p in problems)


def test_fmt_leaves_heredocs_alone() -> None:
    assert fmt_problems('x = <<EOT\n   odd = 1\n      b = 2\nEOT\ny = 1\n') == []


def test_new_fmt_problems_ignores_old_ones() -> None:
    old = 'a {\n   b = 1\n}\n'
    assert new_fmt_problems(old, old.replace("}\n", "\n  c = 2\n}\n")) == []
    assert new_fmt_problems(old, old.replace("}\n", "  c = 2\n}\n"))  # joins the misaligned run


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.glob("terraform_*")))
def test_golden_outputs_are_fmt_clean(case: str) -> None:
    for path in sorted((GOLDEN / case / "expected").rglob("*")):
        if path.suffix in (".tf", ".tfvars"):
            assert fmt_problems(path.read_bytes().decode("utf-8")) == [], path


# -- the dialect --------------------------------------------------------------------------------

def test_terms_of_messages() -> None:
    assert terraform_terms("set publicNetworkAccess to 'Disabled' (was 'Enabled')") == \
        "set public_network_access_enabled to false (was true)"
    assert terraform_terms('add networkRuleSet = {"defaultAction": "Deny", "ipRules": '
                           '[{"action": "Allow", "value": "1.2.3.4"}]}') == \
        "add network_rule_set with default_action = 'Deny' and ip_rule 1.2.3.4"


def test_literal_quotes_interpolation() -> None:
    assert DIALECT.literal("a${b}", "", "  ", "\n") == '"a$${b}"'
    assert DIALECT.literal(False, "", "  ", "\n") == "false"


# -- whole runs ----------------------------------------------------------------------------------

def test_disable_writes_false_and_keeps_every_other_byte(tmp_path: Path) -> None:
    text = '# top\n' + REGISTRY.replace('"Premium"\n', '"Premium" # keep\n')
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    new = _new(result, "main.tf")
    assert new.startswith(text[:text.rindex("}")])
    assert new.endswith('  sku                 = "Premium" # keep\n\n  public_network_access_enabled = false\n}\n')
    assert fmt_problems(new) == []


def test_existing_true_becomes_false(tmp_path: Path) -> None:
    text = REGISTRY.replace('  sku                 = "Premium"\n',
                            '  sku                 = "Premium"\n  public_network_access_enabled = true\n')
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    assert _new(result, "main.tf") == text.replace("= true", "= false")


def test_compliant_registry_passes(tmp_path: Path) -> None:
    text = REGISTRY.replace('  sku                 = "Premium"\n',
                            '  sku                 = "Premium"\n\n  network_rule_set {\n    default_action = "Deny"\n  }\n')
    result = _run(tmp_path, {"main.tf": text})
    assert [p.status for p in _plans(result)] == ["pass"]


def test_var_without_value_is_manual(tmp_path: Path) -> None:
    text = REGISTRY.replace('"Premium"', "var.sku") + 'variable "sku" {\n  type = string\n}\n'
    result = _run(tmp_path, {"main.tf": text})
    plan = _plans(result)[0]
    assert plan.status == "manual"
    assert "variable 'sku' has no default" in " ".join(plan.manual)


def test_tfvars_each_a_deployment(tmp_path: Path) -> None:
    text = REGISTRY.replace('"Premium"', "var.sku") + 'variable "sku" {\n  default = "Premium"\n}\n'
    result = _run(tmp_path, {"main.tf": text, "dev.tfvars": 'sku = "Basic"\n', "prod.tfvars": 'sku = "Premium"\n'},
                  strategy="disable")
    assert _new(result, "dev.tfvars") == 'sku = "Premium"\n'
    assert not any(f.display == "prod.tfvars" and f.changed for f in result.files)


def test_auto_tfvars_apply_to_every_deployment(tmp_path: Path) -> None:
    text = REGISTRY.replace('"Premium"', "var.sku") + 'variable "sku" {\n  default = "Premium"\n}\n'
    result = _run(tmp_path, {"main.tf": text, "terraform.tfvars": 'sku = "Standard"\n'}, strategy="disable")
    assert _new(result, "terraform.tfvars") == 'sku = "Premium"\n'


def test_shared_variable_is_not_changed(tmp_path: Path) -> None:
    text = (REGISTRY.replace('"Premium"', "var.sku") + 'variable "sku" {\n  default = "Basic"\n}\n'
            'resource "azurerm_container_registry" "other" {\n  name = "b"\n  sku  = var.sku\n'
            '  public_network_access_enabled = false\n}\n')
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    first = _plans(result)[0]
    assert first.status == "manual"
    assert "var.sku is also used by resource azurerm_container_registry.other" in " ".join(first.manual)


def test_locals_are_followed(tmp_path: Path) -> None:
    text = REGISTRY.replace('"Premium"', "local.sku") + 'locals {\n  sku = "Standard"\n}\n'
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    assert 'locals {\n  sku = "Premium"\n}' in _new(result, "main.tf")


def test_one_line_block_gets_its_own_lines(tmp_path: Path) -> None:
    text = 'resource "azurerm_container_registry" "acr" { sku = "Premium" }\n'
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    assert _new(result, "main.tf") == ('resource "azurerm_container_registry" "acr" {\n  sku = "Premium"\n\n'
                                       '  public_network_access_enabled = false\n}\n')


def test_unparsable_sibling_fails_only_that_file(tmp_path: Path) -> None:
    result = _run(tmp_path, {"main.tf": REGISTRY, "broken.tf": 'resource "x" {\n  a = \n'})
    assert not result.errors
    plan, = _plans(result)
    assert plan.status == "fix"
    assert any("do not parse were not read: broken.tf" in note for note in plan.notes)


def test_private_endpoint_makes_auto_disable(tmp_path: Path) -> None:
    endpoint = ('resource "azurerm_private_endpoint" "pe" {\n  private_service_connection {\n'
                '    private_connection_resource_id = azurerm_container_registry.acr.id\n  }\n}\n')
    result = _run(tmp_path, {"main.tf": REGISTRY + endpoint})
    assert _plans(result)[0].strategy == "disable"


def test_avm_module_with_private_endpoints_is_disabled(tmp_path: Path) -> None:
    text = ('module "acr" {\n  source  = "Azure/avm-res-containerregistry-registry/azurerm"\n  version = "0.8.0"\n\n'
            '  name = "contosoacr"\n  private_endpoints = {\n    one = {\n      subnet_resource_id = "x"\n    }\n  }\n}\n')
    result = _run(tmp_path, {"main.tf": text})
    new = _new(result, "main.tf")
    assert new.endswith("  }\n\n  public_network_access_enabled = false\n}\n")


def test_crlf_is_kept(tmp_path: Path) -> None:
    text = REGISTRY.replace("\n", "\r\n")
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    new = _new(result, "main.tf")
    assert "\n" not in new.replace("\r\n", "")
    assert new.endswith('\r\n\r\n  public_network_access_enabled = false\r\n}\r\n')


def test_virtual_network_under_azurerm_4_is_noted(tmp_path: Path) -> None:
    text = ('terraform {\n  required_providers {\n    azurerm = {\n      source  = "hashicorp/azurerm"\n'
            '      version = ">= 4.0"\n    }\n  }\n}\n\n'
            + REGISTRY.replace('  sku                 = "Premium"\n',
                               '  sku                 = "Premium"\n\n  network_rule_set {\n    default_action = "Allow"\n\n'
                               '    virtual_network {\n      action    = "Allow"\n      subnet_id = "x"\n    }\n  }\n'))
    result = _run(tmp_path, {"main.tf": text})
    plan = _plans(result)[0]
    assert any("azurerm 4.0 removed" in note for note in plan.notes)


def test_sarif_marks_scanner_ignore_in_source(tmp_path: Path) -> None:
    import json

    from fixer.sarif import render_sarif

    text = "#tfsec:ignore:azure-container-registry-no-public-access\n" + REGISTRY
    result = _run(tmp_path, {"main.tf": text})
    log = json.loads(render_sarif(result))
    suppression = log["runs"][0]["results"][0]["suppressions"][0]
    assert suppression["kind"] == "inSource"
    assert "tfsec:ignore:azure-container-registry-no-public-access" in suppression["justification"]


def test_edits_reparse(tmp_path: Path) -> None:
    result = _run(tmp_path, {"main.tf": REGISTRY}, ip_rules=("203.0.113.1/32",))
    new = _new(result, "main.tf")
    doc = parse(dataclasses.replace(SourceFile(path=Path("main.tf"), text=new)))
    rule_set = doc.data["resource.azurerm_container_registry.acr"]["network_rule_set"][0]
    assert rule_set["default_action"] == "Deny"
    assert rule_set["ip_rule"] == [{"action": "Allow", "ip_range": "203.0.113.1/32"}]


def test_sku_validation_gets_premium(tmp_path: Path) -> None:
    text = (REGISTRY.replace('"Premium"', "var.sku")
            + 'variable "sku" {\n  default = "Basic"\n\n  validation {\n'
              '    condition     = contains(["Basic", "Standard"], var.sku)\n'
              '    error_message = "Basic or Standard."\n  }\n}\n')
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    new = _new(result, "main.tf")
    assert 'contains(["Basic", "Standard", "Premium"], var.sku)' in new
    assert 'default = "Premium"' in new


def test_sku_validation_in_another_form_stops_the_fix(tmp_path: Path) -> None:
    text = (REGISTRY.replace('"Premium"', "var.sku")
            + 'variable "sku" {\n  default = "Basic"\n\n  validation {\n'
              '    condition     = can(regex("^(Basic|Standard)$", var.sku))\n'
              '    error_message = "Basic or Standard."\n  }\n}\n')
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    plan, = _plans(result)
    assert plan.status == "manual"
    assert "validation of variable 'sku'" in " ".join(plan.manual)


def test_psrule_suppression_and_config_override_match_terraform_names(tmp_path: Path) -> None:
    from fixer.options import RegistryOverride
    from fixer.suppressions import load_suppressions

    (tmp_path / "ps-rule.yaml").write_text("suppression:\n  Azure.ACR.Firewall:\n    - contosoacr # public on purpose\n")
    second = REGISTRY.replace('"acr"', '"other"').replace("contosoacr", "contosoother")
    for name, text in {"main.tf": REGISTRY, "other.tf": second}.items():
        (tmp_path / name).write_text(text)
    suppressions = load_suppressions(tmp_path)
    result = run([tmp_path], Options(jobs=1, overrides=(RegistryOverride(name="contosoother", strategy="disable"),)),
                 root=tmp_path, suppressions=suppressions)
    by_name = {p.registry.name: p for p in _plans(result)}
    assert by_name["contosoacr"].status == "suppressed"
    assert by_name["contosoother"].strategy == "disable"


def test_condition_known_in_each_deployment_decides_the_verdict(tmp_path: Path) -> None:
    text = (REGISTRY.replace('  sku                 = "Premium"\n',
                             '  sku                 = "Premium"\n'
                             '  public_network_access_enabled = var.environment == "prod" ? false : true\n')
            + 'variable "environment" {\n  default = "dev"\n}\n')
    result = _run(tmp_path, {"main.tf": text, "prod.tfvars": 'environment = "prod"\n'})
    plan, = _plans(result)
    assert plan.status == "pass"   # one deployment, prod, where the condition closes it
    result = _run(tmp_path, {"dev.tfvars": 'environment = "dev"\n'}, strategy="disable")
    plan, = _plans(result)
    assert plan.verdict.value == "fail"
    assert "whose condition is false in dev.tfvars" in plan.problem
    assert plan.status == "manual"   # the branch is not edited


def test_condition_on_both_settings_passes_either_way(tmp_path: Path) -> None:
    text = (REGISTRY.replace('  sku                 = "Premium"\n',
                             '  sku                 = "Premium"\n  public_network_access_enabled = var.open\n\n'
                             '  network_rule_set {\n    default_action = var.open ? "Allow" : "Deny"\n  }\n')
            + 'variable "open" {\n  default = false\n}\n')
    result = _run(tmp_path, {"main.tf": text})
    assert [p.status for p in _plans(result)] == ["pass"]


def test_callers_pullers_and_private_endpoints_count(tmp_path: Path) -> None:
    module = REGISTRY.replace('"contosoacr"', "var.name") + 'variable "name" {\n  type = string\n}\n'
    caller = ('module "acr" {\n  source = "./modules/acr"\n  name   = "contosoacr"\n}\n\n'
              'resource "azurerm_linux_web_app" "web" {\n  site_config {\n    application_stack {\n'
              '      docker_registry_url = "https://${module.acr.login_server}"\n    }\n  }\n}\n\n'
              'resource "azurerm_private_endpoint" "pe" {\n  private_service_connection {\n'
              '    private_connection_resource_id = module.acr.id\n  }\n}\n')
    result = _run(tmp_path, {"main.tf": caller, "modules/acr/main.tf": module})
    plan, = _plans(result)
    assert plan.strategy == "disable"
    assert plan.registry.output_clients == ["azurerm_linux_web_app 'web' (../../main.tf line 6)"]


def test_verification_refuses_output_fmt_would_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fixer.formats.terraform import dialect

    monkeypatch.setattr(dialect, "INDENT", "   ")   # a dialect that lays out new lines badly
    result = _run(tmp_path, {"main.tf": REGISTRY}, strategy="disable")
    failed, = [f for f in result.files if f.display == "main.tf"]
    assert failed.status == "failed"
    assert "not laid out as its formatter would leave it" in failed.error


def test_a_tfvars_file_given_alone_brings_its_module(tmp_path: Path) -> None:
    text = REGISTRY.replace('"Premium"', "var.sku") + 'variable "sku" {\n  default = "Premium"\n}\n'
    (tmp_path / "env").mkdir()
    (tmp_path / "main.tf").write_text(text)
    (tmp_path / "env" / "dev.tfvars").write_text('sku = "Basic"\n')
    result = run([tmp_path / "env" / "dev.tfvars"], Options(jobs=1, strategy="disable"), root=tmp_path)
    assert _new(result, "env/dev.tfvars") == 'sku = "Premium"\n'


def test_members_of_object_variables_are_followed(tmp_path: Path) -> None:
    text = (REGISTRY.replace('"Premium"', "var.acr.sku")
            .replace('  sku                 = var.acr.sku\n',
                     '  sku                 = var.acr.sku\n  public_network_access_enabled = var.acr.public\n')
            + 'variable "acr" {\n  type = object({\n    sku    = string\n    public = bool\n  })\n}\n')
    result = _run(tmp_path, {"main.tf": text, "prod.tfvars": 'acr = {\n  sku    = "Standard"\n  public = true\n}\n'},
                  strategy="disable")
    assert _new(result, "prod.tfvars") == 'acr = {\n  sku    = "Premium"\n  public = false\n}\n'


def test_missing_member_of_an_object_is_manual(tmp_path: Path) -> None:
    text = REGISTRY.replace('"Premium"', "var.acr.sku") + 'variable "acr" {\n  default = {}\n}\n'
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    plan, = _plans(result)
    assert plan.status == "manual"
    assert "does not set sku" in " ".join(plan.manual)


def test_interpolated_name_is_shown_by_its_value(tmp_path: Path) -> None:
    text = (REGISTRY.replace('"contosoacr"', '"${var.prefix}acr"')
            + 'variable "prefix" {\n  type = string\n}\n')
    result = _run(tmp_path, {"main.tf": text, "terraform.tfvars": 'prefix = "contoso"\n'})
    plan, = _plans(result)
    assert plan.registry.label == "'contosoacr'"


def test_private_endpoint_of_another_resource_does_not_count(tmp_path: Path) -> None:
    endpoint = ('resource "azurerm_private_endpoint" "vault" {\n  location = azurerm_container_registry.acr.location\n'
                '  private_service_connection {\n    private_connection_resource_id = azurerm_key_vault.kv.id\n  }\n}\n')
    result = _run(tmp_path, {"main.tf": REGISTRY + endpoint})
    assert _plans(result)[0].strategy == "deny"


def test_override_files_make_the_registry_manual(tmp_path: Path) -> None:
    override = 'resource "azurerm_container_registry" "acr" {\n  public_network_access_enabled = false\n}\n'
    result = _run(tmp_path, {"main.tf": REGISTRY, "acr_override.tf": override})
    plan, = _plans(result)
    assert plan.status == "manual"
    assert "acr_override.tf line 1 overrides this resource" in plan.problem


# -- fuzzing: arbitrary edits of real inputs end in a result, never an exception -------------------

def test_mutated_terraform_never_crashes() -> None:
    import tempfile

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from fixer.run import write_fixes

    from tests.fuzz.seeds import mutate

    pool = [p.read_bytes() for p in sorted(GOLDEN.glob("terraform_*/input/**/*.tf"))]
    ops = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1 << 12), st.integers(0, 40),
                             st.binary(max_size=8) | st.sampled_from([b"{", b"}", b"[", b"]", b"=", b'"', b"${", b"#",
                                                                       b"/*", b"\n", b"\r\n", b"<<EOT\n", b"\x00",
                                                                       b"\xff", b"dynamic ", b"var.", b"?"])),
                   max_size=5)

    @settings(max_examples=120, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.builds(mutate, st.sampled_from(pool), ops), st.sampled_from(["auto", "deny", "disable"]))
    def check(data: bytes, strategy: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "main.tf").write_bytes(data)
            (root / "variables.tf").write_bytes(b'variable "sku" {\n  default = "Basic"\n}\n')
            result = run([root], Options(jobs=1, strategy=strategy, ip_rules=("203.0.113.1/32",)), root=root)
            for file_result in result.files:
                if file_result.status == "failed":
                    assert file_result.error and "\n" not in file_result.error
            write_fixes(result)
            again = run([root], Options(jobs=1, strategy=strategy, ip_rules=("203.0.113.1/32",)), root=root)
            assert not any(f.changed for f in again.files if f.status in ("would-fix", "fixed")), "a second run changed more"

    check()


def test_remote_registry_modules_are_manual_and_avm_from_git_is_read(tmp_path: Path) -> None:
    text = ('module "acr" {\n  source = "git::https://github.com/fluxcd/test-infra.git//tf-modules/azure/acr"\n}\n\n'
            'module "avm" {\n  source = "git::https://github.com/Azure/terraform-azurerm-avm-res-containerregistry-registry.git?ref=v0.8.0"\n'
            '\n  name                          = "contosoavm"\n  public_network_access_enabled = false\n}\n')
    result = _run(tmp_path, {"main.tf": text})
    statuses = {p.registry.name: p.status for p in _plans(result)}
    assert statuses == {"acr": "manual", "contosoavm": "pass"}


def test_fmt_indents_by_lines_not_brackets() -> None:
    # a line that opens two brackets indents what follows one level (hclwrite's rule)
    text = ('x = alltrue([\n  for a in b :\n  a\n])\ny = {\n  "k" = [\n    1,\n  ]\n}\n')
    assert fmt_problems(text) == []
    assert fmt_problems('x = alltrue([\n    a\n])\n') == ["line 2: indented 4 spaces, expected 2"]


def test_fmt_alignment_runs_on_across_heredocs() -> None:
    text = 'a {\n  default     = null\n  description = <<EOT\n  free text = here\nEOT\n  sensitive   = true\n}\n'
    assert fmt_problems(text) == []
    assert fmt_problems(text.replace("sensitive   =", "sensitive =")) != []


def test_a_private_endpoint_under_count_is_noted(tmp_path: Path) -> None:
    endpoint = ('resource "azurerm_private_endpoint" "pe" {\n  count = var.private ? 1 : 0\n'
                '  private_service_connection {\n'
                '    private_connection_resource_id = azurerm_container_registry.acr.id\n  }\n}\n')
    result = _run(tmp_path, {"main.tf": REGISTRY + endpoint})
    plan, = _plans(result)
    assert plan.strategy == "disable"
    assert any("is created under count = var.private ? 1 : 0" in note for note in plan.notes)


def test_one_line_block_with_a_value_to_change(tmp_path: Path) -> None:
    text = 'resource "azurerm_container_registry" "acr" { sku = "Basic" }\n'
    result = _run(tmp_path, {"main.tf": text}, strategy="disable")
    assert _new(result, "main.tf") == ('resource "azurerm_container_registry" "acr" {\n  sku = "Premium"\n\n'
                                       '  public_network_access_enabled = false\n}\n')


def test_optional_defaults_in_an_object_type_are_read_and_fixed(tmp_path: Path) -> None:
    text = (REGISTRY.replace('"Premium"', "var.acr.sku")
            + 'variable "acr" {\n  type = object({\n    name = string\n    sku  = optional(string, "Basic")\n  })\n}\n')
    result = _run(tmp_path, {"main.tf": text, "terraform.tfvars": 'acr = {\n  name = "contosoacr"\n}\n'},
                  strategy="disable")
    assert 'sku  = optional(string, "Premium")' in _new(result, "main.tf")


def test_a_caller_given_alone_brings_the_module_it_calls(tmp_path: Path) -> None:
    module = REGISTRY.replace('"Premium"', "var.sku") + 'variable "sku" {\n  default = "Premium"\n}\n'
    (tmp_path / "modules" / "acr").mkdir(parents=True)
    (tmp_path / "modules" / "acr" / "main.tf").write_text(module)
    (tmp_path / "main.tf").write_text('module "acr" {\n  source = "./modules/acr"\n  sku    = "Basic"\n}\n')
    result = run([tmp_path / "main.tf"], Options(jobs=1, strategy="disable"), root=tmp_path)
    assert 'sku    = "Premium"' in _new(result, "main.tf")
