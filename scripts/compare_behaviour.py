"""Compare what two versions of acr-fix do with the same inputs, byte for byte.

    python scripts/compare_behaviour.py BASE [HEAD]      # HEAD defaults to the working tree
    python scripts/compare_behaviour.py --ranges scripts/behaviour-preserving.txt

Each version is exported (``git archive``) to a temporary folder and run as
``python -m fixer`` with that folder on ``PYTHONPATH``; the working tree is run in place.
Both run over the same inputs: every golden case under ``tests/golden`` (with its
``case.toml`` arguments), ``../shared/corpus/files`` when present and a tree made by
``benchmarks/generate.py``. For each input the JSON and text reports of ``--dry-run`` and
the files ``--write`` leaves behind (on a fresh copy) are compared, with the exit codes and
stderr. Prints each difference and exits 1 when there is one.

A range listed in ``scripts/behaviour-preserving.txt`` (``base..head`` per line) promises
identical behaviour; ``.ci/run`` checks the listed ranges (ranges that follow one another as
one chain, by its ends; ``--each`` compares every range), never HEAD against an old base,
because other changes are meant to change behaviour.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "files"
WORKTREE = "WORKTREE"
GENERATED_FILES = 300


@dataclass(frozen=True)
class Case:
    name: str
    source: Path          # the folder copied before each run
    args: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    label: str            # "dry-run json", "write tree", ...
    data: dict[str, bytes]


def export(ref: str, into: Path) -> Path:
    """The package at ``ref`` in a folder of its own (the working tree itself for WORKTREE)."""
    if ref == WORKTREE:
        return ROOT
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def cases(scratch: Path, generator_root: Path) -> list[Case]:
    found = []
    golden = ROOT / "tests" / "golden"
    for folder in sorted(golden.iterdir()) if golden.is_dir() else []:
        if (folder / "input").is_dir():
            config = folder / "case.toml"
            args = tomllib.loads(config.read_text()).get("args", []) if config.exists() else []
            found.append(Case(f"golden/{folder.name}", folder / "input", tuple(args)))
    if CORPUS.is_dir():
        found.append(Case("corpus", CORPUS, ()))
    generated = scratch / "generated"
    subprocess.run([sys.executable, "-m", "benchmarks.generate", "--files", str(GENERATED_FILES), "--out", str(generated),
                    "--seed", "7"], cwd=generator_root, check=True, capture_output=True)
    found.append(Case("generated", generated, ()))
    return found


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def _fresh(case: Case, work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(case.source, work, symlinks=True)


def _acr_fix(package: Path, work: Path, args: list[str]) -> dict[str, bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = str(package)
    env["COLUMNS"] = "100"
    done = subprocess.run([sys.executable, "-m", "fixer", *args], cwd=work, env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=1800)
    return {"stdout": done.stdout, "stderr": done.stderr, "exit": str(done.returncode).encode()}


def outcomes(package: Path, case: Case, work: Path) -> list[Outcome]:
    """What one version does with one case; ``work`` is the same path for every version, so
    absolute paths in the output agree."""
    found = []
    for fmt in ("json", "text"):
        _fresh(case, work)
        found.append(Outcome(f"dry-run {fmt}", _acr_fix(package, work, ["--dry-run", "--no-color", "--format", fmt, *case.args, "."])))
    _fresh(case, work)
    ran = _acr_fix(package, work, ["--write", "--no-color", "--format", "json", *case.args, "."])
    found.append(Outcome("write report", ran))
    found.append(Outcome("write tree", _tree(work)))
    return found


def differences(case: Case, base: list[Outcome], head: list[Outcome]) -> list[str]:
    found = []
    for before, after in zip(base, head):
        for key in sorted(set(before.data) | set(after.data)):
            old, new = before.data.get(key), after.data.get(key)
            if old == new:
                continue
            where = f"{case.name}: {before.label}: {key}"
            if old is None or new is None:
                found.append(f"{where}: only in {'head' if old is None else 'base'}")
                continue
            diff = difflib.unified_diff(old.decode("utf-8", "replace").splitlines(), new.decode("utf-8", "replace").splitlines(),
                                        "base", "head", lineterm="", n=1)
            found.append(f"{where}\n" + "\n".join(list(diff)[:40]))
    return found


def compare(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """The differences of each (base, head) pair; each ref is run once, however many pairs
    name it."""
    with tempfile.TemporaryDirectory(prefix="acr-fix-compare-") as tmp:
        scratch = Path(tmp)
        refs = list(dict.fromkeys(ref for pair in pairs for ref in pair))
        packages = {ref: export(ref, scratch / f"ref{i}") for i, ref in enumerate(refs)}
        inputs = cases(scratch, ROOT)

        def run_ref(ref: str) -> list[list[Outcome]]:
            def one(numbered: tuple[int, Case]) -> list[Outcome]:
                return outcomes(packages[ref], numbered[1], scratch / "work" / str(numbered[0]))

            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                return list(pool.map(one, enumerate(inputs)))

        seen = {ref: run_ref(ref) for ref in refs}
        return {(base, head): [d for case, old, new in zip(inputs, seen[base], seen[head]) for d in differences(case, old, new)]
                for base, head in pairs}


def listed_ranges(path: Path) -> list[tuple[str, str]]:
    ranges = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            base, _, head = line.partition("..")
            ranges.append((base, head))
    return ranges


def chains(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Ranges that follow one another (``a..b``, ``b..c``) joined (``a..c``): identical ends
    mean the chain as a whole changes nothing, at the cost of two runs instead of one per ref
    (CI has a few minutes for this)."""
    joined: list[tuple[str, str]] = []
    for base, head in pairs:
        if joined and joined[-1][1] == base:
            joined[-1] = (joined[-1][0], head)
        else:
            joined.append((base, head))
    return joined


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", nargs="?", help="git ref of the version before")
    parser.add_argument("head", nargs="?", default=WORKTREE, help="git ref of the version after (default: the working tree)")
    parser.add_argument("--ranges", type=Path, help="a file of base..head lines, each compared")
    parser.add_argument("--each", action="store_true", help="with --ranges: compare each range, not only the ends of a chain")
    args = parser.parse_args(argv)
    if args.ranges:
        pairs = listed_ranges(args.ranges) if args.each else chains(listed_ranges(args.ranges))
    else:
        pairs = [(args.base, args.head)]
    if not all(base for base, _ in pairs):
        parser.error("give BASE [HEAD] or --ranges FILE")
    failed = False
    for (base, head), found in compare(pairs).items():
        print(f"{base}..{head}: {'identical' if not found else f'{len(found)} difference(s)'}")
        for difference in found:
            print(difference)
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
