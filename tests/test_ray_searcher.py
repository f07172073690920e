"""`OracleSearcher`'s pickled state: what Ray writes into its experiment folder (``tuner.pkl``). No Ray started."""

import keras
import keras_tuner
import numpy as np
import pytest

pytest.importorskip("ray", reason="Ray Tune is not installed (pip install 'autonas[ray]')")

from ray import cloudpickle  # noqa: E402


def _build(hp):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(hp.Int("units", 2, 8))])
    model.compile(loss="mse")
    return model


def test_the_pickled_searcher_holds_its_own_state_not_the_tuner_or_its_data(tmp_path):
    from autonas.executors.ray_searcher import OracleSearcher
    from autonas.executors.ray_tune import RayTuner

    oracle = keras_tuner.oracles.RandomSearchOracle(objective="val_loss", max_trials=2, seed=0)
    tuner = RayTuner(oracle, _build, directory=tmp_path, project_name="p")
    tuner.validation_arrays = (np.ones((20000, 4), "float32"), np.ones(20000, "float32"))  # 400 kB of data
    searcher = OracleSearcher(tuner)
    searcher.trial_of["ray-a"] = "0"
    blob = cloudpickle.dumps(searcher)  # as Ray pickles the search algorithm into tuner.pkl
    assert len(blob) < 20_000, len(blob)
    restored = cloudpickle.loads(blob)
    assert restored.tuner is None
    assert restored.trial_of == {"ray-a": "0"}
    assert restored.project_dir == tuner.project_dir
    assert restored.fetch_checkpoint("ray-a") is None
    assert restored.mode == "min" and restored.metric == searcher.metric
    assert searcher.tuner is tuner  # pickling leaves the live searcher as it was
