"""Hyper-blocks through AutoModel: search, refit, predict, evaluate and export with raw inputs."""

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import autonas

from conftest import shared_data

pytestmark = pytest.mark.slow


def _sms(n):
    lines = shared_data("sms-spam", "SMSSpamCollection").read_text(encoding="utf-8").splitlines()[:n]
    return (np.array([line.split("\t", 1)[1] for line in lines], dtype=object),
            np.array([line.split("\t", 1)[0] for line in lines], dtype=object))


def test_structured_data_from_a_csv_path_exports_a_model_taking_raw_columns(tmp_path):
    path = shared_data("titanic", "train.csv")
    inp = autonas.StructuredDataInput()
    out = autonas.ClassificationHead()(autonas.StructuredDataBlock()(inp))
    model = autonas.AutoModel(inp, out, max_trials=1, seed=0, directory=tmp_path, project_name="titanic")
    table = pd.read_csv(path)
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    table[:600].to_csv(train_csv, index=False)
    table[600:].to_csv(test_csv, index=False)
    model.fit(str(train_csv), "Survived", epochs=2, verbose=0)
    # held-out rows: the majority class ("did not survive", 0.62 of them) plus a stated margin
    majority = np.mean(table["Survived"][600:] == table["Survived"][:600].mode()[0])
    accuracy = model.evaluate(str(test_csv), "Survived")["accuracy"]
    assert accuracy > majority + 0.08, (accuracy, majority)
    frame = table.drop(columns=["Survived"])
    raw = frame.head(4).copy()
    raw.loc[0, "Age"], raw.loc[1, "Embarked"], raw.loc[2, "Sex"] = np.nan, None, "unknown"
    predictions = model.predict(raw)
    assert set(predictions.tolist()) <= {0, 1}
    with pytest.raises(ValueError, match=r"missing column\(s\) \['Sex'\]"):
        model.predict(frame.drop(columns=["Sex"]))
    export = tmp_path / "serving"
    model.export(str(export))
    serve = tf.saved_model.load(str(export)).signatures["serving_default"]
    inputs = inp.keras_data(autonas.data.prepare_input(raw, inp))
    feed = {name: tf.constant(value.astype(str) if value.dtype == object else value) for name, value in inputs.items()}
    served = serve(**feed)["probabilities"].numpy()
    np.testing.assert_allclose(served[:, 1], model.predict_raw(raw)[0][:, 0], rtol=1e-5, atol=1e-6)


def test_text_block_searches_and_exports_a_model_taking_raw_strings(tmp_path):
    texts, labels = _sms(800)
    inp = autonas.TextInput()
    out = autonas.ClassificationHead()(autonas.TextBlock()(inp))
    model = autonas.AutoModel(inp, out, max_trials=2, seed=0, directory=tmp_path, project_name="sms")
    model.fit(texts[:600], labels[:600], epochs=6, verbose=0)
    # held-out messages, 0.855 of them ham: the majority class plus a stated margin (2 epochs scored exactly
    # the majority class: a constant model)
    majority = np.mean(labels[600:] == "ham")
    accuracy = model.evaluate(texts[600:], labels[600:])["accuracy"]
    assert accuracy > majority + 0.05, (accuracy, majority)
    keras_model = model.export_model()
    raw = keras_model.predict(np.array(["WINNER! claim your free prize now", "see you at lunch"], dtype=object),
                              verbose=0)
    assert raw.shape == (2, 1)
    assert set(model.predict(texts[600:620]).tolist()) <= {"ham", "spam"}


def test_multi_input_multi_output_auto_model(tmp_path, small_digits):
    x, y, _, _ = small_digits
    n = 300
    images, digits = x[:n], y[:n]
    table = pd.DataFrame({"ink": images.reshape(n, -1).sum(1), "parity": np.where(digits % 2, "odd", "even")})
    table.loc[::7, "ink"] = np.nan
    table.loc[::11, "parity"] = None
    brightness = images.reshape(n, -1).mean(1)
    image_in, table_in = autonas.ImageInput(), autonas.StructuredDataInput()
    merged = autonas.Merge()([autonas.ImageBlock(block_type="vanilla")(image_in),
                              autonas.StructuredDataBlock(num_layers=1)(table_in)])
    label = autonas.ClassificationHead(name="digit")(merged)
    value = autonas.RegressionHead(name="brightness")(merged)
    model = autonas.AutoModel([image_in, table_in], [label, value], max_trials=1, seed=0, directory=tmp_path,
                              project_name="multi")
    model.fit({"image_input": images, "structured_data_input": table}, {"digit": digits, "brightness": brightness},
              epochs=2, verbose=0)
    predicted_digits, predicted_brightness = model.predict([images[:10], table.head(10)])
    assert predicted_digits.shape == (10,) and set(predicted_digits.tolist()) <= set(range(10))
    assert predicted_brightness.shape == (10,)
    assert sorted(model.export_model().input) == ["image_input", "ink", "parity"]
