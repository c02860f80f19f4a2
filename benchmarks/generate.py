"""Seeded generator of synthetic repositories for the acr-fix benchmark.

A repository is a tree of "projects" (folders such as ``services/orders/infra`` or
``quickstarts/042-web-app-sql``), each holding a few ARM (JSON or JSONC) and Bicep
templates, parameter files next to some of them, and the odd README.md, package.json or
tsconfig.json. About ``--registry-share`` of the templates declare at least one
``Microsoft.ContainerRegistry/registries`` resource, in one of several shapes that acr-fix
must handle (open Basic, Standard with a parameterised SKU, already compliant, Premium with
``networkRuleSet.defaultAction: Allow``, SKU from an expression, copy loops, nested
deployments, languageVersion 2.0 symbolic resources). The other templates are realistic
filler: storage accounts, VNets, NSGs, web apps, key vaults, SQL, Cosmos DB; a few mention
the registry type only in a role assignment or an ``existing`` reference, which a byte
pre-filter cannot tell apart from a declaration.

The same seed and parameters always give byte-identical output. ``--files`` counts every
file written (templates, parameter files, other files); ``--arm-share`` and
``--registry-share`` are fractions of the template files (ARM + Bicep) only, because those
are what acr-fix discovers and checks. ``--size-mb`` defaults to 15 KB per file
(2 000 files = 30 MB).

Usage::

    python -m benchmarks.generate --files 2000 --out bench-out/repo --seed 1

Everything here is synthetic: no template is copied from a real repository.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

# Bump when the output for a given seed changes, so cached benchmark trees are rebuilt.
GENERATOR_VERSION = 1

REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries"
BYTES_PER_FILE = 30 * 1024 * 1024 / 2000


# --------------------------------------------------------------------------------------
# A format-neutral template model, rendered either as ARM JSON or as Bicep.
# --------------------------------------------------------------------------------------

_PARAM_REF = re.compile(r"(?:parameters|variables)\('(\w+)'\)")


@dataclass(frozen=True)
class E:
    """A template expression: ``arm`` is the ARM form without brackets, ``bicep`` the Bicep
    form (derived from the ARM form when not given: ``parameters('x')`` becomes ``x``)."""

    arm: str
    bicep_text: str | None = None

    @property
    def bicep(self) -> str:
        if self.bicep_text is not None:
            return self.bicep_text
        return _PARAM_REF.sub(r"\1", self.arm)


def P(name: str) -> E:
    return E(f"parameters('{name}')")


def V(name: str) -> E:
    return E(f"variables('{name}')")


def named(suffix: str) -> E:
    """A resource name built from the ``prefix`` parameter."""
    return E(f"format('{{0}}{suffix}', parameters('prefix'))", f"'${{prefix}}{suffix}'")


@dataclass
class Param:
    name: str
    type: str  # string | int | bool | object | array | securestring
    default: Any = None
    allowed: list[Any] | None = None
    description: str | None = None


@dataclass
class Template:
    description: str
    params: list[Param] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    resources: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[tuple[str, str, E]] = field(default_factory=list)

    def param(self, p: Param) -> None:
        if all(q.name != p.name for q in self.params):
            self.params.append(p)


# --------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------

AREAS = ["platform", "apps", "shared", "data", "network", "security", "ml", "edge", "ops", "web"]
SERVICES = ["orders", "billing", "catalog", "checkout", "identity", "search", "payments",
            "inventory", "shipping", "reporting", "gateway", "notifications", "analytics",
            "profile", "ingest", "scheduler", "media", "recommendations", "audit", "portal"]
TOPICS = ["web-app", "function-app", "aks-cluster", "storage", "vnet-hub", "vnet-spoke",
          "key-vault", "sql", "cosmos", "monitoring", "container-apps", "app-gateway",
          "front-door", "private-endpoints", "batch", "data-factory", "event-hubs",
          "service-bus", "redis", "api-management", "jumpbox", "log-analytics", "registry",
          "acr", "images", "build-agents", "landing-zone", "bastion", "firewall", "dns"]
ENVS = ["dev", "test", "staging", "prod", "sandbox", "qa"]
REGIONS = ["westeurope", "northeurope", "eastus", "eastus2", "westus3", "uksouth",
           "swedencentral", "australiaeast", "japaneast", "centralus"]
WORDS = ["alpha", "bravo", "delta", "echo", "fox", "gold", "harbor", "iris", "juno", "kilo",
         "lima", "nova", "opal", "pine", "quartz", "river", "sierra", "tango", "umber", "vega"]
COMMENTS = [
    "TODO: move to a shared module", "keep in sync with the pipeline variables",
    "required by the landing zone policy", "see docs/networking.md",
    "do not change without a change request", "pinned: newer API versions break the pipeline",
    "values below come from the platform team", "legacy setting, remove after migration",
    "HACK: workaround for a deployment ordering issue", "set per environment in parameters",
]
DESCRIPTIONS = [
    "The location for all resources.", "Prefix used for every resource name.",
    "The environment this deployment targets.", "Tags applied to every resource.",
    "Name of the SKU.", "Address space of the virtual network.",
    "Object ID of the principal granted access.", "Enable diagnostics to Log Analytics.",
    "Région de déploiement (toutes les ressources).", "Número de instancias del plan.",
]


# --------------------------------------------------------------------------------------
# Filler resources (no registry)
# --------------------------------------------------------------------------------------

LOC = P("location")


def _tags(rng: random.Random) -> dict[str, Any]:
    tags: dict[str, Any] = {"environment": P("environment"), "costCenter": str(rng.randint(1000, 9999))}
    if rng.random() < 0.5:
        tags["owner"] = rng.choice(WORDS) + "@contoso.com"
    if rng.random() < 0.3:
        tags["workload"] = rng.choice(SERVICES)
    return tags


def storage(rng: random.Random, i: int) -> list[dict[str, Any]]:
    ip_rules = [{"value": f"20.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24", "action": "Allow"}
                for _ in range(rng.randint(0, 6))]
    return [{
        "_sym": f"storage{i}", "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": rng.choice(["2022-09-01", "2023-01-01", "2023-05-01"]),
        "name": E(f"format('st{{0}}{i}', uniqueString(resourceGroup().id))",
                  f"'st${{uniqueString(resourceGroup().id)}}{i}'"),
        "location": LOC, "tags": _tags(rng),
        "sku": {"name": rng.choice(["Standard_LRS", "Standard_GRS", "Standard_ZRS", "Premium_LRS"])},
        "kind": "StorageV2",
        "properties": {
            "minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": True,
            "allowBlobPublicAccess": False, "allowSharedKeyAccess": rng.random() < 0.5,
            "accessTier": rng.choice(["Hot", "Cool"]),
            "networkAcls": {"bypass": "AzureServices", "defaultAction": rng.choice(["Allow", "Deny"]),
                            "ipRules": ip_rules, "virtualNetworkRules": []},
            "encryption": {"keySource": "Microsoft.Storage",
                           "services": {"blob": {"enabled": True, "keyType": "Account"},
                                        "file": {"enabled": True, "keyType": "Account"}}},
        },
    }]


def vnet(rng: random.Random, i: int) -> list[dict[str, Any]]:
    subnets = []
    for s in range(rng.randint(1, 10)):
        subnet: dict[str, Any] = {"name": f"snet-{rng.choice(SERVICES)}-{s}",
                                  "properties": {"addressPrefix": f"10.{i % 250}.{s}.0/24",
                                                 "privateEndpointNetworkPolicies": "Disabled"}}
        if rng.random() < 0.5:
            subnet["properties"]["networkSecurityGroup"] = {
                "id": E(f"resourceId('Microsoft.Network/networkSecurityGroups', format('{{0}}-nsg-{s}', parameters('prefix')))",
                        f"resourceId('Microsoft.Network/networkSecurityGroups', '${{prefix}}-nsg-{s}')")}
        if rng.random() < 0.4:
            subnet["properties"]["serviceEndpoints"] = [{"service": svc} for svc in
                                                        rng.sample(["Microsoft.Storage", "Microsoft.KeyVault", "Microsoft.Sql", "Microsoft.Web"], 2)]
        if rng.random() < 0.2:
            subnet["properties"]["delegations"] = [{"name": "delegation", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}]
        subnets.append(subnet)
    return [{
        "_sym": f"vnet{i}", "type": "Microsoft.Network/virtualNetworks",
        "apiVersion": rng.choice(["2022-07-01", "2023-04-01", "2023-09-01"]),
        "name": named(f"-vnet-{i}"), "location": LOC, "tags": _tags(rng),
        "properties": {"addressSpace": {"addressPrefixes": [f"10.{i % 250}.0.0/16"]}, "subnets": subnets},
    }]


def nsg(rng: random.Random, i: int) -> list[dict[str, Any]]:
    rules = []
    for r in range(rng.randint(2, 30)):
        rules.append({"name": f"{rng.choice(['Allow', 'Deny'])}-{rng.choice(['Https', 'Ssh', 'Rdp', 'Sql', 'AzureLoadBalancer', 'VnetInBound'])}-{r}",
                      "properties": {"priority": 100 + r * 10, "direction": rng.choice(["Inbound", "Outbound"]),
                                     "access": rng.choice(["Allow", "Deny"]), "protocol": rng.choice(["Tcp", "Udp", "*"]),
                                     "sourcePortRange": "*", "destinationPortRange": str(rng.choice([22, 443, 1433, 3389, 8080])),
                                     "sourceAddressPrefix": rng.choice(["Internet", "VirtualNetwork", "AzureLoadBalancer", "10.0.0.0/8"]),
                                     "destinationAddressPrefix": "*",
                                     "description": rng.choice(COMMENTS)}})
    return [{"_sym": f"nsg{i}", "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01",
             "name": named(f"-nsg-{i}"), "location": LOC, "properties": {"securityRules": rules}}]


def web_app(rng: random.Random, i: int) -> list[dict[str, Any]]:
    settings = [{"name": f"{rng.choice(['APP', 'FEATURE', 'SERVICE', 'CACHE'])}_{rng.choice(WORDS).upper()}_{k}",
                 "value": rng.choice(["true", "false", "1", "https://contoso.example/api", "Information"])}
                for k in range(rng.randint(3, 35))]
    plan = {"_sym": f"plan{i}", "type": "Microsoft.Web/serverfarms", "apiVersion": "2022-09-01",
            "name": named(f"-plan-{i}"), "location": LOC,
            "sku": {"name": rng.choice(["B1", "S1", "P1v3", "P2v3"]), "capacity": rng.randint(1, 4)},
            "kind": "linux", "properties": {"reserved": True}}
    site = {"_sym": f"site{i}", "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01",
            "name": named(f"-app-{i}"), "location": LOC, "tags": _tags(rng), "kind": "app,linux",
            "identity": {"type": "SystemAssigned"},
            "_deps": [f"plan{i}"],
            "properties": {"serverFarmId": E(f"resourceId('Microsoft.Web/serverfarms', format('{{0}}-plan-{i}', parameters('prefix')))",
                                             f"resourceId('Microsoft.Web/serverfarms', '${{prefix}}-plan-{i}')"),
                           "httpsOnly": True,
                           "siteConfig": {"linuxFxVersion": rng.choice(["DOTNETCORE|8.0", "NODE|20-lts", "PYTHON|3.11"]),
                                          "minTlsVersion": "1.2", "ftpsState": "Disabled", "alwaysOn": True,
                                          "appSettings": settings}}}
    return [plan, site]


def key_vault(rng: random.Random, i: int) -> list[dict[str, Any]]:
    policies = [{"tenantId": E("subscription().tenantId"),
                 "objectId": f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-a{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}",
                 "permissions": {"keys": rng.sample(["get", "list", "create", "update", "import", "delete", "backup", "restore"], rng.randint(1, 6)),
                                 "secrets": rng.sample(["get", "list", "set", "delete", "backup", "restore", "recover"], rng.randint(1, 5)),
                                 "certificates": rng.sample(["get", "list", "create", "update", "import", "delete"], rng.randint(0, 4))}}
                for _ in range(rng.randint(1, 12))]
    return [{"_sym": f"kv{i}", "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-02-01",
             "name": named(f"-kv{i}"), "location": LOC, "tags": _tags(rng),
             "properties": {"tenantId": E("subscription().tenantId"), "sku": {"family": "A", "name": "standard"},
                            "enableRbacAuthorization": False, "enableSoftDelete": True, "softDeleteRetentionInDays": 90,
                            "enablePurgeProtection": True, "accessPolicies": policies,
                            "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny"}}}]


def monitoring(rng: random.Random, i: int) -> list[dict[str, Any]]:
    return [{"_sym": f"law{i}", "type": "Microsoft.OperationalInsights/workspaces", "apiVersion": "2022-10-01",
             "name": named(f"-law-{i}"), "location": LOC,
             "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": rng.choice([30, 60, 90, 365]),
                            "features": {"enableLogAccessUsingOnlyResourcePermissions": True}}},
            {"_sym": f"appi{i}", "type": "Microsoft.Insights/components", "apiVersion": "2020-02-02",
             "name": named(f"-appi-{i}"), "location": LOC, "kind": "web", "_deps": [f"law{i}"],
             "properties": {"Application_Type": "web",
                            "WorkspaceResourceId": E(f"resourceId('Microsoft.OperationalInsights/workspaces', format('{{0}}-law-{i}', parameters('prefix')))",
                                                     f"resourceId('Microsoft.OperationalInsights/workspaces', '${{prefix}}-law-{i}')")}}]


def sql(rng: random.Random, i: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"_sym": f"sql{i}", "type": "Microsoft.Sql/servers", "apiVersion": "2022-05-01-preview",
                                  "name": named(f"-sql-{i}"), "location": LOC,
                                  "properties": {"administratorLogin": "sqladmin", "minimalTlsVersion": "1.2",
                                                 "publicNetworkAccess": rng.choice(["Enabled", "Disabled"])}}]
    for d in range(rng.randint(1, 4)):
        out.append({"_sym": f"sqldb{i}x{d}", "type": "Microsoft.Sql/servers/databases", "apiVersion": "2022-05-01-preview",
                    "name": E(f"format('{{0}}-sql-{i}/db{d}', parameters('prefix'))", f"'${{prefix}}-sql-{i}/db{d}'"),
                    "location": LOC, "_deps": [f"sql{i}"],
                    "sku": {"name": rng.choice(["GP_S_Gen5_2", "S0", "P1"])},
                    "properties": {"collation": "SQL_Latin1_General_CP1_CI_AS", "maxSizeBytes": 34359738368,
                                   "zoneRedundant": rng.random() < 0.3}})
    return out


def cosmos(rng: random.Random, i: int) -> list[dict[str, Any]]:
    locations = [{"locationName": r, "failoverPriority": n, "isZoneRedundant": False}
                 for n, r in enumerate(rng.sample(REGIONS, rng.randint(1, 4)))]
    return [{"_sym": f"cosmos{i}", "type": "Microsoft.DocumentDB/databaseAccounts", "apiVersion": "2023-04-15",
             "name": named(f"-cosmos-{i}"), "location": LOC, "kind": "GlobalDocumentDB",
             "properties": {"databaseAccountOfferType": "Standard", "locations": locations,
                            "consistencyPolicy": {"defaultConsistencyLevel": "Session"},
                            "capabilities": [{"name": "EnableServerless"}] if rng.random() < 0.5 else [],
                            "disableLocalAuth": True, "publicNetworkAccess": "Disabled"}}]


def container_app(rng: random.Random, i: int) -> list[dict[str, Any]]:
    # Mentions a registry login server, but declares no registry.
    return [{"_sym": f"app{i}", "type": "Microsoft.App/containerApps", "apiVersion": "2023-05-01",
             "name": named(f"-ca-{i}"), "location": LOC,
             "properties": {"configuration": {"ingress": {"external": True, "targetPort": rng.choice([80, 8080, 3000])},
                                              "registries": [{"server": E("format('{0}.azurecr.io', parameters('prefix'))",
                                                                          "'${prefix}.azurecr.io'"),
                                                              "identity": "system"}]},
                            "template": {"containers": [{"name": rng.choice(SERVICES),
                                                         "image": f"contoso.azurecr.io/{rng.choice(SERVICES)}:{rng.randint(1, 40)}.0",
                                                         "resources": {"cpu": E("json('0.5')", "json('0.5')"), "memory": "1Gi"}}],
                                         "scale": {"minReplicas": 0, "maxReplicas": rng.randint(2, 10)}}}}]


FILLERS: list[tuple[Callable[[random.Random, int], list[dict[str, Any]]], float]] = [
    (storage, 3), (vnet, 3), (nsg, 2), (web_app, 3), (key_vault, 2), (monitoring, 2),
    (sql, 1.5), (cosmos, 1), (container_app, 1),
]


def role_assignment_on_registry(rng: random.Random, i: int) -> dict[str, Any]:
    """An AcrPull role assignment: mentions the registry type, declares no registry."""
    scope_arm = f"resourceId('{REGISTRY_TYPE}', parameters('registryName'))"
    return {"_sym": f"acrPull{i}", "type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
            "name": E(f"guid({scope_arm}, parameters('principalId'), 'acrpull')"),
            "properties": {"roleDefinitionId": E("subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')"),
                           "principalId": P("principalId"), "principalType": "ServicePrincipal"}}


# --------------------------------------------------------------------------------------
# Registries
# --------------------------------------------------------------------------------------

REGISTRY_VARIANTS: list[tuple[str, float]] = [
    ("open-basic", 0.22),             # Basic SKU, no network settings: fix by upgrading the SKU
    ("open-standard-param", 0.18),    # sku from a parameter (default Standard, @allowed)
    ("compliant-disabled", 0.12),     # Premium + publicNetworkAccess Disabled: nothing to do
    ("compliant-deny", 0.08),         # Premium + networkRuleSet Deny with ipRules: nothing to do
    ("premium-allow", 0.12),          # Premium + networkRuleSet.defaultAction Allow
    ("premium-pna-enabled", 0.08),    # Premium + publicNetworkAccess Enabled (literal)
    ("pna-param", 0.07),              # publicNetworkAccess from a parameter defaulting to Enabled
    ("sku-expr", 0.06),               # sku from a conditional expression: manual finding
    ("old-api", 0.04),                # apiVersion too old for publicNetworkAccess
    ("loop", 0.03),                   # copy loop / for expression over registry names
]
API_VERSIONS = ["2021-09-01", "2022-12-01", "2023-07-01", "2023-01-01-preview", "2023-11-01-preview", "2025-04-01"]


def registry(rng: random.Random, t: Template, variant: str, i: int) -> dict[str, Any]:
    """Adds the parameters a registry of ``variant`` needs to ``t`` and returns the resource."""
    t.param(Param("registryName", "string", named(f"acr{i}"), description="Name of the container registry."))
    props: dict[str, Any] = {"adminUserEnabled": rng.random() < 0.3}
    sku: dict[str, Any] = {"name": "Premium"}
    api = rng.choice(API_VERSIONS)
    name: Any = P("registryName") if i == 0 else named(f"acr{i}")
    res: dict[str, Any] = {"_sym": f"containerRegistry{i}" if i else "containerRegistry", "type": REGISTRY_TYPE}
    if variant == "open-basic":
        sku = {"name": "Basic"}
    elif variant == "open-standard-param":
        t.param(Param("acrSku", "string", "Standard", ["Basic", "Standard", "Premium"], "Tier of the container registry."))
        sku = {"name": P("acrSku")}
    elif variant == "compliant-disabled":
        props["publicNetworkAccess"] = "Disabled"
        props["networkRuleBypassOptions"] = "AzureServices"
    elif variant == "compliant-deny":
        props["networkRuleSet"] = {"defaultAction": "Deny",
                                   "ipRules": [{"action": "Allow", "value": f"52.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}"}
                                               for _ in range(rng.randint(1, 4))]}
        props["networkRuleBypassOptions"] = "AzureServices"
    elif variant == "premium-allow":
        props["networkRuleSet"] = {"defaultAction": "Allow", "ipRules": []}
        if rng.random() < 0.5:
            props["publicNetworkAccess"] = "Enabled"
    elif variant == "premium-pna-enabled":
        props["publicNetworkAccess"] = "Enabled"
    elif variant == "pna-param":
        t.param(Param("publicNetworkAccess", "string", "Enabled", ["Enabled", "Disabled"], "Whether the registry is reachable from the internet."))
        props["publicNetworkAccess"] = P("publicNetworkAccess")
    elif variant == "sku-expr":
        sku = {"name": E("if(equals(parameters('environment'), 'prod'), 'Premium', 'Standard')",
                         "environment == 'prod' ? 'Premium' : 'Standard'")}
    elif variant == "old-api":
        api = rng.choice(["2017-10-01", "2019-05-01"])
        sku = {"name": "Standard"}
    elif variant == "loop":
        t.param(Param("registryNames", "array", [f"acr{rng.choice(WORDS)}{k}" for k in range(rng.randint(2, 4))],
                      description="Registries to create."))
        res["_loop"] = ("registry", P("registryNames"))
        name = E("parameters('registryNames')[copyIndex()]", "registry")
        sku = {"name": "Basic"}
    else:
        raise ValueError(variant)
    if rng.random() < 0.4:
        props["policies"] = {"retentionPolicy": {"days": 7, "status": "disabled"},
                             "exportPolicy": {"status": "enabled"}}
    if rng.random() < 0.3:
        props["zoneRedundancy"] = "Disabled"
    res.update({"apiVersion": api, "name": name, "location": LOC, "tags": _tags(rng), "sku": sku, "properties": props})
    return res


# --------------------------------------------------------------------------------------
# Rendering: ARM JSON / JSONC
# --------------------------------------------------------------------------------------


def arm_value(v: Any) -> Any:
    if isinstance(v, E):
        return "[" + v.arm + "]"
    if isinstance(v, dict):
        return {k: arm_value(x) for k, x in v.items() if not k.startswith("_")}
    if isinstance(v, list):
        return [arm_value(x) for x in v]
    return v


def _arm_resource_id(r: dict[str, Any]) -> str:
    name = r["name"]
    name_arm = name.arm if isinstance(name, E) else f"'{name}'"
    return f"[resourceId('{r['type']}', {name_arm})]"


def arm_resource(r: dict[str, Any], symbolic: bool, by_sym: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if "_inner" in r:
        inner: Template = r["_inner"]
        return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": arm_value(r["name"]),
                "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                               "parameters": {k: {"value": arm_value(v)} for k, v in r["params"].items()},
                               "template": arm_template(inner, symbolic=False, generator=True)}}
    out: dict[str, Any] = {}
    if r.get("_existing"):
        out["existing"] = True
    if "_loop" in r:
        _, array = r["_loop"]
        out["copy"] = {"name": r["_sym"] + "Copy", "count": f"[length({array.arm})]"}
    out.update(arm_value(r))
    deps = [d for d in r.get("_deps", []) if d in by_sym]
    if deps:
        out["dependsOn"] = deps if symbolic else [_arm_resource_id(by_sym[d]) for d in deps]
    return out


def arm_template(t: Template, symbolic: bool, generator: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"}
    if symbolic:
        doc["languageVersion"] = "2.0"
    doc["contentVersion"] = "1.0.0.0"
    meta: dict[str, Any] = {}
    if generator:
        meta["_generator"] = {"name": "bicep", "version": "0.26.54.24096", "templateHash": _stable_hash_text(t.description)}
    meta["description"] = t.description
    doc["metadata"] = meta
    params: dict[str, Any] = {}
    for p in t.params:
        spec: dict[str, Any] = {"type": p.type}
        if p.default is not None:
            spec["defaultValue"] = arm_value(p.default)
        if p.allowed:
            spec["allowedValues"] = p.allowed
        if p.description:
            spec["metadata"] = {"description": p.description}
        params[p.name] = spec
    doc["parameters"] = params
    if t.variables:
        doc["variables"] = arm_value(t.variables)
    by_sym = {r["_sym"]: r for r in t.resources if "_sym" in r}
    if symbolic:
        doc["resources"] = {r["_sym"]: arm_resource(r, True, by_sym) for r in t.resources}
    else:
        doc["resources"] = [arm_resource(r, False, by_sym) for r in t.resources if not r.get("_existing")]
    if t.outputs:
        doc["outputs"] = {name: {"type": typ, "value": arm_value(val)} for name, typ, val in t.outputs}
    return doc


def _stable_hash_text(s: str) -> str:
    h = 0
    for ch in s:
        h = (h * 131 + ord(ch)) % 10**19
    return str(h)


def to_jsonc(text: str, rng: random.Random) -> str:
    """Adds line comments, end-of-line comments, a header block comment and trailing commas
    to json.dumps output (one token per line, so no comment can land inside a string)."""
    lines = text.split("\n")
    out: list[str] = ["/*", f"  {rng.choice(DESCRIPTIONS)}", f"  {rng.choice(COMMENTS)}", "*/"] if rng.random() < 0.5 else []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith('"') and rng.random() < 0.04:
            out.append(line[: len(line) - len(stripped)] + "// " + rng.choice(COMMENTS))
        if line.endswith(",") and rng.random() < 0.02:
            line += "  // " + rng.choice(COMMENTS)
        out.append(line)
    for k in range(len(out) - 1):
        nxt = out[k + 1].lstrip()
        cur = out[k].rstrip()
        if (nxt[:1] in ("}", "]") and cur and cur[-1] not in "{[," and not cur.lstrip().startswith(("//", "/*", "*"))
                and "//" not in cur and rng.random() < 0.35):
            out[k] = cur + ","
    return "\n".join(out)


@dataclass(frozen=True)
class TextStyle:
    crlf: bool = False
    bom: bool = False
    final_newline: bool = True
    indent: int | str = 2

    def encode(self, text: str) -> bytes:
        if self.final_newline and not text.endswith("\n"):
            text += "\n"
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")


def render_arm(t: Template, symbolic: bool, generator: bool, jsonc: bool, style: TextStyle, rng: random.Random) -> bytes:
    text = json.dumps(arm_template(t, symbolic, generator), indent=style.indent, ensure_ascii=False)
    if jsonc:
        text = to_jsonc(text, rng)
    return style.encode(text)


# --------------------------------------------------------------------------------------
# Rendering: Bicep
# --------------------------------------------------------------------------------------

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bicep_string(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${").replace("\n", "\\n") + "'"


def bicep_value(v: Any, pad: str, unit: str) -> str:
    if isinstance(v, E):
        return v.bicep
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return bicep_string(v)
    inner = pad + unit
    if isinstance(v, dict):
        items = [(k, x) for k, x in v.items() if not k.startswith("_")]
        if not items:
            return "{}"
        body = "".join(f"{inner}{k if _IDENT.match(k) else bicep_string(k)}: {bicep_value(x, inner, unit)}\n" for k, x in items)
        return "{\n" + body + pad + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        return "[\n" + "".join(f"{inner}{bicep_value(x, inner, unit)}\n" for x in v) + pad + "]"
    raise TypeError(type(v))


BICEP_TYPES = {"securestring": "string"}


def render_bicep(t: Template, style: TextStyle, rng: random.Random) -> bytes:
    unit = " " * style.indent if isinstance(style.indent, int) else style.indent
    parts: list[str] = []
    if rng.random() < 0.5:
        parts.append(f"metadata description = {bicep_string(t.description)}\n")
    elif rng.random() < 0.5:
        parts.append(f"// {t.description}\n")
    for p in t.params:
        lines = []
        if p.description:
            lines.append(f"@description({bicep_string(p.description)})")
        if p.type == "securestring":
            lines.append("@secure()")
        if p.allowed:
            lines.append("@allowed([\n" + "".join(f"{unit}{bicep_value(a, unit, unit)}\n" for a in p.allowed) + "])")
        decl = f"param {p.name} {BICEP_TYPES.get(p.type, p.type)}"
        if p.default is not None:
            decl += " = " + bicep_value(p.default, "", unit)
        lines.append(decl)
        parts.append("\n".join(lines) + "\n")
    for name, value in t.variables.items():
        parts.append(f"var {name} = {bicep_value(value, '', unit)}\n")
    for r in t.resources:
        if "_inner" in r:
            params = bicep_value(r["params"], unit, unit)
            parts.append(f"module {r['_sym']} '{r['_module']}' = {{\n{unit}name: {bicep_value(r['name'], unit, unit)}\n"
                         f"{unit}params: {params}\n}}\n")
            continue
        head = f"resource {r['_sym']} '{r['type']}@{r['apiVersion']}'"
        if r.get("_existing"):
            parts.append(f"{head} existing = {{\n{unit}name: {bicep_value(r['name'], unit, unit)}\n}}\n")
            continue
        body = {k: x for k, x in r.items() if k not in ("type", "apiVersion")}
        if "_loop" in r:
            item, array = r["_loop"]
            parts.append(f"{head} = [for {item} in {array.bicep}: {bicep_value(body, '', unit)}]\n")
        else:
            parts.append(f"{head} = {bicep_value(body, '', unit)}\n")
    for name, typ, val in t.outputs:
        parts.append(f"output {name} {typ} = {val.bicep}\n")
    return style.encode("\n".join(parts))


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


@dataclass
class FileSpec:
    """One planned file; ``kind`` is arm | bicep | params | other-json | readme."""

    path: str
    kind: str
    target_bytes: int = 0
    registries: int = 0
    variants: list[str] = field(default_factory=list)
    placement: str = ""         # classic | symbolic | nested (ARM registries), or "" for none
    mentions_registry: bool = False
    jsonc: bool = False
    crlf: bool = False
    bom: bool = False
    params_for: str | None = None   # for parameter files: the template path
    registry_params: list[str] = field(default_factory=list)
    bytes: int = 0


def base_template(rng: random.Random, description: str) -> Template:
    t = Template(description=description)
    t.param(Param("location", "string", E("resourceGroup().location"), description=DESCRIPTIONS[0]))
    t.param(Param("prefix", "string", f"{rng.choice(WORDS)}{rng.randint(1, 99)}", description=DESCRIPTIONS[1]))
    t.param(Param("environment", "string", rng.choice(ENVS[:4]), ENVS[:4], DESCRIPTIONS[2]))
    if rng.random() < 0.5:
        t.variables["commonTags"] = {"project": rng.choice(SERVICES), "managedBy": "bicep"}
    if rng.random() < 0.3:
        t.variables["addressSpaces"] = {env: f"10.{n}.0.0/16" for n, env in enumerate(ENVS)}
    return t


def _estimate_arm(res: list[dict[str, Any]]) -> int:
    # Compact JSON plus indentation: calibrated against rendered templates (2-space indent).
    s = json.dumps(arm_value(res), separators=(",", ":"), ensure_ascii=False)
    return int(len(s) * 2.38)


def build_template(spec: FileSpec, rng: random.Random) -> Template:
    """The template for a planned file: its registries, mentions and filler up to its size."""
    arm = spec.kind == "arm"
    t = base_template(rng, f"{rng.choice(TOPICS).replace('-', ' ').capitalize()} for {rng.choice(SERVICES)} ({rng.choice(ENVS)}).")
    regs: list[dict[str, Any]] = [registry(rng, t, v, n) for n, v in enumerate(spec.variants)]
    if spec.mentions_registry:
        t.param(Param("registryName", "string", description="Name of an existing container registry."))
        t.param(Param("principalId", "string", description=DESCRIPTIONS[6]))
        if not arm or spec.placement == "symbolic":
            t.resources.append({"_sym": "registry", "type": REGISTRY_TYPE, "apiVersion": "2023-07-01",
                                "name": P("registryName"), "_existing": True})
        t.resources.append(role_assignment_on_registry(rng, 0))
    size = 600 + sum(_estimate_arm(r) for r in regs) if regs else 900
    fillers: list[dict[str, Any]] = []
    weights = [w for _, w in FILLERS]
    k = 0
    while size < spec.target_bytes:
        make = rng.choices([f for f, _ in FILLERS], weights)[0]
        new = make(rng, k)
        k += 1
        fillers.extend(new)
        size += _estimate_arm(new) * (1 if arm else 0.67)
    if not arm and rng.random() < 0.3:
        # Module calls; the module files may or may not exist in the tree, as in real repos.
        for j in range(rng.randint(1, 3)):
            topic = rng.choice(TOPICS)
            fillers.append({"_sym": f"{topic.replace('-', '')}Module{j}", "_module": f"./modules/{topic}.bicep",
                            "name": E(f"format('{{0}}-{topic}', deployment().name)", f"'${{deployment().name}}-{topic}'"),
                            "params": {"location": LOC, "prefix": P("prefix"), "tags": V("commonTags") if "commonTags" in t.variables else {}},
                            "_inner": Template(description=topic)})
    if spec.placement == "nested" and regs:
        inner = Template(description="Registry module", params=[
            Param("location", "string"), Param("prefix", "string"), Param("environment", "string")])
        for p in t.params:
            if p.name not in ("location", "prefix", "environment"):
                inner.params.append(p)
        inner.resources = regs
        inner.outputs = [("loginServer", "string", E(f"reference(resourceId('{REGISTRY_TYPE}', parameters('registryName')), '2023-07-01').loginServer"))]
        module = {"_sym": "registryModule", "_module": "modules/registry.bicep", "name": E("format('{0}-acr', deployment().name)"),
                  "params": {p.name: P(p.name) for p in inner.params}, "_inner": inner}
        # Filler first: registries in nested deployments tend to sit deep in big templates.
        t.resources = fillers[: len(fillers) // 2] + [module] + fillers[len(fillers) // 2:] + t.resources
    else:
        cut = rng.randint(0, len(fillers))
        t.resources = fillers[:cut] + regs + fillers[cut:] + t.resources
    if regs and not any("_loop" in r for r in regs) and rng.random() < 0.6 and spec.placement != "nested":
        t.outputs.append(("registryLoginServer", "string",
                          E(f"reference(resourceId('{REGISTRY_TYPE}', parameters('registryName')), '2023-07-01').loginServer",
                            f"{regs[0]['_sym']}.properties.loginServer")))
    spec.registry_params = [p.name for p in t.params if p.name in ("acrSku", "publicNetworkAccess", "registryName", "registryNames")]
    return t


def render_params_file(spec: FileSpec, template_spec: FileSpec, rng: random.Random) -> bytes:
    params: dict[str, Any] = {"prefix": {"value": f"{rng.choice(WORDS)}{rng.randint(1, 99)}"},
                              "environment": {"value": rng.choice(ENVS[:4])}}
    for name in template_spec.registry_params:
        if name == "acrSku":
            params[name] = {"value": rng.choice(["Basic", "Standard", "Standard", "Premium"])}
        elif name == "publicNetworkAccess":
            params[name] = {"value": rng.choice(["Enabled", "Enabled", "Disabled"])}
        elif name == "registryName":
            params[name] = {"value": f"acr{rng.choice(WORDS)}{rng.randint(100, 999)}"}
    if rng.random() < 0.5:
        params["tags"] = {"value": {"owner": "platform-team", "costCenter": str(rng.randint(1000, 9999))}}
    doc = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
           "contentVersion": "1.0.0.0", "parameters": params}
    style = TextStyle(crlf=spec.crlf, indent=rng.choice([2, 2, 4]))
    return style.encode(json.dumps(doc, indent=style.indent))


def render_other(spec: FileSpec, rng: random.Random) -> bytes:
    name = spec.path.rsplit("/", 1)[-1]
    svc = rng.choice(SERVICES)
    if name == "package.json":
        doc: Any = {"name": f"@contoso/{svc}", "version": f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                    "private": True, "scripts": {"build": "tsc -p .", "test": "vitest run", "deploy": "azd up"},
                    "dependencies": {d: f"^{rng.randint(1, 9)}.{rng.randint(0, 9)}.0" for d in rng.sample(
                        ["@azure/identity", "@azure/storage-blob", "express", "zod", "pino", "@azure/keyvault-secrets"], 3)},
                    "devDependencies": {"typescript": "^5.4.0", "vitest": "^1.6.0"}}
        return TextStyle(crlf=spec.crlf).encode(json.dumps(doc, indent=2))
    if name == "tsconfig.json":
        # tsconfig files are JSONC in the wild: comments and trailing commas.
        text = ("{\n  // Visit https://aka.ms/tsconfig to read more about this file\n  \"compilerOptions\": {\n"
                "    \"target\": \"ES2022\", /* Set the JavaScript language version. */\n"
                "    \"module\": \"NodeNext\",\n    \"strict\": true,\n    \"outDir\": \"dist\",\n"
                "    // \"sourceMap\": true,\n    \"skipLibCheck\": true,\n  },\n  \"include\": [\"src\"],\n}\n")
        return TextStyle(crlf=spec.crlf).encode(text)
    if name == "bicepconfig.json":
        doc = {"analyzers": {"core": {"enabled": True, "rules": {
            "no-unused-params": {"level": "warning"}, "use-secure-value-for-secure-inputs": {"level": "error"}}}},
            "moduleAliases": {"br": {"CoreModules": {"registry": "contosoregistry.azurecr.io", "modulePath": "bicep/modules"}}}}
        return TextStyle(crlf=spec.crlf).encode(json.dumps(doc, indent=2))
    if name == "appsettings.json":
        doc = {"Logging": {"LogLevel": {"Default": "Information", "Microsoft.AspNetCore": "Warning"}},
               "AllowedHosts": "*", "ConnectionStrings": {"Default": f"Server=tcp:{svc}.database.windows.net;Database={svc}"}}
        return TextStyle(crlf=spec.crlf).encode(json.dumps(doc, indent=2))
    if name.endswith(".md"):
        paras = [f"# {svc.capitalize()} infrastructure\n",
                 "This folder holds the deployment templates for the service. Deploy with "
                 "`az deployment group create` or `azd up`.\n"]
        for _ in range(rng.randint(2, 12)):
            paras.append(f"## {rng.choice(TOPICS).replace('-', ' ').capitalize()}\n\n"
                         + " ".join(rng.choice(COMMENTS).capitalize() + "." for _ in range(rng.randint(3, 10))) + "\n")
        if rng.random() < 0.3:
            paras.append("Images are pushed to the Azure Container Registry "
                         "(`Microsoft.ContainerRegistry/registries`) created by `main.bicep`.\n")
        return TextStyle(crlf=spec.crlf).encode("\n".join(paras))
    raise ValueError(name)


OTHER_NAMES = ["package.json", "tsconfig.json", "bicepconfig.json", "appsettings.json"]


# --------------------------------------------------------------------------------------
# Planning and generation
# --------------------------------------------------------------------------------------


@dataclass
class Manifest:
    generator_version: int
    seed: int
    files_requested: int
    arm_share: float
    registry_share: float
    size_mb: float
    total_bytes: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    variants: dict[str, int] = field(default_factory=dict)
    files: list[FileSpec] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("files")
        return d

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


def _project_dir(rng: random.Random, n: int) -> str:
    pattern = rng.randrange(6)
    if pattern == 0:
        return f"{rng.choice(AREAS)}/{rng.choice(SERVICES)}-{n}/infra"
    if pattern == 1:
        return f"quickstarts/{n:03d}-{rng.choice(TOPICS)}"
    if pattern == 2:
        return f"environments/{rng.choice(ENVS)}/{rng.choice(REGIONS)}/{rng.choice(TOPICS)}-{n}"
    if pattern == 3:
        return f"modules/{rng.choice(AREAS)}/{rng.choice(TOPICS)}-{n}"
    if pattern == 4:
        return f"src/{rng.choice(SERVICES)}-{n}/deploy"
    return f"templates/{rng.choice(AREAS)}/{rng.choice(TOPICS)}-{n}"


def _template_name(rng: random.Random, kind: str, jsonc: bool, taken: set[str]) -> str:
    for attempt in range(50):
        if kind == "arm":
            stem = rng.choice(["azuredeploy", "main", "template", rng.choice(TOPICS), f"{rng.choice(TOPICS)}.deploy"])
            ext = ".jsonc" if jsonc and rng.random() < 0.15 else ".json"
        else:
            stem = rng.choice(["main", rng.choice(TOPICS), f"modules/{rng.choice(TOPICS)}"])
            ext = ".bicep"
        if attempt > 5:
            stem += f"-{attempt}"
        # main.json and main.bicep may share a folder, but not main.parameters.json.
        if stem + ext not in taken and stem + ".parameters.json" not in taken:
            taken.update((stem + ext, stem + ".parameters.json"))
            return stem + ext
    raise RuntimeError("no free template name")


def plan(files: int, seed: int, arm_share: float = 0.7, registry_share: float = 0.16,
         size_mb: float | None = None) -> Manifest:
    """Decides every file (path, kind, registry variants, size target) without writing."""
    if files < 1:
        raise ValueError("--files must be at least 1")
    if size_mb is None:
        size_mb = files * BYTES_PER_FILE / (1024 * 1024)
    rng = random.Random(seed)
    m = Manifest(GENERATOR_VERSION, seed, files, arm_share, registry_share, round(size_mb, 3))
    # files = templates + parameter files + others, with parameter files next to half of the
    # registry templates and a tenth of the others, and 5 % other files.
    others = round(files * 0.05)
    per_template = 1 + registry_share * 0.5 + (1 - registry_share) * 0.1
    templates = max(1, round((files - others) / per_template))
    n_reg = round(templates * registry_share)
    reg_idx = set(rng.sample(range(templates), n_reg))
    arm_idx = set(rng.sample(range(templates), round(templates * arm_share)))
    with_params = {i for i in range(templates) if rng.random() < (0.5 if i in reg_idx else 0.1)}
    # Fix up rounding so the total is exact.
    total = templates + len(with_params)
    others = files - total
    while others < 0:
        with_params.discard(max(with_params))
        others += 1
    variant_names = [v for v, _ in REGISTRY_VARIANTS]
    variant_weights = [w for _, w in REGISTRY_VARIANTS]

    # Sizes: heavy-tailed, so a few big templates dominate the bytes, as in real repos.
    budget = size_mb * 1024 * 1024 - others * 1000 - len(with_params) * 400
    raw = [rng.lognormvariate(0, 1.1) for _ in range(templates)]
    scale = max(budget, templates * 1500) / sum(raw)
    targets = [min(max(int(w * scale), 1200), 3 * 1024 * 1024) for w in raw]

    specs: list[FileSpec] = []
    i = 0
    n_project = 0
    while i < templates:
        n_project += 1
        folder = _project_dir(rng, n_project)
        taken: set[str] = set()
        for _ in range(min(rng.randint(1, 8), templates - i)):
            kind = "arm" if i in arm_idx else "bicep"
            jsonc = kind == "arm" and rng.random() < 0.15
            spec = FileSpec("", kind, targets[i], jsonc=jsonc, crlf=rng.random() < (0.15 if kind == "arm" else 0.1),
                            bom=rng.random() < (0.03 if kind == "arm" else 0.01))
            spec.path = f"{folder}/{_template_name(rng, kind, jsonc, taken)}"
            if i in reg_idx:
                spec.variants = [rng.choices(variant_names, variant_weights)[0] for _ in range(2 if rng.random() < 0.1 else 1)]
                spec.registries = len(spec.variants)
                if kind == "arm":
                    spec.placement = rng.choices(["classic", "symbolic", "nested"], [0.65, 0.2, 0.15])[0]
                    if spec.placement == "nested" and "loop" in spec.variants:
                        spec.placement = "classic"
                else:
                    spec.placement = "classic"
            else:
                spec.mentions_registry = rng.random() < 0.05
                if kind == "arm":
                    spec.placement = "symbolic" if rng.random() < 0.15 else "classic"
            specs.append(spec)
            if i in with_params:
                stem = spec.path.rsplit(".", 1)[0]
                specs.append(FileSpec(f"{stem}.parameters.json", "params", params_for=spec.path, crlf=spec.crlf))
            i += 1
    # Other files go into random project folders (README.md, package.json, ...).
    folders = sorted({s.path.rsplit("/", 1)[0] for s in specs if s.kind in ("arm", "bicep") and "/modules/" not in s.path})
    used: set[str] = {s.path for s in specs}
    for k in range(others):
        for attempt in range(100):
            folder = rng.choice(folders)
            name = "README.md" if rng.random() < 0.4 else rng.choice(OTHER_NAMES)
            path = f"{folder}/{name}" if attempt < 50 else f"{folder}/docs-{k}/{name}"
            if path not in used:
                used.add(path)
                specs.append(FileSpec(path, "readme" if name.endswith(".md") else "other-json",
                                      jsonc=name == "tsconfig.json", crlf=rng.random() < 0.1))
                break
    m.files = specs
    m.counts = dict(Counter(s.kind for s in specs))
    m.counts["registry-templates"] = sum(1 for s in specs if s.registries)
    m.counts["registries"] = sum(s.registries for s in specs)
    m.counts["jsonc"] = sum(1 for s in specs if s.jsonc and s.kind == "arm")
    m.counts["mentions-only"] = sum(1 for s in specs if s.mentions_registry)
    m.variants = dict(sorted(Counter(v for s in specs for v in s.variants).items()))
    return m


def generate(out: Path, files: int, seed: int, arm_share: float = 0.7, registry_share: float = 0.16,
             size_mb: float | None = None) -> Manifest:
    """Writes a synthetic repository to ``out`` (which must not exist or be empty) and returns
    its manifest. Byte-identical for the same arguments."""
    m = plan(files, seed, arm_share, registry_share, size_mb)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    by_path = {s.path: s for s in m.files}
    total = 0
    for n, spec in enumerate(m.files):
        # One generator per file, so a file's content does not depend on the ones before it.
        rng = random.Random(f"{seed}:{n}:{spec.path}")
        if spec.kind in ("arm", "bicep"):
            t = build_template(spec, rng)
            if spec.kind == "arm":
                style = TextStyle(crlf=spec.crlf, bom=spec.bom, final_newline=rng.random() < 0.8,
                                  indent=rng.choices([2, 4, "\t"], [0.7, 0.25, 0.05])[0])
                data = render_arm(t, symbolic=spec.placement == "symbolic", generator=rng.random() < 0.3,
                                  jsonc=spec.jsonc, style=style, rng=rng)
            else:
                style = TextStyle(crlf=spec.crlf, bom=spec.bom, final_newline=rng.random() < 0.9,
                                  indent=4 if rng.random() < 0.1 else 2)
                data = render_bicep(t, style, rng)
        elif spec.kind == "params":
            assert spec.params_for is not None
            data = render_params_file(spec, by_path[spec.params_for], rng)
        else:
            data = render_other(spec, rng)
        path = out / spec.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        spec.bytes = len(data)
        total += len(data)
    m.total_bytes = total
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, required=True, help="number of files to write (all kinds)")
    ap.add_argument("--out", type=Path, required=True, help="output folder (must not exist or be empty)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--arm-share", type=float, default=0.7, help="share of templates that are ARM (rest Bicep)")
    ap.add_argument("--registry-share", type=float, default=0.16, help="share of templates that declare a registry")
    ap.add_argument("--size-mb", type=float, default=None, help="total size; default 15 KB per file (2000 files = 30 MB)")
    ap.add_argument("--manifest", type=Path, default=None, help="write the manifest (every file and its kind) here")
    ap.add_argument("--force", action="store_true", help="delete --out first if it exists")
    args = ap.parse_args(argv)
    if args.force and args.out.exists():
        shutil.rmtree(args.out)
    m = generate(args.out, args.files, args.seed, args.arm_share, args.registry_share, args.size_mb)
    if args.manifest:
        args.manifest.write_text(m.to_json())
    s = m.summary()
    print(f"wrote {len(m.files)} files, {m.total_bytes / 1048576:.1f} MB to {args.out}", file=sys.stderr)
    print(json.dumps({"counts": s["counts"], "variants": s["variants"]}, indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
