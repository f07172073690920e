"""Structured (tabular) data tasks: `StructuredDataClassifier` and `StructuredDataRegressor`."""

from autonas.auto_model import AutoModel
from autonas.blocks.heads import ClassificationHead, RegressionHead
from autonas.blocks.structured_data_block import StructuredDataBlock
from autonas.graph.nodes import StructuredDataInput
from autonas.tasks.base import ClassifierMixin

#: with fewer validation rows than this, a classifier is selected by validation loss.
SMALL_VALIDATION = 1000


def structured_warm_start(block):
    """The first configurations of a table search: small proven MLPs.

    The block's defaults (one-hot categories, two dense layers of 128), then
    two layers of 32 and of 64 units with dropout 0.25. Numerical columns are
    always standardised in the task classes (an MLP on raw fares and ids is
    never better).

    Args:
        block: the task's `StructuredDataBlock` (named).

    Returns:
        A list of partial hyperparameter value dicts.

    Example:
        >>> structured_warm_start(block)[1]  # doctest: +SKIP
        {'structured_data_block/num_units': 32, 'structured_data_block/dropout': 0.25}
    """
    b = block.name
    return [{},
            {f"{b}/num_units": 32, f"{b}/dropout": 0.25},
            {f"{b}/num_units": 64, f"{b}/dropout": 0.25}]


class StructuredDataClassifier(ClassifierMixin, AutoModel):
    """Searches classifiers for tables of raw columns (numbers, strings, missing values).

    `x` is a pandas DataFrame, a dict of columns, a 2-D array or a CSV path (then
    `y` may be the target column's name). Every column is encoded inside the
    model (imputation, normalization, category lookup), so the exported model
    takes the raw columns. The first trials are small proven MLPs (see
    `structured_warm_start`). Tables are often small: with fewer than 1000
    validation rows the default objective is the validation loss, which ranks
    candidates far more reliably than an accuracy measured in steps of
    1/rows (on Titanic, selecting by validation accuracy over eight trials
    picked a lucky candidate that tested 4 points lower).

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
        self._table_block = StructuredDataBlock(normalize=True)
        outputs = ClassificationHead(num_classes=num_classes, multi_label=multi_label, loss=loss,
                                     metrics=metrics)(self._table_block(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)

    def default_initial_hps(self, context):
        return structured_warm_start(self._table_block)

    def default_objective(self, context):
        if context is not None and context.num_val < SMALL_VALIDATION:
            return "val_loss"
        return super().default_objective(context)


class StructuredDataRegressor(AutoModel):
    """Searches regressors for tables of raw columns.

    The same encoding, default space and warm start as `StructuredDataClassifier`.

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
        >>> reg.fit(frame, "price")                       # doctest: +SKIP
    """

    def __init__(self, column_names=None, column_types=None, output_dim=None, loss="mean_squared_error",
                 metrics=None, project_name="structured_data_regressor", **kwargs):
        inputs = StructuredDataInput(column_names=column_names, column_types=column_types)
        self._table_block = StructuredDataBlock(normalize=True)
        outputs = RegressionHead(output_dim=output_dim, loss=loss, metrics=metrics)(self._table_block(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)

    def default_initial_hps(self, context):
        return structured_warm_start(self._table_block)
