"""The six task classes on small real data: fit, predict, evaluate, weights, leaderboard, default spaces."""

import dataclasses
import gc

import keras
import numpy as np
import pandas as pd
import pytest

import autonas
from autonas.auto_model import SearchContext
from autonas.data.profile import DataProfile
from autonas.tasks.image import image_warm_start
from autonas.tasks.structured_data import structured_warm_start
from autonas.tasks.text import NGRAM_ONLY_RATIO, text_block_type, text_warm_start
from autonas.utils.cost import count_macs

from conftest import shared_data


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    order = np.random.default_rng(0).permutation(len(data.frame))
    # the ten "worst" columns of thirty: every column is a few layers of each model to build, trace and train,
    # and no assertion here depends on their number (3 class-weighted fits: 22.5 -> 16.2 CPU s)
    x, y = data.data.iloc[order, 20:].reset_index(drop=True), data.target.to_numpy()[order]
    return x[:400], y[:400], x[400:], y[400:]


def _diabetes():
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    order = np.random.default_rng(0).permutation(len(data.frame))
    x, y = data.data.iloc[order].reset_index(drop=True), data.target.to_numpy()[order].astype("float32")
    return x[:350], y[:350], x[350:], y[350:]


def _sms(n):
    lines = shared_data("sms-spam", "SMSSpamCollection").read_text(encoding="utf-8").splitlines()
    order = np.random.default_rng(0).permutation(len(lines))[:n]
    texts = np.array([lines[i].split("\t", 1)[1] for i in order], dtype=object)
    labels = np.array([lines[i].split("\t", 1)[0] for i in order], dtype=object)
    return texts, labels


def _titanic():
    frame = pd.read_csv(shared_data("titanic", "train.csv"))
    frame = frame.iloc[np.random.default_rng(0).permutation(len(frame))].reset_index(drop=True)
    return frame.drop(columns="Survived"), frame["Survived"].to_numpy()


def _context(num_train=1120, epochs=None, batch_size=32, max_time=None, shape=(8, 8)):
    return SearchContext(num_train=num_train, num_val=num_train // 4, epochs=epochs, batch_size=batch_size,
                         max_time=max_time, input_shapes=[shape])


# -- default spaces, without training ------------------------------------------------------------
def test_count_macs_of_convolutions_and_dense_layers():
    inp = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, padding="same")(inp)           # 64 positions x 4 filters x 9 x 1
    x = keras.layers.SeparableConv2D(8, 3, padding="same")(x)    # 64 x (4 x 9 + 4 x 8)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(10)(x)                                 # 128 x 10
    assert count_macs(keras.Model(inp, x)) == 64 * 4 * 9 + 64 * (4 * 9 + 4 * 8) + 128 * 10


def test_image_warm_start_follows_the_training_length():
    clf = autonas.ImageClassifier(max_trials=1)
    block, head = clf._image_block, clf.heads[0]
    short = image_warm_start(block, head, _context(epochs=3))  # 3 x 35 steps: short
    assert short[0] == {} and short[1] == {"image_block/vanilla/filters": 64}
    long = image_warm_start(block, head, _context(epochs=None))
    assert long[0] == {"image_block/vanilla/dropout": 0.25, "classification_head/dropout": 0.5}
    assert {"image_block/block_type": "resnet"} in long
    assert image_warm_start(block, head, _context(epochs=3, num_train=60000))[0] == long[0]
    regressor = autonas.ImageRegressor(max_trials=1)
    first = image_warm_start(regressor._image_block, regressor.heads[0], _context())[0]
    assert first == {"image_block/vanilla/dropout": 0.25}  # no dropout right before a regression output
    assert clf.max_cost_ratio == regressor.max_cost_ratio == 10


def test_text_and_table_warm_starts_name_the_task_blocks():
    text = autonas.TextClassifier(max_trials=1)
    assert "text_block/ngram_weighting" not in text.default_initial_hps(_context(shape=()))[1]  # no labels yet
    node = text._text_block.inputs[0]
    profile = DataProfile.from_arrays([node], [np.array(["a", "b"], dtype=object)], [np.array([0.0, 1.0])])
    configs = text.default_initial_hps(dataclasses.replace(_context(shape=()), profile=profile))  # as `fit` does
    first = configs[0]  # a linear SVM of NB-SVM's features, solved (tests/test_text_solver.py)
    assert first["text_block/block_type"] == "ngram" and first["text_block/char_ngrams"] > 0
    assert first["text_block/ngram_solver"] == "squared_hinge" and first["text_block/ngram_weighting"] == "nb"
    assert configs[1]["text_block/ngram/num_layers"] == 1 and configs[1]["text_block/ngram/dropout"] == 0.5
    assert configs[2]["text_block/ngram_solver"] == "logistic"
    assert configs[3]["text_block/ngram/num_layers"] == 0  # a linear model of the n-grams, NB-SVM's weights
    assert configs[3]["text_block/ngram_weighting"] == "nb"
    assert configs[4]["text_block/ngram/dropout"] == 0.5 and configs[4]["text_block/max_tokens"] == 20000
    regressor = autonas.TextRegressor(max_trials=1)
    first = regressor.default_initial_hps(_context(shape=()))[0]
    assert first["text_block/char_ngrams"] > 0 and "text_block/ngram/dropout" not in first
    assert not any("text_block/ngram_weighting" in c for c in regressor.default_initial_hps(_context(shape=())))
    assert text_warm_start(regressor._text_block, _context(shape=()))[0] == first
    table = autonas.StructuredDataRegressor(max_trials=1)
    configs = structured_warm_start(table._table_block)
    assert configs[0] == {} and all(set(c) <= {"structured_data_block/num_units", "structured_data_block/dropout"}
                                    for c in configs)


def test_text_families_follow_texts_per_word():
    assert text_block_type(["free prize call now", "see you"] * 50) == "ngram"  # 100 texts / 3 words
    one_word = [f"w{i}" for i in range(NGRAM_ONLY_RATIO)]
    assert text_block_type(one_word) is None  # 1500 texts of one word: sequence models too
    assert text_block_type(one_word[:-1]) == "ngram"
    assert text_block_type([f"a b w{i}" for i in range(3 * NGRAM_ONLY_RATIO)]) is None  # median 3 words
    assert text_block_type([f"a b c w{i}" for i in range(3 * NGRAM_ONLY_RATIO)]) == "ngram"


def test_text_classifier_searches_sequence_models_only_when_the_data_justifies_them(tmp_path):
    clf = autonas.TextClassifier(max_trials=2, seed=0, directory=tmp_path, overwrite=True)
    short = ["free prize call now", "see you at lunch", "win cash now", "ok see you later"] * 10
    labels = ["spam", "ham", "spam", "ham"] * 10
    clf.fit(short, labels, epochs=1, verbose=0)
    names = {p.name for p in clf.tuner_.oracle.hyperparameters.space}
    assert "text_block/block_type" not in names and "text_block/ngram/num_units" in names
    assert all("text_block/ngrams" in t.hyperparameters.values for t in clf.tuner_.oracle.trials.values())
    many = [f"w{i % 40}" for i in range(2000)]  # 1600 training texts of one word
    clf.fit(many, [("spam", "ham")[i % 40 < 20] for i in range(2000)], epochs=1, verbose=0)
    assert clf._text_block.block_type is None
    assert "text_block/block_type" in {p.name for p in clf.tuner_.oracle.hyperparameters.space}
    assert set(clf.predict(["w3", "w30"])) <= {"ham", "spam"}


def test_ngram_family_joins_word_and_character_ngrams():
    import keras_tuner

    from autonas.data import prepare_input

    texts = ["free prize call now", "see you at lunch", "win cash now!", "ok see you later"] * 5
    from autonas.data.profile import profile_graph

    node = autonas.TextInput()
    head = autonas.ClassificationHead()
    out = head(autonas.TextBlock(block_type="ngram")(node))
    head.fit_targets(np.array(["spam", "ham", "spam", "ham"] * 5))
    graph = autonas.Graph(node, out)
    profile = profile_graph(graph, [prepare_input(texts, node, fit=True)])
    hp = keras_tuner.HyperParameters()
    hp.values["text_block/char_ngrams"] = 3
    model = graph.build(hp)
    assert "text_block/char_ngrams" in {p.name for p in hp.space}
    layers = [lay for lay in model.layers if isinstance(lay, keras.layers.TextVectorization)]
    chars = next(lay for lay in layers if lay.get_config()["split"] == "character")
    assert {"f", "f r", "f r e"} <= set(chars.get_vocabulary())  # 1- to 3-grams of characters
    learnt = profile[node.name].learnt  # what the fit's profile holds after the build
    assert ("vocabulary", "character", 3) in learnt and ("vocabulary", "whitespace", 2) in learnt
    assert model(np.array(["free cash", "see you"], dtype=object)).shape == (2, 1)
    words_only = graph.build(keras_tuner.HyperParameters())  # default: words only
    assert sum(isinstance(lay, keras.layers.TextVectorization) for lay in words_only.layers) == 1


def test_small_tables_are_selected_by_validation_loss():
    clf = autonas.StructuredDataClassifier(max_trials=1)
    assert clf.default_objective(_context(num_train=712)) == "val_loss"
    assert clf.default_objective(_context(num_train=40000)) == "val_accuracy"
    assert autonas.StructuredDataClassifier(max_trials=1, objective="val_accuracy").objective == "val_accuracy"
    assert autonas.ImageClassifier(max_trials=1).default_objective(_context(num_train=712)) == "val_accuracy"


def test_rare_values_of_high_cardinality_columns_are_out_of_vocabulary():
    x, _ = _titanic()
    node = autonas.StructuredDataInput()
    profile = DataProfile.from_arrays([node], [autonas.data.prepare_input(x, node, fit=True)])[node.name]
    columns = {c.name: c for c in node.columns}
    assert columns["Ticket"].type == "categorical" and columns["Name"].type == "text"
    tickets = profile.column_statistics(columns["Ticket"])["vocabulary"]
    counts = x["Ticket"].value_counts()
    assert set(tickets) == set(counts[counts >= 2].index)  # e.g. shared family tickets; singletons are unseen
    assert len(tickets) < len(counts) / 3
    # few categories: every value is kept, even one seen once
    embarked = profile.column_statistics(columns["Embarked"])["vocabulary"]
    assert set(embarked) == set(x["Embarked"].dropna())
    words = profile.column_statistics(columns["Name"])["vocabulary"]
    assert {"mr", "mrs", "miss", "master"} <= set(words) and len(words) < 700


# -- fitted task classes ---------------------------------------------------------------------
_FREEZE_COUNTS = {}  # objects frozen out of garbage collection before and after the `table` search


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """A two-trial StructuredDataClassifier search on breast cancer (binary, 10 numeric columns)."""
    x, y, x_test, y_test = _breast_cancer()
    clf = autonas.StructuredDataClassifier(max_trials=2, seed=0, directory=tmp_path_factory.mktemp("table"),
                                           overwrite=True)
    _FREEZE_COUNTS["before"] = gc.get_freeze_count()
    clf.fit(x, y, epochs=2, verbose=0)
    _FREEZE_COUNTS["after"] = gc.get_freeze_count()
    return clf, x_test, y_test


@pytest.mark.slow
def test_structured_classifier_predicts_labels_and_two_probability_columns(table):
    clf, x_test, y_test = table
    pred = clf.predict(x_test)
    assert pred.shape == (len(x_test),) and set(pred) <= {0, 1}
    proba = clf.predict_proba(x_test)
    assert proba.shape == (len(x_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)
    result = clf.evaluate(x_test, y_test)
    assert set(result) >= {"loss", "accuracy"}
    assert result["accuracy"] > 0.85  # the majority class is 0.63


@pytest.mark.slow
def test_structured_classifier_leaderboard_and_warm_start(table):
    clf = table[0]
    board = clf.leaderboard()
    assert len(board) == 2
    for column in ["trial_id", "status", "score", "params", "duration", "best_epoch",
                   "structured_data_block/num_units", "structured_data_block/dropout", "learning_rate"]:
        assert column in board.columns
    assert set(board["status"]) == {"COMPLETED"} and (board["params"] > 0).all()
    assert board.attrs["objective"] == "val_loss" and board["score"].is_monotonic_increasing
    assert "structured_data_block/normalize" not in board.columns  # pinned by the task
    trials = clf.tuner_.oracle.trials
    assert trials["0"].hyperparameters.values["structured_data_block/num_units"] == 128
    assert trials["1"].hyperparameters.values["structured_data_block/num_units"] == 32
    assert trials["1"].hyperparameters.values["structured_data_block/dropout"] == 0.25
    # The search's frozen heap is released when it ends (the test session may have frozen its own).
    assert _FREEZE_COUNTS["after"] <= _FREEZE_COUNTS["before"]  # frozen objects may die, none are added


_FROZEN_AT_TRAIN_BEGIN = []  # module level: the tuner deep-copies callbacks for every trial


class _RecordFreezeCount(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        _FROZEN_AT_TRAIN_BEGIN.append(gc.get_freeze_count())


def test_search_and_refit_run_with_the_heap_frozen_and_fit_unfreezes_it(tmp_path):
    x, y, _, _ = _breast_cancer()
    clf = autonas.StructuredDataClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    _FROZEN_AT_TRAIN_BEGIN.clear()
    gc.unfreeze()  # this test session freezes its own objects; start from a heap a user would have
    try:
        assert gc.get_freeze_count() == 0
        clf.fit(x[:200], y[:200], epochs=1, verbose=0, callbacks=[_RecordFreezeCount()])
        after = gc.get_freeze_count()
    finally:
        gc.freeze()
    assert len(_FROZEN_AT_TRAIN_BEGIN) == 2  # the trial, then the refit
    assert all(count > 10000 for count in _FROZEN_AT_TRAIN_BEGIN)  # TensorFlow and Keras held out of gc
    assert after == 0


def _mean_proba(tmp_path, name, **fit_kwargs):
    x, y, x_test, _ = _breast_cancer()
    clf = autonas.StructuredDataClassifier(max_trials=1, seed=0, directory=tmp_path, project_name=name,
                                           overwrite=True)
    clf.fit(x[:200], y[:200], epochs=2, verbose=0, **fit_kwargs)
    return float(clf.predict_proba(x_test)[:, 0].mean())


@pytest.mark.slow
def test_class_weight_and_sample_weight_shift_the_predictions(tmp_path):
    _, y, _, _ = _breast_cancer()
    plain = _mean_proba(tmp_path, "plain")
    weighted = _mean_proba(tmp_path, "class_weight", class_weight={0: 8.0, 1: 1.0})
    per_row = _mean_proba(tmp_path, "sample_weight", sample_weight=np.where(y[:200] == 0, 8.0, 1.0))
    assert weighted > plain + 0.03  # class 0 (malignant) weighted up: more probability on it
    assert per_row > plain + 0.03


@pytest.mark.slow
def test_structured_regressor_on_diabetes(tmp_path):
    x, y, x_test, y_test = _diabetes()
    reg = autonas.StructuredDataRegressor(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    reg.fit(x, y, epochs=30, verbose=0)
    pred = reg.predict(x_test)
    assert pred.shape == (len(x_test),) and pred.dtype.kind == "f"
    rmse = float(np.sqrt(np.mean((pred - y_test) ** 2)))
    assert rmse < 0.9 * float(np.std(y_test))  # clearly better than predicting the mean
    assert set(reg.evaluate(x_test, y_test)) >= {"loss", "mean_squared_error", "mean_absolute_error"}


@pytest.mark.slow
def test_structured_classifier_reads_the_raw_titanic_csv(tmp_path):
    path = shared_data("titanic", "train.csv")
    frame = pd.read_csv(path)
    clf = autonas.StructuredDataClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    clf.fit(str(path), "Survived", epochs=3, verbose=0)
    x = frame.drop(columns="Survived")
    assert clf.predict(x[:20]).shape == (20,)
    assert clf.evaluate(x, frame["Survived"])["accuracy"] > 0.7  # the majority class is 0.62


@pytest.mark.slow
def test_text_classifier_on_sms_spam(tmp_path):
    texts, labels = _sms(600)
    clf = autonas.TextClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    clf.fit(texts[:500], labels[:500], epochs=2, verbose=0)
    first = clf.tuner_.oracle.trials["0"].hyperparameters.values
    assert clf._text_block.block_type == "ngram" and first["text_block/char_ngrams"] > 0  # 500 short texts
    pred = clf.predict(texts[500:])
    assert set(pred) <= {"ham", "spam"}
    proba = clf.predict_proba(texts[500:])
    assert proba.shape == (100, 2) and list(clf.classes_) == ["ham", "spam"]
    assert clf.evaluate(texts[500:], labels[500:])["accuracy"] > float(np.mean(labels[500:] == "ham"))
    layers = [lay for lay in clf.export_model().layers if isinstance(lay, keras.layers.TextVectorization)]
    assert sorted(lay.get_config()["split"] for lay in layers) == ["character", "whitespace"]


@pytest.mark.slow
def test_text_regressor_on_sms_spam(tmp_path):
    texts, labels = _sms(600)
    y = (labels == "spam").astype("float32")
    reg = autonas.TextRegressor(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    reg.fit(texts[:500], y[:500], epochs=3, verbose=0)
    pred = reg.predict(texts[500:])
    assert pred.shape == (100,)
    assert float(np.sqrt(np.mean((pred - y[500:]) ** 2))) < float(np.std(y[500:]))


@pytest.mark.slow
@pytest.mark.parametrize("task", ["ImageClassifier", "ImageRegressor"])
def test_image_tasks_fit_predict_evaluate(tmp_path, small_digits, task):
    x, y, x_test, y_test = small_digits
    model = getattr(autonas, task)(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    target = y if task == "ImageClassifier" else y.astype("float32")
    model.fit(x, target, epochs=2, verbose=0)
    pred = model.predict(x_test)
    assert pred.shape == (len(x_test),)
    result = model.evaluate(x_test, y_test if task == "ImageClassifier" else y_test.astype("float32"))
    if task == "ImageClassifier":
        assert result["accuracy"] > 0.5
    else:
        assert float(np.sqrt(np.mean((pred - y_test) ** 2))) < float(np.std(y_test))


# -- the default space in a search -------------------------------------------------------------
@pytest.mark.slow
def test_warm_start_values_of_conditional_hyperparameters_apply(tmp_path, small_digits):
    x, y, _, _ = small_digits
    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True, initial_hps=[
        {"image_block/augment": True, "image_block/augmentation/rotation_factor": 0.1}])
    clf.fit(x[:200], y[:200], epochs=1, verbose=0)
    values = clf.tuner_.oracle.trials["0"].hyperparameters.values
    assert values["image_block/augment"] is True
    assert values["image_block/augmentation/rotation_factor"] == 0.1  # not yet in the space when proposed
    assert any(isinstance(layer, keras.layers.RandomRotation) for layer in clf.export_model().layers)
    # the trial trained the model built to check its cost; what that build registered reached the space
    assert "image_block/augmentation/rotation_factor" in {hp.name for hp in clf.tuner_.oracle.hyperparameters.space}


@pytest.mark.slow
def test_candidates_far_costlier_than_the_warm_start_are_skipped(tmp_path, small_digits):
    import keras_tuner

    x, y, _, _ = small_digits
    filters = keras_tuner.engine.hyperparameters.Choice("filters", [8, 16, 128], default=8)
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.ConvBlock(filters=filters, num_blocks=1, num_layers=2,
                                                         kernel_size=3, separable=False)(inp))
    model = autonas.AutoModel(inp, out, max_trials=2, seed=0, directory=tmp_path, overwrite=True,
                              initial_hps=[{"conv_block/filters": f} for f in (8, 128, 16)])
    model.max_cost_ratio = 8  # 16 filters cost 3.7 times 8 filters; 128 filters 220 times
    model.fit(x[:120], y[:120], epochs=1, verbose=0)
    infos = model.tuner_.trial_infos()
    trials = model.tuner_.oracle.trials
    assert [trials[t].hyperparameters.values["conv_block/filters"] for t in ("0", "1")] == [8, 16]
    assert infos["1"]["macs"] > 3 * infos["0"]["macs"]
    skipped = model.tuner_.oracle.skipped
    assert [s["values"]["conv_block/filters"] for s in skipped] == [128]
    assert "max_cost_ratio=8" in skipped[0]["reason"] and "multiply-adds" in skipped[0]["reason"]
    assert set(model.leaderboard()["status"]) == {"COMPLETED"}  # skipped, not failed


@pytest.mark.slow
def test_a_trial_trains_the_same_whether_its_cost_check_built_the_model(tmp_path, small_digits):
    # With a cost limit, the model built to check a candidate's cost is the one its trial trains;
    # seeded the same way, the trial scores exactly as a search without a limit (built in the trial).
    x, y, _, _ = small_digits

    def first_trial(ratio):
        inp = autonas.ImageInput()
        out = autonas.ClassificationHead()(autonas.ConvBlock(filters=8, num_blocks=1, num_layers=1,
                                                             kernel_size=3, separable=False)(inp))
        model = autonas.AutoModel(inp, out, max_trials=1, seed=0, directory=tmp_path, project_name=f"r{ratio}",
                                  overwrite=True)
        model.max_cost_ratio = ratio
        model.fit(x[:200], y[:200], epochs=2, verbose=0)
        assert (model.tuner_.oracle.constraint is not None) == (ratio is not None)
        return model.tuner_.oracle.trials["0"], model.tuner_.trial_info("0")

    free, free_info = first_trial(None)
    checked, checked_info = first_trial(1000)
    assert checked.hyperparameters.values == free.hyperparameters.values
    assert checked_info["params"] == free_info["params"] and checked_info["macs"] == free_info["macs"]
    assert checked.score == pytest.approx(free.score, rel=1e-6)
    assert checked.metrics.get_last_value("val_loss") == pytest.approx(free.metrics.get_last_value("val_loss"),
                                                                        rel=1e-6)
