"""The summary of a search: best trial, its hyperparameters, size, and timings."""

from keras_tuner.engine import trial as trial_module

from autonas.reporting.progress import format_seconds
from autonas.reporting.records import completed_records, trial_records

__all__ = ["SearchSummary", "search_summary"]


class SearchSummary(dict):
    """A dict of facts about a search whose `str` is a readable report.

    Keys: ``objective``, ``direction``, ``best_trial_id``, ``best_score``,
    ``hyperparameters``, ``params``, ``search_time`` (seconds), ``trials``
    (counts by status, and ``total``), ``refit`` (epochs and seconds of the
    refit, or None), ``final_model`` (``reason`` and ``members``: trial id,
    weight, ``"refit"`` or ``"checkpoint"``; None before a fit) and
    ``project_dir``.

    Example:
        >>> s = clf.summary()               # doctest: +SKIP
        >>> s["best_score"]                 # doctest: +SKIP
        0.9652
        >>> print(s)                        # doctest: +SKIP
    """

    def __str__(self):
        lines = [
            f"Search in {self['project_dir']}",
            f"  objective:       {self['objective']} ({self['direction']})",
            "  trials:          " + ", ".join(f"{n} {status.lower()}" for status, n in self["trials"].items()
                                              if status != "total") + f" ({self['trials']['total']} in all)",
            f"  search time:     {format_seconds(self['search_time'])}" if self["search_time"] is not None
            else "  search time:     unknown",
            f"  best trial:      {self['best_trial_id']}",
            f"  best score:      {self['best_score']:.4f}",
            f"  parameters:      {self['params']:,}" if self["params"] is not None else "  parameters:      unknown",
        ]
        refit = self.get("refit")
        if refit:
            lines.append(f"  refit:           {refit['epochs']} epochs in {format_seconds(refit['duration'])}")
        final = self.get("final_model")
        if final:
            members = ", ".join(f"trial {m['trial_id']} x{m['weight']:.2f} ({m['source']})" for m in final["members"])
            lines.append(f"  final model:     {final['reason']}: {members}")
        lines.append("  hyperparameters:")
        width = max((len(k) for k in self["hyperparameters"]), default=0)
        for name, value in self["hyperparameters"].items():
            lines.append(f"    {name.ljust(width)}  {value}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):  # IPython shows the readable report
        printer.text(str(self))


def search_summary(tuner, search_time=None, refit_info=None, model=None, ensemble=None):
    """Summarise a search.

    Args:
        tuner: an `autonas.tuner.Tuner` after a search.
        search_time: seconds the search took; measured from the trial records
            (first start to last end) when None.
        refit_info: the dict returned by `Tuner.refit`, if a refit happened.
        ensemble: `AutoModel.ensemble_` (the final model's members), if known.
        model: the refitted `keras.Model`; its parameter count is reported
            (the best trial's recorded count otherwise).

    Returns:
        A `SearchSummary` (a dict; ``print`` it for a readable report).

    Raises:
        ValueError: when the search completed no trial.

    Example:
        >>> print(search_summary(clf.tuner_))  # doctest: +SKIP
    """
    objective = tuner.oracle.objective
    records = trial_records(tuner)
    completed = completed_records(tuner)
    if not completed:
        raise ValueError("The search completed no trial, so there is nothing to summarise.")
    best_trial = tuner.best_trial() if hasattr(tuner, "best_trial") else tuner.oracle.get_best_trials(1)[0]
    best = next(r for r in completed if r["trial_id"] == best_trial.trial_id)
    counts = {}
    for status in (trial_module.TrialStatus.COMPLETED, trial_module.TrialStatus.FAILED,
                   trial_module.TrialStatus.INVALID, trial_module.TrialStatus.STOPPED,
                   trial_module.TrialStatus.RUNNING):
        n = sum(1 for r in records if r["status"] == status)
        if n or status == trial_module.TrialStatus.COMPLETED:
            counts[status] = n
    counts["total"] = len(records)
    if search_time is None:
        starts = [r["start_time"] for r in records if r["start_time"] is not None]
        ends = [r["end_time"] for r in records if r["end_time"] is not None]
        if starts and ends:
            search_time = max(ends) - min(starts)
    params = int(model.count_params()) if model is not None else best["params"]
    refit = None
    if refit_info:
        refit = {"epochs": refit_info.get("epochs"), "duration": refit_info.get("duration")}
    return SearchSummary(
        objective=objective.name,
        direction=objective.direction,
        best_trial_id=best["trial_id"],
        best_score=best["score"],
        hyperparameters=best["hyperparameters"],
        params=params,
        search_time=search_time,
        trials=counts,
        refit=refit,
        project_dir=tuner.project_dir,
        final_model=_final_model(ensemble),
    )


def _final_model(ensemble):
    """The final model's members (trial, weight, refit or checkpoint) and why, or None before a fit."""
    if not ensemble:
        return None
    members = [{"trial_id": m["trial_id"], "weight": m["weight"], "source": m.get("source")}
               for m in ensemble.get("members", [])]
    return {"reason": ensemble.get("reason", ""), "members": members}
