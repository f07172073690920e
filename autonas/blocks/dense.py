"""`DenseBlock`: a stack of fully connected layers."""

import keras

from autonas.blocks.base import Block, boolean, choice
from autonas.blocks.columns import encode_columns


class DenseBlock(Block):
    """Fully connected layers with optional batch normalization and dropout.

    Args:
        num_layers: number of Dense layers; searched over {1, 2, 3} when None.
        num_units: units per layer; searched over {32, 64, 128, 256, 512, 1024}.
        use_batchnorm: batch normalization after each layer; searched when None.
        dropout: dropout rate after each layer; searched over {0, 0.25, 0.5}.
        layer_options: the layer counts searched when `num_layers` is None
            (default {1, 2, 3}; 0 makes the block the identity, so the head is
            a linear model of its input).
        name: block name (hyperparameters are named ``"<name>/<argument>"``).

    Returns:
        (when called on a node) a ``"tensor"`` output node.

    Connected directly to a `StructuredDataInput`, the columns are first encoded
    with the default encoding of `StructuredDataBlock` (standardised numbers,
    one-hot categories, tf-idf text).

    Example:
        >>> inp = autonas.StructuredDataInput()                 # doctest: +SKIP
        >>> out = autonas.ClassificationHead()(DenseBlock(num_layers=2)(inp))  # doctest: +SKIP
    """

    input_kinds = ("tensor", "image", "sequence", "structured")

    def __init__(self, num_layers=None, num_units=None, use_batchnorm=None, dropout=None, layer_options=None,
                 name=None):
        super().__init__(name=name)
        if layer_options is not None:
            options = list(layer_options)
            if not options or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in options):
                raise ValueError(f"`layer_options` must be non-negative integers; received {layer_options!r}.")
        self.layer_options = None if layer_options is None else [int(v) for v in layer_options]
        self.num_layers = num_layers
        self.num_units = num_units
        self.use_batchnorm = use_batchnorm
        self.dropout = dropout

    def output_kind(self, nodes):
        return "tensor"

    def build(self, hp, inputs):
        options = self.layer_options or [1, 2, 3]
        num_layers = self.param(hp, "num_layers", self.num_layers,
                                choice(options, default=2 if 2 in options else options[0]))
        num_units = self.param(hp, "num_units", self.num_units, choice([32, 64, 128, 256, 512, 1024], default=128))
        use_bn = self.param(hp, "use_batchnorm", self.use_batchnorm, boolean(False))
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25, 0.5], default=0.0))
        x = inputs
        if isinstance(x, dict):
            x = encode_columns(self.inputs[0], x)
        if len(x.shape) > 2:
            x = keras.layers.Flatten()(x)
        for _ in range(num_layers):
            x = keras.layers.Dense(num_units, use_bias=not use_bn)(x)
            if use_bn:
                x = keras.layers.BatchNormalization()(x)
            x = keras.layers.ReLU()(x)
            if dropout > 0:
                x = keras.layers.Dropout(dropout)(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(
            num_layers=self.num_layers,
            num_units=self.num_units,
            use_batchnorm=self.use_batchnorm,
            dropout=self.dropout,
            layer_options=self.layer_options,
        )
        return config
