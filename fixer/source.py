"""Reading template files byte-exactly (fixer.write writes them back).

A SourceFile remembers the encoding, byte-order mark and line ending it was read with, so
the writer can put back exactly what was there outside the edited spans.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import os
import stat
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from .errors import ReadError

DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass
class SourceFile:
    """One file's text plus everything needed to write it back byte-for-byte."""

    path: Path
    text: str
    encoding: str = "utf-8"
    bom: bytes = b""
    eol: str = "\n"
    raw: bytes = b""
    mtime_ns: int = 0
    size: int = 0
    # (device, inode) read from: with size and mtime_ns, what the writer's compare-and-swap checks
    identity: tuple[int, int] = (0, 0)
    _line_starts: list[int] | None = field(default=None, repr=False)
    # Fingerprint of the bytes read, once ``raw`` is let go (see forget_raw).
    digest: bytes = field(default=b"", repr=False)

    @property
    def display(self) -> str:
        return str(self.path)

    def __getstate__(self) -> dict:
        # Sent back by parallel workers: the line index is rebuilt on demand, not pickled.
        state = dict(self.__dict__)
        state["_line_starts"] = None
        return state

    def content_digest(self) -> bytes:
        """Fingerprint of the bytes this was read from: what "changed on disk?" is checked against."""
        return self.digest or _digest(self.raw)

    def forget_raw(self) -> None:
        """Keep only the fingerprint of the bytes read: a big run holds thousands of files
        until it writes them, and their bytes are only ever compared with the disk."""
        self.digest = self.content_digest()
        self.raw = b""

    def encode(self, text: str) -> bytes:
        """Bytes for ``text`` in this file's encoding, BOM included."""
        return self.bom + text.encode(self.encoding)

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
        return bisect.bisect_right(self._line_starts, offset)

    def column_of(self, offset: int) -> int:
        """1-based column of a character offset."""
        return offset - (self.text.rfind("\n", 0, offset) + 1) + 1


def digest_of(data: bytes) -> bytes:
    """The fingerprint files are compared by (BLAKE2b, 32 bytes)."""
    return hashlib.blake2b(data, digest_size=32).digest()


_digest = digest_of


def line_starts(text: str) -> list[int]:
    """Offset of the first character of every line ("\n"-separated), in C-speed builtins
    only: templates have thousands of lines and every Node asks for its line."""
    lengths = map(len, text.split("\n"))
    return [0, *accumulate(map((1).__add__, lengths))][:-1]


def detect_eol(text: str) -> str:
    """The file's line ending: CRLF if its first line break is CRLF, else LF."""
    pos = text.find("\n")
    if pos > 0 and text[pos - 1] == "\r":
        return "\r\n"
    return "\n"


def decode(raw: bytes, path: Path) -> tuple[str, str, bytes]:
    """Return (text, encoding, bom). Raises ReadError for binary or undecodable data."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(encoding), encoding, bom
            except UnicodeDecodeError as exc:
                raise ReadError(f"{path}: not valid {encoding.upper()} text after its byte-order mark ({exc.reason} at byte {exc.start + len(bom)})") from None
    if b"\x00" in raw[:8192]:
        raise ReadError(f"{path}: binary data (NUL bytes) in a template file; skipped")
    try:
        return raw.decode("utf-8"), "utf-8", b""
    except UnicodeDecodeError as exc:
        raise ReadError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8 and run again") from None


_FILE_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISDIR, "a directory"))


class NotRegularFile(OSError):
    """A path that is a FIFO, socket, device or directory: never read (a FIFO would block)."""

    def __init__(self, path: "str | os.PathLike[str]", kind: str) -> None:
        super().__init__(f"is {kind}, not a regular file")
        self.path = path
        self.kind = kind
        self.strerror = f"is {kind}, not a regular file"


def file_kind(mode: int) -> str | None:
    """What a non-regular file is ("a named pipe (FIFO)", ...), None for a regular file."""
    for test, kind in _FILE_KINDS:
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "not a regular file"


def open_regular(path: "str | os.PathLike[str]"):
    """A binary file object for ``path`` if it is a regular file. Raises NotRegularFile (an
    OSError) for a FIFO, socket or device: opened without blocking, then checked on the open
    descriptor, so a FIFO never blocks the run and a swap between check and open is seen."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotRegularFile(path, kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_source(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE, raw: bytes | None = None) -> SourceFile:
    """Read and decode a file. Raises ReadError with a one-line, file-named message."""
    try:
        st = os.stat(path)
        kind = file_kind(st.st_mode)
        if kind is not None and not stat.S_ISDIR(st.st_mode):
            raise ReadError(f"{path}: {kind}, not a regular file; skipped")
        if st.st_size > max_size:
            raise ReadError(f"{path}: {st.st_size // (1024 * 1024)} MB is larger than --max-file-size ({max_size // (1024 * 1024)} MB); skipped")
        if raw is None:
            with open_regular(path) as handle:
                raw = handle.read()
    except NotRegularFile as exc:
        raise ReadError(f"{path}: {exc.kind}, not a regular file; skipped") from None
    except PermissionError:
        raise ReadError(f"{path}: permission denied while reading") from None
    except IsADirectoryError:
        raise ReadError(f"{path}: is a directory") from None
    except OSError as exc:
        raise ReadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    text, encoding, bom = decode(raw, path)
    return SourceFile(path=path, text=text, encoding=encoding, bom=bom, eol=detect_eol(text),
                      raw=raw, mtime_ns=st.st_mtime_ns, size=st.st_size, identity=(st.st_dev, st.st_ino))
