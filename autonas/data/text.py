"""Text data: any sequence of strings to a 1-D object array of `str`."""

import logging

import numpy as np

from autonas.reporting.decisions import decision

logger = logging.getLogger("autonas")


def to_text_array(x, arg_name="x"):
    """Convert texts to a 1-D numpy object array of `str`.

    Accepts a list or tuple of strings, a 1-D array (str, bytes or object), an
    (N, 1) array, a pandas Series or a one-column DataFrame. Bytes are decoded
    as UTF-8; missing values (None, NaN) become ``""``.

    Args:
        x: the texts.
        arg_name: the argument name for error messages.

    Returns:
        A 1-D numpy array of dtype object holding `str`.

    Raises:
        TypeError: a value is neither a string nor missing.
        ValueError: the shape is not one text per example.

    Example:
        >>> to_text_array(["a", b"b", None]).tolist()
        ['a', 'b', '']
    """
    import pandas as pd

    if isinstance(x, (str, bytes)):
        raise TypeError(
            f"`{arg_name}` must be a sequence of texts (one per example); received a single string {x[:50]!r}."
        )
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise ValueError(
                f"`{arg_name}` for text must have one column of strings; received a DataFrame with columns "
                f"{list(x.columns)}."
            )
        x = x.iloc[:, 0]
    if isinstance(x, pd.Series):
        x = x.to_numpy()
    arr = np.asarray(x, dtype=object) if isinstance(x, (list, tuple)) else np.asarray(x)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"`{arg_name}` for text must be a 1-D sequence of strings (one per example); received shape {arr.shape}."
        )
    missing = np.asarray(pd.isna(arr), dtype=bool)
    out = np.empty(len(arr), dtype=object)
    for i, (value, absent) in enumerate(zip(arr, missing)):
        if absent:
            out[i] = ""
        elif isinstance(value, bytes):
            out[i] = value.decode("utf-8", errors="replace")
        elif isinstance(value, str):
            out[i] = str(value)
        else:
            raise TypeError(
                f"`{arg_name}` for text must hold strings; element {i} is {type(value).__name__} {value!r}."
            )
    if missing.any():
        decision("%s: %d missing text(s) replaced by empty strings.", arg_name, int(missing.sum()))
    return out
