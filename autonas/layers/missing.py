"""`FillMissing`: replace NaN (missing values) in a numeric column inside the model."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="autonas")
class FillMissing(keras.layers.Layer):
    """Replaces NaN by a fill value, optionally appending a "was missing" indicator.

    Used by `StructuredDataBlock` so an exported model takes raw column values
    with missing entries as NaN: numeric columns are imputed with their
    training mean, integer categorical columns get a sentinel that their lookup
    layer treats as its own category.

    Args:
        fill_value: the number that replaces NaN.
        indicator: when True, the output gains a last axis of size 2:
            ``[filled value, 1.0 if the value was missing else 0.0]``.
        output_dtype: dtype of the output (``"float32"`` or ``"int64"``).
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called) the filled tensor.

    Example:
        >>> import numpy as np
        >>> FillMissing(0.5)(np.array([1.0, np.nan], "float32")).tolist()  # doctest: +SKIP
        [1.0, 0.5]
    """

    def __init__(self, fill_value=0.0, indicator=False, output_dtype="float32", **kwargs):
        super().__init__(**kwargs)
        if output_dtype not in ("float32", "int64"):
            raise ValueError(f"`output_dtype` must be 'float32' or 'int64'; received {output_dtype!r}.")
        self.fill_value = float(fill_value)
        self.indicator = bool(indicator)
        self.output_dtype = output_dtype

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        missing = ops.isnan(x)
        filled = ops.where(missing, ops.full_like(x, self.fill_value), x)
        if self.output_dtype == "int64":
            filled = ops.cast(ops.round(filled), "int64")
        if self.indicator:
            return ops.stack([filled, ops.cast(missing, filled.dtype)], axis=-1)
        return filled

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (2,) if self.indicator else tuple(input_shape)

    def compute_output_spec(self, inputs):
        shape = self.compute_output_shape(inputs.shape)
        return keras.KerasTensor(shape, dtype=self.output_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(fill_value=self.fill_value, indicator=self.indicator, output_dtype=self.output_dtype)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class MissingIndicator(keras.layers.Layer):
    """1.0 where a numeric column's value is missing (NaN), else 0.0, as a ``(batch, 1)`` column.

    Args:
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called) a float32 ``(batch, 1)`` tensor.

    Example:
        >>> import numpy as np
        >>> MissingIndicator()(np.array([1.0, np.nan], "float32")).tolist()  # doctest: +SKIP
        [[0.0], [1.0]]
    """

    def call(self, inputs):
        x = ops.reshape(ops.cast(inputs, "float32"), (-1, 1))
        return ops.cast(ops.isnan(x), "float32")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)
