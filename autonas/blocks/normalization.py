"""`Normalization`: feature-wise standardisation that travels with the model."""

import keras

from autonas.blocks.base import Block
from autonas.graph.context import input_profile
from autonas.graph.nodes import Input


class Normalization(Block):
    """Standardises each channel with the mean and variance of the training split.

    The statistics are computed once per fit from the training split of the
    input (never from validation or test data; see `autonas.data.profile`) and stored inside the model as a Keras
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
    """Per-channel mean and variance of an input node's training data, from the fit's input profile.

    Args:
        node: an `Input` node of the graph being built.

    Returns:
        ``(mean, variance)`` as float32 arrays over the last axis of the model tensor.

    Example:
        >>> mean, variance = channel_statistics(image_input)  # doctest: +SKIP
    """
    return input_profile(node, "adapt normalization on").channel_statistics()
