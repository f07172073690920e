"""Shared helpers for the search-strategy tests: spaces and an in-process driver."""

import math

import keras_tuner

from autonas.search import STRATEGIES, get_oracle

#: extra constructor arguments per strategy for the tests
STRATEGY_KWARGS = {
    "hyperband": {"max_epochs": 9},
    "hyperband-evolution": {"max_epochs": 9},
}
#: the black-box strategies under contract (DARTS, a one-shot method with its own tuner, is tested apart)
NAMES = ["bayesian", "evolution", "grid", "hyperband", "hyperband-evolution", "random"]
assert set(NAMES) <= set(STRATEGIES)


def conditional_space():
    """A space with conditional scopes, every hyperparameter type and a continuous float."""
    hp = keras_tuner.HyperParameters()
    hp.Choice("model", ["mlp", "cnn"])
    with hp.conditional_scope("model", "mlp"):
        hp.Int("units", 16, 64, step=16)
        hp.Float("dropout", 0.0, 0.5, step=0.25)
    with hp.conditional_scope("model", "cnn"):
        hp.Choice("filters", [8, 16, 32])
        hp.Boolean("pool")
    hp.Choice("optimizer", ["adam", "sgd", "rmsprop"])
    hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    return hp


def small_space():
    """A finite conditional space of exactly 6 configurations."""
    hp = keras_tuner.HyperParameters()
    hp.Choice("model", ["mlp", "cnn"])
    with hp.conditional_scope("model", "mlp"):
        hp.Choice("units", [16, 32])
    with hp.conditional_scope("model", "cnn"):
        hp.Fixed("filters", 8)
    hp.Choice("optimizer", ["adam", "sgd"])
    return hp


def small_space_configs():
    return [
        {"model": m, "units": u, "optimizer": o} for m in ["mlp"] for u in [16, 32] for o in ["adam", "sgd"]
    ] + [{"model": "cnn", "filters": 8, "optimizer": o} for o in ["adam", "sgd"]]


def score(values):
    """A deterministic synthetic objective (larger is better) with a clear structure."""
    s = {"adam": 0.3, "sgd": 0.1, "rmsprop": 0.2}[values["optimizer"]]
    if values["model"] == "mlp":
        s += values["units"] / 200 - values.get("dropout", 0.0) * 0.2
    else:
        s += values["filters"] / 100 + (0.05 if values.get("pool") else 0.0)
    if "learning_rate" in values:
        s -= abs(math.log10(values["learning_rate"]) + 2.5) * 0.05
    return s


def make_oracle(name, hp, max_trials=30, seed=1, **kwargs):
    args = dict(STRATEGY_KWARGS.get(name, {}))
    args.update(kwargs)
    oracle = get_oracle(name, keras_tuner.Objective("score", "max"), max_trials, seed=seed,
                        hyperparameters=hp.copy(), **args)
    return oracle


def in_memory(oracle):
    """Keep the oracle's trials in memory (no project directory)."""
    oracle.save = lambda *a, **k: None
    oracle._save_trial = lambda *a, **k: None
    oracle.verbose = 0
    return oracle


def step(oracle, objective=score, fail=None):
    """Create, evaluate and end one trial. Returns the trial, or None when the oracle stopped."""
    trial = oracle.create_trial("tester")
    if trial.status != "RUNNING":
        return None
    values = trial.hyperparameters.values
    config = {k: v for k, v in values.items() if not k.startswith("tuner/")}
    if fail is not None and fail(trial):
        trial.status = "FAILED"
        trial.message = "synthetic failure"
    else:
        oracle.update_trial(trial.trial_id, {"score": objective(config)}, step=values.get("tuner/epochs", 1) - 1)
        trial.status = "COMPLETED"
    oracle.end_trial(trial)
    return trial


def run(oracle, n, **kwargs):
    """Run up to n trials; return the list of trials run."""
    trials = []
    for _ in range(n):
        trial = step(oracle, **kwargs)
        if trial is None:
            break
        trials.append(trial)
    return trials


def config_key(values):
    return tuple(sorted((k, v) for k, v in values.items() if not k.startswith("tuner/")))


def first_runs(trials):
    """Trials that start a configuration (not promotions, not re-measurements)."""
    return [t for t in trials
            if "tuner/trial_id" not in t.hyperparameters.values and "tuner/repeat" not in t.hyperparameters.values]
