"""`StructuredDataBlock`: per-column encoding of tabular data, then dense layers."""

import keras
import numpy as np

from autonas.blocks.base import Block, boolean, choice
from autonas.blocks.dense import DenseBlock
from autonas.blocks.text_vectorization import require_input_node, text_vocabulary, tf_idf_layer
from autonas.layers.missing import FillMissing, MissingIndicator
from autonas.layers.numeric import PeriodicEncoding, PiecewiseLinearEncoding

#: categorical columns keep at most this many categories (most frequent first); rarer ones are out-of-vocabulary.
MAX_CATEGORIES = 1000
#: text columns are encoded as tf-idf over at most this many words.
TEXT_COLUMN_MAX_TOKENS = 1000
#: a categorical or text column with more distinct values (categories or words) than this is
#: high-cardinality: values seen in only one training row are then treated as unseen.
RARE_VALUE_MIN_DISTINCT = 20
#: in a high-cardinality column, a value must occur in at least this many training rows to be kept.
RARE_VALUE_MIN_COUNT = 2
CATEGORICAL_ENCODINGS = ("one_hot", "embedding")
#: encodings of numerical columns: standardised value, piecewise-linear bins, periodic embedding.
NUMERIC_ENCODINGS = ("standard", "piecewise_linear", "periodic")
#: piecewise-linear encoding: at most this many bins (at the training quantiles) per column.
MAX_BINS = 16
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


def encode_columns(node, inputs, categorical_encoding="one_hot", normalize=True, numeric_encoding="standard"):
    """Encode a structured input's per-column Keras inputs into one feature matrix.

    Args:
        node: the `StructuredDataInput` (its `columns` and training `data`).
        inputs: ``{input name: Keras tensor of shape (batch,)}`` from `node.build_node`.
        categorical_encoding: ``"one_hot"`` or ``"embedding"``.
        normalize: standardise numerical columns.
        numeric_encoding: ``"standard"`` (the standardised value),
            ``"piecewise_linear"`` (bins at the training quantiles) or
            ``"periodic"`` (a trainable periodic embedding of the standardised value).

    Returns:
        A float Keras tensor of shape (batch, features).

    Example:
        >>> x = encode_columns(node, node.build_node(hp))  # doctest: +SKIP
    """
    if not isinstance(inputs, dict):
        raise TypeError(
            f"Structured data must reach the encoder as a dict of per-column tensors; received {type(inputs).__name__}."
        )
    features = []
    for column in node.columns:
        x = inputs[column.input_name]
        stats = column_statistics(node, column)
        if column.type == "numerical":
            features.append(_encode_numerical(x, stats, normalize, numeric_encoding))
        elif column.type == "categorical":
            features.append(_encode_categorical(x, column, stats, categorical_encoding))
        else:
            features.append(_encode_text(x, stats))
    if len(features) == 1:
        return features[0]
    return keras.layers.Concatenate()(features)


def _encode_numerical(x, stats, normalize, numeric_encoding="standard"):
    indicator = stats["num_missing"] > 0
    edges = stats.get("edges") or []
    if numeric_encoding == "standard" or (numeric_encoding == "piecewise_linear" and len(edges) < 3):
        x_raw = x
        x = FillMissing(stats["mean"], indicator=indicator)(x_raw)
        if not indicator:
            x = keras.layers.Reshape((1,))(x)
        if normalize:
            mean = [stats["mean"], 0.0] if indicator else [stats["mean"]]
            variance = [stats["variance"], 1.0] if indicator else [stats["variance"]]
            x = keras.layers.Normalization(axis=-1, mean=mean, variance=variance)(x)
        return x
    value = keras.layers.Reshape((1,))(FillMissing(stats["mean"])(x))
    if numeric_encoding == "piecewise_linear":
        encoded = PiecewiseLinearEncoding(edges)(value)
    else:
        standard = keras.layers.Normalization(axis=-1, mean=[stats["mean"]], variance=[stats["variance"]])(value)
        encoded = PeriodicEncoding()(standard)
    if indicator:
        return keras.layers.Concatenate()([encoded, MissingIndicator()(x)])
    return encoded


def _encode_categorical(x, column, stats, encoding):
    vocabulary = list(stats["vocabulary"][:MAX_CATEGORIES])
    output_mode = "one_hot" if encoding == "one_hot" else "int"
    if column.dtype == "string":
        if stats["num_missing"] and "" not in vocabulary:
            vocabulary.append("")
        lookup = keras.layers.StringLookup(vocabulary=vocabulary, num_oov_indices=1, output_mode=output_mode)
    else:
        sentinel = int(stats.get("min_value", min(stats["vocabulary"]))) - 1
        x = FillMissing(sentinel, output_dtype="int64")(x)
        if stats["num_missing"]:
            vocabulary.append(sentinel)
        lookup = keras.layers.IntegerLookup(vocabulary=[int(v) for v in vocabulary], num_oov_indices=1,
                                            oov_token=sentinel - 1, output_mode=output_mode)
    x = lookup(x)
    if encoding == "one_hot":
        return x
    size = len(vocabulary) + 1
    return keras.layers.Embedding(size, embedding_size(size))(x)


def _encode_text(x, stats):
    vocabulary, idf = stats["vocabulary"], stats["idf_weights"]
    return tf_idf_layer(vocabulary, idf)(x)


def column_statistics(node, column):
    """What one column's encoding needs, learnt once from the node's training records (cached).

    Args:
        node: the `StructuredDataInput`, whose `data` is the training record array.
        column: one of its `ColumnInfo`.

    Returns:
        A dict: ``num_missing``; ``mean`` and ``variance`` (numerical);
        ``vocabulary`` (categorical: distinct values, most frequent first, ties
        in sorted order; text: the most frequent words; in a high-cardinality
        column only values seen in two or more rows), ``min_value`` (integer
        categorical: the smallest value seen) and ``idf_weights`` (text).

    Example:
        >>> column_statistics(node, node.columns[0])["mean"]  # doctest: +SKIP
        29.7
    """
    if node.data is None:
        raise ValueError(f"Input {node.name!r} has no training data to learn the column encodings from.")
    cache = getattr(node, "_column_stats", None)
    if cache is None or cache[0] is not node.data:
        cache = (node.data, {})
        node._column_stats = cache
    if column.name not in cache[1]:
        cache[1][column.name] = _statistics(node.data[column.name], column)
    return cache[1][column.name]


def _statistics(values, column):
    absent = np.isnan(values.astype("float64")) if column.dtype == "float32" else (values == "")
    stats = {"num_missing": int(absent.sum())}
    present = values[~absent]
    if column.type == "numerical":
        present = present.astype("float64")
        stats["mean"] = float(present.mean()) if len(present) else 0.0
        stats["variance"] = float(max(present.var(), 1e-6)) if len(present) else 1.0
        stats["edges"] = _quantile_edges(present)
    elif column.type == "categorical":
        keys = present.astype("int64") if column.dtype == "float32" else present.astype(str)
        if len(keys) == 0:
            keys = np.asarray([0]) if column.dtype == "float32" else np.asarray(["[none]"])
        uniques, counts = np.unique(keys, return_counts=True)
        order = np.lexsort((uniques, -counts))
        if column.dtype == "float32":
            stats["min_value"] = int(uniques.min())  # below every value seen: free for the missing sentinel
        if len(uniques) > RARE_VALUE_MIN_DISTINCT:
            order = order[counts[order] >= RARE_VALUE_MIN_COUNT]
        stats["vocabulary"] = [u.item() for u in uniques[order]] or [uniques[0].item()]
    else:
        documents = present if len(present) else np.asarray(["empty"])
        vocabulary, idf = text_vocabulary(None, 1, data=documents)
        if len(vocabulary) > RARE_VALUE_MIN_DISTINCT:
            # Keras's idf is log(1 + N / (1 + document count)): keep words found in 2+ rows.
            limit = np.log1p(len(documents) / (1.0 + RARE_VALUE_MIN_COUNT)) + 1e-4
            kept = [i for i, weight in enumerate(idf) if weight <= limit]
            if kept:
                vocabulary, idf = [vocabulary[i] for i in kept], idf[kept]
        keep = TEXT_COLUMN_MAX_TOKENS - 1
        stats["vocabulary"], stats["idf_weights"] = vocabulary[:keep], idf[:keep]
    return stats


def _quantile_edges(values):
    """Increasing bin edges at the quantiles of a column's training values (at most `MAX_BINS` bins)."""
    if len(values) == 0:
        return []
    distinct = np.unique(values)
    if len(distinct) <= MAX_BINS + 1:
        return [float(v) for v in distinct]
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, MAX_BINS + 1)))
    return [float(e) for e in edges]


def embedding_size(num_categories):
    """The embedding width used for a categorical column: ``1.6 * n ** 0.56``, clipped to [2, 16].

    Args:
        num_categories: the number of categories (including out-of-vocabulary).

    Returns:
        An int.

    Example:
        >>> embedding_size(3)
        3
    """
    return max(2, min(16, round(1.6 * num_categories**0.56)))
