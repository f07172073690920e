"""Each accepted input form gives the same dataset contents."""

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from autonas.data import load_data, prepare_input
from autonas.data.tf_dataset import is_batched
from autonas.graph import ImageInput, StructuredDataInput, TextInput

from conftest import shared_data


def _records_equal(a, b):
    assert a.dtype.names == b.dtype.names
    for name in a.dtype.names:
        if a[name].dtype.kind == "f":
            np.testing.assert_array_equal(a[name], b[name])  # NaN == NaN here
        else:
            assert a[name].tolist() == b[name].tolist(), name


def _digits(n=50):
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images[:n].astype("uint8"), d.target[:n]


def test_image_forms_give_the_same_arrays(tmp_path):
    x, y = _digits()
    reference = prepare_input(x, ImageInput(), fit=True)
    forms = {
        "unbatched": tf.data.Dataset.from_tensor_slices((x, y)),
        "batched": tf.data.Dataset.from_tensor_slices((x, y)).batch(7),
        "batched_drop_remainder": tf.data.Dataset.from_tensor_slices((x, y)).batch(10, drop_remainder=True),
        "prefetched": tf.data.Dataset.from_tensor_slices((x, y)).batch(8).prefetch(2),
    }
    for name, dataset in forms.items():
        xs, ys = load_data(dataset, kind="image")
        np.testing.assert_array_equal(prepare_input(xs, ImageInput()), reference, err_msg=name)
        np.testing.assert_array_equal(ys, y, err_msg=name)
    # an image folder: one subfolder per class, labels are the folder names
    for i, (image, label) in enumerate(zip(x, y)):
        folder = tmp_path / str(label)
        folder.mkdir(exist_ok=True)
        tf.io.write_file(str(folder / f"{i:04d}.png"), tf.io.encode_png(image[..., None]))
    xs, ys = load_data(tmp_path)
    order = np.lexsort((np.arange(len(y)), y))  # folder order: by class, then file name
    np.testing.assert_array_equal(prepare_input(xs, ImageInput())[..., 0], reference[order])
    assert ys.tolist() == [str(v) for v in y[order]]


def test_is_batched_detects_batches():
    data = tf.data.Dataset.range(6)
    assert not is_batched(data)
    assert is_batched(data.batch(4))
    assert is_batched(data.batch(3, drop_remainder=True).prefetch(1))
    assert not is_batched(data.batch(3).unbatch())


def test_text_forms_give_the_same_strings(tmp_path):
    texts = ["free prize", "see you", "café ☕ ok", "call now"]
    labels = np.array(["spam", "ham", "ham", "spam"], dtype=object)
    reference = prepare_input(texts, TextInput())
    assert reference.dtype == object and reference.tolist() == texts
    forms = [np.array(texts), np.array(texts, dtype=object), pd.Series(texts), pd.DataFrame({"t": texts}),
             np.array(texts)[:, None], tuple(texts), [t.encode("utf-8") for t in texts]]
    for form in forms:
        assert prepare_input(form, TextInput()).tolist() == texts
    for dataset in [tf.data.Dataset.from_tensor_slices((texts, labels.astype(str))),
                    tf.data.Dataset.from_tensor_slices((texts, labels.astype(str))).batch(3)]:
        xs, ys = load_data(dataset, kind="text")
        assert prepare_input(xs, TextInput()).tolist() == texts
        assert ys.tolist() == labels.tolist()
    for i, (text, label) in enumerate(zip(texts, labels)):
        (tmp_path / label).mkdir(exist_ok=True)
        (tmp_path / label / f"{i}.txt").write_text(text, encoding="utf-8")
    xs, ys = load_data(tmp_path, kind="text")
    assert sorted(zip(ys.tolist(), xs.tolist())) == sorted(zip(labels.tolist(), texts))


def _frame():
    return pd.DataFrame({
        "age": [22.0, np.nan, 35.5, 40.0, 18.0],
        "sex": ["m", "f", None, "f", "m"],
        "rooms": [1, 2, 2, 3, 1],
        "target": [0, 1, 1, 0, 1],
    })


def test_structured_forms_give_the_same_records(tmp_path):
    frame = _frame()
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    features = frame.drop(columns=["target"])
    node = StructuredDataInput()
    reference = prepare_input(features, node, fit=True)
    assert reference["sex"].tolist() == ["m", "f", "", "f", "m"]
    assert np.isnan(reference["age"][1])

    x_csv, y_csv = load_data(str(path), "target")
    _records_equal(prepare_input(x_csv, node), reference)
    assert y_csv.tolist() == frame["target"].tolist()
    x_df, y_df = load_data(frame, "target")
    _records_equal(prepare_input(x_df, node), reference)
    assert y_df.tolist() == y_csv.tolist()
    _records_equal(prepare_input({c: features[c].to_numpy() for c in features}, node), reference)
    _records_equal(prepare_input(features[["rooms", "sex", "age"]], node), reference)  # by name, any order
    _records_equal(prepare_input(reference, node), reference)
    positional = StructuredDataInput(column_names=["age", "sex", "rooms"])
    _records_equal(prepare_input(features.to_numpy(), positional, fit=True), reference)
    # tf.data carries strings only; missing strings travel as ""
    columns = {"age": features["age"].to_numpy(), "sex": features["sex"].fillna("").to_numpy().astype(str),
               "rooms": features["rooms"].to_numpy()}
    for dataset in [tf.data.Dataset.from_tensor_slices((columns, frame["target"].to_numpy())),
                    tf.data.Dataset.from_tensor_slices((columns, frame["target"].to_numpy())).batch(2)]:
        xs, ys = load_data(dataset, kind="structured")
        _records_equal(prepare_input(xs, node), reference)
        assert ys.tolist() == y_csv.tolist()


def test_titanic_csv_and_dataframe_agree():
    path = shared_data("titanic", "train.csv")
    x_csv, y_csv = load_data(str(path), "Survived")
    x_df, y_df = load_data(pd.read_csv(path), "Survived")
    node = StructuredDataInput()
    reference = prepare_input(x_csv, node, fit=True)
    _records_equal(prepare_input(x_df, node), reference)
    assert len(reference) == 891 and y_csv.tolist() == y_df.tolist()
    types = {c.name: c.type for c in node.columns}
    assert types["Age"] == "numerical" and types["Sex"] == "categorical" and types["Name"] == "text"
    assert (reference["Cabin"] == "").sum() == 687 and np.isnan(reference["Age"]).sum() == 177


def test_empty_dataset_is_rejected():
    with pytest.raises(ValueError, match="empty"):
        load_data(tf.data.Dataset.from_tensor_slices(np.zeros((0, 3))))
