"""`RNNBlock`: stacked LSTM or GRU layers, optionally bidirectional."""

import keras

from autonas.blocks.base import Block, boolean, choice

_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def sequence_input(block, x):
    """Check that `x` is a (batch, steps, features) sequence tensor.

    Args:
        block: the block asking (named in the error message).
        x: a Keras tensor.

    Returns:
        `x` unchanged.

    Example:
        >>> sequence_input(RNNBlock(), keras.Input((10, 8))).shape
        (None, 10, 8)
    """
    if len(x.shape) != 3:
        raise ValueError(
            f"{type(block).__name__} {block.name!r} needs a sequence of shape (batch, steps, features), "
            f"for example the output of an Embedding block; received shape {tuple(x.shape)}."
        )
    return x


class RNNBlock(Block):
    """Recurrent layers over a (batch, steps, features) sequence.

    Args:
        layer_type: ``"lstm"`` or ``"gru"``; searched (default ``"lstm"``).
        bidirectional: wrap each layer in `keras.layers.Bidirectional`;
            searched (default True).
        num_layers: stacked recurrent layers; searched over {1, 2, 3} (default 2).
        units: units per layer (per direction); searched over {32, 64, 128} (default 64).
        dropout: dropout between layers and after the block; searched over
            {0, 0.25, 0.5} (default 0).
        return_sequences: when True the block outputs the whole sequence
            (kind ``"sequence"``), else the last state. Not searched (default False).
        name: block name.

    Returns:
        (when called on a node) the output node.

    Example:
        >>> x = RNNBlock(layer_type="gru")(Embedding()(TextVectorization()(autonas.TextInput())))  # doctest: +SKIP
    """

    input_kinds = ("sequence", "tensor")

    def __init__(self, layer_type=None, bidirectional=None, num_layers=None, units=None, dropout=None,
                 return_sequences=False, name=None):
        super().__init__(name=name)
        if isinstance(layer_type, str) and layer_type not in _LAYERS:
            raise ValueError(f"`layer_type` must be one of {sorted(_LAYERS)}; received {layer_type!r}.")
        self.layer_type = layer_type
        self.bidirectional = bidirectional
        self.num_layers = num_layers
        self.units = units
        self.dropout = dropout
        self.return_sequences = bool(return_sequences)

    def output_kind(self, nodes):
        return "sequence" if self.return_sequences else "tensor"

    def build(self, hp, inputs):
        x = sequence_input(self, inputs)
        layer_type = self.param(hp, "layer_type", self.layer_type, choice(["lstm", "gru"]))
        bidirectional = self.param(hp, "bidirectional", self.bidirectional, boolean(True))
        num_layers = self.param(hp, "num_layers", self.num_layers, choice([1, 2, 3], default=2))
        units = self.param(hp, "units", self.units, choice([32, 64, 128], default=64))
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25, 0.5], default=0.0))
        for i in range(num_layers):
            last = i == num_layers - 1
            layer = _LAYERS[layer_type](units, return_sequences=self.return_sequences or not last)
            if bidirectional:
                layer = keras.layers.Bidirectional(layer)
            x = layer(x)
            if dropout > 0:
                x = keras.layers.Dropout(dropout)(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update(layer_type=self.layer_type, bidirectional=self.bidirectional, num_layers=self.num_layers,
                      units=self.units, dropout=self.dropout, return_sequences=self.return_sequences)
        return config
