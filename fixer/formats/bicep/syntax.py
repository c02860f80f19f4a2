"""Parsing a ``.bicep`` or ``.bicepparam`` file into a Document (incrementally after edits)."""

from __future__ import annotations

import re
from typing import Any

from tree_sitter import Node as SyntaxNode
from tree_sitter import Query, QueryCursor, Tree

from ...edits import Edit
from ...errors import ParseError
from ...model import Document, Member, Node
from ...source import SourceFile
from .dialect import DIALECT
from .grammar import _LANGUAGE, _imported_names, _imports, _mask_for_grammar, _parser
from .nodes import (
    _SYNTAX,
    Gap,
    _Builder,
    _Offsets,
    _Span,
    _Syntax,
    _union_from_text,
    _value_after_equals,
)

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
    as_is = kind == "bicep" and "/*" not in text and not _COMMENT_IN_STRING.search(text)
    if as_is and previous is not None:
        old_syntax = _SYNTAX.get(previous[0])
        if old_syntax is not None and old_syntax.tree is not None:
            tree = _reparse(old_syntax, text, previous[1])
    if tree is None and as_is:
        # Most files need none of the rewrites below: try the text as it is first. ('/*' in
        # a string, and '//' at a string's start or after an escaped quote, can parse as a
        # comment without an error, so such files always get masked.)
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
            else:
                tree, param_keywords, masked_types, opened = retry, joined_keywords, joined_types, joined_opened
                masked = _unparen_conditions(joined, {})
    root_syntax = tree.root_node
    offsets = _Offsets(text)
    gaps: list[Gap] = []
    if root_syntax.has_error:
        if kind != "bicep":
            _raise_first_error(source, root_syntax, offsets)
        tree, gaps = _tolerate(source, masked, tree, offsets)
        root_syntax = tree.root_node
        masked_types = {name: span for name, span in masked_types.items()
                        if not any(g.start <= span[0] < g.end for g in gaps)}
    if previous is not None:
        _check_gaps_kept(source, previous, gaps)
    syntax = _Syntax(offsets=offsets, text=text, tree=as_written, opened=opened, gaps=gaps)
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


_COMMENT_IN_STRING = re.compile(r"'//|\\'[^'\n]*//")

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


# --------------------------------------------------------------------------- tolerance
#
# tree-sitter recovers locally: a statement it cannot read leaves the statements around it
# intact. When that happens, the statement is left out (blanked as a comment in the text the
# grammar parses, offsets kept) and recorded as a Gap; the registries say whether anything
# they depend on is in one (then the registry is a check by hand), and a re-parse of an
# edited text must find the same gaps with the same text (see _check_gaps_kept).

MAX_GAPS = 8
# a line that starts a top-level statement (decorators included), at column 0
_STATEMENT_START = re.compile(r"(?:@|(?:param|var|resource|module|output|type|func|import|metadata|targetScope|"
                              r"using|extension|provider|assert)\b)")
_DECLARES = re.compile(r"^(?:param|var|type|resource|module|func|output)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.M)
_REGISTRY_MENTION = re.compile(r"Microsoft\.ContainerRegistry/registries|container-?registry", re.I)


def _tolerate(source: SourceFile, masked: str, tree: Tree, offsets: _Offsets) -> tuple[Tree, list["Gap"]]:
    """The tree of ``masked`` with every top-level statement holding a grammar error blanked,
    and those statements as Gaps. Raises the first error's ParseError when that does not
    give a clean tree."""
    text = source.text
    gaps: list[Gap] = []
    first = tree
    while tree.root_node.has_error:
        at, problem = _error_at(text, tree.root_node, offsets)
        span = _statement_around(text, at)
        blanked = _blank(masked, *span) if span is not None and len(gaps) < MAX_GAPS else None
        if blanked is None or any(g.start <= at < g.end for g in gaps):
            _raise_first_error(source, first.root_node, offsets)
        start, end = span  # type: ignore[misc]
        statement = text[start:end]
        gaps.append(Gap(start=start, end=end, line=source.line_of(at), column=source.column_of(at), problem=problem,
                        declares=frozenset(_DECLARES.findall(statement)),
                        mentions_registry=bool(_REGISTRY_MENTION.search(statement))))
        masked = blanked
        tree = _parser().parse(masked.encode("utf-8"))
    return tree, sorted(gaps, key=lambda g: g.start)


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _statement_around(text: str, offset: int) -> tuple[int, int] | None:
    """(start, end) of the top-level statement holding ``offset``: from its first decorator
    to the line where the next statement starts. None when no statement start is found."""
    start = _line_start(text, offset)
    while not _STATEMENT_START.match(text, start):
        if start == 0:
            return None
        start = _line_start(text, start - 1)
    # decorators above it belong to it (a blank line or another statement ends them)
    above = start
    while above > 0:
        above = _line_start(text, above - 1)
        line = text[above:text.find("\n", above)].strip()
        if not line or (_STATEMENT_START.match(text, above) and not line.startswith("@")):
            break
        if line.startswith("@"):
            start = above
    # the end: the next statement start after its declaration line and after the error
    declaration = start
    while text.startswith("@", declaration) or not _STATEMENT_START.match(text, declaration):
        newline = text.find("\n", declaration)
        if newline == -1:
            return start, len(text)
        declaration = newline + 1
    line = _line_start(text, max(declaration, offset))
    while True:
        newline = text.find("\n", line)
        if newline == -1 or newline + 1 >= len(text):
            return start, len(text)
        line = newline + 1
        if _STATEMENT_START.match(text, line):
            return start, line


def _blank(masked: str, start: int, end: int) -> str | None:
    """``masked`` with [start, end) turned into a block comment of the same length (line
    breaks and non-ASCII characters kept, so offsets stay valid); None if it cannot be."""
    chars = list(masked[start:end])
    ascii_at = [i for i, ch in enumerate(chars) if ch < "\x80" and ch not in "\r\n"]
    for i in ascii_at:
        chars[i] = " "
    pairs = [i for i, j in zip(ascii_at, ascii_at[1:]) if j == i + 1]   # two ASCII characters side by side
    if len(pairs) < 2 or pairs[-1] < pairs[0] + 2:
        return None
    chars[pairs[0]], chars[pairs[0] + 1] = "/", "*"
    chars[pairs[-1]], chars[pairs[-1] + 1] = "*", "/"
    return masked[:start] + "".join(chars) + masked[end:]


def _check_gaps_kept(source: SourceFile, previous: "tuple[Document, list[Edit]]", gaps: list["Gap"]) -> None:
    """An edited text must keep the statements the grammar cannot read exactly as they were:
    no edit inside one, and the same statements (by text) before and after."""
    old_syntax = _SYNTAX.get(previous[0])
    old_gaps = old_syntax.gaps if old_syntax is not None else []
    if not old_gaps and not gaps:
        return
    old_text = previous[0].source.text
    for edit in previous[1]:
        for gap in old_gaps:
            if edit.start < gap.end and gap.start < edit.end:
                raise ParseError(f"{source.path}:{gap.line}: an edit touches a statement the grammar cannot read "
                                 f"({gap.where()})", gap.line)
    before = [old_text[g.start:g.end] for g in old_gaps]
    after = [source.text[g.start:g.end] for g in gaps]
    if before != after:
        line = gaps[0].line if gaps else old_gaps[0].line
        raise ParseError(f"{source.path}:{line}: the statements the grammar cannot read changed with the edit", line)


def grammar_gaps(doc: Document) -> list[Gap]:
    """The statements of ``doc`` the grammar could not read (left out of it), in file order."""
    syntax = _SYNTAX.get(doc)
    return list(syntax.gaps) if syntax is not None else []


def _first_error(root: SyntaxNode) -> SyntaxNode | None:
    """The syntax node where the first grammar error is: the innermost ERROR (or MISSING)
    node, in file order. tree-sitter often wraps whole statements that parsed well in an
    outer ERROR (starting at line 1); inside it, the first nested error or, if there is none,
    the first child that is not a whole statement is where the text stops making sense."""
    node = root
    while True:
        if node.is_missing:
            return node
        flawed = next((c for c in node.children if c.is_error or c.is_missing or c.has_error), None)
        if flawed is not None:
            node = flawed
            continue
        if not node.is_error:
            return None
        for child in node.children:
            if not (child.type.endswith("_declaration") or child.type in ("decorators", "comment")):
                return child
        return node


def _error_at(text: str, root: SyntaxNode, offsets: _Offsets) -> tuple[int, str]:
    """(character offset, description) of the first grammar error under ``root``."""
    node = _first_error(root) or root
    start = offsets.char(node.start_byte)
    if node.is_missing:
        return start, f"missing `{node.type}`"
    snippet = text[start:offsets.char(node.end_byte)].strip().splitlines()
    shown = snippet[0][:40] if snippet else ""
    return start, (f"unexpected `{shown}`" if shown else "unexpected end of file")


def _raise_first_error(source: SourceFile, root: SyntaxNode, offsets: _Offsets) -> None:
    start, problem = _error_at(source.text, root, offsets)
    line, column = source.line_of(start), source.column_of(start)
    unexpected = problem.split("`")[1] if "`" in problem else None
    raise ParseError(f"{source.path}:{line}:{column}: invalid Bicep: {problem}", line, column, unexpected)


_IMPORTED_NAME = re.compile(r"(?:\bas\s+)?\b([A-Za-z_][A-Za-z0-9_]*)\b(?!\s+as\b)")
