"""Input nodes of a search graph.

A node is a placeholder for a tensor. Input nodes are where data enters the
graph; every block call produces a new (anonymous) node. Input nodes learn their
shape from the training data when `AutoModel.fit` analyses it, so a user never
has to give one.
"""

import numpy as np

from autonas.utils.naming import to_snake_case


class Node:
    """A tensor placeholder in a search graph.

    Args:
        name: optional name. Input nodes use it as the Keras input name.
        shape: optional shape of one example (without the batch axis).

    Example:
        >>> node = Node(shape=(8,))
    """

    kind = "tensor"

    def __init__(self, name=None, shape=None):
        self.name = name
        self.shape = tuple(shape) if shape is not None else None
        self.in_blocks = []
        self.out_blocks = []

    def get_config(self):
        """Returns the JSON-serialisable configuration of the node."""
        return {"name": self.name, "shape": list(self.shape) if self.shape else None}

    @classmethod
    def from_config(cls, config):
        """Creates a node from `get_config()` output."""
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, shape={self.shape})"


class Input(Node):
    """A generic numeric input (any rank).

    Args:
        name: Keras input name; defaults to the snake-case class name.
        shape: shape of one example; inferred from data when omitted.

    Example:
        >>> inp = Input(shape=(16,))
    """

    kind = "tensor"
    #: numpy dtype kinds this input accepts ("b" bool, "i"/"u" ints, "f" floats)
    accepted_kinds = "biuf"

    def __init__(self, name=None, shape=None):
        super().__init__(name=name or to_snake_case(type(self).__name__), shape=shape)
        self.data = None  # training examples for this input, set by AutoModel

    def set_data(self, x):
        """Attach the training split (used to adapt preprocessing) and infer shape.

        Args:
            x: numpy array of training examples for this input.
        """
        self.data = x
        self.shape = tuple(x.shape[1:])

    def check_data(self, x, arg_name="x"):
        """Validates one input's data; raises ValueError/TypeError naming `arg_name`."""
        if x.dtype.kind not in self.accepted_kinds:
            raise TypeError(
                f"`{arg_name}` for input {self.name!r} must be numeric; received dtype {x.dtype}."
            )
        if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
            bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
            raise ValueError(
                f"`{arg_name}` for input {self.name!r} contains {bad} NaN or infinite "
                "value(s); remove or impute them first."
            )

    def build_node(self, hp):
        """Returns the Keras tensor(s) that stand for this input in a model."""
        import keras

        if self.shape is None:
            raise ValueError(f"Input {self.name!r} has no shape: fit the model on data first.")
        return keras.Input(shape=self.shape, name=self.name, dtype="float32")

    def prepare(self, tensor):
        """Turns the raw Keras input into the tensor that blocks receive."""
        return tensor

    def get_config(self):
        return {"name": self.name, "shape": list(self.shape) if self.shape else None}


class ImageInput(Input):
    """Images: arrays of shape (N, H, W) or (N, H, W, C), any numeric dtype.

    Grey images given as (N, H, W) keep that shape as the model's raw input; a
    channel axis is added inside the model, so an exported model takes exactly
    what the user fitted on.

    Args:
        name: Keras input name (default ``"image_input"``).
        shape: (H, W) or (H, W, C); inferred from data when omitted.

    Example:
        >>> inp = ImageInput()
    """

    kind = "image"

    def check_data(self, x, arg_name="x"):
        if x.ndim not in (3, 4):
            raise ValueError(
                f"`{arg_name}` for images must have shape (N, H, W) or (N, H, W, C); "
                f"received an array of rank {x.ndim} with shape {x.shape}."
            )
        super().check_data(x, arg_name)

    def prepare(self, tensor):
        """Adds the channel axis to grey (H, W) images inside the model."""
        import keras

        if len(self.shape) == 2:
            return keras.layers.Reshape(tuple(self.shape) + (1,), name=f"{self.name}_channels")(tensor)
        return tensor


class TextInput(Input):
    """Raw text: one string per example.

    Args:
        name: Keras input name (default ``"text_input"``).

    Example:
        >>> inp = TextInput()
    """

    kind = "text"
    accepted_kinds = "OUS"

    def set_data(self, x):
        self.data = x
        self.shape = ()

    def check_data(self, x, arg_name="x"):
        if x.ndim != 1 or not all(isinstance(v, str) for v in x[: min(len(x), 1000)]):
            raise TypeError(
                f"`{arg_name}` for text must be a 1-D sequence of strings; received "
                f"dtype {x.dtype} with shape {x.shape}."
            )

    def build_node(self, hp):
        import keras

        return keras.Input(shape=(), name=self.name, dtype="string")


class StructuredDataInput(Input):
    """Tabular data: a DataFrame, a CSV path or a 2-D array of columns.

    Args:
        name: Keras input name (default ``"structured_data_input"``).
        column_names: column names; taken from a DataFrame or CSV when omitted.
        column_types: optional dict ``{column: "numerical" | "categorical"}``
            overriding the inferred types.

    Example:
        >>> inp = StructuredDataInput(column_types={"Pclass": "categorical"})
    """

    kind = "structured"
    accepted_kinds = "biufOUS"

    def __init__(self, name=None, shape=None, column_names=None, column_types=None):
        super().__init__(name=name, shape=shape)
        self.column_names = list(column_names) if column_names is not None else None
        self.column_types = dict(column_types) if column_types is not None else None

    def get_config(self):
        config = super().get_config()
        config.update(column_names=self.column_names, column_types=self.column_types)
        return config
