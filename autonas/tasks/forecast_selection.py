"""The final forecaster: the closed-form map unless the search's model beats it significantly on validation.

A forecasting search ends with a model chosen among many (every trial, then a
greedy ensemble of them) on the same validation windows, and those windows
overlap: at a horizon of 336 rows, 2,880 validation rows hold fewer than nine
horizons that do not overlap. The best of many models scored on so little
independent evidence validates better than it forecasts (the winner's curse).
The closed-form NLinear map (`autonas.data.linear_fit`) is chosen on the same
windows but among a few look-backs and penalties only, and it is the ridge
forecaster that long-horizon forecasts are measured against. So the search's
final model replaces it only when its validation gain is significant by the
Diebold-Mariano test of equal forecast accuracy (Diebold and Mariano, 1995;
the standard comparison of two forecasters): the per-window loss differences
of windows that overlap are correlated, so their mean's variance is the
Newey-West (Bartlett kernel) long-run variance with a lag of `horizon` windows.
The one-sided level `ALPHA` is divided by the number of models the search
chose among (Bonferroni), since the candidate is the best of them.

`significant_gain` is the test; `gated_members` applies it to the members that
`autonas.final_model.choose_members` chose.
"""

import statistics

import numpy as np

from autonas.final_model import CHECKPOINT_SHARE, MAX_CANDIDATES, Members
from autonas.reporting.decisions import decision

__all__ = ["diebold_mariano", "significant_gain", "gated_members", "is_reference", "ALPHA"]

#: one-sided level of the test, before the Bonferroni division by the number of candidates.
ALPHA = 0.05


def diebold_mariano(losses, reference_losses, lag):
    """The Diebold-Mariano statistic of ``losses - reference_losses`` (negative: the first forecaster is better).

    Args:
        losses: per-window losses of a forecaster, windows in time order.
        reference_losses: the reference forecaster's losses on the same windows.
        lag: autocovariance lags counted in the long-run variance (windows
            that overlap: the horizon).

    Returns:
        ``(mean difference, statistic)``; the statistic is 0 when the differences do not vary.

    Example:
        >>> round(diebold_mariano(np.array([1.0, 1.0, 2.0]), np.array([2.0, 2.0, 2.0]), 0)[1], 3)
        -2.449
    """
    d = np.asarray(losses, dtype="float64") - np.asarray(reference_losses, dtype="float64")
    n = len(d)
    mean = float(d.mean())
    c = d - mean
    variance = float(c @ c) / n
    lag = int(min(max(lag, 0), n - 1))
    for k in range(1, lag + 1):
        variance += 2.0 * (1.0 - k / (lag + 1.0)) * float(c[k:] @ c[:-k]) / n
    if variance <= 1e-24 * max(1.0, mean * mean):
        return mean, 0.0 if mean == 0 else float(np.sign(mean)) * np.inf
    return mean, float(mean / np.sqrt(variance / n))


def window_losses(predictions, y_true):
    """Each window's mean squared error (one value per row of `y_true`)."""
    rows = len(y_true)
    y = np.asarray(y_true, dtype="float64").reshape(rows, -1)
    return np.mean((np.asarray(predictions, dtype="float64").reshape(rows, -1) - y) ** 2, axis=1)


def significant_gain(predictions, reference, y_true, horizon, candidates=1, alpha=ALPHA):
    """Whether `predictions` beat `reference` on the validation windows by a one-sided Diebold-Mariano test.

    Args:
        predictions: the candidate's forecasts, one row per window (windows in time order).
        reference: the reference's forecasts of the same windows.
        y_true: the windows' targets.
        horizon: rows forecast (the lag of the long-run variance).
        candidates: models the candidate was chosen among (the level is ``alpha / candidates``).
        alpha: one-sided level.

    Returns:
        ``(significant, statistic, threshold)``: the candidate is better when ``statistic < threshold``.
    """
    _, statistic = diebold_mariano(window_losses(predictions, y_true), window_losses(reference, y_true), horizon)
    threshold = statistics.NormalDist().inv_cdf(alpha / max(1, int(candidates)))
    return bool(statistic < threshold), float(statistic), float(threshold)


def is_reference(values, block_name):
    """Whether a trial's hyperparameter values are the frozen closed-form NLinear map alone."""
    b = block_name
    return (values.get(f"{b}/family") == "linear" and values.get(f"{b}/normalization") == "last"
            and values.get(f"{b}/closed_form") == "frozen" and values.get(f"{b}/channel_independent") is True
            and not values.get(f"{b}/decomposition") and not values.get(f"{b}/calendar"))


def gated_members(tuner, chosen, y_val, horizon, block_name):
    """`chosen`, or the best frozen closed-form map alone when `chosen` does not beat it significantly.

    The candidate is the final model as served: the members' weighted average,
    and beside it the search checkpoints' ensemble at `CHECKPOINT_SHARE`
    (scored on the validation predictions of the search's trials).

    Args:
        tuner: the `autonas.tuner.Tuner` after its search.
        chosen: the `autonas.final_model.Members` of `choose_members`.
        y_val: the validation windows' targets ``(windows, horizon, targets)``, in time order.
        horizon: rows forecast.
        block_name: the `ForecastBlock`'s name.

    Returns:
        A `Members`.
    """
    trials = [t for t in tuner.completed_full_trials() if t.score is not None]
    refs = sorted((t for t in trials if is_reference(t.hyperparameters.values, block_name)), key=lambda t: t.score)
    reference = next(((t, p) for t in refs for p in [tuner.validation_predictions(t.trial_id)]
                      if p is not None and np.all(np.isfinite(p))), None)
    if reference is None:
        return chosen
    ref_trial, ref_preds = reference
    parts = [(chosen.trials, chosen.weights, 1.0 - (CHECKPOINT_SHARE if chosen.checkpoints else 0.0))]
    if chosen.checkpoints:
        parts.append(([t for t, _ in chosen.checkpoints], [w for _, w in chosen.checkpoints], CHECKPOINT_SHARE))
    ids = {t.trial_id for p in parts for t in p[0]}
    if ids == {ref_trial.trial_id}:
        return chosen
    preds = {}
    for trial_id in ids:
        preds[trial_id] = tuner.validation_predictions(trial_id)
        if preds[trial_id] is None:
            return chosen  # the candidate cannot be scored: no fair comparison
    served = sum(share * w * np.asarray(preds[t.trial_id], dtype="float64")
                 for members, weights, share in parts for t, w in zip(members, weights))
    count = max(1, min(len(trials), MAX_CANDIDATES))  # the models `choose_members` chose among
    better, statistic, threshold = significant_gain(served, ref_preds, y_val, horizon, candidates=count)
    rows = len(y_val)
    map_loss = float(np.mean((np.asarray(ref_preds, "float64").reshape(rows, -1)
                              - np.asarray(y_val, "float64").reshape(rows, -1)) ** 2))
    validation = dict(chosen.validation or {}, closed_form_map={"loss": map_loss, "trial_id": ref_trial.trial_id},
                      diebold_mariano={"statistic": statistic, "threshold": threshold, "candidates": count})
    chosen.validation = validation
    if better:
        decision("The search's final model beats the closed-form map (trial %s) on validation: Diebold-Mariano "
                 "statistic %.2f < %.2f (one-sided %.3f over %d models).", ref_trial.trial_id, statistic, threshold,
                 ALPHA / count, count)
        return chosen
    decision("The search's final model (%s) does not beat the closed-form map (trial %s) significantly on "
             "validation (Diebold-Mariano statistic %.2f, needed < %.2f over %d models): the map alone is final.",
             chosen.reason, ref_trial.trial_id, statistic, threshold, count)
    return Members([ref_trial], [1.0], validation=validation,
                   reason=f"the closed-form map (the search's model did not beat it significantly on validation: "
                          f"Diebold-Mariano {statistic:.2f}, needed < {threshold:.2f})")
