"""The tree-sitter-bicep grammar and the masks for its gaps.

This is the only module that imports tree_sitter_bicep. tree-sitter-bicep 1.1 lags the
language in a few places that real templates use; ``_mask_for_grammar`` rewrites exactly
those spots, character for character, before parsing (new masks go here).
"""

from __future__ import annotations

import re
import threading

import tree_sitter_bicep
from tree_sitter import Language, Parser, Query

_LANGUAGE = Language(tree_sitter_bicep.language())
_COMMENTS = Query(_LANGUAGE, "(comment) @comment")
_LOCAL = threading.local()  # tree-sitter parsers are not thread-safe; one per thread

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


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
_OPTIONAL_OBJECT_END = re.compile(r"\?[ \t]*(?:\)|\r?\n|//|\Z)")  # after `}`: `}?` then `)` or the line's end
_NULLABLE_PAREN = re.compile(r"\)\?(?=[ \t]*\r?\n)")  # in a type: `(...)?` at a line's end
_TYPE_SUFFIX_THEN_EQUALS = re.compile(r"((?:\[\]|\?)*)[ \t]*=(?!=)")  # after a type: `[]`, `?`, then `=`
_LEADING_PIPE = re.compile(r"[ \t\r\n]*\|(?!\|)")  # `(` then `|`: a union's leading pipe, never `||`
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
            if match.end() > match.end(2) and text.startswith(("{", "("), match.end()):
                # `var x {\n  a: string\n} = {...}`: a type over several lines
                opener = text[match.end()]
                close = _matching_paren(text, match.end(), opener, "}" if opener == "{" else ")")
                after = _TYPE_SUFFIX_THEN_EQUALS.match(text, close + 1) if close is not None else None
                if after is not None:
                    type_end = after.end(1)
                    spans.append((match.end(), type_end,
                                  "".join(ch if ch in "\r\n" else " " for ch in text[match.end():type_end])))
            elif match.end() > match.end(2):
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
        if text.startswith("(", type_start):
            _unparen_object_type(text, type_start, spans)
        if "?" in text[type_start:_statement_end(text, type_start)]:
            type_region_end = _statement_end(text, type_start, stop_at_equals=True)
            for nullable in _NULLABLE_PAREN.finditer(text, type_start, type_region_end):
                # `name: ('stage')?` then a line `c: string`: read as a ternary `(..) ? c : string`
                spans.append((nullable.end() - 1, nullable.end(), " "))
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
            if start > 0 and (text[start - 1] == "[" or text[max(0, start - 2):start] == "[?"):
                spans.append((start, pos, " "))  # `[^1]`, `[?^1]`: an index from the end
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
            if token == "(":
                leading_pipe = _LEADING_PIPE.match(text, pos)
                if leading_pipe is not None:
                    # `(\n | 'A'\n | 'B')`: a union whose first member has a leading `|`
                    spans.append((leading_pipe.end() - 1, leading_pipe.end(), " "))
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
            if token == "}" and _OPTIONAL_OBJECT_END.match(text, pos):
                # `param x {\n ...\n}?` and `({ ... }?)`: an optional object type that ends a
                # statement or a parenthesized type; the grammar reads on past it (the reader
                # never needs the `?`)
                spans.append((pos, pos + 1, " "))
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


def _unparen_object_type(text: str, open_at: int, spans: list[tuple[int, int, str]]) -> None:
    """`param x ({\n  a: string?\n})`: the grammar reads no nullable member types inside a
    parenthesized object type; parentheses around one object type change nothing, so they
    are blanked."""
    close = _matching_paren(text, open_at)
    if close is None:
        return
    inner = text[open_at + 1:close]
    brace = open_at + 1 + (len(inner) - len(inner.lstrip()))
    if not text.startswith("{", brace):
        return
    end = _matching_paren(text, brace, "{", "}")
    if end is None or text[end + 1:close].strip() not in ("", "?"):
        return
    spans.append((open_at, open_at + 1, " "))
    spans.append((close, close + 1, " "))


def _skip_string(text: str, pos: int, interpolations: list[int], depth: int,
                 spans: list[tuple[int, int, str]]) -> int:
    """Offset after the single-quoted string whose body starts at ``pos``; the negated
    offset after ``${`` when an interpolation starts (the caller tracks it).

    The grammar lexes ``/*`` (and in some places ``//``) inside a string as the start of a
    comment (`routePattern: '/*'`), so the second character is masked in the text it parses."""
    match = _STRING_BODY.match(text, pos)
    end = match.end() if match else pos
    for opener in ("/*", "//"):
        # `//` too: after an escaped quote (`'a\'//b'`) or in a ternary (`c ? x : '//'`) the
        # grammar starts a line comment inside the string
        comment_open = text.find(opener, pos, end)
        while comment_open != -1:
            spans.append((comment_open + 1, comment_open + 2, " "))
            comment_open = text.find(opener, comment_open + 2, end)
    if text.startswith("${", end):
        return -(end + 2)
    if end < len(text) and text[end] == "'":
        return end + 1
    return end  # unterminated at a line end: let the grammar report it
# `import {...}` at the start of a line (checked by the caller: a literal first is much faster
# than a line-anchored pattern, which is tried at every line of every file)
_IMPORT_BLOCK = re.compile(r"import[ \t]*\{([^}]*)\}")


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


def _matching_paren(text: str, open_at: int, opener: str = "(", closer: str = ")") -> int | None:
    """Offset of the `)` that closes the `(` at ``open_at`` (strings skipped), or None."""
    depth = 0
    i = open_at
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            i = _after_string(text, i)
            continue
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _statement_end(text: str, pos: int, angles: bool = False, stop_at_equals: bool = False) -> int:
    """End of a top-level statement starting at ``pos``: the end of its line, or of the
    line where its braces close (`extension x with {` ... `} as y`). With ``angles``, `<`
    and `>` pair up too (type expressions such as `resourceInput<` on several lines). With
    ``stop_at_equals``, a `=` outside brackets ends it too (a parameter's type, before its default)."""
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
        elif stop_at_equals and ch == "=" and depth <= 0:
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
