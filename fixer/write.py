"""Writing: the one stage that changes template files on disk.

The files of one fix (a template and its parameter file or module caller) are written as a
transaction. Before anything is renamed, a journal names the group and, beside every file,
a recovery copy of its original (a hard link to it, or a copy for a hard-linked file) and a
temporary file with its new bytes are made and fsync'ed, with the free space checked first;
so every step that can run out of space or fail comes before the first file changes. Each
file is then compared with what was read (size, mtime, inode, content hash) at the last
moment, right before its rename (or, for a file with several hard links, under an exclusive
lock right before it is overwritten in place); a change refuses the file and puts the group
back, keeping the other save. A later run that finds a journal (the process was killed)
finishes or rolls back that group and says so (see ``recover``).

Only files under the paths given (``WriteScope``) are ever written.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import stat
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, Sequence

from .errors import WriteError
from .escape import for_terminal
from .source import SourceFile, digest_of, file_kind
from .workspace import file_key

TMP_SUFFIX = ".acr-fix.tmp"
# The original of a file being written, next to it; it outlives a run only when the
# original could not be put back (the error names it) or a later run cannot judge it.
RECOVERY_SUFFIX = ".acr-fix.orig"
JOURNAL_SUFFIX = ".acr-fix.journal"
LEFTOVER_SUFFIXES = (TMP_SUFFIX, RECOVERY_SUFFIX, JOURNAL_SUFFIX)
_JOURNAL_VERSION = 1
# Room kept free besides the bytes a group needs (folder entries, metadata, the journal).
_SPACE_MARGIN = 64 * 1024


# -- where acr-fix may write -------------------------------------------------------------------

@dataclass(frozen=True)
class WriteScope:
    """The folders acr-fix may write in, as real paths: each folder given; for a file named
    alone, that file and the current folder. Empty: no limit."""

    roots: tuple[str, ...] = ()

    @classmethod
    def of(cls, paths: Iterable[Path], cwd: Path) -> "WriteScope":
        roots: list[str] = []
        for given in paths:
            try:
                real = os.path.realpath(given)
                # a file named alone: itself (where its link points) and the current folder
                folders = [real] if os.path.isdir(real) else [real, os.path.realpath(cwd)]
            except (OSError, RuntimeError, ValueError):
                continue
            roots.extend(f for f in folders if f not in roots)
        return cls(tuple(roots))

    def allows(self, path: "Path | str") -> bool:
        """True if ``path``, resolved after symlinks, lies under one of the roots."""
        if not self.roots:
            return True
        try:
            real = os.path.realpath(path)
        except (OSError, RuntimeError, ValueError):
            return False
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def refusal(self, path: Path, display: str) -> str | None:
        """The one-line reason ``path`` may not be written, or None when it may."""
        if self.allows(path):
            return None
        return (f"{display}: lies outside the paths given (at {escaped_path(os.path.realpath(path))}); "
                "read-only, not written (give its folder too to fix it)")


def escaped_path(path: "str | Path") -> str:
    """A path for a message: bytes that are not UTF-8 (surrogate escapes) and control
    characters written as \\xNN, so a name can neither break a line nor fail to print."""
    return for_terminal(str(path))


# -- the file results the write stage works on ------------------------------------------------

class _Result(Protocol):   # fixer.run.FileResult, without importing run (which imports this)
    path: Path
    display: str
    status: str
    error: str | None
    new_text: str | None
    source: SourceFile | None
    plans: list


# -- checks -----------------------------------------------------------------------------------

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


# -- the transaction ----------------------------------------------------------------------------

@dataclass
class Member:
    """One file of a group: where it is, what it must hold now, what it will hold."""

    path: Path
    display: str
    data: bytes
    expected: _Expected
    current: bytes = b""                 # the original bytes, read by the check
    st: os.stat_result | None = None
    in_place: bool = False               # several hard links: rewritten in its own inode
    linked: bool = False                 # the recovery copy is a hard link to the original
    temp: Path | None = None
    orig: Path | None = None
    applied: bool = False


@dataclass
class GroupOutcome:
    """How writing one group went: ``errors`` per member display (empty when written),
    ``notes``: things to tell that are not errors (a recovery copy that could not be removed)."""

    written: bool
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, member: Member, message: str) -> None:
        super().__init__(message)
        self.member = member
        self.message = message


def _new_txn() -> str:
    return secrets.token_hex(4)


def _journal_path(members: Sequence[Member], txn: str) -> Path:
    return members[0].path.parent / f".{txn}{JOURNAL_SUFFIX}"


def _journal_data(members: Sequence[Member], state: str, started: int | None = None) -> bytes:
    entries = []
    for index, member in enumerate(members):
        assert member.temp is not None and member.orig is not None
        entries.append({"path": str(member.path), "temp": member.temp.name, "orig": member.orig.name,
                        "old": member.expected.digest.hex(), "new": digest_of(member.data).hex(),
                        "in_place": member.in_place, "started": member.in_place and started == index})
    return json.dumps({"acr-fix": _JOURNAL_VERSION, "state": state, "files": entries}, indent=1).encode("ascii")


def _journal_temp(journal: Path) -> Path:
    return journal.with_name(journal.name[: -len(JOURNAL_SUFFIX)] + "-j" + TMP_SUFFIX)


def _write_journal(journal: Path, data: bytes) -> None:
    """Replace the journal whole (a temporary file renamed over it), durably."""
    temp = _journal_temp(journal)
    _remove(temp)
    _create(temp, data)
    try:
        os.replace(temp, journal)
    except BaseException:
        _remove(temp)
        raise
    _fsync_folder(journal.parent)


def _check_space(members: Sequence[Member]) -> None:
    """Refuse the group before it starts when a folder lacks room for its temporary files
    and recovery copies: a full disk must never stop a group half way."""
    needed: dict[Path, int] = defaultdict(int)
    for member in members:
        needed[member.path.parent] += len(member.data) + (len(member.current) if member.in_place else 0) + 4096
    for folder, count in needed.items():
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            continue
        if free < count + _SPACE_MARGIN:
            member = next(m for m in members if m.path.parent == folder)
            raise _Refused(member, f"{member.display}: not enough free space in its folder for the fix "
                                   f"({count + _SPACE_MARGIN} bytes needed, {free} free); not written")


def _side_name(path: Path, txn: str, index: int, suffix: str) -> Path:
    """``.NAME.TXN-I.SUFFIX`` beside ``path``, with NAME cut so the whole name fits in the
    255 bytes a folder entry may have: a long file name can still be fixed."""
    tail = f".{txn}-{index}{suffix}"
    name = os.fsencode(path.name)[: 255 - 1 - len(tail)]
    return path.parent / (os.fsdecode(b"." + name) + tail)


def _prepare(members: Sequence[Member], txn: str, journal: Path) -> None:
    """Journal first, then every recovery copy and temporary file, each on disk. Raises
    _Refused naming the file and the step that failed; nothing has changed yet."""
    for index, member in enumerate(members):
        member.temp = _side_name(member.path, txn, index, TMP_SUFFIX)
        member.orig = _side_name(member.path, txn, index, RECOVERY_SUFFIX)
    try:
        _write_journal(journal, _journal_data(members, "prepared"))
    except OSError as exc:
        raise _Refused(members[0], f"{members[0].display}: cannot write the journal of the fix "
                                   f"({exc.strerror or exc}); original left unchanged") from None
    for member in members:
        assert member.temp is not None and member.orig is not None and member.st is not None
        step = "save a recovery copy"
        try:
            if not member.in_place:
                # The original inode itself, kept by a second name: putting it back is one
                # rename and needs no space; mode, owner and times come back exactly.
                try:
                    os.link(member.path, member.orig, follow_symlinks=False)
                    member.linked = True
                except OSError:
                    pass
            if not member.linked:
                _create(member.orig, member.current)
                if not member.in_place:
                    _keep_owner_and_mode(member.orig, member.st)
            step = "write the temporary file"
            _create(member.temp, member.data)
            _keep_owner_and_mode(member.temp, member.st)
        except OSError as exc:
            raise _Refused(member, f"{member.display}: cannot {step} before writing "
                                   f"({exc.strerror or exc}); original left unchanged") from None
    for folder in {m.path.parent for m in members}:
        _fsync_folder(folder)


def _last_moment_check(member: Member, fd: int | None = None) -> None:
    try:
        if fd is None:
            st, data = _read_path(member.path)
        else:
            st, data = os.fstat(fd), _read_fd(fd)
    except OSError as exc:
        raise _Refused(member, f"{member.display}: cannot re-read before writing ({exc.strerror or exc}); "
                               "not written") from None
    if not member.expected.matches(st, data):
        raise _Refused(member, _changed_message(member.display))


def _apply(member: Member, members: Sequence[Member], journal: Path) -> None:
    assert member.temp is not None and member.orig is not None
    if not member.in_place:
        _last_moment_check(member)
        os.replace(member.temp, member.path)
        member.applied = True
        if member.linked:
            # A writer that saved into the old inode between the check and the rename saved
            # into the recovery copy (the same inode): seen here, and its save is put back.
            try:
                _, data = _read_path(member.orig)
            except OSError:
                return
            if digest_of(data) != member.expected.digest:
                raise _Refused(member, _changed_message(member.display))
        return
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(member.path, flags)
    try:
        with _locked(fd):
            _last_moment_check(member, fd)
            # The journal says this file is being rewritten: a torn result is ours to undo.
            _write_journal(journal, _journal_data(members, "prepared", started=members.index(member)))
            member.applied = True
            _overwrite(fd, _read_temp(member.temp))
    finally:
        os.close(fd)


def _read_temp(temp: Path) -> bytes:
    st, data = _read_path(temp)
    return data


def _undo(member: Member) -> str | None:
    """Put one applied member back from its recovery copy; the problem, or None."""
    assert member.orig is not None
    try:
        if member.in_place:
            original = _read_temp(member.orig)
            if digest_of(original) != member.expected.digest:
                return f"its recovery copy {escaped_path(member.orig)} is not the original"
            fd = os.open(member.path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
            try:
                _overwrite(fd, original)
            finally:
                os.close(fd)
            _remove(member.orig)
        else:
            os.replace(member.orig, member.path)
        member.applied = False
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _clean(members: Sequence[Member], journal: Path | None, keep: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Remove temporary files and recovery copies (but those in ``keep``), then the journal;
    one note per file that could not be removed."""
    notes = []
    for index, member in enumerate(members):
        for leftover, what in ((member.temp, "temporary file"), (member.orig, "recovery copy")):
            if leftover is None or (what == "recovery copy" and index in keep):
                continue
            problem = _remove(leftover)
            if problem:
                notes.append(f"{member.display}: written, but its {what} {escaped_path(leftover)} could not be "
                             f"removed ({problem}); delete it")
    if journal is not None and not keep:
        _remove(_journal_temp(journal))
        problem = _remove(journal)
        if problem:
            notes.append(f"{escaped_path(journal)}: could not be removed ({problem}); delete it")
    return notes


def write_group(members: list[Member]) -> GroupOutcome:
    """Write ``members`` (checked by check_writable, ``current`` filled in) all or none."""
    for member in members:
        member.in_place = member.st is not None and member.st.st_nlink > 1
    txn = _new_txn()
    journal = _journal_path(members, txn)
    prepared = False
    with interrupt_deferred():
        try:
            _check_space(members)
            prepared = True   # (from here on, what _prepare made is cleaned up on any failure)
            _prepare(members, txn, journal)
            for member in members:
                try:
                    _apply(member, members, journal)
                except OSError as exc:
                    what = "write in place failed" if member.applied else "write failed"
                    tail = "" if member.applied else "; original left unchanged"
                    raise _Refused(member, f"{member.display}: {what} ({exc.strerror or exc}){tail}") from None
            try:
                _write_journal(journal, _journal_data(members, "committed"))
            except OSError as exc:
                raise _Refused(members[-1], f"{members[-1].display}: cannot record the write "
                                            f"({exc.strerror or exc})") from None
        except _Refused as refused:
            return _roll_back(members, journal if prepared or os.path.lexists(journal) else None, refused)
        except BaseException:
            # Ctrl-C is held above, so this is an error acr-fix did not expect: put the group back.
            if prepared:
                _roll_back(members, journal, _Refused(members[0], "interrupted"))
            raise
        return GroupOutcome(written=True, notes=_clean(members, journal))


def _roll_back(members: Sequence[Member], journal: Path | None, refused: _Refused) -> GroupOutcome:
    outcome = GroupOutcome(written=False)
    kept: set[int] = set()
    for index, member in reversed(list(enumerate(members))):
        if member is refused.member:
            message = refused.message
        else:
            message = f"{member.display}: not written, because {refused.member.display}, which the same fix " \
                      "edits, could not be written"
        if member.applied:
            problem = _undo(member)
            if problem is None:
                if member is not refused.member:
                    message = f"{member.display}: written, then put back, because {refused.member.display}, " \
                              "which the same fix edits, could not be written"
                elif not message.endswith("original left unchanged"):
                    message += "; original put back"
            else:
                kept.add(index)
                saved = escaped_path(os.path.abspath(member.orig or ""))
                if member is refused.member:
                    message += f", and the original could not be put back ({problem}); it is saved in {saved}"
                else:
                    message = f"{member.display}: written, but could not be put back after {refused.member.display} " \
                              f"failed ({problem}); its original is saved in {saved}"
        outcome.errors[member.display] = message
    if journal is not None or any(m.temp is not None for m in members):
        outcome.notes.extend(_clean(members, journal, kept))
    return outcome


def members_for(files: Sequence[tuple[SourceFile, bytes, str]], scope: WriteScope | None) -> list[Member]:
    """Check each (source, new bytes, display) and make its Member. Raises _Refused."""
    members = []
    for source, data, display in files:
        try:
            current = check_writable(source, display, scope)
        except WriteError as exc:
            member = Member(source.path, display, data, _Expected.of(source))
            raise _Refused(member, str(exc)) from None
        try:
            st = os.lstat(source.path)
        except OSError as exc:
            member = Member(source.path, display, data, _Expected.of(source))
            raise _Refused(member, f"{display}: cannot stat ({exc.strerror or exc}); not written") from None
        expected = _Expected.of(source)
        if expected.identity is None:   # in memory: pin what the check saw
            expected = _Expected(expected.digest, st.st_size, st.st_mtime_ns, (st.st_dev, st.st_ino))
        members.append(Member(source.path, display, data, expected, current=current, st=st))
    return members


def replace_bytes(path: Path, data: bytes) -> None:
    """Replace an existing file's content, all or nothing (the same transaction as a fix).
    For files acr-fix did not parse as templates, such as ps-rule.yaml. Raises WriteError;
    the original is intact on failure."""
    try:
        st, current = _read_path(path)
    except OSError as exc:
        raise WriteError(f"{escaped_path(path)}: cannot read before writing ({exc.strerror or exc}); not written") from None
    member = Member(path, escaped_path(path), data,
                    _Expected(digest_of(current), st.st_size, st.st_mtime_ns, (st.st_dev, st.st_ino)),
                    current=current, st=st)
    outcome = write_group([member])
    if not outcome.written:
        raise WriteError(outcome.errors[member.display])


# -- the write stage over a run's results --------------------------------------------------------

def write_groups(pending: Sequence[_Result], files: Sequence[_Result]) -> list[list[_Result]]:
    """``pending`` split into the sets of files that one fix spans (a template with its
    parameter file or module caller, transitively): each set is written whole or not at all."""
    index = {file_key(f.path): f for f in pending}
    parent = {key: key for key in index}

    def find(key: Path) -> Path:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for file_result in files:
        for plan in file_result.plans:
            if plan.status != "fix" or plan.fix is None:
                continue
            keys = [k for k in {file_key(file_result.path), *(file_key(c.doc.path) for c in plan.fix.changes)} if k in index]
            for other in keys[1:]:
                parent[find(other)] = find(keys[0])
    groups: dict[Path, list[_Result]] = defaultdict(list)
    for f in pending:
        groups[find(file_key(f.path))].append(f)
    return list(groups.values())


def refuse(group: Sequence[_Result], culprit: _Result, error: str) -> None:
    """Mark every file of ``group`` failed: ``culprit`` with ``error``, the others as not written."""
    for file_result in group:
        file_result.status = "failed"
        file_result.error = error if file_result is culprit else \
            f"{file_result.display}: not written, because {culprit.display}, which the same fix edits, could not be written"


def changed_files(files: Sequence[_Result]) -> list[_Result]:
    return [f for f in files if f.status == "would-fix" and f.source is not None
            and (f.new_text is None or f.new_text != f.source.text)]


def refuse_outside(files: Sequence[_Result], scope: WriteScope) -> None:
    """Refuse every fix that would write a file outside ``scope`` (a parameter file's
    `metadata.template` or `using`, a module path, a linked template, a link that points
    elsewhere): the preview and the write say the same."""
    if not scope.roots:
        return
    pending = changed_files(files)
    outside = {id(f): scope.refusal(f.source.path, f.display) for f in pending if f.source is not None}
    if not any(outside.values()):
        return
    for group in write_groups(pending, files):
        culprit = next((f for f in group if outside.get(id(f))), None)
        if culprit is not None:
            refuse(group, culprit, outside[id(culprit)] or "")


def write_result_group(group: Sequence[_Result], scope: WriteScope | None, notes: list[str]) -> None:
    """Write the files of one fix, all or none, and set their statuses."""
    try:
        members = members_for([(f.source, f.source.encode(f.new_text or ""), f.display)  # type: ignore[union-attr]
                               for f in group], scope)
    except _Refused as refused:
        culprit = next(f for f in group if f.display == refused.member.display)
        refuse(group, culprit, refused.message)
        return
    outcome = write_group(members)
    notes.extend(outcome.notes)
    for file_result in group:
        if outcome.written:
            file_result.status = "fixed"
        else:
            file_result.status = "failed"
            file_result.error = outcome.errors.get(file_result.display, f"{file_result.display}: not written")


# Writing a file waits on the disk (temporary file, fsync, rename), not on Python, so a few
# threads overlap those waits; each fix (a group of files) is still written by one thread.
WRITE_THREADS = 8


def write_results(files: Sequence[_Result], root: Path, scope: WriteScope | None, notes: list[str]) -> None:
    """Write every verified new text of ``files``, a fix group at a time (see write_group).
    A group that fails is reported and the others are still written. On Ctrl-C, the groups
    being written are finished and no other one is started."""
    pending = changed_files(files)
    if any(f.new_text is None for f in pending):
        raise ValueError("write_fixes needs a result made with run(..., keep_new_texts=True)")
    for file_result in pending:
        file_result.source = at_real_location(file_result.source, root, scope)  # type: ignore[arg-type]
    groups = write_groups(pending, files)
    if len(groups) <= 1:
        for group in groups:
            write_result_group(group, scope, notes)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(WRITE_THREADS, len(groups))) as pool:
        futures = [pool.submit(write_result_group, group, scope, notes) for group in groups]
        try:
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()  # not started yet: left as it was
            raise


def at_real_location(source: SourceFile, root: Path, scope: WriteScope | None = None) -> SourceFile:
    """A parameter file or module that a template names through a symbolic link is written
    where the link points, when that lies under the run's root and the scope (as discovery
    does for the templates themselves); the link stays as it is. A link that points
    elsewhere is left as read: check_writable refuses it."""
    import dataclasses

    if not os.path.islink(source.path):
        return source
    try:
        real = os.path.realpath(source.path, strict=True)
    except (OSError, RuntimeError):
        return source
    real_root = os.path.realpath(root).rstrip(os.sep) + os.sep
    if real.startswith(real_root) and (scope is None or scope.allows(real)):
        return dataclasses.replace(source, path=Path(real))
    return source


# -- a later run: leftovers of an interrupted one -----------------------------------------------

def leftovers_in(folders: Iterable[Path]) -> list[Path]:
    """acr-fix's temporary files, recovery copies and journals directly in ``folders``."""
    found = []
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                found.extend(Path(e.path) for e in entries if e.name.endswith(LEFTOVER_SUFFIXES))
        except OSError:
            continue
    return sorted(found)


def _load_journal(path: Path) -> dict[str, Any] | None:
    try:
        _, raw = _read_path(path)
        data = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("acr-fix") != _JOURNAL_VERSION or \
            data.get("state") not in ("prepared", "committed") or not isinstance(data.get("files"), list):
        return None
    return data


def _own_name(name: object, suffix: str) -> bool:
    return isinstance(name, str) and name.startswith(".") and name.endswith(suffix) and "/" not in name \
        and os.sep not in name and len(name) < 64


def recover(leftovers: Sequence[Path], scope: WriteScope, display: Any = escaped_path,
            dry_run: bool = False) -> tuple[list[str], list[str]]:
    """Finish or roll back the groups of interrupted runs whose journals are in
    ``leftovers`` and remove stale temporary files; returns (messages, errors). With
    ``dry_run`` nothing is changed and the messages say what ``--write`` would do."""
    messages: list[str] = []
    errors: list[str] = []
    claimed: set[str] = set()
    for journal in (p for p in leftovers if p.name.endswith(JOURNAL_SUFFIX)):
        data = _load_journal(journal)
        shown = display(journal)
        if data is None:
            errors.append(f"{shown}: not a journal acr-fix can read; left alone (delete it if no acr-fix runs)")
            claimed.add(str(journal))
            continue
        entries = []
        for entry in data["files"]:
            path = Path(str(entry.get("path", "")))
            if not path.is_absolute() or not _own_name(entry.get("temp"), TMP_SUFFIX) or \
                    not _own_name(entry.get("orig"), RECOVERY_SUFFIX) or not scope.allows(path):
                entries = None
                break
            entries.append((path, path.parent / entry["temp"], path.parent / entry["orig"], entry))
        if entries is None:
            errors.append(f"{shown}: names a file outside the paths given, or is not acr-fix's; left alone")
            claimed.add(str(journal))
            continue
        claimed.add(str(journal))
        claimed.update(str(p) for _, temp, orig, _ in entries for p in (temp, orig))
        claimed.add(str(_journal_temp(journal)))
        names = ", ".join(display(p) for p, *_ in entries)
        if dry_run:
            verb = "finish" if data["state"] == "committed" else "roll back"
            messages.append(f"an interrupted acr-fix run left {shown}: --write will {verb} its fix of {names}")
            continue
        problems = _recover_group(data["state"], entries, display)
        _remove(_journal_temp(journal))
        if problems:
            errors.extend(problems)
            continue
        problem = _remove(journal)
        if problem:
            errors.append(f"{shown}: could not be removed ({problem}); delete it")
        verb = "finished" if data["state"] == "committed" else "rolled back"
        messages.append(f"{verb} the fix of {names} that an interrupted acr-fix run left (journal {shown})")
    for leftover in leftovers:
        if str(leftover) in claimed or leftover.name.endswith(JOURNAL_SUFFIX) or not scope.allows(leftover):
            continue
        messages.extend(_stale(leftover, display, dry_run, errors))
    return messages, errors


def _digest_file(path: Path) -> bytes | None:
    try:
        return digest_of(_read_path(path)[1])
    except OSError:
        return None


def _recover_group(state: str, entries: list[tuple[Path, Path, Path, dict]], display: Any) -> list[str]:
    problems: list[str] = []
    for path, temp, orig, entry in entries:
        old, new = str(entry.get("old", "")), str(entry.get("new", ""))
        current = _digest_file(path)
        current_hex = current.hex() if current is not None else None
        keep_orig = False
        if state == "prepared" and os.path.lexists(orig):
            original = _digest_file(orig)
            if original is None or original.hex() != old:
                keep_orig = current_hex != old
                if keep_orig:
                    problems.append(f"{display(path)}: an interrupted acr-fix run left it changed and its recovery "
                                    f"copy {display(orig)} is not the original; both left as they are")
            elif current_hex == new or (entry.get("in_place") and entry.get("started") and current_hex != old):
                try:
                    if entry.get("in_place"):
                        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
                        try:
                            _overwrite(fd, _read_path(orig)[1])
                        finally:
                            os.close(fd)
                    else:
                        os.replace(orig, path)
                except OSError as exc:
                    keep_orig = True
                    problems.append(f"{display(path)}: cannot put back the original an interrupted acr-fix run "
                                    f"saved ({exc.strerror or exc}); it is in {display(orig)}")
            elif current_hex != old:
                keep_orig = True
                problems.append(f"{display(path)}: changed since an interrupted acr-fix run; its original is kept "
                                f"in {display(orig)} (compare, then delete it)")
        elif state == "prepared" and current_hex == new:
            problems.append(f"{display(path)}: an interrupted acr-fix run wrote it and its original is gone")
            keep_orig = True
        for leftover in (temp,) if keep_orig else (temp, orig):
            problem = _remove(leftover)
            if problem:
                problems.append(f"{display(leftover)}: could not be removed ({problem}); delete it")
    return problems


def _stale(leftover: Path, display: Any, dry_run: bool, errors: list[str]) -> list[str]:
    """A temporary file or recovery copy no journal claims. A temporary file never holds the
    only copy of anything: removed. A recovery copy is removed only when the file it was made
    for holds the same bytes (an older acr-fix named it `.NAME.xxxx.acr-fix.orig`)."""
    shown = display(leftover)
    if leftover.name.endswith(TMP_SUFFIX):
        if dry_run:
            return [f"{shown}: a stale temporary file of an interrupted acr-fix run; --write removes it"]
        problem = _remove(leftover)
        if problem:
            errors.append(f"{shown}: a stale temporary file that could not be removed ({problem}); delete it")
            return []
        return [f"removed {shown}, a stale temporary file of an interrupted acr-fix run"]
    name = leftover.name[1:-len(RECOVERY_SUFFIX)] if leftover.name.startswith(".") else ""
    owner = leftover.parent / name.rsplit(".", 1)[0] if "." in name else None
    copy = _digest_file(leftover)
    if owner is not None and copy is not None and _digest_file(owner) == copy:
        if dry_run:
            return [f"{shown}: a recovery copy of {display(owner)}, which holds the same bytes; --write removes it"]
        problem = _remove(leftover)
        if problem:
            errors.append(f"{shown}: a stale recovery copy that could not be removed ({problem}); delete it")
            return []
        return [f"removed {shown}, a recovery copy of {display(owner)}, which holds the same bytes"]
    errors.append(f"{shown}: a recovery copy an interrupted acr-fix run left; compare it with the file it was "
                  "made for, then delete it")
    return []
