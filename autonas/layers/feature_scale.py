"""`FeatureScale`: multiplies each feature by a fixed weight learnt once from the training data."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="autonas")
class FeatureScale(keras.layers.Layer):
    """Scales the last axis elementwise by a fixed (non-trainable) vector.

    The vector is computed from the training split before the model is built
    (for example naive-Bayes log-count ratios of n-grams, see
    `autonas.blocks.nb_weights`) and kept as a non-trainable weight, so it is
    saved with the model (``.keras`` and SavedModel) and not in its config.

    Args:
        scale: the initial vector (one value per feature); None to start from
            ones (as when loading: the saved weight replaces it).
        units: the number of features; required when ``scale`` is None.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on a ``(batch, units)`` tensor) the scaled float32 tensor.

    Example:
        >>> import numpy as np
        >>> FeatureScale([0.0, 2.0])(np.array([[1.0, 1.5]], "float32")).tolist()  # doctest: +SKIP
        [[0.0, 3.0]]
    """

    def __init__(self, scale=None, units=None, **kwargs):
        super().__init__(**kwargs)
        if scale is not None:
            scale = np.asarray(scale, dtype="float32").reshape(-1)
            if units is not None and int(units) != len(scale):
                raise ValueError(f"`units` ({units}) must equal the length of `scale` ({len(scale)}).")
            units = len(scale)
        if units is None or int(units) < 1:
            raise ValueError(f"`FeatureScale` needs `scale` or a positive `units`; received units={units!r}.")
        if scale is not None and not np.all(np.isfinite(scale)):
            raise ValueError("`scale` must be finite numbers; received NaN or infinite values.")
        self.units = int(units)
        self._initial = scale

    def build(self, input_shape):
        if input_shape[-1] is not None and int(input_shape[-1]) != self.units:
            raise ValueError(f"FeatureScale of {self.units} units received inputs of shape {tuple(input_shape)}.")
        self.scale = self.add_weight(name="scale", shape=(self.units,), initializer="ones", trainable=False)
        if self._initial is not None:
            self.scale.assign(self._initial)

    def call(self, inputs):
        return ops.cast(inputs, "float32") * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units)
        return config
