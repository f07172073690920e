"""Compute cost of a Keras model: multiply-adds per example, from its layers' shapes."""

import math

import keras


def count_macs(model):
    """Multiply-adds of one forward pass for one example, summed over the model's layers.

    Counts the layers that dominate compute: convolutions (plain, separable,
    depthwise, transposed), dense layers, recurrent layers and multi-head
    attention; normalisation, pooling, activations and lookups count as zero.
    Nested models are counted through their layers. The figure is an estimate
    for comparing candidates of one search (training costs about three times
    the forward pass), not a profiler.

    Args:
        model: a built `keras.Model` (functional or nested).

    Returns:
        An int, the multiply-adds per example.

    Example:
        >>> inp = keras.Input((8, 8, 1))
        >>> model = keras.Model(inp, keras.layers.Conv2D(4, 3, padding="same")(inp))
        >>> count_macs(model)
        2304
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += count_macs(layer)
        else:
            total += _layer_macs(layer)
    return int(total)


def _shape(tensor):
    shape = getattr(tensor, "shape", None)
    if shape is None:
        return None
    return tuple(1 if d is None else int(d) for d in shape[1:])


def _io_shapes(layer):
    try:
        inputs, outputs = layer.input, layer.output
    except (AttributeError, ValueError):
        return None, None
    return _shape(_first(inputs)), _shape(_first(outputs))


def _first(tensors):
    if isinstance(tensors, dict):
        tensors = list(tensors.values())
    if isinstance(tensors, (list, tuple)):
        return tensors[0] if tensors else None
    return tensors


def _layer_macs(layer):
    layers = keras.layers
    if isinstance(layer, layers.Bidirectional):
        return 2 * _recurrent_macs(layer.forward_layer, *_io_shapes(layer))
    in_shape, out_shape = _io_shapes(layer)
    if in_shape is None or out_shape is None:
        return 0
    if isinstance(layer, (layers.SeparableConv1D, layers.SeparableConv2D)):
        positions = math.prod(out_shape[:-1])
        hidden = in_shape[-1] * layer.depth_multiplier
        return positions * (hidden * math.prod(layer.kernel_size) + hidden * layer.filters)
    if isinstance(layer, (layers.DepthwiseConv1D, layers.DepthwiseConv2D)):
        return math.prod(out_shape[:-1]) * in_shape[-1] * layer.depth_multiplier * math.prod(layer.kernel_size)
    if isinstance(layer, (layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose)):
        return math.prod(in_shape[:-1]) * in_shape[-1] * layer.filters * math.prod(layer.kernel_size)
    if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D)):
        groups = getattr(layer, "groups", 1) or 1
        return math.prod(out_shape[:-1]) * layer.filters * math.prod(layer.kernel_size) * in_shape[-1] // groups
    if isinstance(layer, layers.Dense):
        return math.prod(in_shape) * layer.units
    if isinstance(layer, (layers.LSTM, layers.GRU, layers.SimpleRNN)):
        return _recurrent_macs(layer, in_shape, out_shape)
    if isinstance(layer, layers.MultiHeadAttention):
        steps, width = (in_shape[0], in_shape[-1]) if len(in_shape) >= 2 else (1, in_shape[-1])
        inner = layer.num_heads * layer.key_dim
        projections = steps * width * inner * 3 + steps * inner * width
        return projections + 2 * steps * steps * inner
    return 0


def _recurrent_macs(layer, in_shape, out_shape):
    if in_shape is None or len(in_shape) < 2:
        return 0
    steps, features = in_shape[0], in_shape[-1]
    gates = 4 if isinstance(layer, keras.layers.LSTM) else 3 if isinstance(layer, keras.layers.GRU) else 1
    return steps * gates * (features + layer.units) * layer.units
