"""Training control: early stopping, time budget, model-size limit, refits, seeds."""

import os
import time

import keras
import numpy as np
import pytest

import autonas
from autonas.search import RandomSearch


def _vanilla_classifier(**kwargs):
    """An image classifier whose backbone is always the plain convnet.

    Its hyperparameter names and defaults are those of `ImageClassifier` (the
    default configuration is the same 67k-parameter convnet), but no trial
    draws an xception, resnet or mbconv backbone, whose graphs take many
    seconds to trace: for tests of the search's bookkeeping, not of the space.
    """
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.ImageBlock(block_type="vanilla")(inp))
    return autonas.AutoModel(inp, out, project_name="image_classifier", **kwargs)


def test_epochs_none_early_stopping_and_refit_uses_best_epoch(tmp_path, small_digits):
    x, y, _, _ = small_digits
    x, y = x[:200], y[:200]
    # The plain default convnet, not the task's warm start: with dropout, validation accuracy keeps
    # creeping up and early stopping comes twice as late (about 40 epochs), which tests nothing more.
    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True, initial_hps=[{}])
    clf.fit(x, y, epochs=None, verbose=0)
    info = clf.tuner_.trial_info(clf.best_trial_.trial_id)
    assert 1 <= info["best_epoch"] <= info["epochs_trained"]
    assert info["epochs_trained"] < autonas.tuner.DEFAULT_MAX_EPOCHS
    assert info["epochs_trained"] - info["best_epoch"] <= autonas.tuner.DEFAULT_PATIENCE
    assert clf.refit_info_["epochs"] == info["best_epoch"]
    assert len(clf.model_.history.history["loss"]) == info["best_epoch"]


@pytest.mark.slow
def test_max_time_stops_the_search_and_still_refits(tmp_path, small_digits):
    x, y, x_test, _ = small_digits

    class SlowEpochs(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(0.5)

    # every epoch takes half a second or more, so a trial of 200 epochs (early stopping ends one after 11 at the
    # earliest) cannot end on its own inside the 4 seconds: the deadline must stop it. `random` search: the first
    # trial is full fidelity (the default's first trials are 3-epoch proxies, which may end on their own in time)
    clf = autonas.ImageClassifier(max_trials=50, max_time=4, seed=0, tuner="random", directory=tmp_path,
                                  overwrite=True)
    clf.fit(x, y, epochs=200, verbose=0, callbacks=[SlowEpochs()])
    board = clf.leaderboard()
    assert len(board) < 50
    assert clf.search_time_ < 4 + 60  # 200 epochs were asked for: the running trial was stopped
    assert clf.model_ is not None and clf.predict(x_test).shape == (len(x_test),)
    infos = clf.tuner_.trial_infos()
    assert any(i.get("stopped_by_deadline") for i in infos.values())


def test_oversized_candidates_are_skipped_not_failed(tmp_path, small_digits):
    x, y, _, _ = small_digits
    clf = _vanilla_classifier(max_trials=3, max_model_size=30_000, seed=0, directory=tmp_path, overwrite=True)
    clf.fit(x[:200], y[:200], epochs=1, verbose=0)
    board = clf.leaderboard()
    assert len(board) == 3
    assert set(board["status"]) == {"COMPLETED"}
    assert (board["params"] <= 30_000).all()
    skipped = clf.tuner_.oracle.skipped
    assert skipped, "the default configuration (67k parameters) must have been skipped"
    assert skipped[0]["values"] == clf.tuner_.oracle.complete_values({})  # the warm start came first
    assert all("max_model_size=30000" in s["reason"] for s in skipped)


def test_no_feasible_candidate_is_a_clear_error(tmp_path, small_digits):
    x, y, _, _ = small_digits
    # Every proposal is built to count its parameters; after `max_infeasible` infeasible proposals
    # in a row the strategy counts as exhausted. The default (50) means 50 model builds, so this
    # test lowers it on the oracle: the path to the error is the same.
    oracle = RandomSearch(objective="val_accuracy", max_trials=2, seed=0, max_infeasible=3)
    clf = autonas.ImageClassifier(tuner=oracle, max_model_size=10, seed=0, directory=tmp_path, overwrite=True)
    with pytest.raises(RuntimeError, match="completed no trial.*max_model_size") as raised:
        clf.fit(x[:200], y[:200], epochs=1, verbose=0)
    assert not oracle.trials  # nothing was trained
    assert len(oracle.skipped) == 3
    assert all("max_model_size=10" in s["reason"] for s in oracle.skipped)
    # the message names the smallest candidate seen, so the user knows what limit would do
    sizes = [s["params"] for s in oracle.skipped]  # each skipped entry carries what was measured
    assert all(s["reason"].startswith(f"{s['params']} parameters") and s["macs"] > 0 for s in oracle.skipped)
    assert f"{min(sizes)} parameters > max_model_size=10" in str(raised.value)


def test_second_fit_continues_or_restarts(tmp_path, small_digits):
    x, y, _, _ = small_digits
    x, y = x[:200], y[:200]
    clf = _vanilla_classifier(max_trials=1, seed=0, directory=tmp_path, overwrite=False)
    clf.fit(x, y, epochs=1, verbose=0)
    clf.fit(x, y, epochs=1, verbose=0)
    assert len(clf.leaderboard()) == 2  # continued with max_trials more
    fresh = _vanilla_classifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    fresh.fit(x, y, epochs=1, verbose=0)
    fresh.fit(x, y, epochs=1, verbose=0)
    assert len(fresh.leaderboard()) == 1  # a new search each time


def test_same_seed_same_trials(tmp_path, small_digits):
    x, y, _, _ = small_digits
    boards = []
    for run in range(2):
        clf = _vanilla_classifier(max_trials=2, seed=0, directory=tmp_path / str(run), overwrite=True)
        clf.fit(x[:200], y[:200], epochs=1, verbose=0)
        boards.append(clf.leaderboard().sort_values("trial_id").reset_index(drop=True))
    hp_columns = [c for c in boards[0].columns if "/" in c or c in ("optimizer", "learning_rate")]
    assert boards[0][hp_columns].equals(boards[1][hp_columns])
    np.testing.assert_allclose(boards[0]["score"], boards[1]["score"], atol=1e-6)


def test_seed_zero_is_a_seed(tmp_path, small_digits):
    x, y, _, _ = small_digits
    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    clf.fit(x, y, epochs=1, verbose=0)
    assert clf.tuner_.trial_info("0")["seed"] == 0


def test_image_regressor_predicts_numbers(tmp_path, small_digits):
    x, y, x_test, y_test = small_digits
    reg = autonas.ImageRegressor(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    reg.fit(x, y.astype("float32"), epochs=3, verbose=0)
    pred = reg.predict(x_test)
    assert pred.shape == (len(x_test),)
    rmse = float(np.sqrt(np.mean((pred - y_test) ** 2)))
    assert rmse < float(np.std(y_test))  # better than predicting the mean
    assert "mean_squared_error" in reg.evaluate(x_test, y_test.astype("float32"))


class _EpochWeights:
    """Weights and validation scores at every epoch end (class-level: the tuner copies callbacks)."""

    records = []

    @classmethod
    def callback(cls):
        import keras

        class Record(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if "val_loss" in logs:  # not the refit, which has no validation data
                    cls.records.append((logs["val_loss"], self.model.get_weights()))

        return Record()


def test_checkpoint_holds_the_best_epoch_and_refuses_foreign_or_damaged_files(tmp_path, small_digits):
    x, y, _, _ = small_digits
    _EpochWeights.records.clear()
    # learning rate 3e-3 on 200 images: the validation loss is not lowest at the last of 6 epochs
    model = _vanilla_classifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True, objective="val_loss",
                                initial_hps=[{"learning_rate": 3e-3}])
    model.fit(x[:200], y[:200], epochs=6, verbose=0, callbacks=[_EpochWeights.callback()])
    trial = model.best_trial_
    assert len(_EpochWeights.records) == 6
    losses = [loss for loss, _ in _EpochWeights.records]
    best = int(np.argmin(losses))
    assert model.tuner_.trial_info(trial.trial_id)["best_epoch"] == best + 1
    loaded = model.tuner_.load_trial_model(trial).get_weights()
    for a, b in zip(loaded, _EpochWeights.records[best][1]):
        np.testing.assert_array_equal(a, b)
    if best != 5:  # the usual case here: the checkpoint is not simply the last epoch
        assert any(not np.array_equal(a, b) for a, b in zip(loaded, _EpochWeights.records[5][1]))

    # a trial directory from before `.npz` checkpoints: Keras's weights file is read instead
    path = model.tuner_.checkpoint_path(trial.trial_id)
    legacy = os.path.join(os.path.dirname(path), "checkpoint.weights.h5")
    keras_model = model.tuner_.load_trial_model(trial)
    keras_model.save_weights(legacy)
    os.replace(path, path + ".moved")
    for a, b in zip(model.tuner_.load_trial_model(trial).get_weights(), _EpochWeights.records[best][1]):
        np.testing.assert_array_equal(a, b)
    os.replace(path + ".moved", path)
    os.remove(legacy)

    with open(path, "r+b") as f:
        f.truncate(100)
    with pytest.raises(ValueError, match="checkpoint"):
        model.tuner_.load_trial_model(trial)
    np.savez(path, np.zeros(3))
    with pytest.raises(ValueError, match="do not fit"):
        model.tuner_.load_trial_model(trial)


def test_fit_input_iterators_are_released_off_the_training_thread(small_digits):
    import gc
    import weakref

    import keras

    from autonas import _compat

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the TensorFlow trainer's iterators")
    from keras.src.backend.tensorflow.trainer import TFEpochIterator

    x, y, _, _ = small_digits
    x = x[:128, :, :, None].astype("float32") / 16

    def run(deferred):
        keras.utils.set_random_seed(0)
        inp = keras.Input((8, 8, 1))
        model = keras.Model(inp, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inp)))
        model.compile("adam", "sparse_categorical_crossentropy")
        if not deferred:
            return model.fit(x, y[:128], validation_data=(x, y[:128]), epochs=2, verbose=0).history
        with _compat.iterators_released_in_background():
            history = model.fit(x, y[:128], validation_data=(x, y[:128]), epochs=2, verbose=0).history
            held = list(_compat.keras._collected.items)
        return history, held, _compat.keras._releases[-1]

    plain = run(False)
    deferred, held, release = run(True)
    assert deferred == plain  # the same training
    assert any(isinstance(item, TFEpochIterator) for item in held)
    assert len(held) >= 4  # the train and validation epoch iterators and the iterators they handed out
    refs = [weakref.ref(item) for item in held]
    del held
    assert release.daemon and release.name == "autonas-release"  # never holds up the interpreter's exit
    release.join(timeout=60)
    assert not release.is_alive()
    gc.collect()
    assert all(ref() is None for ref in refs)
