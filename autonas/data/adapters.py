"""Turn the input forms a user passes into per-input numpy arrays, validated once."""

import numpy as np

from autonas.data.inputs import prepare_input, to_array  # noqa: F401 (to_array: the name this module offered)


def adapt_inputs(x, input_nodes, arg_name="x", fit=False):
    """Split and validate `x` into one numpy array per input node.

    Text inputs become 1-D object arrays of `str`, structured inputs numpy
    record arrays with one field per column (see `autonas.data.prepare_input`);
    feed them to a model with `node.keras_data`.

    Args:
        x: an array (single input), or a list/tuple or dict keyed by input name.
            A single structured input also takes a DataFrame or a dict of columns.
        input_nodes: the graph's input nodes.
        arg_name: the argument name for error messages.
        fit: whether `x` is training data (structured inputs infer their
            column types from it).

    Returns:
        A list of numpy arrays, in the order of `input_nodes`.

    Example:
        >>> adapt_inputs(np.zeros((4, 8, 8)), [ImageInput()])  # doctest: +SKIP
    """
    single_table = len(input_nodes) == 1 and input_nodes[0].kind == "structured"
    if isinstance(x, dict) and not (single_table and input_nodes[0].name not in x):
        missing = [n.name for n in input_nodes if n.name not in x]
        if missing:
            raise ValueError(f"`{arg_name}` is missing input(s) {missing}; received keys {sorted(x)}.")
        parts = [x[n.name] for n in input_nodes]
    elif isinstance(x, (list, tuple)) and len(input_nodes) > 1:
        if len(x) != len(input_nodes):
            raise ValueError(
                f"`{arg_name}` must hold {len(input_nodes)} arrays, one per input "
                f"({[n.name for n in input_nodes]}); received {len(x)}."
            )
        parts = list(x)
    else:
        if len(input_nodes) > 1:
            raise ValueError(
                f"The model has {len(input_nodes)} inputs ({[n.name for n in input_nodes]}); pass `{arg_name}` "
                "as a list or a dict keyed by input name."
            )
        parts = [x]
    arrays = []
    for node, part in zip(input_nodes, parts):
        name = arg_name if len(input_nodes) == 1 else f"{arg_name}[{node.name!r}]"
        arrays.append(prepare_input(part, node, fit=fit, arg_name=name))
    check_lengths(arrays, [arg_name] * len(arrays))
    return arrays


def adapt_targets(y, heads, arg_name="y"):
    """Split `y` into one numpy array per head.

    Args:
        y: an array (single head), or a list or dict keyed by head name.
        heads: the graph's heads.
        arg_name: the argument name for error messages.

    Returns:
        A list of numpy arrays, in the order of `heads`.
    """
    if isinstance(y, dict):
        missing = [h.name for h in heads if h.name not in y]
        if missing:
            raise ValueError(f"`{arg_name}` is missing target(s) {missing}; received keys {sorted(y)}.")
        parts = [y[h.name] for h in heads]
    elif isinstance(y, (list, tuple)) and len(heads) > 1:
        if len(y) != len(heads):
            raise ValueError(f"`{arg_name}` must hold {len(heads)} arrays, one per head; received {len(y)}.")
        parts = list(y)
    else:
        if len(heads) > 1:
            raise ValueError(
                f"The model has {len(heads)} heads ({[h.name for h in heads]}); pass `{arg_name}` as a list "
                "or a dict keyed by head name."
            )
        parts = [y]
    arrays = [to_array(p, arg_name) for p in parts]
    for arr in arrays:
        if len(arr) == 0:
            raise ValueError(f"`{arg_name}` is empty; expected at least one target.")
    return arrays


def check_lengths(arrays, names):
    """Raise a ValueError naming both sides when arrays differ in length."""
    lengths = [len(a) for a in arrays]
    for arr_len, name in zip(lengths[1:], names[1:]):
        if arr_len != lengths[0]:
            raise ValueError(
                f"`{names[0]}` has {lengths[0]} examples but `{name}` has {arr_len}; they must have "
                "the same length."
            )


def split_validation(n, validation_split, seed, stratify=None):
    """Shuffled (stratified when possible) train/validation index split.

    Args:
        n: number of examples.
        validation_split: fraction in (0, 1) held out for validation.
        seed: random seed.
        stratify: optional 1-D class indices to stratify on.

    Returns:
        ``(train_idx, val_idx)`` numpy index arrays.
    """
    rng = np.random.default_rng(seed)
    n_val = max(1, int(round(n * validation_split)))
    if n - n_val < 1:
        raise ValueError(
            f"`validation_split`={validation_split} leaves no training examples out of {n}."
        )
    if stratify is not None and stratify.ndim == 1:
        classes, counts = np.unique(stratify, return_counts=True)
        if counts.min() >= 2 and n_val >= len(classes):
            val = []
            for c in classes:
                idx = np.flatnonzero(stratify == c)
                rng.shuffle(idx)
                k = int(round(len(idx) * validation_split))
                val.extend(idx[: max(1, k)])
            val = np.array(sorted(val))
            train = np.setdiff1d(np.arange(n), val)
            return rng.permutation(train), val
    perm = rng.permutation(n)
    return perm[n_val:], np.sort(perm[:n_val])
