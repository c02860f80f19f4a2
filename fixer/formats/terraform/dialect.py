"""How the planner's edits are spelled in Terraform, laid out as `terraform fmt` leaves them.

The planner speaks the rule's terms (publicNetworkAccess 'Disabled', networkRuleSet
{defaultAction, ipRules}); the reader gives it placeholder objects (``Node`` kind object
whose ``value`` is a ``Target``) that stand for a resource body, a `network_rule_set` block,
or the arguments of an AVM module call. This module turns an insertion into such a
placeholder into Terraform: `public_network_access_enabled = false` (the flag is inverted),
a `network_rule_set { default_action = "Deny" ... }` block (an object argument for the AVM
module), `ip_rule` blocks, `network_rule_bypass_option`.

Layout (what `terraform fmt` would leave, see ``fmt.py``): two spaces per level, the `=` of
consecutive one-line attributes aligned, new attributes a group of their own after a blank
line, so no existing line has to move.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ...edits import Edit
from ...model import Document, Node

INDENT = "  "


@dataclass(frozen=True)
class Target:
    """Where new Terraform goes. ``kind``: resource (an azurerm_container_registry body) |
    avm (the arguments of an AVM module call) | nrs-block (a network_rule_set block) |
    nrs-object (the AVM module's network_rule_set object) | ip-rules (after the last ip_rule
    block). ``open``/``close``: just after `{` and at `}`; ``indent``: the indentation of the
    line that opens it; ``path``: its place in the document's data; ``after``: for ip-rules,
    where the last ip_rule block ends (-1: none, insert at ``close``)."""

    kind: str
    open: int
    close: int
    indent: str
    path: tuple
    after: int = -1


class InvertedBool(Node):
    """A value that sets `public_network_access_enabled` (or an AVM argument of that name):
    the planner writes publicNetworkAccess 'Disabled', which is `false` here."""

    __slots__ = ()


# -- values --------------------------------------------------------------------------------

def quote(value: str) -> str:
    """A Terraform string literal: JSON escapes, and `${` / `%{` doubled so they stay text."""
    return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def hcl_value(value: Any, indent: str, eol: str = "\n") -> str:
    """A plain value as Terraform writes it; objects and lists of objects span lines."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return "[" + ", ".join(hcl_value(v, indent, eol) for v in value) + "]"
        inner = indent + INDENT
        return "[" + eol + "".join(f"{inner}{hcl_value(v, inner, eol)},{eol}" for v in value) + f"{indent}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + INDENT
        lines = render_entries([Attr(k, v) for k, v in value.items()], inner, eol)
        return "{" + eol + "".join(lines) + f"{indent}}}"
    raise TypeError(f"cannot write {type(value).__name__} as Terraform")


@dataclass(frozen=True)
class Attr:
    name: str
    value: Any


@dataclass(frozen=True)
class NestedBlock:
    type: str
    entries: tuple


def render_entries(entries: list, indent: str, eol: str) -> list[str]:
    """Lines (with ``eol``) for a body: attributes first, their `=` aligned within each run of
    one-line values (as terraform fmt does: a value that opens a bracket on its line ends the
    run), then each block after a blank line."""
    lines: list[str] = []
    attrs = [e for e in entries if isinstance(e, Attr)]
    blocks = [e for e in entries if isinstance(e, NestedBlock)]
    rendered = [(a.name, hcl_value(a.value, indent, eol)) for a in attrs]
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(n) for n, _ in run), default=0)
        lines.extend(f"{indent}{n.ljust(width)} = {v}{eol}" for n, v in run)
        run.clear()

    for name, value in rendered:
        if eol in value:
            flush()
            lines.append(f"{indent}{name} = {value}{eol}")
        else:
            run.append((name, value))
    flush()
    for block in blocks:
        if lines:
            lines.append(eol)
        lines.extend(render_block(block, indent, eol))
    return lines


def render_block(block: NestedBlock, indent: str, eol: str) -> list[str]:
    return [f"{indent}{block.type} {{{eol}", *render_entries(list(block.entries), indent + INDENT, eol), f"{indent}}}{eol}"]


# -- from the rule's terms to Terraform -----------------------------------------------------

def _ip_rule(rule: Any) -> dict[str, Any]:
    value = rule.get("value") if isinstance(rule, dict) else rule
    return {"action": "Allow", "ip_range": value}


def translate(kind: str, key: str, value: Any) -> list:
    """The Terraform entries that say ``key: value`` (the rule's terms) inside a ``kind`` target."""
    if kind in ("resource", "avm"):
        if key == "properties" and isinstance(value, dict):
            return [e for k, v in value.items() for e in translate(kind, k, v)]
        if key == "publicNetworkAccess":
            return [Attr("public_network_access_enabled", str(value).lower() != "disabled")]
        if key == "networkRuleBypassOptions":
            return [Attr("network_rule_bypass_option", value)]
        if key == "sku":
            return [Attr("sku", value.get("name") if isinstance(value, dict) else value)]
        if key == "networkRuleSet" and isinstance(value, dict):
            if kind == "avm":
                members: dict[str, Any] = {}
                for entry in translate("nrs-object", "", value):
                    members[entry.name] = entry.value
                return [Attr("network_rule_set", members)]
            return [NestedBlock("network_rule_set", tuple(e for k, v in value.items() for e in translate("nrs-block", k, v)))]
    if kind in ("nrs-block", "nrs-object"):
        if key == "" and isinstance(value, dict):
            return [e for k, v in value.items() for e in translate(kind, k, v)]
        if key == "defaultAction":
            return [Attr("default_action", value)]
        if key == "ipRules" and isinstance(value, list):
            if kind == "nrs-object":
                return [Attr("ip_rule", [_ip_rule(r) for r in value])]
            return [NestedBlock("ip_rule", tuple(Attr(k, v) for k, v in _ip_rule(r).items())) for r in value]
    raise ValueError(f"acr-fix does not know how to write {key} into a Terraform {kind}")


def _names(entries: list) -> list[str]:
    return [e.name if isinstance(e, Attr) else e.type for e in entries]


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _indent(text: str, offset: int) -> str:
    start = _line_start(text, offset)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


# The rule's words -> Terraform's, for the messages of a plan (see TerraformDialect.explain).
_TERMS = [
    (re.compile(r"publicNetworkAccess is not set"), "public_network_access_enabled is not set (true)"),
    (re.compile(r"params\.publicNetworkAccess|publicNetworkAccess"), "public_network_access_enabled"),
    (re.compile(r"'Disabled'"), "false"),
    (re.compile(r"'Enabled'"), "true"),
    (re.compile(r"networkRuleSet\.defaultAction"), "network_rule_set.default_action"),
    (re.compile(r"networkRuleSet\.ipRules"), "network_rule_set ip_rule"),
    (re.compile(r"networkRuleSet"), "network_rule_set"),
    (re.compile(r"networkRuleBypassOptions"), "network_rule_bypass_option"),
    (re.compile(r"\bsku\.name\b"), "sku"),
    (re.compile(r"\bparameter '"), "variable '"),
    (re.compile(r"\bthe template gives\b"), "the module gives"),
    (re.compile(r"\bin this template\b"), "in this module"),
]
_RULE_SET = re.compile(r"add network_rule_set = (\{.*\})(?=$|; )")


def _describe_rule_set(match: re.Match[str]) -> str:
    try:
        value = json.loads(match.group(1))
    except ValueError:
        return match.group(0)
    rules = [r.get("value") for r in value.get("ipRules", []) if isinstance(r, dict)]
    described = f"add network_rule_set with default_action = '{value.get('defaultAction')}'"
    return described + (f" and ip_rule {', '.join(rules)}" if rules else "")


def terraform_terms(text: str) -> str:
    """A message in Terraform's names: `public_network_access_enabled` false, not
    publicNetworkAccess 'Disabled'."""
    for pattern, replacement in _TERMS:
        if replacement is not None:
            text = pattern.sub(replacement, text)
    return _RULE_SET.sub(_describe_rule_set, text)


class TerraformDialect:
    name = "terraform"

    def check_edit(self, old: str, new: str) -> list[str]:
        """What the edits broke of the layout `terraform fmt` gives (verify refuses the fix)."""
        from .fmt import new_fmt_problems

        return new_fmt_problems(old, new)

    def explain(self, plan: Any) -> Any:
        """The plan with its messages in Terraform's terms (the planner words them in the rule's)."""
        plan.problem = terraform_terms(plan.problem)
        plan.manual = [terraform_terms(m) for m in plan.manual]
        plan.notes = [terraform_terms(n) for n in plan.notes]
        if plan.fix is not None:
            for change in plan.fix.changes:
                change.what = terraform_terms(change.what)
                change.why = terraform_terms(change.why)
            plan.fix.message = "; ".join(c.what for c in plan.fix.changes)
        return plan

    def literal(self, value: Any, indent: str, unit: str, eol: str) -> str:
        return hcl_value(value, indent, eol)

    def literal_at(self, doc: Document, node: Node, value: Any, indent: str, eol: str) -> str:
        """The text that replaces ``node`` with ``value``: `false` for 'Disabled' where the node
        is an inverted flag (public_network_access_enabled)."""
        if isinstance(node, InvertedBool) and isinstance(value, str):
            return "false" if value.lower() == "disabled" else "true"
        return hcl_value(value, indent, eol)

    def member_paths(self, doc: Document, obj: Node, key: str, value: Any) -> list[tuple]:
        """The data paths an insertion of ``key: value`` into ``obj`` changes."""
        target = obj.value
        if not isinstance(target, Target):
            return [obj.path + (key,)]
        kind = "resource" if target.kind == "resource" else target.kind
        return [target.path + (name,) for name in _names(translate(kind, key, value))]

    def insert_member(self, doc: Document, obj: Node, key: str, value: Any) -> list[Edit]:
        return self.insert_members(doc, obj, [(key, value)])

    def insert_members(self, doc: Document, obj: Node, pairs: list[tuple[str, Any]]) -> list[Edit]:
        target = obj.value
        if not isinstance(target, Target):
            raise ValueError("not a place the Terraform reader gave")
        entries = [e for key, value in pairs for e in translate(target.kind, key, value)]
        return self._insert_into_body(doc, target, entries)

    def append_item(self, doc: Document, array: Node, value: Any) -> list[Edit]:
        target = array.value
        if not isinstance(target, Target):
            return self._append_to_list(doc, array, value)
        if target.kind != "ip-rules":
            raise ValueError("not a place the Terraform reader gave")
        text, eol = doc.source.text, doc.source.eol
        block = NestedBlock("ip_rule", tuple(Attr(k, v) for k, v in _ip_rule(value).items()))
        inner = target.indent + INDENT
        if target.after >= 0:
            # right after the last ip_rule block, on a line of its own
            line_end = text.find("\n", target.after)
            at = len(text) if line_end < 0 else line_end + 1
            return [Edit(at, at, eol + "".join(render_block(block, inner, eol)))]
        return self._insert_into_body(doc, Target("nrs-block", target.open, target.close, target.indent, target.path),
                                      [block])

    def _append_to_list(self, doc: Document, array: Node, value: Any) -> list[Edit]:
        """Edits that add ``value`` to a list literal (`["Basic", "Standard"]`), on its line or,
        for a list written one item a line, on a line of its own."""
        text, eol = doc.source.text, doc.source.eol
        items = array.items or []
        rendered = hcl_value(value, "", eol)
        if not items:
            return [Edit(array.start + 1, array.start + 1, rendered)]
        last = items[-1]
        if "\n" not in text[array.start:array.end]:
            return [Edit(last.end, last.end, f", {rendered}")]
        edits = []
        after = text[last.end:array.end - 1]
        if not after.lstrip().startswith(","):
            edits.append(Edit(last.end, last.end, ","))
        line_start = _line_start(text, array.end - 1)
        edits.append(Edit(line_start, line_start, f"{_indent(text, last.start)}{rendered},{eol}"))
        return edits

    def _insert_into_body(self, doc: Document, target: Target, entries: list) -> list[Edit]:
        """Edits that add ``entries`` at the end of the body, before its `}`."""
        text, eol = doc.source.text, doc.source.eol
        inner = target.indent + INDENT
        lines = render_entries(entries, inner, eol)
        line_start = _line_start(text, target.close)
        if text[line_start:target.close].strip():
            # a one-line block (`{ sku = "Premium" }`): its content goes on a line of its own
            # (terraform fmt would align it with the new lines otherwise), then the new lines;
            # two edits around the content, so an edit of a value inside it still applies
            content = text[target.open:target.close]
            first = target.open + (len(content) - len(content.lstrip()))
            last = target.open + len(content.rstrip())
            if first >= last:
                return [Edit(target.open, target.close, eol + "".join(lines) + target.indent)]
            return [Edit(target.open, first, eol + inner),
                    Edit(last, target.close, eol + eol + "".join(lines) + target.indent)]
        before = text[target.open:line_start]
        blank = ""
        if before.strip() and not before.endswith(("\n\n", "\n\r\n")):
            blank = eol  # a group of its own: the lines above keep their alignment
        return [Edit(line_start, line_start, blank + "".join(lines))]

DIALECT = TerraformDialect()
