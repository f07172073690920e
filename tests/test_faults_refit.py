"""SIGKILL while the winner is refitted: the next `fit` on the same project completes without re-running a trial.

The search is over when the refit begins (every trial COMPLETED on disk); the refit announces itself on the
progress display ("Refit: ...") and writes ``refit.json`` only when it has trained. The test kills the process
between the two, then runs the same script again: every trial keeps the record (start time, pid) of the
process that first ran it, the refit runs in the new process, and the exported SavedModel is whole and serves
what the fitted model predicts. Nothing is exported by the killed process, not even part of a folder.
"""

import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

import trial_records
import warm_processes

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import os, sys, time
import keras
import numpy as np
import autonas

directory, export = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
x = rng.random((160, 16)).astype("float32")
y = (x[:, 0] + x[:, 1] > 1).astype(int)


class Slow(keras.callbacks.Callback):
    # every run (trial or refit) trains for a second or more, so that a kill after the refit's announcement
    # lands inside it
    def on_train_begin(self, logs=None):
        time.sleep(1.0)

    def on_epoch_end(self, epoch, logs=None):
        time.sleep(0.3)


inp = autonas.Input()
out = autonas.ClassificationHead(dropout=0.0)(autonas.DenseBlock(num_layers=1, dropout=0.0)(inp))
model = autonas.AutoModel(inp, out, max_trials=2, seed=0, directory=directory, project_name="p", tuner="random",
                          ensemble_size=1)
model.fit(x, y, epochs=3, callbacks=[Slow()], verbose=1)
path = model.export(export)
np.save(os.path.join(directory, "expected.npy"), model.export_model().predict(x[:20], verbose=0))
print("EXPORTED", path, flush=True)
"""


def _statuses(project):
    return {p.parent.name: json.loads(p.read_text())["status"] for p in sorted(project.glob("trial_*/trial.json"))}


def _text(proc):
    """Everything the child wrote so far to stdout and stderr (the progress display uses both)."""
    return "".join(proc.output())


@pytest.mark.slow
def test_a_kill_during_the_refit_is_resumed_without_rerunning_trials_and_exports_a_whole_model(tmp_path):
    script, directory = tmp_path / "search.py", tmp_path / "runs"
    export = directory / "serving" / "1"
    script.write_text(SCRIPT)
    project = directory / "p"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    # a new process (forked from one that imported autonas: the import is not what is tested)
    first = warm_processes.start(script, directory, export, env=env)
    deadline = time.monotonic() + 600
    while "Refit:" not in _text(first) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Refit:" in _text(first), "the refit never began:\n" + _text(first)[-3000:]
    time.sleep(0.5)  # inside the refit: its build, or the one-second pause at the start of its training
    first.send_signal(signal.SIGKILL)
    first.wait()
    text = _text(first)
    assert first.returncode == -signal.SIGKILL, text[-3000:]
    assert "EXPORTED" not in text
    # the kill landed in the refit: the search was over, the refit had not finished
    assert _statuses(project) == {"trial_0": "COMPLETED", "trial_1": "COMPLETED"}
    assert not (project / "refit.json").exists(), "the refit had already finished: the kill came too late"
    before = trial_records.records(project)
    assert all(r["pid"] == first.pid and r.get("end_time") for r in before.values()), before
    # nothing exported, not even part of a folder
    assert not export.exists()
    if export.parent.exists():
        assert not list(export.parent.iterdir()), "the killed process left part of an export"

    final = warm_processes.run(script, directory, export, env=env, timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    assert "EXPORTED" in final.stdout
    after = trial_records.records(project)
    assert after == before, "a trial that had completed before the kill ran again"
    assert _statuses(project) == {"trial_0": "COMPLETED", "trial_1": "COMPLETED"}
    refit = json.loads((project / "refit.json").read_text())
    assert refit["epochs_trained"] >= 1 and refit["trial_id"] in ("0", "1"), refit

    # the export is whole: it loads and serves what the fitted model predicted, and nothing is left beside it
    assert sorted(p.name for p in export.parent.iterdir()) == ["1"]
    import tensorflow as tf

    serve = tf.saved_model.load(str(export)).signatures["serving_default"]
    (name,) = serve.structured_input_signature[1]
    x = np.random.default_rng(0).random((160, 16)).astype("float32")
    served = serve(**{name: tf.constant(x[:20])})["probabilities"].numpy()
    expected = np.load(directory / "expected.npy")
    if expected.shape[1] == 1:  # a binary head's sigmoid: the served probabilities of both classes
        expected = np.concatenate([1 - expected, expected], axis=1)
    np.testing.assert_allclose(served, expected, rtol=1e-4, atol=1e-5)
