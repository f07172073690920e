"""`XceptionBlock`: Xception-style stages of depthwise-separable convolutions with residuals."""

import keras

from autonas.blocks.base import Block, choice
from autonas.blocks.conv import _CONV, _POOL, _SEP, batch_norm, spatial_rank


class XceptionBlock(Block):
    """Entry stages (separable convolutions + strided residual) then a middle flow.

    Built from our own layers (no downloaded weights). The stem is one plain
    convolution; each of the ``num_stages`` entry stages is ReLU-SepConv-BN x2,
    3x3 max pooling with stride 2 (skipped once an axis is down to one) and a
    1x1 strided residual projection; the filters double per stage. The middle
    flow adds ``middle_depth`` identity-residual units of three separable
    convolutions at constant width.

    Args:
        filters: filters of the first stage; searched over {16, 32, 64} (default 32).
        num_stages: entry stages; searched over {1, 2, 3} (default 2).
        middle_depth: middle-flow units; searched over {0, 1, 2} (default 1).
        kernel_size: separable kernel size; searched over {3, 5} (default 3).
        dropout: dropout after the block; searched over {0, 0.25, 0.5} (default 0).
        name: block name.

    Returns:
        (when called on a node) the output node, of the input's kind.

    Example:
        >>> x = XceptionBlock(middle_depth=0)(autonas.ImageInput())  # doctest: +SKIP
    """

    input_kinds = ("image", "tensor", "sequence")

    def __init__(self, filters=None, num_stages=None, middle_depth=None, kernel_size=None, dropout=None,
                 name=None):
        super().__init__(name=name)
        self.filters = filters
        self.num_stages = num_stages
        self.middle_depth = middle_depth
        self.kernel_size = kernel_size
        self.dropout = dropout

    def build(self, hp, inputs):
        rank = spatial_rank(self, inputs, (1, 2))
        filters = self.param(hp, "filters", self.filters, choice([16, 32, 64], default=32))
        num_stages = self.param(hp, "num_stages", self.num_stages, choice([1, 2, 3], default=2))
        middle_depth = self.param(hp, "middle_depth", self.middle_depth, choice([0, 1, 2], default=1))
        kernel_size = self.param(hp, "kernel_size", self.kernel_size, choice([3, 5], default=3))
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25, 0.5], default=0.0))
        sep = _SEP[rank]
        x = _CONV[rank](filters, 3, padding="same", use_bias=False)(inputs)
        x = batch_norm()(x)
        x = keras.layers.ReLU()(x)
        width = filters
        for stage in range(num_stages):
            width = filters * 2**stage
            pool = min(x.shape[1:-1]) >= 2
            shortcut = _CONV[rank](width, 1, strides=2 if pool else 1, padding="same", use_bias=False)(x)
            shortcut = batch_norm()(shortcut)
            y = x
            for _ in range(2):
                y = keras.layers.ReLU()(y)
                y = sep(width, kernel_size, padding="same", use_bias=False)(y)
                y = batch_norm()(y)
            if pool:
                y = _POOL[rank](pool_size=3, strides=2, padding="same")(y)
            x = keras.layers.Add()([shortcut, y])
        for _ in range(middle_depth):
            y = x
            for _ in range(3):
                y = keras.layers.ReLU()(y)
                y = sep(width, kernel_size, padding="same", use_bias=False)(y)
                y = batch_norm()(y)
            x = keras.layers.Add()([x, y])
        x = keras.layers.ReLU()(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout)(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, num_stages=self.num_stages, middle_depth=self.middle_depth,
                      kernel_size=self.kernel_size, dropout=self.dropout)
        return config
