"""Runs chunk by chunk: in worker processes for big repositories, in this process otherwise.

The templates are split into chunks of neighbours (sorted paths, so a template, its parameter
files and its modules mostly share a chunk); each chunk runs the whole pipeline with its own
workspace, so memory follows a chunk, not the repository. Workers (fork) send back detached
results (see Node.__getstate__). Chunks that change the same file (a shared parameter file, a
caller of two modules) are run again as one, so the result is always the one a single run
over everything gives (tests/test_parallel.py).
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .formats import prepare_workspace
from .model import Document
from .options import Options
from .results import FileResult, RunResult
from .source import SourceFile
from .workspace import Workspace, file_key

PARALLEL_MIN_TEMPLATES = 400   # below this, starting processes costs more than it saves
_CHUNK_STATE: dict[str, Any] = {}  # set just before forking workers, cleared after


@dataclass(frozen=True)
class Pipeline:
    """The stages a chunk runs, given by run.py (so this module does not import it)."""

    load: Callable[[SourceFile], Document | None]    # parse a file with its reader
    analyse: Callable[..., FileResult]               # (path, workspace, options, root, suppressor)
    # apply, verify, release: (result, workspace, options, root, options_for, keep_new_texts)
    finish: Callable[[RunResult, Workspace, Options, Path, Any, bool], None]


def choose_jobs(requested: int, templates: int) -> int:
    """Worker processes for a run: ``requested`` if given (>0), else 1 for small repositories
    and one per core for big ones; always 1 where fork is unavailable."""
    if not (requested and requested > 1) and (requested == 1 or templates < PARALLEL_MIN_TEMPLATES):
        return 1  # decided without importing multiprocessing (slow to import: sockets, pickle)
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if requested and requested > 0:
        return requested
    return max(1, min(os.cpu_count() or 1, 8))


MAX_CHUNK = 256  # templates per chunk at most: a run holds one chunk's parsed files at a time (per process)


def _chunk_target(count: int, jobs: int) -> int:
    """Templates per chunk: with workers, about count/(4*jobs) (enough chunks for the workers
    to even out); in one process, as many as memory allows. Never more than MAX_CHUNK."""
    if jobs <= 1:
        return MAX_CHUNK
    return min(MAX_CHUNK, max(16, count // (jobs * 4)))


def _chunks(ordered: list[Path], target: int) -> list[list[Path]]:
    """Runs of neighbouring templates, about ``target`` long. A chunk ends only where the
    folder changes: the templates of one folder, which share its parameter files, stay
    together (two chunks editing one file have to be run again as one, see run_in_chunks)."""
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


def _run_chunk(chunk: list[Path], state: dict[str, Any],
               on_file: Callable[[Any], None] | None = None) -> tuple[list[Any], list[str], list[str]]:
    """The whole pipeline (analyse, plan, edit, verify) for one chunk, with a workspace of its
    own: what it parsed is freed when it ends. Returns the results worth reporting, the
    warnings, and the files of the chunk that turned out to be parameter files."""
    pipeline: Pipeline = state["pipeline"]
    workspace = Workspace(loader=pipeline.load, files=state["files"], max_file_size=state["options"].max_file_size,
                          cache=state["cache"])
    partial = RunResult(root=state["root"])
    parameter_files: list[str] = []
    settings = state.get("settings")  # fixer.settings.Settings: each file's own options
    for path in chunk:
        options = settings.options_for(path) if settings is not None else state["options"]
        file_result = pipeline.analyse(path, workspace, options, state["root"], state["suppressor"],
                                       state.get("external"))
        if file_result.plans or file_result.error:
            partial.files.append(file_result)
        if file_result.role == "parameters":
            parameter_files.append(os.path.abspath(path))
        if on_file is not None:
            on_file(file_result)
    pipeline.finish(partial, workspace, state["options"], state["root"],
                    settings.options_for if settings is not None else None, state["keep_new_texts"])
    suppressions = state["suppressions"]
    return partial.files, list(suppressions.warnings) if suppressions is not None else [], parameter_files


def _chunk_worker(index: int) -> tuple[list[Any], list[str], list[str]]:
    """A worker's task: the chunk at ``index`` of the state it inherited when it was forked."""
    return _run_chunk(_CHUNK_STATE["chunks"][index], _CHUNK_STATE)


def _conflicts(per_chunk: list[list[Any]]) -> list[list[int]]:
    """Groups of chunks (indexes) that changed the same file, joined transitively."""
    parent = list(range(len(per_chunk)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owners: dict[Path, int] = {}
    for index, chunk_files in enumerate(per_chunk):
        for file_result in chunk_files:
            if file_result.changed:
                owner = owners.setdefault(file_key(file_result.path), index)
                if owner != index:
                    parent[find(index)] = find(owner)
    groups: dict[int, list[int]] = {}
    for index in range(len(per_chunk)):
        groups.setdefault(find(index), []).append(index)
    return [group for group in groups.values() if len(group) > 1]


def run_in_chunks(pipeline: Pipeline, templates: list[Path], files: list[Path], options: Options, root: Path,
                  suppressor: Any, suppressions: Any, jobs: int,
                  progress: Callable[[int, int, int], None] | None,
                  keep_new_texts: bool = True, at_once: bool = False,
                  settings: Any = None, external: Any = None) -> tuple[list[Any], list[str], set[str]] | None:
    """Run the pipeline chunk by chunk, in ``jobs`` worker processes (or in this one when
    ``jobs`` is 1), so memory follows a chunk, not the repository. Chunks that changed the
    same file are run again together, so their edits are merged and verified as one. None
    if that still leaves two results for one file (the caller then runs everything
    ``at_once``: one chunk, in this process). Returns the results, the warnings, and the
    (absolute) paths among ``templates`` that turned out to be parameter files."""
    ordered = sorted(templates, key=lambda p: p.as_posix())
    # Indexes every chunk would otherwise rebuild (who calls which Bicep module) live in one
    # cache: built lazily in this process, or before forking so the workers inherit them.
    shared = Workspace(loader=pipeline.load, files=files, max_file_size=options.max_file_size)
    chunks = [ordered] if at_once else _chunks(ordered, _chunk_target(len(ordered), jobs))
    jobs = 1 if at_once else jobs
    # Who deploys each template (parameter files, module callers, linked templates), built
    # before any value is resolved; workers inherit it with the cache.
    prepare_workspace(shared, files, import_readers=jobs > 1)
    state = dict(pipeline=pipeline, chunks=chunks, files=files, options=options, root=root, suppressor=suppressor,
                 suppressions=suppressions, cache=shared.cache, keep_new_texts=keep_new_texts, settings=settings,
                 external=external)  # azd services and CI pipelines of the repository (fixer/pipelines.py)
    per_chunk: list[list[FileResult]] = []
    warnings: list[str] = []
    parameter_files: set[str] = set()
    done = registries = 0
    frozen = False

    def collect(chunk_files: list[FileResult], chunk_warnings: list[str], chunk_parameter_files: list[str]) -> None:
        per_chunk.append(chunk_files)
        warnings.extend(w for w in chunk_warnings if w not in warnings)
        parameter_files.update(chunk_parameter_files)

    try:
        if jobs > 1:
            import multiprocessing

            # deepdiff is not imported here for the workers to inherit: a worker imports it
            # when one of its files has edits to verify, and most runs fix few files
            _CHUNK_STATE.update(state)  # what the forked workers inherit
            # Everything the parent holds now (imported modules, the indexes) moves out of
            # reach of the workers' cycle collector: their collections only walk what they
            # create, and they do not touch (and so copy) the pages they share with the parent.
            frozen = gc.get_freeze_count() == 0  # the host process may freeze objects of its own
            if frozen:
                gc.freeze()
            with multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_ignores_ctrl_c) as pool:
                for index, (chunk_files, chunk_warnings, chunk_parameter_files) in \
                        enumerate(pool.imap(_chunk_worker, range(len(chunks)))):
                    collect(chunk_files, chunk_warnings, chunk_parameter_files)
                    done += len(chunks[index])
                    registries += sum(len(f.plans) for f in chunk_files)
                    if progress is not None:
                        progress(done, len(ordered), registries)
        else:
            def on_file(file_result: FileResult) -> None:
                nonlocal done, registries
                done += 1
                registries += len(file_result.plans)
                if progress is not None:
                    progress(done, len(ordered), registries)

            for chunk in chunks:
                collect(*_run_chunk(chunk, state, on_file))
        for group in _conflicts(per_chunk):
            # templates of these chunks edit a file together (a shared parameter file, a
            # caller of two modules): run them as one chunk, here, so the edits are merged
            together, chunk_warnings, _ = _run_chunk([p for i in group for p in chunks[i]], state)
            warnings.extend(w for w in chunk_warnings if w not in warnings)
            per_chunk[group[0]] = together
            for i in group[1:]:
                per_chunk[i] = []
        if _conflicts(per_chunk):
            return None
    finally:
        _CHUNK_STATE.clear()
        if frozen:
            gc.unfreeze()
    # A file edited for templates of one chunk (a parameter file) and listed by another
    # chunk as a template of its own appears twice: keep the one that carries the change.
    merged: dict[Path, FileResult] = {}
    for file_result in (f for chunk_files in per_chunk for f in chunk_files):
        key = file_key(file_result.path)
        previous = merged.get(key)
        if previous is None:
            merged[key] = file_result
        elif file_result.changed and not previous.changed:
            file_result.plans = previous.plans or file_result.plans
            merged[key] = file_result
        elif previous.changed and not file_result.changed:
            previous.plans = previous.plans or file_result.plans
    return list(merged.values()), warnings, parameter_files


def _worker_ignores_ctrl_c() -> None:
    """Ctrl-C reaches every process of the terminal's group: the parent stops the pool (and
    exits 130); a worker that took it too would print a traceback of its own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
