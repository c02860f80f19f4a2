"""Plain data shared by every stage: syntax nodes, documents, resolved values, registries.

Both readers (ARM JSON in ``formats/arm/`` and Bicep in ``formats/bicep/``) produce the
same shapes, so the rule, the planner and the writer never look at a format's syntax.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from .source import SourceFile

Path_ = tuple[Any, ...]  # a semantic path inside a document's data, e.g. ("resources", 0, "sku", "name")


class Node:
    """A value in a template with its character span in the file text.

    kind: object | array | string | number | bool | null | expr. ``value`` holds the Python
    value of a scalar; for ``expr`` (a Bicep expression that is not a literal) it holds the
    source text. ``path`` is where the node sits in the document's data (see Document.data).

    An object or array may be *lazy*: its children are only parsed when first asked for
    (``members`` / ``items``), so big templates cost little beyond the parts acr-fix reads.
    """

    __slots__ = ("kind", "start", "end", "path", "value", "_members", "_items", "_expand")

    def __init__(self, kind: str, start: int, end: int, path: Path_ = (), value: Any = None,
                 members: list[Member] | None = None, items: list[Node] | None = None,
                 expand: Any = None) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.path = path
        self.value = value
        self._members = members
        self._items = items
        self._expand = expand   # callable(node) that fills _members/_items on first use

    def _load(self) -> None:
        expand, self._expand = self._expand, None
        expand(self)

    @property
    def members(self) -> list[Member] | None:
        if self._expand is not None:
            self._load()
        return self._members

    @members.setter
    def members(self, value: list[Member] | None) -> None:
        self._members = value

    @property
    def items(self) -> list[Node] | None:
        if self._expand is not None:
            self._load()
        return self._items

    @items.setter
    def items(self, value: list[Node] | None) -> None:
        self._items = value

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.start}-{self.end}, path={self.path!r})"

    # Sent between processes (parallel runs) detached: span, path and scalar value only.
    # Everything that reads children happens in the worker, before results are sent back.
    def __getstate__(self) -> tuple:
        return (self.kind, self.start, self.end, self.path, self.value)

    def __setstate__(self, state: tuple) -> None:
        self.kind, self.start, self.end, self.path, self.value = state
        self._members = None
        self._items = None
        self._expand = None

    def member(self, key: str) -> Member | None:
        """The member named ``key`` (case-insensitive, as ARM and Bicep property names are)."""
        members = self.members
        if not members:
            return None
        lowered = key.lower()
        for member in members:
            if member.key.lower() == lowered:
                return member
        return None

    def get(self, key: str) -> Node | None:
        found = self.member(key)
        return found.value if found else None


@dataclass(eq=False)
class Member:
    """``key: value`` inside an object. ``start`` is where the key starts."""

    key: str
    start: int
    key_end: int
    value: Node


class Dialect(Protocol):
    """How a format spells values and where it puts separators; used to build edits."""

    name: str

    def literal(self, value: Any, indent: str, unit: str, eol: str) -> str:
        """Render a plain value (str, bool, int, list, dict) in this format."""
        ...

    def insert_member(self, doc: Document, obj: Node, key: str, value: Any) -> list[Any]:
        """Edits that add ``key: value`` as the last member of ``obj``."""
        ...

    def append_item(self, doc: Document, array: Node, value: Any) -> list[Any]:
        """Edits that add ``value`` as the last item of ``array``."""
        ...


@dataclass(eq=False)
class Document:
    """A parsed file: its source, syntax root, dialect and plain data for semantic diffs."""

    source: SourceFile
    root: Node
    dialect: Any
    kind: str  # "arm" | "arm-params" | "bicep" | "bicepparam"
    data: Any = None

    @property
    def path(self):
        return self.source.path

    def __getstate__(self) -> dict:
        # The plain data and caches stay in the worker; reports only need the source.
        state = dict(self.__dict__)
        state["data"] = None
        state.pop("_old_data", None)
        return state

    def line(self, node: Node | int) -> int:
        return self.source.line_of(node if isinstance(node, int) else node.start)

    def path_to(self, other: "Document") -> str:
        """``other``'s path as seen from this file's folder (`../main.bicep`): callers of one
        module or linked template often share a file name, so the name alone is not enough,
        and the path does not depend on where acr-fix was started."""
        try:
            return Path(os.path.relpath(other.path, self.path.parent)).as_posix()
        except ValueError:  # another drive (Windows)
            return other.path.as_posix()


class Origin(str, Enum):
    """Where a value really comes from."""

    LITERAL = "literal"
    PARAMETER_DEFAULT = "parameter default"
    PARAMETER_FILE = "parameter file"
    VARIABLE = "variable"
    MODULE_CALLER = "module caller"
    EXPRESSION = "expression"
    ABSENT = "absent"
    NO_VALUE = "parameter without value"


@dataclass(eq=False)
class Resolved:
    """The value of one property after following parameters, variables and parameter files.

    ``value`` is the resolved string (None when absent or unknown). ``node`` and ``doc`` say
    where the value is defined, which is where a fix must edit it. For parameters,
    ``allowed`` is the allowedValues / @allowed list that may need the new value too.
    """

    origin: Origin
    value: str | None = None
    doc: Document | None = None
    node: Node | None = None
    detail: str = ""
    allowed: Node | None = None
    allowed_doc: Document | None = None
    param: str | None = None        # the parameter's name, when the value comes from one
    # Bicep: the parameter's type when it is a union of string literals ('Basic' | 'Standard'),
    # which a new value must join: (doc, offset after the last member, values, data path);
    # or a sentence saying why that type cannot be edited here (it is imported).
    allowed_type: Any = None
    variable: str | None = None     # the variable's name, when the value comes from one
    symbol_doc: Any = None          # the document that declares that parameter or variable
    # When the place that defines the value is also used by other resources: who (for the
    # message). Changing it there would change them too, so the planner leaves it alone.
    shared: str | None = None
    # For ABSENT: the object the property would go into (None when that object is missing too).
    # An ABSENT value's ``node`` is a null written there, or the expression that leaves it unset.
    parent: Node | None = None
    # Other places that define the same value for other deployments (e.g. a second parameter
    # file, dev and prod): a fix must change them too.
    also: list["Resolved"] = field(default_factory=list)
    # A choice `cond ? a : b` whose branches are known: (the condition's text, (a, b)), a
    # branch None when it leaves the property unset. Two properties chosen by the same
    # condition are read together by the rule.
    branches: tuple[str, tuple[str | None, str | None]] | None = None
    # The parameters a condition read to pick this value (`env == 'prod' ? 'Disabled' :
    # 'Enabled'`): a fix that changes one of them could change the value too.
    reads: frozenset[str] = frozenset()

    @property
    def known(self) -> bool:
        return self.origin not in (Origin.EXPRESSION, Origin.NO_VALUE)

    def describe(self) -> str:
        if self.origin == Origin.ABSENT:
            return "not set"
        if self.origin in (Origin.EXPRESSION, Origin.NO_VALUE):
            if self.value is not None:  # an expression whose value is known (not editable there)
                return f"'{self.value}' ({self.detail})" if self.detail else f"'{self.value}'"
            return f"{self.detail}" if self.detail else "an expression"
        where = f" ({self.detail})" if self.detail else ""
        described = f"'{self.value}'{where}"
        for other in self.also:
            if other.value is not None:
                described += f", '{other.value}' ({other.detail})" if other.detail else f", '{other.value}'"
            elif other.origin == Origin.ABSENT:
                described += f", not set ({other.detail})" if other.detail else ", not set"
            # a deployment whose value cannot be read: its detail says why (see rule.problem)
        return described


@dataclass(eq=False)
class Registry:
    """One ``Microsoft.ContainerRegistry/registries`` resource as a reader found it."""

    doc: Document
    # The name suppressions, overrides and fingerprints match: the literal name, else the
    # symbolic name, else the expression text. What people read is ``label`` / ``shown_name``.
    name: str
    node: Node              # the resource object (ARM) / body object (Bicep)
    line: int
    api_version: Resolved
    sku_name: Resolved
    public_network_access: Resolved
    default_action: Resolved
    bypass: Resolved
    properties: Node | None           # the resource's properties object, if any
    network_rule_set: Node | None     # properties.networkRuleSet object, if any
    ip_rules: Node | None             # properties.networkRuleSet.ipRules array, if any
    sku: Node | None                  # the sku object, if any
    api_version_edit: Any = None           # format hook: callable(new_version) -> list[Edit]
    symbolic: str | None = None
    existing: bool = False
    has_private_endpoint: bool = False
    property_keys: frozenset[str] = frozenset()   # keys used under properties (lower-case)
    network_rule_set_keys: frozenset[str] = frozenset()
    inline_ignore: str | None = None     # reason from an "acr-fix: ignore" comment
    checkov_skip: str | None = None      # reason from a "checkov:skip=CKV_AZURE_139" comment
    notes: list[str] = field(default_factory=list)
    index: int = 0                       # position among the registries of its file
    # "resource", or "avm-module": a call of the Azure Verified Module
    # br/public:avm/res/container-registry/registry, whose params decide the network access;
    # "classic-module": a call of the public module before it, br/public:compute/container-registry;
    # "unreadable-module": a call of another remote module that deploys a registry (a check by hand);
    # "pattern-module": a call of an AVM pattern (avm/ptn/...) that deploys one through the AVM
    # registry module, read from the params it passes on
    flavor: str = "resource"
    module_action: Resolved | None = None   # avm-module: the networkRuleSetDefaultAction param as given
    # avm-module: `networkRuleSetIpRules: []` makes the module write a Deny networkRuleSet (0.12.0 on)
    module_empty_rules_deny: bool = True
    # Other resources of the template that pull from the registry (its login server or
    # credentials), e.g. "Microsoft.Web/sites 'app' (line 41)": a fix may cut them off.
    clients: list[str] = field(default_factory=list)
    # Declarations that pull from the registry through module outputs (`acr.outputs.loginServer`
    # in the files that deploy its module, or in its own file for a registry module call), with
    # their file: "Microsoft.App/containerApps 'app' (../main.bicep line 17)".
    output_clients: list[str] = field(default_factory=list)
    # classic-module / unreadable-module / pattern-module: the module reference, as written
    module_path: str | None = None
    # pattern-module: the pattern params that set the registry's SKU and its publicNetworkAccess
    # (None: the pattern passes none), and what else that access param sets (None: nothing)
    module_sku_param: str | None = None
    module_access_param: str | None = None
    module_access_shared: str | None = None
    # Where the declaration begins when that is not where ``node`` does (Bicep: the
    # `resource`/`module` keyword, not the body's brace): reports point there.
    declared_at: int | None = None
    # A reader's reason this registry is a check by hand whatever its values say, unless they
    # pass (Bicep: something it depends on is in a statement the grammar cannot read).
    manual_reason: str | None = None

    @property
    def column(self) -> int:
        return self.doc.source.column_of(self.node.start if self.declared_at is None else self.declared_at)

    # Resources (deployment scripts) that run `az acr import` into or from the registry: the
    # registry service does the copy, which passes a closed registry as a trusted service.
    importers: list[str] = field(default_factory=list)
    # The condition the registry is deployed under (`if (...)` in Bicep, `condition` in ARM),
    # as written; None when it is always deployed.
    condition_text: str | None = None
    # The name as reports show it: the value the name resolves to (a parameter default or
    # file, a module caller), else the name expression in a short readable form (the Bicep
    # source text; ARM's `[format('{0}acr', parameters('prefix'))]` as `format('{0}acr', prefix)`).
    # None: ``name`` itself is the literal name.
    shown_name: str | None = None
    shown_is_expression: bool = False

    @property
    def display_name(self) -> str:
        return self.shown_name if self.shown_name is not None else self.name

    @property
    def label(self) -> str:
        """The name for a sentence: 'contosoacr', or `format('{0}acr', prefix)` for an expression."""
        return f"`{self.display_name}`" if self.shown_is_expression else f"'{self.display_name}'"

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["api_version_edit"] = None  # a closure over the syntax tree; only the planner calls it
        return state
