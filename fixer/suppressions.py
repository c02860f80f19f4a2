"""Suppressions PSRule users already wrote down, read the way PSRule reads them.

Sources, all relative to the repository root:

* ``ps-rule.yaml`` (or ``ps-rule.yml`` / ``.ps-rule.yaml``), PSRule's options file:
  ``rule.exclude`` / ``rule.include`` (the rule is off), ``suppression`` (registry names
  per rule) and ``input.pathIgnore`` (files PSRule never reads).
* Suppression groups in ``.ps-rule/*.Rule.yaml|.yml|.json|.jsonc``: ``kind:
  SuppressionGroup`` documents whose ``spec.rule`` names Azure.ACR.Firewall (or is empty),
  whose ``spec.if`` selector matches the registry, and whose ``spec.expiresOn`` has not
  passed.

acr-fix evaluates the selector subset that its registry data can answer honestly: ``name:
'.'``, ``type: '.'`` and ``field: <path>`` with ``equals``, ``notEquals``, ``in``,
``notIn``, ``startsWith``, ``endsWith``, ``contains`` and ``exists``, combined with
``allOf``, ``anyOf`` and ``not``; strings compare case-insensitively unless
``caseSensitive: true``, as in PSRule. A selector outside that subset, or one that needs a
value acr-fix could not resolve, suppresses nothing and adds a warning naming the file and
group: a registry is never left open because of a guess.

``add_psrule_suppression`` writes ``ps-rule.yaml`` for ``acr-fix suppress``; it keeps every
comment, key order and blank line, and refuses to write when it cannot.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable


from .errors import ConfigError, WriteError
from .globs import ignored
from .write import replace_bytes

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

RULE_ID = "Azure.ACR.Firewall"
RULE_REF = "AZR-000402"
RULE_TYPE = "Microsoft.ContainerRegistry/registries"
# PSRule accepts a rule's name, its ref, or the module-qualified name.
_RULE_NAMES = frozenset(n.lower() for n in (RULE_ID, RULE_REF, "PSRule.Rules.Azure\\" + RULE_ID))
OPTIONS_NAMES = ("ps-rule.yaml", "ps-rule.yml", ".ps-rule.yaml")
GROUPS_FOLDER = ".ps-rule"
_GROUP_SUFFIXES = (".rule.yaml", ".rule.yml", ".rule.jsonc", ".rule.json")


class _Unknown:
    """A registry value acr-fix could not resolve (an expression, a missing parameter)."""

    _instance: "_Unknown | None" = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Suppression:
    """Why a registry is left alone. ``source`` says where it was written down."""

    source: str
    reason: str


class _CannotEvaluate(Exception):
    """The selector needs something acr-fix cannot answer."""


Evaluator = Callable[["_Target"], bool]


@dataclass(frozen=True)
class _Target:
    name: Any        # str, or UNKNOWN when the name is an expression
    type: str
    data: dict


@dataclass
class SuppressionGroup:
    name: str
    file: str                       # path relative to the root, for messages
    synopsis: str | None
    applies_to_rule: bool
    types: tuple[str, ...]
    expires_on: dt.datetime | None
    evaluate: Evaluator | None      # None: the selector cannot be evaluated
    problem: str | None = None      # why ``evaluate`` is None

    @property
    def label(self) -> str:
        return f"suppression group '{self.name}' ({self.file})"


@dataclass
class Suppressions:
    """Everything read from PSRule's files. Build with ``load_suppressions``."""

    rule_excluded: bool = False
    excluded_reason: str | None = None          # e.g. "rule.exclude in ps-rule.yaml"
    options_file: str | None = None              # "ps-rule.yaml" when one was read
    names: dict[str, str | None] = field(default_factory=dict)   # lower-cased name -> comment
    path_ignore: tuple[str, ...] = ()
    groups: list[SuppressionGroup] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    def path_ignored(self, rel_path: str) -> bool:
        """True if ``input.pathIgnore`` excludes ``rel_path`` (relative to the root)."""
        return bool(self.path_ignore) and ignored(self.path_ignore, rel_path)

    def match(self, name: str, resource: dict, file_rel: str) -> Suppression | None:
        """The suppression that applies to registry ``name``, or None.

        ``resource`` is the registry as an expanded ARM resource (``type``, ``name``,
        ``sku``, ``properties``, ``tags``...); values acr-fix could not resolve should be
        ``UNKNOWN`` (unresolved ARM expression strings are treated the same way). A group
        that cannot be evaluated for this registry adds a warning and does not suppress.
        """
        if self.rule_excluded:
            return Suppression(source=self.excluded_reason or "ps-rule.yaml rule.exclude",
                               reason=f"{RULE_ID} is turned off in {self.options_file or 'ps-rule.yaml'}")
        literal = not _is_arm_expression(name)
        key = name.lower()
        if literal and key in self.names:
            comment = self.names[key]
            return Suppression(
                source=f"{self.options_file} suppression",
                reason=comment or f"listed under suppression: {RULE_ID} in {self.options_file}",
            )
        target = _Target(name=name if literal else UNKNOWN, type=str(resource.get("type") or RULE_TYPE), data=resource)
        for group in self.groups:
            if not group.applies_to_rule:
                continue
            if group.types and target.type.lower() not in {t.lower() for t in group.types}:
                continue
            if group.evaluate is None:
                continue  # warned about once, at load time
            try:
                hit = group.evaluate(target)
            except _CannotEvaluate as exc:
                self._warn(f"{group.file}: {group.label.split(' (')[0]} cannot be evaluated for registry "
                           f"'{name}' in {file_rel} ({exc}); not treated as suppressed")
                continue
            if not hit:
                continue
            if group.expires_on is not None and group.expires_on <= self.now:
                self._warn(f"{group.file}: suppression group '{group.name}' expired on "
                           f"{group.expires_on.isoformat()}; registry '{name}' in {file_rel} is not suppressed")
                continue
            return Suppression(source=group.label, reason=group.synopsis or f"suppression group '{group.name}'")
        return None

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


    def suppressor(self) -> Callable[[Any, str], str | None]:
        """A ``run(..., suppressor=...)`` hook: (Registry, file path relative to the root) ->
        "source: reason" when the registry is suppressed, else None."""

        def check(registry: Any, file_rel: str) -> str | None:
            name = literal_name(registry)
            found = self.match(name if name is not None else f"[{registry.name}]",
                               registry_resource(registry), file_rel)
            return f"{found.source}: {found.reason}" if found else None

        return check


def literal_name(registry: Any) -> str | None:
    """The registry's real name when acr-fix knows it, else None.

    That is a literal ``name`` in the template, or a name resolved through parameters,
    parameter files, variables or module callers (the one reports show). ``Registry.name``
    otherwise falls back to the symbolic name or the expression text, and a report shows an
    expression in a readable form: neither must ever match a suppression by accident."""
    shown = getattr(registry, "shown_name", None)
    if shown is not None:
        return None if registry.shown_is_expression else shown
    holder = registry.node
    if getattr(registry, "flavor", "resource") == "avm-module" and holder is not None:
        holder = holder.get("params")  # the module's own `name` is the deployment's, not the registry's
    node = holder.get("name") if holder is not None and holder.kind == "object" else None
    if node is not None and node.kind == "string" and isinstance(node.value, str) \
            and not _is_arm_expression(node.value):
        return node.value
    kind = getattr(registry.doc, "kind", "")
    name = registry.name
    if kind.startswith("arm") and name and name != registry.symbolic and name != "(unnamed)" \
            and not _is_arm_expression(name):
        return name
    return None


def registry_resource(registry: Any) -> dict:
    """The registry as PSRule would see an expanded resource, as far as acr-fix knows it.

    Literal values come from the template; sku.name, publicNetworkAccess,
    networkRuleSet.defaultAction and networkRuleBypassOptions are overlaid with what acr-fix
    resolved through parameters, variables and parameter files. Everything else that is
    not a literal is ``UNKNOWN``.
    """
    data = _plain(registry.node) if registry.node is not None else {}
    if not isinstance(data, dict):
        data = {}
    data.setdefault("type", RULE_TYPE)
    name = literal_name(registry)
    data["name"] = name if name is not None else UNKNOWN
    for path, resolved in ((("sku", "name"), registry.sku_name),
                           (("properties", "publicNetworkAccess"), registry.public_network_access),
                           (("properties", "networkRuleSet", "defaultAction"), registry.default_action),
                           (("properties", "networkRuleBypassOptions"), registry.bypass)):
        _overlay(data, path, resolved)
    return data


def _plain(node: Any) -> Any:
    if node.kind == "object":
        return {m.key: _plain(m.value) for m in node.members or []}
    if node.kind == "array":
        return [_plain(item) for item in node.items or []]
    if node.kind == "expr":
        return UNKNOWN
    return node.value


def _overlay(data: dict, path: tuple[str, ...], resolved: Any) -> None:
    origin = getattr(resolved.origin, "value", resolved.origin)
    parent: Any = data
    for key in path[:-1]:
        if not isinstance(parent, dict):
            return
        found = next((k for k in parent if isinstance(k, str) and k.lower() == key.lower()), None)
        if found is None:
            if origin == "absent":
                return
            parent[key] = {}
            found = key
        parent = parent[found]
    if not isinstance(parent, dict):
        return
    leaf = next((k for k in parent if isinstance(k, str) and k.lower() == path[-1].lower()), path[-1])
    if origin == "absent":
        parent.pop(leaf, None)
    elif resolved.value is not None:
        parent[leaf] = resolved.value
    else:
        parent[leaf] = UNKNOWN


# --- loading -------------------------------------------------------------------------------


def find_options_file(root: Path) -> Path | None:
    for name in OPTIONS_NAMES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def load_suppressions(root: Path, now: dt.datetime | None = None) -> Suppressions:
    """Read PSRule's options file and suppression groups under ``root``.

    ``now`` (timezone-aware; naive means UTC) decides whether a group has expired; it
    defaults to the current time. Raises ConfigError (``file:line: message``) when the
    options file is not valid YAML or a key acr-fix uses has the wrong shape. Problems in
    ``.ps-rule/`` files become warnings, as those files also hold rules acr-fix ignores.
    """
    group_dir = root / GROUPS_FOLDER
    return read_suppressions(find_options_file(root), group_dir if group_dir.is_dir() else None, now,
                             shown=lambda path: path.relative_to(root).as_posix())


def read_suppressions(options_file: Path | None, group_dir: Path | None, now: dt.datetime | None = None,
                      shown: Callable[[Path], str] | None = None) -> Suppressions:
    """Read one PSRule options file and one ``.ps-rule/`` folder (either may be None: none
    found). ``shown`` names a file in messages (default: its name). Raises as load_suppressions."""
    result = Suppressions()
    if now is not None:
        result.now = now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)
    show = shown or (lambda path: path.name)
    if options_file is not None:
        _read_options(options_file, result, show(options_file))
    if group_dir is not None:
        files = sorted(p for p in group_dir.rglob("*") if p.is_file() and p.name.lower().endswith(_GROUP_SUFFIXES))
        for path in files:
            _read_group_file(path, show(path), result)
    return result


def _read_options(path: Path, result: Suppressions, display: str) -> None:
    from ruamel.yaml import YAML  # imported here: most runs have no ps-rule.yaml
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    result.options_file = display
    text = _read_text(path, display)
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"{display}:{mark.line + 1 if mark else 1}: invalid YAML: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise ConfigError(f"{display}:1: invalid YAML: {exc}") from None
    if data is None:
        return
    if not isinstance(data, dict):
        raise ConfigError(f"{display}:1: expected PSRule options (a mapping) at the top level")

    rule = _get(data, "rule")
    if rule is not None:
        if not isinstance(rule, dict):
            raise ConfigError(f"{display}:{_line(data, 'rule')}: rule: expected a mapping")
        exclude = _string_list(rule, "exclude", display, "rule.exclude")
        if any(item.lower() in _RULE_NAMES for item in exclude):
            result.rule_excluded = True
            result.excluded_reason = f"{display} rule.exclude"
        include = _string_list(rule, "include", display, "rule.include")
        if include and not any(_rule_selected(item) for item in include):
            result.rule_excluded = True
            result.excluded_reason = f"{display} rule.include (does not list {RULE_ID})"

    suppression = _get(data, "suppression")
    if suppression is not None:
        if not isinstance(suppression, dict):
            raise ConfigError(f"{display}:{_line(data, 'suppression')}: suppression: expected a mapping of rule name to registry names")
        for rule_name in suppression:
            if not isinstance(rule_name, str) or rule_name.lower() not in _RULE_NAMES:
                continue
            entry = suppression[rule_name]
            line = _line(suppression, rule_name)
            names_seq = entry
            if isinstance(entry, dict):
                names_seq = _get(entry, "targetName")
            if isinstance(names_seq, str):
                names_seq = [names_seq]
            if names_seq is None:
                continue
            if not isinstance(names_seq, list):
                raise ConfigError(f"{display}:{line}: suppression.{rule_name}: expected a list of resource names")
            for index, item in enumerate(names_seq):
                if not isinstance(item, str):
                    raise ConfigError(f"{display}:{line}: suppression.{rule_name}[{index}]: expected a resource name, got {item!r}")
                result.names.setdefault(item.lower(), _item_comment(names_seq, index))

    input_ = _get(data, "input")
    if isinstance(input_, dict):
        result.path_ignore = tuple(_string_list(input_, "pathIgnore", display, "input.pathIgnore"))


def _rule_selected(item: str) -> bool:
    lowered = item.lower()
    if lowered in _RULE_NAMES:
        return True
    if any(ch in item for ch in "*?"):
        import fnmatch

        return fnmatch.fnmatchcase(RULE_ID.lower(), lowered)
    return False


def _read_group_file(path: Path, rel: str, result: Suppressions) -> None:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = _read_text(path, rel)
    except ConfigError as exc:
        result._warn(f"{exc}; its suppression groups are ignored")
        return
    docs: list[tuple[Any, str | None]] = []
    try:
        if path.name.lower().endswith((".jsonc", ".json")):
            import json5  # (only for a PSRule options file in JSON: most are YAML)

            loaded = json5.loads(text)
            items = loaded if isinstance(loaded, list) else [loaded]
            synopses = _jsonc_synopses(text, items)
            docs = list(zip(items, synopses))
        else:
            for chunk in _yaml_documents(text):
                yaml = YAML(typ="safe", pure=True)
                docs.append((yaml.load(chunk), _yaml_synopsis(chunk)))
    except (YAMLError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        result._warn(f"{rel}: cannot be read ({first}); its suppression groups are ignored")
        return
    for doc, synopsis in docs:
        if not isinstance(doc, dict) or str(doc.get("kind", "")).lower() != "suppressiongroup":
            continue
        group = _build_group(doc, rel, synopsis, result)
        if group is not None:
            result.groups.append(group)


def _build_group(doc: dict, rel: str, synopsis: str | None, result: Suppressions) -> SuppressionGroup | None:
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = str(metadata.get("name") or "(unnamed)")
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    rules = spec.get("rule") or []
    if isinstance(rules, str):
        rules = [rules]
    applies = not rules or any(isinstance(r, str) and r.lower() in _RULE_NAMES for r in rules)
    types = spec.get("type") or []
    if isinstance(types, str):
        types = [types]
    if not synopsis:
        description = metadata.get("description") or metadata.get("displayName")
        synopsis = str(description) if description else None
    group = SuppressionGroup(name=name, file=rel, synopsis=synopsis, applies_to_rule=applies,
                             types=tuple(str(t) for t in types), expires_on=None, evaluate=None)
    label = f"{rel}: suppression group '{name}'"
    expires = spec.get("expiresOn")
    if expires is not None:
        parsed = _parse_datetime(expires)
        if parsed is None:
            group.problem = f"expiresOn {expires!r} is not a date"
            if applies:
                result._warn(f"{label}: expiresOn {expires!r} is not an ISO 8601 date; the group is not applied")
            return group
        group.expires_on = parsed
    selector = spec.get("if")
    if selector is None:
        group.problem = "no spec.if selector"
        if applies:
            result._warn(f"{label}: has no spec.if selector; acr-fix does not apply it")
        return group
    try:
        group.evaluate = compile_selector(selector)
    except _CannotEvaluate as exc:
        group.problem = str(exc)
        if applies:
            result._warn(f"{label}: {exc}, which acr-fix cannot evaluate; registries it selects are not treated as suppressed")
    return group


# --- selector compilation ------------------------------------------------------------------

_CONDITIONS = ("equals", "notEquals", "in", "notIn", "startsWith", "endsWith", "contains", "exists")
_OPERANDS = ("field", "name", "type")
_MISSING = object()


def compile_selector(expr: Any) -> Evaluator:
    """Turn a PSRule ``spec.if`` expression into a function of a target.

    Raises _CannotEvaluate (message says what) for anything outside the supported subset.
    """
    if not isinstance(expr, dict) or not expr:
        raise _CannotEvaluate("the selector is not a mapping")
    keys = {k.lower() if isinstance(k, str) else k: k for k in expr}
    for op in ("allof", "anyof"):
        if op in keys:
            if len(expr) != 1:
                raise _CannotEvaluate(f"'{keys[op]}' is mixed with other keys")
            items = expr[keys[op]]
            if not isinstance(items, list) or not items:
                raise _CannotEvaluate(f"'{keys[op]}' needs a non-empty list")
            parts = [compile_selector(item) for item in items]
            if op == "allof":
                return lambda t: all(part(t) for part in parts)
            return lambda t: _any_of(parts, t)
    if "not" in keys:
        if len(expr) != 1:
            raise _CannotEvaluate("'not' is mixed with other keys")
        inner = compile_selector(expr[keys["not"]])
        return lambda t: not inner(t)

    operand_keys = [keys[k.lower()] for k in _OPERANDS if k.lower() in keys]
    condition_keys = [keys[k.lower()] for k in _CONDITIONS if k.lower() in keys]
    other = [str(k) for k in expr if k not in operand_keys and k not in condition_keys
             and not (isinstance(k, str) and k.lower() in ("casesensitive", "convert"))]
    if other:
        raise _CannotEvaluate(f"the selector uses '{other[0]}'")
    if len(operand_keys) != 1:
        raise _CannotEvaluate("a condition needs exactly one of field, name or type" if not operand_keys
                              else "a condition has more than one of field, name, type")
    if len(condition_keys) != 1:
        raise _CannotEvaluate("a condition needs exactly one comparison" if not condition_keys
                              else "a condition has more than one comparison")
    operand_key, condition = operand_keys[0], condition_keys[0]
    case_sensitive = _flag(expr, keys, "casesensitive")
    if _flag(expr, keys, "convert"):
        raise _CannotEvaluate("the selector uses 'convert: true'")
    getter = _operand(operand_key.lower(), expr[operand_key])
    expected = expr[condition]
    test = _condition(condition.lower(), expected, case_sensitive)
    return lambda t: test(getter(t))


def _any_of(parts: list[Evaluator], target: _Target) -> bool:
    # A branch that matches is enough even if another branch cannot be evaluated.
    problem: _CannotEvaluate | None = None
    for part in parts:
        try:
            if part(target):
                return True
        except _CannotEvaluate as exc:
            problem = problem or exc
    if problem is not None:
        raise problem
    return False


def _flag(expr: dict, keys: dict, name: str) -> bool:
    if name not in keys:
        return False
    value = expr[keys[name]]
    if not isinstance(value, bool):
        raise _CannotEvaluate(f"'{keys[name]}' must be true or false")
    return value


def _operand(kind: str, value: Any) -> Callable[[_Target], Any]:
    if kind == "name":
        if value != ".":
            raise _CannotEvaluate("'name' must be '.'")
        return _target_name
    if kind == "type":
        if value != ".":
            raise _CannotEvaluate("'type' must be '.'")
        return lambda t: t.type
    if not isinstance(value, str) or not value.strip():
        raise _CannotEvaluate("'field' must be a property path")
    path = _parse_field_path(value)
    return lambda t: _lookup(t.data, path, value)


def _target_name(target: _Target) -> Any:
    if target.name is UNKNOWN:
        raise _CannotEvaluate("the registry's name is not a literal value")
    return target.name


_SEGMENT = re.compile(r"""([^.\[\]'"]+)|\[(\d+)\]|\[['"]([^'"]+)['"]\]""")


def _parse_field_path(text: str) -> list[str | int]:
    path = text.strip()
    if path.startswith("$."):
        path = path[2:]
    elif path.startswith("."):
        path = path[1:]
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        if path[pos] == "." and parts:
            pos += 1
        match = _SEGMENT.match(path, pos)
        if not match or match.end() == pos:
            raise _CannotEvaluate(f"field path '{text}' uses syntax acr-fix does not support")
        if match.group(1) is not None:
            parts.append(match.group(1))
        elif match.group(2) is not None:
            parts.append(int(match.group(2)))
        else:
            parts.append(match.group(3))
        pos = match.end()
    if not parts:
        raise _CannotEvaluate(f"field path '{text}' is empty")
    return parts


def _lookup(data: Any, path: list[str | int], text: str) -> Any:
    current = data
    for part in path:
        if current is UNKNOWN or _is_arm_expression(current):
            raise _CannotEvaluate(f"'{text}' is not a literal value")
        if isinstance(part, int):
            if not isinstance(current, list) or part >= len(current):
                return _MISSING
            current = current[part]
            continue
        if not isinstance(current, dict):
            return _MISSING
        lowered = part.lower()
        for key, value in current.items():
            if isinstance(key, str) and key.lower() == lowered:
                current = value
                break
        else:
            return _MISSING
    if current is UNKNOWN or _is_arm_expression(current):
        raise _CannotEvaluate(f"'{text}' is not a literal value")
    return current


def _is_arm_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[[")


def _condition(kind: str, expected: Any, case_sensitive: bool) -> Callable[[Any], bool]:
    if kind == "exists":
        if not isinstance(expected, bool):
            raise _CannotEvaluate("'exists' must be true or false")
        return lambda actual: (actual is not _MISSING) == expected
    if kind in ("equals", "notequals"):
        if not isinstance(expected, (str, int, float, bool)):
            raise _CannotEvaluate(f"'{kind}' needs a string, number or boolean")
        if kind == "equals":
            return lambda actual: actual is not _MISSING and _equal(actual, expected, case_sensitive)
        return lambda actual: actual is _MISSING or not _equal(actual, expected, case_sensitive)
    if kind in ("in", "notin"):
        if not isinstance(expected, list):
            raise _CannotEvaluate(f"'{kind}' needs a list")
        values = list(expected)

        # PSRule compares 'in' / 'notIn' case-insensitively whatever caseSensitive says.
        def contained(actual: Any) -> bool:
            candidates = actual if isinstance(actual, list) else [actual]
            return any(_equal(a, v, False) for a in candidates for v in values)

        if kind == "in":
            return lambda actual: actual is not _MISSING and contained(actual)
        return lambda actual: actual is _MISSING or not contained(actual)
    # startsWith / endsWith / contains: one string or a list of strings, any may match.
    needles = expected if isinstance(expected, list) else [expected]
    if not needles or not all(isinstance(n, str) for n in needles):
        raise _CannotEvaluate(f"'{kind}' needs a string or a list of strings")
    fold = (lambda s: s) if case_sensitive else (lambda s: s.casefold())
    folded = [fold(n) for n in needles]
    if kind == "startswith":
        test = lambda s: any(s.startswith(n) for n in folded)  # noqa: E731
    elif kind == "endswith":
        test = lambda s: any(s.endswith(n) for n in folded)  # noqa: E731
    else:
        test = lambda s: any(n in s for n in folded)  # noqa: E731
    return lambda actual: isinstance(actual, str) and test(fold(actual))


def _equal(actual: Any, expected: Any, case_sensitive: bool) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return actual == expected if case_sensitive else actual.casefold() == expected.casefold()
    # PSRule converts the expected value to the actual value's type (convertExpected).
    if isinstance(actual, bool):
        if isinstance(expected, str) and expected.lower() in ("true", "false"):
            return actual == (expected.lower() == "true")
        return isinstance(expected, bool) and actual == expected
    if isinstance(actual, (int, float)):
        if isinstance(expected, bool):
            return False
        if isinstance(expected, str):
            try:
                return float(expected) == actual
            except ValueError:
                return False
        return actual == expected
    return False


# --- reading helpers -----------------------------------------------------------------------


def _read_text(path: Path, display: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{display}: cannot read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{display}: not valid UTF-8 (byte {exc.start})") from None


def _get(mapping: dict, key: str) -> Any:
    """``mapping[key]`` matched case-insensitively, as PSRule reads its options."""
    lowered = key.lower()
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == lowered:
            return v
    return None


def _real_key(mapping: dict, key: str) -> Any:
    lowered = key.lower()
    for k in mapping:
        if isinstance(k, str) and k.lower() == lowered:
            return k
    return key


def _line(mapping: Any, key: Any) -> int:
    try:
        return mapping.lc.key(_real_key(mapping, key) if isinstance(key, str) else key)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def _string_list(mapping: dict, key: str, display: str, label: str) -> list[str]:
    value = _get(mapping, key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{display}:{_line(mapping, key)}: {label}: expected a list of strings")
    return list(value)


def _item_comment(seq: Any, index: int) -> str | None:
    """The end-of-line comment after item ``index`` of a round-trip sequence, if any."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.tokens import CommentToken

    if not isinstance(seq, CommentedSeq):
        return None
    entry = seq.ca.items.get(index)
    if not entry or not isinstance(entry[0], CommentToken):
        return None
    first = entry[0].value.split("\n", 1)[0].strip()
    if not first.startswith("#"):
        return None
    text = first.lstrip("#").strip()
    return text or None


_DOC_SPLIT = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)
_YAML_SYNOPSIS = re.compile(r"^[ \t]*#[ \t]*Synopsis:[ \t]*(.+?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
_JSON_SYNOPSIS = re.compile(r"//[ \t]*Synopsis:[ \t]*(.+?)[ \t]*$", re.MULTILINE | re.IGNORECASE)


def _yaml_documents(text: str) -> list[str]:
    return [chunk for chunk in _DOC_SPLIT.split(text) if chunk.strip()]


def _yaml_synopsis(chunk: str) -> str | None:
    match = _YAML_SYNOPSIS.search(chunk)
    return match.group(1) if match else None


def _jsonc_synopses(text: str, items: list[Any]) -> list[str | None]:
    """The ``// Synopsis:`` comment that belongs to each object of a JSONC array.

    JSON parsers drop comments, so each object is located by its ``"kind"`` member, in
    order; the synopsis is the last one written between the previous object and it.
    """
    kind_re = re.compile(r'"kind"\s*:')
    positions = [m.start() for m in kind_re.finditer(text)]
    synopses = [(m.start(), m.group(1)) for m in _JSON_SYNOPSIS.finditer(text)]
    result: list[str | None] = []
    previous = -1
    for index, _item in enumerate(items):
        if index >= len(positions):
            result.append(None)
            continue
        here = positions[index]
        found = None
        for pos, value in synopses:
            if previous < pos < here:
                found = value
        result.append(found)
        previous = here
    return result


def _parse_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


# --- acr-fix suppress ----------------------------------------------------------------------
#
# The file is parsed with ruamel.yaml's round-trip loader only to learn where things are
# (line and column of every key and item); the new entry is then inserted as text. Dumping
# the whole document back through ruamel would re-indent lists that use a different dash
# offset from the first one, which real ps-rule.yaml files do; inserting lines keeps every
# other byte, including CRLF endings and a BOM. The result is parsed again and must equal
# the old data plus the new name, or nothing is written.


def add_psrule_suppression(root: Path, name: str, reason: str) -> Path:
    """Add ``name`` under ``suppression: Azure.ACR.Firewall:`` in PSRule's options file.

    Uses the existing ``ps-rule.yaml`` (or ``ps-rule.yml`` / ``.ps-rule.yaml``) or creates
    ``ps-rule.yaml``. ``reason`` becomes a ``# comment`` after the new entry. Existing
    lines are never changed (only a line is added, or a flow list ``[a, b]`` gains an item),
    so every comment, key order, blank line, line ending and BOM survives. Nothing is
    written when the name is already listed (compared case-insensitively). The file is
    replaced atomically. Returns the file's path.

    Raises ConfigError when the file is not valid YAML or has a shape acr-fix cannot extend
    safely; the message then says what to add by hand.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    name = name.strip()
    if not name:
        raise ConfigError("suppress: the registry name is empty")
    comment = " ".join(reason.split())
    suffix = f"  # {comment}" if comment else ""
    path = find_options_file(root) or root / OPTIONS_NAMES[0]
    display = path.name
    entry = f"- {_scalar(name)}{suffix}"
    if not path.exists():
        _write_new(path, f"suppression:\n  {RULE_ID}:\n    {entry}\n".encode("utf-8"))
        return path

    raw = path.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = raw[len(bom):].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{display}: not valid UTF-8 (byte {exc.start}); not changed") from None
    manual = f"add '{entry}' under 'suppression:' / '{RULE_ID}:' in {display} by hand"
    try:
        data = YAML(typ="rt").load(text)
        before = YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"{display}:{mark.line + 1 if mark else 1}: invalid YAML ({exc.problem or exc.context}); not changed") from None
    except YAMLError as exc:
        raise ConfigError(f"{display}: invalid YAML ({exc}); not changed") from None
    if data is not None and not isinstance(data, CommentedMap):
        raise ConfigError(f"{display}:1: expected PSRule options (a mapping) at the top level; not changed")
    if name.lower() in _listed_names(before):
        return path

    lines = _Lines(text)
    _plan_insertion(data, lines, name, entry, display, manual)
    new_text = lines.text()
    try:
        after = YAML(typ="safe", pure=True).load(new_text)
    except YAMLError:
        raise ConfigError(f"{display}: the edited file would not parse; not changed; {manual}") from None
    if after != _expected_after(before, name):
        raise ConfigError(f"{display}: the edit would change more than the suppression list; not changed; {manual}")
    _replace(path, bom + new_text.encode("utf-8"))
    return path


class _Lines:
    """The file as (content, line ending) pairs, with insertions after a line index."""

    def __init__(self, text: str) -> None:
        parts = re.split(r"(\r\n|\n)", text)
        self.items = [(parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]
        self.eol = parts[1] if len(parts) > 1 else "\n"
        self.inserts: dict[int, list[str]] = {}
        self.replaced: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.items)

    def content(self, index: int) -> str:
        return self.items[index][0]

    def insert_after(self, index: int, line: str) -> None:
        self.inserts.setdefault(index, []).append(line)

    def replace(self, index: int, content: str) -> None:
        self.replaced[index] = content

    def text(self) -> str:
        out: list[str] = []
        for i, (content, ending) in enumerate(self.items):
            content = self.replaced.get(i, content)
            out.append(content)
            if i in self.inserts:
                # a last line without a line break gets one before the new lines
                out.append(ending or (self.eol if content else ""))
                out.extend(line + self.eol for line in self.inserts[i])
            else:
                out.append(ending)
        return "".join(out)


def _plan_insertion(data: CommentedMap | None, lines: _Lines, name: str, entry: str, display: str, manual: str) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    unit = _indent_unit(lines)
    if data is None or not data:
        # empty file or comments only: add the block after what is there
        _append_block(lines, 0, unit, entry)
        return
    if data.fa.flow_style():
        raise ConfigError(f"{display}:1: the options are written as one flow mapping; not changed; {manual}")
    sup_key = _real_key(data, "suppression")
    top_col = data.lc.key(next(iter(data)))[1]
    if sup_key not in data:
        _append_block(lines, top_col, unit, entry)
        return
    key_line, key_col = data.lc.key(sup_key)
    suppression = data[sup_key]
    if suppression is None:
        _expect_bare_key(lines, key_line, display, manual)
        lines.insert_after(key_line, " " * (key_col + unit) + f"{RULE_ID}:")
        lines.insert_after(key_line, " " * (key_col + unit + _seq_offset(lines, unit)) + entry)
        return
    if not isinstance(suppression, CommentedMap) or suppression.fa.flow_style():
        raise ConfigError(f"{display}:{key_line + 1}: 'suppression' is not a block mapping; not changed; {manual}")
    rule_key = next((k for k in suppression if isinstance(k, str) and k.lower() in _RULE_NAMES), None)
    if rule_key is None:
        first_col = suppression.lc.key(next(iter(suppression)))[1] if suppression else key_col + unit
        end = _block_end(lines, key_line, key_col)
        offset = _seq_offset(lines, unit)
        lines.insert_after(end, " " * first_col + f"{RULE_ID}:")
        lines.insert_after(end, " " * (first_col + offset) + entry)
        return
    rule_line, rule_col = suppression.lc.key(rule_key)
    value = suppression[rule_key]
    holder, holder_key = suppression, rule_key
    if isinstance(value, CommentedMap):
        target_key = _real_key(value, "targetName")
        if target_key not in value:
            raise ConfigError(f"{display}:{rule_line + 1}: suppression.{rule_key} has no targetName list; not changed; {manual}")
        holder, holder_key = value, target_key
        rule_line, rule_col = value.lc.key(target_key)
        value = value[target_key]
    if value is None:
        _expect_bare_key(lines, rule_line, display, manual)
        lines.insert_after(rule_line, " " * (rule_col + _seq_offset(lines, unit)) + entry)
        return
    if not isinstance(value, CommentedSeq):
        raise ConfigError(f"{display}:{rule_line + 1}: suppression.{rule_key} is not a list; not changed; {manual}")
    if value.fa.flow_style() or not value:  # an empty list can only be written "[]"
        _extend_flow_list(lines, holder, holder_key, value, name, entry, display, manual)
        return
    last_line, last_col = value.lc.item(len(value) - 1)
    dash_col = lines.content(last_line).rfind("-", 0, last_col)
    if dash_col < 0:
        raise ConfigError(f"{display}:{last_line + 1}: cannot find the list's dash; not changed; {manual}")
    end = _block_end(lines, last_line, dash_col)
    lines.insert_after(end, " " * dash_col + entry)


def _append_block(lines: _Lines, col: int, unit: int, entry: str) -> None:
    end = len(lines) - 1
    offset = _seq_offset(lines, unit)
    lines.insert_after(end, " " * col + "suppression:")
    lines.insert_after(end, " " * (col + unit) + f"{RULE_ID}:")
    lines.insert_after(end, " " * (col + unit + offset) + entry)


def _expect_bare_key(lines: _Lines, index: int, display: str, manual: str) -> None:
    """The key's line must end right after the colon (an empty value, maybe a comment)."""
    content = lines.content(index)
    after = content.split(":", 1)[1] if ":" in content else ""
    after = after.split(" #", 1)[0].strip()
    if after:
        raise ConfigError(f"{display}:{index + 1}: the value '{after}' would have to be replaced; not changed; {manual}")


def _extend_flow_list(lines: _Lines, holder: CommentedMap, key: str, seq: CommentedSeq, name: str,
                      entry: str, display: str, manual: str) -> None:
    line_no, col = holder.lc.value(key)
    content = lines.content(line_no)
    close = content.find("]", col)
    if close < 0 or "\n" in content[col:close]:
        raise ConfigError(f"{display}:{line_no + 1}: the flow list spans lines; not changed; {manual}")
    rest = content[close + 1:]
    if rest.strip() and not rest.strip().startswith("#"):
        raise ConfigError(f"{display}:{line_no + 1}: text follows the list; not changed; {manual}")
    inner = content[content.find("[", col) + 1:close]
    separator = ", " if inner.strip() else ""
    comment = entry.split("  # ", 1)[1] if "  # " in entry else ""
    new = content[:close].rstrip() if inner.strip() else content[:close]
    new = new + separator + _scalar(name) + "]"
    if rest.strip():
        new += rest
    elif comment:
        new += "  # " + comment
    lines.replace(line_no, new)


def _block_end(lines: _Lines, start: int, col: int) -> int:
    """The last content line of the block that starts on line ``start`` at column ``col``.

    Lines indented deeper than ``col`` belong to the block; trailing blank lines and
    comments do not (they usually introduce what comes next).
    """
    end = start
    for i in range(start + 1, len(lines)):
        content = lines.content(i)
        stripped = content.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(content) - len(stripped)
        if indent <= col:
            break
        end = i
    return end


def _indent_unit(lines: _Lines) -> int:
    """The file's mapping indentation step (2 unless the file shows another)."""
    for i in range(len(lines) - 1):
        content = lines.content(i)
        stripped = content.lstrip(" ")
        if not stripped or stripped.startswith(("#", "-")) or not stripped.rstrip().endswith(":"):
            continue
        for j in range(i + 1, len(lines)):
            nxt = lines.content(j)
            ns = nxt.lstrip(" ")
            if not ns or ns.startswith("#"):
                continue
            step = (len(nxt) - len(ns)) - (len(content) - len(stripped))
            if step > 0 and not ns.startswith("-"):
                return step
            break
    return 2


def _seq_offset(lines: _Lines, unit: int) -> int:
    """How far the file indents a list's dash from its key (0 or the indent unit)."""
    for i in range(len(lines) - 1):
        content = lines.content(i)
        stripped = content.lstrip(" ")
        if not stripped or stripped.startswith("#") or not stripped.rstrip().endswith(":"):
            continue
        for j in range(i + 1, len(lines)):
            nxt = lines.content(j)
            ns = nxt.lstrip(" ")
            if not ns or ns.startswith("#"):
                continue
            if ns.startswith("- "):
                return max(0, (len(nxt) - len(ns)) - (len(content) - len(stripped)))
            break
    return unit


def _expected_after(before: Any, name: str) -> Any:
    """``before`` (plain data) with ``name`` added to the Azure.ACR.Firewall list."""
    import copy

    data = copy.deepcopy(before) if before is not None else {}
    sup_key = _real_key(data, "suppression")
    if data.get(sup_key) is None:
        data[sup_key] = {}
    suppression = data[sup_key]
    rule_key = next((k for k in suppression if isinstance(k, str) and k.lower() in _RULE_NAMES), RULE_ID)
    value = suppression.get(rule_key)
    if isinstance(value, dict):
        target_key = _real_key(value, "targetName")
        value[target_key] = list(value.get(target_key) or []) + [name]
    else:
        suppression[rule_key] = list(value or []) + [name]
    return data


def _listed_names(data: Any) -> set[str]:
    if not isinstance(data, dict):
        return set()
    suppression = _get(data, "suppression")
    if not isinstance(suppression, dict):
        return set()
    names: set[str] = set()
    for key, value in suppression.items():
        if isinstance(key, str) and key.lower() in _RULE_NAMES:
            if isinstance(value, dict):
                value = _get(value, "targetName")
            if isinstance(value, list):
                names.update(v.lower() for v in value if isinstance(v, str))
    return names


_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def _scalar(name: str) -> str:
    """``name`` as a YAML scalar: plain when that reads back as the same string."""
    if _PLAIN_SAFE.match(name) and name.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "y", "n") \
            and not re.fullmatch(r"[0-9._+-]+(e[0-9+-]*)?", name, re.IGNORECASE):
        return name
    return json.dumps(name)


def _write_new(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise ConfigError(f"{path.name}: appeared while acr-fix was writing it; run again") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot create ({exc.strerror or exc})") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _replace(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically (see fixer.source.replace_bytes)."""
    try:
        replace_bytes(path, data)
    except WriteError as exc:
        raise ConfigError(str(exc)) from None
