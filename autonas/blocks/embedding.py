"""`Embedding`: integer token ids to dense vectors."""

import keras
import numpy as np

from autonas.blocks.base import Block, choice
from autonas.graph.context import has_profile, input_profile
from autonas.graph.nodes import Input


class Embedding(Block):
    """Maps token ids of shape (batch, steps) to vectors of shape (batch, steps, embedding_dim).

    Args:
        max_features: number of distinct token ids. Inferred when None: from a
            `TextVectorization` block feeding it (its vocabulary size), or from
            the largest id in an input node's training data. Not searched.
        embedding_dim: vector size; searched over {32, 64, 128, 256} (default 64).
        dropout: dropout on the vectors; searched over {0, 0.25} (default 0).
        name: block name.

    Returns:
        (when called on a node) a ``"sequence"`` output node.

    Example:
        >>> seq = Embedding(embedding_dim=32)(TextVectorization()(autonas.TextInput()))  # doctest: +SKIP
    """

    input_kinds = ("tokens", "tensor")

    def __init__(self, max_features=None, embedding_dim=None, dropout=None, name=None):
        super().__init__(name=name)
        if max_features is not None and (not isinstance(max_features, (int, np.integer)) or max_features < 1):
            raise ValueError(f"`max_features` must be a positive integer or None; received {max_features!r}.")
        self.max_features = max_features
        self.embedding_dim = embedding_dim
        self.dropout = dropout

    def output_kind(self, nodes):
        return "sequence"

    def build(self, hp, inputs):
        if len(inputs.shape) != 2:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} needs token ids of shape (batch, steps); "
                f"received shape {tuple(inputs.shape)}."
            )
        max_features = self.max_features or self._infer_max_features()
        embedding_dim = self.param(hp, "embedding_dim", self.embedding_dim, choice([32, 64, 128, 256], default=64))
        dropout = self.param(hp, "dropout", self.dropout, choice([0.0, 0.25], default=0.0))
        return embed(inputs, int(max_features), embedding_dim, dropout)

    def _infer_max_features(self):
        node = self.inputs[0]
        producer = node.in_blocks[0] if node.in_blocks else None
        size = getattr(producer, "vocabulary_size_", None)
        if size:
            return size
        largest = input_profile(node).max_integer() if isinstance(node, Input) and has_profile(node) else None
        if largest is not None:
            return largest + 1
        raise ValueError(
            f"{type(self).__name__} {self.name!r} cannot infer `max_features` from its input; pass "
            "`max_features` (the number of distinct token ids)."
        )

    def get_config(self):
        config = super().get_config()
        config.update(max_features=self.max_features, embedding_dim=self.embedding_dim, dropout=self.dropout)
        return config


def embed(x, max_features, embedding_dim, dropout):
    """Embedding layer plus optional dropout.

    Args:
        x: token ids, a Keras tensor of shape (batch, steps).
        max_features: vocabulary size.
        embedding_dim: vector size.
        dropout: dropout rate (0 disables it).

    Returns:
        A Keras tensor of shape (batch, steps, embedding_dim).

    Example:
        >>> embed(keras.Input((10,), dtype="int64"), 100, 8, 0.0).shape
        (None, 10, 8)
    """
    x = keras.layers.Embedding(max_features, embedding_dim)(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout)(x)
    return x
