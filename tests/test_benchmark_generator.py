"""The benchmark generator: deterministic, parseable output with the mix it was asked for."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import json5
import pytest

from benchmarks.generate import REGISTRY_TYPE, generate, plan

N = 50


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("bench") / "repo"
    return out, generate(out, N, seed=7)


def test_writes_exactly_the_files_asked_for(repo) -> None:
    out, m = repo
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(written) == N
    assert written == sorted(s.path for s in m.files)
    assert m.total_bytes == sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def test_same_seed_same_bytes_other_seed_other_bytes(repo, tmp_path: Path) -> None:
    out, _ = repo
    generate(tmp_path / "again", N, seed=7)
    generate(tmp_path / "other", N, seed=8)
    assert _digest(tmp_path / "again") == _digest(out)
    assert _digest(tmp_path / "other") != _digest(out)


def test_every_json_file_parses_with_json_or_json5(repo) -> None:
    out, m = repo
    for spec in m.files:
        if not spec.path.endswith((".json", ".jsonc")):
            continue
        text = (out / spec.path).read_bytes().decode("utf-8-sig")
        if spec.jsonc:
            json5.loads(text)
        else:
            json.loads(text)


def test_registry_files_declare_registries_and_others_do_not(repo) -> None:
    out, m = repo
    for spec in m.files:
        if spec.kind not in ("arm", "bicep"):
            continue
        text = (out / spec.path).read_bytes().decode("utf-8-sig")
        if spec.kind == "bicep":
            declared = text.count(f"'{REGISTRY_TYPE}@") - text.count("existing = {")
        else:
            declared = text.count(f'"type": "{REGISTRY_TYPE}"') - (text.count('"existing": true') if spec.mentions_registry else 0)
        assert declared == spec.registries, spec.path


def test_mix_ratios_follow_the_arguments() -> None:
    m = plan(2000, seed=1, arm_share=0.7, registry_share=0.16)
    templates = m.counts["arm"] + m.counts["bicep"]
    assert len(m.files) == 2000
    assert m.counts["arm"] / templates == pytest.approx(0.7, abs=0.01)
    assert m.counts["registry-templates"] / templates == pytest.approx(0.16, abs=0.01)
    assert 0.05 < m.counts["jsonc"] / m.counts["arm"] < 0.25
    assert m.counts["params"] > 0 and m.counts["readme"] > 0 and m.counts["other-json"] > 0
    assert len(m.variants) >= 8


def test_other_shares_and_size() -> None:
    m = plan(400, seed=3, arm_share=0.5, registry_share=0.4)
    templates = m.counts["arm"] + m.counts["bicep"]
    assert m.counts["arm"] / templates == pytest.approx(0.5, abs=0.01)
    assert m.counts["registry-templates"] / templates == pytest.approx(0.4, abs=0.01)


def test_size_scales_with_files(tmp_path: Path) -> None:
    m = generate(tmp_path / "r", 200, seed=2)
    # 2 000 files = 30 MB, so 200 files should be about 3 MB.
    assert 2.0 < m.total_bytes / 1048576 < 4.5
