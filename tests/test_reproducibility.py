"""Reproducibility and memory: the same seed gives the same leaderboard; memory stays flat."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import warm_processes

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


def _run_in_parallel(fresh, forked):
    """Run SCRIPT in two processes at once: one a fresh interpreter, the other forked from a process that imported
    autonas (another interpreter, string-hash seed and history); their JSON results."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    script = Path(forked).parent / "search.py"
    script.write_text(SCRIPT)
    procs = [subprocess.Popen([sys.executable, str(script), str(fresh)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env),
             warm_processes.start(script, forked, env=env)]
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


@pytest.mark.slow
def test_same_seed_same_leaderboard_in_two_processes(tmp_path):
    # two independent processes (run side by side: nothing is shared but the installation and, for the forked
    # one, what importing autonas left)
    first, second = _run_in_parallel(tmp_path / "a", tmp_path / "b")
    assert first["hps"] == second["hps"]
    assert len(first["scores"]) == 3
    for a, b in zip(first["scores"], second["scores"]):
        assert abs(a - b) <= 1e-6
    assert abs(first["refit_loss"] - second["refit_loss"]) <= 1e-5


# Memory over a 30-trial search (benchmarks/memory.py): tests/test_memory.py, which runs it once for all its checks.


ALLOCATOR_SCRIPT = r"""
import ctypes, json, os, sys
import autonas  # before any TensorFlow computation, as a user script would
import tensorflow as tf
from autonas import _compat

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                 "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
a = tf.random.uniform((4096, 4096))  # 64 MiB
b = a * 2.0
held = libc.mallinfo2().hblkhd
del a, b
print(json.dumps({"held": held, "after": libc.mallinfo2().hblkhd, "trimmed": _compat.release_free_memory()}))
"""


@pytest.mark.slow
def test_freed_tensors_go_back_to_the_system():
    """TensorFlow's oneDNN pool kept every large block for good; importing autonas selects the system allocator."""
    import ctypes

    try:
        ctypes.CDLL(None).mallinfo2
    except AttributeError:
        pytest.skip("needs glibc's mallinfo2 to read the allocator's state")
    env = {k: v for k, v in os.environ.items() if k != "TF_ONEDNN_USE_SYSTEM_ALLOCATOR"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    result = subprocess.run([sys.executable, "-c", ALLOCATOR_SCRIPT], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    mib = 2 ** 20
    assert state["held"] >= 128 * mib, state  # two live 64 MiB tensors
    assert state["after"] < 32 * mib, f"freed tensors stayed allocated: {state}"
    assert state["trimmed"] is True


@pytest.mark.slow
def test_trials_leave_no_traced_graphs_behind(tmp_path):
    """Each trained trial used to leave its train-step graph registered in TensorFlow (see `_compat`).

    A search keeps only its refit model's registrations (that model is returned to the user), so a
    four-trial search leaves exactly what a one-trial search leaves. Both refit one model
    (``ensemble_size=1``: an ensemble refits several) and both are counted from just before their
    own fit, so what earlier tests in the same process registered does not enter the figures.
    """
    import gc

    import keras
    from sklearn.datasets import load_digits

    import autonas
    from autonas import _compat

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the registry is TensorFlow's")
    registry = _compat.tensorflow._gradient_registry()
    d = load_digits()

    def registered():
        return {name for name in registry if name.startswith("CustomGradient-")}

    def search(trials, name):
        before = registered()
        inp = autonas.ImageInput()
        out = autonas.ClassificationHead()(autonas.DenseBlock(num_layers=1, num_units=32)(autonas.Flatten()(inp)))
        model = autonas.AutoModel(inp, out, max_trials=trials, seed=0, directory=tmp_path, project_name=name,
                                  ensemble_size=1)
        model.fit(d.images[:120], d.target[:120], epochs=1, verbose=0)
        assert len(model.tuner.oracle.trials) == trials
        del model
        keras.backend.clear_session()
        gc.collect()
        return len(registered() - before)

    one = search(1, "one")
    four = search(4, "four")
    assert one >= 1, "the refit model's train step registered nothing: this test no longer sees the registry"
    # a leak of one registration per trial would leave at least three more behind the four-trial search
    assert four <= one, f"a 4-trial search left {four} traced gradient graphs, a 1-trial search {one}"
