"""Reductions from feature maps or sequences to vectors."""

import keras

from autonas.blocks.base import Block, choice

_GLOBAL = {
    "global_avg": {1: keras.layers.GlobalAveragePooling1D, 2: keras.layers.GlobalAveragePooling2D,
                   3: keras.layers.GlobalAveragePooling3D},
    "global_max": {1: keras.layers.GlobalMaxPooling1D, 2: keras.layers.GlobalMaxPooling2D,
                   3: keras.layers.GlobalMaxPooling3D},
}


def reduce_tensor(x, reduction_type):
    """Apply one reduction (``flatten``, ``global_avg`` or ``global_max``).

    Args:
        x: a Keras tensor (batch, *spatial, channels); vectors pass unchanged.
        reduction_type: ``"flatten"``, ``"global_avg"`` or ``"global_max"``.

    Returns:
        A Keras tensor of shape (batch, features).

    Example:
        >>> reduce_tensor(keras.Input((4, 4, 8)), "global_avg").shape
        (None, 8)
    """
    rank = len(x.shape) - 2
    if rank < 1:
        return x
    if reduction_type == "flatten":
        return keras.layers.Flatten()(x)
    return _GLOBAL[reduction_type][rank]()(x)


class Flatten(Block):
    """Flattens everything but the batch axis.

    Args:
        name: block name.

    Returns:
        (when called on a node) a ``"tensor"`` output node.

    Example:
        >>> x = Flatten()(autonas.ImageInput())  # doctest: +SKIP
    """

    input_kinds = ("image", "tensor", "sequence")

    def build(self, hp, inputs):
        if len(inputs.shape) <= 2:
            return inputs
        return keras.layers.Flatten()(inputs)

    def output_kind(self, nodes):
        return "tensor"


class SpatialReduction(Block):
    """Reduces image feature maps to a vector.

    Args:
        reduction_type: ``"flatten"``, ``"global_avg"`` or ``"global_max"``;
            searched when None (default ``"flatten"``).
        name: block name.

    Returns:
        (when called on a node) a ``"tensor"`` output node.

    Example:
        >>> x = SpatialReduction("global_avg")(ConvBlock()(autonas.ImageInput()))  # doctest: +SKIP
    """

    input_kinds = ("image", "tensor")

    def __init__(self, reduction_type=None, name=None):
        super().__init__(name=name)
        self.reduction_type = reduction_type

    def build(self, hp, inputs):
        reduction = self.param(hp, "reduction_type", self.reduction_type,
                               choice(["flatten", "global_avg", "global_max"]))
        if reduction not in ("flatten", "global_avg", "global_max"):
            raise ValueError(
                f"`reduction_type` must be 'flatten', 'global_avg' or 'global_max'; received {reduction!r}."
            )
        return reduce_tensor(inputs, reduction)

    def output_kind(self, nodes):
        return "tensor"

    def get_config(self):
        config = super().get_config()
        config.update(reduction_type=self.reduction_type)
        return config


class TemporalReduction(Block):
    """Reduces a (batch, steps, features) sequence to a vector.

    Args:
        reduction_type: ``"global_max"``, ``"global_avg"`` or ``"flatten"``;
            searched when None (default ``"global_max"``).
        name: block name.

    Returns:
        (when called on a node) a ``"tensor"`` output node.

    Example:
        >>> x = TemporalReduction("global_avg")(RNNBlock(return_sequences=True)(seq))  # doctest: +SKIP
    """

    input_kinds = ("sequence", "tensor")

    def __init__(self, reduction_type=None, name=None):
        super().__init__(name=name)
        if isinstance(reduction_type, str) and reduction_type not in ("flatten", "global_avg", "global_max"):
            raise ValueError(
                f"`reduction_type` must be 'global_max', 'global_avg' or 'flatten'; received {reduction_type!r}."
            )
        self.reduction_type = reduction_type

    def build(self, hp, inputs):
        if len(inputs.shape) == 2:
            return inputs
        if len(inputs.shape) != 3:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} needs a sequence of shape (batch, steps, features); "
                f"received shape {tuple(inputs.shape)}."
            )
        reduction = self.param(hp, "reduction_type", self.reduction_type,
                               choice(["global_max", "global_avg", "flatten"]))
        return reduce_tensor(inputs, reduction)

    def output_kind(self, nodes):
        return "tensor"

    def get_config(self):
        config = super().get_config()
        config.update(reduction_type=self.reduction_type)
        return config
