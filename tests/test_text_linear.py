"""The text classifier's linear n-gram member trains at a learning rate it can converge at."""

import dataclasses
import json

import keras_tuner
import numpy as np
import pytest

import autonas
from autonas.auto_model import SearchContext
from autonas.data.profile import DataProfile
from autonas.graph.graph import LEARNING_RATES, Graph
from autonas.tasks.text import LINEAR_LEARNING_RATE, TEXT_LEARNING_RATES
from profile_helpers import attach, profiled


def _labelled_context(model):
    node = model._text_block.inputs[0]
    profile = DataProfile.from_arrays([node], [np.array(["a", "b"], dtype=object)], [np.array([0.0, 1.0])])
    context = SearchContext(num_train=1000, num_val=250, epochs=None, batch_size=32, max_time=None,
                            input_shapes=[()])
    return dataclasses.replace(context, profile=profile)


def test_the_linear_warm_start_of_a_classifier_uses_the_larger_searched_learning_rate():
    clf = autonas.TextClassifier(max_trials=1)
    assert LINEAR_LEARNING_RATE in clf.graph.learning_rates and clf.graph.learning_rates == TEXT_LEARNING_RATES
    configs = clf.default_initial_hps(_labelled_context(clf))
    linear = [c for c in configs if c.get("text_block/ngram/num_layers") == 0]
    assert linear and linear[0]["learning_rate"] == LINEAR_LEARNING_RATE
    # only the linear model gets it: the networks keep the space's default
    assert all("learning_rate" not in c for c in configs if c.get("text_block/ngram/num_layers") != 0)
    # a pinned learning rate is not overridden (the warm start names no unsearched value)
    clf.graph.learning_rate = 3e-4
    assert all("learning_rate" not in c for c in clf.default_initial_hps(_labelled_context(clf)))
    # the regressor's space and warm start are unchanged
    reg = autonas.TextRegressor(max_trials=1)
    assert reg.graph.learning_rates is None
    assert all("learning_rate" not in c for c in reg.default_initial_hps(_labelled_context(reg)))


def _graph(**kwargs):
    inp = autonas.Input()
    out = autonas.RegressionHead()(autonas.DenseBlock(num_layers=1, num_units=4)(inp))
    attach(inp, np.zeros((8, 3), "float32"))
    out.in_blocks[0].fit_targets(np.zeros((8, 1), "float32"))
    return profiled(Graph(inp, out, **kwargs))


def test_graph_searches_the_learning_rates_it_is_given_and_keeps_them_in_its_config():
    hp = keras_tuner.HyperParameters()
    _graph().build(hp)
    assert hp.space[[p.name for p in hp.space].index("learning_rate")].values == list(LEARNING_RATES)
    graph = _graph(learning_rates=[0.01, 0.001])
    hp = keras_tuner.HyperParameters()
    model = graph.build(hp)
    spec = {p.name: p for p in hp.space}["learning_rate"]
    assert spec.values == [0.01, 0.001] and spec.default == 0.01
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
    clone = Graph.from_config(json.loads(json.dumps(graph.get_config())))
    assert clone.learning_rates == (0.01, 0.001)


@pytest.mark.parametrize("bad", [[], [0.0], [-1e-3], ["fast"], [True]])
def test_graph_rejects_bad_learning_rates(bad):
    with pytest.raises(ValueError, match="learning_rates"):
        _graph(learning_rates=bad)
