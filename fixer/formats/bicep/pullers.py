"""Who pulls from a registry: role assignments, login-server and credential uses, and
module outputs passed on to other modules."""

from __future__ import annotations

import re

from ... import REGISTRY_TYPE
from ...model import Document, Node, Registry
from ...workspace import file_key
from ..base import imports_images, registry_role_in
from .deployments import _Resolver
from .grammar import _IDENTIFIER
from .nodes import _REMOTE_MODULE, _Module, _Resource, _Syntax, _syntax_of, _type_name
from .symbols import _short


def _clients(doc: Document, syntax: _Syntax, registry: _Resource,
             name_node: Node | None = None) -> tuple[list[str], list[str]]:
    """Other declarations of the file that use this registry, described for a note: (those
    that pull from it: they read its login server or its credentials,
    `acr.properties.loginServer`, `acr.listCredentials()`; those that import images with
    `az acr import`: a deployment script, or an import module such as
    br/public:deployment-scripts/import-acr, that names the registry). Outputs do not count:
    they pull nothing."""
    if registry.loop:
        return [], []  # `acr[i]`: which one a use means is not known here
    needle = registry.symbolic + "."
    # an import script names the registry by `acr.name`, or by the parameter its name comes from
    name_symbol = str(name_node.value).strip() if name_node is not None and name_node.kind == "expr" else ""
    name_symbol = name_symbol if _IDENTIFIER.match(name_symbol) else ""
    text = syntax.text
    found: list[str] = []
    importers: list[str] = []
    every, role_assignments = _file_declarations(syntax)
    declarations = [(label, start, end, script) for owner, label, start, end, script in every if owner is not registry]
    aliases = _registry_aliases(syntax, registry, name_node)
    granted = {r.start: r for r in role_assignments if r is not registry and _registry_role(syntax, r, aliases)}
    # the registry's name in a login server string: `'${acr.name}.azurecr.io'`, `'${acrName}.azurecr.io'`
    literals = [f"{a}.name" for a in sorted(aliases)] + ([name_symbol] if name_symbol else [])
    name_use = re.compile(rf"(?<![A-Za-z0-9_.])(?:{'|'.join(map(re.escape, literals))})(?![A-Za-z0-9_])")
    for label, start, end, imports in declarations:
        if registry.start <= start < registry.end:
            continue
        if imports:
            if _mentions(text, needle, start, end) or (name_symbol and _mentions(text, name_symbol, start, end, whole=True)):
                importers.append(f"{label} (line {doc.line(start)})")
            continue
        if start in granted:
            found.append(_role_client(doc, syntax, granted[start]))
            continue
        at = text.find(needle, start, end)  # a literal first: this runs for every declaration
        while at >= 0:
            if (at == 0 or text[at - 1] not in _IDENT_OR_DOT) and _PULLS_FROM.match(text, at + len(needle)):
                found.append(f"{label} (line {doc.line(start)})")
                break
            at = text.find(needle, at + 1, end)
        else:
            # (the literals first: the pattern starts with a look-behind, so a search with it
            # alone tries every character of the declaration)
            if any(text.find(literal, start, end) >= 0 for literal in literals) and \
                    any(_pulls_by_name(_line_at(text, m.start()), re.escape(m.group(0)))
                        for m in name_use.finditer(text, start, end)):
                found.append(f"{label} (line {doc.line(start)})")
    return found, importers




def _file_declarations(syntax: _Syntax) -> tuple[list[tuple[object, str, int, int, bool]], list[_Resource]]:
    """The declarations of the file that may use a registry, in file order, as (the resource
    or module, label, start, end, whether it imports images), and its role assignments. Built
    once per file: rebuilt for each registry, they made a file of many registries quadratic."""
    cached = syntax.__dict__.get("_puller_declarations")
    if cached is not None:
        return cached
    text = syntax.text
    declarations: list[tuple[object, str, int, int, bool]] = []
    for r in syntax.resources:
        if "::" in r.symbolic:
            continue
        kind = r.type_node.value.split('@', 1)[0] if r.type_node.kind == 'string' else 'resource'
        script = kind.lower() == "microsoft.resources/deploymentscripts" \
            and imports_images(text[r.start:r.end].lower())
        declarations.append((r, f"{kind} '{r.symbolic}'", r.start, r.end, script))
    for m in syntax.modules:
        path = (m.path or "").lower()
        declarations.append((m, f"module '{m.symbolic}'", m.start, m.end,
                             "import-acr" in path or "import-image-to-acr" in path))
    declarations.sort(key=lambda d: d[2])
    role_assignments = [r for r in syntax.resources if r.type_node.kind == "string" and
                        r.type_node.value.split("@", 1)[0].strip().lower() == "microsoft.authorization/roleassignments"]
    syntax.__dict__["_puller_declarations"] = cached = (declarations, role_assignments)
    return cached


def _registry_aliases(syntax: _Syntax, registry: _Resource, name_node: Node | None) -> set[str]:
    """The symbolic names that stand for ``registry`` in its file: its own, and those of
    `existing` registries declared with the same name (`name: acrName` twice)."""
    aliases = {registry.symbolic}
    if name_node is None:
        return aliases
    name_text = " ".join(syntax.source_text(syntax.expressions[id(name_node)]).split()) \
        if id(name_node) in syntax.expressions else repr(name_node.value)
    for other in syntax.resources:
        other_name = other.body.get("name") if other.existing and other.body is not None else None
        if other is registry or other_name is None or other.type_node.kind != "string" \
                or other.type_node.value.split("@", 1)[0].strip().lower() != REGISTRY_TYPE:
            continue
        other_text = " ".join(syntax.source_text(syntax.expressions[id(other_name)]).split()) \
            if id(other_name) in syntax.expressions else repr(other_name.value)
        if other_text == name_text:
            aliases.add(other.symbolic)
    return aliases


def _registry_role(syntax: _Syntax, resource: _Resource, aliases: set[str]) -> str | None:
    """AcrPull / AcrPush when ``resource`` is a role assignment of that role scoped to the
    registry (`scope: acr`, or an `existing` twin of it); else None."""
    if resource.type_node.kind != "string" or \
            resource.type_node.value.split("@", 1)[0].strip().lower() != "microsoft.authorization/roleassignments":
        return None
    text = syntax.text[resource.start:resource.end]   # (its body is not parsed: see _Builder)
    scope = _SCOPE.search(text)
    if scope is None or scope.group(1) not in aliases:
        return None
    lowered = text.lower()
    role = registry_role_in(lowered)
    if role is None:
        # the role id through a name: `var acrPullRole = '7f951dda-...'`, or an `existing`
        # roleDefinitions resource named with it (`roleDefinitionId: acrPull.id`)
        role = next((role for symbol, role in _role_symbols(syntax).items()
                     if _symbol_uses_pattern(symbol).search(text)), None)
    return role


def _role_symbols(syntax: _Syntax) -> dict[str, str]:
    """Variables and resources of the file whose value holds the AcrPull / AcrPush role id:
    symbol -> role."""
    found: dict[str, str] = {}
    lowered = syntax.text.lower()
    if registry_role_in(lowered) is None:
        return found
    for name, value in syntax.variables.items():
        text = syntax.text[value.start:value.end].lower()
        role = registry_role_in(text)
        if role is not None:
            found[name] = role
    for r in syntax.resources:
        if _type_name(r.type_node) == "microsoft.authorization/roledefinitions":
            text = syntax.text[r.start:r.end].lower()
            role = registry_role_in(text)
            if role is not None:
                found[r.symbolic] = role
    return found


_SCOPE = re.compile(r"^[ \t]*scope[ \t]*:[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?://[^\n]*)?$", re.MULTILINE)
_PRINCIPAL = re.compile(r"^[ \t]*principalId[ \t]*:[ \t]*([^\n]+?)[ \t]*(?://[^\n]*)?$", re.MULTILINE)


_KUBELET = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.properties\.identityProfile\.kubeletidentity\.objectId", re.IGNORECASE)
_USER_IDENTITY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.properties\.principalId")
_OWN_IDENTITY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.identity\.principalId")


def _role_client(doc: Document, syntax: _Syntax, assignment: _Resource) -> str:
    """A role assignment on the registry, described by the identity it gives the role to when
    its principalId says which: "the kubelet identity of AKS cluster 'aks' (AcrPull, role
    assignment 'acrPull', line 33)"; else "the principal of role assignment 'acrPull' (AcrPull,
    line 33: principalId)"."""
    text = syntax.text[assignment.start:assignment.end]
    scope = _SCOPE.search(text)
    role = _registry_role(syntax, assignment, {scope.group(1)} if scope else set())
    principal = _PRINCIPAL.search(text)
    expression = principal.group(1) if principal is not None else "?"
    types = {r.symbolic: r.type_node.value.split("@", 1)[0] for r in syntax.resources if r.type_node.kind == "string"}
    who = None
    for pattern, describe in (
            (_KUBELET, lambda s: f"the kubelet identity of AKS cluster '{s}'"),
            (_USER_IDENTITY, lambda s: f"user-assigned identity '{s}'"
             if types.get(s, "").lower() == "microsoft.managedidentity/userassignedidentities" else None),
            (_OWN_IDENTITY, lambda s: f"the system-assigned identity of {types[s]} '{s}'" if s in types else None)):
        match = pattern.fullmatch(expression)
        if match is not None:
            who = describe(match.group(1))
            break
    line = doc.line(assignment.start)
    if who is not None:
        return f"{who} ({role}, role assignment '{assignment.symbolic}', line {line})"
    return f"the principal of role assignment '{assignment.symbolic}' ({role}, line {line}: {_short(expression, 60)})"


def _mentions(text: str, word: str, start: int, end: int, whole: bool = False) -> bool:
    """``word`` in text[start:end], not as the tail of a longer name (nor its head, ``whole``)."""
    at = text.find(word, start, end)
    while at >= 0:
        after = at + len(word)
        if (at == 0 or text[at - 1] not in _IDENT_OR_DOT) and \
                (not whole or after >= len(text) or text[after] not in _IDENT_OR_DOT):
            return True
        at = text.find(word, at + 1, end)
    return False


_IDENT_OR_DOT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")
_PULLS_FROM = re.compile(r"properties\.loginServer|listCredentials\(")


# --------------------------------------------------------------------------- clients through module outputs

_MAX_OUTPUT_HOPS = 4   # module -> caller -> its caller ...: outputs passed on this many times
# What the registry modules acr-fix models give back: the login server (what pullers use) and
# the name / resource id (pullers only in a login-server-like string or a listCredentials call).
_MODULE_PULL_OUTPUTS = frozenset({"loginServer"})
_MODULE_NAME_OUTPUTS = frozenset({"name", "resourceId"})
_OUTPUT_DECLARATION = re.compile(r"\boutput\s+([A-Za-z_][A-Za-z0-9_]*)\s[^=]*=", re.S)
_PULLING_LINE = re.compile(r"azurecr\.|listCredentials\(|DOCKER_REGISTRY", re.IGNORECASE)


def _pulls_by_name(line: str, expression: str) -> bool:
    """Whether a line that uses a registry's name (``expression``) pulls with it: a login
    server (`'${name}.azurecr.io'`, `'${name}.${suffix}'`), credentials, App Service settings."""
    return bool(_PULLING_LINE.search(line)) or re.search(rf"\$\{{\s*{expression}\s*\}}\.", line) is not None


def _line_at(text: str, offset: int) -> str:
    begin = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[begin:len(text) if end < 0 else end]


def _module_param_pulls(resolver: _Resolver, doc: Document, module: _Module, param: str, hops: int,
                        seen: set) -> bool:
    """Whether the local module ``module`` (called from ``doc``) pulls from the registry whose
    name it gets in parameter ``param`` (azd's `containerRegistryName`)."""
    if not module.path or _REMOTE_MODULE.match(module.path) or hops > _MAX_OUTPUT_HOPS:
        return False
    path = doc.path.parent / module.path
    key = (file_key(path), param)
    if key in seen:
        return False
    seen.add(key)
    callee = resolver.workspace.document(path)
    if callee is None or callee.kind != "bicep":
        return False
    syntax = _syntax_of(callee)
    if param not in syntax.params:
        return False
    word = rf"(?<![A-Za-z0-9_.]){re.escape(param)}(?![A-Za-z0-9_])"
    uses = _symbol_uses_pattern(param)
    # an `existing` registry it names, whose login server or credentials a declaration uses
    for resource in syntax.resources:
        name = resource.body.get("name") if resource.existing and resource.body is not None else None
        if name is not None and name.kind == "expr" and str(name.value).strip() == param \
                and _type_name(resource.type_node) == REGISTRY_TYPE \
                and _clients(callee, syntax, resource)[0]:
            return True
    # a declaration that builds a login server from it, or passes it on to a module that pulls
    for resource in syntax.resources:
        if not resource.existing and any(_pulls_by_name(_line_at(syntax.text, m.start()), word)
                                         for m in uses.finditer(syntax.text, resource.start, resource.end)):
            return True
    for inner in syntax.modules:
        params = inner.body.get("params") if inner.body is not None else None
        for member in (params.members or ()) if params is not None and params.kind == "object" else ():
            value = str(member.value.value).strip() if member.value.kind == "expr" else ""
            if value == param and _module_param_pulls(resolver, callee, inner, member.key, hops + 1, seen):
                return True
    return False


def _symbol_uses_pattern(symbol: str, tail: str = r"(?![A-Za-z0-9_])") -> re.Pattern[str]:
    """``symbol`` where it is a whole name (not after a name character or a dot), then
    ``tail``. The symbol comes first and the check before it is a look-behind that spans it:
    a pattern that starts with the look-behind cannot skip ahead to the symbol, so a search
    tries every character of the text."""
    literal = re.escape(symbol)
    return re.compile(rf"{literal}(?<![A-Za-z0-9_.]{literal}){tail}")


def _add_output_clients(doc: Document, syntax: _Syntax, registries: list[Registry], resolver: _Resolver) -> None:
    """Fill Registry.output_clients: the declarations that pull from a registry through module
    outputs (its module's `outputs.loginServer` in this file or its callers), so the note that a
    fix may cut clients off names them as it does for pullers in the registry's own file."""
    for registry in registries:
        if registry.existing or registry.symbolic is None:
            continue
        if registry.flavor in ("avm-module", "classic-module"):
            registry.output_clients = _output_users(doc, doc, registry.symbolic, _MODULE_PULL_OUTPUTS,
                                                    _MODULE_NAME_OUTPUTS, resolver, 0, set())
        elif registry.flavor == "resource":
            resource = next((r for r in syntax.resources if r.symbolic == registry.symbolic), None)
            if resource is None or resource.loop:
                continue
            pull, named = _outputs_from(syntax, rf"{re.escape(registry.symbolic)}\.",
                                        r"properties\.loginServer\b|listCredentials\(", r"(?:name|id)\b")
            if pull or named:
                registry.output_clients = _callers_using(doc, doc, pull, named, resolver, 1, {file_key(doc.path)})
            for label in _name_param_clients(doc, syntax, resource, resolver):
                if label not in registry.output_clients:
                    registry.output_clients.append(label)


def _name_param_clients(doc: Document, syntax: _Syntax, resource: _Resource, resolver: _Resolver) -> list[str]:
    """Pullers in the files that deploy ``doc`` as a module, when the registry's name is a
    parameter (`name: name`): declarations there that build a login server from the value they
    pass for it (`'${acrName}.azurecr.io'`), or pass it to a module that pulls with it (an
    AcrPull role assignment on an `existing` registry of that name, see _module_param_pulls)."""
    name_node = resource.body.get("name") if resource.body is not None else None
    param = str(name_node.value).strip() if name_node is not None and name_node.kind == "expr" else ""
    if param not in syntax.params:
        return []
    found: list[str] = []
    for caller_doc, module in resolver.callers(doc):
        params = module.body.get("params") if module.body is not None else None
        passed = params.get(param) if params is not None and params.kind == "object" else None
        expression = str(passed.value).strip() if passed is not None and passed.kind == "expr" else ""
        if not _IDENTIFIER.match(expression):
            continue
        caller = _syntax_of(caller_doc)
        word = _symbol_uses_pattern(expression)
        where = doc.path_to(caller_doc)
        for r in caller.resources:
            if r.existing or "::" in r.symbolic:
                continue
            if any(_pulls_by_name(_line_at(caller.text, m.start()), re.escape(expression))
                   for m in word.finditer(caller.text, r.start, r.end)):
                kind = r.type_node.value.split("@", 1)[0] if r.type_node.kind == "string" else "resource"
                found.append(f"{kind} '{r.symbolic}' ({where} line {caller_doc.line(r.start)})")
        for inner in caller.modules:
            if inner is module or inner.body is None:
                continue
            inner_params = inner.body.get("params")
            for member in (inner_params.members or ()) if inner_params is not None and inner_params.kind == "object" else ():
                if member.value.kind == "expr" and str(member.value.value).strip() == expression \
                        and _module_param_pulls(resolver, caller_doc, inner, member.key, 1, set()):
                    found.append(f"module '{inner.symbolic}' ({where} line {caller_doc.line(inner.start)})")
                    break
    return found


def _outputs_from(syntax: _Syntax, prefix: str, pulls: str, names: str) -> tuple[set[str], set[str]]:
    """The file's outputs built from ``prefix`` followed by ``pulls`` (the login server,
    credentials) and those built from it followed by ``names`` (name, id)."""
    pull_use = re.compile(rf"(?<![A-Za-z0-9_.]){prefix}(?:{pulls})")
    name_use = re.compile(rf"(?<![A-Za-z0-9_.]){prefix}(?:{names})")
    pull: set[str] = set()
    named: set[str] = set()
    for span in syntax.outputs:
        text = syntax.text[span.start:span.end]
        declared = _OUTPUT_DECLARATION.search(text)
        if declared is None:
            continue
        value = text[declared.end():]
        if pull_use.search(value):
            pull.add(declared.group(1))
        elif name_use.search(value):
            named.add(declared.group(1))
    return pull, named


def _output_users(home: Document, doc: Document, symbol: str, pull: frozenset[str] | set[str],
                  named: frozenset[str] | set[str], resolver: _Resolver, hops: int, seen: set) -> list[str]:
    """Declarations of ``doc`` that pull through module ``symbol``'s outputs ``pull`` (any use)
    or ``named`` (in a login server string or a listCredentials call), then, through ``doc``'s
    own outputs that pass those on, the same in the files that call ``doc``."""
    syntax = _syntax_of(doc)
    text = syntax.text
    use = _symbol_uses_pattern(symbol, r"\.outputs\.([A-Za-z_][A-Za-z0-9_]*)")
    where = "line" if doc is home else f"{home.path_to(doc)} line"
    declarations = [(f"{r.type_node.value.split('@', 1)[0] if r.type_node.kind == 'string' else 'resource'} "
                     f"'{r.symbolic}'", r.start, r.end) for r in syntax.resources if "::" not in r.symbolic]
    declarations += [(f"module '{m.symbolic}'", m.start, m.end) for m in syntax.modules if m.symbolic != symbol]
    modules = {m.start: m for m in syntax.modules}
    found: list[str] = []
    for label, start, end in sorted(declarations, key=lambda d: d[1]):
        for match in use.finditer(text, start, end):
            output = match.group(1)
            if output in pull or output in named and (
                    _pulls_by_name(_line_at(text, match.start()), re.escape(match.group(0)))
                    or start in modules and _passes_to_puller(resolver, doc, modules[start], match.group(0), seen)):
                found.append(f"{label} ({where} {doc.line(start)})")
                break
    if hops < _MAX_OUTPUT_HOPS:
        names = "|".join(re.escape(n) for n in sorted(named)) or "(?!)"
        pulls = "|".join(re.escape(n) for n in sorted(pull)) or "(?!)"
        next_pull, next_named = _outputs_from(syntax, rf"{re.escape(symbol)}\.outputs\.", rf"(?:{pulls})\b",
                                              rf"(?:{names})\b")
        if next_pull or next_named:
            found += _callers_using(home, doc, next_pull, next_named, resolver, hops + 1, seen | {file_key(doc.path)})
    return found


def _passes_to_puller(resolver: _Resolver, doc: Document, module: _Module, expression: str, seen: set) -> bool:
    """Whether ``module`` gets the registry's name (``expression``) as a parameter and pulls with it."""
    params = module.body.get("params") if module.body is not None else None
    for member in (params.members or ()) if params is not None and params.kind == "object" else ():
        if member.value.kind == "expr" and str(member.value.value).strip() == expression \
                and _module_param_pulls(resolver, doc, module, member.key, 0, set(seen)):
            return True
    return False


def _callers_using(home: Document, doc: Document, pull: set[str], named: set[str], resolver: _Resolver,
                   hops: int, seen: set) -> list[str]:
    """The pullers, in the files that deploy ``doc`` as a module, of ``doc``'s outputs."""
    found: list[str] = []
    for caller_doc, module in resolver.callers(doc):
        if file_key(caller_doc.path) in seen:
            continue
        for label in _output_users(home, caller_doc, module.symbolic, pull, named, resolver, hops, seen):
            if label not in found:
                found.append(label)
    return found
