"""The structure of a template: scopes (where ``parameters()`` and ``variables()`` are
looked up, nested deployments included), walking its resources, and where it uses each
parameter and variable."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ... import REGISTRY_TYPE
from ...model import Document, Node, Resolved
from ...workspace import Workspace
from .syntax import DEPLOYMENTS_TYPE

_PARAM_REF = re.compile(r"^\[\s*parameters\(\s*'([^']*)'\s*\)\s*\]$", re.IGNORECASE)
_VAR_REF = re.compile(r"^\[\s*variables\(\s*'([^']*)'\s*\)\s*\]$", re.IGNORECASE)
_MEMBER_REF = re.compile(r"^\[\s*(parameters|variables)\(\s*'([^']*)'\s*\)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']*)'\s*\])\s*\]$",
                         re.IGNORECASE)
_MAX_RESOLVE_DEPTH = 12


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
        deployment of its own, with the parameters it passes. Only a whole file has them
        (``deployments.FileScope``, made by ``_root_scope``)."""
        return []

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
