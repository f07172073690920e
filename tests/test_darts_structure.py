"""DARTS stays in parts: modules of at most 400 lines, no import circle through it, no private reach."""

import os
import re

import pytest
from test_import_cycles import cycles, import_graph

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


def _darts(name):
    return name.startswith("autonas.darts") or name == "autonas.search.darts_oracle"


def test_darts_modules_have_at_most_400_lines():
    sizes = {name: sum(1 for _ in open(path, encoding="utf-8")) for name, path in _modules().items()
             if name.startswith("autonas.darts")}
    assert len(sizes) >= 15
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_import_circle_goes_through_darts():
    graph = import_graph()  # the walker of tests/test_import_cycles.py, which tests it on small graphs
    assert "autonas.darts.bilevel" in graph["autonas.darts.search"]  # the walker sees the imports
    assert [c for c in cycles(graph) if any(_darts(m) for m in c)] == []


@pytest.mark.parametrize("pattern", [r"keras_tuner\.src", r"\._[a-z]", r"keras\.src", r"tensorflow\.python"])
def test_no_private_name_is_reached_from_darts(pattern):
    hits = []
    for name, path in _modules().items():
        if _darts(name) and name != "autonas.search.darts_oracle":  # the oracle moves to the strategy adapter
            with open(path, encoding="utf-8") as f:
                hits += [f"{name}:{i}: {line.strip()}" for i, line in enumerate(f, 1) if re.search(pattern, line)]
    assert hits == []
