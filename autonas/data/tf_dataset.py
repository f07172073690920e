"""`tf.data.Dataset` inputs, batched or not, read once into memory."""

import numpy as np


def is_batched(dataset):
    """Whether `dataset` yields batches rather than single examples.

    True when the leading dimension of its elements is unknown (the usual
    result of ``.batch(n)``), or when a ``batch`` transformation appears in its
    pipeline (``.batch(n, drop_remainder=True)`` fixes the leading dimension).
    The pipeline is inspected through tf.data's ``_input_dataset`` links, in
    this one place.

    Args:
        dataset: a `tf.data.Dataset`.

    Returns:
        A bool.

    Example:
        >>> is_batched(tf.data.Dataset.range(4).batch(2))  # doctest: +SKIP
        True
    """
    import tensorflow as tf

    from autonas._compat import tensorflow as tf_compat

    leaves = tf.nest.flatten(dataset.element_spec)
    if any(spec.shape.rank and spec.shape[0] is None for spec in leaves):
        return True
    node, depth = dataset, 0
    while node is not None and depth < 100:
        if "Batch" in type(node).__name__ and "Unbatch" not in type(node).__name__:
            return True
        if "Unbatch" in type(node).__name__:
            return False
        node, depth = tf_compat.input_dataset(node), depth + 1
    return False


def dataset_to_arrays(dataset, arg_name="x"):
    """Read a `tf.data.Dataset` into numpy, batched or not.

    Elements may be ``features``, ``(features,)``, ``(features, targets)`` or
    ``(features, targets, sample_weights)`` (weights are dropped); features may
    be a tensor, a tuple of tensors (several inputs) or a dict (several inputs
    by name, or the columns of structured data). String tensors become object
    arrays of `str`.

    Args:
        dataset: a finite `tf.data.Dataset`.
        arg_name: the argument name for error messages.

    Returns:
        ``(x, y)``: numpy arrays (or a tuple/dict of them) and targets or None.

    Raises:
        ValueError: the dataset is empty.

    Example:
        >>> x, y = dataset_to_arrays(tf.data.Dataset.from_tensor_slices((images, labels)).batch(32))  # doctest: +SKIP
    """
    import tensorflow as tf

    if dataset.cardinality() == tf.data.INFINITE_CARDINALITY:
        raise ValueError(f"`{arg_name}` is an infinite tf.data.Dataset (e.g. `.repeat()`); pass a finite one.")
    batched = is_batched(dataset)
    spec = dataset.element_spec
    has_targets = isinstance(spec, tuple) and len(spec) in (2, 3)
    if isinstance(spec, tuple) and len(spec) == 1:
        dataset = dataset.map(lambda *e: e[0])
    elif has_targets:
        dataset = dataset.map(lambda *e: (e[0], e[1]))
    chunks = list(dataset.as_numpy_iterator())
    if not chunks:
        raise ValueError(f"`{arg_name}` is an empty tf.data.Dataset.")
    if has_targets:
        xs, ys = [c[0] for c in chunks], [c[1] for c in chunks]
        return _combine(xs, batched), _combine(ys, batched)
    return _combine(chunks, batched), None


def _combine(parts, batched):
    first = parts[0]
    if isinstance(first, dict):
        return {k: _combine([p[k] for p in parts], batched) for k in first}
    if isinstance(first, tuple):
        return tuple(_combine([p[i] for p in parts], batched) for i in range(len(first)))
    arr = np.concatenate(parts) if batched else np.stack(parts)
    if arr.dtype.kind in "SO":
        arr = np.asarray([v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v
                          for v in arr.reshape(-1)], dtype=object).reshape(arr.shape)
    return arr
