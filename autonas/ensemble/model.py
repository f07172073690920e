"""One Keras model from several: the members' outputs averaged with fixed weights."""

import keras

from autonas.layers.average import WeightedAverage


def build_ensemble_model(members, weights, output_names=None, name="ensemble"):
    """Join fitted models that share their inputs into ONE Keras model.

    Each member runs on the same raw inputs (fresh `keras.Input`s with the
    members' input names, dtypes and shapes, so the ensemble is fed and served
    exactly as a single member is), and each output is the weighted average of
    the members' outputs (`WeightedAverage`): classifiers average
    probabilities, regressors values. Members keep their own preprocessing
    layers (vocabularies, normalisation) inside them.

    Args:
        members: a list of `keras.Model` with identical input structures and
            output shapes (e.g. builds of one search space).
        weights: one non-negative weight per member.
        output_names: names of the ensemble's outputs, one per member output
            (the heads' names); the members' output names when None.
        name: the ensemble model's name.

    Returns:
        A `keras.Model`, not compiled (compile it as its members are, e.g. with
        `autonas.Graph.compile_model`).

    Example:
        >>> model = build_ensemble_model([m1, m2], [0.6, 0.4], ["classification_head"])  # doctest: +SKIP
    """
    if not members:
        raise ValueError("`members` must hold at least one model; received none.")
    if len(weights) != len(members):
        raise ValueError(f"`weights` must have one weight per member ({len(members)}); received {len(weights)}.")
    struct = members[0].input
    inputs = keras.tree.map_structure(
        lambda t: keras.Input(shape=tuple(t.shape[1:]), dtype=t.dtype, name=t.name), struct)
    outputs = []
    for i, member in enumerate(members):
        wrapped = keras.Model(member.inputs, member.outputs, name=f"member_{i}")
        out = wrapped(inputs)
        outputs.append(list(out) if isinstance(out, (list, tuple)) else [out])
    count = len(outputs[0])
    if output_names is None:
        output_names = [None] * count
    averaged = [WeightedAverage(weights, name=output_names[k])([o[k] for o in outputs]) for k in range(count)]
    if output_names[0] is not None and count > 1:
        result = {n: t for n, t in zip(output_names, averaged)}
    else:
        result = averaged[0] if count == 1 else averaged
    return keras.Model(inputs, result, name=name)

