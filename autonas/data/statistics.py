"""What preprocessing learns from training data: pure functions over arrays.

`autonas.data.profile.InputProfile` calls them, once per fit and setting, and the
blocks read the results from the profile; none of them keeps any state.
"""

import logging

import numpy as np

logger = logging.getLogger("autonas")

#: how `text_vocabulary` splits texts: word n-grams or character n-grams.
SPLITS = ("whitespace", "character")
#: text columns are encoded as tf-idf over at most this many words.
TEXT_COLUMN_MAX_TOKENS = 1000
#: a categorical or text column with more distinct values (categories or words) than this is
#: high-cardinality: values seen in only one training row are then treated as unseen.
RARE_VALUE_MIN_DISTINCT = 20
#: in a high-cardinality column, a value must occur in at least this many training rows to be kept.
RARE_VALUE_MIN_COUNT = 2
#: piecewise-linear encoding: at most this many bins (at the training quantiles) per column.
MAX_BINS = 16


def channel_statistics(x, kind=None):
    """Per-channel mean and variance over the last axis of the model tensor.

    Args:
        x: training examples (grey images of rank 3 get a channel axis).
        kind: the input's kind (``"image"`` adds the channel axis of grey images).

    Returns:
        ``(mean, variance)`` as float32 arrays (variance at least 1e-12).

    Example:
        >>> mean, variance = channel_statistics(np.arange(8.0).reshape(2, 4))
        >>> mean.tolist()
        [2.0, 3.0, 4.0, 5.0]
    """
    x = np.asarray(x, dtype=np.float64)
    if kind == "image" and x.ndim == 3:
        x = x[..., None]
    axes = tuple(range(x.ndim - 1))
    return x.mean(axis=axes).astype("float32"), np.maximum(x.var(axis=axes), 1e-12).astype("float32")


def value_range(x):
    """``(min, max)`` of the training values, as floats.

    Example:
        >>> value_range(np.array([[0, 3], [16, 2]]))
        (0.0, 16.0)
    """
    x = np.asarray(x)
    return float(x.min()), float(x.max())


def max_integer(x):
    """The largest value when every value is a whole number (ids), else None.

    Example:
        >>> max_integer(np.array([[1.0, 4.0]])), max_integer(np.array([0.5]))
        (4, None)
    """
    x = np.asarray(x)
    if x.dtype.kind in "iu" or (x.dtype.kind == "f" and np.all(np.mod(x, 1) == 0)):
        return int(x.max()) if x.size else None
    return None


def text_length(texts, percentile):
    """The given percentile of the texts' lengths in words (0.0 without texts).

    Example:
        >>> text_length(["a b c"] * 10, 95)
        3.0
    """
    lengths = [len(str(t).split()) for t in np.asarray(texts).reshape(-1)]
    return float(np.percentile(lengths, percentile)) if lengths else 0.0


def text_vocabulary(texts, ngrams, split="whitespace", name="text"):
    """The frequency-ordered vocabulary of training texts and its inverse document frequencies.

    One `keras.layers.TextVectorization.adapt` with the default standardisation
    (lower case, punctuation stripped), so it matches the layers built from it.

    Args:
        texts: the training strings.
        ngrams: the n-gram size (1 for single words or characters).
        split: ``"whitespace"`` (word n-grams) or ``"character"`` (character
            n-grams, spaces included).
        name: the input's name, for messages.

    Returns:
        ``(vocabulary, idf_weights)``: a list of tokens, most frequent first
        (without padding and OOV entries), and a float32 array of their
        inverse document frequencies.

    Example:
        >>> vocab, idf = text_vocabulary(["to be", "or not to be"], 1)  # doctest: +SKIP
    """
    import keras

    from autonas._compat import keras as keras_compat

    if split not in SPLITS:
        raise ValueError(f"`split` must be one of {SPLITS}; received {split!r}.")
    texts = np.asarray([str(t) for t in np.asarray(texts).reshape(-1)], dtype=object)
    layer = keras.layers.TextVectorization(max_tokens=None, output_mode="tf_idf", split=split,
                                           ngrams=ngrams if ngrams > 1 else None)
    layer.adapt(texts, batch_size=1024)
    vocab = [str(t) for t in layer.get_vocabulary()[1:]]
    idf = np.asarray(keras_compat.tfidf_weights(layer), dtype="float32")[1:]
    if not vocab:
        raise ValueError(
            f"The training texts of input {name!r} contain no tokens; a text model needs words to learn from."
        )
    logger.debug("Learnt a vocabulary of %d %s %d-gram token(s) for %r.", len(vocab), split, ngrams, name)
    return vocab, idf


def column_statistics(values, column, name="structured_data_input"):
    """What one column's encoding needs, learnt from its training values.

    Args:
        values: the column's training values (a field of the record array).
        column: its `autonas.data.columns.ColumnInfo`.
        name: the input's name, for messages.

    Returns:
        A dict: ``num_missing``; ``mean``, ``variance`` and ``edges`` (numerical);
        ``vocabulary`` (categorical: distinct values, most frequent first, ties
        in sorted order; text: the most frequent words; in a high-cardinality
        column only values seen in two or more rows), ``min_value`` (integer
        categorical: the smallest value seen) and ``idf_weights`` (text).

    Example:
        >>> column_statistics(records["Age"], columns[0])["mean"]  # doctest: +SKIP
        29.7
    """
    absent = np.isnan(values.astype("float64")) if column.dtype == "float32" else (values == "")
    stats = {"num_missing": int(absent.sum())}
    present = values[~absent]
    if column.type == "numerical":
        present = present.astype("float64")
        stats["mean"] = float(present.mean()) if len(present) else 0.0
        stats["variance"] = float(max(present.var(), 1e-6)) if len(present) else 1.0
        stats["edges"] = quantile_edges(present)
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
        vocabulary, idf = text_vocabulary(documents, 1, name=name)
        if len(vocabulary) > RARE_VALUE_MIN_DISTINCT:
            # Keras's idf is log(1 + N / (1 + document count)): keep words found in 2+ rows.
            limit = np.log1p(len(documents) / (1.0 + RARE_VALUE_MIN_COUNT)) + 1e-4
            kept = [i for i, weight in enumerate(idf) if weight <= limit]
            if kept:
                vocabulary, idf = [vocabulary[i] for i in kept], idf[kept]
        keep = TEXT_COLUMN_MAX_TOKENS - 1
        stats["vocabulary"], stats["idf_weights"] = vocabulary[:keep], idf[:keep]
    return stats


def quantile_edges(values):
    """Increasing bin edges at the quantiles of a column's training values (at most `MAX_BINS` bins).

    Example:
        >>> quantile_edges(np.array([1.0, 2.0, 2.0]))
        [1.0, 2.0]
    """
    if len(values) == 0:
        return []
    distinct = np.unique(values)
    if len(distinct) <= MAX_BINS + 1:
        return [float(v) for v in distinct]
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, MAX_BINS + 1)))
    return [float(e) for e in edges]
