"""Target analysis and label encoding for classification and regression heads."""

import numpy as np


class LabelEncoder:
    """Maps user labels (ints, strings, bools, one-hot or multi-label) to model targets.

    Args:
        multi_label: treat a 2-D 0/1 matrix as several independent labels.

    Example:
        >>> enc = LabelEncoder().fit(np.array(["cat", "dog", "cat"]))
        >>> enc.transform(np.array(["dog"])).tolist()
        [1]
    """

    def __init__(self, multi_label=False):
        self.multi_label = multi_label
        self.classes_ = None
        self.label_format = None  # "labels", "one_hot" or "multi_label"
        self.label_kind = None  # numpy dtype kind of the original labels

    @property
    def num_classes(self):
        return len(self.classes_)

    def fit(self, y, arg_name="y"):
        """Learn the classes and label format from training labels."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim == 2:
            if not np.isin(y, (0, 1)).all():
                raise ValueError(
                    f"`{arg_name}` is 2-D with {y.shape[1]} columns but is not one-hot or multi-label "
                    "0/1 data; pass class labels as a 1-D array."
                )
            rows = y.sum(axis=1)
            self.label_format = "one_hot" if (np.all(rows == 1) and not self.multi_label) else "multi_label"
            self.multi_label = self.label_format == "multi_label"
            self.classes_ = np.arange(y.shape[1])
            self.label_kind = "i"
            present = np.flatnonzero(y.sum(axis=0) > 0)
            if self.label_format == "one_hot" and len(present) < 2:
                raise ValueError(f"`{arg_name}` contains a single class; classification needs at least two.")
            return self
        if y.ndim != 1:
            raise ValueError(f"`{arg_name}` must be 1-D class labels; received shape {y.shape}.")
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)):
                raise ValueError(f"`{arg_name}` contains NaN or infinite labels.")
            if not np.all(np.equal(np.mod(y, 1), 0)):
                raise ValueError(
                    f"`{arg_name}` holds non-integer floats ({y[~np.equal(np.mod(y, 1), 0)][:3].tolist()}...); "
                    "classification labels must be integers or strings. Use a regressor for continuous targets."
                )
            y = y.astype(np.int64)
        if y.dtype.kind == "O":
            kinds = {type(v).__name__ for v in y[:10000]}
            if len(kinds) > 1:
                raise TypeError(f"`{arg_name}` mixes label types {sorted(kinds)}; use one type for all labels.")
            if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in y[:10000]):
                raise ValueError(f"`{arg_name}` contains missing labels (None or NaN).")
        self.label_format = "labels"
        self.label_kind = y.dtype.kind
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"`{arg_name}` contains a single class ({self.classes_[0]!r}); classification needs at least two."
            )
        return self

    def transform(self, y, arg_name="y"):
        """Encode labels to integer class indices (or 0/1 matrices)."""
        y = np.asarray(y)
        if self.label_format in ("one_hot", "multi_label"):
            if y.ndim != 2 or y.shape[1] != self.num_classes:
                raise ValueError(
                    f"`{arg_name}` must have shape (N, {self.num_classes}) like the labels seen at fit; "
                    f"received {y.shape}."
                )
            return y.astype("float32") if self.multi_label else np.argmax(y, axis=1).astype("int64")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.dtype.kind == "f" and self.label_kind in "iu":
            y = y.astype(np.int64)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unseen = self.classes_[idx] != y
        if np.any(unseen):
            bad = np.unique(y[unseen])[:5].tolist()
            raise ValueError(
                f"`{arg_name}` contains labels never seen at fit: {bad}; known classes are "
                f"{self.classes_.tolist()[:20]}."
            )
        return idx.astype("int64")

    def inverse_transform(self, probabilities, threshold=0.5):
        """Decode predicted probabilities to labels of the kind seen at fit."""
        p = np.asarray(probabilities)
        if self.multi_label:
            return (p >= threshold).astype("int64")
        if p.ndim == 2 and p.shape[1] == 1:
            idx = (p[:, 0] >= threshold).astype("int64")
        else:
            idx = np.argmax(p, axis=-1)
        if self.label_format == "one_hot":
            return np.eye(self.num_classes, dtype="int64")[idx]
        return self.classes_[idx]

    def get_config(self):
        return {
            "multi_label": self.multi_label,
            "classes": self.classes_.tolist() if self.classes_ is not None else None,
            "label_format": self.label_format,
            "label_kind": self.label_kind,
        }

    @classmethod
    def from_config(cls, config):
        enc = cls(multi_label=config["multi_label"])
        enc.classes_ = np.asarray(config["classes"]) if config["classes"] is not None else None
        enc.label_format = config["label_format"]
        enc.label_kind = config["label_kind"]
        return enc
