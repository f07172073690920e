"""Kill-proof resume: SIGKILL a search at random moments, rerun, and lose nothing."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

SCRIPT = r"""
import sys
import numpy as np
from sklearn.datasets import load_digits
import autonas

directory, max_trials = sys.argv[1], int(sys.argv[2])
d = load_digits()
x, y = d.images[:300], d.target[:300]
clf = autonas.ImageClassifier(max_trials=max_trials, seed=0, directory=directory, project_name="p",
                              overwrite=False)
clf.fit(x, y, epochs=2, verbose=0)
clf.export(directory + "/final.keras", format="keras")
print("SEARCH DONE", len(clf.leaderboard()))
"""


def _trial_states(project):
    states = {}
    for name in sorted(os.listdir(project)) if os.path.isdir(project) else []:
        path = os.path.join(project, name, "trial.json")
        if name.startswith("trial_") and os.path.exists(path):
            with open(path) as f:
                states[name] = json.load(f)  # every file must parse: no torn writes
    return states


def _kill_and_resume(tmp_path, kills, max_trials, seed):
    rng = random.Random(seed)
    script = tmp_path / "search.py"
    script.write_text(SCRIPT)
    directory = tmp_path / "runs"
    project = directory / "p"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed_before = {}
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, str(script), str(directory), str(max_trials)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        time.sleep(rng.uniform(4.0, 14.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate()
        for name, state in _trial_states(project).items():
            if state["status"] == "COMPLETED":
                if name in completed_before:  # a completed trial is never re-run or lost
                    assert state["score"] == completed_before[name]["score"]
                    assert state["hyperparameters"]["values"] == completed_before[name]["hyperparameters"]["values"]
                completed_before[name] = state
        for name in completed_before:
            assert _trial_states(project)[name]["status"] == "COMPLETED"
        if os.path.exists(project / "oracle.json"):
            json.loads((project / "oracle.json").read_text())
    final = subprocess.run([sys.executable, str(script), str(directory), str(max_trials)],
                           capture_output=True, text=True, env=env, timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    assert f"SEARCH DONE {max_trials}" in final.stdout
    states = _trial_states(project)
    assert len(states) == max_trials
    assert all(s["status"] == "COMPLETED" for s in states.values())
    values = [json.dumps(s["hyperparameters"]["values"], sort_keys=True) for s in states.values()]
    assert len(set(values)) == max_trials, "a configuration ran twice"
    for name, state in completed_before.items():
        assert states[name]["score"] == state["score"]
    assert (directory / "final.keras").exists()


@pytest.mark.slow
def test_search_survives_sigkill_a_handful_of_times(tmp_path):
    _kill_and_resume(tmp_path, kills=3, max_trials=4, seed=0)


@pytest.mark.slow
def test_search_survives_sigkill_twenty_times(tmp_path):
    _kill_and_resume(tmp_path, kills=20, max_trials=8, seed=1)
