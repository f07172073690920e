"""`TransformerBlock`: transformer encoder layers with learned position embeddings."""

import keras

from autonas.blocks.base import Block, choice
from autonas.blocks.rnn import sequence_input
from autonas.layers.position_embedding import PositionEmbedding


class TransformerBlock(Block):
    """Position embedding followed by ``num_layers`` transformer encoder layers.

    Each encoder layer is multi-head self-attention and a two-layer
    feed-forward network, each with dropout, a residual connection and layer
    normalization (post-norm, as in the original transformer). The input
    features are first projected to ``embed_dim`` when they differ.

    Args:
        num_heads: attention heads; searched over {2, 4} (default 2).
        embed_dim: model width; searched over {32, 64, 128} (default 64).
        ff_dim: feed-forward hidden width; searched over {32, 64, 128, 256} (default 64).
        num_layers: encoder layers; searched over {1, 2} (default 1).
        dropout: dropout rate; searched over {0, 0.1, 0.25} (default 0.1).
        name: block name.

    Returns:
        (when called on a node) a ``"sequence"`` output node of width ``embed_dim``.

    Example:
        >>> x = TransformerBlock(num_heads=4)(Embedding()(TextVectorization()(autonas.TextInput())))  # doctest: +SKIP
    """

    input_kinds = ("sequence", "tensor")

    def __init__(self, num_heads=None, embed_dim=None, ff_dim=None, num_layers=None, dropout=None, name=None):
        super().__init__(name=name)
        self.num_heads = num_heads
        self.embed_dim = embed_dim
        self.ff_dim = ff_dim
        self.num_layers = num_layers
        self.dropout = dropout

    def output_kind(self, nodes):
        return "sequence"

    def build(self, hp, inputs):
        x = sequence_input(self, inputs)
        num_heads = self.param(hp, "num_heads", self.num_heads, choice([2, 4], default=2))
        embed_dim = self.param(hp, "embed_dim", self.embed_dim, choice([32, 64, 128], default=64))
        ff_dim = self.param(hp, "ff_dim", self.ff_dim, choice([32, 64, 128, 256], default=64))
        num_layers = self.param(hp, "num_layers", self.num_layers, choice([1, 2], default=1))
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.1, 0.25], default=0.1))
        if embed_dim % num_heads:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: `embed_dim` ({embed_dim}) must be divisible by "
                f"`num_heads` ({num_heads})."
            )
        if x.shape[-1] != embed_dim:
            x = keras.layers.Dense(embed_dim)(x)
        x = PositionEmbedding()(x)
        for _ in range(num_layers):
            attention = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim // num_heads,
                                                        dropout=dropout)(x, x)
            attention = keras.layers.Dropout(dropout)(attention)
            x = keras.layers.LayerNormalization(epsilon=1e-6)(keras.layers.Add()([x, attention]))
            y = keras.layers.Dense(ff_dim, activation="relu")(x)
            y = keras.layers.Dense(embed_dim)(y)
            y = keras.layers.Dropout(dropout)(y)
            x = keras.layers.LayerNormalization(epsilon=1e-6)(keras.layers.Add()([x, y]))
        return x

    def get_config(self):
        config = super().get_config()
        config.update(num_heads=self.num_heads, embed_dim=self.embed_dim, ff_dim=self.ff_dim,
                      num_layers=self.num_layers, dropout=self.dropout)
        return config
