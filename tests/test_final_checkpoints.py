"""The final model averages the refitted members with the greedy ensemble of the search checkpoints."""

import numpy as np
import pytest

import autonas
from autonas.final_model import CHECKPOINT_SHARE


def _table(rows, seed=0):
    from sklearn.datasets import make_friedman1

    x, y = make_friedman1(n_samples=rows, n_features=6, noise=0.5, random_state=seed)
    return x.astype("float32"), y.astype("float32")


def _fit(tmp_path, ensemble_size, x, y):
    b = "structured_data_block"
    warm = [{f"{b}/num_units": 32}, {f"{b}/num_units": 64}, {f"{b}/num_units": 32, f"{b}/num_layers": 1}]
    reg = autonas.StructuredDataRegressor(max_trials=3, seed=0, directory=tmp_path, overwrite=True,
                                          initial_hps=warm, ensemble_size=ensemble_size)
    reg.fit(x, y, epochs=8, verbose=0)
    return reg


@pytest.mark.slow
def test_the_search_checkpoints_join_the_refitted_members_for_half_the_weight(tmp_path):
    x, y = _table(500)
    reg = _fit(tmp_path, "auto", x[:400], y[:400])
    members = reg.ensemble_["members"]
    parts = [m for m in members if m.get("part") == "search checkpoints"]
    assert parts, members
    assert sum(m["weight"] for m in members) == pytest.approx(1.0)
    assert sum(m["weight"] for m in parts) == pytest.approx(CHECKPOINT_SHARE)
    assert members[0]["source"] == "refit"
    # the leaderboard adds a trial's refit and checkpoint weights
    board = reg.leaderboard().set_index("trial_id")["final_weight"]
    for trial_id in {m["trial_id"] for m in members}:
        assert board[trial_id] == pytest.approx(sum(m["weight"] for m in members if m["trial_id"] == trial_id))
    # each checkpoint member of the one Keras model predicts what the trial's search checkpoint predicts
    feed = reg._keras_x(autonas.data.adapt_inputs(x[400:], reg.inputs, "x"))
    model = reg.export_model()
    for index, member in enumerate(members):
        if member.get("part"):
            trial = reg.tuner_.oracle.get_trial(member["trial_id"])
            expected = reg.tuner_.load_trial_model(trial).predict(feed, verbose=0)
            got = model.get_layer(f"member_{index}").predict(feed, verbose=0)
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # and the whole beats the mean predictor on held-out rows
    pred = reg.predict(x[400:]).reshape(-1)
    assert np.mean((pred - y[400:]) ** 2) < 0.5 * np.var(y[400:])


@pytest.mark.slow
def test_no_checkpoint_is_added_when_ensembles_are_off(tmp_path):
    x, y = _table(300)
    reg = _fit(tmp_path, 1, x, y)
    assert [m["source"] for m in reg.ensemble_["members"]] == ["refit"]
    assert not any(m.get("part") for m in reg.ensemble_["members"])
