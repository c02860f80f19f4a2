"""A JSONC scanner that keeps character spans: the syntax tree the ARM reader and writer use.

The standard ``json`` module (and ``json5`` for comments and trailing commas) give values
but no positions; a minimal edit needs positions. This scanner tokenises with one regular
expression and builds ``Node``s with an explicit stack, so very deep nesting ends in a
clean ``ParseError`` rather than a RecursionError.
"""

from __future__ import annotations

import json
import re
from typing import Any


from ..errors import ParseError
from ..model import Member, Node

MAX_DEPTH = 1000

_WHITESPACE = "[ \t\r\n\ufeff\u00a0\u2028\u2029]"
# One match per token, the whitespace before it included (pretty-printed JSON has as much
# whitespace as tokens: matching it separately doubled the scanner's work).
_TOKEN = re.compile(
    _WHITESPACE + r"""*+
    (?:
      (?P<line_comment>//[^\n]*)
    | (?P<block_comment>/\*.*?\*/)
    | (?P<string>"(?:[^"\\\n]|\\.)*")
    | (?P<sstring>'(?:[^'\\\n]|\\.)*')
    | (?P<punct>[{}\[\]:,])
    | (?P<number>[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|Infinity|NaN))
    | (?P<word>true|false|null)
    | (?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)
    | (?P<end>\Z)
    )""",
    re.VERBOSE | re.DOTALL,
)
_SKIP_WHITESPACE = re.compile(_WHITESPACE + "*")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _json5() -> Any:
    """json5, imported when a file needs it (single quotes, unquoted keys...): most runs read
    none, and its import is about 7 % of a one-file run."""
    import json5

    return json5


def _decode_string(token: str, text: str, start: int) -> str:
    if "\\" not in token:
        return token[1:-1]  # the common case: nothing to unescape
    try:
        if token[0] == '"':
            return json.loads(token)
        return _json5().loads(token)
    except ValueError:
        raise ParseError(f"line {_line(text, start)}: invalid escape in string", _line(text, start)) from None


def _number(token: str) -> Any:
    try:
        return json.loads(token)
    except ValueError:
        try:
            return _json5().loads(token)
        except ValueError:
            return token


class _Frame:
    __slots__ = ("node", "key", "key_start", "key_end", "expect", "keys")

    def __init__(self, node: Node) -> None:
        self.node = node
        self.keys: dict[str, int] | None = {} if node.kind == "object" else None
        self.key: str | None = None
        self.key_start = 0
        self.key_end = 0
        # object: "key" | "colon" | "value" | "comma";  array: "value" | "comma"
        self.expect = "key" if node.kind == "object" else "value"


_RAW = json.JSONDecoder()


def _raw_value(text: str, start: int) -> tuple[Any, int]:
    """(value, end offset) of the strict-JSON value at ``start`` (C speed), or (None, -1) if
    it is not one."""
    try:
        return _RAW.raw_decode(text, start)
    except (ValueError, RecursionError):
        return None, -1


class _NotPlainJson(Exception):
    """A container the C decoder cannot read (comments, trailing commas...): the caller
    takes the JSONC path instead of scanning it in Python."""


def scan(text: str, lazy: bool = True) -> tuple[Node, bool]:
    """Parse JSON/JSONC text into a Node tree.

    Returns (root, strict) where strict is False when the text used anything plain JSON
    does not allow (comments, trailing commas, single quotes, unquoted keys). Raises
    ParseError with a line number on invalid input.

    With ``lazy`` and a file that is plain JSON, nested objects and arrays are skipped with
    the C JSON decoder and only parsed into Nodes when first read (see Node).
    """
    root, strict, _ = scan_with_values(text, lazy)
    return root, strict


def scan_with_values(text: str, lazy: bool = True) -> tuple[Node, bool, Any]:
    """``scan`` plus the document's plain values when the standard library could read them
    (plain JSON, or JSONC once comments and trailing commas are blanked), else None: the
    writer's semantic check reuses them."""
    if lazy:
        try:
            return _scan_lazily(text)
        except (_NotPlainJson, ParseError, RecursionError):
            pass
        # JSONC: with comments and trailing commas blanked out (same length, same offsets),
        # most files are plain JSON again and get the same fast path.
        if "/" in text or "," in text:
            try:
                root, _, values = _scan_lazily(_blank_jsonc(text))
                return root, False, values
            except (_NotPlainJson, ParseError, RecursionError):
                pass
    root, _, strict = _scan(text, 0, (), lazy=False, whole=True)
    return root, strict, None


def _opens_resources(stack: list[_Frame]) -> bool:
    """The container about to open is the template's top-level ``resources``: it is scanned
    one level deeper right away (every template read is walked there), so each resource is
    decoded once, not once for the document's values and again when the array is expanded."""
    frame = stack[-1]
    return len(stack) == 1 and frame.key is not None and frame.node.kind == "object" and frame.key.lower() == "resources"


def _scan_lazily(text: str) -> tuple[Node, bool, Any]:
    """The top level scanned in Python, everything below it read by the C decoder (once: its
    values make the document's plain data, its spans wait in lazy Nodes until needed).
    Raises _NotPlainJson where the C decoder cannot read a container."""
    top: dict[int, Any] = {}
    root, _, strict = _scan(text, 0, (), lazy=True, whole=True, top_values=top)
    return root, strict, _values_of(root, top, text)


def _values_of(node: Node, decoded: dict[int, Any], text: str) -> Any:
    """Plain value of a node whose lazy containers' values are in ``decoded`` (by id)."""
    if id(node) in decoded:
        return decoded[id(node)]
    if node._expand is not None:
        return _raw_value(text, node.start)[0]  # not expected: every lazy node's value is recorded
    if node.kind == "object":
        return {m.key: _values_of(m.value, decoded, text) for m in node._members or ()}
    if node.kind == "array":
        return [_values_of(i, decoded, text) for i in node._items or ()]
    return node.value


def _expander(text: str):
    def expand(node: Node) -> None:
        full, _, _ = _scan(text, node.start, node.path, lazy=True, whole=False)
        node.members = full.members
        node.items = full.items
    return expand


def _scan(text: str, pos: int, base_path: tuple, lazy: bool, whole: bool,
          top_values: dict[int, Any] | None = None) -> tuple[Node, int, bool]:
    """The stack parser. ``whole``: parse the document (and reject trailing content);
    else parse exactly the one container at ``pos``. Returns (root, end, strict).

    ``top_values`` (lazy only): receives id(node) -> plain value of each container directly
    below the root, and makes a container the C decoder cannot read raise _NotPlainJson."""
    strict = True
    stack: list[_Frame] = []
    root: Node | None = None
    n = len(text)
    match = _TOKEN.match
    expand = _expander(text) if lazy else None

    def fail(message: str, at: int) -> ParseError:
        line = _line(text, at)
        return ParseError(f"line {line}: {message}", line)

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            if root is not None:
                raise fail("unexpected content after the end of the document", node.start)
            node.path = base_path
            root = node
            return
        frame = stack[-1]
        parent = frame.node
        if parent.kind == "object":
            if frame.expect != "value":
                raise fail("expected a property name", node.start)
            node.path = parent.path + (frame.key,)
            parent._members.append(Member(frame.key, frame.key_start, frame.key_end, node))  # type: ignore[union-attr]
            frame.expect = "comma"
        else:
            if frame.expect != "value":
                raise fail("expected ',' or ']'", node.start)
            node.path = parent.path + (len(parent._items),)  # type: ignore[arg-type]
            parent._items.append(node)  # type: ignore[union-attr]
            frame.expect = "comma"

    while pos < n:
        if not whole and root is not None and not stack:
            break
        m = match(text, pos)
        if m is None:
            pos = _SKIP_WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
            raise fail(f"unexpected character {text[pos]!r}", pos)
        kind = m.lastgroup
        pos = m.end()
        tok = m.group(kind)  # type: ignore[arg-type]
        start = pos - len(tok)
        if kind == "end":
            break
        if kind in ("line_comment", "block_comment"):
            strict = False
            continue
        if kind == "punct":
            if tok in "{[":
                if stack and expand is not None and not (top_values is not None and _opens_resources(stack)):
                    value, end = _raw_value(text, start)
                    if end > 0:
                        node = Node("object" if tok == "{" else "array", start, end, expand=expand)
                        attach(node)
                        if top_values is not None and len(stack) <= 2:
                            top_values[id(node)] = value
                        pos = end
                        continue
                    if top_values is not None:
                        raise _NotPlainJson()
                if len(stack) >= MAX_DEPTH:
                    raise fail(f"nesting deeper than {MAX_DEPTH} levels; not a template acr-fix will edit", start)
                node = Node("object" if tok == "{" else "array", start, start,
                            members=[] if tok == "{" else None, items=[] if tok == "[" else None)
                attach(node)
                stack.append(_Frame(node))
                continue
            if tok in "}]":
                if not stack:
                    raise fail(f"unexpected '{tok}'", start)
                frame = stack[-1]
                want = "}" if frame.node.kind == "object" else "]"
                if tok != want:
                    raise fail(f"expected '{want}' but found '{tok}'", start)
                if frame.expect == "colon" or (frame.node.kind == "object" and frame.expect == "value"):
                    raise fail("property without a value", start)
                has_items = bool(frame.node._members) if frame.node.kind == "object" else bool(frame.node._items)
                if frame.expect in ("key", "value") and has_items:
                    strict = False  # trailing comma
                frame.node.end = pos
                stack.pop()
                continue
            if tok == ":":
                if not stack or stack[-1].expect != "colon":
                    raise fail("unexpected ':'", start)
                stack[-1].expect = "value"
                continue
            # comma
            if not stack or stack[-1].expect != "comma":
                raise fail("unexpected ','", start)
            stack[-1].expect = "key" if stack[-1].node.kind == "object" else "value"
            continue
        # scalars and keys
        if stack and stack[-1].node.kind == "object" and stack[-1].expect == "key":
            frame = stack[-1]
            if kind == "string":
                frame.key = _decode_string(tok, text, start)
            elif kind in ("sstring",):
                strict = False
                frame.key = _decode_string(tok, text, start)
            elif kind in ("ident", "word"):
                strict = False
                frame.key = tok
            else:
                raise fail("expected a property name", start)
            # json/json5 keep the last duplicate, our lookups (case-insensitive, like ARM)
            # the first: with both in play the rule could pass a registry that is open.
            lowered = frame.key.lower()
            if lowered in frame.keys:  # type: ignore[operator]
                first = _line(text, frame.keys[lowered])  # type: ignore[index]
                raise fail(f"duplicate property {frame.key!r} (first defined on line {first}); "
                           "remove one so it is clear which value applies", start)
            frame.keys[lowered] = start  # type: ignore[index]
            frame.key_start = start
            frame.key_end = pos
            frame.expect = "colon"
            continue
        if kind == "string":
            node = Node("string", start, pos, value=_decode_string(tok, text, start))
        elif kind == "sstring":
            strict = False
            node = Node("string", start, pos, value=_decode_string(tok, text, start))
        elif kind == "number":
            node = Node("number", start, pos, value=_number(tok))
        elif kind == "word":
            node = Node("bool" if tok != "null" else "null", start, pos,
                        value=True if tok == "true" else False if tok == "false" else None)
        elif tok in ("Infinity", "NaN"):
            strict = False
            node = Node("number", start, pos, value=_number(tok))
        else:
            raise fail(f"unexpected word {tok!r}", start)
        attach(node)
    if stack:
        raise fail("unexpected end of file (unclosed '{' or '[')", n)
    if root is None:
        raise ParseError("empty file", 1)
    return root, pos, strict


def to_data(node: Node) -> Any:
    """The plain Python value of a node (iterative; used for semantic comparisons)."""
    out: dict[int, Any] = {}
    work: list[tuple[Node, bool]] = [(node, False)]
    while work:
        current, done = work.pop()
        if current.kind == "object":
            if done:
                out[id(current)] = {m.key: out.pop(id(m.value)) for m in current.members or ()}
            else:
                work.append((current, True))
                work.extend((m.value, False) for m in current.members or ())
        elif current.kind == "array":
            if done:
                out[id(current)] = [out.pop(id(i)) for i in current.items or ()]
            else:
                work.append((current, True))
                work.extend((i, False) for i in current.items or ())
        else:
            out[id(current)] = current.value
    return out[id(node)]


_JSONC_NOISE = re.compile(
    # code and strings with no comment or trailing comma in them: kept as they are (matched
    # in long runs so the replacement callback runs per comment, not per string)
    r'(?P<keep>(?:[^"/,]++|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|,(?!(?:[ \t\r\n]|//[^\n]*|/\*.*?\*/)*[}\]]))++)'
    r'|//[^\n]*|/\*.*?\*/'                                     # comments: blanked
    r'|,',                                                     # trailing commas: blanked
    re.DOTALL,
)


def _blank_jsonc(text: str) -> str:
    """JSONC -> JSON of the same length: comments become spaces (line breaks kept) and
    trailing commas a space, so every offset still points at the same place."""
    def replace(match: re.Match[str]) -> str:
        token = match.group()
        if match.lastgroup == "keep":
            return token
        if token == ",":
            return " "
        return "".join(ch if ch in "\r\n" else " " for ch in token)
    return _JSONC_NOISE.sub(replace, text)


def load_values(text: str, strict: bool) -> Any:
    """Independent re-parse: the standard library for JSON; for JSONC the standard library
    after blanking comments and trailing commas, and json5 for anything else JSON5 allows
    (single quotes, unquoted keys...). json5 is exact but slow, so it is the last resort."""
    try:
        if strict:
            return json.loads(text)
        try:
            return json.loads(_blank_jsonc(text))
        except ValueError:
            return _json5().loads(text)
    except RecursionError:
        raise ParseError("nesting too deep to re-parse") from None
    except ValueError as exc:
        raise ParseError(f"does not parse as {'JSON' if strict else 'JSONC'}: {exc}") from None
