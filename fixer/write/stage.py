"""The write stage over a run's file results: groups, scope refusals, threads."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Protocol, Sequence

from ..source import SourceFile
from ..workspace import file_key
from .scope import WriteScope
from .transaction import _Refused, members_for, write_group


class _Result(Protocol):   # fixer.run.FileResult, without importing run (which imports this)
    path: Path
    display: str
    status: str
    error: str | None
    new_text: str | None
    source: SourceFile | None
    plans: list


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
