"""`FixedCell`: a discrete DARTS cell rebuilt from a genotype (no mixed ops)."""

import keras
from keras import ops

from autonas.darts.cell import _check_positive, build_cell_inputs, cell_output_shape, preprocess_layers
from autonas.darts.genotype import Genotype
from autonas.darts.ops import make_op


@keras.saving.register_keras_serializable(package="autonas")
class FixedCell(keras.layers.Layer):
    """One cell of a derived architecture: two chosen operations per node.

    Args:
        channels: channels of every state inside the cell.
        pairs: the cell's ``(operation, source)`` pairs, two per intermediate
            node, as in `Genotype.normal` / `Genotype.reduce`.
        reduction: a reduction cell (edges from the cell inputs have stride 2).
        reduction_prev: the previous cell was a reduction cell.
        affine: learn batch-norm scale and offset (True when training the
            derived network).

    Returns:
        Called on ``[s0, s1]`` it returns the concatenated intermediate nodes
        (``channels * nodes`` channels).

    Example:
        >>> g = random_genotype(2, seed=0)
        >>> cell = FixedCell(8, g.normal)
        >>> y = cell([keras.ops.ones((1, 6, 6, 4))] * 2)   # shape (1, 6, 6, 16)
    """

    def __init__(self, channels, pairs, reduction=False, reduction_prev=False, affine=True, **kwargs):
        super().__init__(**kwargs)
        _check_positive(channels, "channels")
        # validate through Genotype (both cells of a genotype share the rules)
        pairs = Genotype(normal=pairs, reduce=pairs).normal
        self.channels = channels
        self.pairs = pairs
        self.nodes = len(pairs) // 2
        self.reduction = bool(reduction)
        self.reduction_prev = bool(reduction_prev)
        self.affine = bool(affine)
        self.preprocess0, self.preprocess1 = preprocess_layers(channels, self.reduction_prev, self.affine)
        self.cell_ops = [
            make_op(op, channels, strides=2 if self.reduction and src < 2 else 1, affine=self.affine)
            for op, src in pairs
        ]

    def build(self, input_shape):
        state, node = build_cell_inputs(self, input_shape)
        for op, (_, src) in zip(self.cell_ops, self.pairs):
            op.build(state if src < 2 else node)
        self.built = True

    def call(self, inputs, training=None):
        s0, s1 = inputs
        states = [self.preprocess0(s0, training=training), self.preprocess1(s1, training=training)]
        for node in range(self.nodes):
            (_, a), (_, b) = self.pairs[2 * node: 2 * node + 2]
            states.append(self.cell_ops[2 * node](states[a], training=training)
                          + self.cell_ops[2 * node + 1](states[b], training=training))
        return ops.concatenate(states[2:], axis=-1)

    def compute_output_shape(self, input_shape):
        return cell_output_shape(input_shape[1], self.channels, self.nodes, self.reduction)

    def get_config(self):
        config = super().get_config()
        config.update(channels=self.channels, pairs=[[op, src] for op, src in self.pairs],
                      reduction=self.reduction, reduction_prev=self.reduction_prev, affine=self.affine)
        return config
