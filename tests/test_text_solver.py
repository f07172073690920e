"""The n-gram family's solved linear model: scikit-learn's solution as a frozen Keras layer."""

import dataclasses

import keras
import numpy as np
import pytest
import scipy.sparse

import autonas
from autonas.auto_model import SearchContext
from autonas.blocks.text_solver import fitted_logits, is_fitted_logits, solve
from autonas.data.profile import DataProfile, InputProfile
from autonas.graph.context import using_profile
from autonas.graph.nodes import TextInput
from autonas.tasks.text import SOLVED_WARM_START


def _corpus(n, seed=0, classes=2):
    """Texts whose class shows in some of their words, with shared noise words and some label noise."""
    rng = np.random.default_rng(seed)
    marks = [[f"c{k}w{i}" for i in range(6)] for k in range(classes)]
    noise = [f"n{i}" for i in range(30)]
    labels = rng.integers(0, classes, n)
    texts = []
    for label in labels:
        shown = label if rng.random() > 0.1 else rng.integers(0, classes)
        words = list(rng.choice(marks[shown], 2)) + list(rng.choice(noise, 5))
        texts.append(" ".join(rng.permutation(words)))
    return np.array(texts, dtype=object), np.array([f"class {k}" for k in labels], dtype=object)


def _solved_classifier(directory, solver, c):
    """A one-trial TextClassifier whose only configuration is a solved linear model of word n-grams."""
    hps = {"text_block/block_type": "ngram", "text_block/char_ngrams": 0, "text_block/ngram_weighting": "nb",
           "text_block/ngram_solver": solver, "text_block/solver_c": c, "text_block/max_tokens": 5000}
    return autonas.TextClassifier(max_trials=1, seed=0, directory=directory, overwrite=True, initial_hps=[hps],
                                  ensemble_size=0)


def test_solve_is_scikit_learns_solution_with_one_temperature():
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(0)
    x = scipy.sparse.csr_matrix(rng.random((60, 8)) * (rng.random((60, 8)) < 0.4))
    binary = (x[:, 0].toarray().ravel() + 0.2 * rng.random(60) > 0.3).astype("float32")
    kernel, bias, temperature = solve(x, binary, "squared_hinge", 0.3)
    svm = LinearSVC(C=0.3).fit(x, binary)
    assert kernel.shape == (8, 1) and bias.shape == (1,) and temperature > 0
    np.testing.assert_allclose(kernel[:, 0], svm.coef_[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x @ kernel[:, 0] + bias[0], svm.decision_function(x), rtol=1e-4, atol=1e-5)

    three = np.asarray(x[:, :3].argmax(axis=1)).ravel()
    kernel, bias, temperature = solve(x, three, "logistic", 10.0)
    logistic = LogisticRegression(C=10.0, max_iter=1000).fit(x, three)
    assert kernel.shape == (8, 3) and temperature > 0
    np.testing.assert_allclose(x @ kernel + bias, logistic.decision_function(x), rtol=1e-3, atol=1e-4)

    labels = np.stack([binary, (three == 2).astype("float32")], axis=1)  # multi-label: one model per column
    kernel, bias, _ = solve(x, labels, "squared_hinge", 0.3)
    assert kernel.shape == (8, 2)
    np.testing.assert_allclose(kernel[:, 0], svm.coef_[0], rtol=1e-5, atol=1e-6)


def test_the_temperature_follows_the_out_of_fold_confidence():
    rng = np.random.default_rng(1)
    x = scipy.sparse.csr_matrix(rng.random((90, 5)))
    clean = (np.asarray(x[:, 0].todense()).ravel() > 0.5).astype("float32")
    noisy = np.where(rng.random(90) < 0.3, 1.0 - clean, clean).astype("float32")
    # the decision of a noisy label is less sure: its out-of-fold log loss wants a lower temperature
    assert solve(x, noisy, "logistic", 10.0)[2] < solve(x, clean, "logistic", 10.0)[2]


def test_fitted_logits_are_a_frozen_dense_layer_the_head_only_activates():
    texts, labels = _corpus(80)
    targets = (labels == "class 1").astype("float32")
    node = TextInput()
    profile = DataProfile([InputProfile(node.name, "text", texts, targets=targets)])
    inputs = keras.Input((), dtype="string")
    layer = keras.layers.TextVectorization(output_mode="multi_hot", vocabulary=sorted({w for t in texts for w in
                                                                                        t.split()}))
    features = layer(inputs)
    with using_profile(profile):
        logits = fitted_logits(node, inputs, features, "squared_hinge", 1.0, ("test",))
    assert is_fitted_logits(logits) and not is_fitted_logits(features)
    model = keras.Model(inputs, logits)
    assert not model.trainable_weights
    from sklearn.svm import LinearSVC

    hot = np.asarray(layer(texts))
    svm = LinearSVC(C=1.0).fit(hot, targets)
    scaled = model.predict(texts, verbose=0)[:, 0]
    assert np.array_equal(scaled > 0, svm.decision_function(hot) > 0)
    # the solution is kept for the fit: asking again does not solve again
    assert ("linear_solution", "squared_hinge", 1.0, "test") in profile[node.name].learnt

    head = autonas.ClassificationHead()
    head.fit_targets(labels)
    out = head.build(None, logits)  # nothing learnt, no hyperparameter asked
    assert not keras.Model(inputs, out).trainable_weights
    with pytest.raises(ValueError, match="class labels"):
        with using_profile(DataProfile([InputProfile(node.name, "text", texts)])):
            fitted_logits(node, inputs, features, "logistic", 1.0, ("unlabelled",))


def test_a_text_classifier_solves_its_linear_model_exports_and_reloads(tmp_path):
    texts, labels = _corpus(240, classes=3)
    clf = _solved_classifier(tmp_path, "logistic", 10.0)
    clf.fit(texts[:180], labels[:180], verbose=0)
    board = clf.leaderboard()
    assert int(board["epochs"].iloc[0]) == 1  # nothing trains: one epoch scores it
    accuracy = float(np.mean(clf.predict(texts[180:]).reshape(-1) == labels[180:]))
    assert accuracy >= 0.8, accuracy  # 10% label noise, 3 classes
    model = clf.export_model()
    assert not model.trainable_weights
    before = np.asarray(model.predict(texts[180:], verbose=0))
    model.save(tmp_path / "solved.keras")
    reloaded = keras.saving.load_model(tmp_path / "solved.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(reloaded.predict(texts[180:], verbose=0)), before, atol=1e-5)


def test_a_classifier_searches_the_solvers_and_starts_with_them():
    clf = autonas.TextClassifier(max_trials=1)
    node = clf._text_block.inputs[0]
    profile = DataProfile.from_arrays([node], [np.array(["a", "b"], dtype=object)], [np.array([0.0, 1.0])])
    context = dataclasses.replace(SearchContext(num_train=1000, num_val=250, epochs=None, batch_size=32,
                                                max_time=None, input_shapes=[()]), profile=profile)
    configs = clf.default_initial_hps(context)
    solved = [(c["text_block/ngram_solver"], c["text_block/solver_c"]) for c in configs
              if c.get("text_block/ngram_solver", "gradient") != "gradient"]
    assert solved == list(SOLVED_WARM_START)
    assert configs[0]["text_block/ngram_solver"] == "squared_hinge"
    # a regressor has no class labels: nothing solved
    reg = autonas.TextRegressor(max_trials=1)
    assert all("text_block/ngram_solver" not in c for c in reg.default_initial_hps(context))


def test_the_refit_solves_on_all_the_rows_the_search_on_its_training_split(tmp_path):
    """As a refitted network trains on training and validation rows, the refit's solved model is solved on them."""
    texts, labels = _corpus(200, seed=3)
    clf = _solved_classifier(tmp_path, "squared_hinge", 1.0)
    clf.fit(texts, labels, validation_split=0.25, verbose=0)
    profile = clf.profile_[clf._text_block.inputs[0].name]
    solutions = {key[-2:]: key for key in profile.learnt if key[0] == "linear_solution"}
    assert ("all rows", 200) in solutions, sorted(profile.learnt, key=str)  # the refit's
    assert len(solutions) == 2  # and the search's, on its 150 training rows
    kernel, bias, temperature = profile.learn(solutions[("all rows", 200)], None)
    frozen = [layer for layer in clf.export_model().layers if isinstance(layer, keras.layers.Dense)
              and not layer.trainable]
    assert len(frozen) == 1
    np.testing.assert_allclose(frozen[0].get_weights()[0], kernel * temperature, rtol=1e-6)
