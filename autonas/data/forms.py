"""Every accepted input form to in-memory data: paths, folders, tf.data, pandas, numpy."""

import os

from autonas.data.csv_files import read_csv, split_target
from autonas.data.folders import folder_kind, load_image_folder, load_text_folder
from autonas.data.tf_dataset import dataset_to_arrays


def load_data(x, y=None, kind=None, arg_name="x", target_arg_name="y"):
    """Turn any accepted form of ``(x, y)`` into in-memory data, once.

    Forms of `x`:

    - a path to a CSV file (structured data); `y` may then be the name of the
      target column;
    - a path to a folder with one subfolder per class holding images or
      ``.txt`` files (labels come from the subfolder names; `y` must be None);
    - a `tf.data.Dataset`, batched or not, yielding ``x`` or ``(x, y)``;
    - a pandas DataFrame (`y` may be a column name), Series, numpy array,
      list, or a dict / list of those for several inputs: returned as is.

    Args:
        x: the inputs in any form above.
        y: the targets (array-like), a target column name, or None.
        kind: the kind of the input node (``"image"``, ``"text"``,
            ``"structured"``...) when there is one, used to read a folder; the
            folder's file extensions decide otherwise.
        arg_name: name of the `x` argument, for error messages.
        target_arg_name: name of the `y` argument, for error messages.

    Returns:
        ``(x, y)``: `x` as numpy arrays / a DataFrame (or a dict / tuple of
        them); `y` as an array or None.

    Raises:
        ValueError: a path that does not exist, a target column that is not
            there, targets given twice, or an empty dataset.

    Example:
        >>> x, y = load_data("train.csv", "Survived")  # doctest: +SKIP
    """
    import pandas as pd

    if isinstance(x, (str, os.PathLike)):
        path = os.fspath(x)
        if os.path.isdir(path):
            if y is not None:
                raise ValueError(
                    f"`{target_arg_name}` must be None when `{arg_name}` is a folder: the labels are the "
                    f"subfolder names; received {type(y).__name__}."
                )
            folder = kind if kind in ("image", "text") else folder_kind(path)
            if folder == "text":
                return load_text_folder(path, arg_name)
            if folder == "image":
                return load_image_folder(path, arg_name=arg_name)
            raise ValueError(
                f"`{arg_name}` ({path!r}) is a folder without images or .txt files; expected one subfolder per "
                "class holding images or texts."
            )
        if not os.path.exists(path):
            raise ValueError(f"`{arg_name}` is the path {path!r}, but no such file or folder exists.")
        if isinstance(y, str):
            return read_csv(path, target=y, arg_name=arg_name, target_arg_name=target_arg_name)
        frame, _ = read_csv(path, arg_name=arg_name)
        return frame, y
    if is_dataset(x):
        xs, ys = dataset_to_arrays(x, arg_name)
        if ys is not None and y is not None:
            raise ValueError(
                f"`{arg_name}` is a tf.data.Dataset that yields targets, so `{target_arg_name}` must be None; "
                f"received {type(y).__name__}."
            )
        return xs, ys if ys is not None else y
    if isinstance(y, str):
        if not isinstance(x, pd.DataFrame):
            raise ValueError(
                f"`{target_arg_name}` is the column name {y!r}, which needs `{arg_name}` to be a DataFrame or a "
                f"CSV path; received {type(x).__name__}."
            )
        return split_target(x, y, arg_name, target_arg_name)
    return x, y


def is_dataset(x):
    """Whether `x` is a `tf.data.Dataset` (False when TensorFlow is not installed)."""
    try:
        import tensorflow as tf
    except ImportError:  # pragma: no cover
        return False
    return isinstance(x, tf.data.Dataset)
