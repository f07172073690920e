"""A forecast fit's time plan: what the budget plans for the refit and for what follows a stopped trial.

- A frozen closed-form map has no trainable weights: its refit is its build (no epoch trained), and the
  search plans it so (an ETTh1 fit spent 42-59 s per refit epoch of such a map on a busy core, and left
  no time to refit the trials that do train).
- A trial stopped by the deadline still runs its epoch's validation pass and saves its validation
  predictions; `Deadline` stops it that much earlier, at the pace of the batches it timed itself (an
  ETTh1 Transformer trial ran 7 s past the search's deadline on an idle core this way, which the refit
  then lacked).
- A trial starts only when the median trial so far fits in the search's time left: one started in the last
  seconds (as long as the cheapest trial so far) is stopped only after its first batch and its validation pass.
- Greedy ensemble selection with the squared error scores each step from the residuals' Gram matrix
  (no pass over the validation rows per step): the same choices as scoring every average directly.
"""

import time

import keras
import numpy as np
import pandas as pd
import pytest

import autonas
from autonas.budget import FitBudget, stop_tail_batches
from autonas.ensemble import greedy_selection, mean_squared_error
from autonas.trials.callbacks import Deadline
from autonas.tuner_budget import BudgetMixin


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({"date": pd.date_range("2021-03-01", periods=n, freq="h"),
                         "a": 10 + 3 * np.sin(2 * np.pi * t / 24) + 0.3 * rng.normal(size=n)})


def test_a_frozen_closed_form_map_refits_by_its_build_and_is_planned_so(tmp_path):
    model = autonas.TimeSeriesForecaster(horizon=6, targets="a", lookback=48, max_trials=1, tuner="random", seed=0,
                                         directory=tmp_path, ensemble_size=1)
    model.fit(_frame(), batch_size=64, verbose=0)
    tuner, best = model.tuner_, model.best_trial_
    hps = best.hyperparameters.values
    assert hps["forecast_block/closed_form"] == "frozen" and hps["forecast_block/family"] == "linear", hps
    info = tuner.trial_info(best.trial_id)
    assert info["trainable_params"] == 0 and info["epochs_trained"] == 1, info
    # the plan: the build alone (before, the trial's measured epoch time scaled to the refit's data)
    assert tuner.refit_seconds(best, 1.25) == pytest.approx(info["build_seconds"])
    assert model.refit_info_["source"] == "refit" and model.refit_info_["epochs_trained"] == 0, model.refit_info_
    # what follows a stop by the deadline was planned from the validation batches (2 passes: full fidelity)
    expected = stop_tail_batches(tuner.num_validation_examples, 64, full_fidelity=True)
    assert expected > 0 and info["stop_tail_batches"] == pytest.approx(expected)


def _batches_trained(deadline):
    x, y = np.zeros((40, 3), "float32"), np.zeros((40, 1), "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    seen = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs=None: seen.append(batch))
    model.fit(x, y, batch_size=4, epochs=1, callbacks=[counter, deadline], verbose=0)
    return len(seen)


def test_deadline_stops_early_by_the_work_after_a_stop_at_the_pace_it_timed():
    far = time.time() + 3600.0
    assert _batches_trained(Deadline(far)) == 10
    # an hour away, but what follows the stop would take longer at any measured pace: it stops as soon as
    # it has timed a batch (the first one, which traces the training function, is not timed)
    stop = Deadline(far, tail_batches=1e15)
    assert _batches_trained(stop) == 2
    assert stop.fired and stop.batch_seconds > 0


def test_squared_error_selection_chooses_as_scoring_every_average_directly():
    rng = np.random.default_rng(3)
    y = rng.normal(size=(200, 5, 2))
    preds = [y + rng.normal(scale=s, size=y.shape) + b for s, b in ((0.5, 0.1), (0.6, -0.1), (0.4, 0.3), (0.9, 0.0))]
    preds.append(preds[1].copy())  # an exact tie: the earlier candidate wins either way
    fast = greedy_selection(preds, y, loss=mean_squared_error, size=25)
    direct = greedy_selection(preds, y, loss=lambda t, p: mean_squared_error(t, p), size=25)
    assert len(fast.weights) > 1 and 4 not in fast.weights
    assert fast.weights == direct.weights and fast.best_single == direct.best_single
    assert np.allclose(fast.trajectory, direct.trajectory, rtol=1e-12, atol=0)


def test_the_final_model_is_planned_to_be_ready_a_small_share_before_the_deadline():
    budget = FitBudget(900.0)
    assert budget.finish_seconds() == pytest.approx(9.0)  # 1% of 15 minutes (3 s at least)
    assert FitBudget(60.0).finish_seconds() == pytest.approx(3.0)
    assert budget.work_deadline == pytest.approx(budget.deadline - 9.0)
    # 780 s of planned refit (x1.15: 897 s) fits 900 s but not the 891 s before the final model is joined
    assert not budget.fits(780.0) and budget.fits(770.0)
    assert FitBudget(None).work_deadline is None and FitBudget(None).fits(1e9)


class _Search(BudgetMixin):
    """What `_time_for_another_trial` reads: the search deadline and the trials' recorded durations."""

    def __init__(self, durations, left):
        self.deadline = time.time() + left
        self._infos = {str(i): {"duration": d} for i, d in enumerate(durations)}

    def trial_infos(self):
        return self._infos


def test_no_trial_starts_in_the_last_seconds_of_the_search():
    # 3.5 s left: as long as the cheapest trial so far, far shorter than a typical one (it would overrun)
    assert not _Search([1.0, 2.1, 29.4, 384.6, 26.2], left=3.5)._time_for_another_trial()
    assert _Search([1.0, 2.1, 29.4, 384.6, 26.2], left=60.0)._time_for_another_trial()
    assert _Search([], left=3.5)._time_for_another_trial()
