"""`ResNetBlock`: residual stages built from our own residual units (no downloaded weights)."""

import keras

from autonas.blocks.base import Block, boolean, choice
from autonas.blocks.conv import _CONV, batch_norm, spatial_rank


class ResNetBlock(Block):
    """Residual stages for 1-D, 2-D or 3-D feature maps, sized for small inputs.

    Each stage holds ``stage_depth`` residual units of two 3x3 convolutions with
    batch normalization (post-activation, or pre-activation as in ResNet v2);
    stages after the first halve the resolution (stride 2, skipped once an axis
    is down to one) and double the filters. The stem only strides when the
    input is large (64 pixels or more), so 8x8 digits and 28x28 MNIST keep
    their resolution in the first stage.

    Args:
        filters: filters of the first stage; searched over {16, 32, 64} (default 32).
        num_stages: number of stages; searched over {1, 2, 3} (default 2).
        stage_depth: residual units per stage; searched over {1, 2} (default 1).
        preactivation: pre-activation (v2) units; searched (default False).
        dropout: dropout after the last stage; searched over {0, 0.25, 0.5} (default 0).
        name: block name.

    Returns:
        (when called on a node) the output node, of the input's kind.

    Example:
        >>> x = ResNetBlock(num_stages=2)(autonas.ImageInput())  # doctest: +SKIP
    """

    input_kinds = ("image", "tensor", "sequence")

    def __init__(self, filters=None, num_stages=None, stage_depth=None, preactivation=None, dropout=None,
                 name=None):
        super().__init__(name=name)
        self.filters = filters
        self.num_stages = num_stages
        self.stage_depth = stage_depth
        self.preactivation = preactivation
        self.dropout = dropout

    def build(self, hp, inputs):
        rank = spatial_rank(self, inputs, (1, 2, 3))
        filters = self.param(hp, "filters", self.filters, choice([16, 32, 64], default=32))
        num_stages = self.param(hp, "num_stages", self.num_stages, choice([1, 2, 3], default=2))
        stage_depth = self.param(hp, "stage_depth", self.stage_depth, choice([1, 2], default=1))
        preact = self.param(hp, "preactivation", self.preactivation, boolean(False))
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25, 0.5], default=0.0))
        conv = _CONV[rank]
        x = inputs
        stem_stride = 2 if min(x.shape[1:-1]) >= 64 else 1
        x = conv(filters, 3, strides=stem_stride, padding="same", use_bias=False)(x)
        if not preact:
            x = batch_norm()(x)
            x = keras.layers.ReLU()(x)
        for stage in range(num_stages):
            width = filters * 2**stage
            for unit in range(stage_depth):
                stride = 2 if stage > 0 and unit == 0 and min(x.shape[1:-1]) >= 2 else 1
                x = residual_unit(x, width, stride, rank, preact)
        if preact:
            x = batch_norm()(x)
            x = keras.layers.ReLU()(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout)(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, num_stages=self.num_stages, stage_depth=self.stage_depth,
                      preactivation=self.preactivation, dropout=self.dropout)
        return config


def residual_unit(x, filters, stride, rank, preactivation):
    """One basic residual unit: two 3x3 convolutions plus a (projected) shortcut.

    Args:
        x: input Keras tensor (batch, *spatial, channels).
        filters: output channels.
        stride: stride of the first convolution (1 or 2).
        rank: spatial rank (1, 2 or 3).
        preactivation: BN-ReLU before each convolution (v2) instead of after.

    Returns:
        The output Keras tensor.

    Example:
        >>> y = residual_unit(keras.Input((8, 8, 16)), 32, 2, 2, False)  # doctest: +SKIP
    """
    conv = _CONV[rank]
    shortcut = x
    if preactivation:
        x = batch_norm()(x)
        x = keras.layers.ReLU()(x)
        if stride != 1 or shortcut.shape[-1] != filters:
            shortcut = x
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = conv(filters, 1, strides=stride, padding="same", use_bias=False)(shortcut)
        if not preactivation:
            shortcut = batch_norm()(shortcut)
    y = conv(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = batch_norm()(y)
    y = keras.layers.ReLU()(y)
    if preactivation:
        y = conv(filters, 3, padding="same", use_bias=False)(y)
        return keras.layers.Add()([shortcut, y])
    y = conv(filters, 3, padding="same", use_bias=False)(y)
    y = batch_norm()(y)
    y = keras.layers.Add()([shortcut, y])
    return keras.layers.ReLU()(y)
