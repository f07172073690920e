"""The best trial of a search is the best full-fidelity trial, also when its configuration scored best as a proxy.

A frozen closed-form forecaster has no trainable weights: its proxy trial and its promoted full-fidelity trial
score exactly alike. The oracle ranks configurations by their mean score and represents each by its best-scoring
trial (the earlier on ties: the proxy), so the best configuration must still yield its full-fidelity trial rather
than be skipped in favour of a worse configuration (an ETTh1 univariate run chose a trial validating 0.0926 over the
frozen map's 0.0887 this way, and its ensemble was then compared with the worse trial).
"""

import keras_tuner
from keras_tuner.engine import trial as trial_module

from autonas import search
from autonas.tuner_records import RecordsMixin


class Records(RecordsMixin):
    def __init__(self, oracle):
        self.oracle = oracle


def _add(oracle, trial_id, values, score):
    hps = keras_tuner.HyperParameters()
    hps.values.update(values)
    trial = trial_module.Trial(hps, trial_id=trial_id, status=trial_module.TrialStatus.COMPLETED)
    trial.score = score
    oracle.trials[trial_id] = trial
    return trial


def _records():
    oracle = search.SuccessiveHalving(objective=keras_tuner.Objective("val_loss", "min"), max_trials=10, seed=0)
    return Records(oracle), oracle


def test_a_configuration_whose_proxy_ties_its_full_trial_still_gives_the_best_trial():
    records, oracle = _records()
    frozen, tuned = {"closed_form": "frozen"}, {"closed_form": "tuned"}
    proxy = {"tuner/rung": 0, "tuner/examples": 1000}
    _add(oracle, "00", {**frozen, **proxy}, 0.0887)
    _add(oracle, "05", {**tuned, **proxy}, 0.0981)
    _add(oracle, "06", {**frozen, "tuner/parent": "00", "tuner/rung": 1, "tuner/full": 1}, 0.0887)
    _add(oracle, "10", {**tuned, "tuner/parent": "05", "tuner/rung": 1, "tuner/full": 1}, 0.0926)
    best = records.best_trial()
    assert best.trial_id == "06", (best.trial_id, best.score)
    assert records.is_full_fidelity(best.hyperparameters.values)


def test_a_proxy_that_scored_better_than_its_full_trial_does_not_hide_the_full_trial():
    records, oracle = _records()
    proxy = {"tuner/rung": 0, "tuner/examples": 1000}
    _add(oracle, "00", {"units": 8, **proxy}, 0.50)
    _add(oracle, "01", {"units": 16, **proxy}, 0.70)
    _add(oracle, "02", {"units": 8, "tuner/full": 1}, 0.55)
    _add(oracle, "03", {"units": 16, "tuner/full": 1}, 0.60)
    assert records.best_trial().trial_id == "02"
    # and a better full trial still wins over a configuration that only looked good as a proxy
    _add(oracle, "04", {"units": 32, "tuner/full": 1}, 0.52)
    assert records.best_trial().trial_id == "04"
