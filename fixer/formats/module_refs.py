"""Which remote Bicep module references (``br:``, ``br/alias:``, ``ts:``, ``ts/alias:``) deploy
a container registry. Plain string work, no parser: ``run.py`` asks it before deciding to parse
a file at all, and the Bicep reader asks it for each module call.

- the Azure Verified Module ``avm/res/container-registry/registry`` and the public module that
  came before it, ``compute/container-registry``, are modelled by the Bicep reader;
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


def deploys_unmodelled_registry(reference: str) -> bool:
    """A remote module that, by its own name, deploys a container registry, and that acr-fix
    does not model (see the module docstring)."""
    if AVM_REGISTRY.match(reference) or CLASSIC_REGISTRY.match(reference):
        return False
    segments = module_name_path(reference)
    if not segments:
        return False
    leaf = _squashed(segments[-1])
    if leaf in _REGISTRY_NAMES:
        return True
    return leaf in _REGISTRY_LEAVES and len(segments) > 1 and _squashed(segments[-2]) in _REGISTRY_FOLDERS


_MODULE_REFERENCE = re.compile(rb"""module\s+[A-Za-z_][A-Za-z0-9_]*\s+'((?:br|ts)[:/][^'\n]*)'""", re.IGNORECASE)


def mentions_registry_module(lowered: bytes) -> bool:
    """Whether a file's (lower-cased) bytes call a remote module that deploys a registry:
    the classic public module or one acr-fix cannot read. Cheap when there is no remote call."""
    if b"compute/container-registry" in lowered:
        return True
    if b"'br" not in lowered and b"'ts" not in lowered:
        return False
    return any(deploys_unmodelled_registry(m.group(1).decode("utf-8", "replace"))
               for m in _MODULE_REFERENCE.finditer(lowered))
