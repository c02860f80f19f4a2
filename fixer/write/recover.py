"""A later run: finish or roll back what an interrupted one left (see fixer.write)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..source import digest_of
from .disk import (JOURNAL_SUFFIX, LEFTOVER_SUFFIXES, RECOVERY_SUFFIX, TMP_SUFFIX, _overwrite, _read_path, _remove,
                   folders_locked)
from .scope import WriteScope, escaped_path
from .transaction import _JOURNAL_VERSION, _journal_temp


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
        claimed.add(str(journal))
        first = _load_journal(journal)
        folders = {journal.parent, *(Path(str(e.get("path", ""))).parent for e in (first or {}).get("files", [])
                                     if isinstance(e, dict))}
        with folders_locked(folders, exclusive=True) as free:
            if not free:   # a running acr-fix is writing there: its journal is live, not left over
                messages.append(f"{display(journal)}: another acr-fix run is writing there; left alone")
                continue
            if not os.path.lexists(journal):
                continue       # that run finished meanwhile
            _recover_journal(journal, scope, display, dry_run, messages, errors, claimed)
    for leftover in leftovers:
        if str(leftover) in claimed or leftover.name.endswith(JOURNAL_SUFFIX) or not scope.allows(leftover):
            continue
        with folders_locked({leftover.parent}, exclusive=True) as free:
            if free and os.path.lexists(leftover):
                messages.extend(_stale(leftover, display, dry_run, errors))
    return messages, errors


def _recover_journal(journal: Path, scope: WriteScope, display: Any, dry_run: bool, messages: list[str],
                     errors: list[str], claimed: set[str]) -> None:
    """Roll back or finish the group of one journal (its folders locked by the caller)."""
    data = _load_journal(journal)
    shown = display(journal)
    if data is None:
        errors.append(f"{shown}: not a journal acr-fix can read; left alone (delete it if no acr-fix runs)")
        return
    entries: list[tuple[Path, Path, Path, dict]] | None = []
    for entry in data["files"]:
        path = Path(str(entry.get("path", "")))
        if not path.is_absolute() or not _own_name(entry.get("temp"), TMP_SUFFIX) or \
                not _own_name(entry.get("orig"), RECOVERY_SUFFIX) or not scope.allows(path):
            entries = None
            break
        entries.append((path, path.parent / entry["temp"], path.parent / entry["orig"], entry))
    if entries is None:
        errors.append(f"{shown}: names a file outside the paths given, or is not acr-fix's; left alone")
        return
    claimed.update(str(p) for _, temp, orig, _ in entries for p in (temp, orig))
    claimed.add(str(_journal_temp(journal)))
    names = ", ".join(display(p) for p, *_ in entries)
    if dry_run:
        verb = "finish" if data["state"] == "committed" else "roll back"
        messages.append(f"an interrupted acr-fix run left {shown}: --write will {verb} its fix of {names}")
        return
    problems = _recover_group(data["state"], entries, display)
    _remove(_journal_temp(journal))
    if problems:
        errors.extend(problems)
        return
    problem = _remove(journal)
    if problem:
        errors.append(f"{shown}: could not be removed ({problem}); delete it")
    verb = "finished" if data["state"] == "committed" else "rolled back"
    messages.append(f"{verb} the fix of {names} that an interrupted acr-fix run left (journal {shown})")


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
