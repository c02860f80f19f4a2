"""Seed templates for the fuzz targets: the golden inputs (real shapes, JSON/JSONC/Bicep)."""

from __future__ import annotations

from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def named_seeds(*suffixes: str) -> list[tuple[str, bytes]]:
    found = sorted(p for p in GOLDEN.glob("*/input/**/*") if p.is_file() and p.suffix.lower() in suffixes
                   and "/bad/" not in p.as_posix())  # bad_inputs_keep_going holds broken files on purpose
    # small ones only: mutations of large files spend the time budget on tokenising
    return [(p.name, p.read_bytes()) for p in found if p.stat().st_size < 4096]


def seeds(*suffixes: str) -> list[bytes]:
    return [data for _, data in named_seeds(*suffixes)]


def mutate(data: bytes, ops: list[tuple[int, int, int, bytes]]) -> bytes:
    """Apply (kind, position, length, payload) mutations: delete, insert, duplicate, replace, truncate."""
    out = bytearray(data)
    for kind, pos, length, payload in ops:
        if not out:
            out.extend(payload)
            continue
        pos %= len(out) + 1
        end = min(len(out), pos + length)
        if kind == 0:
            del out[pos:end]
        elif kind == 1:
            out[pos:pos] = payload
        elif kind == 2:
            out[pos:pos] = out[pos:end]
        elif kind == 3:
            out[pos:end] = payload
        else:
            del out[pos:]
    return bytes(out)
