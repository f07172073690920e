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

The final model also averages in the search checkpoints themselves: the
greedy ensemble of the best trials' checkpoints (trained on the training split
only, chosen on their validation predictions) weighs `CHECKPOINT_SHARE` of the
final model, the refitted members the rest. This costs no training (the
checkpoints exist) and adds a second, independent training of the chosen
configurations, which lowers the variance of the final model (AutoGluon's
default bagging averages models trained on parts of the data in the same way).
On the dev splits of the small benchmark tasks it lowered the error on every
seed (benchmarks/final_variants.py, benchmarks/RESULTS.md).
"""

import dataclasses

import numpy as np

from autonas import _compat
from autonas import ensemble as ensemble_module
from autonas.budget import MIN_REFIT_SHARE, load_seconds
from autonas.reporting.decisions import decision

#: the best full-fidelity trials considered for the ensemble.
MAX_CANDIDATES = 20
#: greedy selection steps (the weights are multiples of 1 / SELECTION_STEPS).
SELECTION_STEPS = 25
#: with ``ensemble_size="auto"``, members weighing less are dropped (each costs a refit) ...
MIN_WEIGHT = 0.08
#: ... and the ensemble is kept only when it lowers the best trial's validation loss by this share.
MIN_GAIN = 0.002
#: the share of the final model given to the greedy ensemble of the search checkpoints (0 turns it off).
CHECKPOINT_SHARE = 0.5


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
        checkpoints: ``[(trial, weight)]``: the trials whose search checkpoints
            join the final model beside the refitted members (weights summing
            to 1 among themselves; they weigh `CHECKPOINT_SHARE` in all), or
            None for none.
    """

    trials: list
    weights: list
    validation: dict = None
    reason: str = ""
    checkpoints: list = None


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
    weights = _kept(selection.weights, ensemble_size)
    averaged = ensemble_module.weighted_average(preds, weights)
    scores = {"ensemble": _scores(kind, y_val, averaged, loss), "best": _scores(kind, y_val, preds[0], loss)}
    # the search checkpoints' own greedy ensemble, without the gain test: it joins the refits in any case
    single.checkpoints = [(candidates[i][0], w) for i, w in weights.items()]
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
                   reason=f"an ensemble of {len(trials)} trials chosen on validation predictions",
                   checkpoints=single.checkpoints)


def _kept(weights, ensemble_size):
    """The selection's weights capped at `ensemble_size` members (``"auto"``: those of `MIN_WEIGHT` or more)."""
    weights = dict(weights)
    if isinstance(ensemble_size, int) and len(weights) > ensemble_size:
        weights = {i: weights[i] for i in list(weights)[:ensemble_size]}
    if ensemble_size == "auto":
        weights = {i: w for i, w in weights.items() if w >= MIN_WEIGHT} or {0: 1.0}
    total = sum(weights.values())
    return {i: w / total for i, w in weights.items()}


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


def fit_final_model(tuner, members, data_ratio, budget, refit_kwargs, output_names=None, compile_joined=None):
    """Refit each member within the budget and join them into one Keras model.

    Args:
        tuner: the `autonas.tuner.Tuner`.
        members: a `Members`.
        data_ratio: refit examples / trial examples.
        budget: the fit's `autonas.budget.FitBudget`.
        refit_kwargs: keyword arguments of `Tuner.refit` (x, y, batch_size, ...).
        output_names: names of the ensemble's outputs (the heads' names).
        compile_joined: called with the joined model (several members) to
            compile it, under the search's distribution strategy.

    Returns:
        ``(model, records, history)``: the final `keras.Model`, the record of
        each member (``trial_id``, ``weight``, ``source`` "refit" or
        "checkpoint", and the refit record), and the Keras `History` of the
        heaviest member's refit (None when no member was refitted).
    """
    # the checkpoints first: they cost seconds, and a member whose refit does not fit falls back on its own
    loaded = _load_checkpoints(tuner, members.checkpoints if CHECKPOINT_SHARE > 0 else None, budget)
    models, records, history = [], [], None
    for index, (trial, weight) in enumerate(zip(members.trials, members.weights)):
        planned = tuner.refit_seconds(trial, data_ratio)
        record = {"trial_id": trial.trial_id, "weight": weight, "planned_seconds": planned}
        model = None
        if budget.fits(None if planned is None else planned * MIN_REFIT_SHARE):
            model, info = tuner.refit(trial, member=index, deadline=budget.work_deadline, **refit_kwargs)
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
            model = loaded[trial.trial_id] if trial.trial_id in loaded else tuner.load_trial_model(trial)
            record["source"] = "checkpoint"
        models.append(model)
        records.append(record)
    weights = list(members.weights)
    if loaded:
        models, weights, records = _with_checkpoints(members, loaded, models, weights, records)
    if len(models) == 1:
        return models[0], records, history
    # built and compiled under the search's distribution strategy, as the members were: it predicts there
    with _compat.keras_tuner.maybe_distribute(getattr(tuner, "distribution_strategy", None)):
        final = ensemble_module.build_ensemble_model(models, weights, output_names=output_names)
        if compile_joined is not None:
            compile_joined(final)
            # built now, as a trained model's is: saved unbuilt, it would be skipped with a warning on loading
            if final.optimizer is not None and not final.optimizer.built:
                final.optimizer.build(final.trainable_variables)
    return final, records, history


def _load_checkpoints(tuner, checkpoints, budget):
    """``{trial_id: keras.Model}``: the search checkpoints of `checkpoints` whose loading fits in the time left."""
    loaded = {}
    for trial, _ in checkpoints or []:
        if not budget.fits(load_seconds(tuner, trial)):
            decision("No time left to load the checkpoint of trial %s; the final model goes without it.",
                     trial.trial_id)
            continue
        loaded[trial.trial_id] = tuner.load_trial_model(trial)
    return loaded


def _with_checkpoints(members, loaded, models, weights, records):
    """Add the loaded search checkpoints to the members, weighing `CHECKPOINT_SHARE` of the whole.

    A checkpoint already among the members (a refit that did not fit) gains
    the weight instead of entering twice; a checkpoint that could not be
    loaded in time is left out (and its share goes to the rest).

    Returns:
        ``(models, weights, records)``.
    """
    share = CHECKPOINT_SHARE
    models, records = list(models), [dict(r) for r in records]
    weights = [w * (1 - share) for w in weights]
    added = []
    for trial, w in members.checkpoints:
        if trial.trial_id not in loaded:
            continue
        same = [i for i, m in enumerate(models) if m is loaded[trial.trial_id]]
        if same:
            weights[same[0]] += share * w
            continue
        models.append(loaded[trial.trial_id])
        weights.append(share * w)
        records.append({"trial_id": trial.trial_id, "source": "checkpoint", "part": "search checkpoints"})
        added.append(trial.trial_id)
    total = sum(weights)
    weights = [w / total for w in weights]
    for record, w in zip(records, weights):
        record["weight"] = w
    if added:
        members.reason += "; beside it, the greedy ensemble of the search checkpoints"
        decision("The search checkpoints of trials %s join the final model (%.0f%% of its weight).",
                 ", ".join(added), 100 * sum(w for r, w in zip(records, weights) if r.get("part")))
    return models, weights, records
