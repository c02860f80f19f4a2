"""Bicep templates (``.bicep``) and parameter files (``.bicepparam``), read with tree-sitter-bicep.

This is the only module that imports tree_sitter or knows the grammar's node names. It
turns the syntax tree into the generic ``Node``s of ``model.py`` (character offsets into
``SourceFile.text``), finds every ``Microsoft.ContainerRegistry/registries`` resource, and
follows the values the rule depends on through ``param`` defaults and ``@allowed`` lists,
``.bicepparam`` files, ``var``s, module callers and ternaries.

``Document.data`` of a ``.bicep`` file::

    {"targetScope": ..., "metadata": {name: value},
     "param": {name: {"type": "string", "default": value, "allowed": [...]}},
     "var": {name: value}, "output": {name: value},
     "resource": {symbolic: body}, "resource_type": {symbolic: "Type@apiVersion"},
     "module": {symbolic: body}}

(nested child resources as ``"parent::child"``, Bicep's own spelling), and of a
``.bicepparam`` file ``{"using": "./main.bicep", "param": {name: value}, "var": {...}}``.
Expressions are kept as their source text. Every Node's ``path`` is its path in that data.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import tree_sitter_bicep
from tree_sitter import Language, Parser, Query, QueryCursor, Tree
from tree_sitter import Node as SyntaxNode

from .. import REGISTRY_TYPE
from ..edits import Edit, detect_indent_unit, insert_entries, line_start, same_line
from ..errors import ParseError
from ..model import Document, Member, Node, Origin, Registry, Resolved
from ..source import SourceFile
from ..workspace import Workspace, file_key
from .module_refs import AVM_REGISTRY, CLASSIC_REGISTRY, PATTERN_REGISTRY, deploys_unmodelled_registry, version_of
from . import values
from .values import Known
from .base import imports_images, registry_role_in
from .. import consumers
from ..consumers import Consumer

MAX_DEPTH = 200            # object/array nesting; deeper input is refused, not recursed into
_MAX_RESOLVE_DEPTH = 12    # parameter -> variable -> caller hops before we give up
_MAX_PARAM_FILE_SCAN = 400  # .bicepparam candidates looked at below a template's directory
PRIVATE_ENDPOINT_TYPE = "microsoft.network/privateendpoints"


def _type_name(type_node: Node) -> str:
    """The lower-case resource type of a `'Type@apiVersion'` string, also when the API version
    is interpolated (`'Microsoft.ContainerRegistry/registries@${apiVersion}'`, filled in by a
    build tool): the type itself is still literal. '' when the type is not."""
    if type_node.kind == "string":
        text = type_node.value
    elif type_node.kind == "expr" and str(type_node.value).startswith("'"):
        text = str(type_node.value)[1:]
        at, hole = text.find("@"), text.find("${")
        if at == -1 or (hole != -1 and hole < at):
            return ""
    else:
        return ""
    return text.split("@", 1)[0].strip().lower()
SPREAD = "..."  # key prefix of a spread member (`...base`) in an object

_LANGUAGE = Language(tree_sitter_bicep.language())
_COMMENTS = Query(_LANGUAGE, "(comment) @comment")
_LOCAL = threading.local()  # tree-sitter parsers are not thread-safe; one per thread

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_IGNORE = re.compile(r"acr-fix:\s*ignore\b[ \t:=-]*([^\n*]*)", re.IGNORECASE)
_CHECKOV = re.compile(r"checkov:skip=CKV_AZURE_139\b[ \t:]*([^\n*]*)", re.IGNORECASE)
_REMOTE_MODULE = re.compile(r"^(br|ts)[:/]", re.IGNORECASE)


def _parser() -> Parser:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = Parser(_LANGUAGE)
    return parser


# --------------------------------------------------------------------------- grammar gaps
#
# tree-sitter-bicep 1.1 lags the language in a few places that real templates use (the
# Azure Verified Modules in particular): non-null assertions (`x.?y!`), type expressions
# such as `resourceInput<'...'>.tags?` or `lockType?` before an `import`, and the
# `param name = value` form of .bicepparam files. Before parsing we rewrite exactly those
# spots to something the grammar knows, character for character and ASCII for ASCII, so
# every offset stays valid; values are always read from the original text.

_CODE_TOKEN = re.compile(r"\$'''|'''|'|//|/\*|\n|!|\^|\.\.\.|[{(\[]|[})\]]")
_STRING_BODY = re.compile(r"(?:[^'\\$\n]|\\.|\$(?!\{))*", re.S)
_DECLARATION = re.compile(r"[ \t]*(param|output|var)[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*")
# Statements the grammar does not know and acr-fix never needs: `extension x [with {...}] [as y]`,
# the older `provider ...` / `import 'name@version' ...`, and `using none` in .bicepparam files.
_OPAQUE_STATEMENT = re.compile(r"[ \t]*(?:extension|provider|extends)[ \t]|[ \t]*import\b|[ \t]*using[ \t]+none\b")
# `using 'main.bicep' with { ... }` (.bicepparam): the target is kept, the `with` block masked
_USING_WITH = re.compile(r"[ \t]*using[ \t]+'[^'\n]*'[ \t]*(with)\b")
# `type name = <value>`: acr-fix reads only string unions from types, from the text itself, so
# a value the grammar cannot read (`(\n | 'a'\n | 'b')`, `(1 | 2)`) becomes `string`.
_TYPE_DECLARATION = re.compile(r"[ \t]*type[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*")
_UNION_CONTINUES = re.compile(r"[ \t]*\r?\n[ \t]*\|")
_EXISTING_IF = re.compile(r"\bexisting[ \t]*=[ \t]*(if)[ \t]*\(")
_TYPE_ARGUMENT = re.compile(r"'[^'\n]*'>")  # resourceInput<'Type@version'>: only a type, never a value
_IDENT_CHAR = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _mask_for_grammar(text: str, kind: str, masked_types: dict[str, tuple[int, int]] | None = None,
                      join_paren_lines: bool = False) -> tuple[str, set[int]]:
    """Return (text the grammar can parse, offsets of .bicepparam ``param`` keywords).

    The result has the same length as ``text`` and differs only in ASCII characters.
    ``masked_types`` receives name -> (start, end) of each `type` value that was replaced."""
    spans: list[tuple[int, int, str]] = []
    whole: list[tuple[int, int, str]] = []   # statements replaced as a whole: applied last, so they win
    param_keywords: set[int] = set()
    n = len(text)
    depth = 0                  # bracket depth in code (top-level statements at 0)
    interpolations: list[int] = []  # bracket depth at which each open ${ ... } closes

    def statement(pos: int) -> None:
        if _OPAQUE_STATEMENT.match(text, pos):
            end = _statement_end(text, pos)
            whole.append((pos, end, "".join(ch if ch in "\r\n" else " " for ch in text[pos:end])))
            return
        using_with = _USING_WITH.match(text, pos)
        if using_with is not None:
            end = _statement_end(text, using_with.start(1))
            whole.append((using_with.start(1), end,
                          "".join(ch if ch in "\r\n" else " " for ch in text[using_with.start(1):end])))
            return
        declared_type = _TYPE_DECLARATION.match(text, pos)
        if declared_type is not None and kind == "bicep":
            value_start = declared_type.end()
            value_end = _statement_end(text, value_start, angles=True)
            # a union may continue on lines that start with `|`
            while True:
                following = _UNION_CONTINUES.match(text, value_end)
                if following is None:
                    break
                value_end = _statement_end(text, following.end())
            value_end = value_start + len(text[value_start:value_end].rstrip())
            if value_end - value_start >= len("string"):
                body = "".join(ch if ch in "\r\n" else " " for ch in text[value_start:value_end])
                whole.append((value_start, value_end, "string" + body[6:]))
                if masked_types is not None:
                    masked_types[declared_type.group(1)] = (value_start, value_end)
            return
        match = _DECLARATION.match(text, pos)
        if match is None:
            return
        if match.group(1) == "var":
            # `var name type = value` (typed variables): the grammar wants no type; drop it.
            if match.end() > match.end(2):
                type_end = _type_end(text, match.end())
                declared = text[match.end():type_end].rstrip(" \t") if type_end is not None else ""
                if declared:
                    spans.append((match.end(), match.end() + len(declared), " " * len(declared)))
            return
        if kind == "bicepparam":
            if match.group(1) == "param":
                param_keywords.add(match.start(1))
                spans.append((match.start(1), match.end(1), "var  "))
            return
        type_start = match.end()
        if type_start == match.end(2):
            return  # no space before the type: not a declaration we need to help with
        type_end = _type_end(text, type_start)
        if type_end is None:
            return
        declared = text[type_start:type_end].rstrip(" \t")
        if declared == "resource":
            # `output acr resource = acr` (a resource-typed output): the keyword is no type name
            spans.append((type_start, type_start + len(declared), "object  "))
        elif declared and not _IDENTIFIER.match(declared) and "{" not in declared:
            masked = "".join(ch if ch in _IDENT_CHAR else "_" for ch in declared)
            spans.append((type_start, type_start + len(declared), masked))

    openers: list[str] = []    # "{", "(", "[" or "$" (an interpolation) for each open bracket
    statement(0)
    pos = 0
    while pos < n:
        match = _CODE_TOKEN.search(text, pos)
        if match is None:
            break
        token = match.group(0)
        start = match.start()
        pos = match.end()
        if token == "'''":
            close = text.find("'''", pos)
            pos = n if close == -1 else close + 3
        elif token == "'":
            if _TYPE_ARGUMENT.match(text, start) and text[max(0, start - 15):start].endswith(("resourceInput<", "resourceOutput<")):
                argument = _TYPE_ARGUMENT.match(text, start)
                assert argument is not None
                spans.append((start - 1, argument.end(), "_" * (argument.end() - start + 1)))
                pos = argument.end()
                continue
            pos = _skip_string(text, pos, interpolations, depth, spans)
            if pos < 0:  # entered an interpolation
                pos = -pos
                depth += 1
                interpolations.append(depth)
                openers.append("$")
        elif token == "...":
            # Spread (`...tags`): in an object it becomes a `_: tags` member (the reader
            # knows it by the original text), in an array a plain item.
            if openers and openers[-1] == "{":
                spans.append((start, pos, "_: "))
            elif openers and openers[-1] == "[":
                spans.append((start, pos, "   "))
        elif token == "//":
            newline = text.find("\n", pos)
            pos = n if newline == -1 else newline
            if join_paren_lines and openers and openers[-1] == "(":
                spans.append((start, pos, " " * (pos - start)))  # its line break becomes a space below
        elif token == "/*":
            close = text.find("*/", pos)
            pos = n if close == -1 else close + 2
        elif token == "\n":
            if depth == 0:
                statement(pos)
                line_end = text.find("\n", pos)
                existing_if = _EXISTING_IF.search(text, pos, n if line_end == -1 else line_end)
                if existing_if is not None:
                    close = _matching_paren(text, existing_if.end() - 1)
                    if close is not None:
                        spans.append((existing_if.start(1), close + 1, " " * (close + 1 - existing_if.start(1))))
            elif join_paren_lines and openers and openers[-1] == "(":
                # a line break inside a call's parentheses: newer Bicep allows it, the grammar not
                spans.append((start, pos, " "))
                if start > 0 and text[start - 1] == "\r":
                    spans.append((start - 1, start, " "))
        elif token == "^":
            if start > 0 and text[start - 1] == "[":
                spans.append((start, pos, " "))  # `[^1]`: an index from the end
        elif token == "$'''":
            # an interpolated multi-line string: parsed as a plain one (the reader values it as an expression)
            spans.append((start, start + 1, " "))
            close = text.find("'''", pos)
            pos = n if close == -1 else close + 3
        elif token == "!":
            before = text[start - 1] if start else ""
            after = text[pos] if pos < n else ""
            if (before in _IDENT_CHAR or before in ")]") and after != "=":
                spans.append((start, pos, " "))
        elif token in "{([":
            depth += 1
            openers.append(token)
        else:
            if interpolations and interpolations[-1] == depth:
                interpolations.pop()
                depth -= 1
                if openers:
                    openers.pop()
                pos = _skip_string(text, pos, interpolations, depth, spans)
                if pos < 0:
                    pos = -pos
                    depth += 1
                    interpolations.append(depth)
                    openers.append("$")
                continue
            depth = max(0, depth - 1)
            if openers:
                openers.pop()
    if not spans and not whole:
        return text, param_keywords
    # Spans may overlap (a masked type holding a masked `resourceInput<...>`); every
    # replacement has the length of what it replaces, so apply them character by character.
    replaced: dict[int, str] = {}
    for begin, end, replacement in spans + whole:
        assert len(replacement) == end - begin
        for offset, char in enumerate(replacement):
            replaced[begin + offset] = char
    out: list[str] = []
    last = 0
    for position in sorted(replaced):
        out.append(text[last:position])
        out.append(replaced[position])
        last = position + 1
    out.append(text[last:])
    return "".join(out), param_keywords


def _skip_string(text: str, pos: int, interpolations: list[int], depth: int,
                 spans: list[tuple[int, int, str]]) -> int:
    """Offset after the single-quoted string whose body starts at ``pos``; the negated
    offset after ``${`` when an interpolation starts (the caller tracks it).

    The grammar lexes ``/*`` inside a string as the start of a comment (`routePattern:
    '/*'`), so the star is masked in the text it parses."""
    match = _STRING_BODY.match(text, pos)
    end = match.end() if match else pos
    comment_open = text.find("/*", pos, end)
    while comment_open != -1:
        spans.append((comment_open + 1, comment_open + 2, " "))
        comment_open = text.find("/*", comment_open + 2, end)
    if text.startswith("${", end):
        return -(end + 2)
    if end < len(text) and text[end] == "'":
        return end + 1
    return end  # unterminated at a line end: let the grammar report it


_UNION_MEMBER = re.compile(r"'((?:[^'\\\n]|\\.)*)'")
# `import {...}` at the start of a line (checked by the caller: a literal first is much faster
# than a line-anchored pattern, which is tried at every line of every file)
_IMPORT_BLOCK = re.compile(r"import[ \t]*\{([^}]*)\}")


def _union_from_text(text: str, start: int, end: int, path: tuple) -> "_Union | None":
    """A string-literal union written in ``text[start:end]`` (`'a' | 'b'`, `(\n | 'a'\n | 'b')`)."""
    value = text[start:end]
    members = list(_UNION_MEMBER.finditer(value))
    if not members:
        return None
    rest = _UNION_MEMBER.sub("", value)
    if rest.strip(" \t\r\n|()"):
        return None  # something else than string literals
    values = [_ESCAPE.sub(lambda m: _unescape(m.group(0)), m.group(1)) for m in members]
    return _Union(end=start + members[-1].end(), values=values, path=path)


# `import { a, b as c } from './x.bicep'` and `import * as ns from './x.bicep'`
_IMPORT_FROM = re.compile(r"^[ \t]*import[ \t]*(?:\{([^}]*)\}|\*[ \t]*as[ \t]+([A-Za-z_][A-Za-z0-9_]*))[ \t\r\n]*"
                          r"from[ \t]+'([^'\n]*)'", re.M)
_IMPORT_ITEM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?$")


def _imports(text: str) -> dict[str, tuple[str, str | None]]:
    """Compile-time imports: local name -> (path as written, exported name; None for a
    namespace `import * as ns`). Items that are not plain names are left out."""
    found: dict[str, tuple[str, str | None]] = {}
    if "import" not in text:
        return found
    for match in _IMPORT_FROM.finditer(text):
        items, namespace, path = match.group(1), match.group(2), match.group(3)
        if namespace:
            found[namespace] = (path, None)
            continue
        for item in re.sub(r"//[^\n]*|/\*.*?\*/", "", items or "", flags=re.S).split(","):
            named = _IMPORT_ITEM.match(item.strip())
            if named:
                found[named.group(2) or named.group(1)] = (path, named.group(1))
    return found


def _imported_names(text: str) -> set[str]:
    """Names `import { a, b as c } from '...'` brings in (the local names: a, c)."""
    names: set[str] = set()
    if "import" not in text:
        return names  # the common case, without running a line-anchored regex over the file
    block = _IMPORT_BLOCK.search(text)
    while block is not None:
        line_start = text.rfind("\n", 0, block.start()) + 1
        if text[line_start:block.start()].strip(" \t"):
            block = _IMPORT_BLOCK.search(text, block.start() + 1)  # not at the start of its line
            continue
        for item in re.split(r"[,\n]", block.group(1)):
            words = item.split()
            if words:
                names.add(words[-1])
        block = _IMPORT_BLOCK.search(text, block.end())
    return names


def _after_string(text: str, i: int) -> int:
    """Offset after the string literal starting at ``text[i] == "'"`` (escapes and
    ''' multi-line strings understood); len(text) when it is unterminated."""
    if text.startswith("\'\'\'", i):
        close = text.find("\'\'\'", i + 3)
        return len(text) if close == -1 else close + 3
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "'":
            return j + 1
        if ch == "\n":
            return j
        j += 1
    return n


def _matching_paren(text: str, open_at: int) -> int | None:
    """Offset of the `)` that closes the `(` at ``open_at`` (strings skipped), or None."""
    depth = 0
    i = open_at
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            i = _after_string(text, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _statement_end(text: str, pos: int, angles: bool = False) -> int:
    """End of a top-level statement starting at ``pos``: the end of its line, or of the
    line where its braces close (`extension x with {` ... `} as y`). With ``angles``, `<`
    and `>` pair up too (type expressions such as `resourceInput<` on several lines)."""
    depth = 0
    i = pos
    n = len(text)
    opening = "{[(<" if angles else "{[("
    closing = "}])>" if angles else "}])"
    while i < n:
        ch = text[i]
        if ch == "'":
            i = _after_string(text, i)
            continue
        if ch == "/" and text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline == -1 else newline  # the line break itself is looked at next
            continue
        if ch == "/" and text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close == -1 else close + 2
            continue
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        elif ch == "\n" and depth <= 0:
            return i
        i += 1
    return n


def _type_end(text: str, pos: int) -> int | None:
    """End of a one-line type expression after ``param name ``; None if it spans lines."""
    depth = 0
    i = pos
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            close = text.find("'", i + 1)
            if close == -1 or "\n" in text[i:close]:
                return None
            i = close + 1
            continue
        if ch in "([<{":
            depth += 1
        elif ch in ")]>}":
            depth -= 1
        elif ch == "\n" or text.startswith("//", i) or text.startswith("/*", i):
            break
        elif ch == "=" and depth == 0:
            break
        i += 1
    if depth != 0:
        return None
    end = i
    if end > pos and text[end - 1] == "\r":
        end -= 1
    return end


# --------------------------------------------------------------------------- offsets

class _Offsets:
    """tree-sitter byte offsets -> character offsets into the text (identity for ASCII)."""

    def __init__(self, text: str) -> None:
        self.ascii = text.isascii()
        self._byte_starts: list[int] = []
        self._extra_after: list[int] = []
        self._char_starts: list[int] = []   # character offset of each non-ASCII character
        if self.ascii:
            return
        extra = 0
        for match in re.finditer(r"[^\x00-\x7f]", text):
            code = ord(match.group(0))
            width = 2 if code < 0x800 else 3 if code < 0x10000 else 4
            self._byte_starts.append(match.start() + extra)
            self._char_starts.append(match.start())
            extra += width - 1
            self._extra_after.append(extra)

    def byte(self, char_offset: int) -> int:
        """The inverse of ``char``: a character offset as a UTF-8 byte offset."""
        if self.ascii:
            return char_offset
        index = bisect.bisect_left(self._char_starts, char_offset) - 1
        return char_offset + (self._extra_after[index] if index >= 0 else 0)

    def char(self, byte_offset: int) -> int:
        if self.ascii:
            return byte_offset
        index = bisect.bisect_left(self._byte_starts, byte_offset) - 1
        return byte_offset - (self._extra_after[index] if index >= 0 else 0)


# --------------------------------------------------------------------------- syntax side table

@dataclass(eq=False)
class _Param:
    name: str
    start: int
    type_text: str
    default: Node | None
    allowed: Node | None
    union: "_Union | None" = None      # a string-literal union type, inline or through a `type` alias
    type_name: str | None = None       # the alias the parameter's type names, if any


def _deployable_alone(doc: Document) -> bool:
    """Whether a Bicep file can be deployed on its own: every parameter has a default or is
    nullable (`string?`), so `az deployment group create -f` needs no value."""
    params = _syntax_of(doc).params.values()
    return bool(params) and all(p.default is not None or p.type_text.rstrip().endswith("?") for p in params)


@dataclass(eq=False)
class _Span:
    start: int
    end: int


@dataclass(eq=False)
class _Union:
    """`'Basic' | 'Standard'`: where a new member goes and what is there."""

    end: int
    values: list[str]
    path: tuple


@dataclass(eq=False)
class _Resource:
    symbolic: str
    type_node: Node           # the 'Type@apiVersion' string
    body: Node | None         # the object, also inside if/for
    existing: bool
    start: int                # the `resource` keyword
    end: int
    head: int                 # first decorator, else start
    syntax: SyntaxNode
    loop: bool = False
    condition: bool = False


@dataclass(eq=False)
class _Module:
    symbolic: str
    path: str | None
    body: Node | None
    start: int
    end: int
    syntax: SyntaxNode


@dataclass(eq=False)
class _Syntax:
    """What the generic Nodes do not carry: tree-sitter nodes and declarations by name."""

    offsets: _Offsets
    text: str
    expressions: dict[int, SyntaxNode] = field(default_factory=dict)   # id(Node) -> syntax
    containers: dict[int, SyntaxNode] = field(default_factory=dict)    # id(object/array Node) -> syntax
    params: dict[str, _Param] = field(default_factory=dict)
    variables: dict[str, Node] = field(default_factory=dict)
    resources: list[_Resource] = field(default_factory=list)
    modules: list[_Module] = field(default_factory=list)
    using: str | None = None
    types: dict[str, _Union | None] = field(default_factory=dict)   # `type` aliases (None: not a string union)
    root: SyntaxNode | None = None
    tree: Tree | None = None          # kept when parsed from the text as written (see _reparse)
    uses: dict[str, list[int]] | None = None
    outputs: list["_Span"] = field(default_factory=list)
    imported: set[str] = field(default_factory=set)                  # names brought in by `import {...}`
    # compile-time imports: local name -> (the file, the exported name; None for `* as name`)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    opened: dict[int, int] = field(default_factory=dict)             # see _unparen_conditions

    def comments_between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """(start, end, text) of the comments that start in [start, end), in file order.
        Only the window is searched (most of a file never needs its comments)."""
        window = self.text[start:end]
        if "//" not in window and "/*" not in window:
            return []
        found: list[tuple[int, int, str]] = []
        if self.root is None:
            return found
        cursor = QueryCursor(_COMMENTS)
        cursor.set_byte_range(self.offsets.byte(start), self.offsets.byte(end))
        for node in cursor.captures(self.root).get("comment", []):
            first, last = self.span(node)
            if start <= first < end:
                found.append((first, last, self.text[first:last]))
        found.sort()
        return found

    def span(self, syntax: SyntaxNode) -> tuple[int, int]:
        start = self.offsets.char(syntax.start_byte)
        if self.opened and start in self.opened and syntax.type == "ternary_expression":
            start = self.opened[start]  # its condition's `(` was blanked for the grammar
        return start, self.offsets.char(syntax.end_byte)

    def source_text(self, syntax: SyntaxNode) -> str:
        start, end = self.span(syntax)
        return self.text[start:end]


_SYNTAX: "weakref.WeakKeyDictionary[Document, _Syntax]" = weakref.WeakKeyDictionary()


def release(doc: Document) -> None:
    """Forget the syntax tree kept for ``doc`` (after planning and verification)."""
    _SYNTAX.pop(doc, None)


def _syntax_of(doc: Document) -> _Syntax:
    try:
        return _SYNTAX[doc]
    except KeyError:
        raise ValueError(f"{doc.path}: not a document read by the Bicep reader") from None


# --------------------------------------------------------------------------- parsing

def _point(text: str, offset: int) -> tuple[int, int]:
    """tree-sitter's (row, byte column) of a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset), len(text[line_start:offset].encode("utf-8"))


def _after(point: tuple[int, int], inserted: str) -> tuple[int, int]:
    """The point where ``inserted`` ends when it is inserted at ``point``."""
    lines = inserted.count("\n")
    if not lines:
        return point[0], point[1] + len(inserted.encode("utf-8"))
    return point[0] + lines, len(inserted[inserted.rfind("\n") + 1:].encode("utf-8"))


def _reparse(previous: "_Syntax", text: str, edits: list[Edit]) -> Tree | None:
    """``text`` (the previous text with ``edits`` applied) parsed incrementally: tree-sitter
    re-reads only around the edits and reuses the rest of the previous tree, and the result
    is the tree a full parse would give. None if it has an error (the caller then parses in
    full, with the grammar-gap rewrites)."""
    assert previous.tree is not None
    tree = previous.tree.copy()  # the previous document keeps its own tree
    old_text, offsets = previous.text, previous.offsets
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        # from the last edit to the first: earlier offsets stay valid
        start_point = _point(old_text, edit.start)
        start_byte = offsets.byte(edit.start)
        tree.edit(start_byte=start_byte, old_end_byte=offsets.byte(edit.end),
                  new_end_byte=start_byte + len(edit.text.encode("utf-8")),
                  start_point=start_point, old_end_point=_point(old_text, edit.end),
                  new_end_point=_after(start_point, edit.text))
    reparsed = _parser().parse(text.encode("utf-8"), tree)
    return None if reparsed.root_node.has_error else reparsed


def parse(source: SourceFile, previous: "tuple[Document, list[Edit]] | None" = None) -> Document:
    """Parse a .bicep or .bicepparam file. Raises ParseError (one line, with its line number).

    ``previous``: the document this text was made from by ``edits`` (the writer's re-parse of
    its own result): its tree is reused where the file needed no grammar-gap rewrites."""
    kind = "bicepparam" if source.path.suffix.lower() == ".bicepparam" else "bicep"
    text = source.text
    tree = None
    param_keywords: set[int] = set()
    masked_types: dict[str, tuple[int, int]] = {}
    if kind == "bicep" and previous is not None:
        old_syntax = _SYNTAX.get(previous[0])
        if old_syntax is not None and old_syntax.tree is not None and "/*" not in text:
            tree = _reparse(old_syntax, text, previous[1])
    if tree is None and kind == "bicep" and "/*" not in text:
        # Most files need none of the rewrites below: try the text as it is first. ('/*' in
        # a string parses as a comment without an error, so such files always get masked.)
        tree = _parser().parse(text.encode("utf-8"))
        if tree.root_node.has_error:
            tree = None
    if tree is not None and _misread_conditions(tree, text):
        tree = None  # `(cond) ? a : b` read as a nullable type: parse the rewritten text
    as_written = tree  # parsed from the text itself, without rewrites: reusable incrementally
    opened: dict[int, int] = {}
    if tree is None:
        masked, param_keywords = _mask_for_grammar(text, kind, masked_types)
        masked = _unparen_conditions(masked, opened)
        tree = _parser().parse(masked.encode("utf-8"))
        if tree.root_node.has_error and kind == "bicep":
            # last resort: calls whose arguments span lines (`resourceGroup(\n  ...\n)`)
            joined_types: dict[str, tuple[int, int]] = {}
            joined, joined_keywords = _mask_for_grammar(text, kind, joined_types, join_paren_lines=True)
            joined_opened: dict[int, int] = {}
            retry = _parser().parse(_unparen_conditions(joined, joined_opened).encode("utf-8"))
            if not retry.root_node.has_error:
                tree, param_keywords, masked_types, opened = retry, joined_keywords, joined_types, joined_opened
    root_syntax = tree.root_node
    offsets = _Offsets(text)
    if root_syntax.has_error:
        _raise_first_error(source, root_syntax, offsets)
    syntax = _Syntax(offsets=offsets, text=text, tree=as_written, opened=opened)
    builder = _Builder(source, syntax)
    data: dict[str, Any] = {}
    members: list[Member] = []
    decorators: SyntaxNode | None = None
    for child in root_syntax.named_children:
        kind_name = child.type
        if kind_name == "decorators":
            decorators = child
            continue
        pending, decorators = decorators, None
        if kind_name == "parameter_declaration" or (
                kind_name == "variable_declaration" and syntax.offsets.char(child.start_byte) in param_keywords):
            builder.parameter(child, pending, data, kind)
        elif kind_name == "variable_declaration":
            name, value = builder.named_value(child, ("var",))
            if name is not None:
                data.setdefault("var", {})[name] = builder.plain(value)
                if value is not None:
                    syntax.variables[name] = value
        elif kind_name == "resource_declaration":
            builder.resource(child, pending, data, None)
        elif kind_name == "module_declaration":
            builder.module(child, data)
        elif kind_name == "type_declaration":
            builder.type_alias(child, data)
        elif kind_name in ("import_statement", "import_with_statement", "import_functionality",
                           "compile_time_import_declaration"):
            syntax.imported.update(_IMPORTED_NAME.findall(syntax.source_text(child).split(" from ")[0]))
        elif kind_name in ("output_declaration", "metadata_declaration"):
            if kind_name == "output_declaration":
                syntax.outputs.append(_Span(*syntax.span(child)))
            section = "output" if kind_name == "output_declaration" else "metadata"
            name, value = builder.named_value(child, (section,))
            if name is not None:
                data.setdefault(section, {})[name] = builder.plain(value)
        elif kind_name == "target_scope_assignment":
            value_syntax = _value_after_equals(child)
            if value_syntax is not None:
                data["targetScope"] = builder.plain(builder.node(value_syntax, ("targetScope",)))
        elif kind_name == "using_statement":
            target = next((c for c in child.named_children if c.type == "string"), None)
            if target is not None:
                node = builder.node(target, ("using",))
                data["using"] = builder.plain(node)
                syntax.using = node.value if node.kind == "string" else None
    for name, (value_start, value_end) in masked_types.items():
        # types the grammar could not read: their text stands for them, unions read from it
        data.setdefault("type", {})[name] = text[value_start:value_end]
        syntax.types[name] = _union_from_text(text, value_start, value_end, ("type", name))
    syntax.imported.update(_imported_names(text))
    syntax.imports = _imports(text)
    start, end = 0, len(text)
    root = Node(kind="object", start=start, end=end, path=(), members=members)
    syntax.root = root_syntax
    doc = Document(source=source, root=root, dialect=DIALECT, kind=kind, data=data)
    _SYNTAX[doc] = syntax
    return doc


# `(cond) ? a : b`: tree-sitter-bicep reads `(cond)?` as a nullable type and `a : b` as
# another property, without an error. Without the parentheses (a ternary binds loosest, so
# they change nothing) it reads the ternary.
# (the `(` comes first so the search can skip to it; the look-behind after it says the `(` does
# not open a call's arguments)
_PAREN_CONDITION = re.compile(r"\((?<![A-Za-z0-9_.\])]\()([^()?\n]*)\)(?=[ \t]*\?(?![?.]))")
_NULLABLE_TYPES = Query(_LANGUAGE, "(nullable_type) @type")
_TYPE_CONTEXTS = frozenset({"type_declaration", "parameter_declaration", "output_declaration", "object_type",
                            "user_defined_function", "lambda_expression", "type", "union_type", "array_type"})


def _misread_conditions(tree: Tree, text: str) -> bool:
    """Whether the grammar read a parenthesized ternary condition as a nullable type."""
    if not _PAREN_CONDITION.search(text):
        return False
    for node in QueryCursor(_NULLABLE_TYPES).captures(tree.root_node).get("type", []):
        ancestors = []
        parent = node.parent
        while parent is not None:
            ancestors.append(parent.type)
            parent = parent.parent
        if any(kind in _TYPE_CONTEXTS for kind in ancestors):
            continue  # a real nullable type (a parameter's or a type's)
        if any(kind in ("object_property", "variable_declaration", "array", "arguments") for kind in ancestors):
            return True  # a value position
    return False


def _unparen_conditions(text: str, opened: dict[int, int] | None = None) -> str:
    """``text`` with the parentheses around ternary conditions blanked (same length).
    ``opened`` receives, for each, where the condition now starts -> where its `(` was (a
    ternary read from the rewritten text must still start at the `(`)."""
    if "?" not in text:
        return text

    def blank(match: re.Match[str]) -> str:
        if opened is not None:
            inner = match.group(1)
            opened[match.start(1) + len(inner) - len(inner.lstrip())] = match.start()
        return " " + match.group(1) + " "
    return _PAREN_CONDITION.sub(blank, text)


def _raise_first_error(source: SourceFile, root: SyntaxNode, offsets: _Offsets) -> None:
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.is_error or node.is_missing:
            start = offsets.char(node.start_byte)
            line = source.line_of(start)
            if node.is_missing:
                problem = f"missing `{node.type}`"
            else:
                snippet = source.text[start:offsets.char(node.end_byte)].strip().splitlines()
                shown = snippet[0][:40] if snippet else ""
                problem = f"unexpected `{shown}`" if shown else "unexpected end of file"
            raise ParseError(f"{source.path}:{line}: invalid Bicep: {problem}", line)
        if node.has_error and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                raise ParseError(f"{source.path}:1: invalid Bicep", 1)


def _value_after_equals(declaration: SyntaxNode) -> SyntaxNode | None:
    seen_equals = False
    for child in declaration.children:
        if seen_equals and child.is_named and child.type != "comment":
            return child
        if child.type == "=":
            seen_equals = True
    return None


def _first(declaration: SyntaxNode, *types: str) -> SyntaxNode | None:
    return next((c for c in declaration.named_children if c.type in types), None)


class _Builder:
    """Builds generic Nodes from syntax nodes, recording what resolution needs later."""

    def __init__(self, source: SourceFile, syntax: _Syntax) -> None:
        self.source = source
        self.syntax = syntax

    # -- values -----------------------------------------------------------------------
    def node(self, syntax_node: SyntaxNode, path: tuple, depth: int = 0) -> Node:
        """A generic Node for a value. Raises ParseError for nesting deeper than MAX_DEPTH."""
        if depth > MAX_DEPTH:
            line = self.source.line_of(self.syntax.offsets.char(syntax_node.start_byte))
            raise ParseError(f"{self.source.path}:{line}: nesting deeper than {MAX_DEPTH} levels", line)
        start, end = self.syntax.span(syntax_node)
        kind = syntax_node.type
        if kind == "object":
            members: list[Member] = []
            seen: dict[str, int] = {}
            for prop in syntax_node.named_children:
                if prop.type != "object_property":
                    continue
                parts = [c for c in prop.named_children if c.type not in ("comment", "diagnostic_comment")]
                if len(parts) < 2:
                    continue  # a nested `resource` declaration, not a key: value pair
                key_start, key_end = self.syntax.span(parts[0])
                if self.syntax.text.startswith("...", key_start):
                    # a spread (`...base`, masked for the grammar): kept as a member whose key
                    # says so; lookups treat a missing key in such an object as unknown
                    value = self.node(parts[-1], path + (SPREAD + str(len(members)),), depth + 1)
                    members.append(Member(key=SPREAD + self.syntax.source_text(parts[-1]), start=key_start,
                                          key_end=key_start + 3, value=value))
                    continue
                key = self._key(parts[0])
                if key.lower() in seen:
                    # BCP025: Bicep refuses duplicate properties; reading either value would be a guess.
                    line = self.source.line_of(key_start)
                    raise ParseError(f"{self.source.path}:{line}: invalid Bicep: property '{key}' is declared twice "
                                     f"(first on line {seen[key.lower()]})", line)
                seen[key.lower()] = self.source.line_of(key_start)
                value = self.node(parts[-1], path + (key,), depth + 1)
                members.append(Member(key=key, start=key_start, key_end=key_end, value=value))
            node = Node(kind="object", start=start, end=end, path=path, members=members)
            self.syntax.containers[id(node)] = syntax_node
            return node
        if kind == "array":
            items: list[Node] = []
            for item in syntax_node.named_children:
                if item.type in ("comment", "diagnostic_comment"):
                    continue
                items.append(self.node(item, path + (len(items),), depth + 1))
            node = Node(kind="array", start=start, end=end, path=path, items=items)
            self.syntax.containers[id(node)] = syntax_node
            return node
        if kind == "string":
            value = self._string_value(syntax_node)
            if value is not None:
                return Node(kind="string", start=start, end=end, path=path, value=value)
        elif kind == "number":
            try:
                return Node(kind="number", start=start, end=end, path=path, value=int(self.syntax.text[start:end]))
            except ValueError:
                pass
        elif kind == "boolean":
            return Node(kind="bool", start=start, end=end, path=path, value=self.syntax.text[start:end] == "true")
        elif kind == "null":
            return Node(kind="null", start=start, end=end, path=path, value=None)
        node = Node(kind="expr", start=start, end=end, path=path, value=self.syntax.text[start:end])
        self.syntax.expressions[id(node)] = syntax_node
        return node

    def _key(self, key_syntax: SyntaxNode) -> str:
        if key_syntax.type == "string":
            value = self._string_value(key_syntax)
            if value is not None:
                return value
        return self.syntax.source_text(key_syntax)

    def _string_value(self, string_syntax: SyntaxNode) -> str | None:
        """The decoded value of a string literal; None when it is interpolated."""
        children = string_syntax.children
        if not children:
            return None
        text = self.syntax.text
        if children[0].type == "'''":
            opening = self.syntax.offsets.char(string_syntax.start_byte)
            if opening > 0 and text[opening - 1] == "$":
                return None  # an interpolated multi-line string ($'''...${x}...'''): an expression
            # Multi-line strings have no escapes; a line break right after the opening
            # quotes is not part of the value.
            start = self.syntax.offsets.char(children[0].end_byte)
            end = self.syntax.offsets.char(children[-1].start_byte)
            value = text[start:end]
            if value.startswith("\r\n"):
                return value[2:]
            if value.startswith("\n"):
                return value[1:]
            return value
        if any(child.type == "interpolation" for child in children):
            return None
        # Decode from the text between the quotes: the grammar leaves some escapes (`\$`)
        # out of its children.
        start, end = self.syntax.span(string_syntax)
        return _ESCAPE.sub(lambda m: _unescape(m.group(0)), text[start + 1:end - 1])

    def plain(self, node: Node | None) -> Any:
        """The plain-Python view of a Node (expressions as their source text)."""
        if node is None:
            return None
        if node.kind == "object":
            return {m.key: self.plain(m.value) for m in node.members or ()}
        if node.kind == "array":
            return [self.plain(i) for i in node.items or ()]
        return node.value

    # -- declarations -----------------------------------------------------------------
    def named_value(self, declaration: SyntaxNode, section: tuple) -> tuple[str | None, Node | None]:
        name_syntax = _first(declaration, "identifier")
        if name_syntax is None:
            return None, None
        name = self.syntax.source_text(name_syntax)
        value_syntax = _value_after_equals(declaration)
        value = self.node(value_syntax, section + (name,)) if value_syntax is not None else None
        return name, value

    def union_of(self, type_syntax: SyntaxNode | None, path: tuple) -> _Union | None:
        """The string-literal union in a type (`'a' | 'b'`, or one string), else None."""
        if type_syntax is None:
            return None
        target = type_syntax
        if target.type == "type" and target.named_child_count == 1:
            target = target.named_children[0]
        if target.type == "string":
            members = [target]
        elif target.type == "union_type":
            members = list(target.named_children)
        else:
            return None
        values: list[str] = []
        for member in members:
            if member.type != "string":
                return None
            value = self._string_value(member)
            if value is None:
                return None
            values.append(value)
        return _Union(end=self.syntax.offsets.char(target.end_byte), values=values, path=path)

    def type_alias(self, declaration: SyntaxNode, data: dict) -> None:
        name_syntax = _first(declaration, "identifier")
        if name_syntax is None:
            return
        name = self.syntax.source_text(name_syntax)
        value = _value_after_equals(declaration)
        data.setdefault("type", {})[name] = self.syntax.source_text(value) if value is not None else None
        self.syntax.types[name] = self.union_of(value, ("type", name))

    def parameter(self, declaration: SyntaxNode, decorators: SyntaxNode | None, data: dict, kind: str) -> None:
        if kind == "bicepparam":
            name, value = self.named_value(declaration, ("param",))
            if name is not None:
                data.setdefault("param", {})[name] = self.plain(value)
                self.syntax.params[name] = _Param(name, self.syntax.offsets.char(declaration.start_byte), "", value, None)
            return
        name_syntax = _first(declaration, "identifier")
        if name_syntax is None:
            return
        name = self.syntax.source_text(name_syntax)
        type_syntax = _first(declaration, "type")
        type_text = self.syntax.source_text(type_syntax) if type_syntax is not None else ""
        entry: dict[str, Any] = {"type": type_text}
        value_syntax = _value_after_equals(declaration)
        default = self.node(value_syntax, ("param", name, "default")) if value_syntax is not None else None
        if default is not None:
            entry["default"] = self.plain(default)
        allowed = None
        for decorator in (decorators.named_children if decorators is not None else ()):
            call = _first(decorator, "call_expression")
            function = call.child_by_field_name("function") if call is not None else None
            arguments = call.child_by_field_name("arguments") if call is not None else None
            if function is None or arguments is None:
                continue
            if self.syntax.source_text(function).split(".")[-1] != "allowed":
                continue
            array = _first(arguments, "array")
            if array is not None:
                allowed = self.node(array, ("param", name, "allowed"))
                entry["allowed"] = self.plain(allowed)
        data.setdefault("param", {})[name] = entry
        union = self.union_of(type_syntax, ("param", name, "type"))
        type_name = None
        if union is None and type_syntax is not None and type_syntax.named_child_count == 1 \
                and type_syntax.named_children[0].type == "identifier":
            type_name = self.syntax.source_text(type_syntax.named_children[0])
        self.syntax.params[name] = _Param(name, self.syntax.offsets.char(declaration.start_byte), type_text,
                                          default, allowed, union, type_name)

    def resource(self, declaration: SyntaxNode, decorators: SyntaxNode | None, data: dict,
                 parent: str | None) -> None:
        name_syntax = _first(declaration, "identifier")
        type_syntax = _first(declaration, "string")
        if name_syntax is None or type_syntax is None:
            return
        symbolic = self.syntax.source_text(name_syntax)
        if parent is not None:
            symbolic = f"{parent}::{symbolic}"
        type_node = self.node(type_syntax, ("resource_type", symbolic))
        data.setdefault("resource_type", {})[symbolic] = self.plain(type_node)
        existing = any(c.type == "existing" for c in declaration.children)
        value = _value_after_equals(declaration)
        body_syntax, loop, condition = _unwrap_body(value)
        resource_type = _type_name(type_node)
        if parent is None and body_syntax is not None and resource_type not in (REGISTRY_TYPE, PRIVATE_ENDPOINT_TYPE):
            # Speed: acr-fix never reads or edits other resources, so their bodies stay
            # unparsed; for the semantic check before writing, their source text stands in
            # for their value (any change to them is then still caught).
            body = None
            data.setdefault("resource", {})[symbolic] = self.syntax.source_text(body_syntax)
            start, end = self.syntax.span(declaration)
            head = self.syntax.offsets.char(decorators.start_byte) if decorators is not None else start
            self.syntax.resources.append(_Resource(symbolic, type_node, body, existing, start, end, head,
                                                   declaration, loop, condition))
            return
        body = self.node(body_syntax, ("resource", symbolic)) if body_syntax is not None else None
        data.setdefault("resource", {})[symbolic] = self.plain(body)
        start, end = self.syntax.span(declaration)
        head = self.syntax.offsets.char(decorators.start_byte) if decorators is not None else start
        self.syntax.resources.append(_Resource(symbolic, type_node, body, existing, start, end, head,
                                               declaration, loop, condition))
        if body_syntax is not None:
            for prop in body_syntax.named_children:
                if prop.type != "object_property":
                    continue
                nested = _first(prop, "resource_declaration")
                if nested is not None:
                    self.resource(nested, None, data, symbolic)

    def module(self, declaration: SyntaxNode, data: dict) -> None:
        name_syntax = _first(declaration, "identifier")
        path_syntax = _first(declaration, "string")
        if name_syntax is None:
            return
        symbolic = self.syntax.source_text(name_syntax)
        body_syntax, _, _ = _unwrap_body(_value_after_equals(declaration))
        body = self.node(body_syntax, ("module", symbolic)) if body_syntax is not None else None
        data.setdefault("module", {})[symbolic] = self.plain(body)
        path = self._string_value(path_syntax) if path_syntax is not None else None
        start, end = self.syntax.span(declaration)
        self.syntax.modules.append(_Module(symbolic, path, body, start, end, declaration))


def _unwrap_body(value: SyntaxNode | None) -> tuple[SyntaxNode | None, bool, bool]:
    """The object of `= {...}`, `= if (c) {...}`, `= [for ...: {...}]`; (object, loop, condition)."""
    loop = condition = False
    for _ in range(3):
        if value is None:
            return None, loop, condition
        if value.type == "object":
            return value, loop, condition
        if value.type == "for_statement":
            loop = True
            value = value.child_by_field_name("body")
        elif value.type == "if_statement":
            condition = True
            value = _first(value, "object")
        else:
            return None, loop, condition
    return None, loop, condition


_ESCAPE = re.compile(r"\\(?:u\{[0-9A-Fa-f]{1,6}\}|.)", re.S)
_ESCAPES = {"\\'": "'", "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\$": "$", "\\{": "{"}


def _unescape(sequence: str) -> str:
    if sequence.startswith("\\u{") and sequence.endswith("}"):
        try:
            return chr(int(sequence[3:-1], 16))
        except (ValueError, OverflowError):
            return sequence
    return _ESCAPES.get(sequence, sequence)


# --------------------------------------------------------------------------- resolution

class _Resolver:
    """Follows a value to where it is defined, across parameter files and module callers."""

    def __init__(self, workspace: Workspace, home: Document | None = None) -> None:
        self.workspace = workspace
        self.home = home  # the file whose registries are resolved: lines elsewhere name their file
        self._param_files: dict[Path, list[Document]] = {}
        self._callers: dict[Path, list[tuple[Document, _Module]]] = {}

    def _where(self, doc: Document, node: Node) -> str:
        if self.home is None or doc is self.home:
            return _where(doc, node)
        return f"{self.home.path_to(doc)} line {doc.line(node)}"

    def resolve(self, doc: Document, node: Node | None, what: str, depth: int = 0,
                keys: tuple[str, ...] = ()) -> Resolved:
        """Where ``node`` (or, with ``keys``, the member at that path inside the object it
        stands for) gets its value. ``what`` names the value in messages."""
        if node is None:
            return Resolved(Origin.ABSENT, doc=doc)
        if keys and node.kind == "object":
            # `sku: sku` with `param sku object = { name: 'Basic' }`: look inside the object.
            child = node.get(keys[0])
            if child is None:
                return Resolved(Origin.ABSENT, doc=doc, parent=node if len(keys) == 1 else None)
            return self.resolve(doc, child, what, depth, keys[1:])
        if keys and node.kind == "null":
            return Resolved(Origin.ABSENT, doc=doc)
        if keys and node.kind != "expr":
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} is inside a {node.kind}, not an object ({self._where(doc, node)})")
        if node.kind == "string":
            return Resolved(Origin.LITERAL, value=node.value, doc=doc, node=node)
        if node.kind == "null":
            return Resolved(Origin.ABSENT, doc=doc, node=node)
        where = self._where(doc, node)
        if node.kind != "expr":
            kind = {"bool": "a boolean"}.get(node.kind, f"an {node.kind}" if node.kind[0] in "aeiou" else f"a {node.kind}")
            return Resolved(Origin.EXPRESSION, doc=doc, node=node, detail=f"{what} is {kind}, not a string ({where})")
        if depth > _MAX_RESOLVE_DEPTH:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} is defined through too many indirections ({where})")
        syntax = _syntax_of(doc)
        expression = syntax.expressions.get(id(node))
        while expression is not None and expression.type == "parenthesized_expression":
            inner = [c for c in expression.named_children if c.type != "comment"]
            expression = inner[0] if len(inner) == 1 else None
        if expression is None:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from the expression `{_short(node.value)}` ({where})")
        if expression.type == "identifier":
            name = syntax.source_text(expression)
            if name in syntax.params or name in syntax.variables or name in syntax.imports:
                return self._symbol(doc, name, node, what, depth, keys)
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from `{name}`, which is neither a parameter nor a variable ({where})")
        member = _member_path(syntax, expression)
        if member is not None:
            # `cfg.sku` with `param cfg object = { sku: 'Basic' }` (or a .bicepparam, a caller):
            # the member inside the object the parameter or variable stands for
            name, path = member
            inner = self._symbol(doc, name, node, what, depth, path + keys)
            if inner.known and not _member_type_allows(doc, name, path, _FIXED_VALUE.get(what)):
                return Resolved(Origin.EXPRESSION, value=inner.value, doc=doc, node=node,
                                detail=f"{what} comes from `{_short(node.value)}` ({where}), and the type of parameter "
                                       f"'{name}' does not let acr-fix change it there")
            return inner
        if expression.type == "ternary_expression":
            return self._ternary(doc, node, expression, what, depth, keys)
        if keys:
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} is inside the expression `{_short(node.value)}` ({where})")
        if expression.type in ("call_expression", "binary_expression"):
            # `toUpper(tier)`, `settings.sku ?? 'Premium'`: known when every part is
            known = self._known(doc, expression, depth + 1)
            if known is not None and isinstance(known.value, str):
                because = f" because {known.why()}" if known.facts else ""
                return Resolved(Origin.EXPRESSION, value=known.value, doc=doc, node=node,
                                detail=f"{what} comes from the expression `{_short(node.value)}` ({where}), which is "
                                       f"'{known.value}'{because}", reads=known.reads)
        if expression.type == "string":
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from the interpolated string `{_short(node.value)}` ({where})")
        if expression.type == "call_expression":
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from the function call `{_short(node.value)}` ({where})")
        return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                        detail=f"{what} comes from the expression `{_short(node.value)}` ({where})")

    def _symbol(self, doc: Document, name: str, node: Node, what: str, depth: int, keys: tuple[str, ...]) -> Resolved:
        """The value of parameter or variable ``name`` (at ``keys`` inside it)."""
        syntax = _syntax_of(doc)
        if name in syntax.params:
            return self._parameter(doc, name, node, what, depth, keys)
        if name not in syntax.variables:
            return self._imported(doc, name, node, what, depth, keys)
        inner = self.resolve(doc, syntax.variables[name], what, depth + 1, keys)
        if inner.origin == Origin.LITERAL:
            inner.origin = Origin.VARIABLE
            inner.detail = f"variable '{name}'{_members(keys)}"
            inner.variable, inner.symbol_doc = name, doc
        elif inner.origin in (Origin.EXPRESSION, Origin.NO_VALUE) and inner.detail:
            inner.detail += f", through variable '{name}'"
        return inner

    def _import_target(self, doc: Document, name: str, keys: tuple[str, ...]) -> tuple[Document, str, tuple[str, ...]] | None:
        """(the file, its exported variable, the keys left inside it) that imported ``name``
        (at ``keys``) stands for: `import { acr } from './shared.bicep'`, or `shared.acr.sku`
        with `import * as shared from ...`; None when that file or variable cannot be read."""
        entry = _syntax_of(doc).imports.get(name)
        if entry is None:
            return None
        path, exported = entry
        if exported is None:   # a namespace: its first member names the variable
            if not keys:
                return None
            exported, keys = keys[0], keys[1:]
        if _REMOTE_MODULE.match(path):
            return None  # from a registry: not in the scanned files
        other = self.workspace.document(doc.path.parent / path)
        if other is None or other.kind != "bicep" or other not in _SYNTAX or other is doc \
                or exported not in _syntax_of(other).variables:
            return None
        return other, exported, keys

    def _imported(self, doc: Document, name: str, node: Node, what: str, depth: int, keys: tuple[str, ...]) -> Resolved:
        """The value of an imported variable (`import { acrSettings } from './shared.bicep'`,
        `@export() var acrSettings = {...}` there). Known but never edited here: other files
        may import the same variable, so a change there is the user's call."""
        where = self._where(doc, node)
        entry = _syntax_of(doc).imports.get(name)
        target = self._import_target(doc, name, keys)
        if target is None:
            source = f" from '{entry[0]}'" if entry is not None else ""
            return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                            detail=f"{what} comes from `{_short(node.value)}`, imported{source}, which acr-fix cannot "
                                   f"read ({where})")
        other, exported, inner_keys = target
        inner = self.resolve(other, _syntax_of(other).variables[exported], what, depth + 1, inner_keys)
        declared = f"variable '{exported}'{_members(inner_keys)}, exported by {doc.path_to(other)} " \
                   f"(line {other.line(_syntax_of(other).variables[exported])})"
        if inner.known and inner.value is not None and not inner.also:
            return Resolved(Origin.EXPRESSION, value=inner.value, doc=doc, node=node,
                            detail=f"{what} comes from {declared}, imported here ({where}); acr-fix leaves an "
                                   f"exported variable to its file, as other files may import it",
                            reads=inner.reads)
        if inner.origin == Origin.ABSENT:
            # unset over there; this expression is what leaves it unset (never rewritten)
            return Resolved(Origin.ABSENT, doc=doc, node=node, reads=inner.reads,
                            detail=f"{what} is unset by {declared}, imported here ({where})")
        return Resolved(Origin.EXPRESSION, doc=doc, node=node,
                        detail=f"{what} comes from {declared}, imported here ({where}): "
                               f"{inner.detail or 'an expression'}")

    def _ternary(self, doc: Document, node: Node, expression: SyntaxNode, what: str, depth: int,
                 keys: tuple[str, ...] = ()) -> Resolved:
        """`cond ? a : b` (with ``keys``: the member inside whichever object it picks). Never
        editable; its value is known when both branches agree, and its branches are kept for
        the rule when each is known (see Resolved.branches)."""
        syntax = _syntax_of(doc)
        builder = _Builder(doc.source, syntax)
        chosen_by: list[str | None] = []   # the value of each branch
        sure: list[bool] = []              # whether that value is the same in every deployment
        for field_name in ("consequence", "alternative"):
            branch = expression.child_by_field_name(field_name)
            if branch is None:
                chosen_by.append(None)
                sure.append(False)
                continue
            branch_node = builder.node(branch, node.path)
            branch_value = self.resolve(doc, branch_node, what, depth + 1, keys)
            chosen_by.append(branch_value.value)
            sure.append((branch_value.origin == Origin.ABSENT or branch_value.value is not None)
                        and not branch_value.also)
        known = all(sure)
        condition = expression.child_by_field_name("condition")
        if keys:
            detail = f"{what} is inside the expression `{_short(node.value)}` ({self._where(doc, node)})"
        else:
            detail = f"{what} comes from the expression `{_short(node.value)}` ({self._where(doc, node)})"
        # the same text means the same value only within one file (a caller's `private` is
        # not the module's)
        branches = (f"{doc.path}: {' '.join(syntax.source_text(condition).split())}", (chosen_by[0], chosen_by[1])) \
            if known and condition is not None else None
        if chosen_by[0] is not None and chosen_by[1] is not None and chosen_by[0].lower() == chosen_by[1].lower():
            return Resolved(Origin.EXPRESSION, value=chosen_by[0], doc=doc, node=node,
                            detail=detail + f", which is '{chosen_by[0]}' either way", branches=branches)
        decided = self._condition(doc, condition) if any(sure) and condition is not None else None
        if decided is not None and sure[0 if decided.value else 1]:
            # `private ? 'Disabled' : 'Enabled'` with `param private bool = false` and nothing
            # else setting it: the value is known (but not editable: it is an expression)
            chosen = chosen_by[0] if decided.value else chosen_by[1]
            if chosen is None:
                # `networkRuleSet: restricted ? {...} : null` with restricted false: unset, by
                # the expression (its node: never rewritten, see Resolved.parent)
                return Resolved(Origin.ABSENT, doc=doc, node=node, branches=branches, reads=decided.reads,
                                detail=detail + f", which leaves it unset because {decided.why()}")
            return Resolved(Origin.EXPRESSION, value=chosen, doc=doc, node=node,
                            detail=detail + f", which is '{chosen}' because {decided.why()}", branches=branches,
                            reads=decided.reads)
        return Resolved(Origin.EXPRESSION, doc=doc, node=node, detail=detail, branches=branches)

    def _condition(self, doc: Document, condition: SyntaxNode) -> Known | None:
        """The value of a condition when every deployment gives it the same one (see _known);
        None otherwise (or when it is not a bool)."""
        known = self._known(doc, condition)
        return known if known is not None and isinstance(known.value, bool) else None

    # -- values every deployment gives an expression ----------------------------------
    def _known(self, doc: Document, expression: SyntaxNode | None, depth: int = 0) -> Known | None:
        """The value of ``expression`` when every deployment gives it the same one: literals,
        parameters and variables (through parameter files, module callers and defaults),
        imported variables, `!`, `&&`, `||`, `==`, `!=`, `=~`, `!~`, `??`, `c ? a : b`,
        members (`cfg.sku`), empty(), toLower(), toUpper(), any(). None when it is not known."""
        if expression is None or depth > _MAX_RESOLVE_DEPTH:
            return None
        syntax = _syntax_of(doc)
        kind = expression.type
        parts = [c for c in expression.named_children if c.type not in ("comment", "diagnostic_comment")]
        if kind == "parenthesized_expression":
            return self._known(doc, parts[0], depth + 1) if len(parts) == 1 else None
        if kind == "unary_expression":
            if not syntax.source_text(expression).lstrip().startswith("!") or not parts:
                return None
            inner = self._known(doc, parts[-1], depth + 1)
            return inner.with_value(not inner.value) if inner is not None and isinstance(inner.value, bool) else None
        if kind == "binary_expression":
            operator = next((c.type for c in expression.children if not c.is_named), None)
            return self._known_binary(doc, operator, expression.child_by_field_name("left"),
                                      expression.child_by_field_name("right"), depth)
        if kind == "ternary_expression":
            condition = self._condition_at(doc, expression.child_by_field_name("condition"), depth)
            if condition is None:
                return None
            chosen = self._known(doc, expression.child_by_field_name("consequence" if condition.value else "alternative"),
                                 depth + 1)
            return chosen.because(condition) if chosen is not None else None
        if kind in ("string", "number", "boolean", "null", "array", "object"):
            node = _Builder(doc.source, syntax).node(expression, ())
            # (an interpolated string stays an expression: not known)
            return self._known_node(doc, node, depth + 1) if node.kind != "expr" else None
        if kind == "identifier":
            return self._known_symbol(doc, syntax.source_text(expression), (), depth + 1)
        if kind == "member_expression":
            member = _member_path(syntax, expression)
            if member is not None:
                return self._known_symbol(doc, member[0], member[1], depth + 1)
            return self._known_safe_member(doc, expression, depth + 1)
        if kind == "call_expression":
            function = expression.child_by_field_name("function")
            arguments = _first(expression, "arguments")
            name = syntax.source_text(function).removeprefix("sys.") if function is not None else ""
            args = [c for c in arguments.named_children if c.type not in ("comment", "diagnostic_comment")] \
                if arguments is not None else []
            if len(args) != 1 or name not in ("empty", "toLower", "toUpper", "any"):
                return None
            argument = self._known(doc, args[0], depth + 1)
            if argument is None or name == "any":   # any(): the value itself, untyped
                return argument
            if name == "empty":
                result = values.empty(argument.value)
                return argument.with_value(result) if result is not None else None
            if not isinstance(argument.value, str):
                return None
            return argument.with_value(argument.value.lower() if name == "toLower" else argument.value.upper())
        return None

    def _known_safe_member(self, doc: Document, expression: SyntaxNode, depth: int) -> Known | None:
        """`cfg.?publicNetworkAccess` (safe access, any `.?` on the way): null where a member is
        missing from an object whose keys are all known (a typed parameter's default without
        that optional member), else the member as `cfg.x` would give it. It reads that member
        only: its `reads` name the member (`cfg.publicNetworkAccess`), so a fix that changes
        another member of the same object (its SKU) is not taken to change this value."""
        syntax = _syntax_of(doc)
        steps: list[tuple[str, bool]] = []   # (key, safe), outermost last
        current: SyntaxNode | None = expression
        while current is not None and current.type == "member_expression":
            prop = current.child_by_field_name("property")
            if prop is None:
                return None
            steps.insert(0, (syntax.source_text(prop), any(c.type == ".?" for c in current.children)))
            current = current.child_by_field_name("object")
        if current is None or current.type != "identifier":
            return None
        name = syntax.source_text(current)
        if name not in syntax.params and name not in syntax.variables:
            return None
        base = self._known_symbol(doc, name, (), depth)
        if base is None:
            return None
        value = base.value
        missing: str | None = None   # the path of the member found missing, for the message
        for depth_in, (key, safe) in enumerate(steps):
            if safe and value is None:
                continue   # `a.?b.?c` with a.?b null: null
            if safe and isinstance(value, dict) and not any(k.lower() == key.lower() for k in value):
                missing = missing or ".".join([name, *(k for k, _ in steps[:depth_in])]) + f" has no '{key}'"
                value = None
                continue
            value = values.member(value, key)
        if values.has_opaque(value) and not isinstance(value, (list, dict)):
            return None
        shown = " ".join(syntax.source_text(expression).split())
        source = re.search(r"\(([^()]*)\)$", base.facts[0]) if base.facts else None
        where = f" ({source.group(1)})" if source else ""
        fact = f"{missing}{where}, so `{shown}` is null" if missing else f"`{shown}` is {values.show(value)}{where}"
        return Known(value, (fact,), frozenset({f"{name}.{'.'.join(k for k, _ in steps)}"}))

    def _condition_at(self, doc: Document, condition: SyntaxNode | None, depth: int) -> Known | None:
        known = self._known(doc, condition, depth + 1)
        return known if known is not None and isinstance(known.value, bool) else None

    def _known_binary(self, doc: Document, operator: str | None, left: SyntaxNode | None, right: SyntaxNode | None,
                      depth: int) -> Known | None:
        if operator in ("&&", "||"):
            decisive = operator == "||"   # the value that decides alone: true for ||, false for &&
            first = self._condition_at(doc, left, depth)
            if first is not None and first.value is decisive:
                return first
            second = self._condition_at(doc, right, depth)
            if second is not None and second.value is decisive:
                return second
            return first.because(second) if first is not None and second is not None else None
        first = self._known(doc, left, depth + 1)
        if operator == "??":
            if first is None:
                return None
            if first.value is not None:
                return first
            second = self._known(doc, right, depth + 1)
            return second.because(first) if second is not None else None
        if operator not in ("==", "!=", "=~", "!~") or first is None:
            return None
        second = self._known(doc, right, depth + 1)
        if second is None:
            return None
        result = values.equal(first.value, second.value, ignore_case=operator in ("=~", "!~"))
        if result is None:
            return None
        return first.because(second).with_value(result if operator in ("==", "=~") else not result)

    def _known_node(self, doc: Document, node: Node | None, depth: int) -> Known | None:
        """The value of a Node of ``doc`` (see _known); containers with unknown parts hold OPAQUE."""
        if node is None or depth > _MAX_RESOLVE_DEPTH:
            return None
        if node.kind in ("string", "bool", "number"):
            return Known(node.value)
        if node.kind == "null":
            return Known(None)
        if node.kind == "expr":
            return self._known(doc, _syntax_of(doc).expressions.get(id(node)), depth + 1)
        parts: list[Known] = []
        if node.kind == "array":
            items = []
            for item in node.items or ():
                known = self._known_node(doc, item, depth + 1)
                items.append(known.value if known is not None else values.OPAQUE)
                parts += [known] if known is not None else []
            return Known(items).because(*parts)
        if node.kind == "object":
            members = {}
            for entry in node.members or ():
                if entry.key.startswith(SPREAD):
                    return None  # its keys are not all written here
                known = self._known_node(doc, entry.value, depth + 1)
                members[entry.key] = known.value if known is not None else values.OPAQUE
                parts += [known] if known is not None else []
            return Known(members).because(*parts)
        return None

    def _known_symbol(self, doc: Document, name: str, keys: tuple[str, ...], depth: int) -> Known | None:
        """The value of parameter or variable ``name`` (at ``keys`` inside it) in every deployment."""
        if depth > _MAX_RESOLVE_DEPTH:
            return None
        syntax = _syntax_of(doc)
        where = f"variable '{name}'"   # what a literal value rests on
        shown_name = name + "".join("." + key for key in keys)
        if name in syntax.variables:
            known = self._known_node(doc, syntax.variables[name], depth + 1)
        elif name in syntax.params and doc.kind == "bicepparam":
            known = self._known_node(doc, syntax.params[name].default, depth + 1)
        elif name in syntax.params:
            known = self._known_parameter(doc, name, depth)
        else:
            target = self._import_target(doc, name, keys)
            if target is None:
                return None
            other, exported, keys = target
            where = f"variable '{exported}' exported by {doc.path_to(other)}"
            known = self._known_node(other, _syntax_of(other).variables[exported], depth + 1)
        if known is None:
            return None
        value = known.value
        for key in keys:
            value = values.member(value, key)
        if values.has_opaque(value) and not isinstance(value, (list, dict)):
            return None
        if not known.facts:
            return Known(value, (f"{shown_name} is {values.show(value)} ({where})",))
        return known.with_value(value)

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
        from . import arm  # the JSON reader (parameter files beside the template)

        json_files = arm.param_files_for(doc, self.workspace)
        setting = arm.values_in_parameter_files(json_files, name)
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
                return unreadable[0][0]
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
                                   f"(line {declared_line})")
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
        from . import arm  # the JSON reader; imported here to keep the formats independent at import time

        found = []
        for param_doc in arm.param_files_for(doc, self.workspace):
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
        candidates = _reference_index(self.workspace, "param").get(_plain_key(doc.path), [])
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
        for path in dict.fromkeys(_reference_index(self.workspace, "module").get(_plain_key(doc.path), ())):
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


_IMPORTED_NAME = re.compile(r"(?:\bas\s+)?\b([A-Za-z_][A-Za-z0-9_]*)\b(?!\s+as\b)")


def _allowed_type(doc: Document, declared: _Param) -> Any:
    """``Resolved.allowed_type`` for a parameter: its string-union type, inline or through a
    local `type` alias; a reason when the alias is imported from another file."""
    if declared.union is not None:
        union = declared.union
        return (doc, union.end, union.values, union.path)
    if declared.type_name is None:
        return None
    syntax = _SYNTAX.get(doc)
    if syntax is None:
        return None
    if declared.type_name in syntax.types:
        union = syntax.types[declared.type_name]
        return (doc, union.end, union.values, union.path) if union is not None else None
    if declared.type_name in syntax.imported:
        return (f"parameter '{declared.name}' has the type '{declared.type_name}', imported from another file; "
                f"its allowed values cannot be checked here")
    return None


# `module x 'path' = ...` and `using 'path'`, found on raw bytes: a cheap index of who refers
# to which file, built once per run, so resolving a value never re-reads the whole repository.
# Both start with a literal word, so the regex engine can jump from one occurrence to the next
# (a leading \b or ^ would make it try every position: 15x slower over a repository); the
# word boundary / line start is checked on each hit instead (see _reference_at).
_MODULE_REF = re.compile(rb"""module\s+[A-Za-z_][A-Za-z0-9_]*\s+'([^'\n]+)'""")
_USING_REF = re.compile(rb"""using\s+'([^'\n]+)'""")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _reference_at(raw: bytes, match: re.Match[bytes]) -> bool:
    """A `module x '...'` hit starts a word; a `using '...'` hit starts its line."""
    start = match.start()
    if match.re is _USING_REF:
        line_start = raw.rfind(b"\n", 0, start) + 1
        return not raw[line_start:start].strip()
    return start == 0 or raw[start - 1] not in _WORD_BYTES


def _plain_key(path: Path) -> str:
    return os.path.normcase(os.path.normpath(os.path.abspath(path)))


def _reference_index(workspace: Workspace, kind: str) -> dict[str, list[Path]]:
    """target file -> files that refer to it (kind "module": .bicep callers; "param": .bicepparam)."""
    cache_key = f"bicep.{kind}-index"
    index = workspace.cache.get(cache_key)
    if index is not None:
        return index
    index = {}
    suffix = ".bicep" if kind == "module" else ".bicepparam"
    pattern = _MODULE_REF if kind == "module" else _USING_REF
    candidates = {_plain_key(p): p for p in workspace.files if p.suffix.lower() == suffix}
    index = _index_files(candidates.values(), pattern, workspace.max_file_size)
    workspace.cache[cache_key] = index
    return index


def prepare_workspace(workspace: Workspace) -> None:
    """Build the run-wide indexes now (before a parallel run forks its workers)."""
    _reference_index(workspace, "module")
    _reference_index(workspace, "param")


def _index_files(paths, pattern: re.Pattern[bytes], max_size: int) -> dict[str, list[Path]]:
    index: dict[str, list[Path]] = {}
    for path in paths:
        try:
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size > max_size:
                    continue
                raw = handle.read()
        except OSError:
            continue
        for match in pattern.finditer(raw):
            if not _reference_at(raw, match):
                continue
            target = match.group(1).decode("utf-8", "replace")
            if _REMOTE_MODULE.match(target):
                continue
            index.setdefault(_plain_key(path.parent / target), []).append(path)
    for callers in index.values():
        callers.sort()
    return index


def _param_files_near(workspace: Workspace, doc_path: Path) -> list[Path]:
    """.bicepparam files below the template's folder that name it in `using` (for a template
    given on its own, whose parameter files were not discovered). Cached per folder."""
    folder = doc_path.parent
    cache = workspace.cache.setdefault("bicep.param-near", {})
    index = cache.get(folder)
    if index is None:
        index = _index_files(_bicepparam_files_below(folder), _USING_REF, workspace.max_file_size)
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


def _where(doc: Document, node: Node) -> str:
    return f"line {doc.line(node)}"


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# --------------------------------------------------------------------------- registries

def find_registries(doc: Document, workspace: Workspace) -> list[Registry]:
    """Every top-level ``Microsoft.ContainerRegistry/registries`` resource in a .bicep file.

    Resources inside ``if``/``for`` count; nested child resources (replications, webhooks)
    and other files' resources do not. ``existing`` references come back with existing=True."""
    if doc.kind != "bicep":
        return []
    syntax = _syntax_of(doc)
    resolver = _Resolver(workspace, home=doc)
    endpoints = _private_endpoint_declarations(syntax)
    registries: list[Registry] = []
    for resource in syntax.resources:
        if "::" in resource.symbolic or resource.body is None:
            continue
        if _type_name(resource.type_node) != REGISTRY_TYPE:
            continue
        registry = _registry(doc, syntax, resource, resolver, endpoints)
        registry.index = len(registries)
        registries.append(registry)
    for module in syntax.modules:
        if module.body is not None and module.path and AVM_REGISTRY.match(module.path):
            registry = _avm_registry(doc, syntax, module, resolver)
            registry.index = len(registries)
            registries.append(registry)
    for registry in _other_registry_modules(doc, syntax, resolver):
        registry.index = len(registries)
        registries.append(registry)
    _mark_shared_definitions(registries)
    _add_output_clients(doc, syntax, registries, resolver)
    return registries


_IDENTIFIERS = Query(_LANGUAGE, "(identifier) @identifier")


def _symbol_uses(doc: Document) -> dict[str, list[int]]:
    """Where each name is used as a value in ``doc`` (not where it is declared, not as an
    object key or a property after a dot): name -> character offsets. Built once per file."""
    syntax = _syntax_of(doc)
    if syntax.uses is not None:
        return syntax.uses
    uses: dict[str, list[int]] = {}
    root = syntax.root
    if root is not None:
        for node in QueryCursor(_IDENTIFIERS).captures(root).get("identifier", []):
            parent = node.parent
            if parent is None:
                continue
            kind = parent.type
            if kind in ("parameter_declaration", "variable_declaration", "resource_declaration",
                        "module_declaration", "output_declaration", "type_declaration", "user_defined_function",
                        "metadata_declaration") and parent.named_children and parent.named_children[0] == node:
                continue  # the declared name itself
            if kind == "object_property" and parent.named_children and parent.named_children[0] == node:
                continue  # a key
            if kind == "member_expression" and node.prev_sibling is not None and node.prev_sibling.type in (".", ".?"):
                continue  # `x.name`: a property, not the symbol
            start = syntax.offsets.char(node.start_byte)
            uses.setdefault(syntax.text[start:syntax.offsets.char(node.end_byte)], []).append(start)
    syntax.uses = uses
    return uses


def _named_at_most_once_outside(text: str, name: str, spans: list[tuple[int, int]]) -> bool:
    """True when ``name`` occurs as a word at most once outside ``spans``. Every use of a symbol
    is such an occurrence and so is its declaration (or import), so then nothing else uses it."""
    outside = 0
    for match in re.finditer(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text):
        if not any(start <= match.start() < end for start, end in spans):
            outside += 1
            if outside > 1:
                return False
    return True


def _mark_shared_definitions(registries: list[Registry]) -> None:
    """Flag values whose parameter or variable other declarations use too: a fix there
    would change them as well. Uses inside registries and in outputs do not count."""
    for registry in registries:
        for resolved in (registry.sku_name, registry.public_network_access, registry.default_action, registry.bypass):
            for place in (resolved, *resolved.also):
                name = place.param or place.variable
                owner = place.symbol_doc
                if not name or owner is None or owner.kind != "bicep" or owner not in _SYNTAX:
                    continue
                syntax = _syntax_of(owner)
                own = [(r.node.start, r.node.end) for r in registries if r.doc is owner]
                own += [(r.start, r.end) for r in syntax.resources
                        if r.body is not None and _type_name(r.type_node) == REGISTRY_TYPE]
                own += [(o.start, o.end) for o in syntax.outputs]
                # a module call that deploys this registry passes the value to it: not another user
                target = _plain_key(registry.doc.path)
                own += [(m.start, m.end) for m in syntax.modules
                        if m.path and not _REMOTE_MODULE.match(m.path) and _plain_key(owner.path.parent / m.path) == target]
                if place.origin == Origin.MODULE_CALLER:
                    continue  # the caller passes this value for this module only
                if _named_at_most_once_outside(syntax.text, name, own):
                    continue  # only its declaration names it: no other user (no need to walk the tree)
                for offset in _symbol_uses(owner).get(name, []):
                    if not any(start <= offset < end for start, end in own):
                        where = "this file" if owner is registry.doc else registry.doc.path_to(owner)
                        user = _declaration_at(syntax, offset)
                        place.shared = (f"'{name}' is also used by {user} ({where}, line {owner.line(offset)})" if user
                                        else f"'{name}' is also used elsewhere in {where} (line {owner.line(offset)})")
                        break


_DECLARATION_WORDS = {"resource_declaration": "resource", "module_declaration": "module",
                      "variable_declaration": "variable", "parameter_declaration": "parameter",
                      "output_declaration": "output", "user_defined_function": "function"}


def _declaration_at(syntax: _Syntax, offset: int) -> str | None:
    """The top-level declaration around ``offset``, as the user wrote it (`resource 'settings'`),
    or None outside any (or for a kind without a name)."""
    if syntax.root is None:
        return None
    byte = syntax.offsets.byte(offset)
    for child in syntax.root.named_children:
        if child.start_byte <= byte < child.end_byte:
            word = _DECLARATION_WORDS.get(child.type)
            named = child.named_children
            if word is None or not named or named[0].type != "identifier":
                return None
            return f"{word} '{syntax.source_text(named[0])}'"
    return None




def _module_field(doc: Document, body: Node, resolver: "_Resolver", key: str) -> Resolved:
    """The value the caller passes for the module parameter ``key`` (ABSENT when not passed)."""
    params = body.get("params")
    if params is None:
        return Resolved(Origin.ABSENT, doc=doc, parent=None)
    if params.kind != "object":
        return Resolved(Origin.EXPRESSION, doc=doc, node=params,
                        detail=f"the module's params are the expression `{_short(str(params.value))}` ({_where(doc, params)})")
    child = params.get(key)
    if child is None:
        spread = next((m for m in params.members or () if m.key.startswith(SPREAD)), None)
        if spread is not None:
            return Resolved(Origin.EXPRESSION, doc=doc, node=spread.value,
                            detail=f"{key} may come from the spread `{_short(spread.key)}` ({_where(doc, spread.value)})")
        return Resolved(Origin.ABSENT, doc=doc, parent=params)
    return resolver.resolve(doc, child, key, 0, ())


# The value a fix writes for each property the resolver is asked about.
_FIXED_VALUE = {"sku.name": "Premium", "publicNetworkAccess": "Disabled", "networkRuleSet.defaultAction": "Deny",
                "networkRuleBypassOptions": "AzureServices"}


def _member_type_allows(doc: Document, name: str, path: tuple[str, ...], value: str | None) -> bool:
    """Whether the declared type of parameter ``name`` lets its member at ``path`` become
    ``value``: the parameter is a plain `object`, or the member's type (in the parameter's
    type, inline or a local alias) is `string` or a union that names the value. Variables
    have no declared type."""
    syntax = _syntax_of(doc)
    if name not in syntax.params:
        return True
    type_text = syntax.params[name].type_text.strip()
    if type_text == "object":
        return True
    if type_text.isidentifier():
        type_text = ((doc.data or {}).get("type") or {}).get(type_text) or ""  # imported: unknown
    member = re.search(rf"(?<![A-Za-z0-9_]){re.escape(path[-1])}\s*:\s*([^\n]+)", type_text)
    if member is None:
        return False
    member_type = member.group(1).strip()
    return member_type == "string" or (value is not None and f"'{value}'" in member_type)


def _members(keys: tuple[str, ...]) -> str:
    """", member 'sku'" for a value inside an object parameter or variable."""
    return f", member '{'.'.join(keys)}'" if keys else ""


def _member_path(syntax: _Syntax, expression: SyntaxNode) -> tuple[str, tuple[str, ...]] | None:
    """`cfg.sku.name` -> ('cfg', ('sku', 'name')); None for anything else (`.?`, `cfg['x']`, calls)."""
    path: list[str] = []
    current: SyntaxNode | None = expression
    while current is not None and current.type == "member_expression":
        if any(child.type == ".?" for child in current.children):
            return None  # safe access: null when missing, which a plain member is not
        prop = current.child_by_field_name("property")
        if prop is None:
            return None
        path.insert(0, syntax.source_text(prop))
        current = current.child_by_field_name("object")
    if current is None or current.type != "identifier" or not path:
        return None
    name = syntax.source_text(current)
    if name not in syntax.params and name not in syntax.variables and name not in syntax.imports:
        return None
    return name, tuple(path)


def _spread_lacks(syntax: _Syntax, spread: Node, key: str) -> bool:
    """True when the spread (`...name`) is a variable holding an object literal that has no
    ``key`` (and no spread of its own): the key is then really absent."""
    name = str(spread.value).strip()
    value = syntax.variables.get(name) if spread.kind == "expr" and name.isidentifier() else None
    if value is None or value.kind != "object":
        return False
    return all(not m.key.startswith(SPREAD) and m.key.lower() != key.lower() for m in value.members or ())


def _calls(calls: list[str]) -> str:
    """"module 'a' in x.bicep and module 'b' in y.bicep"; after three, "... and 2 more"."""
    if len(calls) > 3:
        return ", ".join(calls[:3]) + f" and {len(calls) - 3} more"
    return calls[0] if len(calls) == 1 else ", ".join(calls[:-1]) + " and " + calls[-1]


def _avm_version(path: str) -> tuple[int, int, int] | None:
    """The version of the AVM registry module a `br` reference pins (`...registry:0.8.5`)."""
    match = AVM_REGISTRY.match(path)
    version = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", path[match.end():].strip()) if match else None
    return (int(version[1]), int(version[2]), int(version[3])) if version else None


# The module versions where its behaviour changed (Azure/bicep-registry-modules tags
# avm/res/container-registry/registry/0.6.0 and 0.12.0, main.bicep):
AVM_PREMIUM_DEFAULT = (0, 6, 0)      # acrSku = 'Premium' (before: 'Basic')
AVM_EMPTY_RULES_DENY = (0, 12, 0)    # networkRuleSet when networkRuleSetIpRules != null (before: !empty(...))


def _chosen_branch(doc: Document, resolver: "_Resolver", node: Node | None) -> Node | None:
    """``node``, or for `cond ? a : b` the branch it really is: either one when both are the
    same value (`cond ? [] : []`), else the one a condition that every deployment sets alike
    picks (see _Resolver._condition: `privateNetworking ? [ {...} ] : []`)."""
    if node is None or node.kind != "expr":
        return node
    syntax = _syntax_of(doc)
    expression = syntax.expressions.get(id(node))
    while expression is not None and expression.type == "parenthesized_expression":
        inner = [c for c in expression.named_children if c.type != "comment"]
        expression = inner[0] if len(inner) == 1 else None
    if expression is None or expression.type != "ternary_expression":
        return node
    builder = _Builder(doc.source, syntax)
    consequence = expression.child_by_field_name("consequence")
    alternative = expression.child_by_field_name("alternative")
    if consequence is None or alternative is None:
        return node
    first, second = (resolver._known(doc, branch) for branch in (consequence, alternative))
    if first is not None and second is not None and values.same(first.value, second.value):
        return _chosen_branch(doc, resolver, builder.node(consequence, node.path))
    condition = expression.child_by_field_name("condition")
    decided = resolver._condition(doc, condition) if condition is not None else None
    if decided is None:
        return node
    return _chosen_branch(doc, resolver, builder.node(consequence if decided.value else alternative, node.path))


def _rules_state(ip_rules: Node | None) -> str:
    """absent | empty | nonempty | unknown: what `networkRuleSetIpRules` is, for `empty()`
    and `!= null` in the module."""
    if ip_rules is None or ip_rules.kind == "null":
        return "absent"
    if ip_rules.kind == "array":
        return "nonempty" if ip_rules.items else "empty"
    return "unknown"


def _avm_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: "_Resolver") -> Registry:
    """A call of the AVM registry module, read the way the module version it pins turns its
    params into the resource (avm/res/container-registry/registry main.bicep at each tag; see
    ../shared/reference):

    - publicNetworkAccess: the param if given; else 'Disabled' when privateEndpoints are
      given and networkRuleSetIpRules are empty; else unset (every version).
    - networkRuleSet (defaultAction = networkRuleSetDefaultAction, default 'Deny'): from
      0.12.0, set when networkRuleSetIpRules is given (even []), or when publicNetworkAccess
      is 'Enabled' and the default action is 'Deny'; before 0.12.0 only when
      networkRuleSetIpRules is not empty. A version acr-fix cannot read counts as old.
    - acrSku defaults to 'Premium' from 0.6.0 ('Basic' before); networkRuleBypassOptions to
      'AzureServices'.
    """
    body = module.body
    assert body is not None and module.path is not None
    version = _avm_version(module.path)
    new_rules = version is not None and version >= AVM_EMPTY_RULES_DENY
    field = lambda key: _module_field(doc, body, resolver, key)  # noqa: E731
    params = body.get("params")
    params_obj = params if params is not None and params.kind == "object" else None
    ip_rules = _chosen_branch(doc, resolver, params_obj.get("networkRuleSetIpRules") if params_obj is not None else None)
    rules = _rules_state(ip_rules)
    endpoints = _chosen_branch(doc, resolver, params_obj.get("privateEndpoints") if params_obj is not None else None)
    has_endpoints = endpoints is not None and not (endpoints.kind == "array" and not endpoints.items) \
        and endpoints.kind != "null"
    sure_endpoints = has_endpoints and endpoints is not None and endpoints.kind == "array"

    public_access = field("publicNetworkAccess")
    if public_access.origin == Origin.ABSENT and has_endpoints and rules != "nonempty":
        if sure_endpoints and rules != "unknown":
            public_access = Resolved(Origin.EXPRESSION, value="Disabled", doc=doc, node=endpoints,
                                     detail="set to 'Disabled' by the module: private endpoints and no IP rules")
        elif sure_endpoints:
            public_access = Resolved(Origin.EXPRESSION, doc=doc, node=ip_rules,
                                     detail="the module disables public access only if networkRuleSetIpRules, "
                                            f"`{_short(str(ip_rules.value if ip_rules is not None else ''))}`, is empty")
        else:  # e.g. `privateNetworking ? [...] : []`: the module's choice depends on it
            public_access = Resolved(Origin.EXPRESSION, doc=doc, node=endpoints,
                                     detail=f"the module disables public access only if privateEndpoints, the expression "
                                            f"`{_short(str(endpoints.value if endpoints is not None else ''))}` "
                                            f"({_where(doc, endpoints) if endpoints is not None else 'unknown'}), is not empty")
    action = field("networkRuleSetDefaultAction")
    action_value = action.value if action.origin != Origin.ABSENT else "Deny"
    if new_rules:
        configured = rules in ("empty", "nonempty") or (
            (public_access.value or "").lower() == "enabled" and (action_value or "").lower() == "deny")
    else:
        configured = rules == "nonempty"
    if not configured:
        if public_access.origin == Origin.EXPRESSION and public_access.value is None or rules == "unknown":
            default_action = Resolved(Origin.EXPRESSION, doc=doc, detail="whether the module sets a networkRuleSet depends on an expression")
        else:
            default_action = Resolved(Origin.ABSENT, doc=doc, parent=params_obj)
    elif action.origin == Origin.ABSENT:
        default_action = Resolved(Origin.EXPRESSION, value="Deny", doc=doc, detail="the module's default networkRuleSetDefaultAction")
    else:
        default_action = action
    sku_name = field("acrSku")
    if sku_name.origin == Origin.ABSENT and version is not None and version >= AVM_PREMIUM_DEFAULT:
        sku_name = Resolved(Origin.EXPRESSION, value="Premium", doc=doc, detail="the module's default acrSku")
    elif sku_name.origin == Origin.ABSENT:
        # 'Basic' before 0.6.0; a version acr-fix cannot read may be that old: pass it explicitly
        sku_name = Resolved(Origin.ABSENT, value="Basic" if version is not None else None, doc=doc,
                            parent=params_obj, detail=f"the module's default acrSku in {module.path.rsplit(':', 1)[-1]}")
    bypass = field("networkRuleBypassOptions")
    if bypass.origin == Origin.ABSENT:
        bypass = Resolved(Origin.EXPRESSION, value="AzureServices", doc=doc, detail="the module's default")
    name_node = params_obj.get("name") if params_obj is not None else None
    return _module_registry(
        doc, syntax, module, resolver, params_obj, name_node,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=default_action,
        bypass=bypass,
        ip_rules=ip_rules,
        has_private_endpoint=sure_endpoints,
        notes=[f"deployed by the Azure Verified Module {module.path}: fixed through its params"],
        flavor="avm-module",
        module_action=action,
        module_empty_rules_deny=new_rules,
    )


def _registry(doc: Document, syntax: _Syntax, resource: _Resource, resolver: _Resolver,
              endpoints: list[_Resource | _Module]) -> Registry:
    body = resource.body
    assert body is not None
    props = body.get("properties")
    props_obj = props if props is not None and props.kind == "object" else None
    nrs = props_obj.get("networkRuleSet") if props_obj is not None else None
    nrs_obj = nrs if nrs is not None and nrs.kind == "object" else None
    sku = body.get("sku")
    sku_obj = sku if sku is not None and sku.kind == "object" else None

    def field(*keys: str) -> Resolved:
        """The value at ``keys`` below the body; an object on the way may be a parameter
        or variable that holds an object literal."""
        what = ".".join(keys[1:] if keys[0] == "properties" else keys)
        current = body
        for depth, key in enumerate(keys):
            child = current.get(key)
            if child is None:
                spread = next((m for m in current.members or ()
                               if m.key.startswith(SPREAD) and not _spread_lacks(syntax, m.value, key)), None)
                if spread is not None:
                    return Resolved(Origin.EXPRESSION, doc=doc, node=spread.value,
                                    detail=f"{what} may come from the spread `{_short(spread.key)}` ({_where(doc, spread.value)})")
                return Resolved(Origin.ABSENT, doc=doc, parent=current if depth == len(keys) - 1 else None)
            rest = keys[depth + 1:]
            if rest and child.kind == "object":
                current = child
                continue
            result = resolver.resolve(doc, child, what, 0, rest)
            if rest and result.origin == Origin.EXPRESSION and result.node is child:
                result.detail = f"{what} is inside the expression `{_short(str(child.value))}` ({_where(doc, child)})"
            return result
        raise AssertionError("field() needs at least one key")

    public_access = field("properties", "publicNetworkAccess")
    default_action = field("properties", "networkRuleSet", "defaultAction")
    bypass = field("properties", "networkRuleBypassOptions")
    sku_name = field("sku", "name")

    name_node = body.get("name")
    name = name_node.value if name_node is not None and name_node.kind == "string" else resource.symbolic
    shown_name, shown_is_expression = _shown_name(doc, resolver, name_node, resource.symbolic)
    pullers, importers = _clients(doc, syntax, resource, name_node)

    api_version, api_edit = _api_version(doc, resource)
    comments = _comments_of(doc, syntax, resource)
    ignore = next((m for m in (_IGNORE.search(c) for c in comments) if m), None)
    checkov = next((m for m in (_CHECKOV.search(c) for c in _comments_inside(syntax, resource)) if m), None)
    notes: list[str] = []
    if resource.loop:
        notes.append("declared in a `for` loop: a fix applies to every registry the loop creates")
    if resource.condition:
        notes.append("declared with an `if` condition: it is only deployed when the condition holds")

    return Registry(
        doc=doc,
        name=name,
        shown_name=shown_name,
        shown_is_expression=shown_is_expression,
        node=body,
        line=doc.line(resource.start),
        declared_at=resource.start,
        api_version=api_version,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=default_action,
        bypass=bypass,
        properties=props_obj,
        network_rule_set=nrs_obj,
        ip_rules=nrs_obj.get("ipRules") if nrs_obj is not None else None,
        sku=sku_obj,
        api_version_edit=api_edit,
        symbolic=resource.symbolic,
        existing=resource.existing,
        has_private_endpoint=_has_private_endpoint(syntax, resource, endpoints),
        consumers=pullers,
        importers=importers,
        condition_text=_condition_text(syntax, resource.syntax),
        property_keys=frozenset(m.key.lower() for m in props_obj.members or ()) if props_obj is not None else frozenset(),
        network_rule_set_keys=frozenset(m.key.lower() for m in nrs_obj.members or ()) if nrs_obj is not None else frozenset(),
        inline_ignore=(ignore.group(1).strip() or "no reason given") if ignore else None,
        checkov_skip=(checkov.group(1).strip() or "CKV_AZURE_139 skipped") if checkov else None,
        notes=notes,
    )


def _api_version(doc: Document, resource: _Resource) -> tuple[Resolved, Callable[[str], list[Edit]]]:
    """The @API part of the type string as a Resolved, and a hook that rewrites only that part."""
    type_node = resource.type_node
    if type_node.kind != "string":
        return (Resolved(Origin.EXPRESSION, doc=doc, node=type_node,
                         detail=f"the resource type is an interpolated string ({_where(doc, type_node)})"),
                lambda new_version: [])
    text = doc.source.text
    # The type string holds no escapes in practice; if it does, its value and its source
    # text differ and we refuse to edit rather than compute offsets inside escapes.
    quote = 1
    raw = text[type_node.start + quote:type_node.end - quote]
    if raw != type_node.value:
        return (Resolved(Origin.EXPRESSION, doc=doc, node=type_node,
                         detail=f"the resource type string uses escapes ({_where(doc, type_node)})"),
                lambda new_version: [])
    at = raw.rfind("@")
    if at == -1:
        insert_at = type_node.end - quote
        return (Resolved(Origin.ABSENT, doc=doc, node=type_node),
                lambda new_version: [Edit(insert_at, insert_at, "@" + new_version)])
    start = type_node.start + quote + at + 1
    end = type_node.end - quote

    def rewrite(new_version: str) -> list[Edit]:
        return [Edit(start, end, new_version)]

    return Resolved(Origin.LITERAL, value=raw[at + 1:], doc=doc, node=type_node), rewrite


def _comments_of(doc: Document, syntax: _Syntax, resource: _Resource) -> list[str]:
    """Comments inside the resource, on its first line, or on the line just above it
    (or above its decorators), or after its closing brace on the same line."""
    text = doc.source.text
    # Comments are in file order: look only at the window around the resource, so that
    # files with thousands of registries stay linear.
    window_start = line_start(text, max(0, line_start(text, resource.head) - 1))
    newline = text.find("\n", resource.end)
    window_end = len(text) if newline == -1 else newline
    first_line = doc.line(resource.head)
    out = []
    for start, end, comment in _comments_between(syntax, window_start, window_end):
        if resource.head <= start < resource.end:
            out.append(comment)
        elif end <= resource.head and doc.line(end) in (first_line - 1, first_line):
            out.append(comment)
        elif start >= resource.end and same_line(text, resource.end, start):
            out.append(comment)
    return out


def _comments_inside(syntax: _Syntax, resource: _Resource) -> list[str]:
    return [c for _, _, c in _comments_between(syntax, resource.start, resource.end)]


def _comments_between(syntax: _Syntax, start: int, end: int) -> list[tuple[int, int, str]]:
    """Comments that start in [start, end)."""
    return syntax.comments_between(start, end)


def _private_endpoint_declarations(syntax: _Syntax) -> list[_Resource | _Module]:
    """The file's privateEndpoints resources, and modules that look like they deploy
    private endpoints (e.g. AVM's `privateEndpoints` parameter)."""
    found: list[_Resource | _Module] = []
    for resource in syntax.resources:
        if resource.type_node.kind == "string" \
                and resource.type_node.value.split("@", 1)[0].strip().lower() == PRIVATE_ENDPOINT_TYPE:
            found.append(resource)
    for module in syntax.modules:
        text = syntax.text[module.start:module.end].lower()
        if "privateendpoint" in text or "private-endpoint" in text:
            found.append(module)
    return found


def _condition_text(syntax: _Syntax, declaration: SyntaxNode) -> str | None:
    """The `if (...)` condition of a resource (also inside a `[for ...]`), as written."""
    value = _value_after_equals(declaration)
    for _ in range(3):
        if value is None:
            return None
        if value.type == "if_statement":
            condition = next((c for c in value.named_children if c.type != "object"), None)
            return syntax.source_text(condition) if condition is not None else None
        if value.type != "for_statement":
            return None
        value = value.child_by_field_name("body")
    return None


def _shown_name(doc: Document, resolver: _Resolver, name_node: Node | None, symbolic: str) -> tuple[str | None, bool]:
    """How reports show a registry whose name is not a string literal: the value it resolves
    to (a parameter default or file, a module caller, a variable), else the expression's
    source text, shortened (the one a variable holds when the name is that variable, as
    ARM's readable_expression does); for a bare parameter (`name: name`), whose name says
    less than the declaration's, the symbolic name (`resource acr`), in backticks too.
    (None, False) for a literal name or none."""
    if name_node is None or name_node.kind == "string":
        return None, False
    resolved = resolver.resolve(doc, name_node, "name")
    if resolved.value and resolved.origin != Origin.NO_VALUE:  # '' (a placeholder default) names nothing
        return resolved.value, False
    # a variable is followed (its expression is fixed in the file); a parameter is not
    variables = _syntax_of(doc).variables
    source = name_node
    for _ in range(3):
        inner = variables.get(str(source.value).strip()) if source.kind == "expr" else None
        if inner is None or inner.kind != "expr":
            break
        source = inner
    text = str(source.value).strip()
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and symbolic:
        return symbolic, True
    return _short(text), True


def _clients(doc: Document, syntax: _Syntax, registry: _Resource,
             name_node: Node | None = None) -> tuple[list[Consumer], list[str]]:
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
    found: list[Consumer] = []
    importers: list[str] = []
    declarations: list[tuple[str, int, int, bool, str]] = []
    for r in syntax.resources:
        if r is registry or "::" in r.symbolic:
            continue
        kind = r.type_node.value.split('@', 1)[0] if r.type_node.kind == 'string' else 'resource'
        script = kind.lower() == "microsoft.resources/deploymentscripts" \
            and imports_images(text[r.start:r.end].lower())
        declarations.append((f"{kind} '{r.symbolic}'", r.start, r.end, script, kind))
    for m in syntax.modules:
        path = (m.path or "").lower()
        declarations.append((f"module '{m.symbolic}'", m.start, m.end,
                             "import-acr" in path or "import-image-to-acr" in path, "module"))
    aliases = _registry_aliases(syntax, registry, name_node)
    granted = {r.start: r for r in syntax.resources if r is not registry and _registry_role(syntax, r, aliases)}
    # the registry's name in a login server string: `'${acr.name}.azurecr.io'`, `'${acrName}.azurecr.io'`
    literals = [f"{a}.name" for a in sorted(aliases)] + ([name_symbol] if name_symbol else [])
    name_use = re.compile(rf"(?<![A-Za-z0-9_.])(?:{'|'.join(map(re.escape, literals))})(?![A-Za-z0-9_])")
    for label, start, end, imports, rtype in sorted(declarations, key=lambda d: d[1]):
        if registry.start <= start < registry.end:
            continue
        if imports:
            if _mentions(text, needle, start, end) or (name_symbol and _mentions(text, name_symbol, start, end, whole=True)):
                importers.append(f"{label} (line {doc.line(start)})")
            continue
        if start in granted:
            found.append(_role_client(doc, syntax, granted[start]))
            continue
        if rtype.lower() == consumers.ML_WORKSPACE_TYPE and \
                re.search(rf"containerRegistry\s*:\s*{re.escape(needle)}id\b", text[start:end]):
            # an ML workspace or AI hub names its registry by id (it pulls as a trusted service)
            found.append(_declaration_consumer(doc, rtype, label, start, end, "its containerRegistry (the workspace identity)"))
            continue
        at = text.find(needle, start, end)  # a literal first: this runs for every declaration
        while at >= 0:
            if (at == 0 or text[at - 1] not in _IDENT_OR_DOT) and _PULLS_FROM.match(text, at + len(needle)):
                found.append(_declaration_consumer(doc, rtype, label, start, end))
                break
            at = text.find(needle, at + 1, end)
        else:
            # (the literals first: the pattern starts with a look-behind, so a search with it
            # alone tries every character of the declaration)
            if any(text.find(literal, start, end) >= 0 for literal in literals) and \
                    any(_pulls_by_name(_line_at(text, m.start()), re.escape(m.group(0)))
                        for m in name_use.finditer(text, start, end)):
                found.append(_declaration_consumer(doc, rtype, label, start, end, "a login server built from its name"))
    return found, importers


def _declaration_consumer(doc: Document, rtype: str, label: str, start: int, end: int,
                          how: str | None = None) -> Consumer:
    """A declaration (resource or module call) of ``doc`` that uses a registry, as a consumer."""
    kind = consumers.ConsumerKind.MODULE if rtype == "module" else None
    return consumers.of_resource(rtype, label, doc.path, doc.line(start), doc.source.text[start:end], how, kind)




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


def _role_client(doc: Document, syntax: _Syntax, assignment: _Resource) -> Consumer:
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
    what = f"{who} (role assignment '{assignment.symbolic}')" if who is not None else \
        f"role assignment '{assignment.symbolic}' to {_short(expression, 60)}"
    # a resource's own identity pulls for that resource: its kind is the consumer's
    owner = _OWN_IDENTITY.fullmatch(expression)
    owner_type = types.get(owner.group(1), "") if owner is not None else ""
    kind = consumers.kind_of(owner_type) if owner_type else None
    return consumers.of_resource("Microsoft.Authorization/roleAssignments", what, doc.path, doc.line(assignment.start),
                                 text, f"the {role} role",
                                 kind if kind is not None and kind != consumers.ConsumerKind.LOGIN_SERVER else None)


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


def _has_private_endpoint(syntax: _Syntax, registry: _Resource, endpoints: list[_Resource | _Module]) -> bool:
    """A private endpoint in this file for the registry: a privateEndpoints resource or a
    private-endpoint module that names the registry, or a privateEndpoints resource for
    'registry' that names no registry of this file while this is the file's only one (its
    target then comes from a parameter: the one registry here is the likely one). An
    endpoint of another registry in the same file does not count: it gives this one no
    private path, and turning its public access off would cut its clients off."""
    others = [r.symbolic for r in syntax.resources
              if r is not registry and "::" not in r.symbolic and _type_name(r.type_node) == REGISTRY_TYPE]
    for declaration in endpoints:
        if _mentions_symbol(syntax, declaration.syntax, registry.symbolic):
            return True
        if isinstance(declaration, _Resource) and any(g.lower() == "registry" for g in _group_ids(declaration.body)) \
                and not others:
            return True
    return False


def _group_ids(body: Node | None) -> Iterator[str]:
    props = body.get("properties") if body is not None else None
    if props is None or props.kind != "object":
        return
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        connections = props.get(key)
        for connection in (connections.items or ()) if connections is not None and connections.kind == "array" else ():
            inner = connection.get("properties") if connection.kind == "object" else None
            groups = inner.get("groupIds") if inner is not None and inner.kind == "object" else None
            for group in (groups.items or ()) if groups is not None and groups.kind == "array" else ():
                if group.kind == "string":
                    yield group.value


def _mentions_symbol(syntax: _Syntax, root: SyntaxNode, symbol: str) -> bool:
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.type == "identifier" and syntax.source_text(node) == symbol and node != root:
            return True
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent() or cursor.node == root:
                return False


# --------------------------------------------------------------------------- other registry modules

def _other_registry_modules(doc: Document, syntax: _Syntax, resolver: _Resolver) -> list[Registry]:
    """Remote module calls that deploy a registry, besides the AVM module: the classic public
    module (read like the AVM one) and modules acr-fix cannot read (reported, see module_refs)."""
    found: list[Registry] = []
    for module in syntax.modules:
        if module.body is None or not module.path:
            continue
        if CLASSIC_REGISTRY.match(module.path):
            found.append(_classic_registry(doc, syntax, module, resolver))
        elif PATTERN_REGISTRY.match(module.path):
            pattern = _pattern_registry(doc, syntax, module, resolver)
            if pattern is not None:
                found.append(pattern)
        elif deploys_unmodelled_registry(module.path):
            found.append(_unreadable_module_registry(doc, syntax, module, resolver))
    return found


def _module_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: "_Resolver",
                     params_obj: Node | None, name_node: Node | None, **values: Any) -> Registry:
    """A registry deployed by a module call, with what every such call shares: its name (as
    passed, and as reports show it), where the call is, its params, its suppressions and its
    condition; ``values``: the rest (the network values the module writes, its flavour...)."""
    assert module.body is not None
    shown_name, shown_is_expression = _shown_name(doc, resolver, name_node, module.symbolic)
    ignore, checkov = _module_suppressions(doc, syntax, module)
    return Registry(
        doc=doc,
        name=name_node.value if name_node is not None and name_node.kind == "string" else module.symbolic,
        shown_name=shown_name,
        shown_is_expression=shown_is_expression,
        node=module.body,
        line=doc.line(module.start),
        declared_at=module.start,
        api_version=Resolved(Origin.ABSENT, doc=doc),
        properties=params_obj,
        network_rule_set=None,
        sku=None,
        symbolic=module.symbolic,
        inline_ignore=ignore,
        checkov_skip=checkov,
        module_path=module.path,
        condition_text=_condition_text(syntax, module.syntax),
        **values,
    )


def _module_suppressions(doc: Document, syntax: _Syntax, module: _Module) -> tuple[str | None, str | None]:
    """(acr-fix: ignore reason, checkov skip reason) from the comments on and in a module call."""
    view = _Resource(module.symbolic, Node("string", module.start, module.start), module.body, False,
                     module.start, module.end, module.start, module.syntax, False, False)
    ignore = next((m for m in (_IGNORE.search(c) for c in _comments_of(doc, syntax, view)) if m), None)
    checkov = next((m for m in (_CHECKOV.search(c) for c in _comments_inside(syntax, view)) if m), None)
    return ((ignore.group(1).strip() or "no reason given") if ignore else None,
            (checkov.group(1).strip() or "CKV_AZURE_139 skipped") if checkov else None)


def _module_notes(syntax: _Syntax, module: _Module) -> list[str]:
    value = _value_after_equals(module.syntax)
    notes = []
    if value is not None and value.type == "for_statement":
        notes.append("deployed in a `for` loop: a fix applies to every registry the loop creates")
    if _condition_text(syntax, module.syntax) is not None:
        notes.append("deployed with an `if` condition: it is only deployed when the condition holds")
    return notes


def _module_bool(doc: Document, params: Node | None, key: str, default: bool) -> tuple[bool | None, Node | None]:
    """A boolean module parameter as passed: (its value, the literal) or (None, the expression);
    (default, None) when it is not passed."""
    node = params.get(key) if params is not None else None
    if node is None:
        return default, None
    if node.kind == "bool":
        return bool(node.value), node
    return None, node


def _classic_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: _Resolver) -> Registry:
    """A call of the public registry module that came before AVM (br/public:compute/container-registry).
    Its four published versions (1.0.1, 1.0.2, 1.0.3, 1.1.1; Azure/bicep-registry-modules tags
    compute/container-registry/<version>, main.bicep) turn their params into the resource alike:

    - `IS_PREMIUM_SKU = skuName == 'Premium'`, skuName defaulting to 'Basic';
    - publicNetworkAccess: Premium ? (publicNetworkAccessEnabled ? 'Enabled' : 'Disabled') : null,
      publicNetworkAccessEnabled defaulting to true;
    - networkRuleSet: Premium ? { defaultAction: networkDefaultAction, ipRules from
      networkAllowedIpRanges } : null, networkDefaultAction defaulting to 'Deny';
    - networkRuleBypassOptions: Premium ? (publicAzureAccessEnabled ? 'AzureServices' : 'None') : null.

    So below Premium the registry is open whatever else is passed, and a Premium one is closed
    unless networkDefaultAction is 'Allow' and public access is left on."""
    body = module.body
    assert body is not None and module.path is not None
    params = body.get("params")
    params_obj = params if params is not None and params.kind == "object" else None
    field = lambda key: _module_field(doc, body, resolver, key)  # noqa: E731
    sku_name = field("skuName")
    if sku_name.origin == Origin.ABSENT:
        sku_name = Resolved(Origin.ABSENT, value="Basic", doc=doc, parent=params_obj,
                            detail="the module's default skuName")
    skus = [r.value for r in (sku_name, *sku_name.also)]
    premium: bool | None = None
    if any(v is not None and v.lower() != "premium" for v in skus):
        premium = False
    elif all(v is not None for v in skus):
        premium = True
    action = field("networkDefaultAction")
    enabled, enabled_node = _module_bool(doc, params_obj, "publicNetworkAccessEnabled", True)
    azure, _ = _module_bool(doc, params_obj, "publicAzureAccessEnabled", True)
    if premium is None:
        why = ("the module sets publicNetworkAccess and networkRuleSet only for the Premium SKU, and "
               + (sku_name.detail if sku_name.detail.startswith("skuName ") else f"skuName is {sku_name.describe()}"))
        public_access = Resolved(Origin.EXPRESSION, doc=doc, node=sku_name.node, detail=why)
        default_action = Resolved(Origin.EXPRESSION, doc=doc)
        bypass = Resolved(Origin.EXPRESSION, doc=doc)
    elif not premium:
        public_access = Resolved(Origin.ABSENT, doc=doc)
        default_action = Resolved(Origin.ABSENT, doc=doc)
        bypass = Resolved(Origin.ABSENT, doc=doc)
    else:
        if enabled is None:
            assert enabled_node is not None
            public_access = Resolved(Origin.EXPRESSION, doc=doc, node=enabled_node,
                                     detail=f"set by the module from publicNetworkAccessEnabled, the expression "
                                            f"`{_short(str(enabled_node.value))}` ({_where(doc, enabled_node)})")
        else:
            public_access = Resolved(Origin.EXPRESSION, value="Enabled" if enabled else "Disabled", doc=doc,
                                     node=enabled_node,
                                     detail=f"set by the module from publicNetworkAccessEnabled = {str(enabled).lower()}"
                                            + ("" if enabled_node is not None else ", its default"))
        if action.origin == Origin.ABSENT:
            default_action = Resolved(Origin.EXPRESSION, value="Deny", doc=doc,
                                      detail="the module's default networkDefaultAction")
        else:
            default_action = action
        bypass = Resolved(Origin.EXPRESSION, value=None if azure is None else "AzureServices" if azure else "None",
                          doc=doc, detail="set by the module from publicAzureAccessEnabled")
    endpoints = _chosen_branch(doc, resolver, params_obj.get("privateEndpoints") if params_obj is not None else None)
    ip_ranges = params_obj.get("networkAllowedIpRanges") if params_obj is not None else None
    name_node = params_obj.get("name") if params_obj is not None else None
    return _module_registry(
        doc, syntax, module, resolver, params_obj, name_node,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=default_action,
        bypass=bypass,
        ip_rules=ip_ranges,
        has_private_endpoint=endpoints is not None and endpoints.kind == "array" and bool(endpoints.items),
        notes=[f"deployed by the public registry module {module.path} (the one before Azure Verified Modules): "
               "it sets the network access only for the Premium SKU; fixed through its params",
               *_module_notes(syntax, module)],
        flavor="classic-module",
        module_action=action,
    )


@dataclass(frozen=True)
class _Pattern:
    """How an Azure Verified Module pattern passes its params to the AVM registry module it
    calls. All three below call registry versions before 0.12.0 and pass no
    networkRuleSetIpRules nor privateEndpoints, so the module never writes a networkRuleSet
    and sets publicNetworkAccess only from what the pattern passes."""

    what: str                     # what the pattern deploys, for messages
    name_param: str               # the pattern param that names the registry
    sku_param: str
    sku_default: str
    access_param: str | None      # the pattern param passed on as publicNetworkAccess, if any
    access_default: str | None
    # from this pattern version on (and for a version acr-fix cannot read) the access param
    # also sets another resource's public network access: who, for messages
    shared_from: tuple[int, int, int] | None = None
    shared_with: str = ""
    optional: bool = False        # deployed only when the name param is not empty
    pullers: tuple[str, ...] = () # what the pattern itself lets pull from the registry


# Azure/bicep-registry-modules, avm/ptn/<name>/<version> tags, main.bicep:
# - azd/container-apps-stack 0.1.0-0.4.0: registry 0.4.0 / 0.9.1 with name, location,
#   acrAdminUserEnabled, tags, acrSku ('Standard'), enableTelemetry; its publicNetworkAccess
#   param (0.3.0 on) is the Container Apps environment's.
# - azd/aks 0.1.0-0.3.0: registry 0.5.1 / 0.9.1 / 0.11.0 with publicNetworkAccess ('Enabled')
#   and acrSku ('Standard'); from 0.1.1 the same publicNetworkAccess goes to the AKS cluster
#   too; the cluster's kubelet identity gets AcrPull on the registry.
# - azd/ml-hub-dependencies 0.1.0-0.2.0: registry 0.4.0 / 0.9.1, only when
#   containerRegistryName is not empty, with registryPublicNetworkAccess ('Enabled') and
#   registryAcrSku ('Basic').
_PATTERNS: dict[str, _Pattern] = {
    "azd/container-apps-stack": _Pattern("a Container Apps environment and a registry", "containerRegistryName",
                                         "acrSku", "Standard", None, None),
    "azd/aks": _Pattern("an AKS cluster and a registry", "containerRegistryName", "acrSku", "Standard",
                        "publicNetworkAccess", "Enabled", (0, 1, 1), "the AKS cluster's public network access",
                        pullers=("the AKS cluster the pattern deploys",)),
    "azd/ml-hub-dependencies": _Pattern("an Azure ML hub's dependencies (a registry among them)",
                                        "containerRegistryName", "registryAcrSku", "Basic",
                                        "registryPublicNetworkAccess", "Enabled", optional=True),
}


def _pattern_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: _Resolver) -> Registry | None:
    """A call of an AVM pattern that deploys a registry (see _Patterns): its registry read from
    the params the pattern passes on. None when the call deploys no registry (an optional one
    whose name is not given)."""
    body = module.body
    assert body is not None and module.path is not None
    match = PATTERN_REGISTRY.match(module.path)
    assert match is not None
    pattern = _PATTERNS[match.group(1).lower()]
    version = version_of(module.path[match.end():])
    params = body.get("params")
    params_obj = params if params is not None and params.kind == "object" else None
    name_node = params_obj.get(pattern.name_param) if params_obj is not None else None
    notes = _module_notes(syntax, module)
    if pattern.optional:
        if params_obj is not None and (name_node is None or name_node.kind == "string" and not name_node.value):
            return None   # no name: the pattern deploys no registry
        if name_node is None or name_node.kind != "string":
            notes.append(f"the pattern deploys the registry only when {pattern.name_param} is not empty")
    field = lambda key: _module_field(doc, body, resolver, key)  # noqa: E731
    sku_name = field(pattern.sku_param)
    if sku_name.origin == Origin.ABSENT:
        sku_name = Resolved(Origin.ABSENT, value=pattern.sku_default, doc=doc, parent=params_obj,
                            detail=f"the pattern's default {pattern.sku_param}")
    if pattern.access_param is None:
        public_access = Resolved(Origin.ABSENT, doc=doc)
    else:
        public_access = field(pattern.access_param)
        if public_access.origin == Origin.ABSENT:
            public_access = Resolved(Origin.EXPRESSION, value=pattern.access_default, doc=doc,
                                     detail=f"the pattern's default {pattern.access_param}, which it passes to the "
                                            "registry module")
    shared = pattern.shared_from is not None and (version is None or version >= pattern.shared_from)
    passes = f"{pattern.sku_param}" + (f" and {pattern.access_param}" if pattern.access_param else "")
    return _module_registry(
        doc, syntax, module, resolver, params_obj, name_node,
        sku_name=sku_name,
        public_network_access=public_access,
        default_action=Resolved(Origin.ABSENT, doc=doc),
        bypass=Resolved(Origin.EXPRESSION, value="AzureServices", doc=doc, detail="the registry module's default"),
        ip_rules=None,
        consumers=[consumers.of_resource("Microsoft.ContainerService/managedClusters", puller, doc.path,
                                         doc.line(module.start), "", "the AcrPull role of its kubelet identity")
                   for puller in pattern.pullers],
        notes=[f"deployed by the Azure Verified Module pattern {module.path}, which deploys {pattern.what} and "
               f"passes its {passes} to the registry module", *notes],
        flavor="pattern-module",
        module_sku_param=pattern.sku_param,
        module_access_param=pattern.access_param,
        module_access_shared=pattern.shared_with if shared else None,
    )


def _unreadable_module_registry(doc: Document, syntax: _Syntax, module: _Module, resolver: "_Resolver") -> Registry:
    """A remote module whose name says it deploys a registry, and whose source acr-fix does not
    have: nothing is known about what it writes, so it is a check by hand (not silence)."""
    body = module.body
    assert body is not None and module.path is not None
    params = body.get("params")
    params_obj = params if params is not None and params.kind == "object" else None
    name_node = params_obj.get("name") if params_obj is not None else None
    kind = "pattern module" if "avm/ptn/" in module.path.lower() else "module"
    unknown = Resolved(Origin.EXPRESSION, doc=doc,
                       detail=f"the registry is deployed through {kind} '{module.path}', which acr-fix cannot read")
    return _module_registry(
        doc, syntax, module, resolver, params_obj, name_node,
        sku_name=Resolved(Origin.EXPRESSION, doc=doc, detail="set inside the module"),
        public_network_access=unknown,
        default_action=Resolved(Origin.EXPRESSION, doc=doc),
        bypass=Resolved(Origin.EXPRESSION, doc=doc),
        ip_rules=None,
        notes=_module_notes(syntax, module),
        flavor="unreadable-module",
    )


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
            registry.consumers = consumers.merge(registry.consumers, _output_users(
                doc, doc, registry.symbolic, _MODULE_PULL_OUTPUTS, _MODULE_NAME_OUTPUTS, resolver, 0, set()))
        elif registry.flavor == "resource":
            resource = next((r for r in syntax.resources if r.symbolic == registry.symbolic), None)
            if resource is None or resource.loop:
                continue
            pull, named = _outputs_from(syntax, rf"{re.escape(registry.symbolic)}\.",
                                        r"properties\.loginServer\b|listCredentials\(", r"(?:name|id)\b")
            if pull or named:
                registry.consumers = consumers.merge(registry.consumers, _callers_using(
                    doc, doc, pull, named, resolver, 1, {file_key(doc.path)}))
            registry.consumers = consumers.merge(registry.consumers, _name_param_clients(doc, syntax, resource, resolver))


def _name_param_clients(doc: Document, syntax: _Syntax, resource: _Resource, resolver: _Resolver) -> list[Consumer]:
    """Pullers in the files that deploy ``doc`` as a module, when the registry's name is a
    parameter (`name: name`): declarations there that build a login server from the value they
    pass for it (`'${acrName}.azurecr.io'`), or pass it to a module that pulls with it (an
    AcrPull role assignment on an `existing` registry of that name, see _module_param_pulls)."""
    name_node = resource.body.get("name") if resource.body is not None else None
    param = str(name_node.value).strip() if name_node is not None and name_node.kind == "expr" else ""
    if param not in syntax.params:
        return []
    found: list[Consumer] = []
    for caller_doc, module in resolver.callers(doc):
        params = module.body.get("params") if module.body is not None else None
        passed = params.get(param) if params is not None and params.kind == "object" else None
        expression = str(passed.value).strip() if passed is not None and passed.kind == "expr" else ""
        if not _IDENTIFIER.match(expression):
            continue
        caller = _syntax_of(caller_doc)
        word = _symbol_uses_pattern(expression)
        for r in caller.resources:
            if r.existing or "::" in r.symbolic:
                continue
            if any(_pulls_by_name(_line_at(caller.text, m.start()), re.escape(expression))
                   for m in word.finditer(caller.text, r.start, r.end)):
                kind = r.type_node.value.split("@", 1)[0] if r.type_node.kind == "string" else "resource"
                found.append(_declaration_consumer(caller_doc, kind, f"{kind} '{r.symbolic}'", r.start, r.end,
                                                   "a login server built from the name it passes"))
        for inner in caller.modules:
            if inner is module or inner.body is None:
                continue
            inner_params = inner.body.get("params")
            for member in (inner_params.members or ()) if inner_params is not None and inner_params.kind == "object" else ():
                if member.value.kind == "expr" and str(member.value.value).strip() == expression \
                        and _module_param_pulls(resolver, caller_doc, inner, member.key, 1, set()):
                    found.append(_declaration_consumer(caller_doc, "module", f"module '{inner.symbolic}'", inner.start,
                                                       inner.end, "the registry name it is passed"))
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
                  named: frozenset[str] | set[str], resolver: _Resolver, hops: int, seen: set) -> list[Consumer]:
    """Declarations of ``doc`` that pull through module ``symbol``'s outputs ``pull`` (any use)
    or ``named`` (in a login server string or a listCredentials call), then, through ``doc``'s
    own outputs that pass those on, the same in the files that call ``doc``."""
    syntax = _syntax_of(doc)
    text = syntax.text
    use = _symbol_uses_pattern(symbol, r"\.outputs\.([A-Za-z_][A-Za-z0-9_]*)")
    declarations = [(f"{r.type_node.value.split('@', 1)[0] if r.type_node.kind == 'string' else 'resource'} "
                     f"'{r.symbolic}'", r.start, r.end) for r in syntax.resources if "::" not in r.symbolic]
    declarations += [(f"module '{m.symbolic}'", m.start, m.end) for m in syntax.modules if m.symbolic != symbol]
    modules = {m.start: m for m in syntax.modules}
    found: list[Consumer] = []
    for label, start, end in sorted(declarations, key=lambda d: d[1]):
        for match in use.finditer(text, start, end):
            output = match.group(1)
            if output in pull or output in named and (
                    _pulls_by_name(_line_at(text, match.start()), re.escape(match.group(0)))
                    or start in modules and _passes_to_puller(resolver, doc, modules[start], match.group(0), seen)):
                rtype = "module" if start in modules else label.rsplit(" '", 1)[0]
                found.append(_declaration_consumer(doc, rtype, label, start, end,
                                                   f"the {output} output of module '{symbol}'"))
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
                   hops: int, seen: set) -> list[Consumer]:
    """The pullers, in the files that deploy ``doc`` as a module, of ``doc``'s outputs."""
    found: list[Consumer] = []
    for caller_doc, module in resolver.callers(doc):
        if file_key(caller_doc.path) in seen:
            continue
        found = consumers.merge(found, _output_users(home, caller_doc, module.symbolic, pull, named, resolver, hops, seen))
    return found


# --------------------------------------------------------------------------- dialect

class BicepDialect:
    """How to write values and insert members in Bicep, following the file's own layout."""

    name = "bicep"

    def literal(self, value: Any, indent: str, unit: str, eol: str) -> str:
        """Multi-line Bicep for objects and arrays (no commas), one token for scalars."""
        if isinstance(value, dict):
            if not value:
                return "{}"
            inner = indent + unit
            lines = [f"{inner}{_key(k)}: {self.literal(v, inner, unit, eol)}" for k, v in value.items()]
            return "{" + eol + eol.join(lines) + eol + indent + "}"
        if isinstance(value, (list, tuple)):
            if not value:
                return "[]"
            inner = indent + unit
            lines = [inner + self.literal(v, inner, unit, eol) for v in value]
            return "[" + eol + eol.join(lines) + eol + indent + "]"
        return _scalar(value)

    def compact(self, value: Any) -> str:
        """One-line Bicep (comma-separated) for single-line objects and arrays."""
        if isinstance(value, dict):
            if not value:
                return "{}"
            return "{ " + ", ".join(f"{_key(k)}: {self.compact(v)}" for k, v in value.items()) + " }"
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(self.compact(v) for v in value) + "]"
        return _scalar(value)

    def insert_member(self, doc: Document, obj: Node, key: str, value: Any) -> list[Edit]:
        return self.insert_members(doc, obj, [(key, value)])

    def insert_members(self, doc: Document, obj: Node, pairs: list[tuple[str, Any]]) -> list[Edit]:
        """Edits adding ``key: value`` pairs after the last member of ``obj``."""
        return _insert(doc, obj, [m.value for m in obj.members or ()], [m.start for m in obj.members or ()],
                       [(_key(k), v) for k, v in pairs])

    def append_item(self, doc: Document, array: Node, value: Any) -> list[Edit]:
        items = array.items or []
        return _insert(doc, array, items, [i.start for i in items], [(None, value)])


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _quote(value)
    raise TypeError(f"Bicep has no literal for {type(value).__name__} values")


def _quote(value: str) -> str:
    escaped = (value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t").replace("${", "\\${"))
    return f"'{escaped}'"


def _key(key: str) -> str:
    return key if _IDENTIFIER.match(key) else _quote(key)


def _insert(doc: Document, container: Node, values: list[Node], starts: list[int],
            entries: list[tuple[str | None, Any]]) -> list[Edit]:
    """Edits adding ``entries`` (key or None, value) after the last element of a container."""
    text = doc.source.text
    eol = doc.source.eol
    unit = detect_indent_unit(text)

    def multi(indent: str) -> list[str]:
        return [(f"{key}: " if key is not None else "") + DIALECT.literal(v, indent, unit, eol) for key, v in entries]

    compact = [(f"{key}: " if key is not None else "") + DIALECT.compact(v) for key, v in entries]
    commas = _separators(doc, container)
    trailing = commas[-1] if values and commas and commas[-1] > values[-1].end else None
    # Multi-line objects need no commas; use them only if the file already separates with them.
    separator = "," if len(values) > 1 and any(values[-2].end <= c < starts[-1] for c in commas) else ""
    return insert_entries(text, eol, unit, container, values, starts, multi, compact, trailing, separator)


def _separators(doc: Document, container: Node) -> list[int]:
    """Offsets of the commas that separate the container's elements."""
    syntax = _SYNTAX.get(doc)
    container_syntax = syntax.containers.get(id(container)) if syntax is not None else None
    if container_syntax is None:
        return []
    return [syntax.offsets.char(c.start_byte) for c in container_syntax.children if c.type == ","]


DIALECT = BicepDialect()
