"""`DartsCell`: the searchable cell of a DARTS supernet (a mixed op on every edge)."""

import keras
from keras import ops

from autonas.darts.genotype import edge_list
from autonas.darts.mixed_op import MixedOp
from autonas.darts.candidates import check_candidates
from autonas.darts.ops import FactorizedReduce, ReLUConvBN


def _check_positive(value, arg_name):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{arg_name}` must be a positive integer; received {value!r}.")


def preprocess_layers(channels, reduction_prev, affine):
    """The two input adapters of a cell: bring both inputs to `channels`.

    The older input is halved in size (factorized reduction) when the previous
    cell was a reduction cell, so both inputs share the spatial size.

    Args:
        channels: channels of the cell's states.
        reduction_prev: whether the previous cell was a reduction cell.
        affine: learn batch-norm scale and offset.

    Returns:
        ``(preprocess0, preprocess1)`` Keras layers.

    Example:
        >>> p0, p1 = preprocess_layers(16, reduction_prev=True, affine=False)
    """
    pre0 = FactorizedReduce(channels, affine=affine) if reduction_prev else ReLUConvBN(channels, affine=affine)
    return pre0, ReLUConvBN(channels, affine=affine)


def build_cell_inputs(cell, input_shape):
    """Build a cell's input adapters; returns the shape of its states.

    Args:
        cell: a `DartsCell` or `FixedCell`.
        input_shape: ``[shape of c_{k-2}, shape of c_{k-1}]``.

    Returns:
        ``(input_state_shape, node_shape)``: the shape of the two adapted
        inputs and of the intermediate nodes (halved in a reduction cell).

    Example:
        >>> build_cell_inputs(DartsCell(8, reduction=True), [(None, 8, 8, 3)] * 2)
        ((None, 8, 8, 8), (None, 4, 4, 8))
    """
    shape0, shape1 = (tuple(s) for s in input_shape)
    cell.preprocess0.build(shape0)
    cell.preprocess1.build(shape1)
    state = tuple(cell.preprocess1.compute_output_shape(shape1))
    node = cell_output_shape(shape1, cell.channels, 1, cell.reduction)
    return state, node


def cell_output_shape(input_shape, channels, nodes, reduction):
    """Output shape of a cell given the shape of its most recent input.

    Args:
        input_shape: shape of ``c_{k-1}`` (batch, H, W, C).
        channels: channels of each state.
        nodes: number of concatenated intermediate nodes.
        reduction: whether the cell halves the spatial size.

    Returns:
        A shape tuple.

    Example:
        >>> cell_output_shape((None, 7, 7, 16), channels=8, nodes=4, reduction=True)
        (None, 4, 4, 32)
    """
    batch, height, width, _ = input_shape
    if reduction:
        height = None if height is None else (height + 1) // 2
        width = None if width is None else (width + 1) // 2
    return (batch, height, width, channels * nodes)


@keras.saving.register_keras_serializable(package="autonas")
class DartsCell(keras.layers.Layer):
    """A searchable DARTS cell: every edge is a `MixedOp`.

    Intermediate node ``i`` is the sum of the mixed ops applied to the two cell
    inputs and all earlier nodes; the output concatenates the intermediate
    nodes (``nodes * channels`` channels). In a reduction cell the edges that
    leave the two cell inputs have stride 2.

    The op weights (softmax of the architecture parameters, one row per edge)
    are given at call time: they belong to the supernet and are shared by all
    cells of the same kind.

    Args:
        channels: channels of every state inside the cell.
        reduction: a reduction cell (halves the spatial size).
        reduction_prev: the previous cell was a reduction cell.
        nodes: number of intermediate nodes (default 4).
        candidates: operation names of each mixed op; the DARTS set when None.
        affine: learn batch-norm scale and offset (False during the search).

    Returns:
        Called as ``cell([s0, s1], op_weights, aux_coef=None)`` with
        ``op_weights`` of shape ``(num_edges(nodes), len(candidates))``, it
        returns the concatenated intermediate nodes.

    Example:
        >>> cell = DartsCell(8, nodes=2)
        >>> w = keras.ops.softmax(keras.ops.zeros((5, 8)), axis=-1)
        >>> x = keras.ops.ones((2, 6, 6, 16))
        >>> y = cell([x, x], w)   # shape (2, 6, 6, 16)
    """

    def __init__(self, channels, reduction=False, reduction_prev=False, nodes=4, candidates=None, affine=False,
                 **kwargs):
        super().__init__(**kwargs)
        _check_positive(channels, "channels")
        _check_positive(nodes, "nodes")
        self.channels = channels
        self.reduction = bool(reduction)
        self.reduction_prev = bool(reduction_prev)
        self.nodes = nodes
        self.candidates = check_candidates(candidates)
        self.affine = bool(affine)
        self.preprocess0, self.preprocess1 = preprocess_layers(channels, self.reduction_prev, self.affine)
        self.edges = [
            MixedOp(channels, strides=2 if self.reduction and src < 2 else 1, candidates=self.candidates,
                    affine=self.affine)
            for _, src in edge_list(nodes)
        ]

    def build(self, input_shape):
        state, node = build_cell_inputs(self, input_shape)
        for edge, (_, src) in zip(self.edges, edge_list(self.nodes)):
            edge.build(state if src < 2 else node)
        self.built = True

    def call(self, inputs, op_weights, aux_coef=None, training=None):
        s0, s1 = inputs
        states = [self.preprocess0(s0, training=training), self.preprocess1(s1, training=training)]
        edge = 0
        for _ in range(self.nodes):
            total = None
            for state in states:
                term = self.edges[edge](state, op_weights[edge], aux_coef=aux_coef, training=training)
                total = term if total is None else total + term
                edge += 1
            states.append(total)
        return ops.concatenate(states[2:], axis=-1)

    def compute_output_shape(self, input_shape, *args, **kwargs):
        return cell_output_shape(input_shape[1], self.channels, self.nodes, self.reduction)

    def get_config(self):
        config = super().get_config()
        config.update(channels=self.channels, reduction=self.reduction, reduction_prev=self.reduction_prev,
                      nodes=self.nodes, candidates=list(self.candidates), affine=self.affine)
        return config
