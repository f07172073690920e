"""The graph: readable, stable hyperparameter names and JSON round trips."""

import json

import keras_tuner
import numpy as np
import pytest

import autonas
from autonas.graph.graph import Graph
from profile_helpers import attach, data_of, profiled


def _graph():
    inp = autonas.ImageInput()
    x = autonas.ConvBlock()(inp)
    x = autonas.ConvBlock(num_blocks=1)(x)
    x = autonas.DenseBlock()(x)
    out = autonas.ClassificationHead()(x)
    attach(inp, np.random.default_rng(0).random((20, 8, 8)).astype("float32"))
    out.in_blocks[0].fit_targets(np.arange(20) % 3)
    return profiled(Graph(inp, out))


def _names(graph):
    hp = keras_tuner.HyperParameters()
    graph.build(hp)
    return [p.name for p in hp.space]


def test_hyperparameter_names_are_readable_and_stable():
    first, second = _names(_graph()), _names(_graph())
    assert first == second
    assert "conv_block/filters" in first
    assert "conv_block_1/filters" in first
    assert "conv_block_1/num_blocks" not in first  # pinned
    assert "dense_block/num_units" in first
    assert "optimizer" in first and "learning_rate" in first


def test_user_names_and_custom_ranges():
    inp = autonas.ImageInput()
    hp_def = keras_tuner.HyperParameters()
    hp_def.Choice("ignored", [8, 12])
    custom = hp_def.space[0]
    x = autonas.ConvBlock(name="stem", filters=custom)(inp)
    out = autonas.ClassificationHead()(x)
    attach(inp, np.zeros((4, 8, 8), "float32"))
    out.in_blocks[0].fit_targets(np.array([0, 1, 0, 1]))
    hp = keras_tuner.HyperParameters()
    profiled(Graph(inp, out)).build(hp)
    spec = {p.name: p for p in hp.space}
    assert spec["stem/filters"].values == [8, 12]


def test_graph_config_round_trips_through_json():
    graph = _graph()
    config = json.loads(json.dumps(graph.get_config()))
    clone = Graph.from_config(config)
    assert [type(b).__name__ for b in clone.blocks] == [type(b).__name__ for b in graph.blocks]
    assert [b.name for b in clone.blocks] == [b.name for b in graph.blocks]
    attach(clone.inputs[0], data_of(graph.inputs[0]))
    profiled(clone)
    clone.heads[0].fit_targets(np.arange(20) % 3)
    assert _names(clone) == _names(graph)


def test_duplicate_user_block_names_are_rejected():
    inp = autonas.ImageInput()
    x = autonas.ConvBlock(name="a")(inp)
    x = autonas.DenseBlock(name="a")(x)
    out = autonas.ClassificationHead()(x)
    with pytest.raises(ValueError, match="Two blocks are named 'a'"):
        Graph(inp, out)


def test_outputs_must_come_from_heads():
    inp = autonas.ImageInput()
    x = autonas.DenseBlock()(inp)
    with pytest.raises(TypeError, match="heads"):
        Graph(inp, x)


def test_block_on_wrong_input_kind_names_both():
    with pytest.raises(TypeError, match="ImageBlock.*StructuredDataInput"):
        autonas.ImageBlock()(autonas.StructuredDataInput())
