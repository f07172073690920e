"""Ray Tune executor: real local Ray (started here), tiny models, no mocks.

Ray's workers import TensorFlow once each, so these tests take tens of seconds: all are marked slow.
"""

import json
import os

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray Tune is not installed (pip install 'autonas[ray]')")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray of 2 CPUs and 2 fake GPUs, started by the tests themselves."""
    if ray.is_initialized():
        ray.shutdown()
    # Ray runs its workers at niceness +15 by default; on a busy 2-core machine they would barely run
    os.environ.setdefault("RAY_worker_niceness", "0")
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield
    ray.shutdown()


def _digits(n=360):
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.data))
    x, y = d.data[order].astype("float32"), d.target[order]
    return x[:n], y[:n], x[n:n + 300], y[n:n + 300]


def _records(project):
    out = {}
    for name in sorted(os.listdir(project)):
        path = os.path.join(project, name, "autonas_trial.json")
        if name.startswith("trial_") and os.path.exists(path):
            with open(path) as f:
                out[name] = json.load(f)
    return out


def test_two_concurrent_trials_on_ray_give_every_trial_once_and_a_model(tmp_path, local_ray):
    import autonas

    x, y, x_test, y_test = _digits()
    clf = autonas.StructuredDataClassifier(
        max_trials=3, seed=0, directory=tmp_path, project_name="p", executor="ray", max_concurrent_trials=2,
        resources_per_trial={"cpu": 1, "gpu": 1})
    clf.fit(x, y, epochs=2, verbose=0)
    board = clf.leaderboard()
    assert sorted(board["trial_id"]) == ["0", "1", "2"]
    assert (board["status"] == "COMPLETED").all()
    records = _records(tmp_path / "p")
    assert sorted(records) == ["trial_0", "trial_1", "trial_2"]
    for record in records.values():  # the runner's record, copied from Ray's storage
        assert record["epochs_trained"] == 2 and record["seed"] is not None
    # two trials ran at the same time, on different fake GPUs
    spans = sorted((r["start_time"], r["end_time"]) for r in records.values())
    assert any(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1))
    devices = [r.get("devices") for r in records.values()]
    assert set(devices) == {"0", "1"}, devices
    assert (tmp_path / "p" / "trial_0" / "checkpoint.weights.npz").exists()
    # the refit ran as a Ray task, and the model beats the majority class on held-out rows
    assert clf.refit_info_.get("devices") in ("0", "1")
    accuracy = float(np.mean(clf.predict(x_test).ravel() == y_test))
    majority = float(np.max(np.bincount(y_test)) / len(y_test))
    assert accuracy > majority + 0.3, (accuracy, majority)
