"""One input node's data: converted, validated and ready for the model."""

import numpy as np

from autonas.data.columns import infer_columns, to_frame, to_records
from autonas.data.text import to_text_array


def to_array(x, arg_name):
    """Convert one array-like (numpy, pandas, list) into a numpy array.

    Args:
        x: the user's data.
        arg_name: the argument name for error messages.

    Returns:
        A numpy array (strings become an object array).

    Example:
        >>> to_array([[1, 2], [3, 4]], "x").shape
        (2, 2)
    """
    if x is None:
        raise ValueError(f"`{arg_name}` is None; expected an array of examples.")
    try:
        import pandas as pd

        if isinstance(x, (pd.DataFrame, pd.Series)):
            x = x.to_numpy()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(x, (str, bytes)):
        raise TypeError(f"`{arg_name}` must be array-like; received a single {type(x).__name__} {x[:50]!r}.")
    if not hasattr(x, "__len__") and not hasattr(x, "shape"):
        raise TypeError(f"`{arg_name}` must be array-like (numpy, pandas, list); received {type(x).__name__}.")
    arr = np.asarray(x)
    if arr.dtype.kind == "U":
        arr = arr.astype(object)
    if arr.ndim == 0:
        raise ValueError(f"`{arg_name}` must hold one example per row; received a scalar.")
    return arr


def prepare_input(x, node, fit=False, arg_name="x"):
    """Convert and validate the data of one input node.

    - `StructuredDataInput`: a DataFrame, dict of columns, record array or 2-D
      array becomes a numpy record array with one field per column (see
      `autonas.data.columns.to_records`). With ``fit=True`` (or when the node
      has never seen data) the column types are inferred first and stored on
      the node (`node.set_columns`); later calls match columns by name and
      name every missing one.
    - `TextInput`: strings become a 1-D object array of `str`.
    - other inputs (images, numbers): a numeric numpy array, checked by the
      node (e.g. image rank), as float32.

    Args:
        x: the data of this input, in memory (see `autonas.data.load_data`).
        node: the input node.
        fit: whether this is training data (structured: infer the columns).
        arg_name: the argument name for error messages.

    Returns:
        The converted data; feed it to the model with `node.keras_data(...)`.

    Raises:
        ValueError, TypeError: bad input, naming `arg_name`.

    Example:
        >>> records = prepare_input(frame, structured_input, fit=True)  # doctest: +SKIP
    """
    kind = getattr(node, "kind", None)
    if kind == "structured":
        frame = to_frame(x, node.column_names, arg_name)
        if len(frame) == 0:
            raise ValueError(f"`{arg_name}` is empty; expected at least one example.")
        if fit or node.columns is None:
            node.set_columns(infer_columns(frame, node.column_types, arg_name))
        data = to_records(frame, node.columns, arg_name)
    elif kind == "text":
        data = to_text_array(x, arg_name)
        node.check_data(data, arg_name)
    else:
        return _prepare_numeric(x, node, arg_name)
    if len(data) == 0:
        raise ValueError(f"`{arg_name}` is empty; expected at least one example.")
    return data


def _prepare_numeric(x, node, arg_name):
    """Images and numbers: a numpy array checked by the node (and against the fitted shape), as float32."""
    arr = to_array(x, arg_name)
    if len(arr) == 0:
        raise ValueError(f"`{arg_name}` is empty; expected at least one example.")
    node.check_data(arr, arg_name)
    if node.shape is not None and arr.dtype.kind in "biuf" and tuple(arr.shape[1:]) != tuple(node.shape):
        raise ValueError(
            f"`{arg_name}` has examples of shape {tuple(arr.shape[1:])}, but the model was fitted on "
            f"shape {tuple(node.shape)}."
        )
    if arr.dtype.kind in "biuf":
        arr = arr.astype("float32", copy=False)
    return arr
