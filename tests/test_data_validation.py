"""Bad input is reported with a clear error naming the argument, before any model is built."""

import os

import numpy as np
import pandas as pd
import pytest

import autonas
from autonas.data import infer_columns, load_data, prepare_input, to_frame
from autonas.graph import ImageInput, StructuredDataInput, TextInput


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5, 6)])
def test_images_of_rank_below_two_or_above_four_are_rejected(shape):
    with pytest.raises(ValueError, match=r"`x` for images must have shape \(N, H, W\) or \(N, H, W, C\)"):
        prepare_input(np.zeros(shape), ImageInput(), fit=True)


def test_object_column_of_mixed_types_is_rejected_naming_it():
    frame = pd.DataFrame({"ok": [1.0, 2.0, 3.0], "mixed": ["a", 2, None]})
    with pytest.raises(TypeError, match=r"Column 'mixed' of `x` mixes value types \(number: 2, string: 'a'\)"):
        prepare_input(frame, StructuredDataInput(), fit=True)


def test_missing_columns_at_predict_are_named():
    node = StructuredDataInput()
    prepare_input(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "c": [3, 4]}), node, fit=True)
    with pytest.raises(ValueError, match=r"`x` is missing column\(s\) \['a', 'c'\]"):
        prepare_input(pd.DataFrame({"b": ["x"]}), node, arg_name="x")


def test_strings_in_a_numeric_column_at_predict_are_named():
    node = StructuredDataInput()
    prepare_input(pd.DataFrame({"a": [1.0, 2.0]}), node, fit=True)
    with pytest.raises(ValueError, match=r"Column 'a' of `x` must hold numbers"):
        prepare_input(pd.DataFrame({"a": ["one"]}), node)


def test_csv_path_that_does_not_exist(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(ValueError, match=r"`x` is the path .*nope\.csv.* no such file"):
        load_data(str(missing), "target")


def test_target_column_not_in_csv(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"`y` names the target column 'label'.*columns are \['a', 'b'\]"):
        load_data(str(path), "label")


def test_target_column_name_needs_a_table():
    with pytest.raises(ValueError, match="`y` is the column name 'label'"):
        load_data(np.zeros((3, 2)), "label")


def test_folder_with_labels_given_twice(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.txt").write_text("hi")
    with pytest.raises(ValueError, match="`y` must be None when `x` is a folder"):
        load_data(str(tmp_path), np.zeros(1))


def test_column_types_are_checked():
    frame = pd.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]})
    with pytest.raises(ValueError, match=r"`column_types` names column\(s\) \['z'\]"):
        infer_columns(frame, {"z": "numerical"})
    with pytest.raises(ValueError, match="`column_types` values must be one of"):
        infer_columns(frame, {"a": "ordinal"})
    with pytest.raises(ValueError, match=r"`column_types\['a'\]` is 'categorical'.*non-integer"):
        infer_columns(frame, {"a": "categorical"})
    with pytest.raises(ValueError, match=r"`column_types\['b'\]` is 'numerical'"):
        infer_columns(frame, {"b": "numerical"})


def test_fully_missing_column_and_shapes():
    with pytest.raises(ValueError, match="Column 'gone' of `x` has only missing values"):
        infer_columns(pd.DataFrame({"gone": [None, np.nan], "a": [1, 2]}))
    with pytest.raises(ValueError, match=r"`x` has 3 columns but `column_names` lists 2"):
        to_frame(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="`x` for structured data must be"):
        to_frame(np.zeros(3))
    with pytest.raises(ValueError, match="`x` is empty"):
        prepare_input(pd.DataFrame({"a": []}), StructuredDataInput(), fit=True)


def test_text_inputs_must_be_strings():
    with pytest.raises(TypeError, match="`x` for text must hold strings; element 1 is int"):
        prepare_input(["a", 3], TextInput())
    with pytest.raises(ValueError, match="`x` for text must be a 1-D sequence"):
        prepare_input(np.array([["a", "b"]], dtype=object), TextInput())
    with pytest.raises(TypeError, match="single string"):
        prepare_input("just one text", TextInput())
    assert prepare_input(["a", None, np.nan], TextInput()).tolist() == ["a", "", ""]


def test_column_type_inference_and_missing_values():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "price": rng.normal(size=200),
        "rooms": rng.integers(1, 5, 200),
        "flag": rng.random(200) > 0.5,
        "id": np.arange(200),
        "city": rng.choice(["a", "b", None], 200),
        "review": [f"this is review number {i}" for i in range(200)],
        "code": [f"C{i % 60}" for i in range(200)],
    })
    types = {c.name: c.type for c in infer_columns(frame)}
    assert types == {"price": "numerical", "rooms": "categorical", "flag": "categorical", "id": "numerical",
                     "city": "categorical", "review": "text", "code": "categorical"}
    overridden = {c.name: c.type for c in infer_columns(frame, {"rooms": "numerical", "code": "text"})}
    assert overridden["rooms"] == "numerical" and overridden["code"] == "text"


def test_column_input_names_are_sanitised_and_unique():
    frame = pd.DataFrame({"Passenger Id": [1.5], "Passenger_Id": [2.5], "1st": [3.5], "dense": [4.5]})
    names = [c.input_name for c in infer_columns(frame)]
    assert names == ["Passenger_Id", "Passenger_Id_1", "c_1st", "dense_column"]


def test_auto_model_reports_bad_input_before_building_anything(tmp_path):
    inp = StructuredDataInput()
    out = autonas.ClassificationHead()(autonas.StructuredDataBlock()(inp))
    model = autonas.AutoModel(inp, out, max_trials=1, directory=tmp_path, project_name="bad")
    with pytest.raises(ValueError, match="no such file"):
        model.fit(str(tmp_path / "missing.csv"), "y")
    csv = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]}).to_csv(csv, index=False)
    with pytest.raises(ValueError, match="target column 'label'"):
        model.fit(str(csv), "label")
    with pytest.raises(TypeError, match="mixes value types"):
        model.fit(pd.DataFrame({"a": ["x", 1, 2, 3]}), np.array([0, 1, 0, 1]))
    assert model.model_ is None and model.tuner_ is None
    assert not os.path.exists(tmp_path / "bad")
