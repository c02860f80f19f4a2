"""Text from templates and file names, made safe for where it is shown.

A registry or file name is data: it must never move the cursor, recolour a terminal, start
a GitHub Actions workflow command, add a line (a forged trailer) to a commit message or
turn into Markdown. Each function here returns text that shows the data and only the data.
"""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, bidirectional overrides and isolates (which can make
# a name read differently from what it is), line and paragraph separators, and the lone
# surrogates Python uses for bytes of a file name that are not UTF-8 (surrogateescape).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\udc80-\udcff]")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"   # the byte of a non-UTF-8 name, as bytes show it
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def for_terminal(text: str, keep: str = "") -> str:
    """``text`` with every control character (newline included, unless in ``keep``) and
    every byte of a non-UTF-8 name written as ``\\xNN``; printable text unchanged."""
    if not keep:
        return _UNSAFE.sub(_escape_char, text)
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape_char(m), text)


_UNSAFE_IN_REPORT = re.compile("\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f"
                               "\u2028\u2029\u202a-\u202e\u2066-\u2069\udc80-\udcff]")
_ESCAPE = re.compile("\x1b")


def for_report(text: str, color: bool = False) -> str:
    """A rendered report (many lines, maybe coloured, diffs of CRLF files): every control
    character escaped but line breaks (LF, CRLF), tabs and, when colour is on, ESC (which
    starts acr-fix's own colours; names reach the report escaped already)."""
    text = _UNSAFE_IN_REPORT.sub(_escape_char, text)
    return text if color else _ESCAPE.sub(_escape_char, text)


# The runner reads a line that starts with "::" (or the older "##[") as a command.
_COMMAND_START = re.compile(r"^(::|##\[)", re.MULTILINE)


def for_actions_log(text: str) -> str:
    """Output for a GitHub Actions log: no line of it can start a workflow command (names
    reach it escaped already, so only a name at the start of a line could; a zero-width
    space before it keeps the text and takes away the command)."""
    return _COMMAND_START.sub(lambda m: "\u200b" + m.group(), text)


def for_commit_message(text: str) -> str:
    """One line of a commit message: no line break, so no forged paragraph or trailer."""
    return for_terminal(text)
