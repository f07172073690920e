"""Text tasks: `TextClassifier` and `TextRegressor`."""

from autonas.auto_model import AutoModel
from autonas.blocks.heads import ClassificationHead, RegressionHead
from autonas.blocks.text_block import TextBlock
from autonas.graph.nodes import TextInput
from autonas.tasks.base import ClassifierMixin


class TextClassifier(ClassifierMixin, AutoModel):
    """Searches text classification networks over raw strings.

    `x` is a sequence of strings (list, numpy array, pandas Series, a text
    folder with one subfolder per class, or a `tf.data.Dataset`). The
    vocabulary is learnt from the training split and lives inside the model,
    so the exported model takes raw strings. The first trial is a fast n-gram
    model (tf-idf + dense), a strong proven baseline for short texts.

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
                 project_name="text_classifier", initial_hps=None, **kwargs):
        inputs = TextInput()
        outputs = ClassificationHead(num_classes=num_classes, multi_label=multi_label, loss=loss,
                                     metrics=metrics)(TextBlock()(inputs))
        if initial_hps is None:
            initial_hps = TEXT_WARM_START
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, initial_hps=initial_hps,
                         **kwargs)


class TextRegressor(AutoModel):
    """Searches text regression networks over raw strings.

    Args:
        output_dim: number of regression targets; inferred when None.
        loss: Keras loss (default mean squared error).
        metrics: Keras metrics.
        project_name: project directory name (default ``"text_regressor"``).
        **kwargs: search arguments of `AutoModel`.

    Example:
        >>> reg = TextRegressor(max_trials=3)  # doctest: +SKIP
    """

    def __init__(self, output_dim=None, loss="mean_squared_error", metrics=None,
                 project_name="text_regressor", initial_hps=None, **kwargs):
        inputs = TextInput()
        outputs = RegressionHead(output_dim=output_dim, loss=loss, metrics=metrics)(TextBlock()(inputs))
        if initial_hps is None:
            initial_hps = TEXT_WARM_START
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, initial_hps=initial_hps,
                         **kwargs)


#: first trials of the text tasks: an n-gram MLP, then the default convnet.
TEXT_WARM_START = [
    {"text_block/block_type": "ngram"},
    {},
]
