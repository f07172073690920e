"""The candidate operations of a DARTS edge, as small Keras layers.

Every operation keeps the number of channels (``channels`` in, ``channels``
out) and either keeps the spatial size (``strides=1``) or halves it
(``strides=2``, rounding up, the same for every operation so their outputs can
be summed). They are written with Keras layers and `keras.ops` only, so they
run on every Keras backend.

The default candidate set is the one of the DARTS paper (arXiv 1806.09055):

==================  =====================================================
``none``            the zero operation (no connection)
``skip_connect``    identity; a factorized reduction when ``strides=2``
``sep_conv_3x3``    two stacked ReLU-depthwise-pointwise-BN blocks
``sep_conv_5x5``    idem with 5x5 kernels
``dil_conv_3x3``    ReLU, dilated (rate 2) depthwise and pointwise conv, BN
``dil_conv_5x5``    idem with 5x5 kernels
``max_pool_3x3``    3x3 max pooling
``avg_pool_3x3``    3x3 average pooling (padding excluded from the mean)
==================  =====================================================
"""

import keras
from keras import ops

from autonas.darts.candidates import DEFAULT_CANDIDATES, OPERATIONS, check_candidates  # noqa: F401 (public here)

_BN_MOMENTUM = 0.9  # PyTorch momentum 0.1
_BN_EPSILON = 1e-5


def _batch_norm(affine, name=None):
    return keras.layers.BatchNormalization(
        momentum=_BN_MOMENTUM, epsilon=_BN_EPSILON, center=affine, scale=affine, name=name
    )


def _build_chain(layers, input_shape):
    """Build layers applied one after the other; returns the final shape."""
    shape = tuple(input_shape)
    for layer in layers:
        layer.build(shape)
        shape = tuple(layer.compute_output_shape(shape))
    return shape


def _reduced_shape(input_shape, strides, channels):
    batch, height, width = input_shape[:3]
    if strides == 2:
        height = None if height is None else (height + 1) // 2
        width = None if width is None else (width + 1) // 2
    return (batch, height, width, channels)


def _check_common(channels, strides):
    if not isinstance(channels, int) or isinstance(channels, bool) or channels < 1:
        raise ValueError(f"`channels` must be a positive integer; received {channels!r}.")
    if strides not in (1, 2):
        raise ValueError(f"`strides` must be 1 or 2; received {strides!r}.")


class _Op(keras.layers.Layer):
    """Shared constructor and config of the candidate operations."""

    def __init__(self, channels, strides=1, affine=True, **kwargs):
        super().__init__(**kwargs)
        _check_common(channels, strides)
        self.channels = channels
        self.strides = strides
        self.affine = bool(affine)

    def get_config(self):
        config = super().get_config()
        config.update(channels=self.channels, strides=self.strides, affine=self.affine)
        return config

    def build(self, input_shape):
        # Sublayers are built explicitly from shapes: no symbolic trace needed.
        self.build_sublayers(tuple(input_shape))
        self.built = True

    def build_sublayers(self, input_shape):
        pass

    def compute_output_shape(self, input_shape):
        return _reduced_shape(input_shape, self.strides, self.channels)


@keras.saving.register_keras_serializable(package="autonas")
class Zero(_Op):
    """The ``none`` operation: zeros of the output shape.

    Args:
        channels: number of channels (input and output).
        strides: 1 keeps the spatial size, 2 halves it.
        affine: unused; accepted for a uniform signature.

    Returns:
        A layer mapping ``x`` to zeros shaped like the operation's output.

    Example:
        >>> y = Zero(8, strides=2)(keras.ops.ones((1, 4, 4, 8)))  # shape (1, 2, 2, 8)
    """

    def call(self, inputs):
        if self.strides == 1:
            return ops.zeros_like(inputs)
        return ops.zeros_like(inputs[:, :: self.strides, :: self.strides, :])


@keras.saving.register_keras_serializable(package="autonas")
class Identity(_Op):
    """The ``skip_connect`` operation with ``strides=1``.

    Args:
        channels: number of channels (input and output).
        strides: must be 1 (use `FactorizedReduce` to halve the size).
        affine: unused.

    Returns:
        A layer returning its input.

    Example:
        >>> y = Identity(8)(keras.ops.ones((1, 4, 4, 8)))
    """

    def __init__(self, channels, strides=1, affine=True, **kwargs):
        if strides != 1:
            raise ValueError(f"`strides` of Identity must be 1; received {strides!r}.")
        super().__init__(channels, strides, affine, **kwargs)

    def call(self, inputs):
        return inputs


@keras.saving.register_keras_serializable(package="autonas")
class ReLUConvBN(_Op):
    """ReLU, a ``kernel_size`` convolution without bias, batch norm.

    Used to preprocess cell inputs (1x1) and for the stem of a network.

    Args:
        channels: number of output channels.
        strides: 1 or 2.
        affine: learn the batch-norm scale and offset.
        kernel_size: convolution kernel size.

    Returns:
        A layer.

    Example:
        >>> y = ReLUConvBN(16)(keras.ops.ones((1, 8, 8, 3)))  # shape (1, 8, 8, 16)
    """

    def __init__(self, channels, strides=1, affine=True, kernel_size=1, **kwargs):
        super().__init__(channels, strides, affine, **kwargs)
        self.kernel_size = kernel_size
        self.conv = keras.layers.Conv2D(channels, kernel_size, strides=strides, padding="same", use_bias=False)
        self.bn = _batch_norm(self.affine)

    def call(self, inputs, training=None):
        return self.bn(self.conv(ops.relu(inputs)), training=training)

    def build_sublayers(self, input_shape):
        _build_chain([self.conv, self.bn], input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(kernel_size=self.kernel_size)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class DilConv(_Op):
    """ReLU, dilated depthwise conv, pointwise conv, batch norm.

    Args:
        channels: number of channels (input and output).
        strides: 1 or 2.
        affine: learn the batch-norm scale and offset.
        kernel_size: depthwise kernel size (3 or 5 in the DARTS set).
        dilation_rate: dilation of the depthwise kernel.

    Returns:
        A layer.

    Example:
        >>> y = DilConv(8, kernel_size=3)(keras.ops.ones((1, 8, 8, 8)))
    """

    def __init__(self, channels, strides=1, affine=True, kernel_size=3, dilation_rate=2, **kwargs):
        super().__init__(channels, strides, affine, **kwargs)
        self.kernel_size = kernel_size
        self.dilation_rate = dilation_rate
        self.depthwise = keras.layers.DepthwiseConv2D(
            kernel_size, strides=strides, padding="same", dilation_rate=dilation_rate, use_bias=False
        )
        self.pointwise = keras.layers.Conv2D(channels, 1, use_bias=False)
        self.bn = _batch_norm(self.affine)

    def call(self, inputs, training=None):
        return self.bn(self.pointwise(self.depthwise(ops.relu(inputs))), training=training)

    def build_sublayers(self, input_shape):
        _build_chain([self.depthwise, self.pointwise, self.bn], input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(kernel_size=self.kernel_size, dilation_rate=self.dilation_rate)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class SepConv(_Op):
    """Two stacked (ReLU, depthwise conv, pointwise conv, batch norm) blocks.

    Only the first depthwise convolution carries the stride, as in DARTS.

    Args:
        channels: number of channels (input and output).
        strides: 1 or 2.
        affine: learn the batch-norm scale and offset.
        kernel_size: depthwise kernel size (3 or 5 in the DARTS set).

    Returns:
        A layer.

    Example:
        >>> y = SepConv(8, kernel_size=5)(keras.ops.ones((1, 8, 8, 8)))
    """

    def __init__(self, channels, strides=1, affine=True, kernel_size=3, **kwargs):
        super().__init__(channels, strides, affine, **kwargs)
        self.kernel_size = kernel_size
        self.depthwise1 = keras.layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same", use_bias=False)
        self.pointwise1 = keras.layers.Conv2D(channels, 1, use_bias=False)
        self.bn1 = _batch_norm(self.affine)
        self.depthwise2 = keras.layers.DepthwiseConv2D(kernel_size, padding="same", use_bias=False)
        self.pointwise2 = keras.layers.Conv2D(channels, 1, use_bias=False)
        self.bn2 = _batch_norm(self.affine)

    def call(self, inputs, training=None):
        x = self.bn1(self.pointwise1(self.depthwise1(ops.relu(inputs))), training=training)
        return self.bn2(self.pointwise2(self.depthwise2(ops.relu(x))), training=training)

    def build_sublayers(self, input_shape):
        _build_chain([self.depthwise1, self.pointwise1, self.bn1, self.depthwise2, self.pointwise2, self.bn2],
                     input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(kernel_size=self.kernel_size)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class FactorizedReduce(_Op):
    """Halves the spatial size with two offset 1x1 convolutions, concatenated.

    The second convolution sees the input shifted by one pixel, so together
    they cover every pixel. Odd sizes are padded so both halves agree
    (``ceil(H / 2)``).

    Args:
        channels: number of output channels (even).
        strides: must be 2.
        affine: learn the batch-norm scale and offset.

    Returns:
        A layer.

    Example:
        >>> y = FactorizedReduce(16)(keras.ops.ones((1, 8, 8, 8)))  # shape (1, 4, 4, 16)
    """

    def __init__(self, channels, strides=2, affine=True, **kwargs):
        if strides != 2:
            raise ValueError(f"`strides` of FactorizedReduce must be 2; received {strides!r}.")
        if not isinstance(channels, int) or channels < 2 or channels % 2:
            raise ValueError(f"`channels` of FactorizedReduce must be an even integer >= 2; received {channels!r}.")
        super().__init__(channels, strides, affine, **kwargs)
        self.conv1 = keras.layers.Conv2D(channels // 2, 1, strides=2, use_bias=False)
        self.conv2 = keras.layers.Conv2D(channels // 2, 1, strides=2, use_bias=False)
        self.bn = _batch_norm(self.affine)

    def call(self, inputs, training=None):
        x = ops.relu(inputs)
        shifted = ops.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]])[:, 1:, 1:, :]
        return self.bn(ops.concatenate([self.conv1(x), self.conv2(shifted)], axis=-1), training=training)

    def build_sublayers(self, input_shape):
        self.conv1.build(input_shape)
        self.conv2.build(input_shape)
        self.bn.build(_reduced_shape(input_shape, 2, self.channels))


@keras.saving.register_keras_serializable(package="autonas")
class Pool(_Op):
    """3x3 max or average pooling (``same`` padding), optionally followed by BN.

    DARTS puts a non-affine batch norm after pooling during the search so that
    pooling outputs are on the scale of the other operations.

    Args:
        channels: number of channels (input and output).
        strides: 1 or 2.
        affine: affinity of the batch norm, when there is one.
        pool_type: ``"max"`` or ``"avg"``.
        pool_size: window size.
        batch_norm: add a batch norm after pooling.

    Returns:
        A layer.

    Example:
        >>> y = Pool(8, pool_type="avg")(keras.ops.ones((1, 8, 8, 8)))
    """

    def __init__(self, channels, strides=1, affine=True, pool_type="max", pool_size=3, batch_norm=False, **kwargs):
        super().__init__(channels, strides, affine, **kwargs)
        if pool_type not in ("max", "avg"):
            raise ValueError(f"`pool_type` must be 'max' or 'avg'; received {pool_type!r}.")
        self.pool_type = pool_type
        self.pool_size = pool_size
        self.batch_norm = bool(batch_norm)
        self.bn = _batch_norm(self.affine) if self.batch_norm else None

    def call(self, inputs, training=None):
        pool = ops.max_pool if self.pool_type == "max" else ops.average_pool
        x = pool(inputs, self.pool_size, strides=self.strides, padding="same")
        return self.bn(x, training=training) if self.bn is not None else x

    def build_sublayers(self, input_shape):
        if self.bn is not None:
            self.bn.build(_reduced_shape(input_shape, self.strides, self.channels))

    def get_config(self):
        config = super().get_config()
        config.update(pool_type=self.pool_type, pool_size=self.pool_size, batch_norm=self.batch_norm)
        return config


def _make(name, channels, strides, affine, search):
    if name == "none":
        return Zero(channels, strides, affine)
    if name == "skip_connect":
        return Identity(channels) if strides == 1 else FactorizedReduce(channels, strides, affine)
    if name in ("max_pool_3x3", "avg_pool_3x3"):
        return Pool(channels, strides, affine, pool_type=name[:3], batch_norm=search)
    if name in ("sep_conv_3x3", "sep_conv_5x5"):
        return SepConv(channels, strides, affine, kernel_size=int(name[-1]))
    if name in ("dil_conv_3x3", "dil_conv_5x5"):
        return DilConv(channels, strides, affine, kernel_size=int(name[-1]))
    if name == "conv_1x1":
        return ReLUConvBN(channels, strides, affine, kernel_size=1)
    if name == "conv_3x3":
        return ReLUConvBN(channels, strides, affine, kernel_size=3)
    raise ValueError(f"Unknown DARTS operation {name!r}; known: {sorted(OPERATIONS)}.")


def make_op(name, channels, strides=1, affine=True, search=False):
    """Create the layer of one candidate operation.

    Args:
        name: an operation name from `OPERATIONS` (e.g. ``"sep_conv_3x3"``).
        channels: number of channels (input and output).
        strides: 1 keeps the spatial size, 2 halves it.
        affine: learn batch-norm scale and offset (False during the search).
        search: True inside a mixed op (adds batch norm after pooling).

    Returns:
        A Keras layer.

    Example:
        >>> op = make_op("dil_conv_5x5", 16, strides=2, affine=False)
    """
    _check_common(channels, strides)
    return _make(name, channels, strides, affine, search)
