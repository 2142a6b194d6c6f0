"""The core stays light: no Streamlit outside cnnviz/ui/, TensorFlow only inside functions."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cnnviz"
CORE = ["cnnviz", "cnnviz.conv", "cnnviz.shapes", "cnnviz.i18n"]
OPTIONAL = [
    "cnnviz.trace",
    "cnnviz.pooling",
    "cnnviz.kernels",
    "cnnviz.images",
    # TensorFlow only inside their functions: importing them stays light.
    "cnnviz.datasets",
    "cnnviz.model",
]
HEAVY = ("streamlit", "tensorflow", "keras")


def present(module: str) -> bool:
    # find_spec imports the parent package (cnnviz), never the module itself.
    return importlib.util.find_spec(module) is not None


LIGHT_MODULES = CORE + [m for m in OPTIONAL if present(m)]


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_core_module_imports_no_streamlit_or_tensorflow(module):
    # A fresh interpreter: this test process has long imported TensorFlow.
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(json.dumps(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_all_core_modules_together_import_nothing_heavy():
    code = (
        "import importlib, json, sys\n"
        f"for name in {LIGHT_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def imported_roots(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [] if node.level else [(node.module or "").split(".")[0]]
    return [alias.name.split(".")[0] for alias in node.names]


def module_level_imports(tree: ast.Module):
    """Yield the imports that run when the module is imported (not inside a function)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue  # runs only when called
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # the body never runs
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def test_module_level_imports_finder():
    tree = ast.parse(
        "import numpy\n"
        "if TYPE_CHECKING:\n    import keras\n"
        "class A:\n    import tensorflow as tf\n"
        "def f():\n    import tensorflow\n"
        "try:\n    from keras import layers\nexcept ImportError:\n    pass\n"
    )
    found = [root for node in module_level_imports(tree) for root in imported_roots(node)]
    assert sorted(found) == ["keras", "numpy", "tensorflow"]


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_streamlit_only_in_ui_and_tensorflow_only_lazily(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    in_ui = (PACKAGE / "ui") in path.parents
    problems = []
    for node in ast.walk(tree):
        is_import = isinstance(node, ast.Import | ast.ImportFrom)
        if is_import and not in_ui and "streamlit" in imported_roots(node):
            problems.append(f"line {node.lineno}: streamlit outside cnnviz/ui/")
    for node in module_level_imports(tree):
        for root in imported_roots(node):
            if root in ("tensorflow", "keras"):
                problems.append(f"line {node.lineno}: module-level import of {root}")
    assert problems == []


def test_the_ast_walk_sees_the_package():
    assert PACKAGE / "conv.py" in SOURCES and PACKAGE / "shapes.py" in SOURCES
