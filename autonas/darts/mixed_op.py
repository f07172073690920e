"""`MixedOp`: one DARTS edge, the weighted sum of every candidate operation."""

import keras
from keras import ops

from autonas.darts.candidates import check_candidates
from autonas.darts.ops import make_op


@keras.saving.register_keras_serializable(package="autonas")
class MixedOp(keras.layers.Layer):
    """The continuous relaxation of one edge: ``sum_k w_k * op_k(x)``.

    The weights ``w`` are the softmax of the edge's row of architecture
    parameters; they are passed in at call time because the parameters live at
    supernet level (one matrix shared by all cells of a kind). The ``none``
    candidate contributes zero and is never computed.

    DARTS- (arXiv 2009.01027): when ``aux_coef`` is given and the edge keeps the
    spatial size, ``aux_coef * x`` is added, an auxiliary skip connection outside
    the softmax. Decaying it to zero over the search takes away the unfair
    advantage of ``skip_connect`` that makes plain DARTS collapse.

    Args:
        channels: number of channels (input and output).
        strides: 1 for a normal edge, 2 for an edge leaving a cell input of a
            reduction cell.
        candidates: operation names (see `autonas.darts.ops.OPERATIONS`);
            the DARTS set when None.
        affine: learn batch-norm scale and offset; False (as in the paper)
            during the search.

    Returns:
        Calling the layer as ``mixed(x, op_weights, aux_coef=None)`` returns
        the mixed output tensor.

    Example:
        >>> mixed = MixedOp(8)
        >>> w = keras.ops.softmax(keras.ops.zeros((8,)))
        >>> y = mixed(keras.ops.ones((2, 6, 6, 8)), w)   # shape (2, 6, 6, 8)
    """

    def __init__(self, channels, strides=1, candidates=None, affine=False, **kwargs):
        super().__init__(**kwargs)
        self.candidates = check_candidates(candidates)
        self.channels = channels
        self.strides = strides
        self.affine = bool(affine)
        # Only the operations that compute something; `none` is skipped.
        self.active = [i for i, name in enumerate(self.candidates) if name != "none"]
        self.candidate_ops = [
            make_op(self.candidates[i], channels, strides, affine=self.affine, search=True) for i in self.active
        ]

    def build(self, input_shape):
        for op in self.candidate_ops:
            op.build(input_shape)
        self.built = True

    def call(self, inputs, op_weights, aux_coef=None, training=None):
        out = None
        for index, op in zip(self.active, self.candidate_ops):
            term = op_weights[index] * op(inputs, training=training)
            out = term if out is None else out + term
        if aux_coef is not None and self.strides == 1:
            out = out + ops.cast(aux_coef, out.dtype) * inputs
        return out

    def compute_output_shape(self, input_shape, *args, **kwargs):
        if self.strides == 1:
            return input_shape
        batch, height, width, _ = input_shape
        half = (lambda d: None if d is None else (d + 1) // 2)
        return (batch, half(height), half(width), self.channels)

    def get_config(self):
        config = super().get_config()
        config.update(channels=self.channels, strides=self.strides, candidates=list(self.candidates),
                      affine=self.affine)
        return config
