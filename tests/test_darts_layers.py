"""DARTS layers: candidate ops, MixedOp, DartsCell, FixedCell, Supernet."""

import keras
import numpy as np
import pytest
from keras import ops

from autonas.darts import DEFAULT_CANDIDATES, DartsCell, FixedCell, MixedOp, Supernet, cell_plan, make_op, num_edges


def _x(shape, seed=0):
    return ops.convert_to_tensor(np.random.default_rng(seed).normal(size=shape).astype("float32"))


@pytest.mark.parametrize("name", DEFAULT_CANDIDATES + ("conv_1x1", "conv_3x3"))
@pytest.mark.parametrize("size", [6, 7])
def test_every_op_keeps_or_halves_the_size(name, size):
    x = _x((2, size, size, 4))
    assert tuple(make_op(name, 4, strides=1, affine=False, search=True)(x).shape) == (2, size, size, 4)
    half = (size + 1) // 2
    assert tuple(make_op(name, 4, strides=2, affine=False, search=True)(x).shape) == (2, half, half, 4)


def test_make_op_rejects_unknown_names_and_strides():
    with pytest.raises(ValueError, match="sep_conv_7x7"):
        make_op("sep_conv_7x7", 4)
    with pytest.raises(ValueError, match="`strides` must be 1 or 2; received 3"):
        make_op("sep_conv_3x3", 4, strides=3)


def test_mixed_op_is_the_weighted_sum_of_its_candidates():
    candidates = ["none", "skip_connect", "avg_pool_3x3"]
    mixed = MixedOp(4, candidates=candidates)
    x = _x((2, 5, 5, 4))
    w = ops.softmax(ops.convert_to_tensor(np.array([0.3, -1.0, 2.0], "float32")))
    assert np.isclose(float(ops.sum(w)), 1.0, atol=1e-6)
    out = ops.convert_to_numpy(mixed(x, w, training=True))
    pool = ops.convert_to_numpy(mixed.candidate_ops[1](x, training=True))
    expected = float(w[1]) * ops.convert_to_numpy(x) + float(w[2]) * pool
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_mixed_op_aux_skip_adds_the_input_on_stride_one_edges_only():
    mixed = MixedOp(4, candidates=["none", "max_pool_3x3"])
    x = _x((1, 4, 4, 4))
    w = ops.convert_to_tensor(np.array([1.0, 0.0], "float32"))
    np.testing.assert_allclose(ops.convert_to_numpy(mixed(x, w, aux_coef=0.5)), 0.5 * ops.convert_to_numpy(x),
                               atol=1e-6)
    reducing = MixedOp(4, strides=2, candidates=["none", "max_pool_3x3"])
    assert tuple(reducing(x, w, aux_coef=0.5).shape) == (1, 2, 2, 4)


def test_darts_cell_output_concatenates_the_nodes():
    nodes = 3
    cell = DartsCell(4, reduction=True, reduction_prev=False, nodes=nodes)
    w = ops.softmax(ops.zeros((num_edges(nodes), len(DEFAULT_CANDIDATES))), axis=-1)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.sum(w, axis=-1)), np.ones(num_edges(nodes)), atol=1e-6)
    out = cell([_x((2, 8, 8, 6)), _x((2, 8, 8, 5), 1)], w)
    assert tuple(out.shape) == (2, 4, 4, 4 * nodes)
    assert len(cell.edges) == num_edges(nodes) == 9
    # the edges from the two cell inputs reduce, the others do not
    assert [e.strides for e in cell.edges] == [2, 2, 2, 2, 1, 2, 2, 1, 1]


def test_darts_cell_after_a_reduction_halves_its_older_input():
    cell = DartsCell(4, reduction=False, reduction_prev=True, nodes=2)
    w = ops.softmax(ops.zeros((5, 8)), axis=-1)
    out = cell([_x((1, 8, 8, 3)), _x((1, 4, 4, 3))], w)
    assert tuple(out.shape) == (1, 4, 4, 8)


def test_fixed_cell_builds_only_the_chosen_ops():
    pairs = [("sep_conv_3x3", 0), ("skip_connect", 1), ("max_pool_3x3", 2), ("dil_conv_5x5", 0)]
    cell = FixedCell(4, pairs, reduction=True)
    out = cell([_x((1, 6, 6, 3)), _x((1, 6, 6, 3))])
    assert tuple(out.shape) == (1, 3, 3, 8)
    assert [type(op).__name__ for op in cell.cell_ops] == ["SepConv", "FactorizedReduce", "Pool", "DilConv"]


def test_fixed_cell_rejects_none_and_forward_edges():
    with pytest.raises(ValueError, match="'none'"):
        FixedCell(4, [("none", 0), ("skip_connect", 1)])
    with pytest.raises(ValueError, match="state 2"):
        FixedCell(4, [("skip_connect", 0), ("skip_connect", 2)])


@pytest.mark.parametrize("layer", [
    MixedOp(4, strides=2, candidates=["none", "skip_connect", "sep_conv_5x5"]),
    DartsCell(4, reduction=True, reduction_prev=True, nodes=2, candidates=["none", "max_pool_3x3"]),
    FixedCell(4, [("sep_conv_3x3", 0), ("skip_connect", 1)], reduction_prev=True),
    make_op("dil_conv_3x3", 6, strides=2, affine=False),
    make_op("avg_pool_3x3", 6, search=True),
    make_op("skip_connect", 6, strides=2),
    Supernet(3, channels=2, layers=3, nodes=2, candidates=["none", "skip_connect"], stem_multiplier=1),
])
def test_get_config_round_trip_through_the_registry(layer):
    config = keras.saving.serialize_keras_object(layer)
    assert config["registered_name"].startswith("autonas>")
    clone = keras.saving.deserialize_keras_object(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()


def test_supernet_shares_one_alpha_matrix_per_cell_kind():
    net = Supernet(10, channels=2, layers=3, nodes=2, candidates=["none", "skip_connect", "max_pool_3x3"],
                   stem_multiplier=1)
    logits = net(_x((2, 8, 8, 1)))
    assert tuple(logits.shape) == (2, 10)
    assert [tuple(a.shape) for a in net.arch_variables] == [(5, 3), (5, 3)]
    arch = {id(v) for v in net.arch_variables}
    assert len(net.weight_variables) == len(net.trainable_variables) - 2
    assert not arch & {id(v) for v in net.weight_variables}
    normal, reduce = net.op_weights()
    np.testing.assert_allclose(ops.convert_to_numpy(ops.sum(normal, axis=-1)), np.ones(5), atol=1e-6)
    assert [c.reduction for c in net.cells] == [False, True, True]


def test_cell_plan_puts_reductions_at_one_and_two_thirds():
    plan = cell_plan(8, 16)
    assert [i for i, (_, red, _) in enumerate(plan) if red] == [2, 5]
    assert [c for c, _, _ in plan] == [16, 16, 32, 32, 32, 64, 64, 64]
    assert [prev for _, _, prev in plan] == [False, False, False, True, False, False, True, False]

