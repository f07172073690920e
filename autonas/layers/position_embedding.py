"""`PositionEmbedding`: learned position embeddings added to a sequence."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="autonas")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned embedding of each position to a (batch, steps, features) tensor.

    Args:
        max_length: the longest sequence the layer accepts; defaults to the
            number of steps of the first input it is built on.
        initializer: initializer of the position table.
        **kwargs: base `keras.layers.Layer` arguments (``name``, ``dtype``).

    Returns:
        (when called) a tensor of the input's shape: ``inputs + table[:steps]``.

    Example:
        >>> x = keras.ops.zeros((2, 5, 8))
        >>> tuple(PositionEmbedding()(x).shape)
        (2, 5, 8)
    """

    def __init__(self, max_length=None, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
            raise ValueError(f"`max_length` must be a positive integer or None; received {max_length!r}.")
        self.max_length = max_length
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"PositionEmbedding expects inputs of shape (batch, steps, features); received {input_shape}."
            )
        length = self.max_length or input_shape[1]
        if length is None:
            raise ValueError("PositionEmbedding needs `max_length` when the number of steps is unknown.")
        self.max_length = int(length)
        self.table = self.add_weight(
            name="table", shape=(self.max_length, input_shape[-1]), initializer=self.initializer
        )

    def call(self, inputs):
        steps = ops.shape(inputs)[1]
        table = ops.convert_to_tensor(self.table)
        positions = ops.slice(table, (0, 0), (steps, ops.shape(table)[1]))
        return inputs + ops.cast(ops.expand_dims(positions, 0), inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(max_length=self.max_length, initializer=keras.initializers.serialize(self.initializer))
        return config
