"""Who pulls from or pushes to a registry, and whether a fix that closes it cuts them off.

A Consumer is one thing that uses a registry: a resource of the templates (an AKS cluster
whose kubelet identity has AcrPull, a container app that names its login server, a Web App
with `DOCKER_REGISTRY_SERVER_URL`...), an `azure.yaml` service that azd builds and pushes,
or a CI workflow that logs in or pushes. The readers fill Registry.consumers; this module
knows what each kind is, whether it is a trusted service (`networkRuleBypassOptions:
AzureServices` lets it through a closed registry), and what it needs once the registry is
closed. Pure: no I/O (the repository files are read in ``fixer/pipelines.py``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path



class ConsumerKind(str, Enum):
    AKS = "AKS"
    CONTAINER_APPS = "Container Apps"
    APP_SERVICE = "App Service"
    FUNCTIONS = "Functions"
    ACI = "Container Instances"
    ML = "ML workspace"
    BATCH = "Batch"
    SPRING_APPS = "Spring Apps"
    AZD = "azd service"
    CI = "CI workflow"
    ROLE = "role assignment"
    LOGIN_SERVER = "login-server string"
    MODULE = "module"


ML_WORKSPACE_TYPE = "microsoft.machinelearningservices/workspaces"

# Resource type (lower-case, without the apiVersion) -> kind. Child types (sites/config,
# sites/slots, batchAccounts/pools, Spring/apps) count as their parent's.
_KINDS = {
    "microsoft.containerservice/managedclusters": ConsumerKind.AKS,
    "microsoft.app/containerapps": ConsumerKind.CONTAINER_APPS,
    "microsoft.app/jobs": ConsumerKind.CONTAINER_APPS,
    "microsoft.web/sites": ConsumerKind.APP_SERVICE,
    "microsoft.containerinstance/containergroups": ConsumerKind.ACI,
    "microsoft.machinelearningservices/workspaces": ConsumerKind.ML,
    "microsoft.batch/batchaccounts": ConsumerKind.BATCH,
    "microsoft.appplatform/spring": ConsumerKind.SPRING_APPS,
    "microsoft.authorization/roleassignments": ConsumerKind.ROLE,
    # a nested or linked deployment handed the login server: what it deploys pulls
    "microsoft.resources/deployments": ConsumerKind.MODULE,
}

# The trusted services of Azure Container Registry that its consumers can be
# (learn.microsoft.com/azure/container-registry/allow-access-trusted-services): Container
# Instances pulling with a managed identity, and Machine Learning workspaces. AKS, Container
# Apps, App Service, Functions, Batch and Spring Apps are not trusted services: a closed
# registry turns them away whatever networkRuleBypassOptions says.
_TRUSTED = frozenset({ConsumerKind.ML})

# Consumers that run in Azure and can be put in a virtual network, so a private endpoint of
# the registry (with its privatelink.azurecr.io DNS zone linked to that network) serves them.
# A CI job on a hosted runner and azd on a laptop cannot use one.
_IN_AZURE = frozenset({ConsumerKind.AKS, ConsumerKind.CONTAINER_APPS, ConsumerKind.APP_SERVICE,
                       ConsumerKind.FUNCTIONS, ConsumerKind.ACI, ConsumerKind.ML, ConsumerKind.BATCH,
                       ConsumerKind.SPRING_APPS, ConsumerKind.ROLE, ConsumerKind.LOGIN_SERVER,
                       ConsumerKind.MODULE})

_PRIVATE = "a private endpoint of the registry with the privatelink.azurecr.io DNS zone linked to"
# What each kind needs to keep reaching a closed registry: (through a private endpoint,
# through the firewall). The second is None when only a private path works (Disabled).
_NEEDS: dict[ConsumerKind, tuple[str, str]] = {
    ConsumerKind.AKS: (f"{_PRIVATE} the cluster's virtual network",
                       "the cluster's outbound addresses (load balancer or NAT gateway public IPs) in --ip-rule"),
    ConsumerKind.CONTAINER_APPS: (f"{_PRIVATE} the environment's virtual network (a VNet-integrated environment)",
                                  "the environment's outbound addresses in --ip-rule"),
    ConsumerKind.APP_SERVICE: (f"{_PRIVATE} the app's integration virtual network, with vnetImagePullEnabled",
                               "the app's outbound addresses (outboundIpAddresses) in --ip-rule"),
    ConsumerKind.FUNCTIONS: (f"{_PRIVATE} the app's integration virtual network, with vnetImagePullEnabled",
                             "the app's outbound addresses (outboundIpAddresses) in --ip-rule"),
    ConsumerKind.ACI: ("a managed identity in imageRegistryCredentials (Container Instances pulling that way are "
                       f"a trusted service), or {_PRIVATE} the container group's virtual network",
                       "the container group's outbound address in --ip-rule"),
    ConsumerKind.ML: (f"networkRuleBypassOptions 'AzureServices', or {_PRIVATE} the workspace's virtual network",
                      "networkRuleBypassOptions 'AzureServices'"),
    ConsumerKind.BATCH: (f"{_PRIVATE} the pool's virtual network", "the pool's public addresses in --ip-rule"),
    ConsumerKind.SPRING_APPS: (f"{_PRIVATE} the service's virtual network (VNet injection)",
                               "the service's outbound addresses in --ip-rule"),
    ConsumerKind.AZD: ("running `azd deploy` from a machine or agent inside the registry's virtual network",
                       "the public address `azd deploy` runs from in --ip-rule"),
    ConsumerKind.CI: ("a self-hosted runner or agent (or a Managed DevOps Pool) inside the registry's virtual network",
                      "the runner's public address in --ip-rule (hosted runners' addresses change: "
                      "use a self-hosted one)"),
    ConsumerKind.ROLE: (f"{_PRIVATE} the virtual network of whatever uses that identity",
                        "its outbound addresses in --ip-rule"),
    ConsumerKind.LOGIN_SERVER: (f"{_PRIVATE} the virtual network it runs in", "its outbound addresses in --ip-rule"),
    ConsumerKind.MODULE: (f"{_PRIVATE} the virtual network of what the module deploys",
                          "its outbound addresses in --ip-rule"),
}


@dataclass(frozen=True)
class Consumer:
    """One puller or pusher of a registry.

    ``what`` names it ("Microsoft.Web/sites 'app'", "workflow deploy.yml job build");
    ``path``/``line`` say where it is declared; ``how`` says how it reaches the registry
    ("its login server", "AcrPull role assignment 'pull'", "docker push"). ``trusted``: a
    trusted service that networkRuleBypassOptions 'AzureServices' lets in. ``in_azure``: it
    can use a private endpoint (it runs in Azure, or on a self-hosted runner)."""

    kind: ConsumerKind
    what: str
    path: Path
    line: int
    how: str
    trusted: bool = False
    in_azure: bool = True
    pushes: bool = False
    needs_instead: str = ""   # what it needs, when not what its kind needs (`az acr build`: ACR Tasks)

    def where(self, home: Path | None = None) -> str:
        """"line 13" in ``home`` itself, else "../main.bicep line 17"."""
        if home is not None and os.path.abspath(home) == os.path.abspath(self.path):
            return f"line {self.line}"
        if home is None:
            return f"{self.path.as_posix()} line {self.line}"
        try:
            shown = Path(os.path.relpath(self.path, home.parent)).as_posix()
        except ValueError:  # another drive (Windows)
            shown = self.path.as_posix()
        return f"{shown} line {self.line}"

    def describe(self, home: Path | None = None) -> str:
        """"App Service: Microsoft.Web/sites 'app' (line 13), through its login server"."""
        return f"{self.kind.value}: {self.what} ({self.where(home)}), {self.verb} {self.how}"

    @property
    def verb(self) -> str:
        if self.pushes:
            return "pushes with"
        return "logs in with" if self.kind in (ConsumerKind.CI, ConsumerKind.AZD) else "pulls with"

    def needs(self, strategy: str) -> str:
        """What this consumer needs to keep reaching the registry after a fix of ``strategy``."""
        if self.needs_instead:
            return self.needs_instead
        private, firewall = _NEEDS[self.kind]
        if strategy == "disable" or self.kind == ConsumerKind.ML:
            return private
        return f"{private}, or {firewall}"


def kind_of(resource_type: str, text: str = "") -> ConsumerKind:
    """The kind of a template resource that uses a registry, from its type (and, for
    Microsoft.Web/sites, its `kind`: a function app). Unknown types are login-server strings:
    something that carries the login server somewhere (an app setting, a secret)."""
    lowered = resource_type.lower().split("@", 1)[0]
    parts = lowered.split("/")
    base = "/".join(parts[:2])
    kind = _KINDS.get(lowered) or _KINDS.get(base) or ConsumerKind.LOGIN_SERVER
    if kind == ConsumerKind.APP_SERVICE and "functionapp" in text.lower():
        return ConsumerKind.FUNCTIONS
    if kind == ConsumerKind.ROLE and "kubeletidentity" in text.lower():
        return ConsumerKind.AKS  # the kubelet identity pulls the cluster's images
    return kind


_CREDENTIALS = re.compile(r"listCredentials\s*\(|DOCKER_REGISTRY_SERVER_PASSWORD|adminUser", re.IGNORECASE)
_IDENTITY_PULL = re.compile(r"imageRegistryCredentials[\s\S]*?\bidentity\b", re.IGNORECASE)


def how_it_pulls(text: str) -> str:
    """How a resource whose text is ``text`` reaches the registry, in words."""
    from .formats.base import registry_role_in  # (formats.base imports the model, which imports this)

    role = registry_role_in(text.lower())
    if role is not None:
        return f"the {role} role"
    if _CREDENTIALS.search(text):
        return "the registry's admin credentials"
    if re.search(r"acrUseManagedIdentityCreds|\bidentity\b", text, re.IGNORECASE):
        return "its login server and a managed identity"
    return "its login server"


def of_resource(resource_type: str, what: str, path: Path, line: int, text: str, how: str | None = None,
                kind: ConsumerKind | None = None) -> Consumer:
    """The Consumer for a template resource (or module call) that uses a registry; ``text``
    is its declaration's text (its kind, its credentials, a managed identity)."""
    kind = kind or kind_of(resource_type, text)
    if how is None and kind == ConsumerKind.ML and re.search(r"containerRegistry", text, re.IGNORECASE):
        how = "its containerRegistry (the workspace identity)"
    trusted = kind in _TRUSTED or (kind == ConsumerKind.ACI and _IDENTITY_PULL.search(text) is not None)
    how = how or how_it_pulls(text)
    return Consumer(kind=kind, what=what, path=Path(path), line=line, how=how, trusted=trusted,
                    in_azure=kind in _IN_AZURE, pushes="AcrPush" in how)


def merge(first: list[Consumer], more: list[Consumer]) -> list[Consumer]:
    """``first`` then the consumers of ``more`` it does not hold yet (same file and line)."""
    seen = {(os.path.abspath(c.path), c.line) for c in first}
    out = list(first)
    for consumer in more:
        key = (os.path.abspath(consumer.path), consumer.line)
        if key not in seen:
            seen.add(key)
            out.append(consumer)
    return out


@dataclass(frozen=True)
class CutOff:
    """A consumer a fix cuts off, and what it needs to keep working."""

    consumer: Consumer
    needs: str


@dataclass(frozen=True)
class Reach:
    """What still gets into the registry after a fix besides its public endpoint: a private
    endpoint the template gives it, addresses in networkRuleSet.ipRules, trusted services
    (None: not known)."""

    strategy: str
    private_endpoint: bool
    ip_rules: bool
    trusted: bool | None


def cut_off(consumers: list[Consumer], reach: Reach) -> tuple[list[CutOff], list[str]]:
    """The consumers a fix cuts off, with what each needs; and notes for those that keep
    their access only on a condition the template does not show (the private endpoint's
    network, the listed addresses)."""
    lost: list[CutOff] = []
    kept: list[str] = []
    for consumer in consumers:
        if consumer.trusted and reach.trusted:
            # a trusted service passes a Deny firewall and disabled public access alike
            kept.append(f"{consumer.what} keeps access as a trusted Azure service ({consumer.kind.value}, "
                        "networkRuleBypassOptions 'AzureServices')")
            continue
        if reach.private_endpoint and consumer.in_azure:
            kept.append(f"{consumer.what} keeps access through the registry's private endpoint if it runs in a "
                        "virtual network that reaches it and resolves privatelink.azurecr.io")
            continue
        if reach.ip_rules and reach.strategy != "disable" and consumer.kind != ConsumerKind.CI:
            kept.append(f"{consumer.what} keeps access only if its outbound address is in networkRuleSet.ipRules")
            continue
        lost.append(CutOff(consumer, consumer.needs(reach.strategy)))
    return lost, kept
