"""Bicep templates (``.bicep``) and parameter files (``.bicepparam``), read with tree-sitter-bicep.

Only this package imports tree_sitter or knows the grammar's node names. It turns the syntax
tree into the generic ``Node``s of ``model.py`` (character offsets into ``SourceFile.text``),
finds every ``Microsoft.ContainerRegistry/registries`` resource, and follows the values the
rule depends on through ``param`` defaults and ``@allowed`` lists, ``.bicepparam`` files,
``var``s, module callers and ternaries.

The modules form a one-way chain (each imports only those before it):
``grammar`` (tree-sitter, masks for grammar gaps) -> ``nodes`` (offsets, syntax side table,
node builder) -> ``dialect`` (edits) -> ``syntax`` (parse) -> ``symbols`` (symbols and values)
-> ``deployments`` (parameter files, module callers) -> ``pullers`` -> ``resources`` /
``modules`` (registries declared or deployed by a module) -> ``registries`` (the entry).

``Document.data`` of a ``.bicep`` file::

    {"targetScope": ..., "metadata": {name: value},
     "param": {name: {"type": "string", "default": value, "allowed": [...]}},
     "var": {name: value}, "output": {name: value},
     "resource": {symbolic: body}, "resource_type": {symbolic: "Type@apiVersion"},
     "module": {symbolic: body}}

(nested child resources as ``"parent::child"``, Bicep's own spelling), and of a
``.bicepparam`` file ``{"using": "./main.bicep", "param": {name: value}, "var": {...}}``.
Expressions are kept as their source text. Every Node's ``path`` is its path in that data.
"""

from __future__ import annotations

from .deployments import prepare_workspace
from .dialect import DIALECT, BicepDialect
from .nodes import release
from .reader import READER, BicepReader
from .registries import find_registries
from .syntax import grammar_gaps, parse

__all__ = ["DIALECT", "READER", "BicepReader", "BicepDialect", "find_registries", "grammar_gaps", "parse", "prepare_workspace", "release"]
