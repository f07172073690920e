"""No import circles between the modules of autonas.

Reads every module's syntax tree (imports inside functions count too: a lazy import
that closes a circle is still a circle) and fails on any strongly connected set of
two or more modules. An import of a package's name (``from autonas.blocks import
DenseBlock``) is an edge to the package's ``__init__``; the implicit import of a
module's parent packages is not counted (it cannot be avoided and is not a design
choice).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "autonas"


def _module_name(path, root):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph(root=ROOT):
    """``{module: set of autonas modules it imports}`` for every module under `root`."""
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    packages = {_module_name(p, root) for p in root.rglob("__init__.py")}
    graph = {}
    for name, path in files.items():
        edges = set()
        package = name if name in packages else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in files else base)
            for target in targets:
                while target and target not in files:  # `import autonas.x.y` of a name inside a module
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph):
    """The strongly connected sets of two or more modules (Tarjan's algorithm), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _path_within(graph, component):
    """One circle through the component, as ``a -> b -> ... -> a``, for the message."""
    members = set(component)
    start = component[0]
    path, seen, node = [start], {start}, start
    while True:
        following = sorted(w for w in graph[node] if w in members)
        nxt = next((w for w in following if w == start and len(path) > 1), None) or \
            next((w for w in following if w not in seen), following[0])
        path.append(nxt)
        if nxt in seen:
            return " -> ".join(path[path.index(nxt):])
        seen.add(nxt)
        node = nxt


def test_autonas_has_no_import_cycles():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "Import circles:\n" + "\n".join(_path_within(graph, c) for c in found)


def test_the_walk_finds_a_circle_made_by_a_lazy_import(tmp_path):
    package = tmp_path / "autonas"
    (package / "blocks").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "blocks" / "__init__.py").write_text("")
    (package / "blocks" / "dense.py").write_text(
        "def build():\n    from autonas.blocks.table import encode\n    return encode\n")
    (package / "blocks" / "table.py").write_text("from autonas.blocks.dense import build\n\ndef encode():\n    pass\n")
    (package / "blocks" / "other.py").write_text("from . import dense\n")
    graph = import_graph(package)
    assert graph["autonas.blocks.other"] == {"autonas.blocks.dense"}
    assert cycles(graph) == [["autonas.blocks.dense", "autonas.blocks.table"]]


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
])
def test_cycles_of_small_graphs(graph, expected):
    assert cycles(graph) == expected
