"""Check planned edits before anything is written.

For every file a fix touches: the new text must parse (with our reader and, for JSON, with
an independent parser: ``json`` for plain JSON, ``json5`` for JSONC); the semantic
difference between old and new (deepdiff) must lie entirely inside the planned paths; and
the template's registries, re-read with all new texts in place, must now pass the rule.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable


from .errors import FixerError
from .formats import reader_of
from .model import Document
from .options import Options
from .rule import Verdict, evaluate, refused_by_azure
from .workspace import Workspace


def semantic_data(doc: Document, text: str, reuse: bool = True) -> Any:
    """Plain data of ``text`` read as ``doc``'s format, by an independent parser where one
    exists. ``reuse``: the values the reader collected while parsing may stand in (they come
    from the standard library's decoder too, below the top level)."""
    return reader_of(doc).semantic_data(doc, text, reuse)


def _differing_subtrees(old: Any, new: Any) -> list[tuple[list[Any], Any, Any]]:
    """The smallest (path, old, new) pairs that differ. Equal subtrees are skipped with
    Python's C-speed ``==`` so deepdiff only looks at what changed (templates can be MBs):
    objects that gained or lost keys come out as the lost and gained keys only."""
    out: list[tuple[list[Any], Any, Any]] = []
    work: list[tuple[list[Any], Any, Any]] = [([], old, new)]
    while work:
        path, a, b = work.pop()
        if a == b and type(a) is type(b):
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            work.extend((path + [k], a[k], b[k]) for k in a if k in b)
            if a.keys() != b.keys():
                out.append((path, {k: v for k, v in a.items() if k not in b},
                            {k: v for k, v in b.items() if k not in a}))
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            work.extend((path + [i], x, y) for i, (x, y) in enumerate(zip(a, b)))
        else:
            out.append((path, a, b))
    return out


def changed_paths(old: Any, new: Any) -> list[tuple[list[Any], Any]]:
    """Every (path, old value) where ``new`` differs from ``old``; paths are key/index lists."""
    paths: list[tuple[list[Any], Any]] = []
    containers: list[tuple[list[Any], Any, Any]] = []
    for prefix, a, b in _differing_subtrees(old, new):
        if isinstance(a, (dict, list)) and isinstance(b, (dict, list)):
            containers.append((prefix, a, b))
        else:
            paths.append((prefix, a))  # a changed scalar (or type): the change is the whole value
    if containers:
        from deepdiff import DeepDiff  # imported on first use: it is slow to import, and most runs fix nothing

        # One DeepDiff for all of them (it has a high fixed cost per call): subtree i is key i.
        # threshold_to_diff_deeper=0: report each added or removed key, never a whole object
        # as replaced because few of its keys are shared (the lost/gained keys are all that
        # is left of an object here, see _differing_subtrees).
        diff = DeepDiff({i: a for i, (_, a, _) in enumerate(containers)},
                        {i: b for i, (_, _, b) in enumerate(containers)},
                        view="tree", verbose_level=2, threshold_to_diff_deeper=0)
        for report_type in diff:
            for level in diff[report_type]:
                index, *rest = level.path(output_format="list")
                paths.append((containers[index][0] + rest, level.t1))
    return paths


def _show_path(path: list[Any]) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _within(path: list[Any], old_value: Any, allowed: list[tuple]) -> bool:
    for prefix in allowed:
        if len(path) >= len(prefix) and all(a == b for a, b in zip(path, prefix)):
            return True
        # deepdiff reports filling an empty object ({} -> {...}) at the object itself
        if len(path) < len(prefix) and all(a == b for a, b in zip(path, prefix)) and old_value in ({}, [], None):
            return True
    return False


def verify_documents(*, template, targets: dict[Path, Document], new_texts: dict[Path, str],
                     allowed_paths: dict[Path, list[tuple]], workspace: Workspace, options: Options,
                     find: Callable, load: Callable, changes_out: dict[Path, list[str]] | None = None,
                     edits: dict[Path, list[Any]] | None = None) -> list[str]:
    """Problems with the planned new texts ([] when they are safe to write).

    ``changes_out`` receives, per file, the semantic paths that change (deepdiff's view of
    the edit, e.g. ``resources[0].sku.name``), for the reports. ``edits`` (per file, the
    edits that made the new text) lets a reader re-parse incrementally."""
    problems: list[str] = []
    new_docs: list[Document] = []
    for key, doc in targets.items():
        new_text = new_texts[key]
        new_source = dataclasses.replace(doc.source, text=new_text, _line_starts=None)
        try:
            new_doc = load(new_source, (doc, edits[key])) if edits and key in edits else load(new_source)
        except FixerError as exc:
            problems.append(f"the edited {doc.path.name} does not parse ({exc})")
            continue
        except RecursionError:
            problems.append(f"the edited {doc.path.name} is nested too deeply to re-parse")
            continue
        if new_doc is not None:
            new_docs.append(new_doc)
        try:
            old_data = getattr(doc, "_old_data", None)
            if old_data is None:
                old_data = semantic_data(doc, doc.source.text)
                doc._old_data = old_data  # type: ignore[attr-defined]  # shared by every template that edits this file
            new_data = semantic_data(new_doc, new_text, reuse=False)  # what gets written: read it whole, independently
        except FixerError as exc:
            problems.append(f"the edited {doc.path.name} does not re-parse: {exc}")
            continue
        changed = changed_paths(old_data, new_data)
        if changes_out is not None:
            changes_out[key] = sorted({_show_path(p) for p, _ in changed})
        outside = [p for p, old_value in changed if not _within(p, old_value, allowed_paths[key])]
        if outside:
            shown = ".".join(str(k) for k in outside[0])
            problems.append(f"the edit of {doc.path.name} would also change {shown}, which was not planned")
    if problems:
        return problems

    fresh = workspace.with_overrides(new_texts)
    for new_doc in new_docs:
        fresh.add(new_doc)  # parsed once above; the rule re-check reads the same trees
    new_template = fresh.document(template.path)
    if new_template is None:
        return [f"the edited template could not be re-read ({fresh.error_for(template.path) or 'unknown error'})"]
    new_registries = find(new_template, fresh)
    if len(new_registries) != len(template.plans):
        return [f"found {len(new_registries)} registries after the edit instead of {len(template.plans)}"]
    for plan, registry in zip(template.plans, new_registries):
        if plan.status != "fix":
            continue
        verdict = evaluate(registry, options.premium_only)
        if verdict != Verdict.PASS:
            return [f"registry '{plan.registry.name}' still does not pass after the edit ({verdict.value})"]
        refused = refused_by_azure(registry)
        if refused:
            return [f"registry '{plan.registry.name}' could still not be deployed after the edit: {refused}"]
    return []
