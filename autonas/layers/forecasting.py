"""Layers of the forecasting models: per-window normalisation, channel selection, decomposition, patches.

All use `keras.ops` only and are registered, so a `.keras` file loads with
``safe_mode=True`` after ``import autonas``; a SavedModel needs TensorFlow only.
"""

import keras
from keras import ops

MODES = ("none", "last", "revin")


@keras.saving.register_keras_serializable(package="autonas")
class WindowNormalization(keras.layers.Layer):
    """Normalise each history window by its own statistics (RevIN / NLinear), per channel.

    ``"last"`` subtracts the window's last value (NLinear); ``"revin"``
    subtracts the window's mean and divides by its standard deviation
    (reversible instance normalisation without affine weights); ``"none"``
    passes the window through. `WindowDenormalization` undoes it on the
    forecast from the same window.

    Args:
        mode: one of ``"none"``, ``"last"``, ``"revin"``.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on ``(batch, steps, channels)``) a tensor of the same shape.

    Example:
        >>> WindowNormalization("last")(np.ones((1, 4, 2), "float32")).shape  # doctest: +SKIP
        (1, 4, 2)
    """

    def __init__(self, mode="last", **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"`mode` must be one of {MODES}; received {mode!r}.")
        self.mode = mode

    def call(self, inputs):
        center, scale = window_statistics(inputs, self.mode)
        return (inputs - center) / scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(mode=self.mode)
        return config


def window_statistics(window, mode):
    """``(center, scale)`` of each window, shaped ``(batch, 1, channels)``."""
    if mode == "last":
        return window[:, -1:, :], ops.ones_like(window[:, -1:, :])
    if mode == "revin":
        center = ops.mean(window, axis=1, keepdims=True)
        scale = ops.sqrt(ops.var(window, axis=1, keepdims=True) + 1e-5)
        return center, scale
    return ops.zeros_like(window[:, -1:, :]), ops.ones_like(window[:, -1:, :])


@keras.saving.register_keras_serializable(package="autonas")
class WindowDenormalization(keras.layers.Layer):
    """Undo `WindowNormalization` on a forecast: ``forecast * scale + center`` of the target channels.

    Args:
        mode: the `WindowNormalization` mode.
        channels: indices of the window's channels that the forecast's columns are.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on ``[forecast (batch, horizon, targets), window (batch, steps, channels)]``)
        the forecast on the window's scale.

    Example:
        >>> WindowDenormalization("last", [1])([forecast, window])  # doctest: +SKIP
    """

    def __init__(self, mode="last", channels=(0,), **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"`mode` must be one of {MODES}; received {mode!r}.")
        self.mode = mode
        self.channels = [int(c) for c in channels]

    def call(self, inputs):
        forecast, window = inputs
        center, scale = window_statistics(window, self.mode)
        center = ops.take(center, self.channels, axis=2)
        scale = ops.take(scale, self.channels, axis=2)
        return forecast * scale + center

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update(mode=self.mode, channels=self.channels)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class SelectChannels(keras.layers.Layer):
    """Keep some channels (last axis) of a tensor, in the given order.

    Args:
        channels: indices to keep.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called) the tensor's selected channels.

    Example:
        >>> SelectChannels([2, 0])(np.zeros((1, 5, 3), "float32")).shape  # doctest: +SKIP
        (1, 5, 2)
    """

    def __init__(self, channels=(0,), **kwargs):
        super().__init__(**kwargs)
        self.channels = [int(c) for c in channels]

    def call(self, inputs):
        return ops.take(inputs, self.channels, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (len(self.channels),)

    def get_config(self):
        config = super().get_config()
        config.update(channels=self.channels)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class MovingAverage(keras.layers.Layer):
    """The trend of a series: a centred moving average over time, the ends padded by repetition (DLinear).

    Args:
        kernel_size: the averaging window (odd; DLinear uses 25).
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on ``(batch, steps, channels)``) the trend, same shape.

    Example:
        >>> MovingAverage(3)(np.arange(5.0, dtype="float32").reshape(1, 5, 1))  # doctest: +SKIP
    """

    def __init__(self, kernel_size=25, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = int(kernel_size)

    def call(self, inputs):
        half = (self.kernel_size - 1) // 2
        front = ops.repeat(inputs[:, :1, :], half, axis=1)
        back = ops.repeat(inputs[:, -1:, :], self.kernel_size - 1 - half, axis=1)
        padded = ops.concatenate([front, inputs, back], axis=1)
        return ops.average_pool(padded, self.kernel_size, strides=1, padding="valid")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(kernel_size=self.kernel_size)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class Patches(keras.layers.Layer):
    """Cut each channel's history into non-overlapping patches, channels folded into the batch (PatchTST).

    Args:
        patch_length: steps per patch; the window's steps must be a multiple of it.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on ``(batch, steps, channels)``) ``(batch * channels, steps // patch_length,
        patch_length)``: every channel is one sequence of patches (channel independence).

    Example:
        >>> Patches(4)(np.zeros((2, 16, 3), "float32")).shape  # doctest: +SKIP
        (6, 4, 4)
    """

    def __init__(self, patch_length=16, **kwargs):
        super().__init__(**kwargs)
        self.patch_length = int(patch_length)

    def call(self, inputs):
        steps = inputs.shape[1] if inputs.shape[1] is not None else ops.shape(inputs)[1]
        x = ops.transpose(inputs, (0, 2, 1))
        return ops.reshape(x, (-1, steps // self.patch_length, self.patch_length))

    def compute_output_shape(self, input_shape):
        batch, steps, channels = input_shape
        return (None if batch is None else batch * channels, steps // self.patch_length, self.patch_length)

    def get_config(self):
        config = super().get_config()
        config.update(patch_length=self.patch_length)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class UnfoldChannels(keras.layers.Layer):
    """Undo `Patches`' folding: ``(batch * channels, horizon)`` back to ``(batch, horizon, channels)``.

    Args:
        channels: number of channels folded into the batch.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called) a ``(batch, horizon, channels)`` tensor.

    Example:
        >>> UnfoldChannels(3)(np.zeros((6, 5), "float32")).shape  # doctest: +SKIP
        (2, 5, 3)
    """

    def __init__(self, channels=1, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)

    def call(self, inputs):
        x = ops.reshape(inputs, (-1, self.channels, inputs.shape[-1]))
        return ops.transpose(x, (0, 2, 1))

    def compute_output_shape(self, input_shape):
        return (None, input_shape[-1], self.channels)

    def get_config(self):
        config = super().get_config()
        config.update(channels=self.channels)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class GivenMap(keras.layers.Dense):
    """A dense map whose weights are given, never learnt: a closed-form solution (`autonas.data.linear_fit`).

    It does not train. A model built for a trial and then loaded from another
    trial's checkpoint (`autonas.trials.checkpoints.load_checkpoint`: a final
    model taken from its search checkpoint when no time was left to refit)
    takes back the weights it was given at build (`restore_given_weights`),
    i.e. the solution refitted on training and validation windows rather than
    the search's solution on the training windows.

    Args:
        units: output size.
        **kwargs: `keras.layers.Dense` arguments (``trainable`` is always False).

    Returns:
        (when called) a `Dense` output.

    Example:
        >>> layer = GivenMap(4)  # doctest: +SKIP
        >>> y = layer(x); layer.give(kernel, bias)  # doctest: +SKIP
    """

    def __init__(self, units, **kwargs):
        kwargs["trainable"] = False
        super().__init__(units, **kwargs)
        self.given_weights = None

    def give(self, kernel, bias):
        """Set (and remember) the map's kernel ``(inputs, units)`` and bias ``(units,)``."""
        self.given_weights = {"kernel": kernel, "bias": bias}
        self.restore_given_weights()

    def restore_given_weights(self):
        """Set the weights given at build again (after a checkpoint overwrote them); nothing when none were given."""
        if self.given_weights is not None:
            self.set_weights([self.given_weights["kernel"], self.given_weights["bias"]])
