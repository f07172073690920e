"""`Normalization`: feature-wise standardisation that travels with the model."""

import keras
import numpy as np

from autonas.blocks.base import Block
from autonas.graph.nodes import Input


class Normalization(Block):
    """Standardises each channel with the mean and variance of the training split.

    The statistics are computed once from the training data of the input node
    (never from validation or test data) and stored inside the model as a Keras
    `Normalization` layer, so an exported model takes raw values.

    Args:
        name: block name.

    Returns:
        (when called on a node) the output node, of the input's kind.

    Example:
        >>> x = Normalization()(autonas.ImageInput())  # doctest: +SKIP
    """

    input_kinds = ("image", "tensor", "sequence")

    def __call__(self, inputs):
        out = super().__call__(inputs)
        if not isinstance(self.inputs[0], Input):
            raise TypeError(
                f"{type(self).__name__} must be connected directly to an input node so it can be "
                f"adapted on the training data; received the output of "
                f"{type(self.inputs[0].in_blocks[0]).__name__}."
            )
        return out

    def build(self, hp, inputs):
        mean, variance = channel_statistics(self.inputs[0])
        return keras.layers.Normalization(axis=-1, mean=mean, variance=variance)(inputs)


def channel_statistics(node):
    """Per-channel mean and variance of an input node's training data (cached).

    Args:
        node: an `Input` node whose `data` was set by `AutoModel.fit`.

    Returns:
        ``(mean, variance)`` as float32 arrays over the last axis of the model tensor.

    Example:
        >>> mean, variance = channel_statistics(image_input)  # doctest: +SKIP
    """
    cached = getattr(node, "_channel_stats", None)
    if cached is not None and cached[0] is node.data:
        return cached[1]
    if node.data is None:
        raise ValueError(f"Input {node.name!r} has no training data to adapt normalization on.")
    x = np.asarray(node.data, dtype=np.float64)
    if getattr(node, "kind", None) == "image" and x.ndim == 3:
        x = x[..., None]
    axes = tuple(range(x.ndim - 1))
    stats = (x.mean(axis=axes).astype("float32"), np.maximum(x.var(axis=axes), 1e-12).astype("float32"))
    node._channel_stats = (node.data, stats)
    return stats
