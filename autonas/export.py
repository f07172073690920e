"""Export a fitted model: TensorFlow SavedModel for serving, or `.keras`."""

import json
import logging
import os

logger = logging.getLogger("autonas")

FORMATS = ("saved_model", "keras")


def export(auto_model, path, format="saved_model"):
    """Write the refitted model of `auto_model` to `path`.

    SavedModel: a ``serving_default`` signature taking the raw inputs and
    returning the model outputs (class probabilities for classifiers). The class
    labels are written to ``assets/labels.json`` (and ``assets/labels.txt``, one
    per line, in the order of the probability columns) so a server can map
    indices to labels without autonas. Loading needs TensorFlow only.

    Args:
        auto_model: a fitted `autonas.AutoModel`.
        path: destination folder (SavedModel) or file ending in ``.keras``.
        format: ``"saved_model"`` or ``"keras"``.

    Returns:
        The path written.

    Example:
        >>> export(clf, "serving/digits/1")  # doctest: +SKIP
    """
    if format not in FORMATS:
        raise ValueError(f"`format` must be one of {FORMATS}; received {format!r}.")
    path = os.fspath(path)
    model = auto_model.export_model()
    if format == "keras":
        if not path.endswith(".keras"):
            raise ValueError(f"`path` for format='keras' must end with '.keras'; received {path!r}.")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        model.save(path)
        return path
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "SavedModel export needs the TensorFlow backend (KERAS_BACKEND=tensorflow); "
            f"the current backend is {keras.backend.backend()!r}. Use format='keras' instead."
        )
    model.export(path, format="tf_saved_model", verbose=False)
    labels = label_metadata(auto_model)
    if labels:
        assets = os.path.join(path, "assets")
        os.makedirs(assets, exist_ok=True)
        from autonas.utils.io import atomic_write_json, atomic_write_text

        atomic_write_json(os.path.join(assets, "labels.json"), labels)
        if len(labels) == 1:
            only = next(iter(labels.values()))
            atomic_write_text(os.path.join(assets, "labels.txt"), "\n".join(str(c) for c in only) + "\n")
    logger.info("Exported a SavedModel to %s", path)
    return path


def label_metadata(auto_model):
    """``{head name: [class labels in probability-column order]}`` for classification heads."""
    labels = {}
    for head in auto_model.heads:
        encoder = getattr(head, "encoder", None)
        if encoder is not None and encoder.classes_ is not None:
            labels[head.name] = [c.item() if hasattr(c, "item") else c for c in encoder.classes_]
    return json.loads(json.dumps(labels, default=str))
