"""Input nodes of a search graph.

A node is a placeholder for a tensor. Input nodes are where data enters the
graph; every block call produces a new (anonymous) node. Input nodes learn their
shape from the training data when `AutoModel.fit` analyses it, so a user never
has to give one. Nodes hold no training data: what preprocessing learns from it
comes from the fit's input profile (`autonas.data.profile`).
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

    def infer_shape(self, x):
        """Set the shape of one example from training data (`AutoModel.fit` calls it).

        Args:
            x: numpy array of training examples for this input, as prepared by the data layer.
        """
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

    def keras_data(self, x):
        """The value(s) to feed the Keras input(s) of `build_node` for data `x`.

        Args:
            x: this input's data, as prepared by the data layer.

        Returns:
            An array, or a dict keyed by Keras input name for inputs with several
            Keras inputs (`StructuredDataInput`).
        """
        return x

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

    The data layer (`autonas.data.prepare_input`) turns lists, pandas Series,
    one-column DataFrames and arrays into a 1-D object array of `str`; the
    model's Keras input is a string tensor of shape (batch,).

    Args:
        name: Keras input name (default ``"text_input"``).

    Example:
        >>> inp = TextInput()
    """

    kind = "text"
    accepted_kinds = "OUS"

    def infer_shape(self, x):
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
    """Tabular data: a DataFrame, a CSV path, a dict of columns or a 2-D array.

    The model takes one Keras input per column, named by column (see
    `autonas.data.columns`): a float32 scalar for numbers (NaN when missing)
    and a string scalar for categories and text (``""`` when missing), so an
    exported model is served with ``{column: values}``. The data layer
    (`autonas.data.prepare_input`) infers the column types at fit and stores
    them in `columns`; the data itself travels as a numpy record array with
    one field per column.

    Args:
        name: name of the input node (default ``"structured_data_input"``).
        shape: ``(number of columns,)``; set from the data.
        column_names: column names; taken from a DataFrame or CSV when omitted,
            ``column_0``, ``column_1``, ... for an unnamed 2-D array.
        column_types: optional dict ``{column: "numerical" | "categorical" | "text"}``
            overriding the inferred types.

    Example:
        >>> inp = StructuredDataInput(column_types={"Pclass": "categorical"})
    """

    kind = "structured"
    accepted_kinds = "biufOUSV"

    def __init__(self, name=None, shape=None, column_names=None, column_types=None):
        super().__init__(name=name, shape=shape)
        self.column_names = list(column_names) if column_names is not None else None
        self.column_types = dict(column_types) if column_types is not None else None
        #: list of `autonas.data.columns.ColumnInfo`, set by the data layer at fit.
        self.columns = None

    def set_columns(self, columns):
        """Record the analysed columns (called by the data layer at fit).

        Args:
            columns: a list of `autonas.data.columns.ColumnInfo`.
        """
        self.columns = list(columns)
        self.shape = (len(self.columns),)

    def infer_shape(self, x):
        """Check the training records (a numpy record array, one field per column); one value per column."""
        self._require_columns()
        self.check_data(x)
        self.shape = (len(self.columns),)

    def check_data(self, x, arg_name="x"):
        self._require_columns()
        names = getattr(getattr(x, "dtype", None), "names", None)
        if not names:
            raise TypeError(
                f"`{arg_name}` for input {self.name!r} must be prepared with autonas.data.prepare_input "
                f"(a record array with one field per column); received {type(x).__name__}."
            )
        missing = [c.name for c in self.columns if c.name not in names]
        if missing:
            raise ValueError(f"`{arg_name}` is missing column(s) {missing} that the model was fitted on.")

    def _require_columns(self):
        if self.columns is None:
            raise ValueError(
                f"Input {self.name!r} has no analysed columns yet: pass the data through "
                "autonas.data.prepare_input(x, node, fit=True) first."
            )

    def build_node(self, hp):
        """One scalar Keras input per column, in a dict keyed by input name."""
        import keras

        self._require_columns()
        return {c.input_name: keras.Input(shape=(), name=c.input_name, dtype=c.dtype) for c in self.columns}

    def keras_data(self, x):
        """``{input name: 1-D column array}`` for a record array `x`."""
        self._require_columns()
        return {
            c.input_name: x[c.name].astype("float32") if c.dtype == "float32" else x[c.name].astype(object)
            for c in self.columns
        }

    def get_config(self):
        config = super().get_config()
        config.update(column_names=self.column_names, column_types=self.column_types)
        return config


class TimeSeriesInput(Input):
    """A window of a time series: the last rows of history, raw values, one column per channel.

    The model's Keras input is ``(batch, window, channels)`` float32, the
    raw values of the last `window` rows (the longest searched look-back; a
    candidate with a shorter look-back reads the last rows of it). Inside the
    model every channel is standardised with the mean and standard
    deviation of the training rows, so an exported model takes raw values.
    `TimeSeriesForecaster` sets the window and the training rows at fit.

    Args:
        name: Keras input name (default ``"time_series_input"``).
        window: history rows per example; set by the task when None.
        column_names: the channel names (set from the data at fit).

    Example:
        >>> inp = TimeSeriesInput(window=96)
    """

    kind = "series"

    def __init__(self, name=None, shape=None, window=None, column_names=None):
        super().__init__(name=name, shape=shape)
        self.window = window
        self.column_names = list(column_names) if column_names is not None else None
        self.mean = None
        self.std = None

    def infer_shape(self, x):
        """Learn from the training rows ``(rows, channels)`` their per-channel mean and std, and the input shape."""
        x = np.asarray(x, dtype="float64")
        if x.ndim != 2:
            raise ValueError(f"Training rows of a time series must be 2-D (rows, channels); received {x.shape}.")
        if self.window is None:
            raise ValueError(f"Input {self.name!r} has no window length: set `window` before fitting.")
        std = x.std(axis=0)
        self.mean = [float(v) for v in x.mean(axis=0)]
        self.std = [float(v) if v > 1e-6 else 1.0 for v in std]
        self.shape = (int(self.window), x.shape[1])

    def check_data(self, x, arg_name="x"):
        super().check_data(x, arg_name)
        if x.ndim != 3:
            raise ValueError(f"`{arg_name}` for a time series input must be windows (N, steps, channels); "
                             f"received shape {x.shape}.")

    def prepare(self, tensor):
        """Standardise every channel with the training rows' statistics, inside the model."""
        import keras

        if self.mean is None:
            return tensor
        return keras.layers.Normalization(axis=-1, mean=self.mean, variance=[s * s for s in self.std],
                                          name=f"{self.name}_standardize")(tensor)

    def get_config(self):
        config = super().get_config()
        config.update(window=self.window, column_names=self.column_names)
        return config
