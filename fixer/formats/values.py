"""Values that every deployment gives an expression, shared by the ARM and Bicep readers.

Both readers evaluate conditions (`private ? 'Disabled' : 'Enabled'`, `[if(equals(...), ...)]`)
when each part is known in every deployment. A known value is plain Python: str, bool, int,
None (null), list, dict; an item or member that is not known is ``OPAQUE`` (the size of its
array or object still is, which is all ``empty()`` needs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..model import Node


class _Opaque:
    def __repr__(self) -> str:
        return "OPAQUE"


OPAQUE: Any = _Opaque()


@dataclass(frozen=True)
class Known:
    """A value known in every deployment, the facts it rests on (for messages: "private is
    false (default of parameter 'private')") and the parameters it reads (a fix that changes
    one of them could change the value)."""

    value: Any
    facts: tuple[str, ...] = ()
    reads: frozenset[str] = frozenset()

    def because(self, *others: "Known") -> "Known":
        """This value, resting also on what ``others`` rest on."""
        facts = tuple(dict.fromkeys(self.facts + tuple(f for o in others for f in o.facts)))
        reads = self.reads.union(*(o.reads for o in others))
        return Known(self.value, facts, reads)

    def with_value(self, value: Any) -> "Known":
        return Known(value, self.facts, self.reads)

    def why(self) -> str:
        return " and ".join(self.facts)


def has_opaque(value: Any) -> bool:
    if value is OPAQUE:
        return True
    if isinstance(value, list):
        return any(has_opaque(v) for v in value)
    if isinstance(value, dict):
        return any(has_opaque(v) for v in value.values())
    return False


def same(a: Any, b: Any) -> bool:
    """Whether two known values are certainly the same (strings exactly)."""
    return not has_opaque(a) and not has_opaque(b) and type(a) is type(b) and a == b


def equal(a: Any, b: Any, ignore_case: bool = False) -> bool | None:
    """``a == b`` as ARM's equals() and Bicep's ==, =~ compare; None when not certain.

    Strings that differ only in case give None for a case-sensitive comparison: the ARM docs
    do not say how equals() compares them (Bicep's `=~` is the case-insensitive one), and
    acr-fix does not guess."""
    if has_opaque(a) or has_opaque(b):
        return None
    if isinstance(a, str) and isinstance(b, str):
        if a == b:
            return True
        if a.lower() != b.lower():
            return False
        return True if ignore_case else None
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        if type(a) is type(b) and a == b and not _has_strings(a):
            return True
        return None  # strings inside: the case question again; rare in conditions
    if type(a) is not type(b):
        return None  # Bicep rejects such comparisons; ARM's answer is not documented
    return a == b


def _has_strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return any(_has_strings(v) for v in value)
    if isinstance(value, dict):
        return any(_has_strings(v) for v in value.values())
    return False


def empty(value: Any) -> bool | None:
    """ARM's and Bicep's empty(): true for null, '', [] and {}."""
    if value is None:
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    return None


def member(value: Any, key: str) -> Any:
    """``value.key`` (property names compare case-insensitively); OPAQUE when not known."""
    if not isinstance(value, dict):
        return OPAQUE
    for name, inner in value.items():
        if name.lower() == key.lower():
            return inner
    return OPAQUE


def show(value: Any) -> str:
    """A known value as messages quote it: 'Premium', true, [], {...}."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (list, dict)) and not value:
        return "[]" if isinstance(value, list) else "{}"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return json.dumps(value)


def of_json(node: Node | None) -> Any:
    """The plain value of a JSON node (a parameter file's `value`): OPAQUE where it holds an
    ARM expression (`[...]`) or an azd placeholder (`${AZURE_...}`)."""
    if node is None:
        return OPAQUE
    if node.kind == "string":
        text = node.value
        if text.startswith("[["):
            return text[1:]
        if text.startswith("[") or "${" in text:
            return OPAQUE
        return text
    if node.kind in ("bool", "number"):
        return node.value
    if node.kind == "null":
        return None
    if node.kind == "array":
        return [of_json(item) for item in node.items or ()]
    if node.kind == "object":
        return {m.key: of_json(m.value) for m in node.members or ()}
    return OPAQUE
