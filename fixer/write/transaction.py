"""One fix group written as a transaction with a journal (see fixer.write)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import WriteError
from ..source import SourceFile, digest_of
from .disk import (JOURNAL_SUFFIX, RECOVERY_SUFFIX, TMP_SUFFIX, _changed_message, _create, _Expected, _fsync_folder,
                   _keep_owner_and_mode, _locked, _overwrite, _read_fd, _read_path, _remove, check_writable, exchange,
                   folders_locked, interrupt_deferred)
from .scope import WriteScope, escaped_path

_JOURNAL_VERSION = 1
# Room kept free besides the bytes a group needs (folder entries, metadata, the journal).
_SPACE_MARGIN = 64 * 1024


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
        if exchange(member.temp, member.path):
            # The temporary name now holds the file that was replaced: if another program
            # saved by renaming its own file over this one since the check, that is its file,
            # and it goes back, swapped in the same atomic step.
            if not _is_the_original(member, member.temp):
                exchange(member.temp, member.path)
                raise _Refused(member, _changed_message(member.display))
            _remove(member.temp)
        else:
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


def _is_the_original(member: Member, path: Path) -> bool:
    """True if ``path`` is the inode that was read, holding the bytes that were read."""
    try:
        st, data = _read_path(path)
    except OSError:
        return False
    identity = member.expected.identity
    return (identity is None or (st.st_dev, st.st_ino) == identity) and digest_of(data) == member.expected.digest


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
    with interrupt_deferred(), folders_locked({m.path.parent for m in members}):
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
                elif not message.endswith("original left unchanged") and "changed on disk" not in message:
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
