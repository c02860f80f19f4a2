"""Fuzz targets (hypothesis from bytes): every parser, and the whole per-file pipeline, may
only end in a FixerError subclass (ParseError / ReadError) on arbitrary input. Anything else
(IndexError, RecursionError, UnicodeError, AttributeError...) is a bug.

Bounded: a few hundred examples in total, derandomized so CI runs the same inputs. For
longer runs: ``HYPOTHESIS_PROFILE=fuzz-long pytest tests/fuzz`` (or tests/fuzz/fuzz_atheris.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixer.errors import FixerError, ParseError
from fixer.formats import arm, bicep
from fixer.formats.jsonc import scan, to_data
from fixer.options import Options
from fixer.run import analyse_file, load_document, run
from fixer.source import SourceFile, decode
from fixer.workspace import Workspace

from .seeds import mutate, named_seeds, seeds

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz-long"


def _settings(examples: int) -> settings:
    return settings(max_examples=examples * (50 if LONG else 1), deadline=None, derandomize=not LONG,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


JSON_SEEDS = seeds(".json", ".jsonc")
BICEP_SEEDS = seeds(".bicep", ".bicepparam")
assert JSON_SEEDS and BICEP_SEEDS

_OPS = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1 << 16), st.integers(0, 64),
                          st.binary(max_size=12) | st.sampled_from([b"{", b"}", b"[", b"]", b",", b":", b'"', b"'",
                                                                    b"//", b"/*", b"*/", b"\\", b"\n", b"\r\n", b"${",
                                                                    b"\xef\xbb\xbf", b"\x00", b"\xff", b"if (", b"for "])),
                max_size=6)


def mutated(pool: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.builds(mutate, st.sampled_from(pool), _OPS)


def _text(data: bytes) -> str:
    try:
        return decode(data, Path("fuzz"))[0]
    except FixerError:
        return data.decode("utf-8", "replace")


def _source(data: bytes, name: str) -> SourceFile:
    text = _text(data)
    return SourceFile(path=Path(name), text=text, raw=data)


# --------------------------------------------------------------------------- the JSONC scanner

@_settings(500)
@given(st.one_of(st.text(max_size=200), st.text(alphabet='{}[]:,"\'/*\\ \n0123456789abetrufnl-.eE+', max_size=200),
                 mutated(JSON_SEEDS).map(_text)))
def test_jsonc_scan(text: str) -> None:
    for lazy in (True, False):
        try:
            root, _ = scan(text, lazy=lazy)
            to_data(root)  # lazily scanned subtrees are read here: they may only fail with ParseError too
        except ParseError:
            continue


# --------------------------------------------------------------------------- the ARM reader

@_settings(400)
@given(st.one_of(st.binary(max_size=300), mutated(JSON_SEEDS)))
def test_arm_parse(data: bytes) -> None:
    workspace = Workspace(loader=load_document)
    try:
        doc = arm.parse(_source(data, "fuzz.json"))
        arm.find_registries(doc, workspace)
    except ParseError:
        pass


# --------------------------------------------------------------------------- the Bicep reader

@_settings(300)
@given(st.one_of(st.binary(max_size=300), mutated(BICEP_SEEDS)), st.sampled_from(["fuzz.bicep", "fuzz.bicepparam"]))
def test_bicep_parse(data: bytes, name: str) -> None:
    workspace = Workspace(loader=load_document)
    try:
        doc = bicep.parse(_source(data, name))
        bicep.find_registries(doc, workspace)
    except ParseError:
        pass


# --------------------------------------------------------------------------- the whole pipeline

@_settings(200)
@given(st.one_of(st.binary(max_size=300), mutated(JSON_SEEDS + BICEP_SEEDS)),
       st.sampled_from(["main.json", "main.jsonc", "main.bicep"]))
def test_analyse_file_and_run(data: bytes, name: str) -> None:
    """analyse_file never raises (errors go in the result); neither does run() over the file."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / name
        path.write_bytes(data)
        options = Options()
        workspace = Workspace(loader=load_document, files=[path], max_file_size=options.max_file_size)
        result = analyse_file(path, workspace, options, root)
        assert result.status in ("unchanged", "failed", "skipped", "manual", "would-fix")
        if result.status == "failed":
            assert result.error and "\n" not in result.error and name in result.error
        outcome = run([root], options, root=root)
        for file in outcome.files:
            assert file.status in ("unchanged", "failed", "skipped", "manual", "would-fix")
            if file.error:
                assert "\n" not in file.error
        assert path.read_bytes() == data


@pytest.mark.parametrize("name,data", named_seeds(".json", ".jsonc", ".bicep", ".bicepparam"))
def test_seeds_are_valid(name: str, data: bytes) -> None:
    """The unmutated seeds parse: the mutations start from real templates, not from noise."""
    assert load_document(_source(data, name)) is not None
