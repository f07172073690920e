"""DARTS stays in parts: modules of at most 400 lines, no import circle through it, no private reach."""

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "autonas")
MAX_LINES = 400


def _modules():
    """Module name -> file, for every module of the autonas package."""
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                found[".".join(parts)] = path
    return found


def import_graph(modules):
    """Module -> the autonas modules it imports, at the top or inside functions alike.

    ``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``;
    the parent packages a dotted import also runs are left out (every module would
    otherwise reach ``autonas/__init__``, which imports everything).
    """
    graph = {}
    for name, path in modules.items():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            else:
                continue
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def circles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _darts(name):
    return name.startswith("autonas.darts") or name == "autonas.search.darts_oracle"


def test_darts_modules_have_at_most_400_lines():
    sizes = {name: sum(1 for _ in open(path, encoding="utf-8")) for name, path in _modules().items()
             if name.startswith("autonas.darts")}
    assert len(sizes) >= 15
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_import_circle_goes_through_darts():
    graph = import_graph(_modules())
    assert "autonas.darts.bilevel" in graph["autonas.darts.search"]  # the walker sees the imports
    assert "autonas.darts.tuner" in graph["autonas.search.darts_oracle"]  # ... lazy ones too
    assert [c for c in circles(graph) if any(_darts(m) for m in c)] == []


def test_the_walker_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("pattern", [r"keras_tuner\.src", r"\._[a-z]", r"keras\.src", r"tensorflow\.python"])
def test_no_private_name_is_reached_from_darts(pattern):
    hits = []
    for name, path in _modules().items():
        if _darts(name) and name != "autonas.search.darts_oracle":  # the oracle moves to the strategy adapter
            with open(path, encoding="utf-8") as f:
                hits += [f"{name}:{i}: {line.strip()}" for i, line in enumerate(f, 1) if re.search(pattern, line)]
    assert hits == []
