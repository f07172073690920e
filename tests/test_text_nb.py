"""NB-SVM n-gram weights (Wang and Manning, 2012): the ratio, the layer, and a TextClassifier using them."""

import contextlib
import math

import numpy as np
import pytest

import autonas
from autonas.blocks.nb_weights import class_indicators, log_count_ratio, nb_scale
from autonas.blocks.text_vectorization import text_vocabulary
from autonas.data.profile import DataProfile, InputProfile
from autonas.graph.context import using_profile
from autonas.graph.nodes import TextInput
from autonas.layers import FeatureScale
from conftest import shared_data


@contextlib.contextmanager
def _node(texts, targets):
    """A text input whose training texts and labels are the profile of the build in progress."""
    node = TextInput()
    labels = None if targets is None else np.asarray(targets)
    profile = DataProfile([InputProfile(node.name, "text", np.asarray(texts, dtype=object), targets=labels)])
    with using_profile(profile):
        yield node


def test_log_count_ratio_by_hand():
    # p = 1 + [2, 0, 1] = [3, 1, 2] / 6, q = 1 + [0, 2, 1] = [1, 3, 2] / 6
    r = log_count_ratio([2, 0, 1], [0, 2, 1])
    np.testing.assert_allclose(r, [math.log(3), -math.log(3), 0.0], atol=1e-12)
    # the L1 normalisation matters: more negative texts shift every ratio up by log(|q| / |p|)
    r = log_count_ratio([1, 1], [3, 1])  # p = [2, 2] / 4, q = [4, 2] / 6
    np.testing.assert_allclose(r, [math.log(0.5 / (4 / 6)), math.log(0.5 / (2 / 6))], atol=1e-12)


def test_nb_scale_of_a_tiny_corpus_by_hand():
    # positive texts contain free x2, prize x1, call x1; negative: call x1, you x2, see x1
    with _node(["free prize", "free call", "see you", "call you"], np.array([1.0, 1.0, 0.0, 0.0], "float32")) as node:
        vocab, _ = text_vocabulary(node, 1)
        scale = nb_scale(node, 1, len(vocab))
        fewer = nb_scale(node, 1, 2)
    # p = 1 + counts in positive texts, q = 1 + counts in negative texts, both sum to 9: r = log(p / q)
    expected = {"free": math.log(3), "you": math.log(3), "prize": math.log(2), "see": math.log(2), "call": 0.0}
    assert scale[0] == 0.0  # unknown words weigh 0
    got = dict(zip(vocab, scale[1:]))
    assert set(got) == set(expected)
    for word, value in expected.items():
        assert got[word] == pytest.approx(value, abs=1e-6), word
    # keeping fewer n-grams renormalises over the kept ones only
    assert len(fewer) == 3


def test_nb_scale_several_classes_takes_the_largest_one_vs_rest_magnitude():
    texts = ["red", "red", "green", "green", "blue", "blue"]
    with _node(texts, np.array([0, 0, 1, 1, 2, 2])) as node:
        vocab, _ = text_vocabulary(node, 1)
        got = dict(zip(vocab, nb_scale(node, 1, len(vocab))[1:]))
    # class "red" against the rest: p = 1 + [2, 0, 0] (red, green, blue) over 5, q = 1 + [0, 2, 2] over 7
    red_vs_rest = math.log((3 / 5) / (1 / 7))
    blue_in_red_vs_rest = abs(math.log((1 / 5) / (3 / 7)))
    assert red_vs_rest > blue_in_red_vs_rest
    for word in ("red", "green", "blue"):  # symmetric: each word's largest magnitude is its own class's
        assert got[word] == pytest.approx(red_vs_rest, abs=1e-6)
    assert class_indicators(np.array([1.0, 0.0], "float32")).tolist() == [[1.0], [0.0]]


def test_nb_scale_needs_labels():
    with _node(["a b", "b c"], None) as node, pytest.raises(ValueError, match="class labels"):
        nb_scale(node, 1, 3)


def test_feature_scale_layer_and_its_arguments():
    out = FeatureScale([0.0, 2.0])(np.array([[1.0, 1.5]], "float32"))
    assert np.asarray(out).tolist() == [[0.0, 3.0]]
    assert FeatureScale(units=2).get_config()["units"] == 2
    with pytest.raises(ValueError, match="units"):
        FeatureScale()
    with pytest.raises(ValueError, match="finite"):
        FeatureScale([1.0, float("nan")])
    with pytest.raises(ValueError, match="ngram_weighting"):
        autonas.TextBlock(ngram_weighting="bm25")


def _sms(n):
    lines = shared_data("sms-spam", "SMSSpamCollection").read_text(encoding="utf-8").splitlines()[:n]
    return (np.array([line.split("\t", 1)[1] for line in lines], dtype=object),
            np.array([line.split("\t", 1)[0] for line in lines], dtype=object))


@pytest.mark.slow
def test_text_classifier_with_nb_weights_learns_exports_and_reloads(tmp_path):
    import keras

    texts, labels = _sms(900)
    train_x, train_y, test_x, test_y = texts[:600], labels[:600], texts[600:], labels[600:]
    hps = {"text_block/block_type": "ngram", "text_block/ngram_weighting": "nb", "text_block/char_ngrams": 3,
           "text_block/ngram/num_layers": 1, "text_block/ngram/num_units": 64, "text_block/max_tokens": 5000}
    clf = autonas.TextClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True, initial_hps=[hps])
    clf.fit(train_x, train_y, epochs=5, verbose=0)
    assert clf.best_trial_.hyperparameters.values["text_block/ngram_weighting"] == "nb"
    accuracy = float(np.mean(clf.predict(test_x).reshape(-1) == test_y))
    majority = max(np.mean(test_y == "ham"), np.mean(test_y == "spam"))
    assert accuracy >= majority + 0.05, (accuracy, majority)  # majority 0.86 on these 300 rows

    model = clf.export_model()
    scales = [layer for layer in model.layers if isinstance(layer, FeatureScale)]
    assert len(scales) == 2 and float(np.max(keras.ops.convert_to_numpy(scales[0].scale))) > 0
    before = np.asarray(model.predict(test_x[:50], verbose=0))
    model.save(tmp_path / "nb.keras")
    reloaded = keras.saving.load_model(tmp_path / "nb.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(reloaded.predict(test_x[:50], verbose=0)), before, atol=1e-5)
    clf.export(tmp_path / "serving")
    import tensorflow as tf

    served = tf.saved_model.load(str(tmp_path / "serving")).signatures["serving_default"]
    outputs = served(tf.constant(list(test_x[:50])))
    label_key = next(k for k in outputs if "label" in k)
    served_labels = [v.decode("utf-8") for v in np.asarray(outputs[label_key]).reshape(-1)]
    assert served_labels == list(clf.predict(test_x[:50]).reshape(-1))
