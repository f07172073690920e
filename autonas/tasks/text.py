"""Text tasks: `TextClassifier` and `TextRegressor`."""

import logging

import numpy as np

from autonas.auto_model import AutoModel
from autonas.blocks.heads import ClassificationHead, RegressionHead
from autonas.blocks.text_block import TextBlock
from autonas.graph.nodes import TextInput
from autonas.tasks.base import ClassifierMixin
from autonas.reporting.decisions import decision

logger = logging.getLogger("autonas")


#: below this many optimizer steps per trial, training is short: the warm start starts with what learns fastest.
SHORT_TRAINING_STEPS = 500
#: below this number of training texts per word of a typical text, a text task searches n-gram
#: models only; at or above it, every `TextBlock` family.
NGRAM_ONLY_RATIO = 1500
#: learning rates a text classification search tries: the graph's (1e-3 first) and 1e-2, which a linear
#: model of unit-length n-gram vectors needs to converge in a few epochs (see `text_warm_start`).
TEXT_LEARNING_RATES = (1e-3, 3e-4, 3e-3, 1e-2)
#: the learning rate of the warm start's linear model (NB-SVM features) in a classifier.
LINEAR_LEARNING_RATE = 1e-2
#: the solved linear models of a classifier's warm start (`autonas.blocks.text_solver`): a linear SVM with
#: scikit-learn's default C, then a weakly regularised logistic regression (see `text_warm_start`).
SOLVED_WARM_START = (("squared_hinge", 1.0), ("logistic", 100.0))


def text_block_type(texts):
    """The `TextBlock` family a text task searches for these training texts (None: all of them).

    Google's text classification guide compared n-gram MLPs with sequence
    models over many datasets: below about 1,500 training texts per word of
    the median text, n-gram models won, and sequence models only pay off
    above it. Sequence models are also the slow trials, so on such data
    they would spend the budget on what is unlikely to win.

    Args:
        texts: the training split's strings.

    Returns:
        ``"ngram"`` when ``len(texts) / median words < NGRAM_ONLY_RATIO``, else None.

    Example:
        >>> text_block_type(["free prize now", "see you at five"] * 100)
        'ngram'
    """
    texts = np.asarray(texts, dtype=object).reshape(-1)
    words = float(np.median([len(str(t).split()) for t in texts])) if len(texts) else 0.0
    ratio = len(texts) / max(words, 1.0)
    if ratio >= NGRAM_ONLY_RATIO:
        return None
    decision("%d training texts of %g words (median), %.0f texts per word: searching n-gram models only "
             "(sequence models from %d).", len(texts), words, ratio, NGRAM_ONLY_RATIO)
    return "ngram"


class TextSpaceMixin:
    """`configure_space` for the text tasks: the searched `TextBlock` families follow the data."""

    def configure_space(self, context):
        node = self._text_block.inputs[0]
        self._text_block.block_type = text_block_type(context.profile[node.name].examples)


def text_warm_start(block, context, dropout=0.0, labelled=False, linear_learning_rate=None):
    """The first configurations of a text search.

    Tf-idf features over word uni- and bigrams joined by character 1- to
    4-grams (character n-grams catch the spelling variants, numbers and
    symbols of short messages), first through one dense layer of 256 units,
    then as a linear model (the classical text baseline, as a Keras model),
    then through the block's default two layers with twice the vocabulary. A
    classifier drops half the units of its dense layers (``dropout=0.5``).
    Then words only, then the block's defaults (a 1-D convnet over word
    embeddings, when the family is searched). Chosen on a dev split of SMS
    spam's training rows (`benchmarks/variants.py --data sms`, 3 seeds): one
    layer of 256 scored 0.9857, the linear model 0.9850, two layers of 128
    0.9812-0.9831; the search's ensemble then mixes them. With short training
    (``epochs`` given and fewer than `SHORT_TRAINING_STEPS` steps in all) the
    two layers come first: they learn fastest.

    For a classifier (``labelled``), the linear model weighs its n-grams as
    NB-SVM does (binarised, times their naive-Bayes log-count ratio; Wang and
    Manning, 2012): on dev splits of the training rows (`benchmarks/text_nb.py`,
    3 seeds, see benchmarks/RESULTS.md) it scored above the tf-idf linear model
    on SMS spam (0.9831 against 0.9816) and on 6-message documents of three
    classes (0.8520 against 0.8003).

    A classifier's linear model trains with Adam at 1e-2
    (``linear_learning_rate``): a linear model of unit-length n-gram vectors
    needs large weights, and at 1e-3 it was still improving when a 5-minute
    SMS search's epoch cap (13-14 epochs) stopped it, and scored 0.95-0.96 as
    a proxy trial (3 epochs on a third of the rows), so it never competed. On
    dev splits of the training rows (`benchmarks/text_linear.py`, 3 seeds,
    see benchmarks/RESULTS.md) 1e-2 converged in 4-9 epochs (1e-3: 16-51)
    and scored best in the mean: SMS 0.9861 (3e-3: 0.9858, 1e-3: 0.9831),
    6-message documents 0.8603 (0.8540, 0.8520); as a proxy 0.977 and 0.798
    (1e-3: 0.946 and 0.696).

    A classifier's search starts with the same linear model SOLVED
    (`autonas.blocks.text_solver`: scikit-learn's regularised solution, frozen
    in the Keras model; nothing trains): a linear SVM (squared hinge, C=1),
    then, after the one-layer network, a logistic regression with C=100, both
    on NB-SVM features. On the dev splits above, on the same features, the
    SVM scored 0.9906 on SMS where the linear model trained by Adam scored
    0.9861, and the logistic regression 0.8830 on the 6-message documents
    where Adam's scored 0.8603 (a TF-IDF + LinearSVC baseline: 0.9895 and
    0.7513 on the same training parts).

    Args:
        block: the task's `TextBlock` (named).
        context: the `autonas.auto_model.SearchContext`.
        dropout: dropout of the n-gram model's dense layers (0 for a
            regressor: no dropout right before a regression output).
        labelled: the training texts' class labels are known (the profile's ``targets``:
            naive-Bayes weights can be learnt).
        linear_learning_rate: the linear model's learning rate (None: the
            space's default); it must be one of the searched learning rates.

    Returns:
        A list of partial hyperparameter value dicts.

    Example:
        >>> text_warm_start(block, context, dropout=0.5)[1]  # doctest: +SKIP
        {'text_block/block_type': 'ngram', 'text_block/char_ngrams': 4, 'text_block/ngram/num_layers': 0}
    """
    b = block.name
    ngram = {} if block.block_type else {f"{b}/block_type": "ngram"}  # a pinned family has no choice to make
    chars = {**ngram, f"{b}/char_ngrams": 4}
    regularised = {f"{b}/ngram/dropout": dropout} if dropout else {}
    wide = {**chars, f"{b}/ngram/num_layers": 1, f"{b}/ngram/num_units": 256, **regularised}
    linear = {**chars, f"{b}/ngram/num_layers": 0}
    if labelled and block.ngram_weighting is None:
        linear[f"{b}/ngram_weighting"] = "nb"
    if linear_learning_rate is not None:
        linear["learning_rate"] = linear_learning_rate
    deep = {**chars, **regularised, f"{b}/max_tokens": 20000}
    solved = []
    if labelled and block.ngram_solver is None:
        weighting = {f"{b}/ngram_weighting": "nb"} if block.ngram_weighting is None else {}
        solved = [{**chars, **weighting, f"{b}/ngram_solver": solver, f"{b}/solver_c": c}
                  for solver, c in SOLVED_WARM_START]
    if context.epochs is not None and context.epochs * context.steps_per_epoch < SHORT_TRAINING_STEPS:
        # short training: two layers of 128 learn fastest (a tutorial's 8 epochs of 480 messages:
        # 0.97 test accuracy, where one layer of 256 stayed at the all-ham 0.89)
        return solved + [deep, wide, linear, ngram, {}]
    return solved[:1] + [wide] + solved[1:] + [linear, deep, ngram, {}]


class TextClassifier(TextSpaceMixin, ClassifierMixin, AutoModel):
    """Searches text classification networks over raw strings.

    `x` is a sequence of strings (list, numpy array, pandas Series, a text
    folder with one subfolder per class, or a `tf.data.Dataset`). The
    vocabularies are learnt from the training split and live inside the
    model, so the exported model takes raw strings. The first trials are fast
    n-gram models (see `text_warm_start`), strong proven baselines for short
    texts; with fewer than 1,500 training texts per word of the median text,
    only n-gram models are searched (see `text_block_type`).

    Args:
        num_classes: expected number of classes (checked against the labels).
        multi_label: several labels per text.
        loss: Keras loss; chosen from the labels when None.
        metrics: Keras metrics; ``["accuracy"]`` when None.
        project_name: project directory name (default ``"text_classifier"``).
        **kwargs: search arguments of `AutoModel`.

    Example:
        >>> clf = TextClassifier(max_trials=3, seed=0)            # doctest: +SKIP
        >>> clf.fit(["free prize now", "see you at 5"], ["spam", "ham"])  # doctest: +SKIP
    """

    def __init__(self, num_classes=None, multi_label=False, loss=None, metrics=None,
                 project_name="text_classifier", **kwargs):
        inputs = TextInput()
        self._text_block = TextBlock()
        outputs = ClassificationHead(num_classes=num_classes, multi_label=multi_label, loss=loss,
                                     metrics=metrics)(self._text_block(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)
        self.graph.learning_rates = TEXT_LEARNING_RATES

    def default_initial_hps(self, context):
        node = self._text_block.inputs[0]
        labelled = context.profile is not None and context.profile[node.name].targets is not None
        searched = self.graph.learning_rate is None and LINEAR_LEARNING_RATE in (self.graph.learning_rates or ())
        return text_warm_start(self._text_block, context, dropout=0.5, labelled=labelled,
                               linear_learning_rate=LINEAR_LEARNING_RATE if searched else None)


class TextRegressor(TextSpaceMixin, AutoModel):
    """Searches text regression networks over raw strings.

    The same default space and warm start as `TextClassifier`.

    Args:
        output_dim: number of regression targets; inferred when None.
        loss: Keras loss (default mean squared error).
        metrics: Keras metrics.
        project_name: project directory name (default ``"text_regressor"``).
        **kwargs: search arguments of `AutoModel`.

    Example:
        >>> reg = TextRegressor(max_trials=3)  # doctest: +SKIP
        >>> reg.fit(reviews, stars)            # doctest: +SKIP
    """

    def __init__(self, output_dim=None, loss="mean_squared_error", metrics=None,
                 project_name="text_regressor", **kwargs):
        inputs = TextInput()
        self._text_block = TextBlock()
        outputs = RegressionHead(output_dim=output_dim, loss=loss, metrics=metrics)(self._text_block(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)

    def default_initial_hps(self, context):
        return text_warm_start(self._text_block, context)
