"""The whole pipeline: discover -> read -> parse -> find -> plan -> edit -> verify -> (write).

``run`` returns a RunResult and prints nothing; ``write_fixes`` is the one place that writes
template files. The CLI and the bot are thin layers over these two functions.
"""

from __future__ import annotations

import fnmatch
import functools
import os
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .diff import unified_diff
from .discover import context_files, discover, is_parameter_file, template_of_parameter_file
from .globs import match_path
from .edits import Edit, apply_edits
from .errors import OverlappingEdits, ParseError, ReadError
from .escape import for_terminal
from .formats import reader_for, reader_of
from .formats.base import Generated
from .formats.module_refs import mentions_registry_module
from .model import Document, Registry
from .options import Options, RegistryOverride
from .consumers import merge as merge_consumers
from .pipelines import RepositoryConsumer, RepositoryConsumers, find_repository_consumers, login_server_consumers
from .parallel import Pipeline
from .planner import Plan, plan_registry
from .results import FileResult, RunResult, display_path
from .rule import Verdict, evaluate
from .source import NotRegularFile, SourceFile, open_regular, read_source
from .verify import verify_documents
from .workspace import Workspace, clear_file_keys, file_key
from .write import WriteScope, leftovers_in, recover as recover_leftovers, refuse_outside, write_results

if TYPE_CHECKING:
    from .settings import Settings

# A file can only hold a registry if this text is in it (any case). Checked on raw bytes so
# files without it are never parsed: the fast path of large repositories.
_NEEDLES = (b"containerregistry/registries",   # the resource type
            b"container-registry/registry")    # the Azure Verified Module that deploys one


def _mentions_registry(lowered: bytes, bicep: bool = True) -> bool:
    # (or, in a .bicep file, another remote module that deploys one: the classic public
    # module, or one acr-fix cannot read, which it reports; JSON files call no such modules)
    return any(needle in lowered for needle in _NEEDLES) or (bicep and mentions_registry_module(lowered))


def _linked_parameter_file(path: Path) -> bool:
    """A .json file named like a template that is a parameter file by its content
    (`staging.json` with `metadata.template`)."""
    reader = reader_for(path)
    if reader is None or not reader.parameter_files_by_content:
        return False
    try:
        with open_regular(path) as handle:
            head = handle.read(65536)
    except OSError:
        return False
    return reader.looks_like_parameter_file(head)


Suppressor = Callable[[Registry, str], "str | None"]


def load_document(source: SourceFile, previous: tuple[Document, list[Edit]] | None = None) -> Document | None:
    """Parse a file with the reader for its extension (None for files of no known kind).
    ``previous``: the document ``source`` was made from by these edits (see bicep.parse)."""
    reader = reader_for(source.path)
    return reader.parse(source, previous) if reader is not None else None


def find_registries(doc: Document, workspace: Workspace) -> list[Registry]:
    return reader_of(doc).find_registries(doc, workspace)


def _names_to_match(registry: Registry) -> list[str]:
    """``name`` (literal, else symbolic), and the name it resolves to when reports show that
    one (a Bicep parameter default); never a name expression's readable form."""
    names = [registry.name]
    if registry.shown_name is not None and not registry.shown_is_expression:
        names.append(registry.shown_name)
    return names


def _override_for(registry: Registry, rel: str, overrides: Iterable[RegistryOverride]) -> RegistryOverride | None:
    for override in overrides:
        if override.name and not any(fnmatch.fnmatch(name.lower(), override.name.lower())
                                     for name in _names_to_match(registry)):
            continue
        if override.path and not match_path(override.path, rel):
            continue
        if override.name or override.path:
            return override
    return None


def _config_relative(path: Path, display: str, options: Options) -> str:
    """``path`` as the config file's globs see it: relative to the config's folder, else as shown."""
    if options.config_folder is None:
        return display
    return Path(os.path.relpath(os.path.abspath(path), options.config_folder)).as_posix()


def _might_hold_registry(raw: bytes, bicep: bool = True) -> bool:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[:4] in (b"\x00\x00\xfe\xff",):
        return True  # UTF-16/32: decode first, then look
    return _mentions_registry(raw.lower(), bicep)


def read_limited(path: Path, limit: int) -> bytes:
    """The file's bytes, or its first ``limit + 1`` bytes when it is larger (so the caller
    can tell). Sized by fstat first: read(n) with a huge n would allocate n bytes per file."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            return handle.read(limit + 1)
        data = handle.read()
        if len(data) > limit:  # grew while we looked
            return data[:limit + 1]
        return data


def _may_hold_registry_file(path: Path, limit: int) -> bool:
    """Whether analyse_file could find a registry in ``path`` (True when it cannot be read:
    analyse_file reports that)."""
    try:
        raw = read_limited(path, limit)
    except OSError:
        return True
    reader = reader_for(path)  # (as analyse_file asks it)
    return len(raw) > limit or _might_hold_registry(raw, reader is not None and reader.calls_remote_modules)


def analyse_file(path: Path, workspace: Workspace, options: Options, root: Path,
                 suppressor: Suppressor | None = None, external: RepositoryConsumers | None = None) -> FileResult:
    """Read, parse and plan one file. Never raises for bad input: errors go in the result."""
    display = display_path(path, root)
    result = FileResult(path=path, display=display)
    try:
        head = read_limited(path, options.max_file_size)
    except NotRegularFile as exc:
        result.status, result.error = "skipped", f"{display}: {exc.kind}, not a regular file; skipped"
        return result
    except PermissionError:
        result.status, result.error = "failed", f"{display}: permission denied while reading"
        return result
    except OSError as exc:
        result.status, result.error = "failed", f"{display}: cannot read ({exc.strerror or exc})"
        return result
    if len(head) > options.max_file_size:
        result.status = "skipped"
        result.error = f"{display}: larger than --max-file-size ({options.max_file_size // (1024 * 1024)} MB); skipped"
        return result
    raw = head
    reader = reader_for(path)
    calls_modules = reader is not None and reader.calls_remote_modules
    filters_itself = reader is not None and reader.filters_itself   # (Terraform's needles are its own)
    held = reader.mentions_registry(raw.lower()) if filters_itself else _might_hold_registry(raw, calls_modules)
    if not held:
        if b"\x00" in raw[:8192] and raw[:2] not in (b"\xff\xfe", b"\xfe\xff"):
            result.status, result.error = "failed", f"{display}: binary data (NUL bytes) in a template file; skipped"
        else:
            result.status = "unchanged"
            if reader is not None and reader.parameter_files_by_content and reader.looks_like_parameter_file(raw):
                result.role = "parameters"
        return result
    try:
        source = read_source(path, options.max_file_size, raw=raw)
    except ReadError as exc:
        result.status, result.error = "failed", str(exc).replace(str(path), display, 1)
        return result
    result.source = source
    if not filters_itself and not _mentions_registry(source.text.lower().encode("utf-8", "replace"), calls_modules):
        return result
    try:
        doc = load_document(source)
    except ParseError as exc:
        result.status, result.error = "failed", str(exc).replace(str(path), display, 1)
        return result
    except RecursionError:
        result.status, result.error = "failed", f"{display}: nesting too deep to parse"
        return result
    if doc is None:
        return result
    if reader_of(doc).is_parameters(doc):
        result.role = "parameters"
    workspace.add(doc)
    try:
        # Lazily parsed subtrees (and parameter files) are only read here, so errors in
        # them surface here too: they fail this file, not the run.
        result.plans = _plan_registries(doc, workspace, options, display, suppressor, external)
    except ParseError as exc:
        result.plans = []
        message = str(exc).replace(str(path), display, 1)
        result.status, result.error = "failed", message if message.startswith(display) else f"{display}: {message}"
    except RecursionError:
        result.plans = []
        result.status, result.error = "failed", f"{display}: nesting too deep to analyse"
    return result


def _generated_note(doc: Document, generated: Generated) -> str:
    where = (f"{generated.source.name}, which is not part of this run" if generated.source is not None
             else "a Bicep file not found beside it")
    return (f"{doc.path.name} is generated: `{generated.tool}` wrote it ({generated.marker}) from {where}; "
            "the next build overwrites any change made here, so make it in the Bicep source too")


def _skipping_generated(suppressor: Suppressor | None, sources: set[Path]) -> Suppressor:
    """``suppressor``, and before it: a registry of a generated template (one `bicep build`
    wrote) whose source is among ``sources`` (the run's templates) is reported as generated
    and never edited; the source carries the finding and the fix."""

    def check(registry: Registry, display: str) -> str | None:
        generated = reader_of(registry.doc).generated(registry.doc)
        source = generated.source if generated is not None else None
        if generated is not None and source is not None and file_key(source) in sources:
            return (f"its Bicep source: {registry.doc.path.name} is generated from {source.name} by `{generated.tool}` "
                    f"({generated.marker}), so it is never edited; fix {source.name}, then build again")
        return suppressor(registry, display) if suppressor is not None else None

    return check


def _plan_registries(doc: Document, workspace: Workspace, options: Options, display: str,
                     suppressor: Suppressor | None, external: RepositoryConsumers | None = None) -> list[Plan]:
    plans: list[Plan] = []
    registries = find_registries(doc, workspace)
    for registry in registries:
        if external is not None and not registry.existing:
            # azd services and CI pipelines of the repository that use it (fixer/pipelines.py)
            registry.consumers = merge_consumers(registry.consumers,
                                                 external.for_registry(_names_to_match(registry), doc.path))
        override = _override_for(registry, _config_relative(doc.path, display, options), options.overrides) \
            if options.overrides else None
        reason = None
        if registry.inline_ignore:
            reason = f"inline 'acr-fix: ignore' comment: {registry.inline_ignore}"
        elif registry.checkov_skip:
            reason = f"checkov:skip=CKV_AZURE_139: {registry.checkov_skip}"
        elif registry.scanner_ignore:
            reason = f"inline {registry.scanner_ignore} comment"
        elif override is not None and override.skip:
            reason = f"config override: {override.reason or 'skip'}"
        elif suppressor is not None and not registry.existing:
            reason = suppressor(registry, display)
        if reason and evaluate(registry, options.premium_only) not in (Verdict.PASS, Verdict.EXISTING, Verdict.NOT_APPLICABLE):
            plan = Plan(registry=registry, verdict=evaluate(registry, options.premium_only), suppressed=reason)
        else:
            plan = plan_registry(registry, options,
                                 strategy=override.strategy if override else None,
                                 ip_rules=override.ip_rules if override else None,
                                 allow_unsafe=bool(override and override.unsafe_fixes))
            generated = reader_of(registry.doc).generated(registry.doc) if plan.status in ("fix", "unsafe", "manual") else None
            if generated is not None:
                plan.notes.append(_generated_note(registry.doc, generated))
        plans.append(plan)
    return plans


def templates_deployed_by(path: Path, max_file_size: int) -> list[Path]:
    """The existing local files a template deploys (Bicep modules, ARM linked templates: see
    Reader.deployed_templates); [] for any other file or one that cannot be read (the file's
    own analysis reports why)."""
    reader = reader_for(path)
    if reader is None:
        return []
    try:
        raw = read_limited(path, max_file_size)
        if len(raw) > max_file_size:
            return []
        source = read_source(path, max_file_size, raw=raw)
    except (OSError, ReadError):
        return []
    deployed = reader.deployed_templates(source, Workspace(loader=load_document, max_file_size=max_file_size))
    return [p for p in deployed if p.is_file()]


def run(paths: list[Path], options: Options, *, root: Path | None = None,
        suppressor: Suppressor | None = None, suppressions: Any = None,
        progress: Callable[[int, int, int], None] | None = None, keep_new_texts: bool = True,
        settings: "Settings | None" = None, recover: bool = False) -> RunResult:
    """Analyse ``paths`` and compute (but do not write) every fix.

    ``keep_new_texts=False`` (a preview that will not be written): results keep the diffs but
    not the new texts, so a big run holds half as much; write_fixes then refuses the result.

    ``suppressions`` (fixer.suppressions.Suppressions) skips PSRule's ignored paths and
    marks suppressed registries; ``suppressor`` is the bare per-registry hook. A Settings
    given as ``suppressions`` (fixer.fix_flags.settings gives one) is taken as ``settings``.

    ``settings`` (fixer.settings.Settings): each file gets the options and PSRule suppressions
    found nearest to it, and the walk honours .gitignore and the excludes found per folder;
    ``options`` then only gives the run's own settings (jobs, file size) and ``suppressions``
    is not used. Raises ConfigError for a bad settings file found on the way.

    Only files under ``paths`` (for a file named alone, under the current folder) are ever
    written; a fix that needs another file is refused here already. Leftovers of an
    interrupted write are reported, or with ``recover`` (a run that will write) finished or
    rolled back before anything is read."""
    from .settings import Settings

    if settings is None and isinstance(suppressions, Settings):
        settings, suppressions = suppressions, None   # what fix_flags.settings gives (the bot passes it on)
    root = root or Path.cwd()
    clear_file_keys()  # a long-lived process (tests, the bot) may see files move between runs
    outcome = RunResult(root=root, scope=WriteScope.of(paths, root))
    skip = settings.skip if settings is not None else None
    if settings is not None:
        found = discover(paths, skip=skip)
        named = {os.path.abspath(p) for p in paths if p.is_file()} if settings.force_exclude else set()
        found.files = [p for p in found.files if not settings.path_ignored(p)
                       and not (named and os.path.abspath(p) in named and settings.excluded(p))]
        suppressor = suppressor or settings.suppressor()
        suppressions = settings
    else:
        found = discover(paths, options.excludes, options.includes)
    outcome.errors.extend(found.errors)
    leftovers = list({os.path.realpath(p): p for p in
                      [*found.leftovers, *leftovers_in({p.parent for p in paths if p.is_file()})]}.values())
    if leftovers:
        shown = functools.partial(_display_escaped, root=root)
        messages, problems = recover_leftovers(leftovers, outcome.scope, shown, dry_run=not recover)
        outcome.warnings.extend(messages)
        outcome.errors.extend(problems)
    if suppressions is not None and settings is None:
        if getattr(suppressions, "path_ignore", True):
            found.files = [p for p in found.files if not suppressions.path_ignored(display_path(p, root))]
        suppressor = suppressor or suppressions.suppressor()
    templates = [p for p in found.files if not is_parameter_file(p)]
    context = found.files
    if any(p.is_file() for p in paths):
        # Files named one by one (a pre-commit hook passes the staged files): a staged
        # parameter file brings in its template, and parameter files and module callers are
        # looked up in the whole tree under the root, not only among the files given.
        seen = {os.path.abspath(t) for t in templates}
        given = {os.path.abspath(p) for p in paths if p.is_file()}
        pending = [t for t in templates if os.path.abspath(t) in given]
        for path in found.files:
            template = template_of_parameter_file(path) \
                if is_parameter_file(path) or _linked_parameter_file(path) else None
            if template is not None and os.path.abspath(template) not in seen:
                seen.add(os.path.abspath(template))
                templates.append(template)
                pending.append(template)
        # A staged module caller or linked-template caller brings in what it deploys (and so
        # on down), or the hook would pass on a change that opens a registry in a module.
        while pending:
            for deployed in templates_deployed_by(pending.pop(), options.max_file_size):
                if os.path.abspath(deployed) not in seen and not is_parameter_file(deployed):
                    seen.add(os.path.abspath(deployed))
                    templates.append(deployed)
                    pending.append(deployed)
        if any(_may_hold_registry_file(t, options.max_file_size) for t in templates):
            context = context_files(root, found.files + templates, options.excludes if skip is None else (), skip)
        else:
            # No file to read can hold a registry: nothing to look up, so the tree under the
            # root is not walked (a pre-commit hook on a commit that touches no registry).
            context = found.files + [t for t in templates if t not in found.files]
    if settings is not None:
        settings.prepare(templates)
    if len({reader.name for reader in map(reader_for, templates) if reader is not None}) > 1:
        # (a generated template's source is a file of another format)
        suppressor = _skipping_generated(suppressor, {file_key(t) for t in templates})
    from .parallel import choose_jobs, run_in_chunks  # looked up at call time (tests replace it)
    # the stages, looked up now (tests replace one, e.g. analyse_file)
    stages = Pipeline(load=load_document, analyse=analyse_file, finish=_finish_chunk)

    def pipeline(external: RepositoryConsumers | None) -> tuple[list[FileResult], list[str], set[str]]:
        chunked = run_in_chunks(stages, templates, context, options, root, suppressor, suppressions,
                                choose_jobs(options.jobs, len(templates)), progress, keep_new_texts, settings=settings,
                                external=external)
        if chunked is None:
            # chunks still disagree about a file after being merged (not expected): one chunk
            chunked = run_in_chunks(stages, templates, context, options, root, suppressor, suppressions, 1, progress,
                                    keep_new_texts, at_once=True, settings=settings, external=external)
        assert chunked is not None  # one chunk cannot disagree with itself
        return chunked

    external = find_repository_consumers(root) if templates else None
    files, warnings, parameter_files = pipeline(external)
    through_existing = _consumers_of_existing(files) + login_server_consumers(context, _fixed_names(files))
    if external is not None and _adds_consumers(files, through_existing):
        # `existing` references elsewhere (another module, another template), or literal login
        # servers in other files, name a registry this run deploys, and their consumers are
        # that registry's: plan again knowing them,
        # so a fix that cuts them off is unsafe (only repositories where this happens pay)
        external = RepositoryConsumers(external.found + through_existing)
        files, warnings, parameter_files = pipeline(external)
    # Files taken for templates that turn out to be parameter files (linked to their template
    # by `metadata.template`, not by name) are not counted as templates.
    outcome.scanned = len(templates) - len(parameter_files)
    outcome.files = sorted(files, key=lambda f: f.display)
    outcome.warnings.extend(w for w in warnings if w not in outcome.warnings)
    refuse_outside(outcome.files, outcome.scope)
    return outcome


def _consumers_of_existing(files: list[FileResult]) -> list[RepositoryConsumer]:
    """The consumers of `existing` registry references, keyed by the name they reference (a
    literal, or the value a caller or parameter gives it; never a name expression)."""
    found: list[RepositoryConsumer] = []
    for file_result in files:
        for plan in file_result.plans:
            registry = plan.registry
            if registry.existing and registry.consumers and not registry.shown_is_expression:
                names = frozenset(n.lower() for n in _names_to_match(registry) if n != registry.symbolic)
                found.extend(RepositoryConsumer(c, names) for c in registry.consumers if names)
    return found


def _fixed_names(files: list[FileResult]) -> dict[str, list[Path]]:
    """The literal names of the registries this run would fix, with the files declaring them."""
    names: dict[str, list[Path]] = {}
    for file_result in files:
        for plan in file_result.plans:
            registry = plan.registry
            if plan.fix is None or registry.existing or registry.shown_is_expression:
                continue
            for name in _names_to_match(registry):
                if name != registry.symbolic:
                    names.setdefault(name.lower(), []).append(registry.doc.path)
    return names


def _adds_consumers(files: list[FileResult], through_existing: list[RepositoryConsumer]) -> bool:
    """Whether a registry the run deploys gets a consumer it did not know from ``through_existing``."""
    if not through_existing:
        return False
    index = RepositoryConsumers(through_existing)
    for file_result in files:
        for plan in file_result.plans:
            registry = plan.registry
            if registry.existing or plan.fix is None:
                continue
            known = {(os.path.abspath(c.path), c.line) for c in registry.consumers}
            for consumer in index.for_registry(_names_to_match(registry), registry.doc.path):
                if (os.path.abspath(consumer.path), consumer.line) not in known:
                    return True
    return False


def _display_escaped(path: Path, root: Path) -> str:
    return for_terminal(display_path(path, root))


def _release_parse_state(outcome: RunResult, keep_new_texts: bool = True) -> None:
    """Drop what only parsing, planning and verifying needed (syntax trees, plain data, the
    bytes read: a fingerprint of them is kept for files to be written), so memory follows the
    findings, not the repository. Reports and write_fixes need none of it."""
    for file_result in outcome.files:
        if file_result.source is not None:
            if file_result.changed:
                file_result.source.forget_raw()  # the fingerprint is enough to see a change on disk
            else:
                file_result.source.raw = b""
        if not keep_new_texts:
            file_result.drop_new_text()
        for plan in file_result.plans:
            registry = plan.registry
            registry.api_version_edit = None
            for doc in {registry.doc, *(c.doc for c in (plan.fix.changes if plan.fix else ()))}:
                doc.data = None
                doc.__dict__.pop("_old_data", None)
                reader_of(doc).release(doc)


def _apply_and_verify(outcome: RunResult, workspace: Workspace, options: Options, root: Path,
                      options_for: Callable[[Path], Options] | None = None) -> None:
    """Merge the planned edits per file, apply them, verify, and record new texts and diffs.
    ``options_for`` gives a template's own options (see fixer.settings), else ``options``."""
    by_path: dict[Path, FileResult] = {file_key(f.path): f for f in outcome.files}
    # target file -> (document, edits); which template results touch which target
    targets: dict[Path, Document] = {}
    edits: dict[Path, list[Edit]] = defaultdict(list)
    paths_allowed: dict[Path, list[tuple]] = defaultdict(list)
    touched_by: dict[Path, set[Path]] = defaultdict(set)
    seen_edits: dict[Path, set[Edit]] = defaultdict(set)  # (a list's `in` was quadratic in the edits of a file)
    for file_result in outcome.files:
        for plan in file_result.plans:
            if plan.status != "fix" or plan.fix is None:
                continue
            for change in plan.fix.changes:
                key = file_key(change.doc.path)
                targets[key] = change.doc
                for edit in change.edits:
                    if edit not in seen_edits[key]:
                        seen_edits[key].add(edit)
                        edits[key].append(edit)
                paths_allowed[key].extend(change.paths)
                touched_by[key].add(file_key(file_result.path))
    if not targets:
        for file_result in outcome.files:
            _settle_status(file_result, outcome)
        return

    new_texts: dict[Path, str] = {}
    failed_targets: dict[Path, str] = {}
    for key, doc in targets.items():
        try:
            new_texts[key] = apply_edits(doc.source.text, edits[key])
        except OverlappingEdits as exc:
            failed_targets[key] = f"{display_path(doc.path, root)}: {exc}; file left unchanged"

    # Verify every template whose fixes touched a file, with all the new texts in place.
    semantic_changes: dict[Path, list[str]] = {}
    # template -> the files its fixes touch (in target order), built once: asking every
    # target for every template would be quadratic in a big serial run
    touches: dict[Path, list[Path]] = defaultdict(list)
    for key in targets:
        for template_path in touched_by[key]:
            touches[template_path].append(key)
    for template_path in sorted(touches):
        involved = touches[template_path]
        if any(k in failed_targets for k in involved):
            continue
        file_result = by_path[template_path]
        problems = verify_documents(
            template=file_result,
            targets={k: targets[k] for k in involved},
            new_texts={k: new_texts[k] for k in involved},
            allowed_paths={k: paths_allowed[k] for k in involved},
            workspace=workspace,
            options=options_for(template_path) if options_for is not None else options,
            find=find_registries,
            load=load_document,
            edits={k: edits[k] for k in involved},
            changes_out=semantic_changes,
        )
        if problems:
            message = f"{file_result.display}: fix refused, nothing written: {problems[0]}"
            for k in involved:
                failed_targets.setdefault(k, message)

    # A file that fails takes every template that shares it down with it.
    failed_templates: dict[Path, str] = {}
    for key, message in failed_targets.items():
        for template_path in touched_by[key]:
            failed_templates.setdefault(template_path, message)
    for key in list(new_texts):
        if any(t in failed_templates for t in touched_by[key]):
            del new_texts[key]

    for key, text in new_texts.items():
        doc = targets[key]
        file_result = by_path.get(key)
        if file_result is None:
            file_result = FileResult(path=doc.path, display=display_path(doc.path, root), role=_role(doc))
            outcome.files.append(file_result)
            by_path[key] = file_result
        file_result.source = doc.source
        file_result.new_text = text
        file_result.diff = unified_diff(doc.source.text, text, for_terminal(file_result.display), edits=edits[key])
        file_result.semantic_changes = semantic_changes.get(key, [])
    for template_path, message in failed_templates.items():
        file_result = by_path[template_path]
        file_result.status = "failed"
        file_result.error = message
    for file_result in outcome.files:
        _settle_status(file_result, outcome)
    outcome.files.sort(key=lambda f: f.display)


def _finish_chunk(outcome: RunResult, workspace: Workspace, options: Options, root: Path,
                  options_for: Callable[[Path], Options] | None, keep_new_texts: bool) -> None:
    """A chunk's fixes applied and verified, then what the reports do not need released
    (so it is not kept, or sent back from a worker)."""
    _apply_and_verify(outcome, workspace, options, root, options_for)
    _release_parse_state(outcome, keep_new_texts)


def _role(doc: Document) -> str:
    return "parameters" if reader_of(doc).is_parameters(doc) else "caller"


def _settle_status(file_result: FileResult, outcome: RunResult) -> None:
    if file_result.status in ("failed", "skipped"):
        return
    if file_result.changed:
        file_result.status = "would-fix"
    elif any(p.status in ("manual", "unsafe") for p in file_result.plans):
        file_result.status = "manual"
    else:
        file_result.status = "unchanged"


def write_fixes(result: RunResult) -> RunResult:
    """Write every verified new text (see fixer.write: one transaction per fix, only inside
    the paths given). A file that fails is reported and the others are still written."""
    notes: list[str] = []
    try:
        write_results(result.files, result.root, result.scope, notes)
    finally:
        result.warnings.extend(n for n in notes if n not in result.warnings)
    result.written = True
    return result
