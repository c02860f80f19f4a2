"""Big repositories in worker processes.

The templates are split into chunks of neighbours (sorted paths, so a template, its parameter
files and its modules mostly share a chunk); each worker (fork) runs the same pipeline as the
serial path on its chunk and sends back detached results (see Node.__getstate__). If two
chunks change the same file (a shared parameter file or module caller), the caller repeats
the run serially, so the result is always the serial one (tests/test_parallel.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from .options import Options
from .workspace import Workspace, file_key

PARALLEL_MIN_TEMPLATES = 400   # below this, starting processes costs more than it saves
_CHUNK_STATE: dict[str, Any] = {}


def choose_jobs(requested: int, templates: int) -> int:
    """Worker processes for a run: ``requested`` if given (>0), else 1 for small repositories
    and one per core for big ones; always 1 where fork is unavailable."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if requested and requested > 0:
        return requested
    if templates < PARALLEL_MIN_TEMPLATES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


MAX_CHUNK = 256  # templates per chunk at most: a worker holds one chunk's parsed files at a time


def _chunks(ordered: list[Path], jobs: int) -> list[list[Path]]:
    """Runs of neighbouring templates, about len/(4*jobs) long (enough for the workers to
    even out) but at most about MAX_CHUNK (memory). A chunk ends only where the folder
    changes: the templates of one folder, which share its parameter files, stay together
    (two chunks editing one file would send the whole run down the serial path)."""
    target = min(MAX_CHUNK, max(16, len(ordered) // (jobs * 4)))
    chunks: list[list[Path]] = []
    current: list[Path] = []
    for path in ordered:
        if len(current) >= target and path.parent != current[-1].parent:
            chunks.append(current)
            current = []
        current.append(path)
    if current:
        chunks.append(current)
    return chunks


def _chunk_worker(index: int) -> tuple[list[Any], list[str]]:
    from .run import RunResult, _apply_and_verify, _release_parse_state, analyse_file, load_document

    state = _CHUNK_STATE
    chunk = state["chunks"][index]
    workspace = Workspace(loader=load_document, files=state["files"], max_file_size=state["options"].max_file_size,
                          cache=state["cache"])
    partial = RunResult(root=state["root"])
    for path in chunk:
        file_result = analyse_file(path, workspace, state["options"], state["root"], state["suppressor"])
        if file_result.plans or file_result.error:
            partial.files.append(file_result)
    _apply_and_verify(partial, workspace, state["options"], state["root"])
    _release_parse_state(partial)  # what the reports do not need is not sent back
    suppressions = state["suppressions"]
    return partial.files, list(suppressions.warnings) if suppressions is not None else []


def run_parallel(templates: list[Path], files: list[Path], options: Options, root: Path,
                 suppressor: Any, suppressions: Any, jobs: int,
                 progress: Callable[[int, int, int], None] | None) -> tuple[list[Any], list[str]] | None:
    """Run the pipeline in ``jobs`` processes. None when chunks touch the same file (the
    caller then runs serially)."""
    import multiprocessing

    from .run import FileResult, load_document

    ordered = sorted(templates, key=lambda p: p.as_posix())
    # Indexes every chunk would otherwise rebuild (who calls which Bicep module) are built
    # once here and inherited by the workers.
    shared = Workspace(loader=load_document, files=files, max_file_size=options.max_file_size)
    import deepdiff  # noqa: F401  (imported once here rather than once per worker: it is slow to import)
    if any(p.suffix.lower() == ".bicep" for p in files):
        from .formats import bicep
        bicep.prepare_workspace(shared)
    chunks = _chunks(ordered, jobs)
    _CHUNK_STATE.update(chunks=chunks, files=files, options=options, root=root, suppressor=suppressor,
                        suppressions=suppressions, cache=shared.cache)
    results: list[FileResult] = []
    warnings: list[str] = []
    owners: dict[Path, int] = {}
    conflict = False
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            done = 0
            registries = 0
            for index, (chunk_files, chunk_warnings) in enumerate(pool.imap(_chunk_worker, range(len(chunks)))):
                done += len(chunks[index])
                for file_result in chunk_files:
                    registries += len(file_result.plans)
                    if file_result.changed:
                        key = file_key(file_result.path)
                        if owners.setdefault(key, index) != index:
                            conflict = True
                results.extend(chunk_files)
                warnings.extend(w for w in chunk_warnings if w not in warnings)
                if progress is not None:
                    progress(done, len(ordered), registries)
    finally:
        _CHUNK_STATE.clear()
    if conflict:
        return None
    # A file edited for templates of one chunk (a parameter file) and listed by another
    # chunk as a template of its own appears twice: keep the one that carries the change.
    merged: dict[Path, FileResult] = {}
    for file_result in results:
        key = file_key(file_result.path)
        previous = merged.get(key)
        if previous is None:
            merged[key] = file_result
        elif file_result.changed and not previous.changed:
            file_result.plans = previous.plans or file_result.plans
            merged[key] = file_result
        elif previous.changed and not file_result.changed:
            previous.plans = previous.plans or file_result.plans
    return list(merged.values()), warnings
