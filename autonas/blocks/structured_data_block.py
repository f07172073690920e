"""`StructuredDataBlock`: per-column encoding of tabular data, then dense layers."""

from autonas.blocks.base import Block, boolean, choice
from autonas.blocks.columns import (  # noqa: F401 (the names this module has always offered)
    CATEGORICAL_ENCODINGS,
    MAX_CATEGORIES,
    NUMERIC_ENCODINGS,
    column_statistics,
    embedding_size,
    encode_columns,
)
from autonas.blocks.dense import DenseBlock
from autonas.blocks.text_vectorization import require_input_node

#: searched dense layers of the block (0: a linear model on the encoded columns).
LAYER_CHOICES = (0, 1, 2, 3)


class StructuredDataBlock(Block):
    """Encodes every column inside the model, then searches dense layers on top.

    Encoding, learnt from the training split only (never validation or test):

    - numerical: missing values (NaN) imputed with the training mean, plus a
      "was missing" indicator when training values were missing; then
      standardised with the training mean and variance (``normalize``);
    - categorical: `StringLookup` (strings) or `IntegerLookup` (integers) over
      the training categories, one out-of-vocabulary index for unseen ones, and
      missing values as a category of their own; then one-hot or a learnt
      embedding (``categorical_encoding``);
    - text: word tf-idf over the training vocabulary.

    In a high-cardinality column (more than 20 distinct categories or words,
    such as ticket numbers, cabins or names), a value seen in only one training
    row is treated like an unseen one: nothing can be learnt from a single row,
    and one-hot columns for such values only let the network memorise rows.

    Must be connected directly to a `StructuredDataInput`; the exported model
    takes the raw columns.

    Args:
        categorical_encoding: ``"one_hot"`` or ``"embedding"``; searched
            (default ``"one_hot"``).
        normalize: standardise numerical columns; searched (default True).
        num_layers: dense layers; searched over {0, 1, 2, 3} (default 2; 0 is a
            linear model on the encoded columns).
        num_units: units per dense layer; searched over {32, ..., 1024} (default 128).
        use_batchnorm: batch normalization in the dense layers; searched (default False).
        dropout: dropout in the dense layers; searched over {0, 0.25, 0.5} (default 0).
        numeric_encoding: how a numerical column enters the dense layers:
            ``"standard"`` (its standardised value), ``"piecewise_linear"``
            (one value per bin between its training quantiles, at most 16
            bins) or ``"periodic"`` (sines and cosines of trainable
            frequencies, a linear layer and a ReLU); searched (default
            ``"standard"``). Both encodings are from Gorishniy et al.
            (NeurIPS 2022), where they close most of the gap between MLPs
            and gradient boosting.
        name: block name.

    Returns:
        (when called on a node) a ``"tensor"`` output node.

    Example:
        >>> out = ClassificationHead()(StructuredDataBlock()(autonas.StructuredDataInput()))  # doctest: +SKIP
    """

    input_kinds = ("structured",)

    def __init__(self, categorical_encoding=None, normalize=None, num_layers=None, num_units=None,
                 use_batchnorm=None, dropout=None, numeric_encoding=None, name=None):
        super().__init__(name=name)
        if isinstance(categorical_encoding, str) and categorical_encoding not in CATEGORICAL_ENCODINGS:
            raise ValueError(
                f"`categorical_encoding` must be one of {CATEGORICAL_ENCODINGS}; received {categorical_encoding!r}."
            )
        if isinstance(numeric_encoding, str) and numeric_encoding not in NUMERIC_ENCODINGS:
            raise ValueError(f"`numeric_encoding` must be one of {NUMERIC_ENCODINGS}; received {numeric_encoding!r}.")
        self.categorical_encoding = categorical_encoding
        self.numeric_encoding = numeric_encoding
        self.normalize = normalize
        self.num_layers = num_layers
        self.num_units = num_units
        self.use_batchnorm = use_batchnorm
        self.dropout = dropout

    def __call__(self, inputs):
        out = super().__call__(inputs)
        require_input_node(self, "StructuredDataInput")
        return out

    def output_kind(self, nodes):
        return "tensor"

    def build(self, hp, inputs):
        encoding = self.param(hp, "categorical_encoding", self.categorical_encoding,
                              choice(list(CATEGORICAL_ENCODINGS)))
        normalize = self.param(hp, "normalize", self.normalize, boolean(True))
        numeric = self.param(hp, "numeric_encoding", self.numeric_encoding, choice(list(NUMERIC_ENCODINGS)))
        x = encode_columns(self.inputs[0], inputs, encoding, normalize, numeric)
        num_layers = self.param(hp, "num_layers", self.num_layers, choice(list(LAYER_CHOICES), default=2))
        dense = DenseBlock(num_layers=num_layers, num_units=self.num_units,
                           use_batchnorm=self.use_batchnorm, dropout=self.dropout, name=self.name)
        return dense.build(hp, x)

    def get_config(self):
        config = super().get_config()
        config.update(categorical_encoding=self.categorical_encoding, normalize=self.normalize,
                      num_layers=self.num_layers, num_units=self.num_units, use_batchnorm=self.use_batchnorm,
                      dropout=self.dropout, numeric_encoding=self.numeric_encoding)
        return config
