"""Reading prediction data for a served model from a file or folder: what ``autonas predict DATA`` reads.

Works from the model's metadata alone (a `autonas.serving.ServedModel`): CSV files, text files and
folders, image folders and ``.npz`` files become ``{signature input name: numpy array}``.

Example:
    >>> feeds, ids = read_data("test.csv", ServedModel("serving/titanic/1"))  # doctest: +SKIP
"""

import logging
import os

import numpy as np

logger = logging.getLogger("autonas")

__all__ = ["IMAGE_EXTENSIONS", "read_data"]

#: file extensions read as images from a folder.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _one_line(message):
    return " ".join(str(message).split())


def read_data(path, model, column=None):
    """Read prediction data for `model` from a file or folder.

    Forms of `path`, by the model's input:

    - structured data: a CSV file with a header holding the columns the model
      was fitted on (extra columns are ignored; empty cells are missing values);
    - text: a CSV file (the column named by `column`, else the only column,
      else a column named like the input or ``text``), a ``.txt`` file (one
      text per line), or a folder of ``.txt`` files (read recursively);
    - images: a folder of image files (read recursively; converted to the
      model's channels and resized to its height and width when they differ);
    - any: an ``.npz`` file with an array ``x`` (one input), or one array per
      signature input name. Strings must be saved as unicode arrays (``np.str_``):
      object arrays are never unpickled.

    Args:
        path: the data file or folder.
        model: a `ServedModel`.
        column: for a text model and a CSV file, the column holding the texts.

    Returns:
        ``(feeds, ids)``: ``{signature input name: numpy array}`` and the file
        paths relative to `path` for a folder (None otherwise).

    Raises:
        ValueError: the data does not fit the model, naming what was received
            and what is expected.

    Example:
        >>> feeds, ids = read_data("digits_png/", model)  # doctest: +SKIP
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ValueError(f"`DATA` is the path {path!r}, but no such file or folder exists.")
    nodes = model.inputs
    if path.lower().endswith(".npz"):
        return _read_npz(path, model), None
    if len(nodes) != 1:
        raise ValueError(
            f"The model has {len(nodes)} inputs ({[n['name'] for n in nodes]}); pass `DATA` as an .npz file with "
            f"one array per input name: {list(model.signature_inputs)}."
        )
    node = nodes[0]
    kind = node["kind"]
    if kind == "structured":
        if os.path.isdir(path) or not path.lower().endswith((".csv", ".txt", ".tsv")):
            raise ValueError(f"`DATA` for a structured-data model must be a CSV file; received {path!r}.")
        return _read_structured_csv(path, node), None
    if kind == "text":
        if os.path.isdir(path):
            texts, ids = _read_text_folder(path)
            return {node["input"]: texts}, ids
        if path.lower().endswith(".txt"):
            with open(path, encoding="utf-8", errors="replace") as f:
                texts = [line.rstrip("\r\n") for line in f]
            return {node["input"]: np.asarray(texts, dtype=object)}, None
        return {node["input"]: _read_text_csv(path, node, column)}, None
    if kind == "image" and os.path.isdir(path):
        images, ids = _read_image_folder(path, node)
        return {node["input"]: images}, ids
    if kind == "image":
        raise ValueError(
            f"`DATA` for an image model must be a folder of images or an .npz file with an array 'x'; received "
            f"{path!r}."
        )
    raise ValueError(f"`DATA` for a model with a {kind!r} input must be an .npz file with an array 'x'; received "
                     f"{path!r}.")


def _read_csv(path, dtype=None):
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=dtype)
    except pd.errors.EmptyDataError:
        raise ValueError(f"`DATA`: the CSV file {path!r} is empty.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise ValueError(f"`DATA`: could not read {path!r} as CSV ({_one_line(e)}).") from None
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise ValueError(f"`DATA`: the CSV file {path!r} has a header but no rows.")
    return frame


def _read_structured_csv(path, node):
    from autonas.data.columns import ColumnInfo, to_records

    columns = [ColumnInfo(c["name"], c["input"], c["type"], c["dtype"]) for c in node["columns"]]
    # string columns stay strings even when a file's values all look like numbers ("007", "12")
    frame = _read_csv(path, dtype={c.name: str for c in columns if c.dtype == "string"})
    records = to_records(frame, columns, "DATA")
    return {c.input_name: records[c.name].astype("float32") if c.dtype == "float32"
            else records[c.name].astype(str).astype(object) for c in columns}


def _read_text_csv(path, node, column):
    frame = _read_csv(path)
    if column is None:
        if frame.shape[1] == 1:
            column = frame.columns[0]
        else:
            column = next((c for c in (node["name"], "text") if c in frame.columns), None)
            if column is None:
                raise ValueError(
                    f"`DATA` ({path!r}) has {frame.shape[1]} columns {list(frame.columns)}; name the one holding "
                    "the texts with --column."
                )
    if column not in frame.columns:
        raise ValueError(f"`--column` is {column!r}, but `DATA` ({path!r}) has only {list(frame.columns)}.")
    values = frame[column]
    return np.asarray(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                       for v in values.tolist()], dtype=object)


def _walk(path, extensions):
    files = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.lower().endswith(extensions) and not name.startswith("."):
                files.append(os.path.join(root, name))
    return files


def _read_text_folder(path):
    files = _walk(path, (".txt",))
    if not files:
        raise ValueError(f"`DATA` ({path!r}) is a folder without .txt files; a text model reads one text per file.")
    texts = []
    for file in files:
        with open(file, encoding="utf-8", errors="replace") as f:
            texts.append(f.read())
    return np.asarray(texts, dtype=object), [os.path.relpath(f, path) for f in files]


def _read_image_folder(path, node):
    import tensorflow as tf

    files = _walk(path, IMAGE_EXTENSIONS)
    if not files:
        raise ValueError(
            f"`DATA` ({path!r}) is a folder without images ({'/'.join(IMAGE_EXTENSIONS)}); an image model reads "
            "one image per file."
        )
    shape = node["shape"][1:]
    if len(shape) not in (2, 3) or any(d is None for d in shape[:2]):
        raise ValueError(f"Images cannot be read for the model input {node['name']!r} of shape {node['shape']}.")
    height, width = shape[0], shape[1]
    channels = shape[2] if len(shape) == 3 else 1
    images, resized = [], 0
    for file in files:
        try:
            image = tf.io.decode_image(tf.io.read_file(file), expand_animations=False)
        except tf.errors.OpError as e:
            raise ValueError(f"`DATA`: could not decode the image {file!r} ({_one_line(e.message)}).") from None
        image = image[..., :3] if image.shape[-1] == 4 else image
        if image.shape[-1] == 3 and channels == 1:
            image = tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))), tf.uint8)
        elif image.shape[-1] == 1 and channels == 3:
            image = tf.repeat(image, 3, axis=-1)
        elif image.shape[-1] != channels:
            raise ValueError(
                f"`DATA`: the image {file!r} has {image.shape[-1]} channels; the model takes {channels}."
            )
        if tuple(image.shape[:2]) != (height, width):
            resized += 1
            image = tf.clip_by_value(tf.round(tf.image.resize(image, (height, width), antialias=True)), 0, 255)
        image = tf.cast(image, tf.float32).numpy()
        images.append(image if len(shape) == 3 else image[..., 0])
    if resized:
        logger.info("Resized %d of %d image(s) to %dx%d.", resized, len(files), height, width)
    return np.stack(images).astype("float32"), [os.path.relpath(f, path) for f in files]


def _read_npz(path, model):
    try:
        arrays = np.load(path, allow_pickle=False)
        names = list(arrays.files)
        data = {name: arrays[name] for name in names}
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ValueError(
                f"`DATA` ({path!r}) holds an object array, which is never unpickled; save strings as a unicode "
                "array, e.g. np.savez(path, x=np.asarray(texts, dtype=str))."
            ) from None
        raise ValueError(f"`DATA`: could not read {path!r} as .npz ({_one_line(e)}).") from None
    except OSError as e:
        raise ValueError(f"`DATA`: could not read {path!r} as .npz ({_one_line(e)}).") from None
    nodes = model.inputs
    feeds = {}
    if len(nodes) == 1 and "x" in data:
        node = nodes[0]
        if node["kind"] == "structured":
            return _npz_table(data["x"], node, path)
        feeds[node["input"]] = data["x"]
    else:
        for node in nodes:
            if node["kind"] == "structured":
                for c in node["columns"]:
                    if c["input"] in data:
                        feeds[c["input"]] = data[c["input"]]
            elif node["name"] in data:
                feeds[node["input"]] = data[node["name"]]
        missing = [name for name in model.signature_inputs if name not in feeds]
        if missing:
            raise ValueError(
                f"`DATA` ({path!r}) holds the arrays {names}; expected 'x' (a model with one input) or one array per "
                f"model input: missing {missing}."
            )
    return {name: _check_array(name, value, model.signature_inputs[name], path) for name, value in feeds.items()}


def _npz_table(x, node, path):
    from autonas.data.columns import ColumnInfo, to_frame, to_records

    columns = [ColumnInfo(c["name"], c["input"], c["type"], c["dtype"]) for c in node["columns"]]
    if x.ndim != 2 or x.shape[1] != len(columns):
        raise ValueError(
            f"`DATA` ({path!r}): 'x' for a structured-data model must be a 2-D array with {len(columns)} columns in "
            f"the order {[c.name for c in columns]}; received shape {x.shape}."
        )
    records = to_records(to_frame(x, [c.name for c in columns], "DATA"), columns, "DATA")
    return {c.input_name: records[c.name].astype("float32") if c.dtype == "float32"
            else records[c.name].astype(str).astype(object) for c in columns}


def _check_array(name, value, spec, path):
    shape = spec["shape"]
    if spec["dtype"] == "string":
        if value.dtype.kind not in "US":
            raise ValueError(f"`DATA` ({path!r}): array for {name!r} must hold strings; received dtype {value.dtype}.")
        value = value.astype(str).astype(object)
    else:
        if value.dtype.kind not in "biuf":
            raise ValueError(f"`DATA` ({path!r}): array for {name!r} must be numeric; received dtype {value.dtype}.")
        value = value.astype(spec["dtype"])
    expected = tuple(shape[1:])
    got = tuple(value.shape[1:])
    if len(expected) == 2 and got == expected + (1,):
        value = value[..., 0]
        got = expected
    if len(got) != len(expected) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise ValueError(
            f"`DATA` ({path!r}): array for {name!r} has examples of shape {got}; the model takes {expected}."
        )
    return value
