"""Keras and scikit-learn conventions: clone/get_params/set_params/score, class_weight by label, `clf.tuner`,
a user's TensorBoard callback per trial, inline figures, `autonas.ServedModel`, tensorboard as an extra."""

import glob
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from sklearn.base import clone

import autonas
from autonas.data.class_weights import resolve_class_weight


# -- get_params / set_params / clone -----------------------------------------------------------
@pytest.mark.parametrize("cls", [autonas.ImageClassifier, autonas.ImageRegressor, autonas.TextClassifier,
                                 autonas.TextRegressor, autonas.StructuredDataClassifier,
                                 autonas.StructuredDataRegressor])
def test_clone_copies_every_constructor_argument(cls, tmp_path):
    clf = cls(max_trials=3, tuner="bayesian", seed=7, directory=tmp_path, max_time="2m", loss="mse")
    params = clf.get_params()
    assert params["max_trials"] == 3 and params["tuner"] == "bayesian" and params["seed"] == 7
    assert params["max_time"] == "2m" and params["loss"] == "mse"
    assert params["project_name"] == clf.project_name  # the task's own default
    assert "inputs" not in params and "outputs" not in params
    copy = clone(clf)
    assert type(copy) is cls and copy is not clf
    assert copy.get_params() == params
    assert copy.max_trials == 3 and copy.max_time == 120.0 and copy.seed == 7
    assert copy.graph is not clf.graph  # a graph of its own


def test_set_params_rebuilds_and_rejects_unknown_names(tmp_path):
    clf = autonas.ImageClassifier(max_trials=2, directory=tmp_path)
    assert clf.set_params(max_trials=5, num_classes=3) is clf
    assert clf.max_trials == 5 and clf.heads[0].num_classes == 3
    assert clf.get_params()["directory"] == tmp_path
    with pytest.raises(ValueError, match=r"Invalid parameter\(s\) \['max_trial'\] for ImageClassifier"):
        clf.set_params(max_trial=3)
    with pytest.raises(ValueError, match="`max_trials` must be a positive integer"):
        clf.set_params(max_trials=0)
    assert clf.max_trials == 5  # a refused change leaves the object as it was
    assert repr(autonas.TextClassifier(max_trials=4)) == "TextClassifier(max_trials=4)"


def test_an_automodel_clones_with_its_graph():
    inp = autonas.Input()
    out = autonas.RegressionHead()(autonas.DenseBlock()(inp))
    model = autonas.AutoModel(inp, out, max_trials=2, project_name="custom")
    copy = clone(model)
    assert copy.get_params()["max_trials"] == 2 and copy.project_name == "custom"
    assert copy.get_params()["inputs"] is not inp
    assert copy.graph.inputs[0] is copy.get_params()["inputs"]  # the copied graph is connected


# -- clf.tuner, AutoKeras-style ----------------------------------------------------------------
def test_tuner_attribute_before_fit_names_the_autonas_spelling():
    clf = autonas.ImageClassifier(max_trials=1, tuner="random")
    assert clf.tuner == "random" and isinstance(clf.tuner, str) and clf.tuner.upper() == "RANDOM"
    with pytest.raises(AttributeError, match=r"clf.tuner_.*results_summary.*leaderboard.*not been fitted"):
        clf.tuner.results_summary()


# -- class_weight ------------------------------------------------------------------------------
def _head(labels):
    head = autonas.ClassificationHead()
    head.fit_targets(np.asarray(labels, dtype=object if isinstance(labels[0], str) else None))
    return head


def test_class_weight_by_label_and_balanced():
    head = _head(["ham"] * 6 + ["spam"] * 2)
    encoded = head.encode(np.asarray(["ham"] * 6 + ["spam"] * 2, dtype=object))
    assert resolve_class_weight({"spam": 5}, [head], [encoded]) == {0: 1.0, 1: 5.0}
    assert resolve_class_weight("balanced", [head], [encoded]) == {0: 8 / (2 * 6), 1: 8 / (2 * 2)}
    ints = _head([3, 3, 3, 7])  # int labels: keys are labels, not indices
    assert resolve_class_weight({7: 2.0, np.int64(3): 0.5}, [ints], [ints.encode(np.array([3, 3, 3, 7]))]) == \
        {0: 0.5, 1: 2.0}
    assert resolve_class_weight(None, [head], [encoded]) is None


@pytest.mark.parametrize("weights, error, match", [
    ({"spma": 5}, ValueError, r"key\(s\) \['spma'\] that are not labels of `y`; the labels are \['ham', 'spam'\]"),
    ({"spam": -1}, ValueError, r"finite non-negative numbers; received -1 for 'spam'"),
    ({"spam": float("nan")}, ValueError, "finite non-negative"),
    ({"spam": 0, "ham": 0}, ValueError, "every class weight 0"),
    ("balance", TypeError, r"a dict \{label: weight\} or 'balanced'; received 'balance'"),
    ([1, 2], TypeError, "received list"),
])
def test_bad_class_weight_is_a_clear_error_before_training(weights, error, match, tmp_path):
    clf = autonas.TextClassifier(max_trials=1, directory=tmp_path, project_name="cw")
    texts = ["free prize now"] * 10 + ["see you soon"] * 10
    with pytest.raises(error, match=match):
        clf.fit(texts, ["spam"] * 10 + ["ham"] * 10, epochs=1, class_weight=weights)
    assert not os.path.exists(tmp_path / "cw")  # raised before the project (and any trial) existed


def test_class_weight_on_a_regressor_is_refused(tmp_path):
    reg = autonas.StructuredDataRegressor(max_trials=1, directory=tmp_path)
    with pytest.raises(ValueError, match="`class_weight` applies to classification"):
        reg.fit(np.random.default_rng(0).normal(size=(20, 3)), np.arange(20.0), class_weight={0: 1.0})


@pytest.mark.slow
def test_label_keyed_class_weight_changes_what_is_learnt_and_score_is_accuracy(tmp_path, digits):
    """Weight 0 on the majority label 'other': the model then answers 'zero' for most digits."""
    x, y = digits[0][:600], np.where(digits[1][:600] == 0, "zero", "other").astype(object)
    x_test, y_test = digits[2], np.where(digits[3] == 0, "zero", "other").astype(object)
    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    clf.fit(x, y, epochs=2, class_weight={"other": 0.0, "zero": 1.0}, verbose=0)
    predicted = clf.predict(x_test)
    assert np.mean(y_test == "zero") < 0.15
    assert np.mean(predicted == "zero") > 0.5  # unweighted, a model predicts 'zero' for about a tenth
    assert clf.score(x_test, y_test) == pytest.approx(np.mean(predicted == y_test))
    # AutoKeras's habit works once fitted: clf.tuner reaches the KerasTuner tuner
    assert clf.tuner.oracle is clf.tuner_.oracle
    assert clf.tuner.get_best_hyperparameters(1)[0].values == clf.best_trial_.hyperparameters.values


@pytest.mark.slow
def test_regressor_score_is_r2_above_the_mean_predictor(tmp_path):
    from sklearn.datasets import load_diabetes
    from sklearn.metrics import r2_score

    data = load_diabetes(as_frame=True)
    reg = autonas.StructuredDataRegressor(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    reg.fit(data.data[:350], data.target[:350], epochs=20, verbose=0)
    score = reg.score(data.data[350:], data.target[350:])
    assert score == pytest.approx(r2_score(data.target[350:], reg.predict(data.data[350:])), abs=1e-6)
    assert score > 0.15  # always predicting the training mean: about 0


# -- a user's TensorBoard callback ---------------------------------------------------------------
@pytest.mark.slow
def test_users_tensorboard_callback_writes_one_folder_per_trial_and_the_refit(tmp_path, digits):
    log_dir = tmp_path / "tb"
    clf = autonas.ImageClassifier(max_trials=2, seed=0, directory=tmp_path / "runs", overwrite=True)
    clf.fit(digits[0][:200], digits[1][:200], epochs=1, verbose=0,
            callbacks=[keras.callbacks.TensorBoard(log_dir=str(log_dir))])
    runs = sorted(os.listdir(log_dir))
    assert runs == ["refit", "trial_0", "trial_1"], runs
    for run in ("trial_0", "trial_1"):
        assert glob.glob(str(log_dir / run / "train" / "events.out.tfevents.*"))
        assert glob.glob(str(log_dir / run / "validation" / "events.out.tfevents.*"))
    assert glob.glob(str(log_dir / "refit" / "train" / "events.out.tfevents.*"))


# -- inline figures, ServedModel, tensorboard as an extra ----------------------------------------
def test_figures_draw_inline_as_png(tmp_path):
    pytest.importorskip("matplotlib")
    from test_reporting import _table_search  # a table search: real tuner, scores given

    from autonas.reporting import plot_pareto, plot_search

    tuner = _table_search(tmp_path)
    for figure in (plot_search(tuner), plot_pareto(tuner)):
        png = figure._repr_png_()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_served_model_is_part_of_the_public_api():
    from autonas.serving import ServedModel

    assert autonas.ServedModel is ServedModel and "ServedModel" in autonas.__all__
    assert "Example" in ServedModel.__doc__


def test_tensorboard_true_without_the_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install 'autonas\[tensorboard\]'"):
        autonas.ImageClassifier(tensorboard=True)
    autonas.ImageClassifier(tensorboard=None)  # not asked for: not needed


@pytest.mark.slow
def test_a_search_runs_without_tensorboard_installed(tmp_path):
    """KerasTuner and autonas import and search without tensorboard (hence an optional extra)."""
    script = textwrap.dedent("""
        import sys
        class Hide:  # tensorboard is not importable in this process
            def find_spec(self, name, path=None, target=None):
                if name == "tensorboard" or name.startswith("tensorboard."):
                    raise ImportError("tensorboard is hidden")
        sys.meta_path.insert(0, Hide())
        import numpy as np
        import autonas
        x = np.random.default_rng(0).normal(size=(60, 4)).astype("float32")
        clf = autonas.StructuredDataClassifier(max_trials=1, seed=0, directory=sys.argv[1], overwrite=True)
        clf.fit(x, (x[:, 0] > 0).astype(int), epochs=1, verbose=0)
        print("searched;", "tensorboard" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
                              os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              os.environ.get("PYTHONPATH")]))}, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "searched; False"
