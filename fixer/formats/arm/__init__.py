"""ARM JSON / JSONC templates and their parameter files.

Finds every ``Microsoft.ContainerRegistry/registries`` resource (resources as an array or,
with ``languageVersion`` 2.0, an object keyed by symbolic name; child ``resources``;
nested ``Microsoft.Resources/deployments`` with inner or outer evaluation scope) and
resolves the values the rule depends on through ``parameters()``, ``variables()``,
parameter defaults and the parameter file next to the template.

The modules form a one-way chain (each imports only those before it): ``dialect`` (edits)
-> ``syntax`` (parse) -> ``template`` (scopes, resources) -> ``known`` and ``symbols``
(values) -> ``deployments`` (parameter files, linked-template callers) -> ``pullers`` ->
``registries`` (the entry).
"""

from __future__ import annotations

from ..param_files import param_files_for, values_in_parameter_files
from .deployments import prepare_workspace
from .dialect import DIALECT, JsonDialect
from .reader import READER, ArmReader
from .registries import find_registries
from .syntax import classify, parse

__all__ = ["DIALECT", "READER", "ArmReader", "JsonDialect", "classify", "find_registries", "param_files_for", "parse", "prepare_workspace",
           "values_in_parameter_files"]
