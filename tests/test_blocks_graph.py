"""Graphs of every block: JSON round trips, stable names, multi-input multi-output training, saving."""

import json

import keras
import keras_tuner
import numpy as np
import pandas as pd
import pytest

import autonas
from autonas import blocks
from autonas.data import prepare_input
from autonas.graph import Graph, ImageInput, Input, StructuredDataInput, TextInput
from autonas.layers import FillMissing, PositionEmbedding
from profile_helpers import attach, data_of, profiled

RNG = np.random.default_rng(0)
IMAGES = RNG.random((16, 8, 8)).astype("float32")
TEXTS = np.array([f"message {i} about {'prizes' if i % 2 else 'lunch'} today" for i in range(16)], dtype=object)
TABLE = pd.DataFrame({"x": RNG.normal(size=16), "c": RNG.choice(["a", "b"], 16).astype(object)})
SERIES = RNG.random((16, 12, 3)).astype("float32")
LABELS = np.arange(16) % 2
CUSTOM = keras_tuner.engine.hyperparameters.Choice("whatever", [0.0, 0.2])


def _image_graph():
    inp = ImageInput()
    x = blocks.Normalization()(inp)
    x = blocks.ImageAugmentation(rotation_factor=CUSTOM, horizontal_flip=True)(x)
    x = blocks.ResNetBlock(filters=8, name="res")(x)
    x = blocks.XceptionBlock(num_stages=1)(x)
    x = blocks.MBConvBlock()(x)
    x = blocks.ConvBlock(num_blocks=1)(x)
    a = blocks.SpatialReduction()(x)
    b = blocks.ImageBlock(augment=True)(inp)
    out = autonas.ClassificationHead()(blocks.DenseBlock()(blocks.Merge()([a, b])))
    return Graph(inp, out)


def _text_graph():
    inp = TextInput()
    x = blocks.TextVectorization(sequence_length=16)(inp)
    x = blocks.Embedding()(x)
    x = blocks.RNNBlock(return_sequences=True, num_layers=1)(x)
    x = blocks.TransformerBlock()(x)
    a = blocks.TemporalReduction()(x)
    b = blocks.TextBlock()(inp)
    c = blocks.DenseBlock()(blocks.TextVectorization(output_mode="tf_idf")(inp))
    out = autonas.ClassificationHead()(blocks.Merge(merge_type="add")([a, b, c]))
    return Graph(inp, out)


def _mixed_graph():
    table, image, series = StructuredDataInput(), ImageInput(), Input(name="series")
    a = blocks.StructuredDataBlock(dropout=CUSTOM)(table)
    b = blocks.DenseBlock(num_layers=1)(table)
    c = blocks.ImageBlock(block_type="vanilla")(image)
    d = blocks.Flatten()(blocks.ConvBlock(num_blocks=1)(series))
    merged = blocks.Merge()([a, b, c, d])
    out1 = autonas.ClassificationHead(name="label")(merged)
    out2 = autonas.RegressionHead(name="value")(merged)
    return Graph([table, image, series], [out1, out2])


DATA = {"image_input": IMAGES, "text_input": TEXTS, "structured_data_input": TABLE, "series": SERIES}


def _fit_data(graph):
    for node in graph.inputs:
        attach(node, prepare_input(DATA[node.name], node, fit=True))
    profiled(graph)
    for head in graph.heads:
        head.fit_targets(LABELS)
    return graph


def _build(graph):
    hp = keras_tuner.HyperParameters()
    model = graph.build(hp)
    structure = [(type(layer).__name__, str(layer.output.shape) if hasattr(layer, "output") else "")
                 for layer in model.layers]
    return model, [p.name for p in hp.space], structure


@pytest.mark.parametrize("make", [_image_graph, _text_graph, _mixed_graph])
def test_graph_of_every_block_round_trips_through_json(make):
    graph = _fit_data(make())
    config = json.loads(json.dumps(graph.get_config()))
    clone = _fit_data(Graph.from_config(config))
    assert json.loads(json.dumps(clone.get_config())) == config
    model, names, structure = _build(graph)
    clone_model, clone_names, clone_structure = _build(clone)
    assert clone_names == names
    assert clone_structure == structure
    assert clone_model.count_params() == model.count_params()


@pytest.mark.parametrize("make", [_image_graph, _text_graph, _mixed_graph])
def test_names_are_stable_across_two_builds(make):
    first = _build(_fit_data(make()))[1]
    second = _build(_fit_data(make()))[1]
    graph = _fit_data(make())
    assert first == second == _build(graph)[1] == _build(graph)[1]
    assert all(name.count("/") >= 1 for name in first if name not in ("optimizer", "learning_rate"))


def test_round_trip_names_include_custom_ranges_and_block_names():
    graph = _fit_data(_image_graph())
    hp = keras_tuner.HyperParameters()
    graph.build(hp)
    space = {p.name: p for p in hp.space}
    assert "res/num_stages" in space and "res/filters" not in space
    assert space["image_augmentation/rotation_factor"].values == [0.0, 0.2]
    assert "image_augmentation/horizontal_flip" not in space
    clone = _fit_data(Graph.from_config(json.loads(json.dumps(_mixed_graph().get_config()))))
    hp = keras_tuner.HyperParameters()
    clone.build(hp)
    space = {p.name: p for p in hp.space}
    assert space["structured_data_block/dropout"].values == [0.0, 0.2]


def test_multi_input_multi_output_graph_trains_and_predicts():
    graph = _fit_data(_mixed_graph())
    model, _, _ = _build(graph)
    assert sorted(model.input) == ["c", "image_input", "series", "x"]
    model.compile(optimizer="adam", loss={"label": "binary_crossentropy", "value": "mse"}, run_eagerly=True)
    table, image, series = graph.inputs
    x = {**table.keras_data(data_of(table)), "image_input": data_of(image), "series": data_of(series)}
    y = {"label": LABELS.astype("float32"), "value": LABELS.astype("float32")}
    history = model.fit(x, y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    label, value = model.predict(x, verbose=0)
    assert label.shape == (16, 1) and value.shape == (16, 1)


def test_saved_model_with_custom_layers_loads_in_safe_mode(tmp_path):
    graph = _fit_data(_text_graph())
    model, _, _ = _build(graph)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(loaded.predict(TEXTS[:4], verbose=0), model.predict(TEXTS[:4], verbose=0),
                               rtol=1e-5, atol=1e-6)
    table_graph = _fit_data(_mixed_graph())
    model, _, _ = _build(table_graph)
    model.save(tmp_path / "t.keras")
    loaded = keras.saving.load_model(tmp_path / "t.keras", safe_mode=True)
    assert any(isinstance(layer, FillMissing) for layer in loaded.layers)


def test_custom_layers_config_round_trip():
    for layer in [PositionEmbedding(max_length=7), FillMissing(2.5, indicator=True),
                  FillMissing(-1, output_dtype="int64")]:
        config = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
        clone = keras.saving.deserialize_keras_object(config)
        assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    filled = FillMissing(2.5, indicator=True)(np.array([1.0, np.nan], "float32"))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(filled), [[1.0, 0.0], [2.5, 1.0]])
    ids = FillMissing(-1, output_dtype="int64")(np.array([3.0, np.nan], "float32"))
    assert keras.ops.convert_to_numpy(ids).tolist() == [3, -1]
    positions = PositionEmbedding()(np.zeros((2, 5, 4), "float32"))
    assert positions.shape == (2, 5, 4)
    with pytest.raises(ValueError, match="max_length"):
        PositionEmbedding(max_length=0)
