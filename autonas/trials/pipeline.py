"""How a trial's data reaches Keras: `tf.data` pipelines built once per search (validation) or per trial.

Given NumPy arrays, Keras's TensorFlow trainer builds a new input pipeline in
every `fit` (tracing small functions, and tearing the validation pipeline
down at the end). The pipelines here yield the same batches, so trial scores
do not change; other backends, and data too large to hold twice, keep the
arrays (see benchmarks/RESULTS.md for the seconds saved per trial).
"""

import logging

import keras
import numpy as np

from autonas.data import streaming

logger = logging.getLogger("autonas")

#: validation sets up to this size are handed to Keras as one `tf.data` pipeline per search.
VALIDATION_DATASET_MAX_BYTES = 256 * 2**20
#: training sets up to this size are handed to Keras as a `tf.data` pipeline per trial; its shuffle
#: buffer holds a second copy of the data, so larger ones keep Keras's own (index-shuffling) pipeline.
TRAINING_DATASET_MAX_BYTES = 64 * 2**20


def as_dataset(arrays, max_bytes):
    """A `tf.data.Dataset` of the slices of `arrays` (a tuple of Keras-form data), or None.

    None off TensorFlow, for anything but NumPy arrays of one length, above
    `max_bytes`, or for arrays TensorFlow cannot hold (object columns).

    Args:
        arrays: a tuple of Keras-form data (arrays, dicts of arrays).
        max_bytes: the largest total size turned into a dataset.

    Returns:
        A `tf.data.Dataset` or None.
    """
    if keras.backend.backend() != "tensorflow":
        return None
    leaves = keras.tree.flatten(arrays)
    if not leaves or not all(isinstance(a, np.ndarray) for a in leaves):
        return None
    if sum(a.nbytes for a in leaves) > max_bytes or len({len(a) for a in leaves}) != 1:
        return None
    import tensorflow as tf

    arrays = tuple(tuple(a) if isinstance(a, list) else a for a in arrays)
    try:
        return tf.data.Dataset.from_tensor_slices(arrays)
    except (TypeError, ValueError, tf.errors.OpError) as e:  # e.g. object arrays TensorFlow cannot hold
        logger.debug("Data kept as arrays: %s", e)
        return None


def validation_dataset(validation, batch_size):
    """Validation ``(x, y)`` arrays as a batched `tf.data.Dataset`, built once for every trial.

    Given NumPy validation data, Keras's TensorFlow trainer builds a new input
    pipeline for it in every `fit` and tears it down at the end, which costs
    about half a second per trial (measured on digits) whatever the model.

    Args:
        validation: ``(x, y)`` or None.
        batch_size: the batch size.

    Returns:
        A batched dataset, or `validation` itself when it cannot be one.
    """
    if validation is None:
        return None
    if streaming.is_stream(validation[0]):  # a streamed tf.data.Dataset (autonas.data.streaming)
        return validation[0].batches(batch_size, shuffle=False)
    dataset = as_dataset(tuple(validation), VALIDATION_DATASET_MAX_BYTES)
    return validation if dataset is None else dataset.batch(batch_size)


def training_data(x, y, sample_weight, batch_size, seed):
    """Keyword arguments of `fit` for one trial's training data.

    Given NumPy arrays, Keras's TensorFlow trainer builds an index-shuffling
    pipeline in every `fit`, tracing three small functions (about 0.04 s
    between two trials). A `tf.data` pipeline of the arrays' slices, shuffled
    afresh every epoch from the trial's seed, trains on the same batches in
    distribution and traces nothing.

    Args:
        x: training inputs in Keras form (or a `autonas.data.streaming.Stream`).
        y: training targets.
        sample_weight: optional per-example weights.
        batch_size: the batch size.
        seed: the trial's seed (None: unseeded shuffling).

    Returns:
        A dict of `fit` keyword arguments.

    Example:
        >>> model.fit(**training_data(x, y, None, 32, seed=1), epochs=2)  # doctest: +SKIP
    """
    streamed = streaming.training_kwargs(x, batch_size, seed)  # a streamed tf.data.Dataset
    if streamed is not None:
        return streamed
    arrays = (x, y) if sample_weight is None else (x, y, sample_weight)
    dataset = as_dataset(arrays, TRAINING_DATASET_MAX_BYTES)
    if dataset is None:
        return {"x": x, "y": y, "batch_size": batch_size, "sample_weight": sample_weight}
    import tensorflow as tf

    length = len(keras.tree.flatten(y)[0])
    dataset = dataset.shuffle(length, seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    return {"x": dataset.prefetch(tf.data.AUTOTUNE), "shuffle": False}
