"""The final forecaster: the search's model replaces the closed-form map only on a significant validation gain.

Forecast windows overlap (a window and the next share all but one row), so a gain concentrated on one stretch of
the validation rows is weaker evidence than the same mean gain spread over the whole period; the Diebold-Mariano
test with a long-run variance over `horizon` lags tells them apart. And the per-window normalisation is not
searched off (a model of the raw window bets on the training rows' levels).
"""

import keras_tuner
import numpy as np
from keras_tuner.engine import trial as trial_module

import autonas
from autonas.final_model import Members
from autonas.tasks import forecast_selection

HORIZON, ROWS = 24, 960
BLOCK = "forecast_block"
MAP = {f"{BLOCK}/family": "linear", f"{BLOCK}/normalization": "last", f"{BLOCK}/closed_form": "frozen",
       f"{BLOCK}/channel_independent": True, f"{BLOCK}/decomposition": False, f"{BLOCK}/lookback": 96}


def _targets(seed=0):
    return np.random.default_rng(seed).normal(size=(ROWS, HORIZON, 8))


def _forecasts(y, error, seed):
    """Forecasts of `y` whose squared error per window is about `error[t]` (noise of that variance)."""
    noise = np.random.default_rng(seed).normal(size=y.shape)
    return y + noise * np.sqrt(np.asarray(error))[:, None, None]


def test_a_gain_spread_over_the_period_is_significant_and_the_same_gain_on_one_stretch_is_not():
    y = _targets()
    reference = _forecasts(y, np.full(ROWS, 1.0), seed=1)
    spread = _forecasts(y, np.full(ROWS, 1.0 - HORIZON / ROWS), seed=2)
    stretch_error = np.full(ROWS, 1.0)
    stretch_error[:HORIZON] = 0.0  # the same mean gain, on one horizon's windows
    stretch = _forecasts(y, stretch_error, seed=2)
    ok, statistic, threshold = forecast_selection.significant_gain(spread, reference, y, HORIZON)
    assert ok and statistic < threshold
    ok, statistic, threshold = forecast_selection.significant_gain(stretch, reference, y, HORIZON)
    assert not ok, (statistic, threshold)


def test_overlapping_windows_widen_the_long_run_variance():
    rng = np.random.default_rng(0)
    blocks = np.repeat(rng.normal(size=ROWS // HORIZON), HORIZON) - 0.3  # differences constant over a horizon
    _, independent = forecast_selection.diebold_mariano(blocks, np.zeros(ROWS), 0)
    _, overlapping = forecast_selection.diebold_mariano(blocks, np.zeros(ROWS), HORIZON)
    assert independent < 2 * overlapping < 0  # counted as one window per horizon, the evidence is far weaker


def test_choosing_among_more_models_asks_for_a_larger_gain():
    y = _targets()
    reference = _forecasts(y, np.full(ROWS, 1.0), seed=1)
    candidate = _forecasts(y, np.full(ROWS, 0.95), seed=2)
    one = forecast_selection.significant_gain(candidate, reference, y, HORIZON, candidates=1)
    many = forecast_selection.significant_gain(candidate, reference, y, HORIZON, candidates=20)
    assert one[1] == many[1] and many[2] < one[2]


class Records:
    """The two tuner methods `gated_members` reads, over real KerasTuner trials."""

    def __init__(self):
        self.trials, self.predictions = [], {}

    def add(self, trial_id, values, score, predictions):
        hps = keras_tuner.HyperParameters()
        hps.values.update(values)
        trial = trial_module.Trial(hps, trial_id=trial_id, status=trial_module.TrialStatus.COMPLETED)
        trial.score = score
        self.trials.append(trial)
        self.predictions[trial_id] = predictions
        return trial

    def completed_full_trials(self):
        return list(self.trials)

    def validation_predictions(self, trial_id):
        return self.predictions.get(trial_id)


def _search(candidate_error):
    y = _targets()
    records = Records()
    ref_preds = _forecasts(y, np.full(ROWS, 1.0), seed=1)
    mlp_preds = _forecasts(y, candidate_error, seed=1)  # the same errors, scaled: averaging them gains nothing
    ref = records.add("00", MAP, float(np.mean((ref_preds - y) ** 2)), ref_preds)
    mlp = records.add("01", {**MAP, f"{BLOCK}/family": "mlp"}, float(np.mean((mlp_preds - y) ** 2)), mlp_preds)
    return records, y, ref, mlp


def test_an_ensemble_that_does_not_beat_the_map_significantly_gives_way_to_the_map_alone():
    stretch_error = np.full(ROWS, 1.0)
    stretch_error[:HORIZON] = 0.0  # better on validation, all of it on one horizon's windows
    records, y, ref, mlp = _search(stretch_error)
    chosen = Members([mlp, ref], [0.8, 0.2], reason="an ensemble", checkpoints=[(mlp, 0.7), (ref, 0.3)])
    final = forecast_selection.gated_members(records, chosen, y, HORIZON, BLOCK)
    assert [t.trial_id for t in final.trials] == ["00"] and final.weights == [1.0]
    assert final.checkpoints is None and "closed-form map" in final.reason
    test = final.validation["diebold_mariano"]
    assert test["statistic"] >= test["threshold"] and test["candidates"] == 2
    assert final.validation["closed_form_map"]["loss"] == ref.score


def test_a_model_that_beats_the_map_significantly_stays_final():
    records, y, ref, mlp = _search(np.full(ROWS, 0.8))
    chosen = Members([mlp], [1.0], reason="the best trial", checkpoints=[(mlp, 1.0)])
    assert forecast_selection.gated_members(records, chosen, y, HORIZON, BLOCK) is chosen


def test_without_a_closed_form_map_in_the_search_the_chosen_model_stays():
    records, y, ref, mlp = _search(np.full(ROWS, 1.0))
    records.trials.remove(ref)
    chosen = Members([mlp], [1.0], reason="the best trial")
    assert forecast_selection.gated_members(records, chosen, y, HORIZON, BLOCK) is chosen


def _graph(**block_args):
    inp = autonas.TimeSeriesInput(window=32)
    inp.infer_shape(np.random.default_rng(0).normal(size=(100, 2)))
    head = autonas.ForecastHead(horizon=4)
    out = head(autonas.ForecastBlock(lookbacks=[16, 32], name=BLOCK, **block_args)(inp))
    head.target_index = [0, 1]
    return autonas.Graph(inp, out)


def test_the_search_keeps_a_per_window_normalisation_and_none_is_still_available_when_set():
    hps = keras_tuner.HyperParameters()
    _graph().build(hps)
    searched = {hp.name: hp for hp in hps.space}
    assert sorted(searched[f"{BLOCK}/normalization"].values) == ["last", "revin"]
    model = _graph(normalization="none", family="linear").build(keras_tuner.HyperParameters())
    assert tuple(model(np.zeros((1, 32, 2), "float32")).shape) == (1, 4, 2)
