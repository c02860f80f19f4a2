"""Who deploys a template: its parameter files (``formats/param_files.py``) and the
linked-template callers in other files.

A root scope (``FileScope``) reads its callers from the run's deployment index
(``formats/deployments.py``, built before any value is resolved: the files that mention
``templateLink`` and a template's name); the first time they are asked for, each candidate
is parsed and its deployments matched to the template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...model import Document, Node
from ...workspace import Workspace, file_key
from .. import armexpr, deployments
from ..param_files import param_files_for
from .known import _known
from .syntax import DEPLOYMENTS_TYPE
from .template import LinkCaller, Scope, _is_expression, _walk, readable_expression


def _root_scope(doc: Document, workspace: Workspace) -> Scope:
    return FileScope(doc=doc, template=doc.root, param_files=param_files_for(doc, workspace), label="the template",
                 workspace=workspace)


# --------------------------------------------------------------------------- linked templates

def prepare_workspace(workspace: Workspace) -> None:
    """The run's index of linked templates, built now (before a parallel run forks its workers)."""
    deployments.prepare(workspace, (deployments.LINK,))


def linked_callers(doc: Document, workspace: Workspace) -> list[LinkCaller]:
    """The deployments in the discovered ARM templates that deploy ``doc`` through
    `templateLink` (a local relative path: remote links stay unknown)."""
    key = file_key(doc.path)
    found: list[LinkCaller] = []
    index = deployments.index_of(workspace, deployments.LINK)
    for path in dict.fromkeys(index.referrers(deployments.LINK, doc.path.name.lower())):
        if file_key(path) == key:
            continue
        caller_doc = workspace.document(path)
        if caller_doc is None or caller_doc.kind != "arm":
            continue
        relative = doc.path_to(caller_doc)
        for _, resource, rtype, scope in _walk(_root_scope(caller_doc, workspace)):
            if rtype != DEPLOYMENTS_TYPE:
                continue
            target = _link_target(resource, scope)
            if target is None or file_key(target) != key:
                continue
            name = resource.get("name")
            shown = (f"`{readable_expression(name.value, scope)}`" if _is_expression(name.value) else f"'{name.value}'") \
                if name is not None and name.kind == "string" else "(unnamed)"
            found.append(LinkCaller(doc=caller_doc, deployment=resource, scope=scope, name=f"deployment {shown}",
                                    relative=relative))
    return found


@dataclass(eq=False)
class FileScope(Scope):
    """A whole file's scope: it knows the workspace, so it finds the file's linked-template
    callers (the first time they are asked for)."""

    def callers(self) -> "list[LinkCaller]":
        if self._callers is None:
            self._callers = linked_callers(self.doc, self.workspace) \
                if self.parent is None and self.workspace is not None else []
        return self._callers


def linked_templates(doc: Document, workspace: Workspace) -> list[Path]:
    """The local templates ``doc``'s deployments link to (`templateLink`), in file order."""
    targets: list[Path] = []
    for _, resource, rtype, scope in _walk(_root_scope(doc, workspace)):
        target = _link_target(resource, scope) if rtype == DEPLOYMENTS_TYPE else None
        if target is not None and target not in targets:
            targets.append(target)
    return targets


def _link_target(deployment: Node, scope: Scope) -> Path | None:
    """The local file a deployment links to: `templateLink.relativePath`, or a `templateLink.uri`
    relative to the caller's own link (`[uri(deployment().properties.templateLink.uri,
    'nested/acr.json')]`, also through an `_artifactsLocation` parameter that defaults to it,
    with a SAS token appended); None for an inline template, a remote URI, a template spec."""
    props = deployment.get("properties")
    link = props.get("templateLink") if props is not None and props.kind == "object" else None
    if link is None or link.kind != "object" or props.get("template") is not None:  # type: ignore[union-attr]
        return None
    relative: str | None = None
    relative_node = link.get("relativePath")
    uri = link.get("uri")
    if relative_node is not None and relative_node.kind == "string":
        relative = _string_value(relative_node.value, scope)
    elif uri is not None and uri.kind == "string" and _is_expression(uri.value):
        tree = armexpr.parse(uri.value)
        relative = _relative_link(tree, scope) if tree is not None else None
    if not relative:
        return None
    relative = relative.split("?", 1)[0].replace("\\", "/")
    if not relative or "://" in relative or relative.startswith("/") or re.match(r"^[A-Za-z]:", relative):
        return None
    return scope.doc.path.parent / relative


def _string_value(text: str, scope: Scope) -> str | None:
    if not _is_expression(text):
        return text[1:] if text.startswith("[[") else text
    tree = armexpr.parse(text)
    return _path_text(_without_sas(tree, scope), scope) if tree is not None else None


def _relative_link(tree: tuple, scope: Scope, depth: int = 0) -> str | None:
    tree = _without_sas(tree, scope)
    if tree[0] == "call" and tree[1] == "variables" and len(tree[2]) == 1 and depth < 3:
        # `"uri": "[variables('acrTemplateUri')]"`
        node = scope.variable(armexpr.literal_text(tree[2][0]) or "")
        inner = armexpr.parse(node.value) if node is not None and node.kind == "string" else None
        return _relative_link(inner, scope, depth + 1) if inner is not None else None
    if tree[0] == "call" and tree[1] == "uri" and len(tree[2]) == 2 and _is_own_link(tree[2][0], scope):
        return _path_text(_without_sas(tree[2][1], scope), scope)
    return None


def _path_text(tree: tuple, scope: Scope) -> str | None:
    """The string a link's path expression gives in every deployment: a known value, or a
    `concat()` / `format()` of known strings (`concat('nested/', variables('acrFile'))`)."""
    if tree[0] == "call" and tree[1] in ("concat", "format") and tree[2]:
        parts = [_path_text(arg, scope) for arg in tree[2]]
        if any(not isinstance(p, str) for p in parts):
            return None
        if tree[1] == "concat":
            return "".join(parts)  # type: ignore[arg-type]
        try:
            return re.sub(r"\{(\d+)\}", lambda m: parts[1 + int(m.group(1))], parts[0])  # type: ignore[index,operator]
        except IndexError:
            return None
    known = _known(tree, scope)
    return known.value if known is not None and isinstance(known.value, str) else None


def _without_sas(tree: tuple, scope: Scope) -> tuple:
    """`concat(x, parameters('_artifactsLocationSasToken'))` -> x: the query string a SAS
    token adds does not change which file is meant."""
    if tree[0] != "call" or tree[1] != "concat" or len(tree[2]) < 2:
        return tree
    args = list(tree[2])
    while len(args) > 1 and _is_sas(args[-1], scope):
        args.pop()
    return args[0] if len(args) == 1 else ("call", "concat", tuple(args))


def _is_sas(tree: tuple, scope: Scope) -> bool:
    if tree[0] == "call" and tree[1] in ("parameters", "variables") and len(tree[2]) == 1:
        name = armexpr.literal_text(tree[2][0]) or ""
        return "sas" in name.lower()
    return False


def _is_own_link(tree: tuple, scope: Scope, depth: int = 0) -> bool:
    """`deployment().properties.templateLink.uri`, or a parameter (`_artifactsLocation`) or
    variable whose value (default) is just that."""
    path: list[str] = []
    while tree[0] == "property":
        path.insert(0, str(tree[2]).lower())
        tree = tree[1]
    if tree[0] == "call" and tree[1] == "deployment" and not tree[2]:
        return path == ["properties", "templatelink", "uri"]
    if path or depth > 2 or tree[0] != "call" or tree[1] not in ("parameters", "variables") or len(tree[2]) != 1:
        return False
    name = armexpr.literal_text(tree[2][0]) or ""
    if tree[1] == "variables":
        node = scope.variable(name)
    else:
        declared = scope.parameter(name)
        node = declared.get("defaultValue") if declared is not None and declared.kind == "object" else None
    inner = armexpr.parse(node.value) if node is not None and node.kind == "string" else None
    return inner is not None and _is_own_link(inner, scope, depth + 1)
