"""Trial records: what the oracle knows about each trial joined with autonas's own facts."""

import math

from keras_tuner.engine import trial as trial_module

COMPLETED = trial_module.TrialStatus.COMPLETED


def trial_records(tuner):
    """One dict per trial of a search, in the order the trials ended.

    Joins the oracle's trial (status, score, hyperparameters) with the facts the
    tuner records (parameter count, duration, start and end times). Each record
    gets ``elapsed``: seconds from the start of the first trial to the end of
    this one. Records written before start/end times were kept fall back to
    summed trial durations in trial order.

    Args:
        tuner: an `autonas.tuner.Tuner` after (or during) a search.

    Returns:
        A list of dicts with keys ``trial_id``, ``status``, ``score``,
        ``params``, ``duration``, ``start_time``, ``end_time``, ``elapsed`` and
        ``hyperparameters`` (without KerasTuner's ``tuner/`` bookkeeping).

    Example:
        >>> [r["score"] for r in trial_records(clf.tuner_)]  # doctest: +SKIP
    """
    infos = tuner.trial_infos()
    records = []
    for trial_id, trial in tuner.oracle.trials.items():
        info = infos.get(trial_id, {})
        score = trial.score
        if score is not None and not math.isfinite(score):
            score = None
        records.append({
            "trial_id": trial_id,
            "status": trial.status,
            "score": score if trial.status == COMPLETED else None,
            "params": info.get("params"),
            "duration": info.get("duration"),
            "start_time": info.get("start_time"),
            "end_time": info.get("end_time"),
            "hyperparameters": {k: v for k, v in trial.hyperparameters.values.items()
                                if not k.startswith("tuner/")},
        })
    starts = [r["start_time"] for r in records if r["start_time"] is not None]
    timed = starts and all(r["end_time"] is not None for r in records if r["score"] is not None)
    if timed:
        origin = min(starts)
        for r in records:
            r["elapsed"] = None if r["end_time"] is None else r["end_time"] - origin
        records.sort(key=lambda r: (r["elapsed"] is None, r["elapsed"] or 0.0, _order(r["trial_id"])))
    else:
        records.sort(key=lambda r: _order(r["trial_id"]))
        total = 0.0
        for r in records:
            total += r["duration"] or 0.0
            r["elapsed"] = total if r["duration"] is not None else None
    return records


def completed_records(tuner):
    """`trial_records` of the COMPLETED trials with a finite score.

    Args:
        tuner: an `autonas.tuner.Tuner`.

    Returns:
        A list of record dicts (see `trial_records`), in the order the trials ended.

    Example:
        >>> len(completed_records(clf.tuner_))  # doctest: +SKIP
    """
    return [r for r in trial_records(tuner) if r["score"] is not None]


def _order(trial_id):
    try:
        return (0, int(trial_id), "")
    except (TypeError, ValueError):
        return (1, 0, str(trial_id))
