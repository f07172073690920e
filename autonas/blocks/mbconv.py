"""`MBConvBlock`: EfficientNet-style inverted residual (MBConv) stages."""

import keras

from autonas.blocks.base import Block, choice
from autonas.blocks.conv import _CONV, batch_norm, spatial_rank

_DEPTHWISE = {1: keras.layers.DepthwiseConv1D, 2: keras.layers.DepthwiseConv2D}
_GLOBAL_AVG = {1: keras.layers.GlobalAveragePooling1D, 2: keras.layers.GlobalAveragePooling2D}


class MBConvBlock(Block):
    """Stages of mobile inverted bottlenecks with squeeze-and-excitation.

    Each MBConv unit: 1x1 expansion (``expand_ratio`` x channels, skipped when
    1), a depthwise ``kernel_size`` convolution, optional squeeze-and-excitation,
    a linear 1x1 projection, and an identity residual when shapes allow.
    Stages after the first halve the resolution (skipped once an axis is down
    to one) and double the filters. Activations are swish, as in EfficientNet.

    Args:
        filters: filters of the first stage; searched over {16, 24, 32} (default 16).
        num_stages: number of stages; searched over {1, 2, 3} (default 2).
        stage_depth: units per stage; searched over {1, 2} (default 1).
        expand_ratio: expansion factor; searched over {1, 3, 6} (default 3).
        kernel_size: depthwise kernel size; searched over {3, 5} (default 3).
        se_ratio: squeeze-and-excitation ratio, 0 disables; searched over
            {0, 0.25} (default 0.25).
        dropout: dropout after the block; searched over {0, 0.25, 0.5} (default 0).
        name: block name.

    Returns:
        (when called on a node) the output node, of the input's kind.

    Example:
        >>> x = MBConvBlock(expand_ratio=6)(autonas.ImageInput())  # doctest: +SKIP
    """

    input_kinds = ("image", "tensor", "sequence")

    def __init__(self, filters=None, num_stages=None, stage_depth=None, expand_ratio=None, kernel_size=None,
                 se_ratio=None, dropout=None, name=None):
        super().__init__(name=name)
        self.filters = filters
        self.num_stages = num_stages
        self.stage_depth = stage_depth
        self.expand_ratio = expand_ratio
        self.kernel_size = kernel_size
        self.se_ratio = se_ratio
        self.dropout = dropout

    def build(self, hp, inputs):
        rank = spatial_rank(self, inputs, (1, 2))
        filters = self.param(hp, "filters", self.filters, choice([16, 24, 32], default=16))
        num_stages = self.param(hp, "num_stages", self.num_stages, choice([1, 2, 3], default=2))
        stage_depth = self.param(hp, "stage_depth", self.stage_depth, choice([1, 2], default=1))
        expand_ratio = self.param(hp, "expand_ratio", self.expand_ratio, choice([1, 3, 6], default=3))
        kernel_size = self.param(hp, "kernel_size", self.kernel_size, choice([3, 5], default=3))
        se_ratio = self.param(hp, "se_ratio", self.se_ratio, choice([0.0, 0.25], default=0.25))
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25, 0.5], default=0.0))
        stem_stride = 2 if min(inputs.shape[1:-1]) >= 64 else 1
        x = _CONV[rank](filters, 3, strides=stem_stride, padding="same", use_bias=False)(inputs)
        x = batch_norm()(x)
        x = keras.layers.Activation("swish")(x)
        for stage in range(num_stages):
            width = filters * 2**stage
            for unit in range(stage_depth):
                stride = 2 if stage > 0 and unit == 0 and min(x.shape[1:-1]) >= 2 else 1
                x = mbconv_unit(x, width, stride, rank, expand_ratio, kernel_size, se_ratio)
        if dropout > 0:
            x = keras.layers.Dropout(dropout)(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, num_stages=self.num_stages, stage_depth=self.stage_depth,
                      expand_ratio=self.expand_ratio, kernel_size=self.kernel_size, se_ratio=self.se_ratio,
                      dropout=self.dropout)
        return config


def mbconv_unit(x, filters, stride, rank, expand_ratio, kernel_size, se_ratio):
    """One MBConv unit (expand, depthwise, squeeze-excite, project, residual).

    Args:
        x: input Keras tensor (batch, *spatial, channels).
        filters: output channels.
        stride: depthwise stride (1 or 2).
        rank: spatial rank (1 or 2).
        expand_ratio: expansion factor of the hidden width.
        kernel_size: depthwise kernel size.
        se_ratio: squeeze-and-excitation ratio (0 disables it).

    Returns:
        The output Keras tensor.

    Example:
        >>> y = mbconv_unit(keras.Input((8, 8, 16)), 16, 1, 2, 3, 3, 0.25)  # doctest: +SKIP
    """
    conv = _CONV[rank]
    channels = x.shape[-1]
    hidden = channels * expand_ratio
    y = x
    if expand_ratio != 1:
        y = conv(hidden, 1, padding="same", use_bias=False)(y)
        y = batch_norm()(y)
        y = keras.layers.Activation("swish")(y)
    y = _DEPTHWISE[rank](kernel_size, strides=stride, padding="same", use_bias=False)(y)
    y = batch_norm()(y)
    y = keras.layers.Activation("swish")(y)
    if se_ratio and se_ratio > 0:
        squeezed = max(1, int(channels * se_ratio))
        s = _GLOBAL_AVG[rank](keepdims=True)(y)
        s = conv(squeezed, 1, activation="swish")(s)
        s = conv(hidden, 1, activation="sigmoid")(s)
        y = keras.layers.Multiply()([y, s])
    y = conv(filters, 1, padding="same", use_bias=False)(y)
    y = batch_norm()(y)
    if stride == 1 and channels == filters:
        y = keras.layers.Add()([x, y])
    return y
