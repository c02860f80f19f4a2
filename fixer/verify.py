"""Check planned edits before anything is written.

For every file a fix touches: the new text must parse (with our reader and, for JSON, with
an independent parser: ``json`` for plain JSON, ``json5`` for JSONC); the semantic
difference between old and new (deepdiff) must lie entirely inside the planned paths; and
the template's registries, re-read with all new texts in place, must now pass the rule.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable


from .errors import FixerError
from .formats import reader_of
from .model import Document
from .options import Options
from .rule import Verdict, evaluate
from .workspace import Workspace


def semantic_data(doc: Document, text: str, reuse: bool = True) -> Any:
    """Plain data of ``text`` read as ``doc``'s format, by an independent parser where one
    exists. ``reuse``: the values the reader collected while parsing may stand in (they come
    from the standard library's decoder too, below the top level)."""
    return reader_of(doc).semantic_data(doc, text, reuse)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _identical(a: Any, b: Any) -> bool:
    """``a == b`` with the types counted too, all the way down: Python's ``==`` calls
    ``True`` and ``1`` (and ``1`` and ``1.0``) equal, which a template does not (a boolean
    property set to ``1`` is a different deployment). Both checks run at C speed: ``==``
    first, then the JSON encoder, which spells each type differently. Key order counts in
    the second check only, so a reordered object comes out as not identical and is walked."""
    if type(a) is not type(b) or a != b:
        return False
    if isinstance(a, (dict, list)):
        try:
            return _dumps(a) == _dumps(b)
        except (TypeError, ValueError):  # not plain JSON data (a reader's own values): walk it
            return False
    return True


def _differing_subtrees(old: Any, new: Any) -> list[tuple[list[Any], Any, Any]]:
    """The smallest (path, old, new) pairs that differ, by value or by type. Identical
    subtrees are skipped at C speed so deepdiff only looks at what changed (templates can be
    MBs): objects that gained or lost keys come out as the lost and gained keys only."""
    out: list[tuple[list[Any], Any, Any]] = []
    work: list[tuple[list[Any], Any, Any]] = [([], old, new)]
    while work:
        path, a, b = work.pop()
        if _identical(a, b):
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


def _deepdiff() -> Any:
    """deepdiff's DeepDiff, imported on first use: in the process that verifies, once a file
    has edits (it is slow to import, and most runs fix nothing). deepdiff imports pydantic
    when it is installed (typer needs it) only to recognise pydantic models, which template
    data never holds; hidden during the import, it costs nothing (about 40 % of deepdiff's
    import time, benchmarks/README.md)."""
    import sys

    hide = "pydantic" not in sys.modules and "deepdiff" not in sys.modules
    if hide:
        sys.modules["pydantic"] = None  # type: ignore[assignment]  # import pydantic... raises ImportError
    try:
        from deepdiff import DeepDiff
    finally:
        if hide:
            del sys.modules["pydantic"]
    return DeepDiff


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
        DeepDiff = _deepdiff()

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


_END = object()  # marks, in a prefix tree, that an allowed path ends here


def _prefix_tree(allowed: list[tuple]) -> dict:
    """The allowed paths as nested dicts, so each changed path is checked in time
    proportional to its length, not to the number of allowed paths (a file with thousands
    of registries has thousands of each)."""
    tree: dict = {}
    for prefix in allowed:
        node = tree
        for key in prefix:
            node = node.setdefault(key, {})
        node[_END] = True
    return tree


def _within(path: list[Any], old_value: Any, tree: dict) -> bool:
    """Whether the change at ``path`` lies inside an allowed path of ``tree``."""
    node = tree
    for key in path:
        if _END in node:
            return True  # the change is inside an allowed path
        try:
            node = node.get(key)  # type: ignore[assignment]
        except TypeError:  # an unhashable key cannot be planned
            return False
        if node is None:
            return False
    # The whole path was walked: it is an allowed path, or lies above one; deepdiff
    # reports filling an empty object ({} -> {...}) at the object itself.
    return _END in node or old_value in ({}, [], None)


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
        tree = _prefix_tree(allowed_paths[key])
        outside = [p for p, old_value in changed if not _within(p, old_value, tree)]
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
    return []
