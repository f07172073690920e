"""A catalogue of bad inputs across every task class.

Each case must raise ValueError or TypeError whose message names the argument and what was expected,
before any training: no trial is run and no project directory is written.
"""

import numpy as np
import pandas as pd
import pytest

import autonas

rng = np.random.default_rng(0)
IMAGES = rng.random((40, 8, 8)).astype("float32")
LABELS = np.arange(40) % 4
TEXTS = np.array([f"message number {i} about {'cats' if i % 2 else 'dogs'}" for i in range(40)], dtype=object)
TABLE = pd.DataFrame({"age": rng.random(40) * 80, "city": np.where(np.arange(40) % 3, "paris", "rome"),
                      "fare": rng.random(40)})


def _nan_images():
    x = IMAGES.copy()
    x[3, 2, 2] = np.nan
    return x


def _mixed_table():
    t = TABLE.copy()
    t["city"] = t["city"].astype(object)
    t.loc[5, "city"] = 12
    return t


# (id, task class, constructor kwargs, fit kwargs, expected exception, regex the message must match)
FIT_CASES = [
    ("length_mismatch", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS[:-1]), ValueError,
     r"`x` has 40 examples but `y` has 39; they must have the same length"),
    ("image_rank_2", "ImageClassifier", {}, dict(x=IMAGES.reshape(40, 64), y=LABELS), ValueError, r"`x` for images must have shape \(N, H, W\) or \(N, H, W, C\); received .*rank 2"),
    ("image_rank_5", "ImageClassifier", {}, dict(x=IMAGES.reshape(40, 2, 4, 8, 1), y=LABELS), ValueError,
     r"`x` for images must have shape \(N, H, W\).*received .*rank 5"),
    ("image_nan", "ImageClassifier", {}, dict(x=_nan_images(), y=LABELS), ValueError, r"`x` .* contains 1 NaN or infinite value\(s\); remove or impute them"),
    ("empty_x", "ImageClassifier", {}, dict(x=IMAGES[:0], y=LABELS[:0]), ValueError, r"`x` is empty; expected at least one example"),
    ("one_class", "ImageClassifier", {}, dict(x=IMAGES, y=np.zeros(40, int)), ValueError, r"`y` contains a single class .*classification needs at least two"),
    ("string_images", "ImageClassifier", {}, dict(x=np.full((40, 8, 8), "a"), y=LABELS), TypeError, r"`x` .* must be numeric; received dtype"),
    ("float_labels", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS + 0.5), ValueError, r"`y` holds non-integer floats .*labels must be integers or strings"),
    ("num_classes_mismatch", "ImageClassifier", {"num_classes": 3}, dict(x=IMAGES, y=LABELS), ValueError,
     r"`num_classes` is 3 but `y` contains 4 classes"),
    ("validation_split_range", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, validation_split=1.5), ValueError,
     r"`validation_split` must be a fraction strictly between 0 and 1 .*received 1\.5"),
    ("split_and_validation_data", "ImageClassifier", {},
     dict(x=IMAGES, y=LABELS, validation_split=0.3, validation_data=(IMAGES, LABELS)), ValueError,
     r"either `validation_split`.*or `validation_data`"),
    ("validation_data_form", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, validation_data=IMAGES), ValueError,
     r"`validation_data` must be a tuple \(x_val, y_val\) or a tf.data.Dataset"),
    ("validation_shape", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, validation_data=(IMAGES[:, :4], LABELS)),
     ValueError, r"`validation_data\[0\]` has examples of shape \(4, 8\) but `x` has \(8, 8\)"),
    ("split_default_value_and_validation_data", "ImageClassifier", {},
     dict(x=IMAGES, y=LABELS, validation_split=0.2, validation_data=(IMAGES, LABELS)), ValueError,
     r"either `validation_split` \(received 0\.2\) or `validation_data`"),
    ("validation_split_zero", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, validation_split=0), ValueError,
     r"`validation_split` must be a fraction strictly between 0 and 1"),
    ("validation_split_text", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, validation_split="0.2"), ValueError,
     r"`validation_split` must be a fraction strictly between 0 and 1.*'0\.2'"),
    ("epochs_zero", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, epochs=0), ValueError,
     r"`epochs` must be a positive integer or None; received 0"),
    ("epochs_float", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, epochs=2.0), ValueError,
     r"`epochs` must be a positive integer or None; received 2\.0"),
    ("epochs_bool", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, epochs=True), ValueError,
     r"`epochs` must be a positive integer or None; received True"),
    ("batch_size_zero", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, batch_size=0), ValueError,
     r"`batch_size` must be a positive integer or None; received 0"),
    ("batch_size_numpy_negative", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, batch_size=np.int32(-2)),
     ValueError, r"`batch_size` must be a positive integer or None; received np\.int32\(-2\)"),
    ("callbacks_not_list", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, callbacks="early"), TypeError,
     r"`callbacks` must be a list of keras.callbacks.Callback; received str"),
    ("verbose_value", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, verbose=5), ValueError, r"`verbose` must be 0, 1 or 2; received 5"),
    ("sample_weight_length", "ImageClassifier", {}, dict(x=IMAGES, y=LABELS, sample_weight=np.ones(10)),
     ValueError, r"`sample_weight` has 10; they must have the same length"),
    ("regression_nan_target", "ImageRegressor", {}, dict(x=IMAGES, y=np.where(LABELS == 1, np.nan, 1.0)),
     ValueError, r"`y` contains NaN or infinite regression targets; remove them"),
    ("regression_string_target", "ImageRegressor", {}, dict(x=IMAGES, y=np.array(["a"] * 40)), TypeError,
     r"`y` for regression must be numeric; received dtype"),
    ("text_numbers", "TextClassifier", {}, dict(x=np.arange(40), y=LABELS % 2), TypeError, r"`x` for text must hold strings"),
    ("text_2d", "TextClassifier", {}, dict(x=np.stack([TEXTS, TEXTS], axis=1), y=LABELS % 2), (TypeError, ValueError),
     r"`x` for text must be a 1-D sequence of strings"),
    ("text_missing_folder", "TextClassifier", {}, dict(x="no/such/folder", y=None), ValueError, r"`x` is the path .* no such file or folder exists"),
    ("text_regressor_lengths", "TextRegressor", {}, dict(x=TEXTS, y=np.ones(12)), ValueError,
     r"`x` has 40 examples but `y` has 12"),
    ("csv_missing", "StructuredDataClassifier", {}, dict(x="no_such_file.csv", y="target"), ValueError,
     r"`x` is the path .* no such file or folder exists"),
    ("mixed_object_column", "StructuredDataClassifier", {}, dict(x=_mixed_table(), y=LABELS % 2), TypeError,
     r"Column 'city' of `x` mixes value types.*must hold only numbers or only strings"),
    ("regression_inf_target", "StructuredDataRegressor", {}, dict(x=TABLE, y=np.where(LABELS == 1, np.inf, 1.0)),
     ValueError, r"`y` contains NaN or infinite regression targets"),
    ("unknown_column_type", "StructuredDataClassifier", {"column_types": {"age": "date"}},
     dict(x=TABLE, y=LABELS % 2), ValueError, r"`column_types` values must be one of \('numerical', 'categorical', 'text'\)"),
]

CONSTRUCTOR_CASES = [
    ("max_trials_zero", dict(max_trials=0), ValueError, r"`max_trials`"),
    ("max_trials_negative", dict(max_trials=-3), ValueError, r"`max_trials`"),
    ("unknown_tuner", dict(tuner="simulated-annealing"), ValueError, r"`tuner` must be one of"),
    ("tuner_type", dict(tuner=42), TypeError, r"`tuner`"),
    ("max_time_text", dict(max_time="soon"), ValueError, r"`max_time`"),
    ("max_model_size_negative", dict(max_model_size=-5), ValueError, r"`max_model_size`"),
    ("seed_negative", dict(seed=-1), ValueError, r"`seed`"),
    ("failures_limit", dict(max_consecutive_failed_trials=0), ValueError, r"`max_consecutive_failed_trials`"),
    ("max_trials_bool", dict(max_trials=True), ValueError, r"`max_trials` must be a positive integer.*True"),
    ("max_trials_float", dict(max_trials=2.5), ValueError, r"`max_trials` must be a positive integer.*2\.5"),
    ("max_trials_numpy_zero", dict(max_trials=np.int64(0)), ValueError,
     r"`max_trials` must be a positive integer.*0"),
    ("seed_float", dict(seed=1.5), ValueError, r"`seed` must be a non-negative integer or None.*1\.5"),
    ("seed_string", dict(seed="3"), ValueError, r"`seed` must be a non-negative integer or None.*'3'"),
    ("max_model_size_float", dict(max_model_size=1e3), ValueError, r"`max_model_size` must be a positive integer"),
    ("ensemble_size_negative", dict(ensemble_size=-1), ValueError,
     r"`ensemble_size` must be 'auto' or a non-negative integer.*-1"),
    ("ensemble_size_text", dict(ensemble_size="many"), ValueError,
     r"`ensemble_size` must be 'auto' or a non-negative integer.*'many'"),
    ("max_time_zero", dict(max_time=0), ValueError, r"`max_time` must be positive.*0"),
    ("max_time_nan", dict(max_time=float("nan")), ValueError, r"`max_time` must be positive.*nan"),
    ("max_time_bool", dict(max_time=True), TypeError, r"`max_time` must be a number of seconds"),
    ("project_name_path", dict(project_name="a/b"), ValueError, r"`project_name` must be a non-empty folder name"),
    ("jit_compile_value", dict(jit_compile="yes"), ValueError, r"`jit_compile` must be True, False or 'auto'"),
    ("mixed_precision_value", dict(mixed_precision="half"), ValueError, r"`mixed_precision` must be True, False"),
]


@pytest.mark.parametrize("case", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_bad_fit_input_raises_before_training(tmp_path, case):
    _, task, ctor, fit_kwargs, error, pattern = case
    model = getattr(autonas, task)(max_trials=1, directory=tmp_path, **ctor)
    fit_kwargs = dict(fit_kwargs)
    fit_kwargs.setdefault("epochs", 1)
    fit_kwargs.setdefault("verbose", 0)
    with pytest.raises(error, match=pattern):
        model.fit(**fit_kwargs)
    assert model.tuner_ is None and model.model_ is None
    assert not any(tmp_path.iterdir()), "nothing may be written before the input is validated"


@pytest.mark.parametrize("case", CONSTRUCTOR_CASES, ids=[c[0] for c in CONSTRUCTOR_CASES])
@pytest.mark.parametrize("task", ["ImageClassifier", "TextClassifier", "StructuredDataRegressor"])
def test_bad_constructor_argument(case, task):
    _, kwargs, error, pattern = case
    with pytest.raises(error, match=pattern):
        getattr(autonas, task)(**kwargs)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fitted")
    image = autonas.ImageClassifier(max_trials=1, seed=0, directory=directory)
    image.fit(IMAGES, LABELS, epochs=1, verbose=0)
    table = autonas.StructuredDataClassifier(max_trials=1, seed=0, directory=directory)
    table.fit(TABLE, LABELS % 2, epochs=1, verbose=0)
    return image, table


PREDICT_CASES = [
    ("image_shape_at_predict", 0, "predict", dict(x=IMAGES[:, :4, :4]), ValueError, r"`x`.*shape \(4, 4\)"),
    ("unseen_labels_at_evaluate", 0, "evaluate", dict(x=IMAGES[:5], y=np.array([0, 1, 9, 2, 1])), ValueError,
     r"`y` contains labels never seen at fit: \[9\]"),
    ("evaluate_lengths", 0, "evaluate", dict(x=IMAGES[:5], y=LABELS[:4]), ValueError, r"`x` has 5.*`y` has 4"),
    ("missing_columns_at_predict", 1, "predict", dict(x=TABLE.drop(columns=["age", "fare"])), ValueError,
     r"missing column\(s\) \['age', 'fare'\]"),
    ("wrong_dtype_at_predict", 1, "predict", dict(x=TABLE.assign(age=["old"] * 40)), ValueError,
     r"Column 'age' of `x` must hold numbers"),
]


@pytest.mark.parametrize("case", PREDICT_CASES, ids=[c[0] for c in PREDICT_CASES])
def test_bad_input_after_fit(fitted, case):
    _, which, method, kwargs, error, pattern = case
    with pytest.raises(error, match=pattern):
        getattr(fitted[which], method)(**kwargs)


def test_the_catalogue_is_large_enough():
    assert len(FIT_CASES) + len(CONSTRUCTOR_CASES) + len(PREDICT_CASES) >= 50


def test_numpy_scalars_are_accepted_wherever_python_numbers_are(tmp_path):
    """`seed=np.int64(3)` and friends: accepted by the constructor AND by `fit`, the same as Python ints."""
    model = autonas.ImageClassifier(max_trials=np.int64(1), seed=np.int64(3), max_model_size=np.int32(10**7),
                                    max_time=np.float64(600), ensemble_size=np.int8(0), directory=tmp_path)
    assert type(model.seed) is int and type(model.max_trials) is int
    model.fit(IMAGES, LABELS, epochs=np.int64(1), batch_size=np.int32(16), validation_split=np.float32(0.25),
              verbose=0)
    assert model.predict(IMAGES[:3]).shape == (3,)


def test_validation_split_default_is_told_apart_from_an_explicit_value():
    from autonas.auto_model import AutoModel
    from autonas.utils.validation import is_default
    import inspect

    default = inspect.signature(AutoModel.fit).parameters["validation_split"].default
    assert default == 0.2 and is_default(default) and not is_default(0.2)
