"""Coverage-guided fuzzing with atheris (not run in CI; needs `pip install atheris`).

    python tests/fuzz/fuzz_atheris.py jsonc   -max_total_time=600
    python tests/fuzz/fuzz_atheris.py arm     -max_total_time=600
    python tests/fuzz/fuzz_atheris.py bicep   -max_total_time=600

Only FixerError subclasses may escape a target; atheris reports anything else as a crash.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from fixer.errors import FixerError
    from fixer.formats import arm, bicep
    from fixer.formats.jsonc import scan, to_data
    from fixer.run import load_document
    from fixer.source import SourceFile
    from fixer.workspace import Workspace


def _source(data: bytes, name: str) -> SourceFile:
    return SourceFile(path=Path(name), text=data.decode("utf-8", "replace"), raw=data)


def jsonc(data: bytes) -> None:
    try:
        root, _ = scan(data.decode("utf-8", "replace"))
        to_data(root)
    except FixerError:
        pass


def arm_target(data: bytes) -> None:
    try:
        arm.find_registries(arm.parse(_source(data, "f.json")), Workspace(loader=load_document))
    except FixerError:
        pass


def bicep_target(data: bytes) -> None:
    try:
        bicep.find_registries(bicep.parse(_source(data, "f.bicep")), Workspace(loader=load_document))
    except FixerError:
        pass


TARGETS = {"jsonc": jsonc, "arm": arm_target, "bicep": bicep_target}

if __name__ == "__main__":
    target = TARGETS[sys.argv.pop(1)] if len(sys.argv) > 1 and sys.argv[1] in TARGETS else jsonc
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
