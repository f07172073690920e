"""Encodings of one numeric column for MLPs on tables (Gorishniy et al., NeurIPS 2022).

An MLP given a standardised number can only bend it through its ReLUs;
gradient-boosted trees split it at thresholds. Encoding each number into a
vector closes most of that gap: `PiecewiseLinearEncoding` (bins at the
training quantiles, one "how far into this bin" value per bin) and
`PeriodicEncoding` (sines and cosines of trainable frequencies, then a linear
layer and a ReLU: the "PLR" embedding).
"""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="autonas")
class PiecewiseLinearEncoding(keras.layers.Layer):
    """Encodes a number by the bins of fixed edges it has passed (no trainable weights).

    For edges ``b_0 < ... < b_T`` the output has ``T`` values; value ``t`` is
    ``clip((x - b_{t-1}) / (b_t - b_{t-1}), 0, 1)``, except that the first
    bin is open below and the last open above (the number keeps growing
    outside the training range). Edges are the training quantiles.

    Args:
        edges: the increasing bin edges (at least two).
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on a ``(batch,)`` or ``(batch, 1)`` float tensor) a ``(batch, T)`` tensor.

    Example:
        >>> import numpy as np
        >>> PiecewiseLinearEncoding([0.0, 1.0, 3.0])(np.array([2.0], "float32")).tolist()  # doctest: +SKIP
        [[1.0, 0.5]]
    """

    def __init__(self, edges, **kwargs):
        super().__init__(**kwargs)
        edges = [float(e) for e in edges]
        if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])):
            raise ValueError(f"`edges` must be at least two increasing numbers; received {edges!r}.")
        self.edges = edges

    def call(self, inputs):
        x = ops.reshape(ops.cast(inputs, "float32"), (-1, 1))
        left = ops.convert_to_tensor(self.edges[:-1], dtype="float32")
        width = ops.convert_to_tensor([b - a for a, b in zip(self.edges, self.edges[1:])], dtype="float32")
        ratio = (x - left[None, :]) / width[None, :]
        count = len(self.edges) - 1
        if count == 1:
            return ratio
        first = ops.minimum(ratio[:, :1], 1.0)
        middle = ops.clip(ratio[:, 1:-1], 0.0, 1.0)
        last = ops.maximum(ratio[:, -1:], 0.0)
        return ops.concatenate([first, middle, last], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.edges) - 1)

    def get_config(self):
        config = super().get_config()
        config.update(edges=self.edges)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class PeriodicEncoding(keras.layers.Layer):
    """The "PLR" embedding of a standardised number: periodic features, a linear layer, ReLU.

    ``relu(W [cos(2 pi c x), sin(2 pi c x)] + b)`` with ``k`` trainable
    frequencies ``c`` initialised from ``N(0, sigma)``.

    Args:
        frequencies: number of frequencies ``k``.
        sigma: standard deviation of the initial frequencies.
        units: size of the embedding.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on a ``(batch,)`` or ``(batch, 1)`` float tensor) a ``(batch, units)`` tensor.

    Example:
        >>> PeriodicEncoding(frequencies=8, units=4)(np.zeros(2, "float32")).shape  # doctest: +SKIP
        (2, 4)
    """

    def __init__(self, frequencies=16, sigma=0.1, units=8, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("frequencies", frequencies), ("units", units)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer; received {value!r}.")
        if not isinstance(sigma, (int, float)) or isinstance(sigma, bool) or sigma <= 0:
            raise ValueError(f"`sigma` must be a positive number; received {sigma!r}.")
        self.frequencies = frequencies
        self.sigma = float(sigma)
        self.units = units
        self.dense = keras.layers.Dense(units, activation="relu")

    def build(self, input_shape):
        self.coefficients = self.add_weight(
            name="frequencies", shape=(self.frequencies,),
            initializer=keras.initializers.RandomNormal(stddev=self.sigma), trainable=True)
        self.dense.build((None, 2 * self.frequencies))

    def call(self, inputs):
        x = ops.reshape(ops.cast(inputs, "float32"), (-1, 1))
        angles = 2 * math.pi * x * self.coefficients[None, :]
        return self.dense(ops.concatenate([ops.cos(angles), ops.sin(angles)], axis=1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(frequencies=self.frequencies, sigma=self.sigma, units=self.units)
        return config
