"""Ray Tune executor: real local Ray (started here), tiny models, no mocks.

Ray's workers import TensorFlow once each, so these tests take tens of seconds: all are marked slow.
"""

import contextlib
import json
import os
import signal
import sys
import time

import keras

import numpy as np
import pytest

import trial_records
import warm_processes

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


class KillOnce(keras.callbacks.Callback):
    """SIGKILLs its own process at the end of trial `trial_id`'s first epoch, once (a marker file remembers)."""

    def __init__(self, marker, trial_id):
        super().__init__()
        self.marker, self.trial_id = str(marker), trial_id

    def on_epoch_end(self, epoch, logs=None):
        from ray import tune

        if os.path.exists(self.marker) or f"trial_{self.trial_id}" not in os.listdir(tune.get_context().get_trial_dir()):
            return
        with open(self.marker, "w") as f:
            json.dump({"pid": os.getpid()}, f)
        os.kill(os.getpid(), signal.SIGKILL)


class WaitForAPeer(keras.callbacks.Callback):
    """At the start of training, waits (up to `timeout` s) until another run has started training too.

    Two trials then run at the same time however fast they train: the second trial's Ray actor imports TensorFlow
    for seconds, long enough for a small first trial to end before it starts.
    """

    def __init__(self, folder, timeout=120.0):
        super().__init__()
        self.folder, self.timeout = str(folder), timeout

    def on_train_begin(self, logs=None):
        os.makedirs(self.folder, exist_ok=True)
        with open(os.path.join(self.folder, f"{os.getpid()}-{time.time()}"), "w"):
            pass
        end = time.time() + self.timeout
        while len(os.listdir(self.folder)) < 2 and time.time() < end:
            time.sleep(0.1)


class HeapAtTraining(keras.callbacks.Callback):
    """Writes, when each training begins, how many objects its process keeps out of the garbage collector."""

    def __init__(self, folder):
        super().__init__()
        self.folder = str(folder)

    def on_train_begin(self, logs=None):
        import gc

        os.makedirs(self.folder, exist_ok=True)
        with open(os.path.join(self.folder, f"{os.getpid()}-{time.time()}.json"), "w") as f:
            json.dump({"pid": os.getpid(), "frozen": gc.get_freeze_count()}, f)


def test_concurrent_trials_on_ray_pinned_to_their_gpus_a_killed_trial_retried_once(tmp_path, local_ray):
    import autonas

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test file
    x, y, x_test, y_test = _digits()
    marker = tmp_path / "killed.json"
    clf = autonas.StructuredDataClassifier(
        max_trials=3, seed=0, directory=tmp_path, project_name="p", executor="ray", max_concurrent_trials=2,
        resources_per_trial={"cpu": 1, "gpu": 1}, max_failures=1)
    clf.fit(x, y, epochs=2, verbose=0, callbacks=[KillOnce(marker, "2"), WaitForAPeer(tmp_path / "started"),
                                                  HeapAtTraining(tmp_path / "heap")])
    # every trial once, completed, whatever died on the way
    board = clf.leaderboard()
    assert sorted(board["trial_id"]) == ["0", "1", "2"]
    assert (board["status"] == "COMPLETED").all()
    records = trial_records.records(tmp_path / "p")
    assert sorted(records) == ["trial_0", "trial_1", "trial_2"]
    for record in records.values():  # the runner's record, copied from Ray's storage
        assert record["epochs_trained"] == 2 and record["seed"] is not None
    # trial 2's process was SIGKILLed after its first epoch; Ray ran it again in another process
    assert json.loads(marker.read_text())["pid"] != records["trial_2"]["pid"]
    assert len(clf.tuner_.oracle.trials) == 3
    # trials that ran at the same time had different (fake) GPUs
    spans = sorted((r["start_time"], r["end_time"], r["devices"]) for r in records.values())
    overlapping = [(a, b) for i, a in enumerate(spans) for b in spans[i + 1:] if b[0] < a[1]]
    assert overlapping, spans
    assert all(a[2] != b[2] for a, b in overlapping), spans
    assert {r["devices"] for r in records.values()} <= {"0", "1"}
    assert (tmp_path / "p" / "trial_0" / "checkpoint.weights.npz").exists()
    # every trial trained with its worker's long-lived heap frozen, as a local search's trials do (the builds'
    # full collections skip TensorFlow's and Keras's objects)
    heaps = [json.loads(p.read_text()) for p in (tmp_path / "heap").iterdir()]
    trial_pids = {r["pid"] for r in records.values()}
    assert trial_pids <= {h["pid"] for h in heaps}, (trial_pids, heaps)
    assert all(h["frozen"] > 10_000 for h in heaps if h["pid"] in trial_pids), heaps
    # the refit ran as a Ray task, and the model beats the majority class on held-out rows
    assert clf.refit_info_.get("devices") in ("0", "1")
    accuracy = float(np.mean(clf.predict(x_test).ravel() == y_test))
    majority = float(np.max(np.bincount(y_test)) / len(y_test))
    assert accuracy > majority + 0.3, (accuracy, majority)


DRIVER = r"""
import sys
import numpy as np
from sklearn.datasets import load_digits
import autonas

d = load_digits()
order = np.random.default_rng(0).permutation(len(d.data))
x, y = d.data[order][:360].astype("float32"), d.target[order][:360]
clf = autonas.StructuredDataClassifier(max_trials=3, seed=0, directory=sys.argv[1], project_name="p",
                                       executor="ray", max_concurrent_trials=1, ensemble_size=1)
clf.fit(x, y, epochs=1, verbose=0)
print("SEARCH DONE", len(clf.leaderboard()))
"""


def _completed(project):
    done = []
    for name in sorted(os.listdir(project)) if os.path.isdir(project) else []:
        path = os.path.join(project, name, "trial.json")
        if name.startswith("trial_") and os.path.exists(path):
            try:
                with open(path) as f:
                    if json.load(f)["status"] == "COMPLETED":
                        done.append(name)
            except (OSError, ValueError):
                pass
    return done


@pytest.mark.timeout(1800)  # two drivers: minutes on a loaded 2-core machine
def test_a_driver_killed_mid_search_resumes_without_running_a_completed_trial_again(tmp_path, local_ray):
    script = tmp_path / "search.py"
    script.write_text(DRIVER)
    project = tmp_path / "runs" / "p"
    # both drivers join the tests' Ray (RAY_ADDRESS) rather than start one each; Ray ends the
    # processes of a driver that dies, as a local Ray ends with its driver
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RAY_worker_niceness": "0",
           "RAY_ADDRESS": ray.get_runtime_context().gcs_address}
    # the drivers are forked from a process that imported autonas once (tests/warm_processes.py): real processes
    # (their own pid, killed by a real SIGKILL), without a TensorFlow import each
    proc = warm_processes.start(script, tmp_path / "runs", env=env, new_session=True)
    try:
        deadline = time.time() + 600
        while not _completed(project) and proc.poll() is None and time.time() < deadline:
            time.sleep(1.0)
        assert proc.poll() is None, "".join(proc.output())[-3000:]
        os.kill(proc.pid, signal.SIGKILL)  # the driver only: Ray ends its trials' processes
        assert proc.wait() == -signal.SIGKILL
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    before = trial_records.records(project)
    assert before, "no trial completed before the kill"
    done = warm_processes.run(script, tmp_path / "runs", env=env, timeout=900)
    assert "SEARCH DONE 3" in done.stdout, done.stdout[-2000:] + done.stderr[-3000:]
    after = trial_records.records(project)
    assert sorted(after) == ["trial_0", "trial_1", "trial_2"]
    for name in _completed_names(before):  # no completed trial ran again: same run, same process, same Ray trial
        for key in ("start_time", "end_time", "pid", "ray_trial_id"):
            assert after[name][key] == before[name][key], (name, key, before[name], after[name])
    first_pids = {r["pid"] for r in before.values()}
    for name in set(after) - set(_completed_names(before)):  # the others ran in the second driver's processes
        assert after[name]["end_time"] and after[name]["pid"] not in first_pids, (name, before, after)
    assert sorted(os.listdir(project / "ray")) == ["run_0", "run_1"]  # two Ray experiments: before and after the kill
    rerun = os.listdir(project / "ray" / "run_1")
    for name in _completed_names(before):  # the second Ray experiment has no trial folder of a completed trial
        assert not any(entry.startswith(name + "_") for entry in rerun), rerun


def _completed_names(records):
    return [name for name, record in records.items() if record.get("end_time")]
