"""Private names of KerasTuner, Keras and TensorFlow are used only in their quarantine modules.

Walks every module of `autonas` (its syntax tree, and its classes' MRO) and fails on a use,
outside `autonas/_compat/`, of:

- a private module of those libraries (``keras_tuner.src``, ``keras.src``, ``tensorflow.python``);
- a private attribute (``_name``) that one of their classes defines, read or written on an
  object (``oracle._retry_queue``, ``getattr(layer, "_lookup_layer")``), or defined again by
  an autonas class that inherits it (an override of a private hook).

Private names autonas defines for itself on its own classes are not flagged.
"""

import ast
import functools
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import autonas

PACKAGE = Path(autonas.__file__).parent
QUARANTINE = ("_compat/",)
PRIVATE_MODULES = ("keras_tuner.src", "keras.src", "tensorflow.python", "tensorflow.core", "tf_keras.src")
LIBRARIES = ("keras_tuner", "keras", "tensorflow", "tf_keras")
#: modules whose private reach is still waiting for its quarantine (none: the strategies are pure Python
#: and `autonas/search/adapter.py` reaches KerasTuner's `Oracle` through `autonas._compat.keras_tuner`)
PENDING = set()
_ASSIGNED = re.compile(r"\bself\.(_[a-zA-Z][a-zA-Z0-9_]*)\s*(?::[^=\n]*)?=")


def _is_private(name):
    return name.startswith("_") and not name.startswith("__")


def _from_library(cls):
    return cls.__module__.split(".")[0] in LIBRARIES


@functools.lru_cache(maxsize=None)
def _assigned_in_file(path):
    try:
        return frozenset(_ASSIGNED.findall(Path(path).read_text(encoding="utf-8")))
    except (OSError, TypeError):
        return frozenset()


@functools.lru_cache(maxsize=None)
def _library_names(cls):
    """Private names a library class defines: its attributes and the `self._x = ...` its modules assign."""
    names = {n for n in dir(cls) if _is_private(n)}
    for klass in cls.__mro__:
        if _from_library(klass):
            try:
                names |= _assigned_in_file(inspect.getsourcefile(klass))
            except TypeError:  # a class defined in C
                pass
    return frozenset(names)


def _library_classes():
    """The library classes autonas works with: those it subclasses and the ones it holds objects of."""
    import keras
    import keras_tuner
    import tensorflow as tf

    classes = {keras_tuner.Oracle, keras_tuner.Tuner, keras_tuner.HyperModel, keras_tuner.HyperParameters,
               keras_tuner.engine.trial.Trial, keras.Model, keras.layers.Layer, keras.callbacks.Callback,
               keras.layers.TextVectorization, keras.layers.StringLookup, keras.layers.Normalization,
               keras.optimizers.Optimizer, tf.data.Dataset, tf.Variable}
    classes.update(getattr(keras_tuner.engine.hyperparameters, name) for name in
                   ("Boolean", "Choice", "Fixed", "Float", "Int"))
    return classes


def _autonas_modules():
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="autonas."):
        yield info.name


def _relative(module):
    path = Path(inspect.getfile(module)).resolve()
    return path.relative_to(PACKAGE.resolve()).as_posix()


def _classes_of(module):
    return {cls.__qualname__: cls for cls in vars(module).values()
            if inspect.isclass(cls) and cls.__module__ == module.__name__}


def scan_source(source, path, classes=None, library=None, own=frozenset(), tree=None):
    """Uses of library-private names in one module's source, as ``"path:line: what"`` strings.

    Args:
        source: the module's text.
        path: its name, for the messages.
        classes: ``{qualname: class}`` of the classes it defines (to resolve `self._x` through their MRO).
        library: private names of the library classes in use (default: computed).
        own: private names autonas defines on classes of its own, which are not flagged on objects.
        tree: the parsed `source`, when already at hand.
    """
    library = _library_private() if library is None else library
    classes = classes or {}
    found = []
    tree = ast.parse(source) if tree is None else tree

    def inherited(cls, name):
        return cls is not None and any(name in _library_names(k) for k in cls.__mro__[1:] if _from_library(k))

    def visit(node, cls):
        if isinstance(node, ast.ClassDef):
            cls = classes.get(node.name)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom) and node.level:
                names = []
            for name in names:
                if name.startswith(PRIVATE_MODULES):
                    found.append(f"{path}:{node.lineno}: imports {name}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_private(node.name) and inherited(cls, node.name):
            found.append(f"{path}:{node.lineno}: overrides {node.name} of a library class")
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if (on_self and inherited(cls, node.attr)) or (not on_self and node.attr in library and node.attr not in own):
                found.append(f"{path}:{node.lineno}: uses .{node.attr}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr", "setattr") and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
            name = node.args[1].value
            if _is_private(name) and name in library and name not in own:
                found.append(f"{path}:{node.lineno}: {node.func.id}(..., {name!r})")
        for child in ast.iter_child_nodes(node):
            visit(child, cls)

    visit(tree, None)
    return found


_cache = {}


def _library_private():
    if "library" not in _cache:
        names = set()
        for cls in _library_classes():
            names |= _library_names(cls)
        _cache["library"] = names
    return _cache["library"]


def _defined_by_classes(tree):
    """``{class name: private names its body defines or assigns on self}`` for the top-level classes of a tree."""
    defined = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        names = defined.setdefault(node.name, set())
        for sub in ast.walk(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_private(sub.name):
                names.add(sub.name)
            elif isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store) and _is_private(sub.attr):
                names.add(sub.attr)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) and _is_private(sub.id):
                names.add(sub.id)
    return defined


def _own_private(modules, trees):
    """Private names autonas classes define for themselves (not inherited from a library class)."""
    own = set()
    for module in modules:
        classes = _classes_of(module)
        for name, defined in _defined_by_classes(trees[module.__name__]).items():
            cls = classes.get(name)
            inherited = set()
            for klass in (cls.__mro__[1:] if cls is not None else ()):
                if _from_library(klass):
                    inherited |= _library_names(klass)
            own |= defined - inherited
    return own


def violations():
    """Every library-private use outside the quarantine modules (and the `PENDING` ones)."""
    modules = [importlib.import_module(name) for name in _autonas_modules()]
    sources = {m.__name__: Path(m.__file__).read_text(encoding="utf-8") for m in modules}
    trees = {name: ast.parse(text) for name, text in sources.items()}
    own = _own_private(modules, trees)
    found = []
    for module in modules:
        path = _relative(module)
        if path.startswith(QUARANTINE) or path in PENDING:
            continue
        found += scan_source(sources[module.__name__], path, _classes_of(module), own=own,
                             tree=trees[module.__name__])
    return found


def test_no_private_library_name_outside_the_quarantine_modules():
    found = violations()
    assert not found, "Private KerasTuner/Keras/TensorFlow names outside autonas/_compat/:\n" + "\n".join(found)


@pytest.mark.parametrize("snippet, what", [
    ("from keras_tuner.src.engine import tuner\n", "imports keras_tuner.src.engine"),
    ("import tensorflow.python.ops\n", "imports tensorflow.python.ops"),
    ("def f(oracle):\n    return oracle._retry_queue\n", "uses ._retry_queue"),
    ("def f(layer):\n    return layer._lookup_layer\n", "uses ._lookup_layer"),
    ("def f(hp):\n    return getattr(hp, '_get_n_values')()\n", "getattr(..., '_get_n_values')"),
])
def test_the_scan_finds_each_kind_of_private_use(snippet, what):
    found = scan_source(snippet, "example.py")
    assert len(found) == 1 and what in found[0], found


def test_the_scan_finds_an_override_of_a_private_hook_and_spares_own_names():
    import keras_tuner

    class Mine(keras_tuner.Tuner):
        def _try_build(self, hp):
            return self._try_build(hp)

        def own(self):
            self._mine = 1

    source = ("class Mine:\n    def _try_build(self, hp):\n        return self._try_build(hp)\n"
              "    def own(self):\n        self._mine = 1\n")
    found = scan_source(source, "example.py", {"Mine": Mine})
    assert [f.split(": ", 1)[1] for f in found] == ["overrides _try_build of a library class", "uses ._try_build"]


@pytest.mark.parametrize("name", ["keras_tuner", "keras", "tensorflow"])
def test_each_quarantine_module_lists_its_private_names_and_checks_them_at_import(name):
    module = importlib.import_module(f"autonas._compat.{name}")
    source = Path(module.__file__).read_text(encoding="utf-8")
    found = scan_source(source, name, _classes_of(module))
    assert found, f"autonas._compat.{name} uses no private name: it has nothing to quarantine"
    doc = module.__doc__
    for use in found:
        what = use.split(": ", 1)[1]
        if what.startswith(("getattr", "hasattr", "setattr")):
            named = what.split("'")[1]
        else:  # "imports a.b", "uses ._x", "overrides _x of a library class"
            named = what.split()[1].lstrip(".")
        assert named in doc, f"{use}: {named} is not listed in the docstring of autonas._compat.{name}"
    assert module.SUPPORTED in doc or module.SUPPORTED.split(" (")[0] in doc
    assert module.check() is True


def test_a_moved_private_name_is_a_clear_import_error_naming_the_supported_versions(monkeypatch):
    import keras_tuner

    from autonas._compat import keras_tuner as kt_compat

    monkeypatch.delattr(keras_tuner.Oracle, "_set_project_dir")
    with pytest.raises(ImportError, match=r"keras-tuner 1\.4\.8 .*has no Oracle\._set_project_dir.*pip install"):
        kt_compat.check()
