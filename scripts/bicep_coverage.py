#!/usr/bin/env python3
"""How much of a folder's Bicep acr-fix can read.

Parses every ``.bicep`` / ``.bicepparam`` file under each folder given with acr-fix's own
reader (the grammar-gap masks and the tolerance of unrelated gaps included) and prints the
rate, each file read without some statements (where and what their first error is), and
each file it could not read with the line, column and unexpected text of the first error. A file that declares a
registry or calls a registry module is marked ``[registry]``: those must never be lost.

    python scripts/bicep_coverage.py FOLDER... [--json]

Exit status: 0 when every file was read, 1 when some were not, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from fixer.errors import FixerError, ParseError
from fixer.formats import reader_for
from fixer.formats.bicep import grammar_gaps
from fixer.source import read_source

_REGISTRY = re.compile(r"Microsoft\.ContainerRegistry/registries|container-?registry", re.I)


@dataclass(frozen=True)
class Failure:
    path: str
    line: int | None
    column: int | None
    unexpected: str | None
    message: str
    registry: bool


@dataclass(frozen=True)
class Tolerated:
    path: str
    gaps: list[str]          # "line 9, column 56: unexpected `+`" for each statement left out
    registry: bool


@dataclass(frozen=True)
class Coverage:
    folder: str
    files: int
    read: int
    tolerated: list[Tolerated]   # read, leaving out statements the grammar cannot read
    failures: list[Failure]

    @property
    def rate(self) -> float:
        return 100.0 * self.read / self.files if self.files else 100.0


def bicep_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".bicep", ".bicepparam") and p.is_file())


def measure(folder: Path) -> Coverage:
    read = 0
    tolerated: list[Tolerated] = []
    failures: list[Failure] = []
    files = bicep_files(folder)
    for path in files:
        reader = reader_for(path)
        assert reader is not None
        try:
            source = read_source(path)
            doc = reader.parse(source)
        except ParseError as exc:
            text = path.read_text(encoding="utf-8", errors="replace")
            failures.append(Failure(str(path.relative_to(folder)), exc.line, exc.column, exc.unexpected,
                                    str(exc).split(": ", 1)[-1], bool(_REGISTRY.search(text))))
            continue
        except FixerError as exc:   # unreadable bytes, too large: not a grammar question
            failures.append(Failure(str(path.relative_to(folder)), None, None, None, str(exc), False))
            continue
        read += 1
        gaps = grammar_gaps(doc)
        if gaps:
            tolerated.append(Tolerated(str(path.relative_to(folder)), [gap.where() for gap in gaps],
                                       bool(_REGISTRY.search(source.text))))
        reader.release(doc)
    return Coverage(str(folder), len(files), read, tolerated, failures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="one JSON object per folder")
    options = parser.parse_args(argv)
    lost = False
    for folder in options.folders:
        if not folder.is_dir():
            print(f"{folder}: not a folder", file=sys.stderr)
            return 2
        coverage = measure(folder)
        lost = lost or bool(coverage.failures)
        if options.json:
            print(json.dumps({**asdict(coverage), "rate": round(coverage.rate, 3)}))
            continue
        print(f"{coverage.folder}: {coverage.read}/{coverage.files} read ({coverage.rate:.2f} %), "
              f"{len(coverage.tolerated)} of them with statements left out, {len(coverage.failures)} lost")
        for tolerated in coverage.tolerated:
            mark = " [registry]" if tolerated.registry else ""
            print(f"  read without {len(tolerated.gaps)} statement(s): {tolerated.path}{mark}: {'; '.join(tolerated.gaps)}")
        for failure in coverage.failures:
            where = f"{failure.line}:{failure.column}" if failure.line else "-"
            mark = " [registry]" if failure.registry else ""
            found = f" `{failure.unexpected}`" if failure.unexpected else ""
            print(f"  lost: {failure.path}:{where}{mark}{found}  {failure.message}")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
