"""Shared fixtures: small real data and the shared data folder."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One thread per operation. The suite runs one pytest-xdist worker per core, each training tiny models:
# TensorFlow's default of one intra-op thread per core would put twice as many busy threads as cores
# on the machine, and an op split over two threads waits for the slower one. Subprocesses, notebook
# kernels and Ray workers started by the tests inherit it.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(*parts):
    """Path inside ../shared/data, skipping the test with a reason when absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path} is absent")
    return path


@pytest.fixture(scope="session", autouse=True)
def _freeze_imported_objects():
    """Exclude what exists after collection (TensorFlow, Keras, autonas: ~400k objects) from garbage
    collection.

    Every model build runs two full `gc.collect()` (KerasTuner's `_try_build` and
    `keras.backend.clear_session`); with TensorFlow imported each takes about 0.2 s of CPU, a fifth
    of a tiny trial. The imported modules live until the end of the session anyway, so freezing
    them changes what the tests run only by skipping those scans.
    """
    import gc

    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(scope="module", autouse=True)
def _freeze_what_earlier_modules_left():
    """Freeze again at each test module: what earlier modules left alive (Keras's and TensorFlow's caches,
    session fixtures) would otherwise be scanned by every full collection of every later build."""
    import gc

    gc.collect()
    gc.freeze()
    yield


@pytest.fixture(scope="session")
def digits():
    """scikit-learn digits, shuffled with seed 0: (x_train, y_train, x_test, y_test)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.images))
    x, y = d.images[order], d.target[order]
    return x[:1400], y[:1400], x[1400:], y[1400:]


@pytest.fixture(scope="session")
def small_digits(digits):
    """A 400-image slice of digits, for fast searches."""
    x_train, y_train, x_test, y_test = digits
    return x_train[:400], y_train[:400], x_test[:100], y_test[:100]


# -- how pytest-xdist shares the tests out (``make test``: ``-n auto``) ------------------------------------------
#
# xdist's default (``--dist load``) hands tests out in chunks in collection order: a module's tests land on both
# workers, so a module-scoped fixture that fits and exports models runs once per worker, and the longest tests
# (kill-and-resume, notebooks) can start last and run alone at the end. Under that default this conftest changes
# how tests are handed out, never what a test runs:
# - the tests of `SHARED_FIXTURES` run in one worker, so their module-scoped fixture is built once (xdist's own
#   ``--dist loadgroup`` marks do not take effect with pytest 9, whose node ids they cannot rewrite);
# - `slow` tests are collected first, from the modules with most of them, and handed out one test at a time, so
#   the last minutes are spent on short tests with both workers busy.
# Outside xdist (``-p no:xdist``, ``-n 0``) nothing changes.

#: node-id prefix -> group: tests sharing a module-scoped fixture that fits models (seconds to a minute)
SHARED_FIXTURES = {
    "tests/test_export.py::": "export",
    "tests/test_image_classifier.py::": "image_classifier",
    "tests/test_reporting.py::": "reporting",
    "tests/test_tasks.py::test_structured_classifier_predicts_labels": "tasks-table",
    "tests/test_tasks.py::test_structured_classifier_leaderboard": "tasks-table",
    "tests/test_faults.py::test_a_damaged_state_file": "faults-searched",
    "tests/test_bad_inputs.py::test_bad_input_after_fit": "bad-inputs-fitted",
    "tests/test_memory.py::": "memory",  # a 30-trial search in a subprocess (95-112 s)
}


def _group(nodeid):
    """The scheduling unit of a test: its `SHARED_FIXTURES` group, or the test itself."""
    return next((group for prefix, group in SHARED_FIXTURES.items() if nodeid.startswith(prefix)), nodeid)


def _grouped_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class GroupedScheduling(LoadScopeScheduling):
        """One test per unit (handed out as workers free up), but a fixture's group is one unit."""

        def _split_scope(self, nodeid):
            return _group(nodeid)

    return GroupedScheduling(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    if node.config.getvalue("dist") == "load":
        node.workerinput["autonas_heaviest_first"] = True


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    return _grouped_scheduler(config, log) if config.getvalue("dist") == "load" else None


def pytest_collection_modifyitems(config, items):
    if not getattr(config, "workerinput", {}).get("autonas_heaviest_first"):
        return

    def module(item):
        return item.nodeid.split("::", 1)[0]

    weight = {}
    for item in items:
        weight[module(item)] = weight.get(module(item), 0) + bool(item.get_closest_marker("slow"))
    # every `slow` test before the fast ones (a module with one long test, as the two-node Ray test, must not start
    # near the end), heaviest modules first; stable: within that, each module keeps its order
    items.sort(key=lambda item: (not item.get_closest_marker("slow"), -weight[module(item)]))
