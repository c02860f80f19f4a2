"""The consumer finder: kinds, trusted services, who a fix cuts off, azd and CI pipelines,
and what the planner and the reports make of them (unsafe fixes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from fixer.cli import app
from fixer.consumers import Consumer, ConsumerKind, Reach, cut_off, kind_of, of_resource
from fixer.markdown import render_markdown
from fixer.options import Options
from fixer.pipelines import azd_consumers, find_repository_consumers, pipeline_consumers
from fixer.report import render_json
from fixer.run import run
from fixer.sarif import render_sarif

from test_planner import plan_for, registry, template

HERE = Path("main.json")


def _load(text: str):
    return YAML(typ="rt").load(text)


# --------------------------------------------------------------------------- kinds

@pytest.mark.parametrize("resource_type, text, kind", [
    ("Microsoft.ContainerService/managedClusters@2024-02-01", "", ConsumerKind.AKS),
    ("Microsoft.App/containerApps", "", ConsumerKind.CONTAINER_APPS),
    ("Microsoft.App/jobs", "", ConsumerKind.CONTAINER_APPS),
    ("Microsoft.Web/sites", "kind: 'app,linux,container'", ConsumerKind.APP_SERVICE),
    ("Microsoft.Web/sites", "kind: 'functionapp,linux'", ConsumerKind.FUNCTIONS),
    ("Microsoft.Web/sites/config", "", ConsumerKind.APP_SERVICE),
    ("Microsoft.ContainerInstance/containerGroups", "", ConsumerKind.ACI),
    ("Microsoft.MachineLearningServices/workspaces", "", ConsumerKind.ML),
    ("Microsoft.Batch/batchAccounts/pools", "", ConsumerKind.BATCH),
    ("Microsoft.AppPlatform/Spring/apps", "", ConsumerKind.SPRING_APPS),
    ("Microsoft.Authorization/roleAssignments", "principalId: aks.properties.identityProfile.kubeletidentity.objectId",
     ConsumerKind.AKS),
    ("Microsoft.Authorization/roleAssignments", "principalId: principalId", ConsumerKind.ROLE),
    ("Microsoft.KeyVault/vaults/secrets", "", ConsumerKind.LOGIN_SERVER),
])
def test_kind_of_a_template_resource(resource_type, text, kind):
    assert kind_of(resource_type, text) == kind


def test_trusted_services_are_container_instances_with_an_identity_and_ml_workspaces():
    aci = "Microsoft.ContainerInstance/containerGroups"
    with_identity = of_resource(aci, "aci", HERE, 3, "imageRegistryCredentials: [ { server: s, identity: id } ]")
    with_password = of_resource(aci, "aci", HERE, 3, "imageRegistryCredentials: [ { server: s, password: p } ]")
    assert with_identity.trusted and not with_password.trusted
    assert of_resource("Microsoft.MachineLearningServices/workspaces", "ml", HERE, 1, "").trusted
    for kind in ("Microsoft.ContainerService/managedClusters", "Microsoft.App/containerApps", "Microsoft.Web/sites"):
        assert not of_resource(kind, "x", HERE, 1, "identity: {}").trusted  # AKS, ACA, App Service are not


def test_how_a_resource_pulls_is_said():
    site = "Microsoft.Web/sites"
    assert of_resource(site, "w", HERE, 1, "DOCKER_REGISTRY_SERVER_PASSWORD").how == "the registry's admin credentials"
    assert of_resource(site, "w", HERE, 1, "acr.properties.loginServer").how == "its login server"
    role = of_resource("Microsoft.Authorization/roleAssignments", "r", HERE, 1,
                       "roleDefinitionId: '8311e382-0749-4cb8-b61a-304f252e45ec'")
    assert role.how == "the AcrPush role" and role.pushes


# --------------------------------------------------------------------------- who is cut off

def _consumer(kind: ConsumerKind, in_azure: bool = True, trusted: bool = False) -> Consumer:
    return Consumer(kind=kind, what=kind.value, path=HERE, line=1, how="its login server", trusted=trusted,
                    in_azure=in_azure)


def test_a_deny_firewall_without_a_private_endpoint_cuts_off_aks_and_says_what_it_needs():
    (lost,), kept = cut_off([_consumer(ConsumerKind.AKS)], Reach("deny", False, False, True))
    assert kept == []
    assert "private endpoint" in lost.needs and "--ip-rule" in lost.needs


def test_disabled_public_access_needs_a_private_endpoint_only():
    (lost,), _ = cut_off([_consumer(ConsumerKind.CONTAINER_APPS)], Reach("disable", False, False, True))
    assert "private endpoint" in lost.needs and "--ip-rule" not in lost.needs


def test_a_private_endpoint_keeps_workloads_but_not_hosted_ci():
    hosted = Consumer(ConsumerKind.CI, "ci", HERE, 1, "docker push", in_azure=False, pushes=True)
    self_hosted = Consumer(ConsumerKind.CI, "ci2", HERE, 2, "docker push", in_azure=True, pushes=True)
    lost, kept = cut_off([_consumer(ConsumerKind.APP_SERVICE), hosted, self_hosted], Reach("disable", True, False, True))
    assert [c.consumer for c in lost] == [hosted]
    assert len(kept) == 2 and all("private endpoint" in note for note in kept)


def test_trusted_services_keep_access_only_when_the_bypass_lets_them():
    ml = _consumer(ConsumerKind.ML, trusted=True)
    assert cut_off([ml], Reach("deny", False, False, True))[0] == []
    (lost,), _ = cut_off([ml], Reach("deny", False, False, False))   # networkRuleBypassOptions: None
    assert "AzureServices" in lost.needs


def test_listed_ip_rules_keep_workloads_on_condition_but_not_hosted_ci():
    hosted = Consumer(ConsumerKind.CI, "ci", HERE, 1, "docker push", in_azure=False, pushes=True)
    lost, kept = cut_off([_consumer(ConsumerKind.AKS), hosted], Reach("deny", False, True, True))
    assert [c.consumer for c in lost] == [hosted]
    assert "ipRules" in kept[0]


# --------------------------------------------------------------------------- azd and CI

def test_github_workflow_jobs_that_push_are_found_with_env_and_runner(tmp_path):
    data = _load("name: ci\nenv:\n  ACR: contosoapps\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                 "      - uses: docker/login-action@v3\n        with:\n          registry: ${{ env.ACR }}.azurecr.io\n"
                 "      - run: docker push ${{ env.ACR }}.azurecr.io/web:1\n"
                 "  remote:\n    runs-on: [self-hosted, linux]\n    steps:\n"
                 "      - run: |\n          NAME=contosoapps\n          az acr build -r $NAME -t api .\n"
                 "  secret:\n    runs-on: ubuntu-latest\n    steps:\n"
                 "      - run: docker push ${{ secrets.REGISTRY }}/x:1\n")
    found = pipeline_consumers(tmp_path / "ci.yml", data, "github")
    assert [(f.consumer.what, f.consumer.line, f.consumer.how, sorted(f.names)) for f in found] == [
        ("workflow 'ci' job 'build'", 8, "docker/login-action, docker push", ["contosoapps"]),
        ("workflow 'ci' job 'remote' (self-hosted runner)", 15, "az acr build", ["contosoapps"]),
    ]  # a registry named only by a secret is not matched to any
    build, remote = (f.consumer for f in found)
    assert build.pushes and not build.in_azure and remote.in_azure
    assert "agent pool" in remote.needs("deny")


def test_azure_pipeline_variables_and_docker_task(tmp_path):
    data = _load("variables:\n  - name: acrName\n    value: contosoapps\npool:\n  name: private-agents\n"
                 "stages:\n  - stage: build\n    jobs:\n      - job: image\n        steps:\n"
                 "          - task: Docker@2\n            inputs:\n              command: buildAndPush\n"
                 "              repository: $(acrName).azurecr.io/web\n"
                 "          - task: AzureCLI@2\n            inputs:\n              inlineScript: az acr login --name $(acrName)\n")
    (found,) = pipeline_consumers(tmp_path / "azure-pipelines.yml", data, "azure")
    assert found.names == {"contosoapps"}
    assert found.consumer.how == "Docker task (buildAndPush), az acr login"
    assert found.consumer.in_azure  # a pool without vmImage: a self-hosted agent pool


def test_azd_services_that_build_images_push_to_the_infra_registries(tmp_path):
    data = _load("name: app\ninfra:\n  path: deploy\nservices:\n  api:\n    host: containerapp\n"
                 "  site:\n    host: staticwebapp\n  worker:\n    host: aks\n    docker:\n"
                 "      registry: contosoaks.azurecr.io\n      remoteBuild: true\n")
    api, worker = azd_consumers(tmp_path / "azure.yaml", data)
    assert api.infra == tmp_path / "deploy" and not api.names
    assert api.consumer.line == 5 and api.consumer.pushes and not api.consumer.in_azure
    assert worker.names == {"contosoaks"} and "ACR Tasks" in worker.consumer.how


def test_repository_consumers_are_matched_by_name_or_infra_folder(tmp_path):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
        "jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: az acr login -n ContosoApps\n")
    (tmp_path / ".github" / "workflows" / "broken.yml").write_text("jobs: [unclosed\n")  # skipped, no error
    (tmp_path / "azure.yaml").write_text("services:\n  web:\n    host: containerapp\n")
    found = find_repository_consumers(tmp_path)
    by_name = found.for_registry(["contosoapps"], tmp_path / "elsewhere" / "main.bicep")
    assert [c.kind for c in by_name] == [ConsumerKind.CI]
    in_infra = found.for_registry(["other"], tmp_path / "infra" / "main.bicep")
    assert [c.kind for c in in_infra] == [ConsumerKind.AZD]
    assert found.for_registry(["other"], tmp_path / "main.bicep") == []


# --------------------------------------------------------------------------- the plan and the reports

_SITE = {"type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "name": "web", "location": "westus",
         "properties": {"siteConfig": {"appSettings": [
             {"name": "DOCKER_REGISTRY_SERVER_URL",
              "value": "[reference(resourceId('Microsoft.ContainerRegistry/registries', 'acr1')).loginServer]"}]}}}


def test_a_fix_that_cuts_off_a_consumer_is_unsafe_and_held_unless_opted_in(tmp_path):
    (plan,), _ = plan_for(tmp_path, template(registry(), extra=[_SITE]))
    assert plan.status == "unsafe" and plan.held and plan.fix.applicability.name == "UNSAFE"
    assert [lost.consumer.kind for lost in plan.cut_off] == [ConsumerKind.APP_SERVICE]
    (opted,), _ = plan_for(tmp_path, template(registry(), extra=[_SITE]), unsafe_fixes=True)
    assert opted.status == "fix" and opted.cut_off and not opted.held


def test_a_fix_with_no_consumer_cut_off_stays_safe(tmp_path):
    (plan,), _ = plan_for(tmp_path, template(registry()))
    assert plan.status == "fix" and plan.fix.applicability.name == "SAFE" and not plan.cut_off


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.json").write_text(template(registry(), extra=[_SITE]))
    return root


def test_reports_carry_applicability_and_consumers(tmp_path):
    root = _repo(tmp_path)
    result = run([root], Options(), root=root)
    entry = json.loads(render_json(result, "dry-run"))["files"][0]["registries"][0]
    assert entry["status"] == "unsafe" and entry["applicability"] == "unsafe"
    (consumer,) = entry["consumers"]
    assert consumer["kind"] == "App Service" and consumer["cut_off"] and consumer["file"] == "main.json"
    assert "private endpoint" in consumer["needs"]
    sarif = json.loads(render_sarif(result))["runs"][0]["results"][0]
    assert "The fix cuts off: App Service" in sarif["message"]["text"]
    assert sarif["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == consumer["line"]
    assert sarif["properties"]["applicability"] == "unsafe"
    markdown = render_markdown(result)
    assert "Not applied, unsafe" in markdown and "**Before you merge**" in markdown
    assert "- [ ] App Service: Microsoft.Web/sites 'web'" in markdown


def test_an_override_opts_one_registry_in_to_unsafe_fixes(tmp_path, monkeypatch):
    root = _repo(tmp_path)
    monkeypatch.chdir(root)
    held = CliRunner().invoke(app, ["--write", "."])
    assert held.exit_code == 1 and "unsafe fix, not applied" in held.stdout
    assert "networkRuleSet" not in (root / "main.json").read_text()
    (root / "acr-fix.yaml").write_text("overrides:\n  - name: acr1\n    unsafe_fixes: true\n")
    applied = CliRunner().invoke(app, ["--write", "."])
    assert applied.exit_code == 0, applied.stdout
    assert "networkRuleSet" in (root / "main.json").read_text()


def test_literal_login_servers_in_other_files_are_consumers(tmp_path):
    from fixer.pipelines import login_server_consumers

    home = tmp_path / "acr.json"
    home.write_text('{"name": "contosolit", "x": "contosolit.azurecr.io"}')
    other = tmp_path / "app.parameters.json"
    other.write_text('{\n  "image": "ContosoLit.azurecr.io/web:1",\n  "again": "contosolit.azurecr.io/api:2"\n}')
    unrelated = tmp_path / "b.bicep"
    unrelated.write_text("param image string = 'someoneelse.azurecr.io/x:1'\n")
    (found,) = login_server_consumers([home, other, unrelated], {"contosolit": [home]})
    assert found.names == {"contosolit"}
    assert (found.consumer.path, found.consumer.line, found.consumer.kind) == (other, 2, ConsumerKind.LOGIN_SERVER)


def test_a_cluster_attached_in_a_pipeline_is_an_aks_consumer(tmp_path):
    data = _load("jobs:\n  infra:\n    runs-on: ubuntu-latest\n    steps:\n"
                 "      - run: az aks update -g rg -n aks --attach-acr contosoapps\n")
    (found,) = pipeline_consumers(tmp_path / "infra.yml", data, "github")
    assert found.consumer.kind == ConsumerKind.AKS and not found.consumer.pushes and found.consumer.in_azure
    assert found.names == {"contosoapps"}


def test_a_deployment_handed_the_login_server_is_a_module_consumer():
    assert kind_of("Microsoft.Resources/deployments") == ConsumerKind.MODULE
