"""A trial that exhausts memory, for real: it fails with the reason, and the search goes on to a model.

A child process caps its own memory (``RLIMIT_DATA``, which any user may lower) a few hundred MiB above what
it holds once TensorFlow is warm. Its space has two configurations: a dense layer of two million units, whose
weights fit under the cap but whose training (optimizer slots, activations and their gradients for a batch of
96) does not, and one of eight units. The big one is tried first (`initial_hps`); its trial fails with TensorFlow's
out-of-memory error, recorded in its trial file in one line that says so and names the remedy
(`max_model_size`), and the search runs the small one, refits it and predicts.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import glob, json, os, resource, sys
import keras
import keras_tuner
import numpy as np
import autonas

directory = sys.argv[1]
headroom = int(sys.argv[2]) * 2 ** 20
rng = np.random.default_rng(0)
x = rng.random((96, 16)).astype("float32")
y = (x[:, 0] + x[:, 1] > 1).astype(int)

# warm TensorFlow up first (thread pools, kernels), so that the cap is measured from a working process
warm = keras.Sequential([keras.Input((16,)), keras.layers.Dense(2)])
warm.compile("adam", "mse")
warm.fit(x, keras.utils.to_categorical(y, 2), epochs=1, verbose=0)
del warm


def data_bytes():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmData:"))


units = keras_tuner.engine.hyperparameters.Choice("num_units", [2_000_000, 8])
inp = autonas.Input()
out = autonas.ClassificationHead(dropout=0.0)(autonas.DenseBlock(num_layers=1, num_units=units, dropout=0.0)(inp))
model = autonas.AutoModel(inp, out, max_trials=2, seed=0, directory=directory, project_name="p", tuner="random",
                          max_consecutive_failed_trials=2,
                          initial_hps=[{"dense_block/num_units": 2_000_000}, {"dense_block/num_units": 8}])
resource.setrlimit(resource.RLIMIT_DATA, (data_bytes() + headroom, resource.RLIM_INFINITY))
model.fit(x, y, epochs=1, batch_size=96, verbose=0)
report = {"trials": {}, "predicted": len(model.predict(x[:8])) == 8,
          "final_units": [v for k, v in model.best_trial_.hyperparameters.values.items() if k.endswith("num_units")]}
for path in sorted(glob.glob(os.path.join(directory, "p", "trial_*", "trial.json"))):
    state = json.load(open(path))
    report["trials"][state["trial_id"]] = {"status": state["status"], "message": state.get("message") or "",
                                           "values": state["hyperparameters"]["values"]}
report["leaderboard"] = list(model.leaderboard()["status"])
print("REPORT " + json.dumps(report))
"""


@pytest.mark.slow
def test_a_trial_that_exhausts_memory_fails_with_the_reason_and_the_search_returns_a_model(tmp_path):
    if not os.path.exists("/proc/self/status"):
        pytest.skip("the child reads its data size from /proc/self/status (Linux)")
    # TF_ENABLE_ONEDNN_OPTS=0: TensorFlow's own (Eigen) kernels report a failed allocation as a
    # ResourceExhaustedError; its oneDNN kernels crash the process instead (a segmentation fault), which no
    # library above it can turn into a failed trial.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MALLOC_ARENA_MAX": "2", "TF_ENABLE_ONEDNN_OPTS": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "runs"), "700"], capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    report = json.loads(done.stdout.split("REPORT ", 1)[1])
    trials = report["trials"]
    assert sorted(trials) == ["0", "1"], trials
    big, small = trials["0"], trials["1"]
    assert [v for k, v in big["values"].items() if k.endswith("num_units")] == [2_000_000], big["values"]
    assert big["status"] == "FAILED", big
    reason = big["message"].strip().splitlines()[-1]  # the line the leaderboard and the failure summary show
    assert "TrialFailed: The trial ran out of memory (ResourceExhaustedError: OOM when allocating tensor" in reason, \
        big["message"][-3000:]
    assert "lower `max_model_size`" in reason, reason
    assert small["status"] == "COMPLETED", small
    assert report["leaderboard"].count("COMPLETED") == 1
    assert report["predicted"] is True and report["final_units"] == [8]
