"""Structured (tabular) data tasks: `StructuredDataClassifier` and `StructuredDataRegressor`."""

from autonas.auto_model import AutoModel
from autonas.blocks.heads import ClassificationHead, RegressionHead
from autonas.blocks.structured_data_block import StructuredDataBlock
from autonas.graph.nodes import StructuredDataInput
from autonas.tasks.base import ClassifierMixin


class StructuredDataClassifier(ClassifierMixin, AutoModel):
    """Searches classifiers for tables of raw columns (numbers, strings, missing values).

    `x` is a pandas DataFrame, a dict of columns, a 2-D array or a CSV path (then
    `y` may be the target column's name). Every column is encoded inside the
    model (imputation, normalization, category lookup), so the exported model
    takes the raw columns.

    Args:
        column_names: column names for an unnamed 2-D array.
        column_types: ``{column: "numerical" | "categorical" | "text"}`` overriding inference.
        num_classes: expected number of classes.
        multi_label: several labels per row.
        loss: Keras loss; chosen from the labels when None.
        metrics: Keras metrics; ``["accuracy"]`` when None.
        project_name: project directory name (default ``"structured_data_classifier"``).
        **kwargs: search arguments of `AutoModel`.

    Example:
        >>> clf = StructuredDataClassifier(max_trials=5, seed=0)   # doctest: +SKIP
        >>> clf.fit("train.csv", "Survived")                        # doctest: +SKIP
    """

    def __init__(self, column_names=None, column_types=None, num_classes=None, multi_label=False, loss=None,
                 metrics=None, project_name="structured_data_classifier", **kwargs):
        inputs = StructuredDataInput(column_names=column_names, column_types=column_types)
        outputs = ClassificationHead(num_classes=num_classes, multi_label=multi_label, loss=loss,
                                     metrics=metrics)(StructuredDataBlock()(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)


class StructuredDataRegressor(AutoModel):
    """Searches regressors for tables of raw columns.

    Args:
        column_names: column names for an unnamed 2-D array.
        column_types: ``{column: "numerical" | "categorical" | "text"}`` overriding inference.
        output_dim: number of regression targets; inferred when None.
        loss: Keras loss (default mean squared error).
        metrics: Keras metrics.
        project_name: project directory name (default ``"structured_data_regressor"``).
        **kwargs: search arguments of `AutoModel`.

    Example:
        >>> reg = StructuredDataRegressor(max_trials=5)  # doctest: +SKIP
    """

    def __init__(self, column_names=None, column_types=None, output_dim=None, loss="mean_squared_error",
                 metrics=None, project_name="structured_data_regressor", **kwargs):
        inputs = StructuredDataInput(column_names=column_names, column_types=column_types)
        outputs = RegressionHead(output_dim=output_dim, loss=loss, metrics=metrics)(StructuredDataBlock()(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)
