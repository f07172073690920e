"""Failure isolation: a trial that raises or diverges never takes the search down."""

import json

import keras
import numpy as np
import pytest

import autonas
from autonas.blocks.base import Block, choice
from autonas.tuner import SearchFailed


class Faulty(Block):
    """Raises, diverges or works, as its `mode` hyperparameter says."""

    def build(self, hp, inputs):
        mode = self.param(hp, "mode", None, choice(["ok", "raise", "nan"]))
        units = self.param(hp, "units", None, choice([16, 8]))
        if mode == "raise":
            raise ValueError("this layer configuration is invalid")
        x = keras.layers.Dense(units, activation="relu")(inputs)
        if mode == "nan":
            x = keras.layers.Lambda(lambda t: t * float("nan"))(x)
        return x


def _model(tmp_path, order, **kwargs):
    inp = autonas.Input()
    out = autonas.ClassificationHead(dropout=0.0)(Faulty(name="faulty")(inp))
    return autonas.AutoModel(inp, out, max_trials=len(order), seed=0, directory=tmp_path, overwrite=True,
                             initial_hps=[{"faulty/mode": m, "faulty/units": u} for m, u in order], **kwargs)


def _data(small_digits):
    x, y, _, _ = small_digits
    return x.reshape(len(x), -1), y


def test_raising_and_nan_trials_are_failed_and_the_search_goes_on(tmp_path, small_digits):
    x, y = _data(small_digits)
    model = _model(tmp_path, [("raise", 16), ("nan", 16), ("ok", 16)])
    model.fit(x, y, epochs=2, verbose=0)
    board = model.leaderboard().set_index("trial_id")
    assert board.loc["0", "status"] == "FAILED"
    assert board.loc["1", "status"] == "FAILED"
    assert board.loc["2", "status"] == "COMPLETED"
    trials = model.tuner_.oracle.trials
    assert "this layer configuration is invalid" in trials["0"].message
    assert "NaN" in trials["1"].message
    assert model.best_trial_.trial_id == "2"
    assert np.isfinite(model.evaluate(x, y)["loss"])


def test_consecutive_failures_end_the_search_with_their_messages(tmp_path, small_digits):
    x, y = _data(small_digits)
    model = _model(tmp_path, [("raise", 16), ("nan", 16), ("raise", 8), ("ok", 16)],
                   max_consecutive_failed_trials=3)
    with pytest.raises(SearchFailed) as info:
        model.fit(x, y, epochs=1, verbose=0)
    message = str(info.value)
    assert "3 trials failed in a row" in message
    assert "trial 0: ValueError: this layer configuration is invalid" in message
    assert "trial 1:" in message and "NaN" in message
    modes = [json.loads(p.read_text())["hyperparameters"]["values"]["faulty/mode"]
             for p in tmp_path.glob("auto_model/trial_*/trial.json")]
    assert sorted(modes) == ["nan", "raise", "raise"]  # the search stopped before the working config


def test_bad_max_consecutive_failed_trials(tmp_path):
    with pytest.raises(ValueError, match="max_consecutive_failed_trials"):
        _model(tmp_path, [("ok", 16)], max_consecutive_failed_trials=0)
