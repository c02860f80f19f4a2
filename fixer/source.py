"""Reading and writing template files byte-exactly.

A SourceFile remembers the encoding, byte-order mark and line ending it was read with, so
the writer can put back exactly what was there outside the edited spans.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import hashlib
import os
import signal
import stat
import tempfile
import threading
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from .errors import ReadError, WriteError

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


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


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


def read_source(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE, raw: bytes | None = None) -> SourceFile:
    """Read and decode a file. Raises ReadError with a one-line, file-named message."""
    try:
        st = os.stat(path)
        if st.st_size > max_size:
            raise ReadError(f"{path}: {st.st_size // (1024 * 1024)} MB is larger than --max-file-size ({max_size // (1024 * 1024)} MB); skipped")
        if raw is None:
            with open(path, "rb") as handle:
                raw = handle.read()
    except PermissionError:
        raise ReadError(f"{path}: permission denied while reading") from None
    except IsADirectoryError:
        raise ReadError(f"{path}: is a directory") from None
    except OSError as exc:
        raise ReadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    text, encoding, bom = decode(raw, path)
    return SourceFile(path=path, text=text, encoding=encoding, bom=bom, eol=detect_eol(text),
                      raw=raw, mtime_ns=st.st_mtime_ns, size=st.st_size)


def check_writable(source: SourceFile) -> None:
    """Raise WriteError unless ``source.path`` still holds the bytes we read and may be
    replaced (not read-only, not a symbolic link). ``write_atomic`` checks the same again."""
    path = source.path
    try:
        with open(path, "rb") as handle:
            current = handle.read()
    except OSError as exc:
        raise WriteError(f"{path}: cannot re-read before writing ({exc.strerror or exc}); not written") from None
    if _digest(current) != source.content_digest():
        raise WriteError(f"{path}: changed on disk since it was read; not written (run again)")
    if os.path.islink(path):
        # os.replace would turn the link into a regular file and leave its target unfixed;
        # writing through it could reach outside the given paths.
        raise WriteError(f"{path}: is a symbolic link to a file outside the folder acr-fix runs in; not written")
    try:
        st = os.stat(path)
    except OSError as exc:
        raise WriteError(f"{path}: cannot stat ({exc.strerror or exc}); not written") from None
    # os.access says yes to root for any file; a file without write bits is read-only on
    # purpose (CI containers often run as root), so honour the bits too.
    if not os.access(path, os.W_OK) or not stat.S_IMODE(st.st_mode) & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteError(f"{path}: file is read-only; not written")


def write_atomic(source: SourceFile, new_text: str) -> None:
    """Replace the content of ``source.path`` with ``new_text``, all or nothing.

    The file must still hold the bytes we read (else someone changed it under us and we
    refuse). A file with one link gets a new one: the data goes to a temporary file in the
    same directory, is fsync'ed, gets the original's mode and owner, and is renamed over the
    original; on any failure the temporary file is removed and the original is untouched.
    A file with several hard links is rewritten in place instead (see _rewrite_in_place), so
    every link sees the fix.
    """
    path = source.path
    data = source.encode(new_text)
    check_writable(source)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise WriteError(f"{path}: cannot stat ({exc.strerror or exc}); not written") from None
    with _interrupt_deferred():
        _write_bytes(path, data, st, expected=source.content_digest())


@contextlib.contextmanager
def _interrupt_deferred():
    """Hold Ctrl-C until the block is done. A KeyboardInterrupt inside tempfile.mkstemp (after
    the file exists, before its name is returned) would leave a stray temporary file; so the
    write of one file finishes or fails as a whole, and the interrupt is raised after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    except ValueError:  # not allowed here (embedded interpreter)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


def replace_bytes(path: Path, data: bytes) -> None:
    """Replace an existing file's content, all or nothing (as write_atomic: temporary file,
    fsync, rename, mode and owner kept, or in place for a hard-linked file; Ctrl-C held until
    done). For files acr-fix did not parse as templates, such as ps-rule.yaml. Raises
    WriteError; the original is intact on failure."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise WriteError(f"{path}: cannot stat ({exc.strerror or exc}); not written") from None
    with _interrupt_deferred():
        _write_bytes(path, data, st)


def _write_bytes(path: Path, data: bytes, st: os.stat_result, expected: bytes | None = None) -> None:
    """Put ``data`` in the file ``st`` describes. ``expected``: digest of what it must hold."""
    if st.st_nlink > 1:
        _rewrite_in_place(path, data, st, expected)
    else:
        _replace_via_temporary(path, path.parent, data, stat.S_IMODE(st.st_mode), st)


def _replace_via_temporary(path: Path, directory: Path, data: bytes, mode: int, st: os.stat_result) -> None:
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".acr-fix.tmp", dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.chown(tmp_name, st.st_uid, st.st_gid)  # keep the owner when root fixes a user's file
            except OSError:
                pass
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise WriteError(f"{path}: write failed ({exc.strerror or exc}); original left unchanged") from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


# A recovery copy of a hard-linked file's original bytes, next to it while it is rewritten in
# place; it outlives the run only when the original could not be put back.
RECOVERY_SUFFIX = ".acr-fix.orig"


class _ReadBackMismatch(Exception):
    pass


def _rewrite_in_place(path: Path, data: bytes, st: os.stat_result, expected: bytes | None) -> None:
    """Write ``data`` into the file's own inode: renaming a new file over a hard link would
    leave the other links with the old content (and a `cp -l` snapshot or a linked template
    unfixed). Nothing may be lost on the way, so the original bytes are first saved and
    fsync'ed in a recovery copy next to the file; then the file is overwritten, truncated,
    fsync'ed and read back. Any failure writes the original bytes back; the recovery copy is
    removed unless even that failed (the error then names it). Mode, owner and inode stay."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise WriteError(f"{path}: write failed ({exc.strerror or exc}); original left unchanged") from None
    try:
        try:
            opened = os.fstat(fd)
            original = _read_all(fd)
        except OSError as exc:
            raise WriteError(f"{path}: cannot re-read before writing ({exc.strerror or exc}); not written") from None
        if (opened.st_dev, opened.st_ino) != (st.st_dev, st.st_ino) or \
                (expected is not None and _digest(original) != expected):
            raise WriteError(f"{path}: changed on disk since it was read; not written (run again)")
        recovery = _save_recovery_copy(path, original)
        try:
            _overwrite(fd, data)
        except BaseException as exc:
            reason = "read back differs from what was written" if isinstance(exc, _ReadBackMismatch) \
                else getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            try:
                _overwrite(fd, original)
            except (OSError, _ReadBackMismatch):
                raise WriteError(f"{path}: write in place failed ({reason}) and the original could not be put "
                                 f"back; it is saved in {recovery}") from None
            _remove(recovery)
            if not isinstance(exc, (OSError, _ReadBackMismatch)):
                raise
            raise WriteError(f"{path}: write in place failed ({reason}); original put back") from None
        _remove(recovery)
    finally:
        os.close(fd)


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _overwrite(fd: int, data: bytes) -> None:
    """Make the open file hold exactly ``data``, on disk, and check it by reading it back.
    Written first and truncated after, so the file is never seen empty."""
    os.lseek(fd, 0, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.ftruncate(fd, len(data))
    os.fsync(fd)
    if _read_all(fd) != data:
        raise _ReadBackMismatch()


def _save_recovery_copy(path: Path, original: bytes) -> Path:
    """The original bytes in a new file next to ``path``, fsync'ed along with its folder entry."""
    name = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=RECOVERY_SUFFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(original)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_folder(path.parent)
    except OSError as exc:
        if name is not None:
            _remove(Path(name))
        raise WriteError(f"{path}: cannot save a recovery copy before writing in place "
                         f"({exc.strerror or exc}); original left unchanged") from None
    return Path(name)


def _fsync_folder(folder: Path) -> None:
    """Make a new folder entry durable; not possible everywhere (Windows), then skipped."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
