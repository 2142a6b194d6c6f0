"""The core stays light: no Streamlit outside cnnviz/ui/, TensorFlow only inside functions."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cnnviz"
HEAVY = ("streamlit", "tensorflow", "keras")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = sorted(PACKAGE.rglob("*.py"))
# Every module outside cnnviz.ui, found by walking the tree: a rename cannot shrink the check.
LIGHT_MODULES = [
    module_name(p) for p in SOURCES if (PACKAGE / "ui") not in p.parents and p != PACKAGE / "ui"
]


def test_the_walk_sees_every_layer():
    for name in ("cnnviz", "cnnviz.i18n", "cnnviz.core.conv", "cnnviz.core.shapes"):
        assert name in LIGHT_MODULES
    for layer in LAYERS:
        assert any(m.startswith(f"cnnviz.{layer}.") for m in LIGHT_MODULES), layer


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_module_outside_ui_imports_no_streamlit_or_tensorflow(module):
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


# What each layer may never import, at any level (a lazy import counts too): imports flow
# downward only. TensorFlow and Keras are checked above for every layer, at module level.
LAYERS = {
    "core": ("streamlit", "plotly", "cnnviz.content", "cnnviz.io", "cnnviz.figures", "cnnviz.ui"),
    "content": ("streamlit", "plotly", "cnnviz.figures", "cnnviz.nets", "cnnviz.ui"),
    "io": ("streamlit", "cnnviz.figures", "cnnviz.nets", "cnnviz.ui"),
    "figures": ("streamlit", "cnnviz.nets", "cnnviz.ui"),
    "nets": ("streamlit", "plotly", "cnnviz.figures", "cnnviz.ui"),
}


def imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        return [base] + [f"{base}.{alias.name}" for alias in node.names]
    return [alias.name for alias in node.names]


def _layer(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


LAYERED = [p for p in SOURCES if _layer(p) in LAYERS]


@pytest.mark.parametrize("path", LAYERED, ids=[str(p.relative_to(ROOT)) for p in LAYERED])
def test_imports_flow_downward(path):
    forbidden = LAYERS[_layer(path)]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = [
        f"line {node.lineno}: {name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in imported_modules(node)
        if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
    ]
    assert problems == []
