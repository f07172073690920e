"""Predictions from an exported SavedModel: what ``autonas predict`` runs.

Everything here works from the SavedModel folder alone (its ``serving_default``
signature and ``assets/autonas.json``, see `autonas.export`): no search
project and no fitted `AutoModel` are needed.

Example:
    >>> model = ServedModel("serving/titanic/1")                    # doctest: +SKIP
    >>> feeds, ids = read_data("test.csv", model)                   # doctest: +SKIP
    >>> model.predictions_frame(model.predict(feeds), ids).head()   # doctest: +SKIP

The readers of `read_data` live in `autonas.serving_data` (re-exported here).
"""

import json
import os

import numpy as np

from autonas.serving_data import IMAGE_EXTENSIONS, _one_line, read_data  # noqa: F401  (re-exported)

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
