"""ARM JSON / JSONC templates and their parameter files.

Finds every ``Microsoft.ContainerRegistry/registries`` resource (resources as an array or,
with ``languageVersion`` 2.0, an object keyed by symbolic name; child ``resources``;
nested ``Microsoft.Resources/deployments`` with inner or outer evaluation scope) and
resolves the values the rule depends on through ``parameters()``, ``variables()``,
parameter defaults and the parameter file next to the template.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import REGISTRY_TYPE, discover
from ..edits import Edit, detect_indent_unit, insert_entries, line_start
from .base import REGISTRY_ROLES, imports_images, registry_role_in
from .. import consumers
from ..consumers import Consumer
from ..errors import ParseError
from ..model import Document, Node, Origin, Registry, Resolved
from ..source import SourceFile
from ..workspace import Workspace, file_key
from . import armexpr, values
from .jsonc import scan_with_values
from .values import Known

DEPLOYMENTS_TYPE = "microsoft.resources/deployments"
PRIVATE_ENDPOINT_TYPE = "microsoft.network/privateendpoints"

_PARAM_REF = re.compile(r"^\[\s*parameters\(\s*'([^']*)'\s*\)\s*\]$", re.IGNORECASE)
_VAR_REF = re.compile(r"^\[\s*variables\(\s*'([^']*)'\s*\)\s*\]$", re.IGNORECASE)
_MEMBER_REF = re.compile(r"^\[\s*(parameters|variables)\(\s*'([^']*)'\s*\)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']*)'\s*\])\s*\]$",
                         re.IGNORECASE)
# A value a release pipeline puts in a parameter file before deploying it (token replacement:
# `#{acrSku}#`, `#arm_acrSku#`, `__acrSku__`, `$(acrSku)`, `{{acrSku}}`, azd's `${AZURE_X}`).
_PLACEHOLDER = re.compile(r"^\s*(?:#\{[^}]*\}#?|#[A-Za-z_][\w.-]*#?|__[A-Za-z_][\w.-]*__|\$\([^)]*\)|\{\{[^}]*\}\}|\$\{[^}]*\})\s*$")
_IGNORE = re.compile(r"acr-fix:\s*ignore\b[ \t:=-]*([^\n*]*)", re.IGNORECASE)
_CHECKOV = re.compile(r"checkov:skip=CKV_AZURE_139\b[ \t:]*([^\n*]*)", re.IGNORECASE)
_MAX_RESOLVE_DEPTH = 12


# --------------------------------------------------------------------------- parsing

def parse(source: SourceFile) -> Document:
    """Parse an ARM template or parameter file. Raises ParseError."""
    try:
        root, strict, values = scan_with_values(source.text)
    except ParseError as exc:
        raise ParseError(f"{source.path}:{exc.line or 1}: invalid JSON: {_strip_line(str(exc))}", exc.line) from None
    kind = classify(root, source.path)
    doc = Document(source=source, root=root, dialect=DIALECT, kind=kind or "json", data=values)
    doc.strict = strict  # type: ignore[attr-defined]
    return doc


def _strip_line(message: str) -> str:
    return re.sub(r"^line \d+: ", "", message)


def classify(root: Node, path: Path) -> str | None:
    """'arm' for a deployment template, 'arm-params' for a parameter file, None otherwise."""
    if root.kind != "object":
        return None
    schema = root.get("$schema")
    schema_text = schema.value.lower() if schema is not None and schema.kind == "string" else ""
    if "deploymentparameters" in schema_text:
        return "arm-params"
    if "deploymenttemplate" in schema_text:
        return "arm"
    resources = root.get("resources")
    if resources is not None and resources.kind in ("array", "object") and (
            root.get("contentVersion") is not None or root.get("parameters") is not None):
        return "arm"
    name = path.name.lower()
    parameters = root.get("parameters")
    if parameters is not None and (".parameters." in name or name.startswith("parameters.")):
        return "arm-params"
    if parameters is not None and parameters.kind == "object" and parameters.members and \
            root.get("contentVersion") is not None and resources is None and \
            all(m.value.kind == "object" and (m.value.get("value") is not None or m.value.get("reference") is not None)
                for m in parameters.members):
        # a parameter file without a `$schema`: `contentVersion`, and values, not declarations
        return "arm-params"
    return None


# --------------------------------------------------------------------------- scopes

@dataclass(eq=False)
class Scope:
    """Where ``parameters()`` and ``variables()`` are looked up for a (nested) template."""

    doc: Document
    template: Node
    parent: "Scope | None" = None
    # what an inner-scope nested deployment passes (its `properties.parameters`: an object of
    # {"value": ...} entries, or an expression), evaluated in the parent scope
    passing: Node | None = None
    param_files: list[Document] = field(default_factory=list)
    label: str = ""
    # a whole file's scope: the workspace its linked-template callers are found in
    workspace: Workspace | None = None
    _callers: "list[LinkCaller] | None" = field(default=None, repr=False)
    _uses: "_Uses | None" = field(default=None, repr=False)

    def callers(self) -> "list[LinkCaller]":
        """The deployments in other files that deploy this template as a linked template
        (`templateLink.relativePath`, or `uri()` on the caller's own link): each one is a
        deployment of its own, with the parameters it passes. Only a whole file has them."""
        if self._callers is None:
            self._callers = linked_callers(self.doc, self.workspace) \
                if self.parent is None and self.workspace is not None else []
        return self._callers

    def uses(self) -> "_Uses":
        """Where this file uses its parameters and variables (for the shared-value check)."""
        if self._uses is None:
            registries, deployments = _parts(self.doc)
            self._uses = _Uses(self.doc, [(r.start, r.end) for r in registries], deployments)
        return self._uses

    def parameter(self, name: str) -> Node | None:
        params = self.template.get("parameters")
        if params is None or params.kind != "object":
            return None
        return params.get(name)

    def variable(self, name: str) -> Node | None:
        variables = self.template.get("variables")
        if variables is None or variables.kind != "object":
            return None
        return variables.get(name)


@dataclass(eq=False)
class LinkCaller:
    """A `Microsoft.Resources/deployments` resource in another file that deploys a template
    through `templateLink`: a caller of that template, like a Bicep module declaration."""

    doc: Document
    deployment: Node
    scope: Scope        # where the deployment's own expressions are evaluated
    name: str           # "deployment 'acr'"
    relative: str       # the caller's path, seen from the linked template

    @property
    def label(self) -> str:
        """"deployment 'acr' in ../azuredeploy.json" (seen from the linked template)."""
        return f"{self.name} in {self.relative}"

    @property
    def properties(self) -> Node | None:
        props = self.deployment.get("properties")
        return props if props is not None and props.kind == "object" else None

    @property
    def parameters(self) -> Node | None:
        props = self.properties
        return props.get("parameters") if props is not None else None

    @property
    def parameters_link(self) -> Node | None:
        props = self.properties
        return props.get("parametersLink") if props is not None else None

    def where(self, node: Node) -> str:
        return f"{self.relative} line {self.doc.line(node)}"


def resolve(node: Node | None, scope: Scope, what: str, depth: int = 0) -> Resolved:
    """Follow a value to where it is defined. ``what`` names it in messages."""
    doc = scope.doc
    if node is None:
        return Resolved(Origin.ABSENT, doc=doc)
    if node.kind != "string":
        if node.kind == "null":
            return Resolved(Origin.ABSENT, doc=doc, node=node)
        return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                        detail=f"{what} is a {node.kind}, not a string (line {doc.line(node)})")
    text = node.value
    if not text.startswith("[") or text.startswith("[["):
        literal = text[1:] if text.startswith("[[") else text
        return Resolved(Origin.LITERAL, value=literal, doc=doc, node=node)
    if depth > _MAX_RESOLVE_DEPTH:
        return Resolved(Origin.EXPRESSION, doc=doc, node=node, detail=f"{what} is defined through too many indirections")
    param = _PARAM_REF.match(text)
    if param:
        return _resolve_parameter(param.group(1), node, scope, what, depth)
    member = _MEMBER_REF.match(text)
    if member:
        kind, name, key = member.group(1).lower(), member.group(2), member.group(3) or member.group(4)
        found = object_of_reference(kind, name, scope, depth + 1)
        if found is None:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from the expression {_short(text)} (line {doc.line(node)})")
        return resolve_member(found, key, scope, what, depth + 1)
    var = _VAR_REF.match(text)
    if var:
        name = var.group(1)
        target = scope.variable(name)
        if target is None:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} uses variables('{name}'), which the template does not define (line {doc.line(node)})")
        inner = resolve(target, scope, what, depth + 1)
        if inner.origin == Origin.LITERAL:
            inner.origin = Origin.VARIABLE
            inner.detail = f"variable '{name}'"
            inner.variable = name
        return inner
    tree = armexpr.parse(text)
    known = _known(tree, scope, depth + 1) if tree is not None else None
    choice = tree is not None and tree[0] == "call" and tree[1] == "if"
    if known is not None and (isinstance(known.value, str) or known.value is None and choice):
        # `[if(parameters('privateLinks'), 'Disabled', 'Enabled')]` with privateLinks false in
        # every deployment: the value is known (not editable: it is an expression)
        shown = f"'{known.value}'" if known.value is not None else "unset"
        why = f" because {known.why()}" if known.facts else " either way" if choice else ""
        return Resolved(Origin.EXPRESSION, value=known.value, doc=doc, node=node,
                        detail=f"{what} comes from the expression {_short(text)} (line {doc.line(node)}), "
                               f"which is {shown}{why}", reads=known.reads)
    return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                    detail=f"{what} comes from the expression {_short(text)} (line {doc.line(node)})")


# --------------------------------------------------------------------------- known values

def _known_inside(expression: Node, scope: Scope, path: tuple[str, ...], what: str) -> Resolved | None:
    """The value at ``path`` inside the object an expression stands for, when every deployment
    gives it the same one (`"networkRuleSet": "[if(c, createObject('defaultAction', 'Deny'),
    null())]"`): read, never edited (it is an expression). None when it is not known."""
    tree = armexpr.parse(str(expression.value))
    known = _known(tree, scope) if tree is not None else None
    if known is None:
        return None
    value = known.value
    for key in path:
        if value is None:
            break   # a null object: nothing inside is set
        value = values.member(value, key)
    doc = scope.doc
    if value is None:
        # unset, like a missing property, but by the expression (its node): not writable there
        return Resolved(Origin.ABSENT, doc=doc, node=expression,
                        detail=f"{what} is unset by the expression {_short(str(expression.value))} "
                               f"(line {doc.line(expression)})")
    if not isinstance(value, str):
        return None
    because = f" because {known.why()}" if known.facts else ""
    return Resolved(Origin.EXPRESSION, value=value, doc=doc, node=expression, reads=known.reads,
                    detail=f"{what} is inside the expression {_short(str(expression.value))} (line {doc.line(expression)}), "
                           f"where it is '{value}'{because}")


def _known(tree: tuple, scope: Scope, depth: int = 0) -> Known | None:
    """The value of an expression tree (see armexpr) when every deployment gives it the same
    one: literals, parameters() and variables() (through parameter files, values passed to a
    nested deployment and defaults), members, if(), not(), and(), or(), equals(), empty(),
    coalesce(), toLower(), toUpper(), bool(), createArray(), createObject(), true(), false(),
    null(). None when it is not known."""
    if depth > _MAX_RESOLVE_DEPTH:
        return None
    kind = tree[0]
    if kind == "literal":
        return Known(tree[1])
    if kind in ("property", "index"):
        base = _known(tree[1], scope, depth + 1)
        key = Known(tree[2]) if kind == "property" else _known(tree[2], scope, depth + 1)
        if base is None or key is None:
            return None
        if isinstance(key.value, int) and not isinstance(key.value, bool) and isinstance(base.value, list):
            value = base.value[key.value] if 0 <= key.value < len(base.value) else values.OPAQUE
        elif isinstance(key.value, str):
            value = values.member(base.value, key.value)
        else:
            return None
        return None if value is values.OPAQUE else base.because(key).with_value(value)
    name, args = tree[1], tree[2]
    if name in ("parameters", "variables") and len(args) == 1 and isinstance(armexpr.literal_text(args[0]), str):
        symbol = armexpr.literal_text(args[0]) or ""
        return _known_parameter(symbol, scope, depth) if name == "parameters" else _known_variable(symbol, scope, depth)
    if name in ("true", "false", "null") and not args:
        return Known({"true": True, "false": False, "null": None}[name])
    if name == "if" and len(args) == 3:
        condition = _known_bool(args[0], scope, depth)
        if condition is not None:
            chosen = _known(args[1] if condition.value else args[2], scope, depth + 1)
            return chosen.because(condition) if chosen is not None else None
        first, second = (_known(a, scope, depth + 1) for a in args[1:])
        if first is not None and second is not None and values.same(first.value, second.value):
            return first.because(second)
        return None
    if name in ("and", "or") and len(args) >= 2:
        decisive = name == "or"   # the value that decides alone
        parts = []
        for arg in args:
            part = _known_bool(arg, scope, depth)
            if part is not None and part.value is decisive:
                return part
            parts.append(part)
        if any(p is None for p in parts):
            return None
        return parts[0].because(*parts[1:])  # type: ignore[union-attr]
    if name == "coalesce" and args:
        seen: list[Known] = []
        for arg in args:
            part = _known(arg, scope, depth + 1)
            if part is None:
                return None
            if part.value is not None:
                return part.because(*seen)
            seen.append(part)
        return seen[0].because(*seen[1:])
    if name == "createarray":
        parts = [_known(a, scope, depth + 1) for a in args]
        return Known([p.value if p is not None else values.OPAQUE for p in parts]).because(*(p for p in parts if p))
    if name == "createobject" and len(args) % 2 == 0:
        keys = [armexpr.literal_text(a) for a in args[::2]]
        if any(k is None for k in keys):
            return None
        parts = [_known(a, scope, depth + 1) for a in args[1::2]]
        return Known({k: p.value if p is not None else values.OPAQUE for k, p in zip(keys, parts)}) \
            .because(*(p for p in parts if p))
    arguments = [_known(a, scope, depth + 1) for a in args]
    if any(a is None for a in arguments):
        return None
    known: list[Known] = arguments  # type: ignore[assignment]
    if name == "not" and len(known) == 1 and isinstance(known[0].value, bool):
        return known[0].with_value(not known[0].value)
    if name == "equals" and len(known) == 2:
        result = values.equal(known[0].value, known[1].value)
        return known[0].because(known[1]).with_value(result) if result is not None else None
    if name == "empty" and len(known) == 1:
        result = values.empty(known[0].value)
        return known[0].with_value(result) if result is not None else None
    if name in ("tolower", "toupper") and len(known) == 1 and isinstance(known[0].value, str):
        return known[0].with_value(known[0].value.lower() if name == "tolower" else known[0].value.upper())
    if name == "bool" and len(known) == 1:
        value = known[0].value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return known[0].with_value(value.lower() == "true")
        return known[0] if isinstance(value, bool) else None
    return None


def _known_bool(tree: tuple, scope: Scope, depth: int) -> Known | None:
    known = _known(tree, scope, depth + 1)
    return known if known is not None and isinstance(known.value, bool) else None


def _known_node(node: Node | None, scope: Scope, depth: int) -> Known | None:
    """The value of a JSON node of ``scope``'s template, its expressions evaluated there."""
    if node is None or depth > _MAX_RESOLVE_DEPTH:
        return None
    if node.kind == "string" and node.value.startswith("[") and not node.value.startswith("[["):
        tree = armexpr.parse(node.value)
        return _known(tree, scope, depth + 1) if tree is not None else None
    if node.kind in ("array", "object"):
        children = node.items or () if node.kind == "array" else [m.value for m in node.members or ()]
        parts = [_known_node(child, scope, depth + 1) for child in children]
        plain = [p.value if p is not None else values.OPAQUE for p in parts]
        value = plain if node.kind == "array" else {m.key: v for m, v in zip(node.members or (), plain)}
        return Known(value).because(*(p for p in parts if p))
    value = values.of_json(node)
    return None if value is values.OPAQUE else Known(value)


def _known_variable(name: str, scope: Scope, depth: int) -> Known | None:
    known = _known_node(scope.variable(name), scope, depth + 1)
    if known is not None and not known.facts:
        known = Known(known.value, (f"variable '{name}' is {values.show(known.value)}",))
    return known


def _known_parameter(name: str, scope: Scope, depth: int) -> Known | None:
    """The value of parameter ``name`` when every deployment gives it the same one: the value
    passed to a nested deployment; else each parameter file's and what each linked-template
    caller passes, and the default where one of them leaves it unset (or when there is
    neither a parameter file nor a caller)."""
    if depth > _MAX_RESOLVE_DEPTH:
        return None
    if scope.parent is not None:
        kind, payload = passed_entry(scope.passing, name, scope.parent, depth)
        if kind in ("node", "known"):
            known = _known_node(payload, scope.parent, depth + 1) if kind == "node" else payload[0]
            if known is None:
                return None
            return Known(known.value, (f"parameter '{name}' is {values.show(known.value)} (passed to {scope.label})",),
                         known.reads | {name})
        if kind != "absent":
            return None
    declared = scope.parameter(name)
    if declared is None or declared.kind != "object":
        return None
    setting = values_in_parameter_files(scope.param_files, name)
    if setting is None:
        return None
    found, unset = [Known(v) for v in setting[0]], setting[1]
    # every parameter file and every linked-template caller is a deployment of its own; with
    # neither, the template is deployed with its defaults
    callers = scope.callers()
    if not scope.param_files and not callers:
        unset = True
    if callers:
        for caller in callers:
            kind, payload = passed_entry(caller.parameters, name, caller.scope, depth)
            if kind == "absent" and caller.parameters_link is None:
                unset = True
                continue
            known = _known_node(payload, caller.scope, depth + 1) if kind == "node" else \
                payload[0] if kind == "known" else None
            if known is None:
                return None
            found.append(known)
    if unset:
        nullable = declared.get("nullable")
        if declared.get("defaultValue") is None and nullable is not None and nullable.kind == "bool" and nullable.value:
            default: Known | None = Known(None)   # a nullable parameter nobody sets is null
        else:
            default = _known_node(declared.get("defaultValue"), scope, depth + 1)
        if default is None:
            return None
        found.append(default)
    if not found:
        return None
    first = found[0].value
    if any(not values.same(k.value, first) for k in found[1:]) or values.has_opaque(first) and not isinstance(first, (list, dict)):
        return None
    why = "its default" if unset and len(found) == 1 else \
        "in every parameter file and passed by every caller" if callers and scope.param_files else \
        "passed by every caller" if callers else "in every parameter file"
    return Known(first, (f"parameter '{name}' is {values.show(first)} ({why})",),
                 frozenset({name}).union(*(k.reads for k in found)))


def passed_entry(parameters: Node | None, name: str, source: Scope, depth: int = 0) -> tuple[str, Any]:
    """What a deployment's `properties.parameters` (``parameters``, read in ``source``)
    passes for parameter ``name``, as (kind, payload):

    - ("absent", None): nothing; the template's default applies
    - ("node", value node): `{"value": ...}`, to be read in ``source``
    - ("known", (Known, node)): an expression every deployment gives the same value, e.g. what Bicep
      compiles a ternary module argument to: `[if(c, createObject('value', 'a'), createObject('value', 'b'))]`
      (for the entry, or for the whole parameters object)
    - ("reference", entry): a Key Vault reference
    - ("expression", node): an expression acr-fix cannot evaluate (or an entry it cannot read)
    """
    if parameters is None:
        return "absent", None
    entry: Node | None = None
    if parameters.kind == "object":
        entry = parameters.get(name)
        if entry is None:
            return "absent", None
        if entry.kind == "object":
            value = entry.get("value")
            if value is not None:
                return "node", value
            return ("reference" if entry.get("reference") is not None else "expression"), entry
    holder = entry if entry is not None else parameters
    if holder.kind != "string" or not _is_expression(holder.value):
        return "expression", holder
    tree = armexpr.parse(holder.value)
    known = _known(tree, source, depth + 1) if tree is not None else None
    if known is None:
        return "expression", holder
    value = known.value
    if entry is None:   # the whole parameters object
        if isinstance(value, dict) and not any(k.lower() == name.lower() for k in value):
            return "absent", None
        value = values.member(value, name)
    value = values.member(value, "value")
    if value is values.OPAQUE or values.has_opaque(value) and not isinstance(value, (list, dict)):
        return "expression", holder
    return "known", (known.with_value(value), holder)


def readable_passed(text: str, scope: Scope | None = None) -> str:
    """An expression that passes a deployment parameter, as a report shows it:
    `createObject('value', 'Basic')` (what Bicep compiles a module argument to) as `'Basic'`."""
    return readable_expression(_CREATE_VALUE.sub(r"\1", text), scope)


_CREATE_VALUE = re.compile(r"createObject\(\s*'value'\s*,\s*('(?:[^']|'')*'|[^(),']*(?:\([^()]*\))?)\s*\)", re.IGNORECASE)


def values_in_parameter_files(param_docs: list[Document], name: str) -> tuple[list[Any], bool] | None:
    """The plain values (see values.of_json) that these parameter files give parameter
    ``name``, and whether one of them leaves it unset (its default then applies); None when
    one sets it by reference (a Key Vault secret) or to an expression."""
    found: list[Any] = []
    unset = False
    for param_doc in param_docs:
        params = param_doc.root.get("parameters")
        entry = params.get(name) if params is not None and params.kind == "object" else None
        if entry is None:
            unset = True
            continue
        value = values.of_json(entry.get("value") if entry.kind == "object" else None)
        if value is values.OPAQUE or isinstance(value, str) and _PLACEHOLDER.match(value):
            return None
        found.append(value)
    return found, unset


def _resolve_parameter(name: str, ref: Node, scope: Scope, what: str, depth: int) -> Resolved:
    doc = scope.doc
    declared = scope.parameter(name)
    allowed = None
    if declared is not None and declared.kind == "object":
        allowed_node = declared.get("allowedValues")
        if allowed_node is not None and allowed_node.kind == "array":
            allowed = allowed_node
    # Inner-scope nested deployment: the value passed in by the outer template wins.
    if scope.parent is not None:
        kind, payload = passed_entry(scope.passing, name, scope.parent, depth)
        if kind == "node":
            inner = resolve(payload, scope.parent, what, depth + 1)
            if inner.origin == Origin.LITERAL:
                inner.detail = f"parameter '{name}' passed to {scope.label}"
            return inner
        if kind != "absent":
            node = payload[1] if kind == "known" else payload
            return _passed_unreadable(kind, payload, name, f"passed to {scope.label}", f"line {doc.line(node)}",
                                      scope.parent, what)
    found: list[Resolved] = []
    unset_in: list[Document] = []
    for param_doc in scope.param_files:
        params = param_doc.root.get("parameters")
        entry = params.get(name) if params is not None and params.kind == "object" else None
        if entry is None or entry.kind != "object":
            unset_in.append(param_doc)
            continue
        value_node = entry.get("value")
        if value_node is None:
            found.append(Resolved(Origin.EXPRESSION, doc=param_doc, node=entry,
                                  detail=f"{what} comes from parameter '{name}', which {param_doc.path.name} sets by reference (line {param_doc.line(entry)})"))
        elif value_node.kind == "string" and _PLACEHOLDER.match(value_node.value):
            found.append(Resolved(Origin.EXPRESSION, doc=param_doc, node=value_node,
                                  detail=f"{what} comes from parameter '{name}', which {param_doc.path.name} sets to the "
                                         f"placeholder '{value_node.value}' (line {param_doc.line(value_node)}), filled in "
                                         f"when it is deployed"))
        elif value_node.kind == "string" and not value_node.value.startswith("["):
            found.append(Resolved(Origin.PARAMETER_FILE, value=value_node.value, doc=param_doc, node=value_node,
                                  detail=f"parameter '{name}' in {param_doc.path.name}", allowed=allowed, allowed_doc=doc,
                                  param=name))
        else:
            found.append(Resolved(Origin.EXPRESSION, doc=param_doc, node=value_node,
                                  detail=f"{what} comes from parameter '{name}', set to a non-literal in {param_doc.path.name} (line {param_doc.line(value_node)})"))
    if found:
        unknown = next((r for r in found if r.origin == Origin.EXPRESSION), None)
        if unknown is not None:
            return unknown
    if declared is None:
        return Resolved(Origin.EXPRESSION, doc=doc, node=ref,
                        detail=f"{what} uses parameters('{name}'), which the template does not declare (line {doc.line(ref)})")
    # Each parameter file is a deployment of its own, and so is each linked-template caller
    # (which does not use this template's parameter files): all of them must be closed.
    callers = scope.callers()
    from_callers = _resolve_from_callers(name, declared, allowed, scope, callers, what, depth,
                                         [d.path.name for d in unset_in]) if callers else None
    places = found + ([from_callers, *from_callers.also] if from_callers is not None else [])
    # the default: for the parameter files that leave it unset, for callers that pass nothing
    # (from_callers has it, see there), and when nothing else deploys the template
    default_node = declared.get("defaultValue") if declared.kind == "object" else None
    needs_default = bool(unset_in) or from_callers is None and (callers or not scope.param_files)
    if not places or needs_default and default_node is not None and \
            not any(p.doc is doc and p.node is default_node for p in places):
        if default_node is None:
            if places:
                return _flat(places)   # a deployment without it fails: nothing to close there
            nobody = "no parameter file or caller sets it" if scope.param_files or callers else \
                "no parameter file sets it"
            return Resolved(Origin.NO_VALUE, doc=doc, node=declared,
                            detail=f"{what} comes from parameter '{name}', which has no default value and {nobody} (line {doc.line(declared)})")
        default = _resolve_default(name, declared, allowed, scope, what, depth)
        if not places:
            return default
        if default.origin != Origin.PARAMETER_DEFAULT:
            return default
        places.append(default)
    return _flat(places)


def _flat(places: list[Resolved]) -> Resolved:
    """One deployment's place with the others as its ``also``, each place once (the same
    node reached through two deployments is one edit)."""
    unique: list[Resolved] = []
    for place in (p for d in places for p in (d, *d.also)):
        if not any(u.doc is place.doc and u.node is place.node and place.node is not None for u in unique):
            unique.append(place)
    for place in unique:
        place.also = []
    primary, primary.also = unique[0], unique[1:]
    return primary


def _passed_unreadable(kind: str, payload: Any, name: str, passed: str, where: str, source: Scope,
                       what: str) -> Resolved:
    """A value a deployment passes that acr-fix cannot edit: an expression (known or not), a
    Key Vault reference. ``passed``: "passed to nested deployment 'x'" / "passed by deployment
    'x' in ../main.json"; ``where``: the line, as seen from the registry's file."""
    if kind == "known":
        known, holder = payload
        return Resolved(Origin.EXPRESSION, doc=source.doc, node=holder,
                        value=known.value if isinstance(known.value, str) else None,
                        detail=f"{what} comes from parameter '{name}', {passed} as the expression "
                               f"`{readable_passed(str(holder.value), source)}` ({where}), which is {values.show(known.value)}"
                               + (f" because {known.why()}" if known.facts else ""), reads=known.reads)
    node: Node = payload
    if kind == "reference":
        return Resolved(Origin.EXPRESSION, doc=source.doc, node=node,
                        detail=f"{what} comes from parameter '{name}', {passed} as a Key Vault reference ({where})")
    text = str(node.value) if node.kind == "string" else ""
    shown = f" `{readable_passed(text, source)}`" if _is_expression(text) else ""
    return Resolved(Origin.EXPRESSION, doc=source.doc, node=node,
                    detail=f"{what} comes from parameter '{name}', {passed} as an expression{shown} that the deploying "
                           f"template computes ({where})")


def _resolve_from_callers(name: str, declared: Node, allowed: Node | None, scope: Scope, callers: list[LinkCaller],
                          what: str, depth: int, unset_in: list[str] | None = None) -> Resolved | None:
    """Parameter ``name`` of a linked template, as its callers pass it: every caller is a
    deployment of its own (the value it passes, where that is defined in the caller; the
    default for those that pass none), like Bicep module callers. None when no caller passes
    anything (the default alone decides). ``unset_in``: the template's parameter files that
    leave it unset too (named with the callers when the default must change)."""
    deployments: list[Resolved] = []
    unreadable: list[Resolved] = []
    leaving: list[LinkCaller] = []   # callers that pass nothing: the default
    for caller in callers:
        kind, payload = passed_entry(caller.parameters, name, caller.scope, depth)
        if kind == "absent":
            link = caller.parameters_link
            if link is None:
                leaving.append(caller)
                continue
            unreadable.append(Resolved(Origin.EXPRESSION, doc=caller.doc, node=link,
                                       detail=f"{what} comes from parameter '{name}', and {caller.label} passes its "
                                              f"parameters in a linked parameter file (parametersLink, {caller.where(link)}), "
                                              f"which acr-fix cannot read"))
            continue
        if kind != "node":
            node = payload[1] if kind == "known" else payload
            unreadable.append(_passed_unreadable(kind, payload, name, f"passed by {caller.label}", caller.where(node),
                                                 caller.scope, what))
            continue
        inner = resolve(payload, caller.scope, what, depth + 1)
        if not inner.known:
            inner.detail = f"{caller.label} passes a value acr-fix cannot read ({inner.detail})"
            unreadable.append(inner)
            continue
        guard = _condition_reading_place(caller, inner)
        if guard is not None:
            return Resolved(Origin.EXPRESSION, value=inner.value, doc=caller.doc, node=payload,
                            detail=f"{what} comes from {guard} of {caller.relative}, which the condition of "
                                   f"{caller.label} also reads ({caller.where(payload)}); changing it could change "
                                   f"whether the registry is deployed")
        for place in (inner, *inner.also):
            _attribute_to_caller(place, caller, payload, name, scope)
        if allowed is not None:
            inner.allowed, inner.allowed_doc = allowed, scope.doc   # the linked template's list must allow it too
        deployments.append(inner)
    if not deployments and not unreadable:
        return None
    if leaving and declared.get("defaultValue") is not None:
        default = _resolve_default(name, declared, allowed, scope, what, depth)
        if not default.known:
            return default
        leavers = [c.label for c in leaving] + (unset_in or [])
        default.detail += ", which " + _calls(leavers) + " leave" + ("s" if len(leavers) == 1 else "") + " unset"
        deployments.append(default)
    if not deployments:
        return unreadable[0]
    # one flat list: a caller that is itself deployed several ways brings its own
    places = [place for d in deployments for place in (d, *d.also)] + unreadable
    for place in places:
        place.also = []
    primary, primary.also = places[0], places[1:]
    return primary


def _attribute_to_caller(place: Resolved, caller: LinkCaller, passed: Node, name: str, scope: Scope) -> None:
    """Say which caller deploys ``place`` (a value a caller passes to parameter ``name`` of the
    linked template of ``scope``), and whether changing it there would change something else:
    another user of the linked template's parameter, or of the caller's own parameter or
    variable that defines it (checked here, where the caller is known: see symbol_doc)."""
    if place.symbol_doc is not None:   # already attributed: it comes from a caller of the caller
        place.shared = place.shared or _linked_use(scope, name)
        return
    if place.origin == Origin.LITERAL:
        place.origin = Origin.MODULE_CALLER
        place.detail = f"parameter '{name}' passed by {caller.label}"
        place.param, place.symbol_doc = name, scope.doc
        place.shared = _linked_use(scope, name)
        return
    if place.origin not in (Origin.PARAMETER_DEFAULT, Origin.PARAMETER_FILE, Origin.VARIABLE):
        return
    passes = f"which {caller.name} passes as parameter '{name}'"
    if place.origin == Origin.PARAMETER_FILE and place.doc is not None:
        place.detail = f"parameter '{place.param}' in {scope.doc.path_to(place.doc)}, which {caller.label} passes as " \
                       f"parameter '{name}'"
    else:
        place.detail = f"{place.detail} of {caller.relative}, {passes}"
    place.symbol_doc = caller.doc
    place.shared = _caller_use(caller, passed, place) or _linked_use(scope, name)


def _calls(calls: list[str]) -> str:
    """"deployment 'a' in x.json and deployment 'b' in y.json"; after three, "... and 2 more"."""
    if len(calls) > 3:
        return ", ".join(calls[:3]) + f" and {len(calls) - 3} more"
    return calls[0] if len(calls) == 1 else ", ".join(calls[:-1]) + " and " + calls[-1]


def _condition_reading_place(caller: LinkCaller, place: Resolved) -> str | None:
    """"parameter 'sku'" when the linking deployment's `condition` reads the caller's
    parameter or variable that defines ``place``: changing it could switch the deployment off."""
    condition = caller.deployment.get("condition")
    if condition is None or condition.kind != "string" or place.doc is None:
        return None
    for kind, name, label in (("parameters", place.param, "parameter"), ("variables", place.variable, "variable")):
        if name and re.search(rf"{kind}\(\s*'{re.escape(name)}'\s*\)", condition.value, re.IGNORECASE) and \
                place.origin in (Origin.PARAMETER_DEFAULT, Origin.PARAMETER_FILE, Origin.VARIABLE):
            return f"{label} '{name}'"
    return None


def _linked_use(scope: Scope, name: str) -> str | None:
    """Another use of the linked template's parameter ``name`` (besides its registries and
    outputs): a value its caller passes changes that user too."""
    return scope.uses().other_use(scope.template, "parameters", name)


def _caller_use(caller: LinkCaller, passed: Node, place: Resolved) -> str | None:
    """Another use, in the caller, of the parameter or variable that defines ``place`` (besides
    passing it to this linked template here): a fix there would change that user too."""
    kind, name = ("variables", place.variable) if place.origin == Origin.VARIABLE else ("parameters", place.param)
    if not name:
        return None
    uses = _root_of(caller.scope).uses()
    parameters = caller.parameters
    deployment = caller.deployment
    if parameters is None:
        spans = [(deployment.start, deployment.end)]
    else:
        # the linking deployment's name, condition and dependencies are not another user, nor
        # the entry that passes the value; what it passes to its other parameters is
        spans = [(deployment.start, parameters.start), (parameters.end, deployment.end)]
        entry = next((m for m in parameters.members or () if m.value.start <= passed.start < m.value.end), None) \
            if parameters.kind == "object" else None
        spans.append((entry.start, entry.value.end) if entry is not None else (parameters.start, parameters.end))
    found = uses.other_use(uses.declaring(place), kind, name, extra_ignored=spans)
    return found.replace("elsewhere in the template", f"elsewhere in {caller.relative}") if found else None


def _resolve_default(name: str, declared: Node, allowed: Node | None, scope: Scope, what: str, depth: int) -> Resolved:
    inner = resolve(declared.get("defaultValue"), scope, what, depth + 1)
    if inner.origin == Origin.LITERAL:
        inner.origin = Origin.PARAMETER_DEFAULT
        inner.detail = f"default of parameter '{name}'"
        inner.allowed = allowed
        inner.allowed_doc = scope.doc
        inner.param = name
    return inner


def _root_of(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


@dataclass(eq=False)
class ObjectSource:
    """An object value (e.g. an object parameter's default) and where it is defined."""

    node: Node
    doc: Document
    origin: Origin
    detail: str
    # ("parameters" | "variables", name) whose value this object is: a member changed there
    # changes every other user of that parameter or variable too
    symbol: tuple[str, str] | None = None
    # the scope the object's own expressions are read in, when not the one asking
    home: Scope | None = None


def object_of_reference(kind: str, name: str, scope: Scope, depth: int = 0) -> ObjectSource | None:
    """The object that `parameters('name')` / `variables('name')` stands for, when it is a
    literal object (a parameter file value, a default, a variable); None otherwise."""
    if depth > _MAX_RESOLVE_DEPTH:
        return None
    if kind == "variables":
        target = scope.variable(name)
        if target is not None and target.kind == "object":
            return ObjectSource(target, scope.doc, Origin.VARIABLE, f"variable '{name}'", ("variables", name))
        if target is not None and target.kind == "string":
            return object_of_expression(target, scope, depth + 1)
        return None
    if scope.parent is not None:
        kind, value = passed_entry(scope.passing, name, scope.parent, depth)
        if kind == "node":
            if value.kind == "object":
                return ObjectSource(value, scope.parent.doc, Origin.LITERAL, f"passed as parameter '{name}' to {scope.label}",
                                    home=scope.parent)
            return object_of_expression(value, scope.parent, depth + 1)
        if kind != "absent":
            return None
    setting = []
    for param_doc in scope.param_files:
        params = param_doc.root.get("parameters")
        entry = params.get(name) if params is not None and params.kind == "object" else None
        if entry is not None and entry.kind == "object":
            setting.append((param_doc, entry.get("value")))
    callers = scope.callers()
    if setting:
        if len(setting) > 1 or len(setting) != len(scope.param_files) or callers:
            return None  # several deployments: not one place to edit
        param_doc, value = setting[0]
        if value is not None and value.kind == "object":
            return ObjectSource(value, param_doc, Origin.PARAMETER_FILE, f"parameter '{name}' in {param_doc.path.name}",
                                ("parameters", name))
        return None
    if callers:
        passing = [(caller, passed_entry(caller.parameters, name, caller.scope, depth)) for caller in callers]
        if any(kind != "absent" or caller.parameters_link is not None for caller, (kind, _) in passing):
            if len(callers) > 1 or scope.param_files:
                return None  # several deployments: not one place to edit
            caller, (kind, value) = passing[0]
            if kind != "node":
                return None
            if value.kind == "object":
                return ObjectSource(value, caller.doc, Origin.LITERAL, f"passed as parameter '{name}' by {caller.label}",
                                    home=caller.scope)
            return object_of_expression(value, caller.scope, depth + 1)
    declared = scope.parameter(name)
    default = declared.get("defaultValue") if declared is not None and declared.kind == "object" else None
    if default is not None and default.kind == "object":
        return ObjectSource(default, scope.doc, Origin.PARAMETER_DEFAULT, f"default of parameter '{name}'",
                            ("parameters", name))
    if default is not None and default.kind == "string":
        return object_of_expression(default, scope, depth + 1)
    return None


def object_of_expression(node: Node, scope: Scope, depth: int = 0) -> ObjectSource | None:
    """``object_of_reference`` for a string that is exactly a parameters()/variables() call."""
    if node.kind != "string":
        return None
    for pattern, kind in ((_PARAM_REF, "parameters"), (_VAR_REF, "variables")):
        match = pattern.match(node.value)
        if match:
            return object_of_reference(kind, match.group(1), scope, depth)
    return None


def resolve_member(source: ObjectSource, key: str, scope: Scope, what: str, depth: int = 0) -> Resolved:
    """The value of ``key`` inside an object defined elsewhere, attributed to that place."""
    member = source.node.get(key)
    if member is None:
        return Resolved(Origin.EXPRESSION, doc=source.doc, node=source.node,
                        detail=f"{what} is not set in {source.detail} (line {source.doc.line(source.node)})")
    inner_scope = source.home if source.home is not None else \
        scope if source.doc is scope.doc else Scope(doc=source.doc, template=source.doc.root)
    inner = resolve(member, inner_scope, what, depth)
    if inner.origin == Origin.LITERAL and source.origin != Origin.LITERAL:
        inner.origin = source.origin
        inner.detail = f"{source.detail}, member '{key}'"
        if source.symbol is not None:  # so the shared-use check sees the parameter or variable
            kind, name = source.symbol
            if kind == "parameters":
                inner.param = name
            else:
                inner.variable = name
    elif inner.origin == Origin.LITERAL and source.detail:
        inner.detail = f"{source.detail}, member '{key}'"
    return inner


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- walking

def _iter_resources(container: Node | None):
    """Yield resource object nodes from a resources array or a symbolic-name object."""
    if container is None:
        return
    if container.kind == "array":
        for item in container.items or ():
            if item.kind == "object":
                yield None, item
    elif container.kind == "object":
        for member in container.members or ():
            if member.value.kind == "object":
                yield member.key, member.value


def _type_of(resource: Node, parent_type: str | None) -> str:
    node = resource.get("type")
    text = node.value if node is not None and node.kind == "string" else ""
    if parent_type and "/" in parent_type and text and "." not in text.split("/")[0]:
        # child resources may spell only the last segment ("replications")
        return f"{parent_type}/{text}".lower()
    return text.lower()


def param_files_for(doc: Document, workspace: Workspace) -> list[Document]:
    """Parameter files that belong to ``doc``: ``<stem>.parameters.json`` (or .jsonc, or
    ``<stem>.parameters.<env>.json``) next to it, or any parameter file in the same folder
    whose ``metadata.template`` names it. The exact ``<stem>.parameters.json`` comes first."""
    found: list[Document] = []
    paths = _param_file_paths(doc.path, workspace)
    if doc.kind == "arm":
        paths = paths + [p for p in _loose_param_file_paths(doc, workspace) if p not in paths]
    for candidate in paths:
        other = workspace.document(candidate)
        if other is None:
            error = workspace.error_for(candidate)
            if error:
                # The values the deployment really uses are unknown: never guess from defaults.
                raise ParseError(f"{error} (parameter file of {doc.path.name}; fix it, then run acr-fix again)")
        if other is not None and other.kind == "arm-params":
            found.append(other)
    return found


def _param_file_paths(path: Path, workspace: Workspace) -> list[Path]:
    """The paths behind param_files_for, looked up once per run (the writer's re-check asks
    again; a fix never changes which files belong to a template)."""
    cache = workspace.cache.setdefault("arm.param-files", {})
    if path in cache:
        return cache[path]
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    folder = path.parent
    found: list[Path] = []
    try:
        siblings = sorted(p for p in folder.iterdir() if p.name.lower().endswith((".json", ".jsonc")))
    except OSError:
        siblings = []
    names = {p.name for p in siblings}
    for name in (f"{stem}.parameters.json", f"{stem}.parameters.jsonc"):
        if name in names and (folder / name).is_file():
            found.append(folder / name)
    lower_stem = stem.lower()
    for sibling in siblings:
        lower = sibling.name.lower()
        if sibling in found or sibling == path:
            continue
        if lower.startswith(lower_stem + ".parameters."):
            found.append(sibling)
            continue
        # metadata.template link (PSRule's convention; any file name, e.g. staging.json),
        # checked cheaply before parsing
        try:
            with open(sibling, "rb") as handle:
                head = handle.read(4096)
        except OSError:
            continue
        if path.name.encode() in head and b'"template"' in head and b"deploymentparameters" in head.lower():
            other = workspace.document(sibling)
            meta = other.root.get("metadata") if other is not None else None
            link = meta.get("template") if meta is not None and meta.kind == "object" else None
            if link is not None and link.kind == "string" and (folder / link.value).resolve() == path.resolve():
                found.append(sibling)
    cache[path] = found
    return found


def _loose_param_file_paths(doc: Document, workspace: Workspace) -> list[Path]:
    """Parameter files in an ARM template's folder named otherwise than `<stem>.parameters.json`
    (`acr.params.json`, `acr-parameters.json`, `staging-parameters.json` beside the folder's
    only template; see discover.loose_owner), that set only parameters the template declares
    (a parameter file of another template does not) and that no `metadata.template` sends to
    another file."""
    cache = workspace.cache.setdefault("arm.loose-param-files", {})
    key = file_key(doc.path)
    if key in cache:
        return cache[key]
    folder = doc.path.parent
    roles = workspace.cache.setdefault("arm.folder-roles", {})
    if folder not in roles:
        roles[folder] = discover.folder_roles(folder)
    templates, parameter_files, bicep = roles[folder]
    names: set[str] | None = None  # the template's parameters, read only if a file may be its
    found: list[Path] = []
    strict = doc.path.name[: -len(doc.path.suffix)].lower() + ".parameters."
    for candidate in parameter_files:
        if candidate.name.lower().startswith(strict):
            continue  # `<stem>.parameters.json`: _param_file_paths has it
        owner = discover.loose_owner(candidate, templates, bicep)
        if owner is None or owner.name != doc.path.name:
            continue
        if names is None:
            declared = doc.root.get("parameters")
            names = {m.key.lower() for m in declared.members or ()} \
                if declared is not None and declared.kind == "object" else set()
        other = workspace.document(candidate)
        params = other.root.get("parameters") if other is not None and other.kind == "arm-params" else None
        if params is None or params.kind != "object" or any(m.key.lower() not in names for m in params.members or ()):
            continue
        meta = other.root.get("metadata")  # type: ignore[union-attr]
        link = meta.get("template") if meta is not None and meta.kind == "object" else None
        if link is not None and link.kind == "string" and (folder / link.value).resolve() != doc.path.resolve():
            continue
        found.append(candidate)
    cache[key] = found
    return found


def find_registries(doc: Document, workspace: Workspace) -> list[Registry]:
    """Every registry in an ARM template, with its values resolved."""
    if doc.kind != "arm":
        return []
    root_scope = _root_scope(doc, workspace)
    registries: list[Registry] = []
    private_endpoint_targets: list[str] = []
    deployments: list[Node] = []  # nested deployments (their parameters carry values to registries)
    pulling: list[tuple[Node, Scope]] = []  # resources that use a login server or registry credentials
    scopes: dict[int, Scope] = {}  # id(registry node) -> the scope it is deployed in
    lowered = doc.source.text.lower()
    role_vars = _role_variables(doc)
    role_uses = [f"variables('{name}')" for name in role_vars]
    for symbolic, resource, rtype, scope in _walk(root_scope, every=True):
        if lowered.find("loginserver", resource.start, resource.end) >= 0 or \
                lowered.find("listcredentials(", resource.start, resource.end) >= 0 or \
                imports_images(lowered, resource.start, resource.end) or \
                (rtype == consumers.ML_WORKSPACE_TYPE and lowered.find('"containerregistry"', resource.start, resource.end) >= 0):
            # (an ML workspace or AI hub names its registry in containerRegistry, by id)
            pulling.append((resource, scope))
        elif (any(lowered.find(n, resource.start, resource.end) >= 0 for n in _PULL_NEEDLES)
              or any(lowered.find(use, resource.start, resource.end) >= 0 for use in role_uses)) \
                and lowered.find(DEPLOYMENTS_TYPE, resource.start, resource.end) < 0:
            # (a nested deployment's text holds its template's resources: they are looked at
            # one by one in their own scope, the wrapper is not a puller for holding them)
            pulling.append((resource, scope))
        if rtype == REGISTRY_TYPE:
            registries.append(_registry(doc, resource, symbolic, scope))
            scopes[id(resource)] = scope
        elif rtype == PRIVATE_ENDPOINT_TYPE:
            private_endpoint_targets.append(_private_endpoint_text(doc, resource))
        elif rtype == DEPLOYMENTS_TYPE:
            deployments.append(resource)
    for index, registry in enumerate(registries):
        registry.index = index
        registry.has_private_endpoint = _has_private_endpoint(registry, private_endpoint_targets,
                                                              sum(1 for r in registries if not r.existing))
        registry.consumers, registry.importers = _clients(
            doc, registry, [r for r, s in pulling if s is scopes.get(id(registry.node))],
            lowered, sum(1 for r in registries if not r.existing), role_vars)
    _mark_shared_definitions(doc, registries, deployments)
    return registries


# Text that makes a resource a puller besides a login server or credentials: a login server
# built from the name, an AcrPull / AcrPush role assignment (it still has to name the registry,
# see _clients).
_PULL_NEEDLES = (".azurecr.io", *REGISTRY_ROLES)


def _root_scope(doc: Document, workspace: Workspace) -> Scope:
    return Scope(doc=doc, template=doc.root, param_files=param_files_for(doc, workspace), label="the template",
                 workspace=workspace)


def _walk(root: Scope, every: bool = False):
    """(symbolic name, resource, its type, the scope it is deployed in) for every resource of a
    file, nested and child resources too. Unparsed resources that mention no registry,
    deployment or private endpoint are skipped (see _may_matter), or with ``every`` given with
    the type None (their text may still pull from a registry)."""
    text = root.doc.source.text
    work: list[tuple[Node | None, Scope, str | None]] = [(root.doc.root.get("resources"), root, None)]
    while work:
        container, scope, parent_type = work.pop(0)
        for symbolic, resource in _iter_resources(container):
            if resource._expand is not None and not _may_matter(text, resource):
                if every:
                    yield symbolic, resource, None, scope
                continue
            rtype = _type_of(resource, parent_type)
            yield symbolic, resource, rtype, scope
            if rtype == DEPLOYMENTS_TYPE:
                nested = _nested_scope(resource, scope)
                if nested is not None:
                    work.append(nested)
            children = resource.get("resources")
            if children is not None:
                work.append((children, scope, rtype))


def _parts(doc: Document) -> tuple[list[Node], list[Node]]:
    """The registries and the deployments of a file (nested ones too)."""
    registries: list[Node] = []
    deployments: list[Node] = []
    for _, resource, rtype, _ in _walk(Scope(doc=doc, template=doc.root)):
        if rtype == REGISTRY_TYPE:
            registries.append(resource)
        elif rtype == DEPLOYMENTS_TYPE:
            deployments.append(resource)
    return registries, deployments


# --------------------------------------------------------------------------- linked templates

_LINKED_NAME = re.compile(rb"[A-Za-z0-9_.\-]+\.jsonc?\b")
_TEMPLATE_LINK_SPELLINGS = (b"mplateLink", b"mplatelink")  # [Tt]emplateLink, templatelink


def _link_index(workspace: Workspace) -> dict[str, list[Path]]:
    """File name (lower-case) -> the discovered JSON files that mention `templateLink` and
    that name: the candidates for callers of a template of that name, built once per run
    from raw bytes (each candidate is then read properly, see linked_callers)."""
    index = workspace.cache.get("arm.link-index")
    if index is not None:
        return index
    index = {}
    for path in workspace.files:
        if path.suffix.lower() not in (".json", ".jsonc"):
            continue
        try:
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size > workspace.max_file_size:
                    continue
                raw = handle.read()
        except OSError:
            continue
        # (plain byte searches for the ways the property is written: lower-casing every file,
        # or a case-insensitive regex, cost more than reading it; only the few files that link
        # templates are lower-cased)
        if not any(spelling in raw for spelling in _TEMPLATE_LINK_SPELLINGS):
            continue
        for name in set(_LINKED_NAME.findall(raw.lower())):
            index.setdefault(name.rsplit(b"/", 1)[-1].decode("utf-8", "replace"), []).append(path)
    workspace.cache["arm.link-index"] = index
    return index


def prepare_workspace(workspace: Workspace) -> None:
    """Build the run-wide index now (before a parallel run forks its workers)."""
    _link_index(workspace)


def linked_callers(doc: Document, workspace: Workspace) -> list[LinkCaller]:
    """The deployments in the discovered ARM templates that deploy ``doc`` through
    `templateLink` (a local relative path: remote links stay unknown)."""
    key = file_key(doc.path)
    found: list[LinkCaller] = []
    for path in dict.fromkeys(_link_index(workspace).get(doc.path.name.lower(), ())):
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


def _mark_shared_definitions(doc: Document, registries: list[Registry], deployments: list[Node]) -> None:
    """Flag values defined in a parameter or variable that other resources use as well
    (`parameters('sku')` in a registry and in a Service Bus namespace): a fix there would
    change those resources too. Uses inside registries and in the outputs do not count.
    Values a linked-template caller defines were checked where they were found (see
    _resolve_from_callers: ``symbol_doc`` names the file that declares them)."""
    uses = _Uses(doc, [(r.node.start, r.node.end) for r in registries], deployments)
    for registry in registries:
        for resolved in (registry.sku_name, registry.public_network_access, registry.default_action, registry.bypass):
            for place in (resolved, *resolved.also):
                if place.symbol_doc is not None:
                    continue
                if place.origin in (Origin.PARAMETER_DEFAULT, Origin.PARAMETER_FILE) and place.param:
                    place.shared = uses.other_use(uses.declaring(place), "parameters", place.param)
                elif place.origin == Origin.VARIABLE and place.variable:
                    place.shared = uses.other_use(uses.declaring(place), "variables", place.variable)


class _Uses:
    """Where a template file uses its parameters and variables, for the shared-value check.

    A use counts only where the name means the same parameter: `parameters('sku')` inside an
    inner-scope nested template (`expressionEvaluationOptions.scope: inner`, what Bicep
    modules compile to) is that template's own `sku`, not the outer one; an outer-scope
    nested template shares its parent's. A value passed to a nested deployment
    (`properties.parameters`) is another use only if that deployment's parameter is.
    ``registry_spans``: the registries (their uses do not count)."""

    def __init__(self, doc: Document, registry_spans: list[tuple[int, int]], deployments: list[Node]) -> None:
        self.doc = doc
        self.scopes = _TemplateScopes(doc, deployments)
        # a nested deployment that deploys a registry: its name, condition and dependencies are
        # not another user (its template's resources are looked at one by one)
        self.holders = [d for d in deployments if any(d.start <= start and end <= d.end for start, end in registry_spans)]
        outputs = doc.root.get("outputs")
        self.ignored = registry_spans + ([(outputs.start, outputs.end)] if outputs is not None else [])
        self.cache: dict[tuple[int, str, str], str | None] = {}

    def declaring(self, place: Resolved) -> Node:
        return self.scopes.declaring(place)

    def other_use(self, template: Node, kind: str, name: str, depth: int = 0,
                  extra_ignored: list[tuple[int, int]] | None = None) -> str | None:
        """Where ``kind``('name') of ``template`` is used by something other than a registry
        or an output (and ``extra_ignored``), as a sentence; None when nowhere."""
        key = (template.start, kind, name.lower())
        if extra_ignored is None and key in self.cache:
            return self.cache[key]
        if extra_ignored is None:
            self.cache[key] = None  # a cycle finds nothing new
        ignored = self.ignored + (extra_ignored or [])
        doc, scopes = self.doc, self.scopes
        found = None
        pattern = re.compile(rf"{kind}\(\s*'{re.escape(name)}'\s*\)", re.IGNORECASE)
        for match in pattern.finditer(doc.source.text, template.start, template.end):
            at = match.start()
            if scopes.owner(at) is not template or any(start <= at < end for start, end in ignored):
                continue
            passed = scopes.passed_to(at)
            if passed is not None:
                inner, parameter, label = passed
                if depth < _MAX_RESOLVE_DEPTH and self.other_use(inner, "parameters", parameter, depth + 1):
                    found = f"{kind}('{name}') is passed to {label} as parameter '{parameter}', " \
                            f"which another resource uses (line {doc.line(at)})"
                    break
                continue
            if any(d.start <= at < d.end and not scopes.in_template_of(d, at) for d in self.holders):
                continue
            found = f"{kind}('{name}') is also used elsewhere in the template (line {doc.line(at)})"
            break
        if extra_ignored is None:
            self.cache[key] = found
        return found


class _TemplateScopes:
    """Which template's parameters() and variables() an expression at some offset means: the
    innermost inner-scope nested template around it, else the whole file's. User-defined
    functions have their own parameters() and belong to none."""

    def __init__(self, doc: Document, deployments: list[Node]) -> None:
        self.root = doc.root
        self.doc = doc
        self.inner: list[Node] = []                       # inner-scope nested templates
        self.templates: dict[int, Node] = {}              # id(deployment) -> its nested template
        # (properties.parameters, inner template, the deployment named for messages)
        self.passing: list[tuple[Node, Node, str]] = []
        for deployment in deployments:
            props = deployment.get("properties")
            template = props.get("template") if props is not None and props.kind == "object" else None
            if template is None or template.kind != "object":
                continue
            self.templates[id(deployment)] = template
            if _is_inner_scope(props):
                self.inner.append(template)
                parameters = props.get("parameters")
                if parameters is not None and parameters.kind == "object":
                    name = deployment.get("name")
                    label = f"nested deployment {name.value!r}" if name is not None and name.kind == "string" \
                        else "a nested deployment"
                    self.passing.append((parameters, template, label))
        self.functions = [f for f in (t.get("functions") for t in (self.root, *self.inner)) if f is not None]

    def owner(self, at: int) -> Node | None:
        if any(f.start <= at < f.end for f in self.functions):
            return None
        around = [t for t in self.inner if t.start <= at < t.end]
        return max(around, key=lambda t: t.start) if around else self.root

    def declaring(self, place: Resolved) -> Node:
        """The template that declares the parameter or variable that defines ``place``: the
        one around its definition (a parameter file sets the whole file's parameters)."""
        if place.doc is not self.doc or place.node is None:
            return self.root
        return self.owner(place.node.start) or self.root

    def passed_to(self, at: int) -> tuple[Node, str, str] | None:
        """(nested template, its parameter, the deployment's label) when ``at`` is inside a
        value that an inner-scope deployment passes to that parameter."""
        for parameters, template, label in self.passing:
            if parameters.start <= at < parameters.end:
                for member in parameters.members or ():
                    if member.start <= at < member.value.end:
                        return template, member.key, label
        return None

    def in_template_of(self, deployment: Node, at: int) -> bool:
        template = self.templates.get(id(deployment))
        return template is not None and template.start <= at < template.end


def _is_inner_scope(props: Node) -> bool:
    options = props.get("expressionEvaluationOptions")
    scope_value = options.get("scope") if options is not None and options.kind == "object" else None
    return scope_value is not None and scope_value.kind == "string" and scope_value.value.lower() == "inner"


_NEEDLES = ("containerregistry/registries", "microsoft.resources/deployments", "privateendpoints")


def _may_matter(text: str, resource: Node) -> bool:
    """Whether a resource's text mentions anything find_registries looks at (C-speed test
    that spares parsing the many resources of a big template that cannot matter)."""
    chunk = text[resource.start:resource.end].lower()
    return any(needle in chunk for needle in _NEEDLES)


def _nested_scope(deployment: Node, scope: Scope) -> tuple[Node | None, Scope, None] | None:
    """The resources of a nested template and the scope its expressions are evaluated in."""
    props = deployment.get("properties")
    if props is None or props.kind != "object":
        return None
    template = props.get("template")
    if template is None or template.kind != "object":
        return None
    inner = _is_inner_scope(props)
    name_node = deployment.get("name")
    label = f"nested deployment {name_node.value!r}" if name_node is not None and name_node.kind == "string" else "a nested deployment"
    if not inner:
        # Outer scope (the default): parameters() and variables() mean the outer template's.
        return template.get("resources"), scope, None
    return template.get("resources"), Scope(doc=scope.doc, template=template, parent=scope,
                                            passing=props.get("parameters"), label=label), None


def _registry(doc: Document, resource: Node, symbolic: str | None, scope: Scope) -> Registry:
    props = resource.get("properties")
    props_obj = props if props is not None and props.kind == "object" else None
    nrs = props_obj.get("networkRuleSet") if props_obj is not None else None
    nrs_obj = nrs if nrs is not None and nrs.kind == "object" else None
    sku = resource.get("sku")
    sku_obj = sku if sku is not None and sku.kind == "object" else None
    api = resource.get("apiVersion")

    name_node = resource.get("name")
    name_res = resolve(name_node, scope, "name")
    shown_name = None
    if name_res.value:
        name = name_res.value
    elif symbolic:
        name = symbolic
    elif name_node is not None and name_node.kind == "string":
        name = name_node.value
    else:
        name = "(unnamed)"
    if not name_res.value and name_node is not None and name_node.kind == "string" and _is_expression(name_node.value):
        shown_name = readable_expression(name_node.value, scope)

    def field_of(parent: Node | None, parent_present: Node | None, key: str, what: str,
                 inside: tuple[str, ...] | None = None) -> Resolved:
        """``key`` of ``parent``; when the parent is an expression (``parent_present``), the
        value at ``inside`` (default: ``key``) in the object it stands for, if known."""
        if parent_present is not None and parent is None:
            # the parent itself is an expression or null
            if parent_present.kind == "null":
                return Resolved(Origin.ABSENT, doc=doc)
            if parent_present.kind == "string" and str(parent_present.value).startswith("["):
                known = _known_inside(parent_present, scope, inside or (key,), what)
                if known is not None:
                    return known
                return Resolved(Origin.EXPRESSION, doc=doc, node=parent_present,
                                detail=f"{what} is inside an expression {_short(str(parent_present.value))} (line {doc.line(parent_present)})")
            return Resolved(Origin.EXPRESSION, doc=doc, node=parent_present,
                            detail=f"{what} cannot be read: its parent is a {parent_present.kind}, not an object (line {doc.line(parent_present)})")
        node = parent.get(key) if parent is not None else None
        result = resolve(node, scope, what)
        if result.origin == Origin.ABSENT:
            result.parent = parent
        return result

    public_access = field_of(props_obj, props, "publicNetworkAccess", "publicNetworkAccess")
    default_action = field_of(nrs_obj, nrs if props_obj is not None else None, "defaultAction", "networkRuleSet.defaultAction")
    if props is not None and props_obj is None:
        # `"properties": "[variables('acrProps')]"`: both values are out of reach alike
        default_action = field_of(None, props, "defaultAction", "networkRuleSet.defaultAction",
                                  ("networkRuleSet", "defaultAction"))
    bypass = field_of(props_obj, props, "networkRuleBypassOptions", "networkRuleBypassOptions")
    sku_name = field_of(sku_obj, sku, "name", "sku.name")
    if sku is not None and sku_obj is None:
        # `"sku": "[parameters('sku')]"` with an object parameter (what Bicep's `sku: sku` compiles to)
        source = object_of_expression(sku, scope)
        if source is not None:
            sku_obj = source.node
            sku_name = resolve_member(source, "name", scope, "sku.name")
    api_res = resolve(api, scope, "apiVersion")

    ip_rules = nrs_obj.get("ipRules") if nrs_obj is not None else None
    existing = resource.get("existing")
    text = doc.source.text
    # Comments that mark the resource: inside its span, or on the lines just above it.
    above_start = line_start(text, max(0, line_start(text, resource.start) - 1))
    above = text[above_start:resource.start]
    inside = text[resource.start:resource.end]
    ignore = _IGNORE.search(inside) or _IGNORE.search(above)
    checkov = _CHECKOV.search(inside)

    # The version may sit in a variable or a parameter default of this template
    # ("apiVersion": "[variables('acrApiVersion')]"): it is bumped there.
    editable_api = api_res.node if api_res.origin in (Origin.LITERAL, Origin.VARIABLE, Origin.PARAMETER_DEFAULT) \
        and api_res.doc is doc else None

    def api_edit(new_version: str, node: Node | None = editable_api) -> list[Edit]:
        if node is None:
            return []
        return [Edit(node.start, node.end, json.dumps(new_version))]

    return Registry(
        doc=doc,
        name=name,
        shown_name=shown_name,
        shown_is_expression=shown_name is not None,
        node=resource,
        line=doc.line(resource),
        api_version=api_res,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=default_action,
        bypass=bypass,
        properties=props_obj,
        network_rule_set=nrs_obj,
        ip_rules=ip_rules,
        sku=sku_obj,
        api_version_edit=api_edit,
        symbolic=symbolic,
        existing=bool(existing is not None and existing.kind == "bool" and existing.value),
        property_keys=frozenset(m.key.lower() for m in (props_obj.members or ())) if props_obj is not None else frozenset(),
        network_rule_set_keys=frozenset(m.key.lower() for m in (nrs_obj.members or ())) if nrs_obj is not None else frozenset(),
        inline_ignore=(ignore.group(1).strip() or "no reason given") if ignore else None,
        checkov_skip=(checkov.group(1).strip() or "CKV_AZURE_139 skipped") if checkov else None,
        notes=_resource_notes(resource),
    )


def _resource_notes(resource: Node) -> list[str]:
    """What a fix of this resource should mention: a loop makes it many registries, a
    condition may leave it undeployed."""
    notes = []
    if resource.get("copy") is not None:
        notes.append("declared with a `copy` loop: a fix applies to every registry the loop creates")
    condition = resource.get("condition")
    if condition is not None and not (condition.kind == "bool" and condition.value is True):
        notes.append("declared with a `condition`: it is only deployed when the condition holds")
    return notes


def _is_expression(value: object) -> bool:
    """`[...]` is an ARM expression; `[[...` is a literal that starts with a bracket."""
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


_SCOPE_LOOKUP = re.compile(r"\b(parameters|variables)\(\s*'([^']*)'\s*\)", re.IGNORECASE)


def readable_expression(text: str, scope: Scope | None = None, depth: int = 0) -> str:
    """An ARM expression as a report shows it: without its brackets, `parameters('x')` and
    `variables('x')` as plain `x` (as Bicep writes them), a variable that is the whole
    expression followed to its own expression, whitespace collapsed, at most 80 characters.
    `[format('{0}acr', parameters('prefix'))]` -> `format('{0}acr', prefix)`."""
    inner = text.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1].strip()
    whole = _SCOPE_LOOKUP.fullmatch(inner)
    if whole and whole.group(1).lower() == "variables" and scope is not None and depth < 3:
        value = scope.variable(whole.group(2))
        if value is not None and value.kind == "string" and _is_expression(value.value):
            return readable_expression(value.value, scope, depth + 1)
    flat = " ".join(_SCOPE_LOOKUP.sub(lambda m: m.group(2), inner).split())
    return flat if len(flat) <= 80 else flat[:77] + "..."


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


# --------------------------------------------------------------------------- dialect

class JsonDialect:
    """How to write values and insert members in JSON, following the file's own layout."""

    name = "json"

    def literal(self, value: Any, indent: str, unit: str, eol: str) -> str:
        if isinstance(value, dict):
            if not value:
                return "{}"
            inner = indent + unit
            parts = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {self.literal(v, inner, unit, eol)}" for k, v in value.items()]
            return "{" + eol + ("," + eol).join(parts) + eol + indent + "}"
        if isinstance(value, list):
            if not value:
                return "[]"
            inner = indent + unit
            parts = [inner + self.literal(v, inner, unit, eol) for v in value]
            return "[" + eol + ("," + eol).join(parts) + eol + indent + "]"
        return json.dumps(value, ensure_ascii=False)

    def compact(self, value: Any, tight: bool = False) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":") if tight else (", ", ": "))

    def insert_member(self, doc: Document, obj: Node, key: str, value: Any) -> list[Edit]:
        return self.insert_members(doc, obj, [(key, value)])

    def insert_members(self, doc: Document, obj: Node, pairs: list[tuple[str, Any]]) -> list[Edit]:
        entries = [(json.dumps(k, ensure_ascii=False), v) for k, v in pairs]
        return _insert(doc, obj, [m.value for m in obj.members or ()],
                       [m.start for m in obj.members or ()], entries)

    def append_item(self, doc: Document, array: Node, value: Any) -> list[Edit]:
        items = array.items or []
        return _insert(doc, array, items, [i.start for i in items], [(None, value)])


def _insert(doc: Document, container: Node, values: list[Node], starts: list[int],
            entries: list[tuple[str | None, Any]]) -> list[Edit]:
    """Edits adding ``entries`` (key or None, value) after the last element of a container."""
    text = doc.source.text
    eol = doc.source.eol
    unit = detect_indent_unit(text)

    def multi(indent: str) -> list[str]:
        return [(f"{key}: " if key is not None else "") + DIALECT.literal(value, indent, unit, eol)
                for key, value in entries]

    # Minified JSON ("a":1,"b":2) gets its new entries without spaces too.
    tight = '":' in text and '": ' not in text and '", ' not in text
    colon, joiner = (":", ",") if tight else (": ", ", ")
    compact = [(f"{key}{colon}" if key is not None else "") + DIALECT.compact(value, tight) for key, value in entries]
    trailing = None
    if values:
        after = _skip_trivia(text, values[-1].end)
        if after < len(text) and text[after] == ",":
            trailing = after
    return insert_entries(text, eol, unit, container, values, starts, multi, compact, trailing, ",", joiner)


def _skip_trivia(text: str, pos: int) -> int:
    """Skip whitespace and comments; return the offset of the next significant character."""
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch in " \t\r\n":
            pos += 1
        elif text.startswith("//", pos):
            nl = text.find("\n", pos)
            pos = n if nl == -1 else nl
        elif text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            pos = n if close == -1 else close + 2
        else:
            break
    return pos


DIALECT = JsonDialect()
