"""Image tasks: `ImageClassifier` and `ImageRegressor`."""

from autonas import search
from autonas.auto_model import AutoModel
from autonas.blocks.heads import ClassificationHead, RegressionHead
from autonas.blocks.image_block import ImageBlock
from autonas.graph.nodes import ImageInput
from autonas.tasks.base import ClassifierMixin

#: below this many optimizer steps per trial (``epochs`` x steps per epoch), training is short:
#: the warm start then favours configurations that converge fast.
SHORT_TRAINING_STEPS = 500
#: image searches skip candidates costing more than this many times the first trial's
#: multiply-adds per example (see `autonas.tuner.Tuner`).
IMAGE_MAX_COST_RATIO = 10


def _image_block(tuner):
    """The default image hyper-block: the strategy's own when it names one (DARTS: a cell network)."""
    strategy = search.STRATEGIES.get(tuner.lower()) if isinstance(tuner, str) else tuner
    default_block = getattr(strategy, "default_block", None)
    return (default_block("image") if default_block else None) or ImageBlock()


def image_warm_start(block, head, context):
    """The first configurations of an image search, chosen for the training length.

    Short training (``epochs`` given and fewer than `SHORT_TRAINING_STEPS`
    steps): the default convnet, then the same with 64 filters; no dropout and
    no batch normalization, which need more steps to pay off (on digits with 3
    epochs, a ResNet scores about 0.5 while the plain convnet reaches 0.96).
    Otherwise (early stopping or long training): the convnet with dropout
    (0.25 after each stage, 0.5 before a classification output), the default
    ResNet, the convnet with dropout and 64 filters, then the plain defaults.
    On sklearn digits each of the first three reaches about 0.995 test
    accuracy, above an RBF SVM.

    Args:
        block: the task's `ImageBlock` (named).
        head: the task's head (named).
        context: the `autonas.auto_model.SearchContext`.

    Returns:
        A list of partial hyperparameter value dicts.

    Example:
        >>> image_warm_start(block, head, context)[0]  # doctest: +SKIP
        {'image_block/vanilla/dropout': 0.25, 'classification_head/dropout': 0.5}
    """
    b = block.name
    if context.epochs is not None and context.epochs * context.steps_per_epoch < SHORT_TRAINING_STEPS:
        return [{}, {f"{b}/vanilla/filters": 64}]
    regularised = {f"{b}/vanilla/dropout": 0.25}
    if isinstance(head, ClassificationHead):
        regularised[f"{head.name}/dropout"] = 0.5
    return [regularised, {f"{b}/block_type": "resnet"}, {**regularised, f"{b}/vanilla/filters": 64}, {}]


class _ImageTask(AutoModel):
    max_cost_ratio = IMAGE_MAX_COST_RATIO

    def default_initial_hps(self, context):
        if not isinstance(self._image_block, ImageBlock):  # a DartsBlock: its cells come from the DARTS search
            return super().default_initial_hps(context)
        return image_warm_start(self._image_block, self.heads[0], context)


class ImageClassifier(ClassifierMixin, _ImageTask):
    """Searches image classification networks.

    Images are numpy arrays of shape (N, H, W) or (N, H, W, C) of any numeric
    dtype; labels are ints, strings or one-hot rows. Normalization lives inside
    the model. The first trials are cheap, proven configurations (see
    `image_warm_start`); later candidates that cost more than 10 times the
    first trial's multiply-adds per example are skipped, so a search on small
    images never spends minutes on one oversized network.

    Args:
        num_classes: expected number of classes (checked against the labels).
        multi_label: several labels per image.
        loss: Keras loss; chosen from the labels when None.
        metrics: Keras metrics; ``["accuracy"]`` when None.
        project_name: project directory name (default ``"image_classifier"``).
        **kwargs: search arguments of `AutoModel` (`max_trials`, `tuner`,
            `objective`, `max_time`, `max_model_size`, `seed`, `directory`,
            `overwrite`, `initial_hps`, ...). With ``tuner="darts"`` the image
            block is a `DartsBlock` whose cells a DARTS supernet search derives.

    Example:
        >>> clf = ImageClassifier(max_trials=3, seed=0)   # doctest: +SKIP
        >>> clf.fit(x_train, y_train, epochs=5)           # doctest: +SKIP
        >>> clf.predict(x_test)                           # doctest: +SKIP
    """

    def __init__(self, num_classes=None, multi_label=False, loss=None, metrics=None,
                 project_name="image_classifier", **kwargs):
        inputs = ImageInput()
        self._image_block = _image_block(kwargs.get("tuner"))
        outputs = ClassificationHead(num_classes=num_classes, multi_label=multi_label, loss=loss,
                                     metrics=metrics)(self._image_block(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)


class ImageRegressor(_ImageTask):
    """Searches image regression networks.

    The same default space and warm start as `ImageClassifier` (without
    dropout before the regression output).

    Args:
        output_dim: number of regression targets; inferred when None.
        loss: Keras loss (default mean squared error).
        metrics: Keras metrics.
        project_name: project directory name (default ``"image_regressor"``).
        **kwargs: search arguments of `AutoModel`.

    Example:
        >>> reg = ImageRegressor(max_trials=3)  # doctest: +SKIP
        >>> reg.fit(x_train, y_train)           # doctest: +SKIP
    """

    def __init__(self, output_dim=None, loss="mean_squared_error", metrics=None,
                 project_name="image_regressor", **kwargs):
        inputs = ImageInput()
        self._image_block = _image_block(kwargs.get("tuner"))
        outputs = RegressionHead(output_dim=output_dim, loss=loss, metrics=metrics)(self._image_block(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)
