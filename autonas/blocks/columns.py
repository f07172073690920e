"""Per-column encoding of structured data inside the model, from the fit's input profile.

Numbers are imputed and standardised (or binned, or embedded periodically),
categories looked up over the training categories, text columns weighed by tf-idf;
every statistic comes from the `InputProfile` of the build in progress (see
`autonas.graph.context`). Used by `StructuredDataBlock` and by `DenseBlock` on a
structured input.
"""

import keras

from autonas.blocks.text_vectorization import tf_idf_layer
from autonas.graph.context import input_profile
from autonas.layers.missing import FillMissing, MissingIndicator
from autonas.layers.numeric import PeriodicEncoding, PiecewiseLinearEncoding

#: categorical columns keep at most this many categories (most frequent first); rarer ones are out-of-vocabulary.
MAX_CATEGORIES = 1000
CATEGORICAL_ENCODINGS = ("one_hot", "embedding")
#: encodings of numerical columns: standardised value, piecewise-linear bins, periodic embedding.
NUMERIC_ENCODINGS = ("standard", "piecewise_linear", "periodic")


def encode_columns(node, inputs, categorical_encoding="one_hot", normalize=True, numeric_encoding="standard"):
    """Encode a structured input's per-column Keras inputs into one feature matrix.

    Args:
        node: the `StructuredDataInput` (its `columns`; the statistics come from the fit's profile).
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
    """What one column's encoding needs, from the input profile of the build in progress.

    Args:
        node: the `StructuredDataInput`.
        column: one of its `ColumnInfo`.

    Returns:
        The dict of `autonas.data.statistics.column_statistics`.

    Example:
        >>> column_statistics(node, node.columns[0])["mean"]  # doctest: +SKIP
        29.7
    """
    return input_profile(node, "learn the column encodings from").column_statistics(column)


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
