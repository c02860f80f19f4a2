"""Who deploys a template: the ``.bicepparam`` files that use it and the modules that call it.

``_Resolver`` adds these to value resolution. It reads them from the run's deployment index
(``formats/deployments.py``, built before any value is resolved): the files that name a
template there are parsed, and their `using` / module statements matched, the first time
the template's parameters are asked for.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...model import Document, Node, Origin, Resolved
from ...workspace import Workspace, file_key
from .. import deployments, values
from ..param_files import param_files_for, values_in_parameter_files
from ..values import Known
from .nodes import _REMOTE_MODULE, _SYNTAX, _condition_text, _Module, _Param, _syntax_of
from .symbols import _allowed_type, _calls, _members, _short, _ValueResolver

_MAX_PARAM_FILE_SCAN = 400  # .bicepparam candidates looked at below a template's directory


class _Resolver(_ValueResolver):
    """Follows a value to where it is defined, across parameter files and module callers
    (found as they are needed)."""

    def _known_parameter(self, doc: Document, name: str, depth: int) -> Known | None:
        """The value of parameter ``name`` when every deployment gives it the same one: each
        .bicepparam file and JSON parameter file (the default where one leaves it unset), else
        each module caller (the default where one passes none), else the default."""
        declared = _syntax_of(doc).params[name]
        found: list[Known] = []
        unset = False  # a deployment that leaves it at its default
        bicepparams = self.param_files(doc)
        for param_doc in bicepparams:
            entry = _syntax_of(param_doc).params.get(name)
            if entry is None:
                unset = True
                continue
            known = self._known_node(param_doc, entry.default, depth + 1)
            if known is None:
                return None
            found.append(known)
        json_files = param_files_for(doc, self.workspace)
        setting = values_in_parameter_files(json_files, name)
        if setting is None:
            return None
        found += [Known(v) for v in setting[0]]
        unset = unset or setting[1]
        callers = [] if bicepparams or json_files else self.callers(doc)
        uses_default = unset or not callers and not found
        for caller_doc, module in callers:
            params = module.body.get("params") if module.body is not None else None
            if params is not None and params.kind != "object":
                return None
            passed = params.get(name) if params is not None else None
            if passed is None:
                uses_default = True
                continue
            known = self._known_node(caller_doc, passed, depth + 1)
            if known is None:
                return None
            found.append(known)
        if uses_default:
            if declared.default is None and declared.type_text.strip().endswith("?"):
                known = Known(None)   # `param x string?` that nobody sets is null
            else:
                known = self._known_node(doc, declared.default, depth + 1) if declared.default is not None else None
            if known is None:
                return None
            found.append(known)
        if not found or any(not values.same(k.value, found[0].value) for k in found[1:]) \
                or values.has_opaque(found[0].value) and not isinstance(found[0].value, (list, dict)):
            return None
        why = f"default of parameter '{name}'" if uses_default and len(found) == 1 else f"every deployment sets '{name}' so"
        return Known(found[0].value, (f"{name} is {values.show(found[0].value)} ({why})",),
                     frozenset({name}).union(*(k.reads for k in found)))

    def _parameter(self, doc: Document, name: str, ref: Node, what: str, depth: int,
                   keys: tuple[str, ...] = ()) -> Resolved:
        syntax = _syntax_of(doc)
        declared = syntax.params[name]
        if doc.kind == "bicepparam":
            return self.resolve(doc, declared.default, what, depth + 1, keys)
        declared_line = doc.source.line_of(declared.start)

        # 1. Parameter files that deploy this template: `.bicepparam` files (`using` it) and
        # JSON parameter files beside it (`main.parameters.json`: azd's and PSRule's
        # convention). Each one is a deployment: the value it sets, or the default when it
        # sets none (like ARM parameter files and module callers, see Resolved.also).
        bicepparams = self.param_files(doc)
        json_files = self._json_parameter_files(doc)
        if bicepparams or json_files:
            deployments: list[Resolved] = []
            unset: list[Document] = []  # parameter files that leave it at its default
            for param_doc in bicepparams:
                entry = _syntax_of(param_doc).params.get(name)
                if entry is None:
                    unset.append(param_doc)
                    continue
                inner = self.resolve(param_doc, entry.default, what, depth + 1, keys)
                if inner.origin in (Origin.LITERAL, Origin.VARIABLE):
                    inner.origin = Origin.PARAMETER_FILE
                    inner.detail = f"parameter '{name}'{_members(keys)} in {param_doc.path.name}"
                    inner.param, inner.symbol_doc = name, doc
                    if not keys:  # @allowed and the type constrain the parameter, not a member of it
                        inner.allowed, inner.allowed_doc = declared.allowed, doc
                        inner.allowed_type = _allowed_type(doc, declared)
                elif inner.origin == Origin.EXPRESSION and inner.value is None:
                    inner.detail = f"{what} comes from parameter '{name}', which {param_doc.path.name} sets to " \
                                   f"`{_short(entry.default.value if entry.default is not None else '')}` " \
                                   f"(line {param_doc.line(entry.start)})"
                if not inner.known or inner.also:
                    return inner
                deployments.append(inner)
            for param_doc, params in json_files:
                if params is None or params.get(name) is None:
                    unset.append(param_doc)
                    continue
                inner = self._json_value(doc, param_doc, params, name, what, keys)
                if inner.origin == Origin.PARAMETER_FILE and not keys:
                    inner.allowed, inner.allowed_doc = declared.allowed, doc
                    inner.allowed_type = _allowed_type(doc, declared)
                if not inner.known:
                    return inner
                deployments.append(inner)
            if unset:
                if declared.default is None:
                    return Resolved(Origin.NO_VALUE, doc=doc, node=ref,
                                    detail=f"{what} comes from parameter '{name}', which {unset[0].path.name} does not "
                                           f"set and which has no default value (line {declared_line})")
                default = self._default(doc, name, declared, what, depth, keys)
                if not default.known:
                    return default
                deployments.append(default)
            file_places = deployments
        else:
            file_places = []

        # 2. Module callers: a value passed in `params: {...}` wins over the default. A call
        # is a deployment of its own beside the parameter files: those are for deploying this
        # file directly, a call passes its own values (or leaves the default).
        callers = self.callers(doc)
        if file_places and not callers:
            primary, primary.also = file_places[0], file_places[1:]
            return primary
        passing: list[tuple[Document, _Module, Node]] = []
        unknown: list[tuple[Document, _Module]] = []
        for caller_doc, module in callers:
            params = module.body.get("params") if module.body is not None else None
            if params is None:
                continue
            if params.kind != "object":
                unknown.append((caller_doc, module))
                continue
            passed = params.get(name)
            if passed is not None:
                passing.append((caller_doc, module, passed))
        if unknown:
            caller_doc, module = unknown[0]
            return Resolved(Origin.NO_VALUE, doc=doc, node=ref,
                            detail=f"{what} comes from parameter '{name}', and {doc.path_to(caller_doc)} passes this "
                                   f"module's params as an expression (line {caller_doc.line(module.start)})")
        if passing or file_places:
            # Every call is a deployment of its own: each value passed, and the default for
            # the calls that pass none (like ARM parameter files, see Resolved.also).
            deployments = list(file_places)
            unreadable: list[tuple[Resolved, str]] = []  # (value, the call) that acr-fix cannot read
            for caller_doc, module, passed in passing:
                inner = self.resolve(caller_doc, passed, what, depth + 1, keys)
                if not inner.known:
                    # kept beside the others: a call that is open fails the rule whatever this one does
                    unreadable.append((inner, f"module '{module.symbolic}' in {doc.path_to(caller_doc)}"))
                    continue
                guard = _condition_text(_syntax_of(caller_doc), module.syntax)
                if guard is not None and inner.param and inner.symbol_doc is caller_doc and \
                        re.search(rf"(?<![A-Za-z0-9_.]){re.escape(inner.param)}(?![A-Za-z0-9_])", guard):
                    # `module acr ... = if (acrSku == 'Basic') { params: { sku: acrSku } }`:
                    # changing it could change whether the registry is deployed at all
                    return Resolved(Origin.EXPRESSION, value=inner.value, doc=caller_doc, node=passed,
                                    detail=f"{what} comes from parameter '{inner.param}' of {doc.path_to(caller_doc)}, "
                                           f"which the condition of module '{module.symbolic}' also reads "
                                           f"({self._where(caller_doc, passed)}); changing it could change whether the "
                                           f"registry is deployed")
                if inner.origin in (Origin.LITERAL, Origin.VARIABLE):
                    if inner.origin == Origin.VARIABLE and inner.variable:
                        # the edit goes to the caller's variable: say so, not "parameter"
                        inner.detail = f"variable '{inner.variable}' of {doc.path_to(caller_doc)}, which module " \
                                       f"'{module.symbolic}' passes as parameter '{name}'{_members(keys)}"
                    else:
                        inner.detail = f"parameter '{name}'{_members(keys)} passed by module '{module.symbolic}' in " \
                                       f"{doc.path_to(caller_doc)}"
                    inner.origin = Origin.MODULE_CALLER
                    inner.param, inner.symbol_doc = name, doc
                if inner.allowed is None and not keys:
                    inner.allowed, inner.allowed_doc = declared.allowed, doc
                if inner.allowed_type is None and not keys:
                    inner.allowed_type = _allowed_type(doc, declared)
                deployments.append(inner)
            if (len(passing) < len(callers) or not file_places and _deployable_alone(doc)) \
                    and declared.default is not None:
                # the default is deployed by a call that passes nothing, and by the file
                # deployed on its own when every parameter has a default
                default = self._default(doc, name, declared, what, depth, keys)
                if not default.known:
                    return default
                if unreadable and len(passing) < len(callers):  # say who deploys the default
                    given = {id(module) for _, module, _ in passing}
                    default.detail += ", which " + _calls([f"module '{module.symbolic}' in {doc.path_to(caller_doc)}"
                                                          for caller_doc, module in callers
                                                          if id(module) not in given]) + " leave" + \
                        ("s" if len(callers) - len(passing) == 1 else "") + " unset"
                elif unreadable:
                    default.detail += ", deployed when the file is deployed on its own"
                deployments.append(default)
            if not deployments:
                # every value comes from callers, and none can be read: say whose they are
                first = unreadable[0][0]
                first.detail = (f"{what} depends on the caller{'s' if len(unreadable) > 1 else ''} "
                                f"({_calls([call for _, call in unreadable])}): {first.detail}")
                return first
            for inner, call in unreadable:
                inner.detail = f"{call} passes a value acr-fix cannot read ({inner.detail})"
            # one flat list: a caller that is itself deployed several ways brings its own; a
            # place that two deployments share (the default) once
            places: list[Resolved] = []
            seen: set[tuple] = set()
            for place in [p for d in deployments for p in (d, *d.also)] + [inner for inner, _ in unreadable]:
                key = (id(place.doc), place.node.start, place.node.end) if place.node is not None else (id(place),)
                if key not in seen:
                    seen.add(key)
                    places.append(place)
            for place in places:
                place.also = []
            primary, primary.also = places[0], places[1:]
            return primary

        # 3. The parameter's default value.
        if declared.default is None:
            nobody = "no parameter file or module caller sets it"
            if not callers and not self.param_files(doc):
                nobody = "nothing in the scanned files sets it"
            return Resolved(Origin.NO_VALUE, doc=doc, node=ref,
                            detail=f"{what} comes from parameter '{name}', which has no default value and {nobody} "
                                   f"({self._where(doc, declared.start)})")
        return self._default(doc, name, declared, what, depth, keys)

    def _default(self, doc: Document, name: str, declared: "_Param", what: str, depth: int,
                 keys: tuple[str, ...]) -> Resolved:
        inner = self.resolve(doc, declared.default, what, depth + 1, keys)
        if inner.origin == Origin.LITERAL:
            inner.origin = Origin.PARAMETER_DEFAULT
            inner.detail = f"default of parameter '{name}'{_members(keys)}"
            inner.param, inner.symbol_doc = name, doc
            if not keys:
                inner.allowed, inner.allowed_doc = declared.allowed, doc
                inner.allowed_type = _allowed_type(doc, declared)
        return inner

    def _json_parameter_files(self, doc: Document) -> list[tuple[Document, Node | None]]:
        """JSON parameter files beside the template, each with its `parameters` object."""
        found = []
        for param_doc in param_files_for(doc, self.workspace):
            params = param_doc.root.get("parameters")
            found.append((param_doc, params if params is not None and params.kind == "object" else None))
        return found

    def _json_value(self, doc: Document, param_doc: Document, params: Node, name: str, what: str,
                    keys: tuple[str, ...]) -> Resolved:
        """The value a JSON parameter file gives parameter ``name`` (its `parameters` object holds it)."""
        entry = params.get(name)
        if entry is None or entry.kind != "object":
            return Resolved(Origin.EXPRESSION, doc=param_doc, node=entry or params,
                            detail=f"{what} comes from parameter '{name}' in {param_doc.path.name}, which it does not "
                                   f"set as a plain value")
        node = entry.get("value")
        for key in keys:
            node = node.get(key) if node is not None and node.kind == "object" else None
        where = f"parameter '{name}'{''.join('.' + k for k in keys)} in {param_doc.path.name}"
        if node is None:
            return Resolved(Origin.EXPRESSION, doc=param_doc, node=entry,
                            detail=f"{what} comes from {where}, which it does not set as a plain value "
                                   f"(line {param_doc.line(entry)})")
        if node.kind != "string" or node.value.startswith("[") or "${" in node.value:
            # `${AZURE_...}` is filled in by azd from the environment at deployment time
            return Resolved(Origin.EXPRESSION, doc=param_doc, node=node,
                            detail=f"{what} comes from {where}, set to `{_short(str(node.value))}` "
                                   f"(line {param_doc.line(node)})")
        return Resolved(Origin.PARAMETER_FILE, value=node.value, doc=param_doc, node=node, detail=where, param=name,
                        symbol_doc=doc)

    # -- other files ------------------------------------------------------------------
    def param_files(self, doc: Document) -> list[Document]:
        """.bicepparam files whose `using` names ``doc``: discovered ones and those below its folder."""
        key = file_key(doc.path)
        if key in self._param_files:
            return self._param_files[key]
        found: list[Document] = []
        candidates = deployments.index_of(self.workspace, deployments.USING).referrers(
            deployments.USING, _plain_key(doc.path))
        if not candidates:
            candidates = _param_files_near(self.workspace, doc.path)
        for path in candidates:
            param_doc = self.workspace.document(path)
            if param_doc is None or param_doc.kind != "bicepparam" or param_doc not in _SYNTAX:
                continue
            using = _syntax_of(param_doc).using
            if using and not _REMOTE_MODULE.match(using) and file_key(path.parent / using) == key:
                found.append(param_doc)
        self._param_files[key] = found
        return found

    def callers(self, doc: Document) -> list[tuple[Document, _Module]]:
        """Module declarations in the discovered .bicep files that deploy ``doc``."""
        key = file_key(doc.path)
        if key in self._callers:
            return self._callers[key]
        found: list[tuple[Document, _Module]] = []
        # (the index lists a file once per module statement: each file is read once here)
        index = deployments.index_of(self.workspace, deployments.MODULE)
        for path in dict.fromkeys(index.referrers(deployments.MODULE, _plain_key(doc.path))):
            if file_key(path) == key:
                continue
            caller_doc = self.workspace.document(path)
            if caller_doc is None or caller_doc not in _SYNTAX:
                continue
            for module in _syntax_of(caller_doc).modules:
                if module.path and not _REMOTE_MODULE.match(module.path) \
                        and file_key(path.parent / module.path) == key:
                    found.append((caller_doc, module))
        self._callers[key] = found
        return found


def local_modules(raw: bytes, folder: Path) -> list[Path]:
    """The local files a Bicep file's `module x '...'` declarations deploy (remote `br:` and
    `ts:` modules left out), resolved against ``folder``, in file order."""
    found: list[Path] = []
    for target in deployments.module_targets(raw):
        if folder / target not in found:
            found.append(folder / target)
    return found


_plain_key = deployments.plain_key


def prepare_workspace(workspace: Workspace) -> None:
    """The run's index of module calls and `using`s, built now (before a parallel run forks its workers)."""
    deployments.prepare(workspace, (deployments.MODULE, deployments.USING))


def _param_files_near(workspace: Workspace, doc_path: Path) -> list[Path]:
    """.bicepparam files below the template's folder that name it in `using` (for a template
    given on its own, whose parameter files were not discovered). Cached per folder."""
    folder = doc_path.parent
    cache = workspace.cache.setdefault("bicep.param-near", {})
    index = cache.get(folder)
    if index is None:
        index = deployments.using_references_in(_bicepparam_files_below(folder), workspace.max_file_size)
        cache[folder] = index
    return index.get(_plain_key(doc_path), [])


def _bicepparam_files_below(folder: Path) -> list[Path]:
    found: list[Path] = []
    try:
        for path in folder.rglob("*.bicepparam"):
            found.append(path)
            if len(found) >= _MAX_PARAM_FILE_SCAN:
                break
    except OSError:
        pass
    return found


def _deployable_alone(doc: Document) -> bool:
    """Whether a Bicep file can be deployed on its own: every parameter has a default or is
    nullable (`string?`), so `az deployment group create -f` needs no value."""
    params = _syntax_of(doc).params.values()
    return bool(params) and all(p.default is not None or p.type_text.rstrip().endswith("?") for p in params)
