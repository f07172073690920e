"""`class_weight` for `fit`: keyed by label, or ``"balanced"``, checked before any training.

Keras takes ``{class index: weight}``; users think in labels (``{"spam": 5}``).
`resolve_class_weight` turns what `fit` received into the dict Keras wants,
after the classification head has learnt the classes, and raises a clear error
for anything else, before the first trial (Keras would fail inside every trial).
"""

import numbers

import numpy as np

__all__ = ["resolve_class_weight"]


def resolve_class_weight(class_weight, heads, encoded_targets):
    """The Keras class weights for a `fit`'s `class_weight` argument.

    Args:
        class_weight: None; ``"balanced"`` (weight ``n / (classes * count)``
            per class over the training targets, as scikit-learn computes it);
            or a dict keyed by label as in `y` (column index for one-hot `y`),
            classes left out weighing 1.
        heads: the graph's heads, their targets fitted.
        encoded_targets: per head, the encoded training targets.

    Returns:
        ``{class index: float weight}`` for every class, or None.

    Raises:
        TypeError: `class_weight` is neither None, a dict nor ``"balanced"``.
        ValueError: several heads or a head that is not single-label
            classification; keys that are not labels; weights that are not
            finite non-negative numbers, or all zero.

    Example:
        >>> resolve_class_weight({"spam": 5}, clf.heads, [y_encoded])  # doctest: +SKIP
        {0: 1.0, 1: 5.0}
    """
    if class_weight is None:
        return None
    if not (isinstance(class_weight, dict) or class_weight == "balanced"):
        raise TypeError(f"`class_weight` must be a dict {{label: weight}} or 'balanced'; received "
                        f"{class_weight!r}." if isinstance(class_weight, str) else
                        f"`class_weight` must be a dict {{label: weight}} or 'balanced'; received "
                        f"{type(class_weight).__name__}.")
    if len(heads) != 1:
        raise ValueError(f"`class_weight` needs a model with one head; this one has {len(heads)} "
                         f"({[h.name for h in heads]}). Pass per-example `sample_weight` instead.")
    encoder = getattr(heads[0], "encoder", None)
    if encoder is None:
        raise ValueError(f"`class_weight` applies to classification; the head {heads[0].name!r} is a "
                         f"{type(heads[0]).__name__}. Pass `sample_weight` to weight examples.")
    if encoder.multi_label:
        raise ValueError("`class_weight` applies to single-label classification; this head is multi-label. "
                         "Pass `sample_weight` instead.")
    classes = encoder.classes_
    k = len(classes)
    if isinstance(class_weight, str):
        indices = np.asarray(encoded_targets[0]).reshape(-1).astype(np.int64)
        counts = np.bincount(indices, minlength=k).astype(np.float64)
        n = counts.sum()
        return {i: float(n / (k * counts[i])) if counts[i] else 1.0 for i in range(k)}
    weights = {i: 1.0 for i in range(k)}
    labels = {_key(c): i for i, c in enumerate(classes.tolist())}
    unknown = []
    for key, value in class_weight.items():
        index = labels.get(_key(key))
        if index is None:
            unknown.append(key)
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
            raise ValueError(f"`class_weight` must map labels to finite non-negative numbers; received "
                             f"{value!r} for {key!r}.")
        weights[index] = float(value)
    if unknown:
        raise ValueError(f"`class_weight` has key(s) {unknown[:10]} that are not labels of `y`; the labels are "
                         f"{classes.tolist()[:20]}.")
    if not any(weights.values()):
        raise ValueError("`class_weight` gives every class weight 0; nothing would be learnt.")
    return weights


def _key(label):
    """Labels compared by value: numpy scalars, Python numbers and bools alike."""
    if isinstance(label, (bool, np.bool_)):
        return ("b", bool(label))
    if isinstance(label, numbers.Integral):
        return ("n", int(label))
    if isinstance(label, numbers.Real) and float(label).is_integer():
        return ("n", int(label))
    return ("s", str(label))
