"""Predictions from an exported SavedModel: what ``autonas predict`` runs.

Everything here works from the SavedModel folder alone (its ``serving_default``
signature and ``assets/autonas.json``, see `autonas.export`): no search
project and no fitted `AutoModel` are needed.

Example:
    >>> model = ServedModel("serving/titanic/1")                    # doctest: +SKIP
    >>> feeds, ids = read_data("test.csv", model)                   # doctest: +SKIP
    >>> model.predictions_frame(model.predict(feeds), ids).head()   # doctest: +SKIP
"""

import json
import logging
import os

import numpy as np

logger = logging.getLogger("autonas")

#: file extensions read as images from a folder.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _one_line(message):
    return " ".join(str(message).split())


class ServedModel:
    """A SavedModel written by `autonas.export.export`, loaded with TensorFlow.

    Args:
        path: the SavedModel folder (the one holding ``saved_model.pb``).

    Attributes:
        path: the folder.
        metadata: the content of ``assets/autonas.json``.
        signature: the loaded ``serving_default`` concrete function.

    Raises:
        ValueError: `path` is not a SavedModel folder, or was not written by
            autonas (no ``assets/autonas.json``).

    Example:
        >>> model = ServedModel("serving/digits/1")                   # doctest: +SKIP
        >>> model.predict({"image_input": x})["label"][:3]             # doctest: +SKIP
        array([0, 1, 2])
    """

    def __init__(self, path):
        path = os.fspath(path)
        if not os.path.isdir(path):
            raise ValueError(f"`MODEL` must be a SavedModel folder; received {path!r}, which is not a folder.")
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            raise ValueError(
                f"`MODEL` must be a SavedModel folder holding saved_model.pb; received {path!r}, which has none "
                "(for a TensorFlow Serving layout, pass the version folder, e.g. serving/model/1)."
            )
        meta_path = os.path.join(path, "assets", "autonas.json")
        if not os.path.isfile(meta_path):
            raise ValueError(
                f"`MODEL` ({path!r}) was not exported by autonas: assets/autonas.json is missing. Export it "
                "with clf.export(path)."
            )
        try:
            with open(meta_path, encoding="utf-8") as f:
                self.metadata = json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError(f"`MODEL` ({path!r}): could not read assets/autonas.json ({_one_line(e)}).") from None
        version = self.metadata.get("format_version")
        if not isinstance(version, int) or version > 1:
            raise ValueError(
                f"`MODEL` ({path!r}) has assets/autonas.json format_version {version!r}; this autonas reads "
                "version 1. Upgrade autonas."
            )
        import tensorflow as tf

        try:
            loaded = tf.saved_model.load(path)
        except (OSError, ValueError, tf.errors.OpError) as e:
            raise ValueError(f"`MODEL` ({path!r}) could not be loaded as a SavedModel: {_one_line(e)}") from None
        name = self.metadata.get("signature", "serving_default")
        if name not in loaded.signatures:
            raise ValueError(
                f"`MODEL` ({path!r}) has no {name!r} signature; it has {sorted(loaded.signatures)}."
            )
        self.path = path
        self._loaded = loaded  # keeps the signature's resources alive
        self.signature = loaded.signatures[name]

    @property
    def inputs(self):
        """The input nodes described in the metadata (dicts with ``name`` and ``kind``)."""
        return self.metadata["inputs"]

    @property
    def signature_inputs(self):
        """``{signature input name: {"dtype": ..., "shape": [...]}}``."""
        return self.metadata["signature_inputs"]

    def predict(self, feeds, batch_size=256):
        """Run the signature on `feeds`, in batches.

        Args:
            feeds: ``{signature input name: numpy array}``, every array of the
                same length (float32 numbers, strings).
            batch_size: examples per signature call.

        Returns:
            ``{signature output name: numpy array}`` over all examples.

        Raises:
            ValueError: missing inputs, unequal lengths, or data the model rejects.

        Example:
            >>> model.predict({"text_input": np.array(["free prize"])})["label"]  # doctest: +SKIP
            array([b'spam'], dtype=object)
        """
        import tensorflow as tf

        expected = self.signature_inputs
        missing = [name for name in expected if name not in feeds]
        if missing:
            raise ValueError(f"The data lacks the model input(s) {missing}; the model takes {list(expected)}.")
        lengths = {len(feeds[name]) for name in expected}
        if len(lengths) != 1:
            raise ValueError(f"The model inputs have different numbers of examples: {sorted(lengths)}.")
        n = lengths.pop()
        if n == 0:
            raise ValueError("The data holds no examples.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer; received {batch_size!r}.")
        parts = []
        for start in range(0, n, batch_size):
            batch = {}
            for name, spec in expected.items():
                value = feeds[name][start:start + batch_size]
                batch[name] = tf.constant(value, dtype=tf.string if spec["dtype"] == "string" else spec["dtype"])
            try:
                out = self.signature(**batch)
            except (tf.errors.OpError, ValueError, TypeError) as e:
                message = getattr(e, "message", None) or str(e)
                raise ValueError(f"The model rejected the data: {_one_line(message)[:500]}") from None
            parts.append({k: v.numpy() for k, v in out.items()})
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def predictions_frame(self, outputs, ids=None):
        """A table of predictions: labels and class probabilities, or values.

        Columns, per head (prefixed with ``<head name>_`` when the model has
        several): classification ``label`` then ``probability_<label>`` per
        class; multi-label ``label_<label>`` (0/1) and ``probability_<label>``;
        regression ``value`` (or ``value_0``, ``value_1``, ...).

        Args:
            outputs: the result of `predict`.
            ids: optional row names (e.g. file paths), put first in a ``file`` column.

        Returns:
            A `pandas.DataFrame`, one row per example.

        Example:
            >>> model.predictions_frame(model.predict(feeds)).columns.tolist()  # doctest: +SKIP
            ['label', 'probability_ham', 'probability_spam']
        """
        import pandas as pd

        columns = {}
        if ids is not None:
            columns["file"] = list(ids)
        several = len(self.metadata["outputs"]) > 1
        for head in self.metadata["outputs"]:
            prefix = f"{head['head']}_" if several else ""
            names = head["outputs"]
            kind = head["type"]
            if kind in ("binary", "multiclass"):
                columns[prefix + "label"] = _decode_labels(outputs[names["label"]])
                probs = outputs[names["probabilities"]]
                for i, label in enumerate(head["labels"]):
                    columns[f"{prefix}probability_{label}"] = probs[:, i]
            elif kind == "multi_label":
                probs, chosen = outputs[names["probabilities"]], outputs[names["label"]]
                for i, label in enumerate(head["labels"]):
                    columns[f"{prefix}label_{label}"] = chosen[:, i]
                for i, label in enumerate(head["labels"]):
                    columns[f"{prefix}probability_{label}"] = probs[:, i]
            else:
                role = "value" if kind == "regression" else "output"
                values = outputs[names[role]]
                if values.ndim == 1:
                    columns[prefix + role] = values
                else:
                    values = values.reshape(len(values), -1)
                    for i in range(values.shape[1]):
                        columns[f"{prefix}{role}_{i}"] = values[:, i]
        return pd.DataFrame(columns)


def _decode_labels(values):
    if values.dtype.kind in "OS":
        return [v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v for v in values.tolist()]
    return values.tolist()


# -- reading data for a served model --------------------------------------------------------------------------
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
