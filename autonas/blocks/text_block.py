"""`TextBlock`: the text hyper-block (vectorization + embedding + a searched body)."""

import keras

from autonas.blocks.base import Block, choice, conditional
from autonas.blocks.conv import ConvBlock
from autonas.blocks.dense import DenseBlock
from autonas.blocks.embedding import embed
from autonas.blocks.nb_weights import nb_scale
from autonas.blocks.rnn import RNNBlock
from autonas.blocks.text_solver import SOLVER_C, SOLVERS, fitted_logits
from autonas.blocks.text_vectorization import (char_ngram_layer, require_input_node, resolve_max_tokens,
                                               vectorization_layer)
from autonas.blocks.transformer import TransformerBlock
from autonas.graph.context import has_profile, input_profile
from autonas.layers.feature_scale import FeatureScale

#: body family -> (body block class, reduction of its output sequence, input form)
FAMILIES = {
    "vanilla": (ConvBlock, "global_max", "sequence"),
    "rnn": (RNNBlock, None, "sequence"),
    "transformer": (TransformerBlock, "global_avg", "sequence"),
    "ngram": (DenseBlock, None, "ngrams"),
}
#: searched longest character n-grams of the "ngram" family (0: words only).
CHAR_NGRAMS = (0, 3, 4, 5)
#: dense layers searched over the n-gram features (0: a linear model of the tf-idf features, as a
#: linear SVM or logistic regression on n-grams, NB-SVM's family; Wang and Manning, 2012).
NGRAM_LAYERS = (0, 1, 2, 3)
#: weightings of the "ngram" family's features: tf-idf, or NB-SVM's binarised n-grams scaled by their
#: naive-Bayes log-count ratio (Wang and Manning, 2012; see `autonas.blocks.nb_weights`), or tf-idf scaled
#: by the same ratio. The naive-Bayes ones need class labels (a classification head).
NGRAM_WEIGHTINGS = ("tf_idf", "nb", "tf_idf_nb")
#: the weightings searched when the texts come with class labels (see benchmarks/RESULTS.md, NB-SVM weighting);
#: ``"tf_idf_nb"`` is there to be pinned.
SEARCHED_WEIGHTINGS = ("tf_idf", "nb")


class TextBlock(Block):
    """Raw strings to a feature vector, with the architecture family searched.

    Families: ``"vanilla"`` (token ids, embedding, 1-D convolutions, global max
    pooling), ``"rnn"`` (embedding, LSTM/GRU), ``"transformer"`` (embedding,
    position embedding, transformer encoder, global average pooling) and
    ``"ngram"`` (tf-idf over word n-grams, optionally joined by tf-idf over
    character n-grams, each scaled to unit length and with out-of-vocabulary
    n-grams dropped, then 0 to 3 dense layers: with 0 the head is a linear
    model of the n-grams, the classical text baseline). With class labels,
    the n-grams may instead be weighted as in NB-SVM (binarised, times their
    naive-Bayes log-count ratio; see `autonas.blocks.nb_weights`). The vocabulary is learnt once from
    the training split and cached (see `TextVectorization`), so trials do not
    re-adapt; the exported model takes raw strings.

    Hyperparameter names: ``<name>/block_type``, ``<name>/max_tokens``;
    ``<name>/sequence_length`` and ``<name>/embedding_dim`` for the sequence
    families, ``<name>/ngrams``, ``<name>/ngram_weighting``, ``<name>/char_ngrams``,
    ``<name>/ngram_solver`` and ``<name>/solver_c`` for ``"ngram"``;
    each family's body under ``<name>/<family>/<argument>`` (conditional on
    ``block_type``).

    Args:
        block_type: ``"vanilla"``, ``"rnn"``, ``"transformer"`` or ``"ngram"``;
            searched when None (default ``"vanilla"``).
        max_tokens: vocabulary size; searched over {5000, 10000, 20000} (default 10000).
        sequence_length: padded length for sequence families; searched over
            {32, ..., 512} (default: covers 95% of the training texts).
        embedding_dim: embedding size for sequence families; searched over
            {32, 64, 128, 256} (default 64).
        ngrams: n-gram size for ``"ngram"``; searched over {1, 2} (default 2).
        char_ngrams: for ``"ngram"``, the longest character n-gram added to
            the word n-grams (n-grams of 1 to ``char_ngrams`` characters, with
            their own vocabulary of ``max_tokens``), or 0 for words only;
            searched over {0, 3, 4, 5} (default 0).
        ngram_weighting: for ``"ngram"``, ``"tf_idf"``, ``"nb"`` (binarised
            n-grams times their naive-Bayes log-count ratio, NB-SVM's
            features) or ``"tf_idf_nb"`` (tf-idf times the same ratio); the
            ratio is computed once from the training texts and their labels
            and saved in the model. Searched over {"tf_idf", "nb"} (default
            ``"tf_idf"``) when the texts come with class labels; ``"tf_idf"``
            otherwise.
        ngram_solver: for ``"ngram"``, how its linear model is fitted:
            ``"gradient"`` (trained as any network, with the searched dense
            layers) or SOLVED once per fit by scikit-learn on the training
            texts' features, ``"squared_hinge"`` (a linear SVM) or
            ``"logistic"`` (logistic regression), both L2-regularised with the
            inverse strength ``<name>/solver_c`` searched over {0.1, 1, 10, 100};
            the solution is a frozen layer of the model (see
            `autonas.blocks.text_solver`). Searched over all three (default
            ``"gradient"``) when the texts come with class labels;
            ``"gradient"`` otherwise.
        name: block name (default ``"text_block"``).

    Returns:
        (when called on a node) a ``"tensor"`` output node.

    Example:
        >>> out = ClassificationHead()(TextBlock(block_type="ngram")(autonas.TextInput()))  # doctest: +SKIP
    """

    input_kinds = ("text",)

    def __init__(self, block_type=None, max_tokens=None, sequence_length=None, embedding_dim=None, ngrams=None,
                 char_ngrams=None, ngram_weighting=None, ngram_solver=None, name=None):
        super().__init__(name=name)
        if isinstance(block_type, str) and block_type not in FAMILIES:
            raise ValueError(f"`block_type` must be one of {sorted(FAMILIES)}; received {block_type!r}.")
        if isinstance(ngram_weighting, str) and ngram_weighting not in NGRAM_WEIGHTINGS:
            raise ValueError(f"`ngram_weighting` must be one of {list(NGRAM_WEIGHTINGS)}; "
                             f"received {ngram_weighting!r}.")
        if isinstance(ngram_solver, str) and ngram_solver not in SOLVERS:
            raise ValueError(f"`ngram_solver` must be one of {list(SOLVERS)}; received {ngram_solver!r}.")
        self.block_type = block_type
        self.max_tokens = max_tokens
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.ngrams = ngrams
        self.char_ngrams = char_ngrams
        self.ngram_weighting = ngram_weighting
        self.ngram_solver = ngram_solver

    def __call__(self, inputs):
        out = super().__call__(inputs)
        require_input_node(self, "TextInput")
        return out

    def output_kind(self, nodes):
        return "tensor"

    def build(self, hp, inputs):
        node = self.inputs[0]
        families = list(FAMILIES)
        block_type = self.param(hp, "block_type", self.block_type, choice(families))
        searched = not isinstance(self.block_type, str)
        body_cls, reduction, form = FAMILIES[block_type]
        sequence_families = [f for f in families if FAMILIES[f][2] == "sequence"]
        max_tokens = resolve_max_tokens(self, hp, self.max_tokens)
        with conditional(hp, searched, "block_type", sequence_families if form == "sequence" else ["ngram"]):
            if form == "sequence":
                layer = vectorization_layer(self, hp, node, "int", max_tokens, self.sequence_length, self.ngrams)
                embedding_dim = self.param(hp, "embedding_dim", self.embedding_dim,
                                           choice([32, 64, 128, 256], default=64))
                x = embed(layer(inputs), layer.vocabulary_size(), embedding_dim, 0.0)
            else:
                x, key = self._ngram_features(hp, node, inputs, max_tokens)
                solved = self._solved(hp, node, inputs, x, key)
                if solved is not None:
                    return solved
        body = body_cls(layer_options=NGRAM_LAYERS) if block_type == "ngram" else body_cls()
        gradient = block_type == "ngram" and self._solver_searched(node)
        with conditional(hp, searched, "block_type", [block_type]), \
                conditional(hp, gradient, "ngram_solver", ["gradient"]), hp.name_scope(block_type):
            x = body.build(hp, x)
        if reduction is not None and len(x.shape) == 3:
            x = (keras.layers.GlobalMaxPooling1D() if reduction == "global_max"
                 else keras.layers.GlobalAveragePooling1D())(x)
        return x

    def _ngram_features(self, hp, node, inputs, max_tokens):
        """Word (and character) n-gram vectors, weighted, each scaled to unit length, joined."""
        # the naive-Bayes weightings are offered only where class labels came with the texts
        labelled = has_profile(node) and input_profile(node).targets is not None
        ngrams = int(self.param(hp, "ngrams", self.ngrams, choice([1, 2], default=2)))
        weighting = self.param(hp, "ngram_weighting", self.ngram_weighting,
                               choice(list(SEARCHED_WEIGHTINGS) if labelled else ["tf_idf"], default="tf_idf"))
        mode = "multi_hot" if weighting == "nb" else "tf_idf"
        keep = max(1, int(max_tokens) - 1)
        x = vectorization_layer(self, hp, node, mode, max_tokens, None, ngrams)(inputs)
        if weighting != "tf_idf":
            x = FeatureScale(nb_scale(node, ngrams, keep))(x)
        # each block is scaled to unit length, as scikit-learn's TfidfVectorizer does
        x = keras.layers.UnitNormalization()(x)
        char_ngrams = self.param(hp, "char_ngrams", self.char_ngrams, choice(list(CHAR_NGRAMS), default=0))
        key = (weighting, ngrams, char_ngrams, int(max_tokens))
        if not char_ngrams:
            return x, key
        chars = char_ngram_layer(node, char_ngrams, max_tokens, mode)(inputs)
        if weighting != "tf_idf":
            chars = FeatureScale(nb_scale(node, int(char_ngrams), keep, split="character"))(chars)
        return keras.layers.Concatenate()([x, keras.layers.UnitNormalization()(chars)]), key

    def _solver_searched(self, node):
        return self.ngram_solver is None and has_profile(node) and input_profile(node).targets is not None

    def _solved(self, hp, node, inputs, x, key):
        """The solved linear model's logits (`autonas.blocks.text_solver`), or None for gradient training."""
        if self.ngram_solver is None and not self._solver_searched(node):
            return None  # no class labels: nothing to solve for, and no choice to make
        solver = self.param(hp, "ngram_solver", self.ngram_solver, choice(list(SOLVERS), default="gradient"))
        if solver == "gradient":
            return None
        with conditional(hp, self.ngram_solver is None, "ngram_solver", [s for s in SOLVERS if s != "gradient"]):
            c = float(hp.Choice("solver_c", list(SOLVER_C), default=1.0))
        return fitted_logits(node, inputs, x, solver, c, key)

    def get_config(self):
        config = super().get_config()
        config.update(block_type=self.block_type, max_tokens=self.max_tokens, sequence_length=self.sequence_length,
                      embedding_dim=self.embedding_dim, ngrams=self.ngrams, char_ngrams=self.char_ngrams,
                      ngram_weighting=self.ngram_weighting, ngram_solver=self.ngram_solver)
        return config
