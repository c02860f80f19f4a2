"""scripts/bicep_coverage.py: the rate, the files read with statements left out, the lost ones."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bicep_coverage.py"
spec = importlib.util.spec_from_file_location("bicep_coverage", SCRIPT)
assert spec is not None and spec.loader is not None
bicep_coverage = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = bicep_coverage  # (dataclasses look their module up)
spec.loader.exec_module(bicep_coverage)

ACR = "'Microsoft.ContainerRegistry/registries@2023-07-01'"


def _files(root: Path) -> None:
    (root / "sub").mkdir(parents=True)
    (root / "good.bicep").write_text(f"resource acr {ACR} = {{\n  name: 'a'\n}}\n")
    (root / "sub" / "gap.bicep").write_text("param a string\nvar b = split(a, '/')[2] +++ )\n"
                                             f"resource acr {ACR} = {{\n  name: a\n}}\n")
    (root / "sub" / "broken.bicepparam").write_text("using './main.bicep'\nparam a = (1 +++ )\n")
    (root / "notes.txt").write_text("not bicep")


def test_measure_counts_read_tolerated_and_lost(tmp_path: Path) -> None:
    _files(tmp_path)
    coverage = bicep_coverage.measure(tmp_path)
    assert (coverage.files, coverage.read) == (3, 2)
    assert [(t.path, t.gaps, t.registry) for t in coverage.tolerated] == [
        ("sub/gap.bicep", ["line 2, column 27: unexpected `+`"], True)]
    [lost] = coverage.failures
    assert (lost.path, lost.line, lost.column, lost.unexpected, lost.registry) == (
        "sub/broken.bicepparam", 2, 14, "+", False)
    assert round(coverage.rate, 2) == 66.67


def test_main_prints_the_rate_and_exits_1_when_a_file_is_lost(tmp_path: Path, capsys) -> None:
    _files(tmp_path)
    assert bicep_coverage.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path}: 2/3 read (66.67 %), 1 of them with statements left out, 1 lost" in out
    assert "  lost: sub/broken.bicepparam:2:14 `+`  invalid Bicep: unexpected `+`" in out
    (tmp_path / "sub" / "broken.bicepparam").unlink()
    assert bicep_coverage.main([str(tmp_path)]) == 0
