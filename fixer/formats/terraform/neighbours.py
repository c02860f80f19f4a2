"""What sits around a Terraform registry: suppression comments, the resources that pull from
it or give it a private endpoint, notes (count / for_each, the azurerm version), and the
validation of its SKU variable."""

from __future__ import annotations

import re

from ...model import Node, Resolved
from ..base import CHECKOV_SKIP, IGNORE_COMMENT, imports_images, registry_role_in
from .syntax import Block
from .values import Deployment, Module, TerraformDocument
from .resolve import line_of

_SCANNER_IGNORE = re.compile(r"\b(trivy|tfsec):ignore:([A-Za-z0-9_.*-]+)", re.I)
_REGISTRY_CHECK = re.compile(r"acr|container-?registry|containerregistry", re.I)


def suppressions(doc: TerraformDocument, block: Block) -> tuple[str | None, str | None, str | None]:
    """(acr-fix: ignore reason, checkov skip reason, trivy/tfsec ignore) from the comments in
    the block and on the lines right above it."""
    text = doc.source.text
    inside = [c.text for c in doc.syntax.comments if block.start <= c.start < block.end]
    # the comment lines directly above the block (tfsec / trivy put them there)
    above: list[str] = []
    cursor = text.rfind("\n", 0, block.start) + 1      # start of the block's line
    while cursor > 0:
        previous = text.rfind("\n", 0, cursor - 1) + 1
        line = text[previous:cursor].strip()
        if not line.startswith(("#", "//")):
            break
        above.append(line)
        cursor = previous
    ignore = checkov = scanner = None
    for comment in above + inside:
        body = comment.lstrip("#/ ").strip()
        if ignore is None and (m := IGNORE_COMMENT.search(body)):
            ignore = m.group(1).strip() or "no reason given"
        if checkov is None and comment in inside and (m := CHECKOV_SKIP.search(body)):
            checkov = (m.group(1) or "").strip() or "CKV_AZURE_139 skipped"
        for m in _SCANNER_IGNORE.finditer(body):
            if scanner is None and _REGISTRY_CHECK.search(m.group(2)):
                scanner = f"{m.group(1).lower()}:ignore:{m.group(2)}"
    return ignore, checkov, scanner


def _references(module: Module, needle: re.Pattern[str], skip: Block | None = None):
    """(doc, block) of the module's top-level blocks whose text matches ``needle``."""
    for doc in module.docs:
        text = doc.source.text
        for block in doc.syntax.body.blocks:
            if block is skip or block.type not in ("resource", "module"):
                continue
            if needle.search(text, block.start, block.end):
                yield doc, block


_PULLERS = {
    "azurerm_container_app": re.compile(r"\bregistry\s*\{[^}]*\bserver\s*=", re.S),
    "azurerm_linux_web_app": re.compile(r"\bdocker_registry_url\s*="),
    "azurerm_windows_web_app": re.compile(r"\bdocker_registry_url\s*="),
    "azurerm_linux_function_app": re.compile(r"\bdocker\s*\{|\bregistry_url\s*="),
    "azurerm_container_group": re.compile(r"\bimage_registry_credential\s*\{"),
}


def endpoint_note(found: list[str]) -> str | None:
    """A note for private endpoints that exist only under count / for_each: a deployment without
    them has no private way in once public access is off."""
    if not found:
        return None
    return (f"{'; '.join(found)}: where it is not created, turning public network access off leaves the "
            "registry's clients no way in")


def clients(home: TerraformDocument, module: Module, reference: str, registry_block: Block,
            conditional: list[str] | None = None) -> tuple[list[str], list[str], bool]:
    """(pullers, importers, has a private endpoint) among the module's resources that refer to
    the registry through ``reference`` (`azurerm_container_registry.acr`, `module.acr`)."""
    needle = re.compile(re.escape(reference) + r"(\[[^\]\n]*\])?\.")   # also `module.acr[0].` (count)
    pullers: list[str] = []
    importers: list[str] = []
    private = False
    conditional = [] if conditional is None else conditional
    for doc, block in _references(module, needle, registry_block):
        kind = block.labels[0] if block.labels else block.type
        name = block.labels[1] if len(block.labels) > 1 else kind
        text = doc.source.text[block.start:block.end]
        where = line_of(doc, block.start, home)
        if kind == "azurerm_private_endpoint":
            # only one that connects to the registry (not one that just reads its location)
            connects = re.search(r"private_connection_resource_id\s*=[^\n]*" + needle.pattern, text) is not None
            private = private or connects
            meta = block.body.attribute("count") or block.body.attribute("for_each")
            if connects and meta is not None:
                conditional.append(f"{kind} '{name}' ({where}) is created under {meta.name} = "
                                   f"{' '.join(meta.value.text.split())[:60]}")
        elif kind == "azurerm_role_assignment":
            role = registry_role_in(text.lower()) or next((r for r in ("AcrPull", "AcrPush") if f'"{r.lower()}"' in text.lower()), None)
            if role:
                who = "the kubelet identity of an AKS cluster" if "kubelet_identity" in text else "a principal"
                pullers.append(f"{kind} '{name}' ({role} for {who}, {where})")
        elif kind in _PULLERS and _PULLERS[kind].search(text):
            pullers.append(f"{kind} '{name}' ({where})")
        if imports_images(text.lower()):
            importers.append(f"{kind} '{name}' ({where})")
    return pullers, importers, private


def clients_of_callers(home: TerraformDocument, module: Module, deploys: list[Deployment]) -> tuple[list[str], bool]:
    """(pullers, whether some caller gives a private endpoint) in the folders that call the
    registry's module, found through the call's outputs (`module.acr.login_server`)."""
    pullers: list[str] = []
    private = False
    seen: set[int] = set()
    for deployment in deploys:
        if deployment.call is None or deployment.caller is None or not deployment.call.labels \
                or id(deployment.call) in seen:
            continue
        seen.add(id(deployment.call))
        found, _, endpoint = clients(home, deployment.caller, f"module.{deployment.call.labels[0]}", deployment.call)
        pullers.extend(p for p in found if p not in pullers)
        private = private or endpoint
    return pullers, private


def provider_note(module: Module, nrs: Block | None) -> str | None:
    """A note when the network_rule_set holds `virtual_network` blocks and the module's
    azurerm version constraint admits 4.x, which removed them."""
    if nrs is None or not nrs.body.blocks_of("virtual_network"):
        return None
    constraint = None
    for doc, block in module.blocks("terraform"):
        for providers in block.body.blocks_of("required_providers"):
            azurerm = providers.body.attribute("azurerm")
            version = azurerm.value.member("version") if azurerm is not None and azurerm.value.kind == "object" else None
            if version is not None and version.kind == "string":
                constraint = version.value
    if constraint is not None and not re.search(r"<\s*4(\D|$)|~>\s*[0-3]\.|^\s*=?\s*[0-3]\.", constraint):
        return (f"network_rule_set has virtual_network blocks, which azurerm 4.0 removed, and the provider "
                f"constraint '{constraint}' admits 4.x: move them to private endpoints before upgrading")
    if constraint is None:
        return ("network_rule_set has virtual_network blocks, which azurerm 4.0 removed; no azurerm version "
                "constraint pins the provider below 4.0 here")
    return None


_CONTAINS = re.compile(r"contains\(\s*(\[[^\]]*\])")
_QUOTED = re.compile(r'"([^"\\]*)"')


def sku_validation(sku: Resolved, module: Module) -> None:
    """The list a `validation` of the SKU variable checks the value against
    (`contains(["Basic", "Standard"], var.sku)`), as ``sku.allowed`` so the planner adds
    'Premium' to it, or, when the check names SKUs in a form acr-fix does not read, a
    sentence in ``sku.allowed_type`` that stops the fix."""
    if not sku.param or sku.param not in module.variables:
        return
    vdoc, variable = module.variables[sku.param]
    text = vdoc.source.text
    for index, validation in enumerate(variable.body.blocks_of("validation")):
        condition = validation.body.attribute("condition")
        if condition is None:
            continue
        written = text[condition.value.start:condition.value.end]
        lowered = written.lower()
        if "premium" in lowered or not ("basic" in lowered or "standard" in lowered):
            continue
        found = _CONTAINS.search(written)
        path = (vdoc.key_of(variable), "validation", index, "condition")
        if found is None:
            sku.allowed_type = (f"the validation of variable '{sku.param}' ({vdoc.path.name} line "
                                f"{vdoc.line(condition.start)}) names the SKUs it accepts in a form acr-fix does not edit")
            return
        start = condition.value.start + found.start(1)
        items = [Node("string", start + m.start(), start + m.end(), path, m.group(1))
                 for m in _QUOTED.finditer(found.group(1))]
        sku.allowed = Node("array", start, start + len(found.group(1)), path, None, items=items)
        sku.allowed_doc = vdoc
        return


def base_notes(doc: TerraformDocument, block: Block, module: Module) -> list[str]:
    notes = []
    for meta in ("count", "for_each"):
        attribute = block.body.attribute(meta)
        if attribute is not None:
            notes.append(f"the {block.type} has {meta} = {' '.join(attribute.value.text.split())[:60]}: the fix "
                         "applies to every instance")
    if module.unreadable:
        notes.append(f"files of this module that do not parse were not read: {', '.join(module.unreadable)}")
    return notes

