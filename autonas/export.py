"""Export a fitted model: TensorFlow SavedModel for serving, or `.keras`.

A SavedModel written by `export` is end to end (raw pixels, raw strings or raw
column values in; all preprocessing inside) and needs TensorFlow only to load
and serve. Its ``serving_default`` signature has NAMED inputs and outputs:

Inputs (one per Keras input of the model):

- image input ``image_input``: float32, shape ``(batch, H, W)`` or
  ``(batch, H, W, C)``, the raw pixel values the model was fitted on. The
  signature takes float32 only: cast integer pixels first (every integer up to
  2**24, so every uint8 / uint16 / int16 value, is exact in float32, so the
  cast changes nothing; `predict` in process casts the same way);
- text input ``text_input``: string, shape ``(batch,)``, the raw texts;
- structured data: one input per column, named by the column's
  ``ColumnInfo.input_name`` (the column name with characters other than
  letters, digits and ``_`` replaced by ``_``), shape ``(batch,)``: float32 for
  numeric columns (NaN for a missing value), string for categorical and text
  columns (``""`` for a missing value). Unseen categories and unknown words
  map to an out-of-vocabulary entry;
- a multi-input graph: the union of its inputs' entries, by name.

Outputs, per head (unprefixed for a model with one head; ``<head name>_``
before each name when there are several):

- classification: ``probabilities`` float32 ``(batch, number of classes)``,
  columns in the order of ``labels`` (binary: TWO columns, ``[1 - p, p]``,
  exactly `predict_proba`); ``class_index`` int64 ``(batch,)``, the column of
  the predicted class (binary: ``p >= 0.5``; else the arg-max, first on ties);
  ``label`` ``(batch,)``, the predicted label itself, with the labels' type
  (int64 for integer labels, bool for booleans, string otherwise). For
  one-hot targets ``label`` is the class index; for multi-label heads
  ``probabilities`` is one sigmoid per class and ``label`` an int64 0/1 matrix
  ``(batch, number of classes)`` (threshold 0.5), with no ``class_index``;
- regression: ``value`` float32, ``(batch,)`` for a single target fitted as a
  1-D array, ``(batch, output_dim)`` otherwise.

Next to the model, ``assets/autonas.json`` describes the inputs (kind, dtype,
shape, columns with their types), the outputs and the class labels in a
machine-readable form (used by ``autonas predict``), and
``assets/labels.json`` (``{head: [labels]}``) / ``assets/labels.txt`` (one
label per line, one classification head) give the labels in probability
column order.

A ``.keras`` file is the plain Keras model (`AutoModel.export_model`): raw
inputs in, the heads' raw outputs out (binary classification: ONE sigmoid
column, the probability of the second label). It loads with
``keras.models.load_model(path)`` (safe mode) after ``import autonas``, which
registers the custom layers. Without autonas it loads only when the model
uses core Keras layers alone (image and text models do; structured-data models
with numeric columns use `autonas.layers.FillMissing` and do not).
"""

import contextlib
import io
import json
import logging
import os

from autonas.utils.io import atomic_folder, atomic_write_json, atomic_write_text

logger = logging.getLogger("autonas")

FORMATS = ("saved_model", "keras")
#: the name of the serving signature.
SIGNATURE = "serving_default"
#: metadata file inside the SavedModel's ``assets`` folder.
METADATA_FILE = "autonas.json"
#: version of the layout of `METADATA_FILE`.
FORMAT_VERSION = 1


def export(auto_model, path, format="saved_model"):
    """Write the refitted model of `auto_model` to `path`.

    See the module documentation for the signature's inputs and outputs.

    Args:
        auto_model: a fitted `autonas.AutoModel` (or task class).
        path: destination folder (SavedModel; for TensorFlow Serving use
            ``<model base path>/<version number>``) or a file ending in ``.keras``.
        format: ``"saved_model"`` or ``"keras"``.

    Returns:
        The path written, a string.

    Raises:
        ValueError: unknown `format`, or a ``.keras`` path without that suffix.
        RuntimeError: SavedModel export outside the TensorFlow backend.

    Example:
        >>> export(clf, "serving/digits/1")  # doctest: +SKIP
        'serving/digits/1'
        >>> export(clf, "digits.keras", format="keras")  # doctest: +SKIP
        'digits.keras'
    """
    if format not in FORMATS:
        raise ValueError(f"`format` must be one of {FORMATS}; received {format!r}.")
    path = os.fspath(path)
    model = auto_model.export_model()
    if format == "keras":
        if not path.endswith(".keras"):
            raise ValueError(f"`path` for format='keras' must end with '.keras'; received {path!r}.")
        with atomic_folder(path) as tmp:
            model.save(tmp)
        logger.info("Exported a .keras model to %s", path)
        return path
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "SavedModel export needs the TensorFlow backend (KERAS_BACKEND=tensorflow); "
            f"the current backend is {keras.backend.backend()!r}. Use format='keras' instead."
        )
    archive = keras.export.ExportArchive()
    archive.track(model)
    serve, input_signature = serving_function(auto_model, model)
    archive.add_endpoint(name=SIGNATURE, fn=serve, input_signature=[input_signature])
    # written beside `path` and renamed into place when complete: a process killed while exporting
    # leaves the previous export or none, never a SavedModel without its metadata
    with atomic_folder(path) as tmp:
        try:
            archive.write_out(tmp, verbose=False)
        except TypeError:  # Keras before 3.5 prints its summary: write_out has no `verbose`
            with contextlib.redirect_stdout(io.StringIO()):
                archive.write_out(tmp)
        assets = os.path.join(tmp, "assets")
        os.makedirs(assets, exist_ok=True)
        atomic_write_json(os.path.join(assets, METADATA_FILE), serving_metadata(auto_model, model))
        labels = label_metadata(auto_model)
        if labels:
            atomic_write_json(os.path.join(assets, "labels.json"), labels)
            if len(labels) == 1:
                only = next(iter(labels.values()))
                atomic_write_text(os.path.join(assets, "labels.txt"), "\n".join(str(c) for c in only) + "\n")
    logger.info("Exported a SavedModel to %s", path)
    return path


def label_metadata(auto_model):
    """The class labels of every classification head.

    Args:
        auto_model: a fitted `autonas.AutoModel`.

    Returns:
        ``{head name: [class labels in probability-column order]}`` (JSON types).

    Example:
        >>> label_metadata(clf)  # doctest: +SKIP
        {'classification_head': ['ham', 'spam']}
    """
    labels = {}
    for head in auto_model.heads:
        encoder = getattr(head, "encoder", None)
        if encoder is not None and encoder.classes_ is not None:
            labels[head.name] = [c.item() if hasattr(c, "item") else c for c in encoder.classes_]
    return json.loads(json.dumps(labels, default=str))


# -- the serving signature ---------------------------------------------------------------------------------
def _signature_inputs(model):
    """``(model input structure, {signature input name: tf.TensorSpec})`` from the model's Keras inputs."""
    import keras
    import tensorflow as tf

    struct = model.input
    specs = {}
    for tensor in keras.tree.flatten(struct):
        name = tensor.name
        if name in specs:
            raise ValueError(f"The model has two inputs named {name!r}; inputs must have unique names to be served.")
        shape = [None] + [d for d in tensor.shape[1:]]
        specs[name] = tf.TensorSpec(shape, tf.as_dtype(tensor.dtype), name=name)
    return struct, specs


def _output_names(auto_model):
    """``[(head, {output: signature output name})]`` for the heads, in order."""
    prefix = len(auto_model.heads) > 1
    result = []
    for head in auto_model.heads:
        names = _head_output_names(head)
        result.append((head, {n: f"{head.name}_{n}" if prefix else n for n in names}))
    return result


def _head_kind(head):
    encoder = getattr(head, "encoder", None)
    if encoder is not None and encoder.classes_ is not None:
        if encoder.multi_label:
            return "multi_label"
        return "binary" if encoder.num_classes == 2 else "multiclass"
    if hasattr(head, "output_dim") and hasattr(head, "_squeeze"):  # a RegressionHead
        return "regression"
    if getattr(head, "head_kind", None) == "forecast":  # a ForecastHead: the exported model rescales
        return "forecast"
    return "raw"


def _head_output_names(head):
    kind = _head_kind(head)
    if kind in ("binary", "multiclass"):
        return ["probabilities", "class_index", "label"]
    if kind == "multi_label":
        return ["probabilities", "label"]
    if kind == "regression":
        return ["value"]
    if kind == "forecast":
        return ["forecast"]
    return ["output"]


def _label_constant(head):
    """The head's class labels as a TensorFlow constant of the labels' own type."""
    import numpy as np
    import tensorflow as tf

    encoder = head.encoder
    classes = np.asarray(encoder.classes_)
    if encoder.label_format == "one_hot" or classes.dtype.kind in "iu":
        return tf.constant(classes.astype("int64"))
    if classes.dtype.kind == "b":
        return tf.constant(classes.astype(bool))
    return tf.constant([_label_text(c) for c in classes.tolist()], dtype=tf.string)


def _label_text(value):
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def label_dtype(head):
    """The dtype of a classification head's ``label`` output: ``"int64"``, ``"bool"`` or ``"string"``.

    Args:
        head: a fitted `ClassificationHead`.

    Returns:
        A dtype name.

    Example:
        >>> label_dtype(clf.heads[0])  # doctest: +SKIP
        'int64'
    """
    import numpy as np

    encoder = head.encoder
    if encoder.multi_label:
        return "int64"
    kind = np.asarray(encoder.classes_).dtype.kind
    if encoder.label_format == "one_hot" or kind in "iu":
        return "int64"
    return "bool" if kind == "b" else "string"


def _head_tensors(head, output, names):
    """The signature outputs of one head from its raw model output (TensorFlow ops)."""
    import tensorflow as tf

    kind = _head_kind(head)
    output = tf.cast(output, tf.float32)
    if kind == "binary":
        p = tf.reshape(output, [-1, 1])
        index = tf.cast(p[:, 0] >= 0.5, tf.int64)
        values = {"probabilities": tf.concat([1.0 - p, p], axis=1), "class_index": index,
                  "label": tf.gather(_label_constant(head), index)}
    elif kind == "multiclass":
        index = tf.argmax(output, axis=-1, output_type=tf.int64)
        values = {"probabilities": output, "class_index": index, "label": tf.gather(_label_constant(head), index)}
    elif kind == "multi_label":
        values = {"probabilities": output, "label": tf.cast(output >= 0.5, tf.int64)}
    elif kind == "regression":
        squeeze = head._squeeze and output.shape[-1] == 1
        values = {"value": tf.reshape(output, [-1]) if squeeze else output}
    elif kind == "forecast":
        values = {"forecast": output}
    else:
        values = {"output": output}
    return {names[k]: v for k, v in values.items()}


def serving_function(auto_model, model=None):
    """The function behind the ``serving_default`` signature, and its input signature.

    Args:
        auto_model: a fitted `autonas.AutoModel`.
        model: the Keras model to serve (default ``auto_model.export_model()``).

    Returns:
        ``(fn, input_signature)``: `fn` takes one dict ``{input name: tensor}``
        and returns a dict of named outputs (see the module documentation);
        `input_signature` is that dict's ``{name: tf.TensorSpec}``.

    Example:
        >>> fn, spec = serving_function(clf)            # doctest: +SKIP
        >>> fn({"image_input": x})["label"]              # doctest: +SKIP
    """
    import keras

    model = model if model is not None else auto_model.export_model()
    struct, specs = _signature_inputs(model)
    heads = _output_names(auto_model)

    def serve(inputs):
        feed = keras.tree.map_structure(lambda t: inputs[t.name], struct)
        outputs = model(feed, training=False)
        if isinstance(outputs, dict):
            tensors = [outputs[head.name] for head, _ in heads]
        elif isinstance(outputs, (list, tuple)):
            tensors = list(outputs)
        else:
            tensors = [outputs]
        if len(tensors) != len(heads):
            raise ValueError(f"The model has {len(tensors)} outputs but the graph has {len(heads)} heads.")
        result = {}
        for (head, names), tensor in zip(heads, tensors):
            result.update(_head_tensors(head, tensor, names))
        return result

    return serve, specs


def serving_metadata(auto_model, model=None):
    """The content of ``assets/autonas.json``: inputs, outputs and labels of the signature.

    Args:
        auto_model: a fitted `autonas.AutoModel`.
        model: the Keras model served (default ``auto_model.export_model()``).

    Returns:
        A JSON-serialisable dict with ``format_version``, ``model_class``,
        ``signature``, ``inputs`` (one entry per input node: ``name``, ``kind``
        and, for image / text / tensor inputs, the signature input's ``input``,
        ``dtype`` and ``shape``; for structured inputs, ``columns``, each with
        ``name``, ``input``, ``type``, ``dtype``, ``shape`` and ``missing``),
        ``signature_inputs`` (``{name: {dtype, shape}}``) and ``outputs`` (one
        entry per head: ``head``, ``type``, ``outputs`` ``{role: signature
        output name}`` and, for classifiers, ``labels``, ``label_dtype`` and
        ``label_format``).

    Example:
        >>> serving_metadata(clf)["outputs"][0]["labels"]  # doctest: +SKIP
        ['ham', 'spam']
    """
    from autonas.version import __version__

    model = model if model is not None else auto_model.export_model()
    _, specs = _signature_inputs(model)
    signature_inputs = {name: {"dtype": spec.dtype.name, "shape": list(spec.shape.as_list())}
                        for name, spec in specs.items()}
    inputs = []
    for node in auto_model.inputs:
        if node.kind == "structured":
            columns = [{"name": c.name, "input": c.input_name, "type": c.type, "dtype": c.dtype,
                        "shape": signature_inputs[c.input_name]["shape"],
                        "missing": "NaN" if c.dtype == "float32" else ""}
                       for c in node.columns]
            inputs.append({"name": node.name, "kind": "structured", "columns": columns})
        else:
            entry = signature_inputs.get(node.name, {})
            inputs.append({"name": node.name, "kind": node.kind, "input": node.name,
                           "dtype": entry.get("dtype"), "shape": entry.get("shape")})
    labels = label_metadata(auto_model)
    outputs = []
    for head, names in _output_names(auto_model):
        kind = _head_kind(head)
        entry = {"head": head.name, "type": kind, "outputs": names}
        if kind in ("binary", "multiclass", "multi_label"):
            entry.update(labels=labels[head.name], label_dtype=label_dtype(head),
                         label_format=head.encoder.label_format)
        outputs.append(entry)
    import keras
    import tensorflow as tf

    return {
        "format_version": FORMAT_VERSION,
        "autonas_version": __version__,
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
        "model_class": type(auto_model).__name__,
        "signature": SIGNATURE,
        "inputs": inputs,
        "signature_inputs": signature_inputs,
        "outputs": outputs,
    }
