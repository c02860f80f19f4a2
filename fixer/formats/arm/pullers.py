"""Who pulls from a registry (role assignments, login-server uses) and its private endpoints."""

from __future__ import annotations

import json
import re

from ...model import Document, Node, Registry
from ... import consumers
from ...consumers import Consumer
from ..base import REGISTRY_ROLES, imports_images, registry_role_in
from .template import _is_expression, readable_expression

# Text that makes a resource a puller besides a login server or credentials: a login server
# built from the name, an AcrPull / AcrPush role assignment (it still has to name the registry,
# see _clients).
_PULL_NEEDLES = (".azurecr.io", *REGISTRY_ROLES)


def _clients(doc: Document, registry: Registry, pulling: list[Node], lowered: str,
             registry_count: int, role_vars: dict[str, str] | None = None) -> tuple[list[Consumer], list[str]]:
    """The resources among ``pulling`` (they read a login server or registry credentials, or
    run `az acr import`, in the registry's own scope: a name expression means another thing
    in another nested template) that name this registry (by type, with one registry in the
    template; else by its name expression or symbolic name), described for a note: (those
    that pull, those that import). ``lowered``: the text, lower-case."""
    names = {n.lower().strip("[]") for n in (registry.name, registry.symbolic) if n}
    name_node = registry.node.get("name")
    if name_node is not None and name_node.kind == "string":
        names.add(name_node.value.lower().strip("[]"))
    found: list[str] = []
    importing: list[tuple[Node, str]] = []
    for resource in pulling:
        if resource.start <= registry.node.start < resource.end or registry.node.start <= resource.start < registry.node.end:
            continue  # the registry itself, a child of it, or the nested deployment that holds it
        start, end = resource.start, resource.end
        if any(name and lowered.find(name, start, end) >= 0 for name in names) or \
                (registry_count == 1 and lowered.find("containerregistry/registries", start, end) >= 0):
            if imports_images(lowered, start, end):
                importing.append((resource, _role_holder(doc, resource, role_vars or {}) or _resource_label(doc, resource)))
            else:
                found.append(_consumer(doc, resource, role_vars or {}))
    # a deployment that holds the importing script (outer scope) is the same importer: the script names it
    importers = [label for resource, label in importing
                 if not any(o is not resource and resource.start <= o.start and o.end <= resource.end for o, _ in importing)]
    return found, importers


def _consumer(doc: Document, resource: Node, role_vars: dict[str, str]) -> Consumer:
    """The resource as a consumer of the registry: its kind, where it is, how it pulls (an
    AcrPull / AcrPush role assignment: its principal pulls, the assignment says which)."""
    kind = resource.get("type")
    rtype = kind.value if kind is not None and kind.kind == "string" else ""
    text = doc.source.text[resource.start:resource.end]
    holder = _role_holder(doc, resource, role_vars)
    if holder is None:
        what = _resource_label(doc, resource).rsplit(" (line ", 1)[0]
        return consumers.of_resource(rtype, what, doc.path, doc.line(resource), text)
    role = holder.split(" role assignment", 1)[0].rsplit(" ", 1)[-1]   # "the principal of an AcrPull ..."
    principal = holder.split(": ", 1)[1][:-1] if ": " in holder else ""
    what = f"{role} role assignment" + (f" to {principal}" if principal else "")
    return consumers.of_resource(rtype, what, doc.path, doc.line(resource), text, f"the {role} role")


def _resource_label(doc: Document, resource: Node) -> str:
    """"Microsoft.Web/sites 'app' (line 41)", the name readable when it is an expression."""
    kind, name = resource.get("type"), resource.get("name")
    label = kind.value if kind is not None and kind.kind == "string" else "a resource"
    if name is not None and name.kind == "string":
        label += f" `{readable_expression(name.value)}`" if _is_expression(name.value) else f" '{name.value}'"
    return f"{label} (line {doc.line(resource)})"


def _role_variables(doc: Document) -> dict[str, str]:
    """The template's variables that hold the AcrPull / AcrPush role id: lower-case name -> role
    (`"acrPullRoleId": "7f951dda-..."`, used as `variables('acrPullRoleId')`)."""
    variables = doc.root.get("variables")
    found: dict[str, str] = {}
    if variables is None or variables.kind != "object":
        return found
    text = doc.source.text.lower()
    if registry_role_in(text[variables.start:variables.end]) is None:
        return found  # (no need to read the variables one by one)
    for member in variables.members or ():
        value = member.value
        role = registry_role_in(text[value.start:value.end])
        if role is not None:
            found[member.key.lower()] = role
    return found


def _role_holder(doc: Document, resource: Node, role_vars: dict[str, str]) -> str | None:
    """For an AcrPull / AcrPush role assignment, who pulls: "the principal of an AcrPull role
    assignment (line 17: aksPrincipalId)" (the assignment itself pulls nothing); else None."""
    kind = resource.get("type")
    if kind is None or kind.kind != "string" or kind.value.lower().split("/")[-1] != "roleassignments":
        return None
    props = resource.get("properties")
    role = props.get("roleDefinitionId") if props is not None and props.kind == "object" else None
    text = str(role.value).lower() if role is not None and role.kind == "string" else ""
    name = registry_role_in(text) \
        or next((n for variable, n in role_vars.items() if f"variables('{variable}')" in text), None)
    if name is None:
        return None
    principal = props.get("principalId")
    who = principal.value if principal is not None and principal.kind == "string" else None
    shown = f": {readable_expression(who) if _is_expression(who) else who}" if who else ""
    return f"the principal of an {name} role assignment (line {doc.line(resource)}{shown})"


_VARIABLE_CALL = re.compile(r"variables\(\s*'([^']+)'\s*\)", re.IGNORECASE)


def _private_endpoint_text(doc: Document, resource: Node) -> str:
    """The endpoint's text, with the values of the string variables it uses appended
    (`"groupIds": ["[variables('groupName')]"]` with groupName = 'registry')."""
    text = doc.source.text[resource.start:resource.end]
    variables = doc.root.get("variables")
    if variables is None or variables.kind != "object" or "variables(" not in text.lower():
        return text
    values = []
    for name in dict.fromkeys(_VARIABLE_CALL.findall(text)):
        value = variables.get(name)
        if value is not None and value.kind == "string" and not value.value.startswith("["):
            values.append(json.dumps(value.value))
    return text + "".join(f" {v}" for v in values)


def _has_private_endpoint(registry: Registry, endpoints: list[str], registry_count: int = 1) -> bool:
    """A private endpoint in the same template for this registry: its groupIds include
    'registry' and, when the template has several registries, it names this one (by its
    name, its name expression or its symbolic name)."""
    names = {n.lower() for n in (registry.name, registry.symbolic) if n}
    name_node = registry.node.get("name")
    if name_node is not None and name_node.kind == "string":
        names.add(name_node.value.lower().strip("[]"))
    for text in endpoints:
        lowered = text.lower()
        if '"registry"' not in lowered or "groupids" not in lowered:
            continue
        if registry_count == 1 or any(name and name in lowered for name in names):
            return True
    return False
