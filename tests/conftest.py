"""Shared fixtures: small real data and the shared data folder."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

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
