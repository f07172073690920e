"""Kill-proof resume: SIGKILL a search inside trials and at random moments, rerun, and lose nothing.

Every trial's record holds its start and end time and the pid of the process that ran it, so the tests see
that a kill landed inside a trial, that trials had completed before the final run, and that none of those
ran again (a deterministic re-run would rewrite the same score; it cannot keep the first start time and pid).
"""

import json
import os
import random
import signal
import time

import pytest

import trial_records
import warm_processes

SCRIPT = r"""
import sys
import numpy as np
from sklearn.datasets import load_digits
import autonas

directory, max_trials, tuner = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = load_digits()
x, y = d.images[:300], d.target[:300]
clf = autonas.ImageClassifier(max_trials=max_trials, seed=0, directory=directory, project_name="p",
                              overwrite=False, tuner=tuner)
clf.fit(x, y, epochs=4 if tuner == "hyperband" else 2, verbose=0)
clf.export(directory + "/final.keras", format="keras")
print("SEARCH DONE", len(clf.leaderboard()))
"""


def _trial_states(project):
    return trial_records.trial_files(project, "trial.json")


def _running_in(project, pid):
    return any(r.get("status") == "RUNNING" and r.get("pid") == pid
               for r in trial_records.records(project).values())


def _kill_and_resume(tmp_path, kills, max_trials, seed, tuner="random"):
    """Kill the search `kills` times (every other kill waits until a trial of that process trains, the others
    land at random moments), then run it to the end and check that nothing was lost or run twice."""
    rng = random.Random(seed)
    script = tmp_path / "search.py"
    script.write_text(SCRIPT)
    directory = tmp_path / "runs"
    project = directory / "p"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed_before, mid_trial_kills = {}, 0
    for k in range(kills):
        # a new process each time (forked from one that imported autonas: the import is not what is tested)
        proc = warm_processes.start(script, directory, max_trials, tuner, env=env)
        if k % 2 == 0:  # aimed: inside a trial of this process
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline and not (
                    _running_in(project, proc.pid)
                    and any(s["status"] == "COMPLETED" for s in _trial_states(project).values())):
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.0))
        else:
            time.sleep(rng.uniform(1.0, 8.0))  # no import to wait for: the new process starts at once
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate()
        mid_trial_kills += _running_in(project, proc.pid)  # its record says RUNNING: killed inside a trial
        records = trial_records.records(project)
        for name, state in _trial_states(project).items():
            if state["status"] == "COMPLETED":
                if name in completed_before:  # a completed trial is never re-run or lost
                    assert state["score"] == completed_before[name][0]["score"]
                    assert state["hyperparameters"]["values"] == completed_before[name][0]["hyperparameters"]["values"]
                    assert records[name] == completed_before[name][1], f"{name} ran again"
                else:
                    completed_before[name] = (state, records[name])
        for name in completed_before:
            assert _trial_states(project)[name]["status"] == "COMPLETED"
        if os.path.exists(project / "oracle.json"):
            json.loads((project / "oracle.json").read_text())
    assert mid_trial_kills >= 1, "no kill landed inside a trial"
    assert completed_before, "no trial had completed before the final run: the resume was not tested"
    final = warm_processes.start(script, directory, max_trials, tuner, env=env)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err[-3000:]
    states = _trial_states(project)
    assert f"SEARCH DONE {len(states)}" in out
    if tuner != "hyperband":  # hyperband's brackets end the search on their own
        assert len(states) == max_trials
    assert all(s["status"] == "COMPLETED" for s in states.values())
    values = [json.dumps(s["hyperparameters"]["values"], sort_keys=True) for s in states.values()]
    assert len(set(values)) == len(states), "a configuration ran twice"
    records = trial_records.records(project)
    for name, (state, record) in completed_before.items():
        assert states[name]["score"] == state["score"]
        # not run again: the same start time and the process that first ran it, not the final one
        assert records[name] == record and records[name]["pid"] != final.pid, f"{name} ran again"
    assert any(r["pid"] == final.pid for r in records.values()) or len(completed_before) == len(states)
    assert (directory / "final.keras").exists()


@pytest.mark.slow
@pytest.mark.parametrize("tuner", ["bayesian", "evolution", "hyperband"])
def test_other_strategies_survive_sigkill(tmp_path, tuner):
    _kill_and_resume(tmp_path, kills=2, max_trials=4, seed=2, tuner=tuner)


@pytest.mark.slow
def test_search_survives_sigkill_many_times(tmp_path):
    # four kills: each resumed process is killed again, twice inside a trial and twice at a random moment
    _kill_and_resume(tmp_path, kills=4, max_trials=6, seed=1)
