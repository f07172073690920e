"""CSV files: structured data and, optionally, its target column."""

import os

import numpy as np


def read_csv(path, target=None, arg_name="x", target_arg_name="y", **read_csv_kwargs):
    """Read a CSV file with a header into a DataFrame, splitting off the target column.

    Args:
        path: path of the CSV file.
        target: optional name of the target column; it is removed from the
            returned features and returned as a numpy array.
        arg_name: name of the path argument, for error messages.
        target_arg_name: name of the target argument, for error messages.
        **read_csv_kwargs: passed to `pandas.read_csv`.

    Returns:
        ``(features, targets)``: a `pandas.DataFrame`, and a numpy array or None.

    Raises:
        ValueError: the file does not exist, is empty, or has no `target` column.

    Example:
        >>> x, y = read_csv("train.csv", target="Survived")  # doctest: +SKIP
    """
    import pandas as pd

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"`{arg_name}` is the path {path!r}, but no such file exists.")
    try:
        frame = pd.read_csv(path, **read_csv_kwargs)
    except pd.errors.EmptyDataError:
        raise ValueError(f"`{arg_name}`: the CSV file {path!r} is empty.") from None
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise ValueError(f"`{arg_name}`: the CSV file {path!r} has a header but no rows.")
    if target is None:
        return frame, None
    return split_target(frame, target, f"{arg_name} ({os.path.basename(path)})", target_arg_name)


def split_target(frame, target, arg_name="x", target_arg_name="y"):
    """Remove the column `target` from `frame` and return it separately.

    Args:
        frame: a `pandas.DataFrame`.
        target: the target column name.
        arg_name: the features argument name, for error messages.
        target_arg_name: the target argument name, for error messages.

    Returns:
        ``(features without the target column, target values as a numpy array)``.

    Raises:
        ValueError: `frame` has no column `target`.

    Example:
        >>> import pandas as pd
        >>> split_target(pd.DataFrame({"a": [1], "t": [0]}), "t")[1].tolist()
        [0]
    """
    if target not in frame.columns:
        raise ValueError(
            f"`{target_arg_name}` names the target column {target!r}, but `{arg_name}` has no such column; "
            f"its columns are {list(frame.columns)}."
        )
    targets = frame[target].to_numpy()
    if targets.dtype.kind == "O":
        targets = np.asarray(targets, dtype=object)
    return frame.drop(columns=[target]), targets
