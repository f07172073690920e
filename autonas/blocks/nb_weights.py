"""Naive-Bayes weights of n-grams: NB-SVM's log-count ratio (Wang and Manning, ACL 2012).

NB-SVM ("Baselines and Bigrams: Simple, Good Sentiment and Topic
Classification") binarises each text's n-gram counts and multiplies them,
n-gram by n-gram, by the log-count ratio of the training texts

    r = log((p / |p|_1) / (q / |q|_1)),   p = alpha + sum of the positive texts' binarised vectors,
                                          q = alpha + the same over the negative texts,

then trains a linear SVM on the scaled features. Across short and long texts
(sentiment snippets, reviews, topic classification) it matched or beat the
SVM and naive Bayes alone.

Here the ratio is computed ONCE per fit (in the input profile), n-gram kind and vocabulary
size from the training split and its labels (as the vocabulary and the idf
are), and travels inside the model as a `autonas.layers.FeatureScale`, so the
exported model still takes raw strings. What is chosen for the network:

- Several classes (or labels): one ratio per class, class against the rest
  (for two classes the two ratios are opposite), and each n-gram is weighted
  by the largest magnitude over the classes, ``max_c |r_c|``: how much the
  n-gram says about any one class. One vector serves every head and hidden
  layer.
- The sign of ``r`` is dropped. A weight learnt from a symmetric random
  initialisation absorbs any sign; what changes training is the magnitude,
  a per-n-gram scale that lets the telling n-grams move the output first (a
  prior, as NB-SVM's scaling is for the SVM's regulariser).
- NB-SVM's interpolation between the SVM's weights and their mean (beta) is
  not used: the head is trained by gradient descent, regularised by early
  stopping and dropout.
- Unknown n-grams (the OOV column) weigh 0.
"""

import logging

import keras
import numpy as np

from autonas.blocks.text_vectorization import MAX_TOKENS, text_vocabulary
from autonas.graph.context import input_profile

logger = logging.getLogger("autonas")

#: additive smoothing of the counts (Wang and Manning use 1).
ALPHA = 1.0
#: texts turned into multi-hot vectors at once when counting.
BATCH = 256


def log_count_ratio(positive, negative, alpha=ALPHA):
    """NB-SVM's log-count ratio of each feature.

    Args:
        positive: per feature, how many positive texts contain it (a length-V array,
            or a ``(classes, V)`` array: one row per class).
        negative: the same for the negative texts (same shape).
        alpha: additive smoothing.

    Returns:
        ``log((p / |p|_1) / (q / |q|_1))`` with ``p = alpha + positive`` and
        ``q = alpha + negative`` (norms along the last axis), float64.

    Example:
        >>> log_count_ratio(np.array([2, 0]), np.array([0, 2])).round(3).tolist()
        [1.099, -1.099]
    """
    p = alpha + np.asarray(positive, dtype="float64")
    q = alpha + np.asarray(negative, dtype="float64")
    return np.log(p / p.sum(axis=-1, keepdims=True)) - np.log(q / q.sum(axis=-1, keepdims=True))


def class_indicators(targets):
    """Encoded classification targets as a ``(texts, classes)`` 0/1 matrix (one column for two classes).

    Args:
        targets: a head's encoded targets: 0/1 floats (binary), class indices
            (several classes) or a 0/1 matrix (multi-label).

    Returns:
        A float64 matrix; a binary target gives its one positive column.

    Example:
        >>> class_indicators(np.array([2, 0, 1])).tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    y = np.asarray(targets)
    if y.ndim == 2 and y.shape[1] > 1:
        return (y > 0.5).astype("float64")
    y = y.reshape(-1)
    if y.dtype.kind == "f" and set(np.unique(y).tolist()) <= {0.0, 1.0}:
        return y[:, None].astype("float64")
    y = y.astype("int64")
    return np.eye(int(y.max()) + 1 if len(y) else 1, dtype="float64")[y]


def nb_scale(node, ngrams, keep, split="whitespace"):
    """The naive-Bayes weight of each kept n-gram, with a leading 0 for the unknown column.

    Args:
        node: the `TextInput`; its training split and their encoded labels come
            from the fit's input profile (`autonas.data.profile.InputProfile.targets`).
        ngrams: the n-gram size of the vocabulary (words or characters).
        keep: how many of the most frequent n-grams the layer keeps.
        split: ``"whitespace"`` or ``"character"``.

    Returns:
        A float32 vector of ``keep + 1`` values: 0, then ``max_c |r_c|`` per n-gram.

    Example:
        >>> nb_scale(text_input, 2, 9999)  # doctest: +SKIP
    """
    positive, total, rows = _class_document_counts(node, ngrams, keep, split)
    positive, total = positive[:, :keep], total[:keep]
    ratios = log_count_ratio(positive, total[None, :] - positive)
    if positive.shape[0] == 1:  # two classes: the one column is enough, its negative is the other class's
        scale = np.abs(ratios[0])
    else:
        present = rows > 0  # a class absent from the training rows says nothing
        scale = np.abs(ratios[present]).max(axis=0) if present.any() else np.ones(keep)
    return np.concatenate([[0.0], scale]).astype("float32")


def _class_document_counts(node, ngrams, keep, split):
    """Per class, in how many training texts each of the first `limit` n-grams occurs (once per fit)."""
    profile = input_profile(node, "learn naive-Bayes weights from")
    targets = profile.targets
    if targets is None:
        raise ValueError(
            f"Naive-Bayes n-gram weights need the class labels of input {getattr(node, 'name', node)!r}'s "
            "training texts: use them with a classification head (a TextClassifier), or pick "
            "`ngram_weighting='tf_idf'`."
        )
    vocab, _ = text_vocabulary(node, ngrams, split=split)
    limit = min(len(vocab), max(int(keep), max(MAX_TOKENS)))
    return profile.learn(("nb_counts", split, ngrams, limit),
                         lambda: _count(node, profile.examples, targets, vocab, ngrams, limit, split))


def _count(node, examples, targets, vocab, ngrams, limit, split):
    texts = np.asarray([str(t) for t in np.asarray(examples).reshape(-1)], dtype=object)
    y = class_indicators(targets)
    if len(y) != len(texts):
        raise ValueError(f"Input {getattr(node, 'name', node)!r} has {len(texts)} training texts but "
                         f"{len(y)} targets; naive-Bayes weights need one label per text.")
    layer = keras.layers.TextVectorization(output_mode="multi_hot", split=split, vocabulary=vocab[:limit],
                                           ngrams=ngrams if ngrams > 1 else None)
    positive = np.zeros((y.shape[1], limit))
    total = np.zeros(limit)
    for start in range(0, len(texts), BATCH):
        hot = np.asarray(keras.ops.convert_to_numpy(layer(texts[start:start + BATCH])), dtype="float64")[:, 1:]
        positive += y[start:start + BATCH].T @ hot
        total += hot.sum(axis=0)
    rows = y.sum(axis=0)
    logger.debug("Counted %d %s %d-gram(s) over %d texts for naive-Bayes weights.", limit, split, ngrams,
                 len(texts))
    return positive, total, rows
