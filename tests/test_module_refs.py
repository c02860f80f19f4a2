"""Which remote module references deploy a registry (fixer/formats/module_refs.py), and the
pre-filter in run.py that decides whether such a file is parsed at all."""

from __future__ import annotations

import pytest

import fixer.run as pipeline
from fixer.formats.module_refs import deploys_unmodelled_registry, module_name_path


@pytest.mark.parametrize("reference", [
    "br:contoso.azurecr.io/bicep/modules/containerregistry:v1",
    "br:contoso.azurecr.io/bicep/modules/container-registry:1.0.0",
    "br:contoso.azurecr.io/modules/acr@sha256:0123abcd",
    "br/modules:microsoft.containerregistry.registries:0.4.735",      # CARML
    "br:contoso.azurecr.io/bicep/modules/microsoft.containerregistry/registries:0.1",
    "br/Contoso:platform/Container_Registry:2.0",
    "ts:00000000-0000-0000-0000-000000000000/rg/acr:1.0",
    "ts/CoreSpecs:containerRegistry:1.0",
    "br/public:avm/ptn/dev-ops/cicd-agents-and-runners:0.3.1",         # AVM patterns that create one
    "br:mcr.microsoft.com/bicep/avm/ptn/app/container-job-toolkit:0.1.3",
    "br/public:avm/ptn/ai-ml/ai-foundry:0.1.1",
])
def test_registry_modules_acr_fix_cannot_read_are_recognised(reference):
    assert deploys_unmodelled_registry(reference)


@pytest.mark.parametrize("reference", [
    "br/public:avm/res/container-registry/registry:0.12.0",            # modelled (AVM)
    "br:mcr.microsoft.com/bicep/avm/res/container-registry/registry:0.9.1",
    "br/public:compute/container-registry:1.1.1",                       # modelled (classic)
    "br:mcr.microsoft.com/bicep/compute/container-registry:1.0.1",
    "br/public:avm/res/container-registry/registry/cache-rule:0.1.0",   # a child resource
    "br:myacr.azurecr.io/bicep/modules/storage:v1",                     # the host is named acr
    "br/public:deployment-scripts/import-acr:3.0.1",                    # imports images
    "br/public:avm/ptn/deployment-script/import-image-to-acr:0.4.4",
    "br:contoso.azurecr.io/bicep/modules/acr-pull-role:v1",             # a role assignment
    "br:contoso.azurecr.io/bicep/acr/webhook:v1",                       # a folder named acr
    "br:contoso.azurecr.io/bicep/modules/registry:v1",                  # which registry? not said
    "modules/acr.bicep",                                                # local: read as a file
    "../container-registry.bicep",
    "br/public:avm/ptn/azd/container-apps-stack:0.1.1",                 # modelled patterns
    "br/public:avm/ptn/azd/aks:0.3.0",
    "br/public:avm/ptn/aca-lza/hosting-environment:0.6.3",              # its registry is always closed
    "br/public:avm/ptn/ai-platform/baseline:0.8.0",
    "br/public:avm/ptn/ai-ml/ai-foundry:0.4.0",                         # no registry from 0.2.0 on
    "br/public:avm/ptn/azd/acr-container-app:0.5.0",                    # uses an existing registry
])
def test_other_modules_are_not_registries(reference):
    assert not deploys_unmodelled_registry(reference)


def test_module_name_path_drops_host_alias_and_tag():
    assert module_name_path("br:host.azurecr.io/bicep/modules/acr:v1") == ["bicep", "modules", "acr"]
    assert module_name_path("br/public:compute/container-registry:1.1.1") == ["compute", "container-registry"]
    assert module_name_path("ts:sub/rg/spec:1.0") == ["sub", "rg", "spec"]
    assert module_name_path("./acr.bicep") is None


@pytest.mark.parametrize("text, parsed", [
    (b"module r 'br/public:compute/container-registry:1.1.1' = {", True),
    (b"module r 'br:contoso.azurecr.io/bicep/modules/containerregistry:v1' = {", True),
    (b"module r 'ts/specs:acr:1.0' = {", True),
    (b"module s 'br:myacr.azurecr.io/bicep/modules/storage:v1' = {", False),
    (b"module i 'br/public:deployment-scripts/import-acr:3.0.1' = {", False),
    (b"param acrName string = 'acr'", False),
    (b"module s 'br/public:avm/ptn/azd/container-apps-stack:0.4.0' = {", True),
    (b"module s 'br/public:avm/ptn/dev-ops/cicd-agents-and-runners:0.2.0' = {", True),
    (b"module s 'br/public:avm/ptn/aca-lza/hosting-environment:0.6.3' = {", False),
])
def test_pre_filter_lets_registry_module_calls_through(text, parsed):
    assert pipeline._mentions_registry(text.lower()) is parsed
