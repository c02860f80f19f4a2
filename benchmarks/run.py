"""Benchmark acr-fix on synthetic repositories and print a Markdown results table.

For each size (2 000 and 10 000 files; 100 000 with ``--full``) it generates a repository
with ``benchmarks/generate.py`` (cached under ``--out`` by its parameters) and measures, on
the same tree:

- the floor: read every file and ``json.loads`` the ``.json`` ones, in this process;
- ``acr-fix --dry-run`` as a subprocess (wall time, and peak RSS of the largest process);
- ``acr-fix --write`` on a fresh copy of the tree (copying is not timed);
- ``checkov -d DIR --framework arm bicep --check CKV_AZURE_139 --quiet`` if checkov is found.

Each timing is the best of ``--repeat`` runs (checkov: one run). Usage::

    python -m benchmarks.run                 # 2 000 and 10 000 files
    python -m benchmarks.run --full          # and 100 000
    python -m benchmarks.run --sizes 500 --profile   # plus a cProfile of one dry run
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import GENERATOR_VERSION, generate  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
LOAD_BEFORE = "%.2f" % os.getloadavg()[0]


@dataclass
class Result:
    files: int
    template_files: int
    registries: int
    mb: float
    floor_s: float
    dry_s: float | None = None
    dry_rc: int | None = None
    dry_rss_mb: float | None = None
    dry_cpu_s: float | None = None
    write_s: float | None = None
    write_rc: int | None = None
    write_rss_mb: float | None = None
    changed_files: int | None = None
    checkov_s: float | None = None
    checkov_cpu_s: float | None = None  # CPU is less skewed than wall-clock by a busy machine
    checkov_rc: int | None = None
    fixed_s: float | None = None   # a dry run over samples/: start-up and imports, almost no files


# --------------------------------------------------------------------------------------
# Trees
# --------------------------------------------------------------------------------------


def tree_for(out: Path, files: int, seed: int, arm_share: float, registry_share: float,
             size_mb: float | None) -> tuple[Path, dict]:
    """The generated tree for these parameters, generated once and then reused."""
    mb = "auto" if size_mb is None else f"{size_mb:g}"
    base = out / f"repo-n{files}-s{seed}-a{arm_share:g}-r{registry_share:g}-mb{mb}-v{GENERATOR_VERSION}"
    tree, manifest = base / "tree", base / "manifest.json"
    if manifest.exists() and tree.is_dir():
        return tree, json.loads(manifest.read_text())
    # Generate beside the final place and rename, so concurrent runs never see half a tree.
    base.mkdir(parents=True, exist_ok=True)
    tmp = base / f"tree.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    t0 = time.perf_counter()
    m = generate(tmp, files, seed, arm_share, registry_share, size_mb)
    if manifest.exists() and tree.is_dir():  # another run finished first
        shutil.rmtree(tmp)
        return tree, json.loads(manifest.read_text())
    if tree.exists():
        shutil.rmtree(tree)
    tmp.rename(tree)
    # Written last: its presence marks a complete tree.
    manifest.write_text(json.dumps(m.summary(), indent=1))
    log(f"generated {files} files ({m.total_bytes / 1048576:.1f} MB) in {time.perf_counter() - t0:.1f}s: {tree}")
    return tree, m.summary()


def all_files(tree: Path) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames.sort()
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames))
    return out


# --------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------


def floor_once(tree: Path) -> float:
    """Seconds to walk the tree, read every file and json.loads the .json ones (JSONC that
    json rejects counts as read, as a fast-path-first tool would try it and fall back)."""
    t0 = time.perf_counter()
    for path in all_files(tree):
        with open(path, "rb") as f:
            data = f.read()
        if path.endswith(".json"):
            try:
                json.loads(data.decode("utf-8-sig"))
            except ValueError:
                pass
    return time.perf_counter() - t0


@dataclass(frozen=True, order=True)
class Run:
    wall: float
    rc: int
    rss_mb: float   # peak RSS of the largest process in the child's tree that was waited for
    cpu: float      # user + system seconds of the child and its waited-for children


def run_child(cmd: list[str], src: Path = REPO_ROOT, timeout: float | None = None, cwd: Path | None = None) -> Run:
    """One run of ``cmd`` (in ``cwd``, default ``src``) with stdout and stderr discarded."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FORCE_COLOR", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            cwd=cwd or src, env=env)
    deadline = None if timeout is None else t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
        if pid:
            break
        if deadline and time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB.
    return Run(wall, proc.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def repeated(args: argparse.Namespace, once) -> list[Run]:
    """Up to --repeat runs; a run longer than --max-repeat-seconds is not repeated."""
    runs = [once()]
    while len(runs) < args.repeat and runs[-1].wall < args.max_repeat_seconds:
        runs.append(once())
    return runs


def acr_fix_command(explicit: str | None, ref: str | None, out: Path) -> tuple[list[str], Path, str]:
    """(command, PYTHONPATH root, label) that runs acr-fix.

    With ``ref``, the committed ``fixer/`` at that git ref is exported to ``out/src-<sha>``
    and run with ``python -m fixer``, so the numbers belong to a commit, not to whatever the
    work tree holds. Otherwise: --cmd, else the acr-fix console script next to this Python or
    on PATH, else ``python -m fixer`` from this checkout.
    """
    if ref:
        sha = subprocess.run(["git", "rev-parse", "--short=10", ref], cwd=REPO_ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
        src = out / f"src-{sha}"
        if not (src / "fixer" / "__main__.py").exists():
            src.mkdir(parents=True, exist_ok=True)
            archive = subprocess.run(["git", "archive", sha, "fixer"], cwd=REPO_ROOT, check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
        return [sys.executable, "-m", "fixer"], src, f"python -m fixer @ {sha}"
    if explicit:
        return explicit.split(), REPO_ROOT, explicit
    beside = Path(sys.executable).with_name("acr-fix")
    if beside.exists():
        return [str(beside)], REPO_ROOT, "acr-fix (work tree)"
    found = shutil.which("acr-fix")
    if found:
        return [found], REPO_ROOT, "acr-fix (on PATH)"
    if (REPO_ROOT / "fixer" / "__main__.py").exists():
        return [sys.executable, "-m", "fixer"], REPO_ROOT, "python -m fixer (work tree)"
    raise SystemExit("acr-fix not found: install the project (pip install -e .) or pass --cmd")


def changed_files(original: Path, copy: Path) -> int:
    n = 0
    for path in all_files(original):
        rel = os.path.relpath(path, original)
        with open(path, "rb") as a, open(os.path.join(copy, rel), "rb") as b:
            if a.read() != b.read():
                n += 1
    return n


def measure(tree: Path, manifest: dict, args: argparse.Namespace, cmd: list[str], src: Path) -> Result:
    counts = manifest["counts"]
    res = Result(files=manifest["files_requested"], template_files=counts.get("arm", 0) + counts.get("bicep", 0),
                 registries=counts.get("registries", 0), mb=manifest["total_bytes"] / 1048576,
                 floor_s=min(floor_once(tree) for _ in range(args.repeat)))
    log(f"  floor {res.floor_s:.3f}s")
    if not args.no_acr_fix:
        runs = repeated(args, lambda: run_child([*cmd, "--dry-run", str(tree)], src))
        best = min(runs)
        res.dry_s, res.dry_rc, res.dry_cpu_s = best.wall, best.rc, best.cpu
        res.dry_rss_mb = max(r.rss_mb for r in runs)
        log(f"  dry-run {res.dry_s:.3f}s, {res.dry_cpu_s:.3f}s CPU (exit {res.dry_rc}, {res.dry_rss_mb:.0f} MB, {len(runs)} runs)")
        if res.dry_rc not in (0, 1):
            log(f"  WARNING: acr-fix exited {res.dry_rc}: run `{' '.join(cmd)} --dry-run {tree}` to see why")
        work = tree.parent / f"write-copy-{os.getpid()}"
        def write_once() -> Run:
            if work.exists():
                shutil.rmtree(work)
            shutil.copytree(tree, work)
            return run_child([*cmd, "--write", str(work)], src)

        try:
            write_runs = repeated(args, write_once)
            best = min(write_runs)
            res.write_s, res.write_rc = best.wall, best.rc
            res.write_rss_mb = max(r.rss_mb for r in write_runs)
            res.changed_files = changed_files(tree, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)  # an interrupted run leaves no copy behind
        log(f"  write {res.write_s:.3f}s (exit {res.write_rc}, {res.changed_files} files changed)")
    checkov = args.checkov or shutil.which("checkov")
    if checkov and not args.no_checkov and res.files <= args.checkov_max_files:
        ck = run_child([checkov, "-d", str(tree), "--framework", "arm", "bicep",
                        "--check", "CKV_AZURE_139", "--quiet"], timeout=args.checkov_timeout)
        res.checkov_s, res.checkov_rc, res.checkov_cpu_s = ck.wall, ck.rc, ck.cpu
        log(f"  checkov {ck.wall:.1f}s, {ck.cpu:.1f}s CPU (exit {ck.rc}): {ck.cpu / res.dry_cpu_s:.0f}× the dry run's CPU"
            if res.dry_cpu_s else f"  checkov {ck.wall:.1f}s (exit {ck.rc})")
    return res


# (name, folder under samples/ to run in, arguments). Each runs in its own folder: the root
# of the run, so a one-file run looks for parameter files and callers there only, and
# `python -m fixer` imports the fixer/ under test (PYTHONPATH), not one in the folder.
STARTUP_CASES = (
    ("one file, no edits", "arm/compliant", ["--dry-run", "registry.json"]),
    ("one file with edits", "arm/param-sku", ["--dry-run", "main.json"]),
    ("samples/ (10 templates)", ".", ["--dry-run", "."]),
)


def startup(rounds: int, cmd: list[str], src: Path) -> list[tuple[str, float, float]]:
    """Start-up against a bare ``python -c pass``, in interleaved rounds (each round runs every
    case once, so a busy machine slows all of them alike): (case, best seconds, best / pass)."""
    samples = REPO_ROOT / "samples"
    cases = [("python -c pass", samples, [sys.executable, "-c", "pass"])]
    cases += [(name, samples / folder, [*cmd, *extra]) for name, folder, extra in STARTUP_CASES]
    best = {name: float("inf") for name, _, _ in cases}
    for _ in range(rounds):
        for name, folder, argv in cases:
            best[name] = min(best[name], run_child(argv, src, cwd=folder).wall)
    floor = best["python -c pass"]
    return [(name, best[name], best[name] / floor) for name, _, _ in cases]


def startup_table(rows: list[tuple[str, float, float]], rounds: int) -> str:
    lines = [f"Start-up, best of {rounds} interleaved rounds (each run in its folder under samples/):", "",
             "| run | best s | × `python -c pass` |", "|---|---:|---:|"]
    lines += [f"| {name} | {seconds:.3f} | {ratio:.1f}× |" for name, seconds, ratio in rows]
    return "\n".join(lines)


def fixed_cost(args: argparse.Namespace, cmd: list[str], src: Path) -> float:
    """Seconds of a dry run over the bundled samples/ (a dozen files, every reader and the
    verifier used): what any run pays before its files, mostly importing the interpreter's and
    the required libraries' modules. Subtracted from a dry run, it leaves the per-file work."""
    return min(repeated(args, lambda: run_child([*cmd, "--dry-run", str(REPO_ROOT / "samples")], src))).wall


def profile(tree: Path, cmd: list[str], src: Path, out: Path, top: int) -> str:
    """cProfile one dry run in a subprocess; returns the top functions by own and cumulative time."""
    stats_file = out / f"profile-{tree.parent.name}.pstats"
    if cmd[-2:] == ["-m", "fixer"]:
        target = ["-m", "fixer"]
    else:
        target = [cmd[-1]]  # the console script is a Python file cProfile can run
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats_file), *target, "--dry-run", str(tree)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   cwd=src, env={**os.environ, "PYTHONPATH": str(src)})
    buf = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=buf)
    stats.strip_dirs()
    buf.write(f"## profile of acr-fix --dry-run on {tree} ({stats_file})\n\n### by own time\n")
    stats.sort_stats("tottime").print_stats(top)
    buf.write("\n### by cumulative time\n")
    stats.sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def fmt(v: float | None, spec: str, suffix: str = "") -> str:
    return "–" if v is None else f"{v:{spec}}{suffix}"


def table(results: list[Result], label: str) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        f"Machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average before the run {LOAD_BEFORE}; "
        f"date {dt.date.today().isoformat()}; `{label}`.",
        "",
        "| files | templates | registries | MB | floor s | dry-run s | CPU s | × floor | × floor after start-up | files/s | MB/s | peak RSS MB | write s | write / dry-run | files changed | checkov s | checkov / dry-run |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.dry_s / r.floor_s if r.dry_s else None
        after_startup = (r.dry_s - r.fixed_s) / r.floor_s if r.dry_s and r.fixed_s is not None else None
        fps = r.files / r.dry_s if r.dry_s else None
        mbs = r.mb / r.dry_s if r.dry_s else None
        wr = r.write_s / r.dry_s if r.write_s and r.dry_s else None
        ck = r.checkov_s / r.dry_s if r.checkov_s and r.dry_s else None
        lines.append(f"| {r.files:,} | {r.template_files:,} | {r.registries:,} | {r.mb:.1f} | {r.floor_s:.3f} | "
                     f"{fmt(r.dry_s, '.3f')} | {fmt(r.dry_cpu_s, '.3f')} | {fmt(ratio, '.1f', '×')} | {fmt(after_startup, '.1f', '×')} | {fmt(fps, ',.0f')} | {fmt(mbs, '.1f')} | "
                     f"{fmt(r.dry_rss_mb, '.0f')} | {fmt(r.write_s, '.3f')} | {fmt(wr, '.2f', '×')} | "
                     f"{fmt(r.changed_files, ',')} | {fmt(r.checkov_s, '.1f')} | {fmt(ck, '.0f', '×')} |")
    if len(results) > 1 and results[0].dry_s:
        base = results[0]
        scaling = ", ".join(f"{r.files:,} files: {r.dry_s / base.dry_s:.1f}× the time for {r.files / base.files:.0f}× the files"
                            for r in results[1:] if r.dry_s)
        lines += ["", f"Scaling of --dry-run against {base.files:,} files: {scaling}."]
    fixed = next((r.fixed_s for r in results if r.fixed_s is not None), None)
    if fixed is not None:
        lines += ["", f"Start-up: a dry run over samples/ (a dozen files) takes {fixed:.3f} s; "
                      "'× floor after start-up' is (dry-run s − that) / floor s."]
    lines += ["", "Times are wall-clock, best of up to --repeat runs (CPU s = user + system of that run); floor = read every file + `json.loads` the .json ones "
              "in one Python process; peak RSS is the largest single process (ru_maxrss), exit codes: "
              + ", ".join(f"{r.files:,}: dry-run {r.dry_rc}, write {r.write_rc}" + (f", checkov {r.checkov_rc}" if r.checkov_rc is not None else "")
                          for r in results) + "."]
    return "\n".join(lines)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2000,10000", help="comma-separated file counts (default 2000,10000)")
    ap.add_argument("--full", action="store_true", help="also 100 000 files (about 1.5 GB)")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "bench-out", help="where trees are cached (gitignored)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--arm-share", type=float, default=0.7)
    ap.add_argument("--registry-share", type=float, default=0.16)
    ap.add_argument("--size-mb", type=float, default=None, help="fixed size for every tree (default: 15 KB per file)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--max-repeat-seconds", type=float, default=60, help="do not repeat runs longer than this")
    ap.add_argument("--cmd", default=None, help="command that runs acr-fix (default: detected)")
    ap.add_argument("--ref", default=None, help="benchmark the fixer/ committed at this git ref (e.g. HEAD), not the work tree")
    ap.add_argument("--no-acr-fix", action="store_true", help="only generate and measure the floor")
    ap.add_argument("--checkov", default=None, help="path to checkov (default: on PATH)")
    ap.add_argument("--no-checkov", action="store_true")
    ap.add_argument("--checkov-max-files", type=int, default=10_000, help="skip checkov above this many files")
    ap.add_argument("--checkov-timeout", type=float, default=3600)
    ap.add_argument("--profile", action="store_true", help="cProfile one dry run of the smallest size")
    ap.add_argument("--top", type=int, default=30, help="functions to show in the profile")
    ap.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    ap.add_argument("--startup-rounds", type=int, default=11, help="interleaved rounds of the start-up comparison (0: none)")
    ap.add_argument("--startup-only", action="store_true", help="only the start-up comparison")
    args = ap.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.full and 100_000 not in sizes:
        sizes.append(100_000)
    args.out.mkdir(parents=True, exist_ok=True)
    cmd, src, label = ([], REPO_ROOT, "floor only") if args.no_acr_fix else acr_fix_command(args.cmd, args.ref, args.out)
    if (src / "fixer").is_dir():
        # An installed acr-fix has its bytecode compiled by pip; a source tree run with
        # PYTHONDONTWRITEBYTECODE set would compile every module on every run instead.
        compileall.compile_dir(src / "fixer", quiet=1)
    if cmd and args.startup_rounds:
        print(startup_table(startup(args.startup_rounds, cmd, src), args.startup_rounds))
        print()
        if args.startup_only:
            return 0
    results: list[Result] = []
    fixed = None
    if cmd:
        fixed = fixed_cost(args, cmd, src)
        log(f"start-up (dry run over samples/): {fixed:.3f}s")
    for n in sizes:
        tree, manifest = tree_for(args.out, n, args.seed, args.arm_share, args.registry_share, args.size_mb)
        log(f"{n} files: {tree}")
        results.append(measure(tree, manifest, args, cmd, src))
        results[-1].fixed_s = fixed
    print(table(results, label))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    if args.profile and cmd:
        tree, _ = tree_for(args.out, sizes[0], args.seed, args.arm_share, args.registry_share, args.size_mb)
        print()
        print(profile(tree, cmd, src, args.out, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
