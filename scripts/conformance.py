#!/usr/bin/env python3
"""Real-world conformance: run acr-fix --write over a copy of ../shared/corpus/files.

    python scripts/conformance.py [--corpus DIR] [--keep]

Checks, on a temporary copy of the corpus (the corpus itself is never touched):
- acr-fix does not crash (exit code 0, 1 or 2, no traceback) and reports no failed file:
  the corpus holds valid public templates, so an error is a bug in a reader;
- every file that changed is one the report says it fixed, and nothing else changed;
- every changed file still parses (independently: json/json5 for JSON, our Bicep reader
  for Bicep) and is in the same encoding;
- afterwards every registry passes, or is manual with a reason, or suppressed;
- a second --write changes nothing.

Prints a summary table and exits 1 on any crash, corruption or broken promise; 0 otherwise
(also when the corpus is not there: nothing to check).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "files"
# ("unsafe": a fix that cuts off consumers, left out of --write until the user opts in)
OK_AFTER = {"pass", "manual", "suppressed", "not-applicable", "existing", "unsafe"}


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def acr_fix(*args: str) -> tuple[int, dict | None, str]:
    """Run the real CLI in a child process (so a crash is seen as one); returns
    (exit code, JSON report or None, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "fixer", "--no-color", "--format", "json", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=1800, check=False)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = None
    return proc.returncode, report, proc.stderr


def reparse(path: Path, data: bytes) -> str | None:
    """None when ``data`` parses as its format; else the reason."""
    sys.path.insert(0, str(REPO))
    from fixer.errors import FixerError
    from fixer.run import load_document
    from fixer.source import decode, read_source

    try:
        text = decode(data, path)[0]
        if path.suffix.lower() in (".json", ".jsonc"):
            import json5
            try:
                json.loads(text)
            except ValueError:
                json5.loads(text)
        source = read_source(path)
        if load_document(source) is None:
            return "no longer recognised as a template"
    except (FixerError, ValueError) as exc:
        return str(exc)
    return None


def resolve_report_path(text: str) -> Path:
    path = Path(text)
    return (path if path.is_absolute() else REPO / path).resolve()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--keep", action="store_true", help="keep the fixed copy and print where it is")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"conformance: no corpus at {args.corpus}; nothing to check")
        return 0

    problems: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="acr-fix-conformance-"))
    tree = work / "files"
    started = time.monotonic()
    try:
        shutil.copytree(args.corpus, tree, symlinks=True)
        for path in tree.rglob("*"):  # the shared corpus is read-only; the copy must not be
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
        before = snapshot(tree)

        code, report, stderr = acr_fix("--write", str(tree))
        if code not in (0, 1, 2) or report is None or "Traceback" in stderr:
            print(f"conformance: acr-fix crashed (exit {code})\n{stderr[-4000:]}", file=sys.stderr)
            return 1
        errors = list(dict.fromkeys([*report["errors"], *(f["error"] for f in report["files"] if f["status"] == "failed")]))
        problems += [f"error: {e}" for e in errors]

        after = snapshot(tree)
        fixed = {resolve_report_path(f["path"]) for f in report["files"] if f["status"] == "fixed"}
        changed = {p.resolve() for p in before if after.get(p) != before[p]}
        if set(after) != set(before):
            problems.append(f"files appeared or disappeared: {sorted(set(after) ^ set(before))[:5]}")
        for path in sorted(changed - fixed):
            problems.append(f"changed but not reported as fixed: {path.relative_to(tree.resolve())}")
        for path in sorted(fixed - changed):
            problems.append(f"reported fixed but unchanged: {path.relative_to(tree.resolve())}")
        for path in sorted(changed):
            if before[path][:4] != after[path][:4] and any(before[path].startswith(b) for b in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
                problems.append(f"byte-order mark changed: {path.relative_to(tree.resolve())}")
            reason = reparse(path, after[path])
            if reason:
                problems.append(f"fixed file does not re-parse: {path.relative_to(tree.resolve())}: {reason}")

        code2, again, stderr2 = acr_fix("--dry-run", str(tree))
        if again is None or code2 not in (0, 1, 2):
            problems.append(f"the dry run after --write crashed (exit {code2}): {stderr2[-2000:]}")
        else:
            for file in again["files"]:
                for registry in file["registries"]:
                    where = f"{file['path']}:{registry['line']} '{registry['name']}'"
                    if registry["status"] not in OK_AFTER:
                        problems.append(f"still {registry['status']} after --write: {where}")
                    elif registry["status"] == "manual" and not registry["manual"]:
                        problems.append(f"manual without a reason: {where}")
                    elif registry["status"] == "unsafe" and not any(c["cut_off"] for c in registry["consumers"]):
                        problems.append(f"unsafe without a consumer it cuts off: {where}")
        code3, _, _ = acr_fix("--write", str(tree))
        if snapshot(tree) != after:
            problems.append("a second --write changed files")

        registries = [r for f in report["files"] for r in f["registries"]]
        count = lambda status: sum(1 for r in registries if r["status"] == status)  # noqa: E731
        rows = [
            ("files", report["summary"]["files_scanned"]),
            ("registries", len(registries)),
            ("fixed", count("fix")),
            ("unsafe (held)", count("unsafe")),
            ("manual", count("manual")),
            ("suppressed", count("suppressed")),
            ("passing", count("pass")),
            ("existing / n/a", count("existing") + count("not-applicable")),
            ("files changed", len(changed)),
            ("errors", len(errors)),
            ("problems", len(problems)),
        ]
        print(f"acr-fix conformance over {args.corpus} ({time.monotonic() - started:.1f} s)")
        print("| " + " | ".join(name for name, _ in rows) + " |")
        print("|" + "|".join("---:" for _ in rows) + "|")
        print("| " + " | ".join(str(value) for _, value in rows) + " |")
        for problem in problems:
            print(f"conformance: {problem}", file=sys.stderr)
        return 1 if problems else 0
    finally:
        if args.keep:
            print(f"conformance: fixed copy kept in {tree}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
