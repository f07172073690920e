"""The leaderboard: one row per trial, as a pandas DataFrame."""

import pandas as pd


def leaderboard(tuner):
    """Build the leaderboard of a search.

    Args:
        tuner: an `autonas.tuner.Tuner` after (or during) a search.

    Returns:
        A `pandas.DataFrame` with columns ``trial_id``, ``status``, ``score``,
        ``params``, ``duration``, ``best_epoch``, then one column per
        hyperparameter; sorted best first (failed trials last).

    Example:
        >>> leaderboard(clf.tuner_)  # doctest: +SKIP
    """
    objective = tuner.oracle.objective
    rows = []
    infos = tuner.trial_infos()
    for trial_id, trial in tuner.oracle.trials.items():
        info = infos.get(trial_id, {})
        row = {
            "trial_id": trial_id,
            "status": trial.status,
            "score": trial.score,
            "params": info.get("params"),
            "duration": info.get("duration"),
            "best_epoch": info.get("best_epoch"),
        }
        for name, value in trial.hyperparameters.values.items():
            row[name] = value
        rows.append(row)
    columns = ["trial_id", "status", "score", "params", "duration", "best_epoch"]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    ascending = objective.direction != "max"
    frame = frame.sort_values(["score", "trial_id"], ascending=[ascending, True], na_position="last")
    frame.attrs["objective"] = objective.name
    return frame.reset_index(drop=True)
