"""The house rules, checked: docstring examples run, every module imports on its own, imports form no circle,
and dependencies point one way (`web` and `cli` use `core`; `core` imports neither, nor any web framework)."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import pytest

import coopgraph

PACKAGE_DIR = Path(coopgraph.__file__).resolve().parent
MODULES = sorted(
    info.name for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="coopgraph.") if not info.ispkg
) + sorted(
    ["coopgraph", *(info.name for info in pkgutil.walk_packages([str(PACKAGE_DIR)], "coopgraph.") if info.ispkg)]
)


def _path(module: str) -> Path:
    parts = module.split(".")[1:]
    folder = PACKAGE_DIR.joinpath(*parts)
    return folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")


def _imports(module: str) -> set[str]:
    """Every coopgraph module `module` imports, wherever the import statement is (functions and TYPE_CHECKING too)."""
    tree = ast.parse(_path(module).read_text(encoding="utf-8"))
    package = module if _path(module).name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in MODULES)
    found.discard(module)
    return found


def test_the_module_list_is_not_empty() -> None:
    assert len(MODULES) > 40 and "coopgraph.core.store" in MODULES and "coopgraph.web.app" in MODULES


def test_docstring_examples_run() -> None:
    """Every `>>>` example of every module runs and gives what it shows."""
    tried = 0
    failed: list[str] = []
    for name in MODULES:
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, verbose=False)
        tried += result.attempted
        if result.failed:
            failed.append(f"{name}: {result.failed} of {result.attempted}")
    assert not failed, failed
    assert tried >= 20, f"only {tried} docstring examples found: is the module list right?"


def test_no_import_circle() -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for module in MODULES:
        for imported in _imports(module):
            # a package's __init__ importing its own submodules is how a package presents its API, not a circle
            if not imported.startswith(module + "."):
                graph.add_edge(module, imported)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import circles: {cycles[:5]}"


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith("coopgraph.core")])
def test_core_imports_neither_web_nor_cli_nor_a_web_framework(module: str) -> None:
    imported = _imports(module)
    assert not {m for m in imported if m.startswith(("coopgraph.web", "coopgraph.cli"))}, module
    source = _path(module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    roots = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    roots |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not roots & {"flask", "werkzeug", "waitress", "click"}, (module, roots)


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith("coopgraph.web")])
def test_web_does_not_import_the_cli(module: str) -> None:
    assert not {m for m in _imports(module) if m.startswith("coopgraph.cli")}, module


@pytest.mark.slow
def test_every_module_imports_on_its_own() -> None:
    """Each module in a fresh interpreter: no module works only because another was imported first."""

    def load(module: str) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120, check=False
        )
        return module, done.stderr.strip().splitlines()[-1] if done.returncode else ""

    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = {module: error for module, error in pool.map(load, MODULES) if error}
    assert not failures, failures
