"""The file operations of the write stage, each one os call (so a test can fail any of
them), and the checks a file must pass before it is replaced."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import signal
import stat
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import WriteError
from ..source import SourceFile, digest_of, file_kind
from .scope import WriteScope, escaped_path

TMP_SUFFIX = ".acr-fix.tmp"
# The original of a file being written, next to it; it outlives a run only when the
# original could not be put back (the error names it) or a later run cannot judge it.
RECOVERY_SUFFIX = ".acr-fix.orig"
JOURNAL_SUFFIX = ".acr-fix.journal"
LEFTOVER_SUFFIXES = (TMP_SUFFIX, RECOVERY_SUFFIX, JOURNAL_SUFFIX)
_JOURNAL_VERSION = 1
# Room kept free besides the bytes a group needs (folder entries, metadata, the journal).
_SPACE_MARGIN = 64 * 1024


def _read_fd(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _read_path(path: Path) -> tuple[os.stat_result, bytes]:
    """The file's lstat and bytes, read through one descriptor that refuses to follow a link
    or block on a FIFO. Raises OSError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"is {file_kind(st.st_mode)}")
        return st, _read_fd(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class _Expected:
    """What a file must still hold to be replaced: as read (or, for a put-back, as written)."""

    digest: bytes
    size: int | None = None
    mtime_ns: int | None = None
    identity: tuple[int, int] | None = None

    @classmethod
    def of(cls, source: SourceFile) -> "_Expected":
        if source.identity == (0, 0):   # made in memory, not read: only the bytes can tell
            return cls(source.content_digest())
        return cls(source.content_digest(), source.size, source.mtime_ns, source.identity)

    def matches(self, st: os.stat_result, data: bytes) -> bool:
        if self.size is not None and st.st_size != self.size:
            return False
        if self.mtime_ns is not None and st.st_mtime_ns != self.mtime_ns:
            return False
        if self.identity is not None and (st.st_dev, st.st_ino) != self.identity:
            return False
        return digest_of(data) == self.digest


def _changed_message(display: str) -> str:
    return f"{display}: changed on disk since it was read; not written, the other save is kept (run again)"


def check_writable(source: SourceFile, display: str | None = None, scope: WriteScope | None = None) -> bytes:
    """The bytes ``source.path`` holds, if it may be replaced: still what was read, a regular
    file that is not a symbolic link nor read-only, inside ``scope``. Raises WriteError."""
    path = source.path
    shown = display or escaped_path(path)
    if scope is not None:
        refusal = scope.refusal(path, shown)
        if refusal:
            raise WriteError(refusal)
    if os.path.islink(path):
        # os.replace would turn the link into a regular file and leave its target unfixed;
        # writing through it could reach outside the given paths.
        raise WriteError(f"{shown}: is a symbolic link to a file outside the folder acr-fix runs in; not written")
    try:
        st, current = _read_path(path)
    except OSError as exc:
        raise WriteError(f"{shown}: cannot re-read before writing ({exc.strerror or exc}); not written") from None
    if not _Expected.of(source).matches(st, current):
        raise WriteError(_changed_message(shown))
    # os.access says yes to root for any file; a file without write bits is read-only on
    # purpose (CI containers often run as root), so honour the bits too.
    if not os.access(path, os.W_OK) or not stat.S_IMODE(st.st_mode) & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteError(f"{shown}: file is read-only; not written")
    return current


# -- low-level steps (each one os call, so a test can fail any of them) ---------------------------

def _create(path: Path, data: bytes, mode: int = 0o600) -> None:
    """A new file holding ``data``, on disk (fsync). Removed again if that fails."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_BINARY", 0), mode)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _remove(path)
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _overwrite(fd: int, data: bytes) -> None:
    """Make the open file hold exactly ``data``, on disk, checked by reading it back. Written
    first and truncated after, so the file is never seen empty; a process killed in between
    leaves it torn, which the journal's recovery copy undoes."""
    os.lseek(fd, 0, os.SEEK_SET)
    _write_all(fd, data)
    os.ftruncate(fd, len(data))
    os.fsync(fd)
    if _read_fd(fd) != data:
        raise OSError("read back differs from what was written")


def _fsync_folder(folder: Path) -> None:
    """Make folder entries durable; not possible everywhere (Windows), then skipped."""
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


def _remove(path: Path) -> str | None:
    """Unlink ``path``; the reason it failed, or None (a missing file is gone already)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _keep_owner_and_mode(path: Path, st: os.stat_result) -> None:
    os.chmod(path, stat.S_IMODE(st.st_mode))
    if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.chown(path, st.st_uid, st.st_gid)  # keep the owner when root fixes a user's file
        except OSError:
            pass


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@functools.lru_cache(maxsize=1)
def _renameat2() -> Any:
    """Linux's renameat2(2) through the C library, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(a: Path, b: Path) -> bool:
    """Swap the files named ``a`` and ``b`` in one atomic step (Linux, on file systems that
    support it): afterwards ``a`` names what ``b`` held, so the file replaced can be looked
    at, and swapped back, with nothing lost. False when not possible here: use os.replace."""
    function = _renameat2()
    if function is None:
        return False
    import ctypes

    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False   # this file system cannot; a plain rename still can
    raise OSError(error, os.strerror(error), str(b))


@contextlib.contextmanager
def _locked(fd: int) -> Iterator[None]:
    """An exclusive advisory lock on an open file, where the platform has one (editors and
    other tools that take it are kept out while the file is rewritten in place)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OSError("locked by another process") from None
    except OSError:
        yield  # no locks on this file system
        return
    try:
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass


@contextlib.contextmanager
def folders_locked(folders: "Iterable[Path]", exclusive: bool = False) -> Iterator[bool]:
    """Advisory locks on folders, where the platform has them. A group being written holds a
    shared lock on each of its folders (waiting, if need be, for a recovery to finish); a
    recovery takes an exclusive one without waiting and yields False when a folder is busy:
    two acr-fix runs at once (pre-commit runs hooks in parallel) never undo each other's
    transaction or remove each other's temporary files."""
    try:
        import fcntl
    except ImportError:
        yield True
        return
    held: list[int] = []
    try:
        # one descriptor per folder (two on one folder would conflict with each other), in
        # one order (no deadlock)
        for folder in sorted({os.path.realpath(f) for f in folders}):
            try:
                fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except OSError:
                continue
            held.append(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
            except BlockingIOError:
                yield False
                return
            except OSError:
                pass   # no locks on this file system
        yield True
    finally:
        for fd in held:
            os.close(fd)   # (closing the descriptor releases its lock)


@contextlib.contextmanager
def interrupt_deferred() -> Iterator[None]:
    """Hold Ctrl-C until the block is done: a group is written or put back as a whole, and
    the interrupt is raised after it."""
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
