"""End to end: ImageClassifier search -> refit -> predict/evaluate -> export -> reload."""

import json
import os

import numpy as np
import pytest

import autonas


def _fit(tmp_path, x, y, **kwargs):
    clf = autonas.ImageClassifier(max_trials=kwargs.pop("max_trials", 2), seed=0, directory=tmp_path,
                                  overwrite=True, **kwargs)
    clf.fit(x, y, epochs=3, verbose=0)
    return clf


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, digits):
    x_train, y_train, x_test, y_test = digits
    tmp = tmp_path_factory.mktemp("clf")
    return _fit(tmp, x_train, y_train), x_test, y_test, tmp


def test_fit_predict_evaluate_on_digits(fitted):
    clf, x_test, y_test, _ = fitted
    pred = clf.predict(x_test)
    assert pred.shape == (len(x_test),)
    assert pred.dtype.kind == y_test.dtype.kind
    accuracy = float(np.mean(pred == y_test))
    assert accuracy > 0.85
    result = clf.evaluate(x_test, y_test)
    assert abs(result["accuracy"] - accuracy) < 1e-6
    proba = clf.predict_proba(x_test)
    assert proba.shape == (len(x_test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)


def test_leaderboard_has_one_row_per_trial(fitted):
    clf = fitted[0]
    board = clf.leaderboard()
    assert len(board) == 2
    for column in ["trial_id", "status", "score", "params", "duration", "best_epoch",
                   "image_block/block_type", "optimizer", "learning_rate"]:
        assert column in board.columns
    assert set(board["status"]) == {"COMPLETED"}
    assert board["score"].is_monotonic_decreasing  # val_accuracy: best first
    assert (board["params"] > 0).all()


def test_first_trial_is_the_default_warm_start(fitted):
    clf = fitted[0]
    first = clf.tuner_.oracle.trials["0"].hyperparameters.values
    space = {hp.name: hp.default for hp in clf.tuner_.oracle.hyperparameters.space}
    for name, value in first.items():
        assert value == space[name], name


def test_exported_model_is_the_refit_not_a_checkpoint(fitted):
    clf = fitted[0]
    model = clf.export_model()
    assert model is clf.model_
    # the first member is a refit (the search checkpoints may join it in an ensemble, as later members)
    members = clf.ensemble_["members"]
    assert members[0]["source"] == "refit"
    refit = model.get_layer("member_0") if len(members) > 1 else model
    trial = clf.tuner_.oracle.get_trial(members[0]["trial_id"])
    checkpoint = clf.tuner_.load_trial_model(trial)
    refit_weights = refit.get_weights()
    trial_weights = checkpoint.get_weights()
    assert len(refit_weights) == len(trial_weights)
    assert any(not np.allclose(a, b) for a, b in zip(refit_weights, trial_weights))
    info = json.load(open(os.path.join(clf.tuner_.project_dir, "refit.json")))
    assert info["trial_id"] == trial.trial_id
    assert info["epochs"] == clf.tuner_.trial_info(trial.trial_id)["best_epoch"]


@pytest.mark.slow
def test_savedmodel_reloads_and_serves_the_in_process_predictions(fitted):
    """The SavedModel's signature, loaded in this process (it runs the saved graph, no autonas code), serves what
    `predict_proba` and `predict` return. That it loads in a fresh process that never imports autonas is
    tests/test_export.py::test_the_fresh_process_never_imported_autonas (an ImageClassifier among the tasks)."""
    import tensorflow as tf

    clf, x_test, _, tmp = fitted
    path = clf.export(tmp / "serving" / "1")
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    out = serve(image_input=tf.constant(x_test[:16].astype("float32")))
    np.testing.assert_allclose(out["probabilities"].numpy(), clf.predict_proba(x_test[:16]), atol=1e-5)
    assert out["label"].numpy().tolist() == clf.predict(x_test[:16]).tolist()
    labels = json.load(open(os.path.join(path, "assets", "labels.json")))
    assert labels == {"classification_head": list(range(10))}


def test_keras_export_round_trip(fitted):
    import keras

    clf, x_test, _, tmp = fitted
    path = clf.export(tmp / "model.keras", format="keras")
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x_test[:8].astype("float32"), verbose=0),
                               clf.predict_proba(x_test[:8]), atol=1e-5)


def test_string_labels_are_decoded_to_strings(tmp_path, small_digits):
    x, y, x_test, y_test = small_digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    clf = _fit(tmp_path, x, names[y], max_trials=1)
    pred = clf.predict(x_test)
    assert pred.dtype == object or pred.dtype.kind == "U"
    assert set(pred) <= set(names)
    assert clf.evaluate(x_test, names[y_test])["accuracy"] > 0.5


def test_binary_labels_give_two_probability_columns(tmp_path, small_digits):
    x, y, x_test, _ = small_digits
    clf = _fit(tmp_path, x, y % 2 == 0, max_trials=1)
    proba = clf.predict_proba(x_test)
    assert proba.shape == (len(x_test), 2)
    pred = clf.predict(x_test)
    assert pred.dtype == bool
    np.testing.assert_array_equal(pred, proba[:, 1] >= 0.5)


def test_uint8_images_with_channel_axis(tmp_path, small_digits):
    x, y, x_test, y_test = small_digits
    x8 = (x * 16).clip(0, 255).astype("uint8")[..., None]
    clf = _fit(tmp_path, x8, y, max_trials=1)
    assert clf.predict((x_test * 16).clip(0, 255).astype("uint8")[..., None]).shape == (len(x_test),)


def test_x_y_length_mismatch_raises_before_building(tmp_path, small_digits):
    x, y, _, _ = small_digits
    clf = autonas.ImageClassifier(max_trials=1, directory=tmp_path)
    with pytest.raises(ValueError, match=r"`x` has 400 examples but `y` has 399"):
        clf.fit(x, y[:-1])
    assert clf.tuner_ is None
    assert not os.path.exists(tmp_path / "image_classifier")


def test_predict_before_fit_is_a_clear_error():
    clf = autonas.ImageClassifier(max_trials=1)
    with pytest.raises(RuntimeError, match="Call `fit` before `predict`"):
        clf.predict(np.zeros((2, 8, 8)))
