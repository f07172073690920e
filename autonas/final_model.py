"""The model a `fit` returns: the refit of the best trial, or an ensemble of refitted trials.

After the search, `choose_members` runs greedy ensemble selection (Caruana et
al., 2004) over the validation predictions of the completed full-fidelity
trials, and keeps the ensemble when it beats the best trial on validation.
`fit_final_model` then refits each member on training plus validation data,
heaviest first, within the fit's deadline (`autonas.budget.FitBudget`): a
member whose refit could not train `MIN_REFIT_SHARE` of its epochs in the
time left (planned, or because the deadline stopped it) is used as its
search checkpoint (trained on the training split) instead, and the record
says so. Several members are joined into one Keras
model (`autonas.ensemble.build_ensemble_model`).
"""

import dataclasses

import numpy as np

from autonas import ensemble as ensemble_module
from autonas.budget import MIN_REFIT_SHARE
from autonas.reporting.decisions import decision

#: the best full-fidelity trials considered for the ensemble.
MAX_CANDIDATES = 20
#: greedy selection steps (the weights are multiples of 1 / SELECTION_STEPS).
SELECTION_STEPS = 25
#: with ``ensemble_size="auto"``, members weighing less are dropped (each costs a refit) ...
MIN_WEIGHT = 0.08
#: ... and the ensemble is kept only when it lowers the best trial's validation loss by this share.
MIN_GAIN = 0.002


@dataclasses.dataclass
class Members:
    """The trials of the final model and their weights (one trial, weight 1, without an ensemble).

    Args:
        trials: the member trials, heaviest first.
        weights: one weight per member, summing to 1.
        validation: ``{"ensemble": {...}, "best": {...}}`` validation scores of
            the ensemble and of the best single trial (loss, and accuracy for
            classifiers), or None when no selection ran.
        reason: why the final model is what it is, one sentence.
    """

    trials: list
    weights: list
    validation: dict = None
    reason: str = ""


def head_kind(head):
    """``"regression"``, ``"multi_label"`` or ``"classification"`` for a head."""
    encoder = getattr(head, "encoder", None)
    if encoder is None:
        return "regression"
    return "multi_label" if getattr(encoder, "multi_label", False) else "classification"


def choose_members(tuner, best, y_val, head, ensemble_size):
    """Pick the final model's trials: the best one, or a greedy ensemble that beats it on validation.

    Args:
        tuner: the `autonas.tuner.Tuner` after its search.
        best: the best full-fidelity trial (`Tuner.best_trial`).
        y_val: the encoded validation targets (one head).
        head: the graph's head.
        ensemble_size: ``"auto"`` (an ensemble of the members weighing
            `MIN_WEIGHT` or more, when it lowers the validation loss by
            `MIN_GAIN` or more without lowering validation accuracy), or an
            integer: at most that many distinct members, whenever selection
            picks several (1 or 0: no ensemble).

    Returns:
        A `Members`.
    """
    single = Members([best], [1.0], reason="the best trial")
    if ensemble_size in (0, 1):
        single.reason = "the best trial (ensemble_size turns ensembles off)"
        return single
    candidates = _candidates(tuner, best)
    if len(candidates) < 2:
        single.reason = "the best trial (fewer than two full-fidelity trials with validation predictions)"
        return single
    kind = head_kind(head)
    multi = kind == "multi_label"
    if kind == "regression":
        loss = ensemble_module.mean_squared_error
    else:
        def loss(y, p):
            return ensemble_module.cross_entropy(y, p, multi_label=multi)
    preds = [p for _, p in candidates]
    selection = ensemble_module.greedy_selection(preds, y_val, loss=loss, size=SELECTION_STEPS)
    weights = dict(selection.weights)
    if isinstance(ensemble_size, int) and len(weights) > ensemble_size:
        kept = list(weights)[:ensemble_size]
        weights = {i: weights[i] for i in kept}
    if ensemble_size == "auto":
        weights = {i: w for i, w in weights.items() if w >= MIN_WEIGHT} or {0: 1.0}
    total = sum(weights.values())
    weights = {i: w / total for i, w in weights.items()}
    averaged = ensemble_module.weighted_average(preds, weights)
    scores = {"ensemble": _scores(kind, y_val, averaged, loss), "best": _scores(kind, y_val, preds[0], loss)}
    if len(weights) < 2:
        single.validation = scores
        single.reason = "the best trial (greedy selection chose one model)"
        return single
    better = scores["ensemble"]["loss"] < scores["best"]["loss"] * (1 - MIN_GAIN)
    if "accuracy" in scores["best"]:
        better = better and scores["ensemble"]["accuracy"] >= scores["best"]["accuracy"]
    if ensemble_size == "auto" and not better:
        single.validation = scores
        single.reason = "the best trial (the ensemble did not improve validation)"
        return single
    trials = [candidates[i][0] for i in weights]
    return Members(trials, [weights[i] for i in weights], validation=scores,
                   reason=f"an ensemble of {len(trials)} trials chosen on validation predictions")


def _candidates(tuner, best):
    """``[(trial, validation predictions)]``: the best trial first, then the best full trials by score."""
    direction = getattr(tuner.oracle.objective, "direction", "max")
    trials = sorted(tuner.completed_full_trials(), key=lambda t: t.score, reverse=direction == "max")
    trials = [best] + [t for t in trials if t.trial_id != best.trial_id]
    out = []
    for trial in trials[:MAX_CANDIDATES]:
        preds = tuner.validation_predictions(trial.trial_id)
        if preds is not None and np.all(np.isfinite(preds)):
            out.append((trial, preds))
    if not out or out[0][0].trial_id != best.trial_id:
        return []  # the best trial's predictions are missing: no fair comparison
    return out


def _scores(kind, y_val, predictions, loss):
    scores = {"loss": float(loss(y_val, predictions))}
    if kind != "regression":
        scores["accuracy"] = ensemble_module.accuracy(y_val, predictions, multi_label=kind == "multi_label")
    return scores


def fit_final_model(tuner, members, data_ratio, budget, refit_kwargs, output_names=None):
    """Refit each member within the budget and join them into one Keras model.

    Args:
        tuner: the `autonas.tuner.Tuner`.
        members: a `Members`.
        data_ratio: refit examples / trial examples.
        budget: the fit's `autonas.budget.FitBudget`.
        refit_kwargs: keyword arguments of `Tuner.refit` (x, y, batch_size, ...).
        output_names: names of the ensemble's outputs (the heads' names).

    Returns:
        ``(model, records, history)``: the final `keras.Model`, the record of
        each member (``trial_id``, ``weight``, ``source`` "refit" or
        "checkpoint", and the refit record), and the Keras `History` of the
        heaviest member's refit (None when no member was refitted).
    """
    models, records, history = [], [], None
    for index, (trial, weight) in enumerate(zip(members.trials, members.weights)):
        planned = tuner.refit_seconds(trial, data_ratio)
        record = {"trial_id": trial.trial_id, "weight": weight, "planned_seconds": planned}
        model = None
        if budget.fits(None if planned is None else planned * MIN_REFIT_SHARE):
            model, info = tuner.refit(trial, member=index, deadline=budget.deadline, **refit_kwargs)
            record["refit"] = info
            if info.get("cut_off") and info["epochs_trained"] < MIN_REFIT_SHARE * info["epochs"]:
                decision("The refit of trial %s was stopped by the time budget after %d of %d epochs; "
                         "its search checkpoint is used instead.", trial.trial_id, info["epochs_trained"],
                               info["epochs"])
                model = None
            else:
                record["source"] = "refit"
                history = history or getattr(model, "history", None)
        else:
            decision("No time left to refit trial %s (planned %.0fs); its search checkpoint is used.",
                     trial.trial_id, planned or 0.0)
        if model is None:
            model = tuner.load_trial_model(trial)
            record["source"] = "checkpoint"
        models.append(model)
        records.append(record)
    if len(models) == 1:
        return models[0], records, history
    final = ensemble_module.build_ensemble_model(models, members.weights, output_names=output_names)
    return final, records, history
