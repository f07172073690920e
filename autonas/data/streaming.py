"""A `tf.data.Dataset` streamed to every trial and the refit, never read whole into memory.

`open_stream` takes the Dataset given to `fit` (``(x, y)`` elements, batched
or not) and returns `StreamSplits`, which `AutoModel.fit` uses exactly like
the in-memory `autonas.data.splits.ArraySplits`:

- the inputs are never materialised. The model's preprocessing (normalization
  statistics, vocabularies, the input shape) is learnt from a bounded sample:
  the first `SAMPLE_SIZE` training examples (fewer when they would hold more
  than `SAMPLE_BYTES`);
- the targets, which are small (one label or a few numbers per example), are
  read in one streaming pass: a classifier must know every class, a regressor
  the targets' mean and spread;
- without ``validation_data``, a deterministic ``validation_split`` sends
  example ``i`` to validation when the fractional part of ``(i + seed) *
  0.618...`` is below the split (a low-discrepancy sequence: the share is
  exact to within a few examples, with no index kept in memory);
- every trial reads the training stream through a bounded shuffle buffer
  (`SHUFFLE_BYTES`), and the refit reads training then validation data.

Structured (tabular) inputs and graphs of several inputs or heads are read into
memory instead (`open_stream` returns None).

Example:
    >>> dataset = tf.data.Dataset.from_generator(...)          # doctest: +SKIP
    >>> clf.fit(dataset.batch(64), epochs=3)                     # doctest: +SKIP
"""

import math

import numpy as np

from autonas.data.tf_dataset import is_batched

__all__ = ["Stream", "StreamSplits", "open_stream", "is_stream", "fit_data", "training_kwargs",
           "SAMPLE_SIZE", "SAMPLE_BYTES", "SHUFFLE_BYTES"]

#: training examples whose inputs adapt the model's preprocessing (and set the input shape) ...
SAMPLE_SIZE = 2000
#: ... holding at most this many bytes (512 examples of 4,096 float32 values)
SAMPLE_BYTES = 8 * 2**20
#: bytes of examples held by a trial's shuffle buffer.
SHUFFLE_BYTES = 32 * 2**20
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
_STREAMED_KINDS = ("image", "tensor", "text")


class Stream:
    """An unbatched `tf.data.Dataset` of ``(x, y)`` in Keras form, and its number of examples.

    Args:
        dataset: the unbatched dataset.
        length: the number of examples it yields.
        example_bytes: approximate bytes of one example (sizes the shuffle buffer).

    Example:
        >>> stream = Stream(dataset, 1000, 3072 * 4)   # doctest: +SKIP
        >>> len(stream)                                 # doctest: +SKIP
        1000
    """

    def __init__(self, dataset, length, example_bytes):
        self.dataset = dataset
        self.length = int(length)
        self.example_bytes = max(1, int(example_bytes))

    def __len__(self):
        return self.length

    def batches(self, batch_size, seed=None, shuffle=True):
        """The stream batched for Keras, shuffled through a bounded buffer.

        Args:
            batch_size: examples per batch.
            seed: shuffle seed (None: a fresh order).
            shuffle: False for validation data (same order every epoch).

        Returns:
            A batched, prefetched `tf.data.Dataset`.
        """
        import tensorflow as tf

        dataset = self.dataset
        if shuffle:
            buffer = max(1, min(self.length, SHUFFLE_BYTES // self.example_bytes))
            dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def concatenate(self, other):
        """This stream followed by `other` (the refit's training and validation data)."""
        return Stream(self.dataset.concatenate(other.dataset), self.length + other.length,
                      max(self.example_bytes, other.example_bytes))


def is_stream(x):
    """Whether `x` is a `Stream` (data that `fit_data` hands to Keras as a dataset)."""
    return isinstance(x, Stream)


def training_kwargs(x, batch_size, seed):
    """`model.fit` keyword arguments for a trial's training stream, or None for other data.

    Args:
        x: the training data as the tuner holds it.
        batch_size: examples per batch.
        seed: the trial's shuffle seed.

    Returns:
        ``{"x": batched dataset, "shuffle": False}`` for a `Stream`, else None.
    """
    if not is_stream(x):
        return None
    return {"x": x.batches(batch_size, seed), "shuffle": False}


def fit_data(x, y, batch_size, seed=None):
    """`model.fit` keyword arguments for the refit's data: a `Stream`, or arrays.

    Args:
        x: a `Stream` (then `y` is None) or Keras-form inputs.
        y: Keras-form targets.
        batch_size: examples per batch.
        seed: shuffle seed of a stream.

    Returns:
        A dict of keyword arguments for `keras.Model.fit`.
    """
    kwargs = training_kwargs(x, batch_size, seed)
    return kwargs if kwargs is not None else {"x": x, "y": y, "batch_size": batch_size}


class StreamSplits:
    """Training and validation streams, as `AutoModel.fit` uses them (see `ArraySplits`).

    Attributes:
        sample_x: per input, the arrays that adapt preprocessing (a bounded sample).
        y_fit: per head, every training and validation target (for `Head.fit_targets`).
        y_train: per head, the training targets (for ``class_weight="balanced"``).
        num_train, num_val: numbers of examples.
        sw_train: always None (streams carry no sample weights).
    """

    sw_train = None

    def __init__(self, train, validation, sample_x, y_train, y_val, heads):
        self._train, self._validation = train, validation  # unbatched (x, raw y) datasets
        self.sample_x = sample_x
        self.y_train, self.y_val = y_train, y_val
        self.y_fit = [np.concatenate([a, b]) for a, b in zip(y_train, y_val)]
        self.num_train, self.num_val = len(y_train[0]), len(y_val[0])
        self._heads = heads
        self._bytes = _example_bytes(sample_x[0])

    def _encoded(self, dataset, length):
        import tensorflow as tf

        encode = _target_encoder(self._heads[0])

        def encoded(x, y):
            return x, encode(y)

        # the length is known from the targets' pass: Keras then knows the steps of an epoch
        dataset = dataset.map(encoded).apply(tf.data.experimental.assert_cardinality(length))
        return Stream(dataset, length, self._bytes)

    def encoded_train_targets(self):
        """Per head, the training targets encoded as Keras sees them."""
        return [h.encode(t, "y") for h, t in zip(self._heads, self.y_train)]

    def encoded_validation_targets(self):
        """Per head, the validation targets encoded as Keras sees them (in the validation stream's order)."""
        return [h.encode(t, "y") for h, t in zip(self._heads, self.y_val)]

    def search_sets(self, keras_x, keras_y):
        """``(train, validation)`` for `Tuner.search`: ``(Stream, None)`` pairs."""
        return ((self._encoded(self._train, self.num_train), None),
                (self._encoded(self._validation, self.num_val), None))

    def refit_set(self, keras_x, keras_y):
        """``(x, y, sample_weight)`` for `Tuner.refit`: every example, streamed."""
        train = self._encoded(self._train, self.num_train)
        return train.concatenate(self._encoded(self._validation, self.num_val)), None, None


def open_stream(x, y, validation_data, validation_split, input_nodes, heads, seed, sample_weight=None):
    """`StreamSplits` for a `tf.data.Dataset` given to `fit`, or None for any other data.

    Args:
        x: what `fit` received as `x`.
        y: what `fit` received as `y` (must be None for a Dataset).
        validation_data: a `tf.data.Dataset` of ``(x, y)``, or None.
        validation_split: the held-out fraction when `validation_data` is None.
        input_nodes: the graph's input nodes.
        heads: the graph's heads.
        seed: the search's seed (the validation split's offset).
        sample_weight: must be None for a streamed Dataset.

    Returns:
        A `StreamSplits`, or None when `x` is not a Dataset or the graph needs
        the data in memory (structured inputs, several inputs or heads).

    Raises:
        ValueError: an infinite or empty Dataset, one without targets, targets
            also passed as `y`, or `sample_weight` given.

    Example:
        >>> splits = open_stream(dataset, None, None, 0.2, graph.inputs, graph.heads, 0)  # doctest: +SKIP
    """
    try:
        import tensorflow as tf
    except ImportError:  # pragma: no cover
        return None
    if not isinstance(x, tf.data.Dataset):
        return None
    if len(input_nodes) != 1 or len(heads) != 1 or input_nodes[0].kind not in _STREAMED_KINDS:
        return None
    train = _unbatched_pairs(x, "x", y, "y")
    if sample_weight is not None:
        raise ValueError("`sample_weight` cannot be combined with a streamed tf.data.Dataset `x`; received "
                         f"{type(sample_weight).__name__}. Weight the classes with `class_weight` instead.")
    if validation_data is not None:
        if not isinstance(validation_data, tf.data.Dataset):
            raise ValueError("`validation_data` must be a tf.data.Dataset of (x, y) when `x` is one; received "
                             f"{type(validation_data).__name__}.")
        val = _unbatched_pairs(validation_data, "validation_data", None, "validation_data")
        y_train, y_val = _read_targets(train), _read_targets(val)
    else:
        offset, fraction = float(seed % 1000), float(validation_split)

        @tf.autograph.experimental.do_not_convert
        def held_out(i):
            return tf.math.floormod((tf.cast(i, tf.float64) + offset) * _GOLDEN, 1.0) < fraction

        y_all = _read_targets(train)  # one pass; the split of each index is computed the same way in numpy
        mask = np.mod((np.arange(len(y_all), dtype=np.float64) + offset) * _GOLDEN, 1.0) < fraction
        y_train, y_val = y_all[~mask], y_all[mask]
        indexed = train.enumerate()
        val = indexed.filter(_held_out_filter(held_out, True)).map(_drop_index)
        train = indexed.filter(_held_out_filter(held_out, False)).map(_drop_index)
    if len(y_train) == 0:
        raise ValueError("`x` is a tf.data.Dataset that leaves no training examples; pass more data.")
    if len(y_val) == 0:
        raise ValueError("The validation data of the tf.data.Dataset `x` is empty; pass `validation_data` or a "
                         "larger `validation_split`.")
    sample = _read_inputs(train.take(_sample_size(train)))
    node = input_nodes[0]
    from autonas.data.adapters import adapt_inputs

    sample = adapt_inputs(sample, input_nodes, "x", fit=True)
    train, val = _as_model_inputs(train, node), _as_model_inputs(val, node)
    return StreamSplits(train, val, sample, [y_train], [y_val], heads)


def _unbatched_pairs(dataset, arg_name, y, y_arg_name):
    import tensorflow as tf

    if dataset.cardinality() == tf.data.INFINITE_CARDINALITY:
        raise ValueError(f"`{arg_name}` is an infinite tf.data.Dataset (e.g. `.repeat()`); pass a finite one.")
    spec = dataset.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2):
        raise ValueError(f"`{arg_name}` must be a tf.data.Dataset of (inputs, targets) pairs to be streamed; it "
                         f"yields {type(spec).__name__} elements"
                         + (f" of length {len(spec)}" if isinstance(spec, tuple) else "") + ".")
    if y is not None:
        raise ValueError(f"`{arg_name}` is a tf.data.Dataset that yields targets, so `{y_arg_name}` must be None; "
                         f"received {type(y).__name__}.")
    if isinstance(spec[0], (dict, tuple)):
        raise ValueError(f"`{arg_name}` yields several inputs ({type(spec[0]).__name__}); a streamed Dataset holds "
                         "one input tensor per example.")
    return dataset.unbatch() if is_batched(dataset) else dataset


def _held_out_filter(held_out, keep):
    import tensorflow as tf

    @tf.autograph.experimental.do_not_convert
    def predicate(i, element):
        return held_out(i) if keep else tf.logical_not(held_out(i))

    return predicate


def _drop_index(i, element):
    return element


def _targets_only(x, y):
    return y


def _inputs_only(x, y):
    return x


def _read_targets(dataset):
    """Every target of a stream, in one pass (the inputs are dropped as they come)."""
    parts = [np.asarray(batch) for batch in dataset.map(_targets_only).batch(8192).as_numpy_iterator()]
    if not parts:
        return np.zeros((0,))
    y = np.concatenate(parts)
    if y.dtype.kind in "SO":
        y = np.asarray([v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v for v in y.reshape(-1)],
                       dtype=object).reshape(y.shape)
    return y


def _sample_size(dataset):
    """`SAMPLE_SIZE` examples, or fewer when one example's static size makes them exceed `SAMPLE_BYTES`."""
    spec = dataset.element_spec[0]
    if spec.shape.is_fully_defined() and spec.dtype.size:
        example = max(1, int(np.prod(spec.shape.as_list(), dtype=np.int64)) * spec.dtype.size)
        return int(max(1, min(SAMPLE_SIZE, SAMPLE_BYTES // example)))
    return SAMPLE_SIZE


def _read_inputs(dataset):
    parts = [np.asarray(batch) for batch in dataset.map(_inputs_only).batch(4096).as_numpy_iterator()]
    x = np.concatenate(parts)
    if x.dtype.kind in "SO":
        x = np.asarray([v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v for v in x.reshape(-1)],
                       dtype=object).reshape(x.shape)
    return x


def _as_model_inputs(dataset, node):
    """Inputs as the model's Keras input takes them: float32 numbers, strings as they are."""
    import tensorflow as tf

    if node.kind == "text":
        def prepare(x, y):
            return tf.reshape(x, []), y
    else:
        def prepare(x, y):
            return tf.cast(x, tf.float32), y
    return dataset.map(prepare)


def _example_bytes(sample):
    if sample.dtype.kind in "biuf":
        return int(np.prod(sample.shape[1:], dtype=np.int64)) * 4 + 8
    return 256  # a text


def _target_encoder(head):
    """The head's `encode` as a TensorFlow function of one raw target."""
    import tensorflow as tf

    encoder = getattr(head, "encoder", None)
    if encoder is None:  # a regression head
        return lambda y: tf.reshape(tf.cast(y, tf.float32), [-1])
    if encoder.label_format == "multi_label":
        return lambda y: tf.cast(y, tf.float32)
    if encoder.label_format == "one_hot":
        return lambda y: tf.argmax(y, axis=-1, output_type=tf.int64)
    classes = encoder.classes_
    if classes.dtype.kind in "OUS":
        keys, key_dtype = tf.constant([str(c) for c in classes]), tf.string
    else:
        keys, key_dtype = tf.constant(classes.astype(np.int64)), tf.int64
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(keys, tf.range(len(classes), dtype=tf.int64)), default_value=-1)
    binary = head.binary

    def encode(y):
        y = tf.reshape(y, [])
        if key_dtype == tf.int64:
            y = tf.cast(y, tf.int64)
        index = table.lookup(y)
        return tf.cast(index, tf.float32) if binary else index

    return encode
