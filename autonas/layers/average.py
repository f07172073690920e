"""`WeightedAverage`: the fixed-weight average of several models' outputs."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="autonas")
class WeightedAverage(keras.layers.Layer):
    """Averages its inputs with fixed weights (no trainable variables).

    The output layer of an ensemble (`autonas.ensemble.build_ensemble_model`):
    class probabilities or regression values of several members, weighted by
    the share greedy ensemble selection gave each.

    Args:
        weights: one non-negative float per input; normalised to sum to 1.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on a list of same-shaped tensors) their weighted average, float32.

    Example:
        >>> import numpy as np
        >>> WeightedAverage([0.25, 0.75])([np.ones((1, 2)), np.zeros((1, 2))]).tolist()  # doctest: +SKIP
        [[0.25, 0.25]]
    """

    def __init__(self, weights, **kwargs):
        super().__init__(**kwargs)
        weights = [float(w) for w in weights]
        if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f"`weights` must be non-negative numbers with a positive sum; received {weights!r}.")
        total = sum(weights)
        self.member_weights = [w / total for w in weights]

    def call(self, inputs):
        if len(inputs) != len(self.member_weights):
            raise ValueError(f"WeightedAverage has {len(self.member_weights)} weights but received "
                             f"{len(inputs)} inputs.")
        total = None
        for tensor, weight in zip(inputs, self.member_weights):
            term = ops.cast(tensor, "float32") * weight
            total = term if total is None else total + term
        return total

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update(weights=self.member_weights)
        return config
