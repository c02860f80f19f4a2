"""The shape of the package: imports between modules go one way (imports inside functions
count; only ``if TYPE_CHECKING:`` blocks, never run, do not), only the readers import
tree-sitter, and no module of the readers is over 600 lines. No module of ``fixer/``
is part of an import cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fixer"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth."""
    found = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the modules of the package it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names} & modules.keys()
            targets.update(submodules)   # `from . import values` needs values (each submodule needs its
            if len(submodules) < len(node.names):   # package anyway), `from .x import y` needs x
                targets.add(target)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_graph_sees_imports_inside_functions_and_relative_ones() -> None:
    graph = import_graph(_modules())
    assert "fixer.formats.bicep.registries" in graph["fixer.formats.bicep"]
    assert "fixer.formats.arm.syntax" in graph["fixer.formats.arm.reader"]
    assert "fixer.formats.arm" in graph["fixer.formats"]  # inside a function
    assert "fixer.formats.values" in graph["fixer.formats.bicep.symbols"]  # `from .. import values`
    assert "fixer.formats" not in graph["fixer.formats.bicep.symbols"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_the_package() -> None:
    assert cycles(import_graph(_modules())) == []


def test_the_pipeline_and_the_reports_do_not_import_each_other() -> None:
    graph = import_graph(_modules())
    assert "fixer.run" not in graph["fixer.parallel"]  # run.py hands parallel.py its stages (Pipeline)
    for report in ("fixer.report", "fixer.sarif", "fixer.markdown", "fixer.bot.body"):
        assert "fixer.results" in graph[report] and "fixer.run" not in graph[report], report


def test_only_the_readers_import_tree_sitter() -> None:
    importers = set()
    for name, path in _modules().items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(n.split(".")[0] in ("tree_sitter", "tree_sitter_bicep", "tree_sitter_hcl") for n in names):
                importers.add(name)
    assert importers and all(name.startswith("fixer.formats.bicep.") or name == "fixer.formats.terraform.syntax"
                             for name in importers), importers


def test_no_reader_module_is_over_600_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()
             if name.startswith("fixer.formats")}
    assert {name: lines for name, lines in sizes.items() if lines > 600} == {}


def test_only_the_formats_import_a_reader() -> None:
    graph = import_graph(_modules())
    readers = ("fixer.formats.arm", "fixer.formats.bicep", "fixer.formats.terraform")
    outside = {name: sorted(t for t in targets if t.startswith(readers))
               for name, targets in graph.items() if not name.startswith("fixer.formats")}
    assert {name: targets for name, targets in outside.items() if targets} == {}


def test_the_readers_do_not_import_each_other() -> None:
    graph = import_graph(_modules())
    names = ("fixer.formats.arm", "fixer.formats.bicep", "fixer.formats.terraform")
    for one, other in ((a, b) for a in names for b in names if a != b):
        assert not any(t.startswith(other) for name, targets in graph.items() if name.startswith(one) for t in targets)


def test_reader_for_picks_by_suffix_and_reader_of_by_kind(tmp_path: Path) -> None:
    from fixer.formats import reader_for, reader_of
    from fixer.source import read_source

    assert reader_for("infra/main.bicep").name == reader_for("prod.BICEPPARAM").name == "bicep"
    assert reader_for("azuredeploy.json").name == reader_for("a.jsonc").name == "arm"
    assert reader_for("infra/main.tf").name == reader_for("env/prod.tfvars").name == "terraform"
    assert reader_for("README.md") is None and reader_for("bicep") is None
    (tmp_path / "prod.bicepparam").write_text("using 'main.bicep'\nparam sku = 'Basic'\n")
    (tmp_path / "acr.parameters.json").write_text('{"parameters": {"sku": {"value": "Basic"}}}\n')
    for name, kind in (("prod.bicepparam", "bicep"), ("acr.parameters.json", "arm")):
        source = read_source(tmp_path / name)
        doc = reader_for(source.path).parse(source)
        assert reader_of(doc).name == kind and reader_of(doc).is_parameters(doc)


def test_the_facts_known_before_a_reader_is_imported_are_its_own() -> None:
    from fixer.formats import _READERS
    from fixer.formats.arm import READER as arm
    from fixer.formats.bicep import READER as bicep
    from fixer.formats.terraform import READER as terraform

    for real in (arm, bicep, terraform):
        lazy = _READERS[real.name]
        assert (lazy.suffixes, lazy.calls_remote_modules, lazy.parameter_files_by_content, lazy.filters_itself,
                lazy.parameter_suffixes) == \
            (real.suffixes, real.calls_remote_modules, real.parameter_files_by_content, real.filters_itself,
             real.parameter_suffixes)
        assert lazy.dialect is real.dialect


def test_the_pre_filter_does_not_import_tree_sitter(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "main.bicep").write_text("param location string = 'westeurope'\n")
    (tmp_path / "main.tf").write_text('variable "location" {\n  default = "westeurope"\n}\n')
    (tmp_path / "app.json").write_text('{"resources": []}\n')
    probe = ("import sys; from fixer.cli import main\n"
             "try:\n    main(['--dry-run', '.'])\nexcept SystemExit:\n    pass\n"
             "print('tree_sitter' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout + done.stderr
