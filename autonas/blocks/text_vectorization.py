"""`TextVectorization`: raw strings to token ids or n-gram vectors, vocabulary from the training split."""

import keras
import numpy as np

from autonas.blocks.base import Block, choice
from autonas.graph.context import has_profile, input_profile
from autonas.graph.nodes import Input

OUTPUT_MODES = ("int", "tf_idf", "multi_hot", "count")
SEQUENCE_LENGTHS = (32, 64, 128, 256, 512)
MAX_TOKENS = (5000, 10000, 20000)


class TextVectorization(Block):
    """Turns raw text into token ids (``"int"``) or n-gram vectors, inside the model.

    The vocabulary is learnt ONCE per fit and n-gram size from the training
    split (the fit's input profile, `autonas.data.profile`), ordered by
    frequency; each trial slices the ``max_tokens`` most frequent entries and
    builds a `keras.layers.TextVectorization` with ``vocabulary=`` (and
    ``idf_weights=`` for tf-idf), so no trial pays for ``adapt``. The exported
    model therefore takes raw strings.

    Must be connected directly to a `TextInput`.

    Args:
        max_tokens: vocabulary size; searched over {5000, 10000, 20000} (default 10000).
        output_mode: ``"int"`` (token ids, output kind ``"tokens"``), or
            ``"tf_idf"``, ``"multi_hot"``, ``"count"`` (bag of n-grams, kind
            ``"tensor"``). Not searched, as it decides what may follow (default ``"int"``).
        sequence_length: padded length for ``"int"``; searched over
            {32, 64, 128, 256, 512}, defaulting to the smallest that covers 95% of
            the training texts.
        ngrams: n-gram size for the bag modes; searched over {1, 2} (default 2).
        name: block name.

    Returns:
        (when called on a node) the output node.

    Example:
        >>> tokens = TextVectorization(max_tokens=5000)(autonas.TextInput())  # doctest: +SKIP
    """

    input_kinds = ("text",)

    def __init__(self, max_tokens=None, output_mode="int", sequence_length=None, ngrams=None, name=None):
        super().__init__(name=name)
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"`output_mode` must be one of {OUTPUT_MODES}; received {output_mode!r}.")
        self.max_tokens = max_tokens
        self.output_mode = output_mode
        self.sequence_length = sequence_length
        self.ngrams = ngrams
        self.vocabulary_size_ = None

    def __call__(self, inputs):
        out = super().__call__(inputs)
        require_input_node(self, "TextInput")
        return out

    def output_kind(self, nodes):
        return "tokens" if self.output_mode == "int" else "tensor"

    def build(self, hp, inputs):
        layer = vectorization_layer(self, hp, self.inputs[0], self.output_mode, self.max_tokens,
                                    self.sequence_length, self.ngrams)
        self.vocabulary_size_ = layer.vocabulary_size()
        return layer(inputs)

    def get_config(self):
        config = super().get_config()
        config.update(max_tokens=self.max_tokens, output_mode=self.output_mode,
                      sequence_length=self.sequence_length, ngrams=self.ngrams)
        return config


def require_input_node(block, expected):
    """Raise unless `block` is connected directly to an input node (it adapts on that node's data).

    Args:
        block: a connected block.
        expected: the input node class name, for the message.

    Returns:
        None; raises `TypeError` when the block follows another block.

    Example:
        >>> require_input_node(TextVectorization()(autonas.TextInput()).in_blocks[0], "TextInput")  # doctest: +SKIP
    """
    node = block.inputs[0]
    if not isinstance(node, Input):
        raise TypeError(
            f"{type(block).__name__} must be connected directly to a {expected} so it can learn its preprocessing "
            f"from the training data; received the output of {type(node.in_blocks[0]).__name__}."
        )


def vectorization_layer(block, hp, node, output_mode, max_tokens, sequence_length, ngrams):
    """Resolve the vectorization hyperparameters and build the Keras layer.

    Registers ``max_tokens`` and, by mode, ``sequence_length`` or ``ngrams`` in
    the current hyperparameter scope.

    Args:
        block: the block resolving its arguments (for `Block.param`).
        hp: the scoped `HyperParameters`.
        node: the `TextInput` whose training data gives the vocabulary.
        output_mode: ``"int"``, ``"tf_idf"``, ``"multi_hot"`` or ``"count"``.
        max_tokens, sequence_length, ngrams: the block's arguments (None searches).

    Returns:
        A `keras.layers.TextVectorization` built with ``vocabulary=``.

    Example:
        >>> layer = vectorization_layer(block, hp, text_input, "int", None, None, None)  # doctest: +SKIP
    """
    max_tokens = resolve_max_tokens(block, hp, max_tokens)
    if output_mode == "int":
        default_length = default_sequence_length(node)
        sequence_length = block.param(hp, "sequence_length", sequence_length,
                                      choice(list(SEQUENCE_LENGTHS), default=default_length))
        vocab, _ = text_vocabulary(node, 1)
        return keras.layers.TextVectorization(
            output_mode="int", output_sequence_length=int(sequence_length),
            vocabulary=vocab[: max(1, int(max_tokens) - 2)],
        )
    ngrams = block.param(hp, "ngrams", ngrams, choice([1, 2], default=2))
    vocab, idf = text_vocabulary(node, int(ngrams))
    keep = max(1, int(max_tokens) - 1)
    ngrams = int(ngrams) if ngrams > 1 else None
    if output_mode == "tf_idf":
        return tf_idf_layer(vocab[:keep], idf[:keep], ngrams=ngrams)
    return keras.layers.TextVectorization(output_mode=output_mode, ngrams=ngrams, vocabulary=vocab[:keep])


def char_ngram_layer(node, char_ngrams, max_tokens, output_mode="tf_idf"):
    """A tf-idf (or multi-hot) `keras.layers.TextVectorization` over character n-grams of 1 to `char_ngrams` characters.

    Character n-grams catch what words miss in short, noisy texts: spelling
    variants, numbers, currency signs, word pieces. The vocabulary (the
    `max_tokens` most frequent n-grams) comes from the training split once
    (see `text_vocabulary`).

    Args:
        node: the `TextInput` whose training data gives the vocabulary.
        char_ngrams: the longest n-gram, in characters (2 or more).
        max_tokens: vocabulary size.
        output_mode: ``"tf_idf"`` or ``"multi_hot"`` (binarised n-grams).

    Returns:
        A `keras.layers.TextVectorization` built with ``vocabulary=`` (and ``idf_weights=``);
        its first column (unknown n-grams) is always zero for tf-idf.

    Example:
        >>> layer = char_ngram_layer(text_input, 4, 10000)  # doctest: +SKIP
    """
    vocab, idf = text_vocabulary(node, int(char_ngrams), split="character")
    keep = max(1, int(max_tokens) - 1)
    if output_mode == "multi_hot":
        return keras.layers.TextVectorization(output_mode="multi_hot", split="character", ngrams=int(char_ngrams),
                                              vocabulary=vocab[:keep])
    return tf_idf_layer(vocab[:keep], idf[:keep], split="character", ngrams=int(char_ngrams))


def tf_idf_layer(vocabulary, idf_weights, **kwargs):
    """A tf-idf `keras.layers.TextVectorization` whose out-of-vocabulary column stays zero.

    Given a vocabulary without its OOV entry, Keras weighs the OOV column by
    the *average* idf, so every word (or character n-gram) outside a
    truncated vocabulary adds to one column, which then dominates the vector.
    Here the OOV token comes first with weight 0, as scikit-learn's
    ``TfidfVectorizer`` drops unknown terms.

    Args:
        vocabulary: the kept tokens, most frequent first, without ``"[UNK]"``.
        idf_weights: their inverse document frequencies.
        **kwargs: other `keras.layers.TextVectorization` arguments
            (``split``, ``ngrams``).

    Returns:
        A `keras.layers.TextVectorization` with ``output_mode="tf_idf"`` and
        ``len(vocabulary) + 1`` columns, the first (OOV) always zero.

    Example:
        >>> tf_idf_layer(["call", "now"], [1.2, 1.5])(["call me now"])  # doctest: +SKIP
        <tf.Tensor: shape=(1, 3), dtype=float32, numpy=array([[0. , 1.2, 1.5]], dtype=float32)>
    """
    weights = np.concatenate([[0.0], np.asarray(idf_weights, dtype="float32")]).astype("float32")
    return keras.layers.TextVectorization(output_mode="tf_idf", vocabulary=["[UNK]"] + list(vocabulary),
                                          idf_weights=weights, **kwargs)


def resolve_max_tokens(block, hp, max_tokens):
    """Resolve the ``max_tokens`` argument (searched over {5000, 10000, 20000}, default 10000).

    Args:
        block: the block resolving its arguments.
        hp: the scoped `HyperParameters`.
        max_tokens: the block's argument.

    Returns:
        The vocabulary size, an int.

    Example:
        >>> resolve_max_tokens(block, hp, None)  # doctest: +SKIP
        10000
    """
    return int(block.param(hp, "max_tokens", max_tokens, choice(list(MAX_TOKENS), default=10000)))


def text_vocabulary(node, ngrams, split="whitespace"):
    """The frequency-ordered vocabulary of a text input's training split, from the fit's input profile.

    Learnt once per fit, n-gram size and split (see
    `autonas.data.statistics.text_vocabulary`), with the default standardisation
    (lower case, punctuation stripped), so it matches the layers built from it.

    Args:
        node: a `TextInput` of the graph being built.
        ngrams: the n-gram size (1 for single words or characters).
        split: ``"whitespace"`` (word n-grams) or ``"character"`` (character
            n-grams, spaces included).

    Returns:
        ``(vocabulary, idf_weights)``: a list of tokens, most frequent first
        (without padding and OOV entries), and a float32 array of their
        inverse document frequencies.

    Example:
        >>> vocab, idf = text_vocabulary(text_input, 1)  # doctest: +SKIP
    """
    return input_profile(node, "learn a vocabulary from").vocabulary(ngrams, split)


def default_sequence_length(node):
    """The smallest of {32, ..., 512} covering 95% of the training texts (in words); 128 without a profile.

    Args:
        node: a `TextInput`.

    Returns:
        An int from `SEQUENCE_LENGTHS`.

    Example:
        >>> default_sequence_length(text_input)  # doctest: +SKIP
        64
    """
    if not has_profile(node):
        return 128
    p95 = input_profile(node).text_length(95)
    return next((n for n in SEQUENCE_LENGTHS if n >= p95), SEQUENCE_LENGTHS[-1])
