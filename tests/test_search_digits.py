"""A tiny real search with each strategy on scikit-learn digits (training, not a table)."""

import numpy as np
import pytest

import autonas
from autonas.search import STRATEGIES
from search_helpers import NAMES


def _search(tmp_path, small_digits, tuner, max_trials=4, epochs=3):
    x_train, y_train, x_test, y_test = small_digits
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.DenseBlock(num_layers=1)(inp))
    model = autonas.AutoModel(inputs=inp, outputs=out, max_trials=max_trials, tuner=tuner, seed=0,
                              directory=tmp_path, project_name=str(tuner), overwrite=True)
    model.fit(x_train, y_train, epochs=epochs, verbose=0)
    return model, x_test, y_test


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_each_strategy_runs_a_real_search(tmp_path, small_digits, name):
    model, x_test, y_test = _search(tmp_path, small_digits, name)
    oracle = model.tuner_.oracle
    assert isinstance(oracle.strategy, STRATEGIES[name])
    trials = list(oracle.trials.values())
    assert 1 <= len(trials) <= 4
    assert all(t.status == "COMPLETED" for t in trials)
    configs = [{k: v for k, v in t.hyperparameters.values.items() if not k.startswith("tuner/")}
               for t in trials if "tuner/trial_id" not in t.hyperparameters.values]
    assert len({tuple(sorted(c.items())) for c in configs}) == len(configs)
    accuracy = float(np.mean(model.predict(x_test) == y_test))
    assert accuracy > 0.5
    if name == "hyperband":  # the same search (max_trials=4, epochs=3) as a test of its own paid twice for
        _check_hyperband_gets_max_epochs_from_fit_and_promotions_continue(model)


def _check_hyperband_gets_max_epochs_from_fit_and_promotions_continue(model):
    # max_epochs 3, factor 3: three configurations at 1 epoch, then the best goes on to 3 epochs
    oracle = model.tuner_.oracle
    assert oracle.max_epochs == 3
    trials = [oracle.trials[i] for i in oracle.start_order]
    promoted = [t for t in trials if "tuner/trial_id" in t.hyperparameters.values]
    assert promoted
    for t in promoted:
        values = t.hyperparameters.values
        parent = oracle.trials[values["tuner/trial_id"]]
        assert values["tuner/initial_epoch"] == parent.hyperparameters.values["tuner/epochs"]
        info = model.tuner_.trial_info(t.trial_id)
        # trained only the epochs between the parent's budget and its own
        assert info["epochs_trained"] == values["tuner/epochs"] - values["tuner/initial_epoch"]
