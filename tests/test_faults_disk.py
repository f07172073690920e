"""A project directory that runs out of room, for real: the kernel refuses the writes.

A child process lowers its file-size limit (``RLIMIT_FSIZE``, which any user may lower, with SIGXFSZ ignored)
so that every write that grows a file fails with EFBIG, as writes on a full disk fail with ENOSPC; autonas
treats both (and a quota's EDQUOT) alike. Full from the start, `fit` refuses before training; full in the middle
of a trial, the search stops at once with one error naming the project directory and what to do (not trial
after failed trial), the state on disk stays whole, and the same `fit` with room again resumes the search
without re-running the trial that had completed. Full when the refit begins, the same error; with room again
the same `fit` refits.
"""

import json
import os
from pathlib import Path

import pytest

import warm_processes

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import errno, glob, json, os, resource, signal, sys
import keras
import numpy as np
import autonas

directory = sys.argv[1]
project = os.path.join(directory, "p")
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
rng = np.random.default_rng(0)
x = rng.random((120, 16)).astype("float32")
y = (x[:, 0] + x[:, 1] > 1).astype(int)


def full():
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))


def room():
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


class FillsTheDisk(keras.callbacks.Callback):
    # the disk fills up when the second trial starts training
    def on_train_begin(self, logs=None):
        if len(glob.glob(os.path.join(project, "trial_*"))) >= 2:
            full()


def model():
    inp = autonas.Input()
    out = autonas.ClassificationHead(dropout=0.0)(autonas.DenseBlock(num_layers=1, dropout=0.0)(inp))
    return autonas.AutoModel(inp, out, max_trials=3, seed=0, directory=directory, project_name="p",
                             tuner="random")


def error(e):
    return {"type": type(e).__name__, "errno": getattr(e, "errno", None), "message": str(e),
            "is_os_error": isinstance(e, OSError)}


report = {}
full()  # full from the start
try:
    model().fit(x, y, epochs=2, verbose=0)
except Exception as e:
    report["at_start"] = error(e)
report["trials_at_start"] = glob.glob(os.path.join(project, "trial_*"))
room()
try:
    model().fit(x, y, epochs=2, verbose=0, callbacks=[FillsTheDisk()])
except Exception as e:
    report["mid_search"] = error(e)
room()
report["records_after_full"] = {
    os.path.basename(os.path.dirname(p)): json.load(open(p))
    for p in sorted(glob.glob(os.path.join(project, "trial_*", "autonas_trial.json")))}
again = model()
again.fit(x, y, epochs=2, verbose=0)
report["statuses"] = list(again.leaderboard()["status"])
report["records_final"] = {
    os.path.basename(os.path.dirname(p)): json.load(open(p))
    for p in sorted(glob.glob(os.path.join(project, "trial_*", "autonas_trial.json")))}
report["predicts"] = len(again.predict(x[:5])) == 5


class FillsTheDiskAtTheRefit(keras.callbacks.Callback):
    # the disk fills up when training begins with every trial of project "r" completed: the refit
    def on_train_begin(self, logs=None):
        paths = glob.glob(os.path.join(directory, "r", "trial_*", "autonas_trial.json"))
        if len(paths) == 2 and all(json.load(open(p)).get("end_time") for p in paths):
            full()


def small(name):
    inp = autonas.Input()
    out = autonas.ClassificationHead(dropout=0.0)(autonas.DenseBlock(num_layers=1, dropout=0.0)(inp))
    return autonas.AutoModel(inp, out, max_trials=2, seed=0, directory=directory, project_name=name,
                             tuner="random", ensemble_size=1)


try:
    small("r").fit(x, y, epochs=1, verbose=0, callbacks=[FillsTheDiskAtTheRefit()])
except Exception as e:
    report["at_refit"] = error(e)
room()
refit_again = small("r")
refit_again.fit(x, y, epochs=1, verbose=0)
report["refit_statuses"] = list(refit_again.leaderboard()["status"])
report["refit_predicts"] = len(refit_again.predict(x[:5])) == 5
print("REPORT " + json.dumps(report))
"""


@pytest.mark.slow
def test_a_full_project_directory_stops_the_search_with_a_clear_error_and_the_same_fit_resumes(tmp_path):
    try:
        import resource
    except ImportError:
        pytest.skip("the file-size limit (RLIMIT_FSIZE) is POSIX")
    directory = tmp_path / "runs"
    project = directory / "p"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    # a new process (forked from one that imported autonas: the import is not what is tested)
    done = warm_processes.run(script, directory, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.split("REPORT ", 1)[1])

    # full from the start: refused before training, naming the directory and what is expected
    start = report["at_start"]
    assert start["is_os_error"] and str(directory) in start["message"], start
    assert "free space" in start["message"], start
    assert report["trials_at_start"] == []

    # full in the middle of the second trial: ONE clear error, the errno of the failed write, the search stops
    mid = report["mid_search"]
    assert mid["type"] == "ProjectDirectoryFull" and mid["errno"] == 27, mid  # EFBIG
    message = mid["message"]
    assert repr(str(project)) in message, message  # names the project directory
    assert "ran out of room" in message and "File too large" in message, message  # what happened
    assert "Free space" in message and "the same `fit`" in message and "resumes" in message, message  # what to do
    records = report["records_after_full"]
    assert sorted(records) == ["trial_0", "trial_1"], records  # stopped at once: no third trial was tried
    assert records["trial_0"].get("end_time") and records["trial_1"]["status"] == "RUNNING", records

    # nothing torn: every state file parses, no temporary file is left behind
    for path in [project / "oracle.json", *project.glob("trial_*/*.json")]:
        json.loads(path.read_text())
    assert not list(project.rglob(".tmp-*")), list(project.rglob(".tmp-*"))

    # with room again the same fit resumes: three trials, the completed one not re-run, and a model
    assert report["statuses"] == ["COMPLETED"] * 3, report["statuses"]
    assert report["records_final"]["trial_0"] == records["trial_0"], "the completed trial ran again"
    assert report["records_final"]["trial_1"].get("end_time")
    assert report["predicts"] is True

    # full when the refit begins, every trial completed: the same clear error, and the same fit then refits
    refit = report["at_refit"]
    assert refit["type"] == "ProjectDirectoryFull" and refit["errno"] == 27, refit
    assert repr(str(directory / "r")) in refit["message"] and "Free space" in refit["message"], refit
    assert report["refit_statuses"] == ["COMPLETED"] * 2 and report["refit_predicts"] is True, report
