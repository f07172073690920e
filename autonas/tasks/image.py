"""Image tasks: `ImageClassifier` and `ImageRegressor`."""

from autonas.auto_model import AutoModel
from autonas.blocks.heads import ClassificationHead, RegressionHead
from autonas.blocks.image_block import ImageBlock
from autonas.graph.nodes import ImageInput
from autonas.tasks.base import ClassifierMixin


def _image_block(tuner):
    """The default image hyper-block: a DARTS cell network when the strategy is DARTS."""
    from autonas.search.darts_oracle import DartsOracle

    if (isinstance(tuner, str) and tuner.lower() == "darts") or isinstance(tuner, DartsOracle):
        from autonas.darts.block import DartsBlock

        return DartsBlock()
    return ImageBlock()


class ImageClassifier(ClassifierMixin, AutoModel):
    """Searches image classification networks.

    Images are numpy arrays of shape (N, H, W) or (N, H, W, C) of any numeric
    dtype; labels are ints, strings or one-hot rows. The first trial is a small
    proven convnet (warm start); normalization lives inside the model.

    Args:
        num_classes: expected number of classes (checked against the labels).
        multi_label: several labels per image.
        loss: Keras loss; chosen from the labels when None.
        metrics: Keras metrics; ``["accuracy"]`` when None.
        project_name: project directory name (default ``"image_classifier"``).
        **kwargs: search arguments of `AutoModel` (`max_trials`, `tuner`,
            `objective`, `max_time`, `max_model_size`, `seed`, `directory`,
            `overwrite`, ...). With ``tuner="darts"`` the image block is a
            `DartsBlock` whose cells a DARTS supernet search derives.

    Example:
        >>> clf = ImageClassifier(max_trials=3, seed=0)   # doctest: +SKIP
        >>> clf.fit(x_train, y_train, epochs=5)           # doctest: +SKIP
        >>> clf.predict(x_test)                           # doctest: +SKIP
    """

    def __init__(self, num_classes=None, multi_label=False, loss=None, metrics=None,
                 project_name="image_classifier", **kwargs):
        inputs = ImageInput()
        outputs = ClassificationHead(num_classes=num_classes, multi_label=multi_label, loss=loss,
                                     metrics=metrics)(_image_block(kwargs.get("tuner"))(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)


class ImageRegressor(AutoModel):
    """Searches image regression networks.

    Args:
        output_dim: number of regression targets; inferred when None.
        loss: Keras loss (default mean squared error).
        metrics: Keras metrics.
        project_name: project directory name (default ``"image_regressor"``).
        **kwargs: search arguments of `AutoModel`.

    Example:
        >>> reg = ImageRegressor(max_trials=3)  # doctest: +SKIP
    """

    def __init__(self, output_dim=None, loss="mean_squared_error", metrics=None,
                 project_name="image_regressor", **kwargs):
        inputs = ImageInput()
        outputs = RegressionHead(output_dim=output_dim, loss=loss, metrics=metrics)(_image_block(kwargs.get("tuner"))(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)
