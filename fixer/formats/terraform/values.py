"""Where a Terraform value comes from: a literal, a variable's default, a .tfvars file, a
local, the argument a local module call passes.

A Terraform module is a folder: the registry's `var.sku` is declared in `variables.tf`,
its value given by `terraform.tfvars` (always read), `*.auto.tfvars` (always read) or one
`-var-file` (each other .tfvars file is one deployment, as a parameter file is for ARM), or,
for a module that other folders call (`module "acr" { source = "./modules/acr" }`), by each
call. ``sources`` follows an expression to every place that defines its value, one per
deployment, so a fix can edit each of them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...model import Document, Node, Origin
from .syntax import Attribute, Block, Body, Expr, Syntax, block_key, unique_key

_MAX_DEPTH = 4          # module calls followed upwards
_MAX_DEPLOYMENTS = 32   # beyond that the values are not followed (a wide fan-out of callers)


@dataclass(eq=False)
class TerraformDocument(Document):
    """A .tf or .tfvars file with its syntax, and the data key of each top-level block."""

    syntax: Syntax | None = None
    keys: dict[int, str] = field(default_factory=dict)

    def key_of(self, block: Block) -> str:
        return self.keys[id(block)]


def top_keys(body: Body) -> dict[int, str]:
    taken: dict[str, Any] = {a.name: None for a in body.attributes}
    keys: dict[int, str] = {}
    for block in body.blocks:
        key = unique_key(taken, block_key(block))
        taken[key] = None
        keys[id(block)] = key
    return keys


@dataclass(eq=False)
class Module:
    """The .tf files of one folder, with their variables and locals."""

    folder: Path
    docs: list[TerraformDocument]
    variables: dict[str, tuple[TerraformDocument, Block]] = field(default_factory=dict)
    locals: dict[str, tuple[TerraformDocument, Block, Attribute]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)   # sibling files that did not parse

    def blocks(self, kind: str, label: str | None = None):
        for doc in self.docs:
            for block in doc.syntax.body.blocks:
                if block.type == kind and (label is None or block.labels[:1] == (label,)):
                    yield doc, block


@dataclass(eq=False)
class Deployment:
    """One way the module is deployed: with these .tfvars files (later ones win), or by this
    module call (in ``caller``'s folder, itself deployed by ``caller_deployment``)."""

    label: str = ""
    tfvars: list[TerraformDocument] = field(default_factory=list)
    caller: Module | None = None
    caller_doc: TerraformDocument | None = None
    call: Block | None = None
    caller_deployment: "Deployment | None" = None


@dataclass(eq=False)
class Source:
    """One place that defines a value (``expr`` a literal there), or why it is not known
    (``expr`` None, or not a literal: origin EXPRESSION / NO_VALUE)."""

    expr: Expr | None
    doc: TerraformDocument | None
    path: tuple
    origin: Origin
    detail: str = ""
    param: str | None = None
    shared: str | None = None
    # a value known in this deployment that is not written here as such (the branch a
    # condition picks): it decides the verdict, but a fix must not edit it there
    fixed: bool = False

    @property
    def literal(self) -> bool:
        return self.expr is not None and self.expr.kind in ("string", "number", "bool", "null", "tuple", "object") \
            and self.origin not in (Origin.EXPRESSION, Origin.NO_VALUE)


def node_of(expr: Expr, path: tuple, cls: type = Node) -> Node:
    """The generic Node of an expression (spans for edits, plain values for the planner)."""
    if expr.kind in ("string", "number", "bool", "null"):
        return cls(expr.kind, expr.start, expr.end, path, expr.value)
    if expr.kind == "tuple":
        return cls("array", expr.start, expr.end, path, None,
                   items=[node_of(item, path + (i,)) for i, item in enumerate(expr.items)])
    if expr.kind == "object":
        from ...model import Member
        return cls("object", expr.start, expr.end, path, None,
                   members=[Member(name, start, value.start, node_of(value, path + (name,)))
                            for name, start, value in expr.members])
    return cls("expr", expr.start, expr.end, path, expr.text)


# -- modules and deployments ---------------------------------------------------------------

def _cache(workspace: Any) -> dict:
    # Kept on the workspace object itself, not in workspace.cache: a verifying workspace
    # (with_overrides) shares that dict but must see the edited files.
    store = workspace.__dict__.get("_terraform")
    if store is None:
        store = {"modules": {}, "deployments": {}}
        workspace.__dict__["_terraform"] = store
    return store


def load_module(folder: Path, workspace: Any) -> Module:
    key = os.path.realpath(folder)
    modules = _cache(workspace)["modules"]
    if key in modules:
        return modules[key]
    docs: list[TerraformDocument] = []
    unreadable: list[str] = []
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".tf"))
    except OSError:
        names = []
    for name in names:
        path = folder / name
        if not path.is_file():
            continue
        doc = workspace.document(path)
        if isinstance(doc, TerraformDocument):
            docs.append(doc)
        else:
            unreadable.append(name)
    module = Module(folder, docs, unreadable=unreadable)
    for doc in docs:
        for block in doc.syntax.body.blocks:
            if block.type == "variable" and block.labels:
                module.variables.setdefault(block.labels[0], (doc, block))
            elif block.type == "locals":
                for attribute in block.body.attributes:
                    module.locals.setdefault(attribute.name, (doc, block, attribute))
    modules[key] = module
    return module


_LOCAL_SOURCE = re.compile(rb'source\s*=\s*"(\.\.?/[^"\n]*|\.\.?)"')


def callers_of(folder: Path, workspace: Any) -> list[tuple[TerraformDocument, Block]]:
    """The `module` blocks, in the run's .tf files, whose local `source` is ``folder``."""
    store = _cache(workspace)
    index = store.get("callers")
    if index is None:
        index = {}
        root = workspace.base if getattr(workspace, "base", None) is not None else workspace
        for path in getattr(root, "files", []) or []:
            if not str(path).endswith(".tf"):
                continue
            try:
                with open(path, "rb") as handle:
                    raw = handle.read()
            except OSError:
                continue
            if b"module" not in raw or not _LOCAL_SOURCE.search(raw):
                continue
            doc = workspace.document(Path(path))
            if not isinstance(doc, TerraformDocument):
                continue
            for block in doc.syntax.body.blocks:
                if block.type != "module":
                    continue
                source = block.body.attribute("source")
                if source is None or source.value.kind != "string" or not source.value.value.startswith("."):
                    continue
                target = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(path)), source.value.value))
                index.setdefault(target, []).append((Path(path), doc.key_of(block)))
        store["callers"] = index
    found = []
    for path, key in index.get(os.path.realpath(folder), []):
        doc = workspace.document(path)   # the verifying workspace's (edited) copy
        if not isinstance(doc, TerraformDocument):
            continue
        block = next((b for b in doc.syntax.body.blocks if doc.keys.get(id(b)) == key), None)
        if block is not None:
            found.append((doc, block))
    return found


def _tfvars_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(the files Terraform always reads: terraform.tfvars then *.auto.tfvars; the others,
    each a -var-file, also those in sub-folders that hold no .tf file: `env/prod.tfvars`)."""
    auto: list[Path] = []
    chosen: list[Path] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return auto, chosen
    for entry in entries:
        name = entry.name
        if entry.is_file() and name.endswith(".tfvars"):
            if name == "terraform.tfvars":
                auto.insert(0, Path(entry.path))
            elif name.endswith(".auto.tfvars"):
                auto.append(Path(entry.path))
            else:
                chosen.append(Path(entry.path))
        elif entry.is_dir() and not name.startswith("."):
            try:
                inner = sorted(os.listdir(entry.path))
            except OSError:
                continue
            if any(n.endswith(".tf") for n in inner):
                continue
            chosen.extend(Path(entry.path) / n for n in inner if n.endswith(".tfvars"))
    return auto, chosen


def deployments(module: Module, workspace: Any, depth: int = 0, seen: frozenset = frozenset()) -> list[Deployment]:
    """Every way ``module`` is deployed: one per module call that reaches it (and per way its
    caller is deployed), else one per -var-file (with the .tfvars files always read), else one."""
    key = (os.path.realpath(module.folder), depth)
    store = _cache(workspace)["deployments"]
    if key in store:
        return store[key]
    result: list[Deployment] = []
    callers = callers_of(module.folder, workspace) if depth < _MAX_DEPTH else []
    here = os.path.realpath(module.folder)
    for doc, call in callers:
        caller = load_module(doc.path.parent, workspace)
        caller_key = os.path.realpath(caller.folder)
        if caller_key in seen or caller_key == here:
            continue
        for upper in deployments(caller, workspace, depth + 1, seen | {here}):
            label = f"module '{call.labels[0] if call.labels else '?'}' in {_rel(module.folder, doc.path)} line {doc.line(call.start)}"
            if upper.label:
                label += f" ({upper.label})"
            result.append(Deployment(label, caller=caller, caller_doc=doc, call=call, caller_deployment=upper))
            if len(result) > _MAX_DEPLOYMENTS:
                break
    if not result:
        auto, chosen = _tfvars_files(module.folder)
        auto_docs = [d for d in (workspace.document(p) for p in auto) if isinstance(d, TerraformDocument)]
        for path in chosen:
            doc = workspace.document(path)
            if isinstance(doc, TerraformDocument):
                result.append(Deployment(_rel(module.folder, path), tfvars=[*auto_docs, doc]))
        if not result:
            result.append(Deployment("", tfvars=auto_docs))
    store[key] = result
    return result


def _rel(folder: Path, path: Path) -> str:
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:
        return path.as_posix()


# -- following an expression ----------------------------------------------------------------

def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def sources(expr: Expr, module: Module, doc: TerraformDocument, path: tuple, deployment: Deployment,
            home: tuple[TerraformDocument, int, int] | None = None, origin: Origin = Origin.LITERAL,
            detail: str = "", depth: int = 0) -> list[Source]:
    """Every place that defines the value of ``expr`` (in ``module``, deployed by
    ``deployment``). ``home``: the block the expression is in (a use of the same variable
    elsewhere makes it shared)."""
    if expr.kind in ("string", "number", "bool", "null", "tuple", "object"):
        return [Source(expr, doc, path, origin, detail)]
    where = f"line {doc.line(expr.start)}" if doc.path.parent == module.folder else f"{doc.path.name} line {doc.line(expr.start)}"
    if depth > 8:
        return [Source(expr, doc, path, Origin.EXPRESSION, f"`{_short(expr.text)}` ({where}) goes through too many steps")]
    if expr.kind == "conditional":
        condition = known_value(expr.items[0], module, doc, deployment, depth + 1)
        if condition is not None and isinstance(condition, bool):
            branch = expr.items[1] if condition else expr.items[2]
            why = (f"`{_short(expr.text)}` ({where}), whose condition is {'true' if condition else 'false'}"
                   + (f" in {deployment.label}" if deployment.label else ""))
            out = []
            for source in sources(branch, module, doc, path, deployment, home, origin, detail, depth + 1):
                if source.literal:
                    out.append(Source(source.expr, source.doc, source.path, Origin.EXPRESSION, why, source.param,
                                      fixed=True))
                else:
                    out.append(source)
            return out
    if expr.kind == "template" and expr.items:
        # `"${var.prefix}acr"`: known when every part is (shown and matched, never edited)
        pieces = [known_value(part, module, doc, deployment, depth + 1) for part in expr.items]
        if all(isinstance(p, (str, int, float)) and not isinstance(p, bool) for p in pieces):
            value = "".join(str(p) for p in pieces)
            return [Source(Expr("string", expr.start, expr.end, expr.text, value=value), doc, path, Origin.EXPRESSION,
                           f"`{_short(expr.text)}` ({where})", fixed=True)]
    if expr.kind == "ref" and len(expr.parts) > 2 and expr.parts[0] in ("var", "local"):
        # a member of an object variable or local (`var.acr.sku`): followed into the object
        # literal that gives it, and edited there
        base = Expr("ref", expr.start, expr.end, ".".join(expr.parts[:2]), parts=expr.parts[:2])
        out = []
        for source in sources(base, module, doc, path, deployment, home, origin, detail, depth + 1):
            member = _member_of(source, expr.parts[2:], expr, where)
            if member.expr is None and member.origin == Origin.EXPRESSION and expr.parts[0] == "var" \
                    and len(expr.parts) == 3:
                member = _type_default(module, expr.parts[1], expr.parts[2], home) or member
            out.append(member)
        return out
    if expr.kind == "ref" and len(expr.parts) == 2 and expr.parts[0] == "var":
        return variable_sources(expr.parts[1], module, deployment, home, depth)
    if expr.kind == "ref" and len(expr.parts) == 2 and expr.parts[0] == "local":
        name = expr.parts[1]
        found = module.locals.get(name)
        if found is None:
            return [Source(expr, doc, path, Origin.EXPRESSION, f"local.{name} is not defined in this module")]
        ldoc, lblock, attribute = found
        shared = _other_uses(module, f"local.{name}", home)
        out = sources(attribute.value, module, ldoc, (ldoc.key_of(lblock), name), deployment, home,
                      Origin.VARIABLE, f"local '{name}'", depth + 1)
        for source in out:
            if source.origin == Origin.VARIABLE and shared and source.shared is None:
                source.shared = shared
        return out
    return [Source(expr, doc, path, Origin.EXPRESSION, f"the expression `{_short(expr.text)}` ({where})")]


def _type_default(module: Module, variable: str, name: str,
                  home: tuple[TerraformDocument, int, int] | None) -> Source | None:
    """The default the variable's type gives a member the object leaves out
    (`type = object({ sku = optional(string, "Basic") })`), where a fix can edit it."""
    declared = module.variables.get(variable)
    if declared is None:
        return None
    vdoc, block = declared
    kind = block.body.attribute("type")
    if kind is None:
        return None
    text = vdoc.source.text[kind.value.start:kind.value.end]
    found = re.search(rf'(?<![\w-]){re.escape(name)}\s*=\s*optional\(\s*[\w()]+\s*,\s*'
                      r'("(?:[^"\\\n]|\\.)*"|true|false|null)\s*\)', text)
    if found is None:
        return None
    start = kind.value.start + found.start(1)
    literal = found.group(1)
    if literal.startswith('"'):
        value = Expr("string", start, start + len(literal), literal, value=literal[1:-1])
    elif literal == "null":
        value = Expr("null", start, start + len(literal), literal, value=None)
    else:
        value = Expr("bool", start, start + len(literal), literal, value=literal == "true")
    return Source(value, vdoc, (vdoc.key_of(block), "type"), Origin.PARAMETER_DEFAULT,
                  f"default of {name} in the type of variable '{variable}'", variable,
                  _other_uses(module, f"var.{variable}.{name}", home))


def _member_of(source: Source, names: tuple[str, ...], expr: Expr, where: str) -> Source:
    """The source of ``names`` inside the object ``source`` gives."""
    current, path = source.expr, source.path
    if not source.literal or current is None:
        if source.origin in (Origin.EXPRESSION, Origin.NO_VALUE):
            return source
        return Source(current, source.doc, source.path, Origin.EXPRESSION,
                      f"`{_short(expr.text)}` ({where}) reads a member of a value that is not an object literal")
    for name in names:
        inner = current.member(name) if current.kind == "object" else None
        if inner is None:
            return Source(None, source.doc, (), Origin.EXPRESSION,
                          f"`{_short(expr.text)}` ({where}): {source.detail or 'the object'} does not set {name} "
                          "(a default in the variable's type, if any, applies)", source.param)
        current, path = inner, path + (name,)
    label = f"{source.detail}, member {'.'.join(names)}" if source.detail else f"member {'.'.join(names)}"
    return Source(current, source.doc, path, source.origin, label, source.param, source.shared)


def known_value(expr: Expr, module: Module, doc: TerraformDocument, deployment: Deployment, depth: int = 0) -> Any:
    """The value of a condition's part in ``deployment`` when it is certain (a literal, a
    variable or local with one literal value, `==`, `!=`, `&&`, `||`, `!` of those), else None."""
    if depth > 8:
        return None
    if expr.kind in ("string", "number", "bool"):
        return expr.value
    if expr.kind == "ref":
        found = sources(expr, module, doc, (), deployment, None, depth=depth + 1)
        values = {repr(s.expr.value) for s in found if s.expr is not None and s.expr.kind in ("string", "number", "bool")
                  and (s.literal or s.fixed)}
        if len(values) == 1 and all(s.expr is not None and (s.literal or s.fixed) for s in found):
            return found[0].expr.value
        return None
    if expr.kind == "not":
        inner = known_value(expr.items[0], module, doc, deployment, depth + 1)
        return (not inner) if isinstance(inner, bool) else None
    if expr.kind == "binary":
        left = known_value(expr.items[0], module, doc, deployment, depth + 1)
        right = known_value(expr.items[1], module, doc, deployment, depth + 1)
        if left is None or right is None:
            return None
        if expr.value in ("==", "!="):
            if type(left) is not type(right):
                return None   # Terraform converts between types here; acr-fix does not guess how
            return (left == right) if expr.value == "==" else (left != right)
        if isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if expr.value == "&&" else (left or right)
        return None
    if expr.kind == "conditional":
        condition = known_value(expr.items[0], module, doc, deployment, depth + 1)
        if isinstance(condition, bool):
            return known_value(expr.items[1] if condition else expr.items[2], module, doc, deployment, depth + 1)
    return None


def variable_sources(name: str, module: Module, deployment: Deployment,
                     home: tuple[TerraformDocument, int, int] | None, depth: int = 0) -> list[Source]:
    """Where variable ``name`` of ``module`` gets its value in ``deployment``."""
    declared = module.variables.get(name)
    shared = _other_uses(module, f"var.{name}", home)
    if deployment.call is not None and deployment.caller is not None and deployment.caller_doc is not None:
        argument = deployment.call.body.attribute(name)
        if argument is not None:
            cdoc = deployment.caller_doc
            found = sources(argument.value, deployment.caller, cdoc, (cdoc.key_of(deployment.call), name),
                            deployment.caller_deployment or Deployment(),
                            (cdoc, deployment.call.start, deployment.call.end), Origin.MODULE_CALLER,
                            f"argument {name} of module '{deployment.call.labels[0] if deployment.call.labels else '?'}'",
                            depth + 1)
            for source in found:
                source.param = source.param or name
            return found
    else:
        for tfvars in reversed(deployment.tfvars):
            attribute = tfvars.syntax.body.attribute(name)
            if attribute is not None:
                return [Source(attribute.value, tfvars, (name,),
                               Origin.PARAMETER_FILE if attribute.value.kind != "ref" else Origin.EXPRESSION,
                               f"variable '{name}' in {_rel(module.folder, tfvars.path)}", name)]
    if declared is None:
        return [Source(None, None, (), Origin.EXPRESSION, f"var.{name} is not declared in this module")]
    vdoc, block = declared
    default = block.body.attribute("default")
    if default is None:
        given = f"; {deployment.label} does not pass it" if deployment.call is not None else \
            (" and no .tfvars file gives it" if not deployment.label else f" and {deployment.label} does not give it")
        return [Source(None, vdoc, (), Origin.NO_VALUE, f"variable '{name}' has no default{given}", name)]
    found = sources(default.value, module, vdoc, (vdoc.key_of(block), "default"), deployment, home,
                    Origin.PARAMETER_DEFAULT, f"default of variable '{name}'", depth + 1)
    for source in found:
        source.param = source.param or name
        if source.origin == Origin.PARAMETER_DEFAULT and shared:
            source.shared = shared
    return found


def _other_uses(module: Module, reference: str, home: tuple[TerraformDocument, int, int] | None) -> str | None:
    """Who else reads ``reference`` (`var.sku`) in the module, outside ``home``: a fix that
    changes its value changes them too."""
    if home is None:
        return None
    pattern = re.compile(re.escape(reference) + r"(?![A-Za-z0-9_-])")
    for doc in module.docs:
        text = doc.source.text
        for match in pattern.finditer(text):
            if doc is home[0] and home[1] <= match.start() < home[2]:
                continue
            block = next((b for b in doc.syntax.body.blocks if b.start <= match.start() < b.end), None)
            if block is None or block.type in ("variable", "output"):
                continue   # validation of the variable itself; an output only reports it
            label = ".".join(block.labels) or block.type
            return f"{reference} is also used by {block.type} {label} ({doc.path.name} line {doc.line(match.start())})"
    return None
