"""Which remote Bicep module references (``br:``, ``br/alias:``, ``ts:``, ``ts/alias:``) deploy
a container registry. Plain string work, no parser: ``run.py`` asks it before deciding to parse
a file at all, and the Bicep reader asks it for each module call.

- the Azure Verified Module ``avm/res/container-registry/registry`` and the public module that
  came before it, ``compute/container-registry``, are modelled by the Bicep reader;
- Azure Verified Module *patterns* (``avm/ptn/...``) that deploy a registry through the AVM
  registry module: the common azd ones (``azd/container-apps-stack``, ``azd/aks``,
  ``azd/ml-hub-dependencies``) are modelled by the Bicep reader (``PATTERN_REGISTRY``); the
  others that can leave their registry open (``UNREAD_PATTERNS``) are reported as modules acr-fix
  cannot read. Patterns whose registry is always closed (``aca-lza/hosting-environment`` and
  ``ai-platform/baseline``: Premium, public access 'Disabled') or that only use one
  (``azd/acr-container-app``, ``deployment-script/import-image-to-acr``) are left alone;
- any other remote module whose own name says it is a registry (``.../containerregistry``,
  ``.../acr``, CARML's ``microsoft.containerregistry.registries``) deploys one acr-fix cannot
  read. Only the module's own name (the last path segment) counts, never the registry host
  (``br:myacr.azurecr.io/...``) or a folder: ``deployment-scripts/import-acr`` imports images
  into a registry, ``.../registry/replication`` adds a replica, neither deploys one.
"""

from __future__ import annotations

import re

# The Azure Verified Module for registries, from the public registry or its MCR alias.
AVM_REGISTRY = re.compile(r"^br(?:/public:|:mcr\.microsoft\.com/bicep/)avm/res/container-registry/registry:",
                          re.IGNORECASE)
# The public registry module before AVM (Azure/bicep-registry-modules modules/compute/container-registry,
# published as 1.0.1, 1.0.2, 1.0.3 and 1.1.1, archived in 2024).
CLASSIC_REGISTRY = re.compile(r"^br(?:/public:|:mcr\.microsoft\.com/bicep/)compute/container-registry:",
                              re.IGNORECASE)
# Azure Verified Module patterns the Bicep reader models (see bicep._PATTERNS).
PATTERN_REGISTRY = re.compile(r"^br(?:/public:|:mcr\.microsoft\.com/bicep/)avm/ptn/"
                              r"(azd/container-apps-stack|azd/aks|azd/ml-hub-dependencies):", re.IGNORECASE)
_PUBLIC_PATTERN = re.compile(r"^br(?:/public:|:mcr\.microsoft\.com/bicep/)avm/ptn/([a-z0-9/-]+):([^'\s]*)$",
                             re.IGNORECASE)
# Other patterns that create a registry that can be left open (Azure/bicep-registry-modules,
# avm/ptn/<name>/<version> tags): the versions that do (None: every published version, else
# those before the one given, which no longer creates a registry).
UNREAD_PATTERNS: dict[str, tuple[int, int, int] | None] = {
    "dev-ops/cicd-agents-and-runners": None,   # Standard and open unless privateNetworking
    "app/container-job-toolkit": None,         # Standard and open unless deployInVnet
    "sa/content-processing": None,             # publicNetworkAccess / acrSku from its params
    "sa/document-knowledge-mining": None,      # publicNetworkAccess from its params, action 'Allow'
    "ai-ml/ai-foundry": (0, 2, 0),             # 0.1.x: open unless aiFoundryType 'StandardPrivate'
}
_REMOTE = re.compile(r"^(br|ts)(:|/[^:/']*:)", re.IGNORECASE)

# A module's own name (lower case, without - _ .) that says it deploys a registry.
_REGISTRY_NAMES = frozenset({"containerregistry", "containerregistries", "azurecontainerregistry", "acr",
                             "microsoftcontainerregistryregistries"})
# `.../container-registry/registry`, `.../microsoft.containerregistry/registries`
_REGISTRY_LEAVES = frozenset({"registry", "registries"})
_REGISTRY_FOLDERS = frozenset({"containerregistry", "containerregistries", "microsoftcontainerregistry"})


def _squashed(segment: str) -> str:
    return re.sub(r"[-_.]", "", segment.lower())


def module_name_path(reference: str) -> list[str] | None:
    """The path segments that name the module in a remote reference, without the registry host,
    the alias and the tag: `br:host.azurecr.io/bicep/modules/acr:v1` -> ['bicep', 'modules', 'acr'];
    `ts:sub/rg/spec:1.0` -> ['sub', 'rg', 'spec']. None for a local path."""
    match = _REMOTE.match(reference)
    if match is None:
        return None
    rest = reference[match.end():]
    if match.group(2) == ":" and match.group(1).lower() == "br":
        rest = rest.split("/", 1)[1] if "/" in rest else ""   # drop the registry host
    rest = rest.split("@", 1)[0]                             # a digest
    if ":" in rest:
        rest = rest.rsplit(":", 1)[0]                        # the tag / version
    return [s for s in rest.split("/") if s]


def version_of(tag: str) -> tuple[int, int, int] | None:
    """`0.2.0` -> (0, 2, 0); None for anything else (a digest, a non-numeric tag)."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", tag.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def unread_pattern(reference: str) -> bool:
    """A public AVM pattern that creates a registry acr-fix does not model (UNREAD_PATTERNS)."""
    match = _PUBLIC_PATTERN.match(reference)
    if match is None or match.group(1).lower() not in UNREAD_PATTERNS:
        return False
    before = UNREAD_PATTERNS[match.group(1).lower()]
    version = version_of(match.group(2))
    return before is None or version is None or version < before


def deploys_unmodelled_registry(reference: str) -> bool:
    """A remote module that, by its own name, deploys a container registry, and that acr-fix
    does not model (see the module docstring)."""
    if AVM_REGISTRY.match(reference) or CLASSIC_REGISTRY.match(reference) or PATTERN_REGISTRY.match(reference):
        return False
    if unread_pattern(reference):
        return True
    segments = module_name_path(reference)
    if not segments:
        return False
    leaf = _squashed(segments[-1])
    if leaf in _REGISTRY_NAMES:
        return True
    return leaf in _REGISTRY_LEAVES and len(segments) > 1 and _squashed(segments[-2]) in _REGISTRY_FOLDERS


# (matched against lower-cased bytes: no IGNORECASE, which made the search several times slower)
_MODULE_REFERENCE = re.compile(rb"""module\s+[a-z_][a-z0-9_]*\s+'((?:br|ts)[:/][^'\n]*)'""")


def mentions_registry_module(lowered: bytes) -> bool:
    """Whether a file's (lower-cased) bytes call a remote module that deploys a registry:
    the classic public module or one acr-fix cannot read. Cheap when there is no remote call."""
    if b"compute/container-registry" in lowered:
        return True
    if b"'br" not in lowered and b"'ts" not in lowered:
        return False
    return any(deploys_unmodelled_registry(reference) or PATTERN_REGISTRY.match(reference) is not None
               for reference in (m.group(1).decode("utf-8", "replace") for m in _MODULE_REFERENCE.finditer(lowered)))
