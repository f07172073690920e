"""What a project directory holds per trial, read as the tests check it (every file must parse: no torn writes)."""

import json
import os


def trial_files(project, filename):
    """``{"trial_0": <parsed filename>, ...}`` for every trial folder of `project` that holds `filename`."""
    states = {}
    for name in sorted(os.listdir(project)) if os.path.isdir(project) else []:
        path = os.path.join(project, name, filename)
        if name.startswith("trial_") and os.path.exists(path):
            with open(path) as f:
                states[name] = json.load(f)
    return states


def records(project):
    """autonas's trial records: status, start and end time, the pid (and Ray trial, node) that ran each trial."""
    return trial_files(project, "autonas_trial.json")
