"""The leaderboard: one row per trial, as a pandas DataFrame."""

import glob
import os

import pandas as pd

from autonas.utils.io import read_json

#: written by the tuner at the start of a search: objective name and direction.
SEARCH_FILE = "autonas_search.json"
COLUMNS = ["trial_id", "status", "score", "params", "duration", "best_epoch", "fidelity", "examples", "epochs",
           "cut_off"]


def leaderboard(tuner):
    """Build the leaderboard of a search.

    Args:
        tuner: an `autonas.tuner.Tuner` after (or during) a search.

    Returns:
        A `pandas.DataFrame` with columns ``trial_id``, ``status``, ``score``,
        ``params``, ``duration``, ``best_epoch``, the trial's fidelity
        (``fidelity``: ``"full"`` or ``"proxy"``; ``examples`` it trained on,
        ``epochs`` it trained, ``cut_off`` when the time budget stopped it),
        then one column per hyperparameter; sorted best first (failed trials
        last). Only full-fidelity scores compete for the final model.

    Example:
        >>> leaderboard(clf.tuner_)  # doctest: +SKIP
    """
    objective = tuner.oracle.objective
    infos = tuner.trial_infos()
    trials = [
        {"trial_id": tid, "status": t.status, "score": t.score, "values": t.hyperparameters.values}
        for tid, t in tuner.oracle.trials.items()
    ]
    return _frame(trials, infos, objective.name, objective.direction)


def read_leaderboard(project_dir):
    """The leaderboard of a project directory on disk, without building any model.

    Args:
        project_dir: a search's project directory (``directory/project_name``).

    Returns:
        A `pandas.DataFrame` as `leaderboard` gives.

    Raises:
        FileNotFoundError: `project_dir` holds no search.

    Example:
        >>> read_leaderboard("autonas_runs/image_classifier")  # doctest: +SKIP
    """
    project_dir = os.fspath(project_dir)
    files = sorted(glob.glob(os.path.join(project_dir, "trial_*", "trial.json")))
    if not os.path.isdir(project_dir) or not files:
        raise FileNotFoundError(f"`project_dir` {project_dir!r} holds no autonas search (no trial_*/trial.json).")
    meta_path = os.path.join(project_dir, SEARCH_FILE)
    meta = read_json(meta_path, "search description") if os.path.exists(meta_path) else {}
    trials, infos = [], {}
    for path in files:
        state = read_json(path, "trial file")
        tid = state.get("trial_id")
        trials.append({"trial_id": tid, "status": state.get("status"), "score": state.get("score"),
                       "values": (state.get("hyperparameters") or {}).get("values", {})})
        info_path = os.path.join(os.path.dirname(path), "autonas_trial.json")
        infos[tid] = read_json(info_path, "trial record") if os.path.exists(info_path) else {}
    return _frame(trials, infos, meta.get("objective", "score"), meta.get("direction", "max"))


def _frame(trials, infos, objective_name, direction):
    rows = []
    for trial in trials:
        info = infos.get(trial["trial_id"], {})
        row = {
            "trial_id": trial["trial_id"],
            "status": trial["status"],
            "score": trial["score"] if trial["status"] == "COMPLETED" else None,
            "params": info.get("params"),
            "duration": info.get("duration"),
            "best_epoch": info.get("best_epoch"),
            "fidelity": _fidelity(info),
            "examples": info.get("examples"),
            "epochs": info.get("epochs_trained"),
            "cut_off": bool(info.get("stopped_by_deadline", False)),
        }
        for name, value in trial["values"].items():
            if not name.startswith("tuner/"):
                row[name] = value
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    ascending = direction != "max"
    frame = frame.sort_values(["score", "trial_id"], ascending=[ascending, True], na_position="last")
    frame.attrs["objective"] = objective_name
    return frame.reset_index(drop=True)


def _fidelity(info):
    """``"full"``, ``"proxy"``, or None for a trial that recorded nothing (never started, older projects)."""
    if "full_fidelity" in info:
        return "full" if info["full_fidelity"] else "proxy"
    return "full" if info.get("duration") is not None else None
