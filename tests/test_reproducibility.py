"""Reproducibility and memory: the same seed gives the same leaderboard; memory stays flat."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, sys
from sklearn.datasets import load_digits
import autonas
d = load_digits()
clf = autonas.ImageClassifier(max_trials=3, seed=0, directory=sys.argv[1], overwrite=True)
clf.fit(d.images[:200], d.target[:200], epochs=1, verbose=0)
board = clf.leaderboard().sort_values("trial_id")
hps = [c for c in board.columns if "/" in c or c in ("optimizer", "learning_rate")]
print(json.dumps({"scores": board["score"].tolist(), "hps": board[hps].astype(str).values.tolist(),
                  "refit_loss": clf.refit_info_["final_loss"]}))
"""


def _run_in_parallel(*directories):
    """Run SCRIPT once per directory, each in a fresh process, all at once; their JSON results."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(d)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for d in directories]
    results = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=900)
            assert proc.returncode == 0, err[-3000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return results


def test_same_seed_same_leaderboard_in_two_fresh_processes(tmp_path):
    # two independent processes (run side by side: nothing is shared but the installation)
    first, second = _run_in_parallel(tmp_path / "a", tmp_path / "b")
    assert first["hps"] == second["hps"]
    assert len(first["scores"]) == 3
    for a, b in zip(first["scores"], second["scores"]):
        assert abs(a - b) <= 1e-6
    assert abs(first["refit_loss"] - second["refit_loss"]) <= 1e-5


MEMORY = r"""
import gc, json, sys
import numpy as np
import os
import keras
from sklearn.datasets import load_digits
import autonas

rss = []

def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

class Track(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        gc.collect()
        rss.append(resident_bytes())

d = load_digits()
inp = autonas.ImageInput()
out = autonas.ClassificationHead()(autonas.ImageBlock(block_type="vanilla")(inp))
model = autonas.AutoModel(inp, out, max_trials=int(sys.argv[2]), seed=0, directory=sys.argv[1], overwrite=True)
model.fit(d.images[:200], d.target[:200], epochs=1, verbose=0, callbacks=[Track()])
rss = rss[:-1]  # the last one is the refit
print(json.dumps(rss))
"""


@pytest.mark.slow
@pytest.mark.xfail(reason="known: resident memory grows about 16 MiB per trial inside TensorFlow "
                          "(see benchmarks/RESULTS.md, 'Memory over a long search')", strict=False)
def test_memory_stays_flat_over_thirty_trials(tmp_path):
    if not os.path.exists("/proc/self/statm"):
        pytest.skip("resident memory is read from /proc/self/statm (Linux)")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", MEMORY, str(tmp_path), "30"], capture_output=True, text=True,
                            env=env, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    rss = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(rss) == 30
    growth = (max(rss[3:]) - rss[2]) / rss[2]
    assert growth < 0.10, f"resident memory grew {growth:.1%} after the third trial: {rss}"
