"""The one module where autonas touches Keras's private names.

Supported: Keras 3.3 to 3.x (``keras>=3.3,<4`` in setup.cfg; tested 3.3.3 and 3.15.1).
`check()` runs when this module is imported and raises an `ImportError` naming those
versions when a name below is missing.

The private names, and why:

- ``keras.src.backend.tensorflow.trainer.TFEpochIterator`` (its ``__init__`` and
  ``__next__``), TensorFlow backend only: `iterators_released_in_background` learns
  which input iterators a trial's `fit` made, to drop them on a worker thread
  instead of when `fit` returns;
- ``TextVectorization._lookup_layer.idf_weights``: the inverse document frequencies a
  ``tf_idf`` layer learnt (`tfidf_weights`); Keras has no public accessor;
- how the TensorFlow trainer's ``predict`` calls ``Model.predict_function`` (with a list of
  one batch per step; the function is a ``tf.function`` with ``reduce_retracing``):
  `predict` traces it once for every batch size;
- ``Model._symbolic_build(data_batch=...)``, which the TensorFlow trainer's ``fit`` calls
  only under a distribution strategy: `build_compiled_state` creates the compiled
  metrics' and losses' variables before ``fit``, so its train step is traced once.
"""

import atexit
import contextlib
import logging
import threading
import time

import keras

logger = logging.getLogger("autonas")

SUPPORTED = "Keras 3.3 to 3.x (keras>=3.3,<4)"


def _missing(what):
    return ImportError(
        f"autonas needs {SUPPORTED}; the installed Keras {keras.__version__} has no {what}. "
        "Install a supported version: pip install 'keras>=3.3,<4'."
    )


def _epoch_iterator_class():
    from keras.src.backend.tensorflow import trainer as tf_trainer

    return tf_trainer.TFEpochIterator


def check():
    """Verify the private Keras names listed in this module's docstring.

    Returns:
        True when every one is present.

    Raises:
        ImportError: naming the missing name and the supported Keras versions.

    Example:
        >>> check()
        True
    """
    if keras.backend.backend() == "tensorflow":
        try:
            cls = _epoch_iterator_class()
        except (ImportError, AttributeError) as e:
            raise _missing(f"keras.src.backend.tensorflow.trainer.TFEpochIterator ({e})") from e
        if "__next__" not in vars(cls) or not callable(getattr(cls, "__init__", None)):
            raise _missing("TFEpochIterator.__next__")
    if "_lookup_layer" not in keras.layers.TextVectorization.__init__.__code__.co_names:
        raise _missing("TextVectorization._lookup_layer")
    if not callable(getattr(keras.Model, "_symbolic_build", None)):
        raise _missing("Model._symbolic_build")
    return True


def tfidf_weights(layer):
    """The inverse document frequencies of an adapted ``output_mode="tf_idf"`` `TextVectorization`, as NumPy.

    Example:
        >>> layer = keras.layers.TextVectorization(output_mode="tf_idf")
        >>> layer.adapt(["a b", "a"])
        >>> tfidf_weights(layer).shape
        (3,)
    """
    return keras.ops.convert_to_numpy(layer._lookup_layer.idf_weights)


# -- predict -----------------------------------------------------------------------------
def predict(model, x, **kwargs):
    """``model.predict(x, **kwargs)``, tracing the model's predict step once instead of twice.

    Keras's TensorFlow trainer calls its predict ``tf.function`` with each batch:
    the first batch traces it for that batch size, and a last, smaller batch
    traces it again (``reduce_retracing`` then relaxes the batch size). A trace
    of a small model costs more CPU than predicting a few hundred rows (on a
    tiny search, a third of a trial's validation predictions). Here the first
    call traces for any batch size, so the last batch reuses it. The graph
    computes the same values. Nothing changes on other backends, under a
    distribution strategy, or for inputs that are not plain tensors.

    Args:
        model: a compiled `keras.Model`.
        x: what `keras.Model.predict` takes.
        **kwargs: more arguments of `keras.Model.predict`.

    Returns:
        What `keras.Model.predict` returns.

    Example:
        >>> import numpy as np
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> predict(model, np.zeros((40, 2)), batch_size=32, verbose=0).shape
        (40, 1)
    """
    _trace_for_any_batch_size(model)
    return model.predict(x, **kwargs)


def _trace_for_any_batch_size(model):
    if keras.backend.backend() != "tensorflow" or getattr(model.predict_function, "_autonas_relaxed", False):
        return
    import tensorflow as tf

    if model.distribute_strategy is not tf.distribute.get_strategy() or tf.distribute.has_strategy():
        return
    model.make_predict_function()
    function = model.predict_function
    if not hasattr(function, "get_concrete_function"):  # run_eagerly: nothing is traced
        return
    traced = []

    def relaxed(data):
        if not traced:
            traced.append(True)
            leaves = tf.nest.flatten(data)
            if leaves and all(isinstance(t, tf.Tensor) and t.shape.rank for t in leaves):
                function.get_concrete_function(tf.nest.map_structure(
                    lambda t: tf.TensorSpec([None, *t.shape[1:]], t.dtype), data))
        return function(data)

    relaxed._autonas_relaxed = True
    model.predict_function = relaxed


# -- the compiled state ------------------------------------------------------------------
def build_compiled_state(model, data):
    """Create the variables of a compiled `model`'s metrics and losses before its first `fit`.

    Keras's TensorFlow trainer builds the containers of the metrics and losses
    given to ``compile`` by name (``metrics=["accuracy"]``, several outputs'
    losses) inside the first traced train step; a ``tf.function`` that creates
    variables is traced a second time, which costs a small model's first
    `fit` more CPU than its training. Here they are built from the shapes of
    `fit`'s data, as Keras does itself under a distribution strategy: the same
    metrics and variables, one trace. Nothing changes on other backends, under
    a distribution strategy (Keras builds them there), when they are built
    already, or for data whose batches' shapes are not known before `fit`
    (generators, `keras.utils.PyDataset`, ragged or sparse tensors).

    Args:
        model: a compiled `keras.Model`.
        data: the keyword arguments its `fit` gets (``x``, and ``y`` and
            ``sample_weight`` beside arrays).

    Returns:
        True when the model's compiled state was built here.

    Example:
        >>> import numpy as np
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
        >>> model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        >>> build_compiled_state(model, {"x": np.zeros((8, 2)), "y": np.zeros(8, "int32")})
        True
    """
    if keras.backend.backend() != "tensorflow" or not getattr(model, "compiled", False):
        return False
    import tensorflow as tf

    if model.distribute_strategy is not tf.distribute.get_strategy() or tf.distribute.has_strategy():
        return False
    batch = _batch_of(data, tf)
    if batch is None:
        return False
    try:
        with model.distribute_strategy.scope():
            model._symbolic_build(data_batch=batch)
    except Exception as e:  # a model Keras cannot build symbolically: its first train step builds it, as before
        logger.debug("the compiled state is built in the first train step: %s: %s", type(e).__name__, e)
        return False
    return True


def _batch_of(data, tf):
    """Symbolic tensors shaped like one batch ``(x, y, sample_weight)`` of `fit`'s data, or None."""
    x = data.get("x")
    if isinstance(x, tf.data.Dataset):
        batch = x.element_spec
        if not isinstance(batch, tuple) or len(batch) not in (2, 3):
            return None
    else:
        batch = (x, data.get("y"), data.get("sample_weight"))
        if batch[1] is None:
            return None
    leaves = [v for v in keras.tree.flatten(batch) if v is not None]
    if not leaves or not all(_dense(v, tf) for v in leaves):
        return None
    return keras.tree.map_structure(
        lambda v: None if v is None else keras.KerasTensor((None, *tuple(v.shape)[1:]), _dtype_name(v.dtype, v)),
        batch)


def _dense(value, tf):
    """Whether `value` is a dense tensor, array or tensor spec of rank >= 1 and a Keras dtype."""
    if isinstance(value, tf.TypeSpec):
        if not isinstance(value, tf.TensorSpec) or not value.shape.rank:
            return False
    elif isinstance(value, (tf.RaggedTensor, tf.SparseTensor)) or len(getattr(value, "shape", ())) == 0:
        return False
    try:
        _dtype_name(getattr(value, "dtype", None), value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _dtype_name(dtype, value=None):
    """The Keras dtype of `value` (NumPy arrays of Python strings, Keras feeds as strings)."""
    if dtype is None:
        raise ValueError("no dtype")
    if getattr(dtype, "kind", None) == "O":
        import numpy as np

        first = np.asarray(value, dtype=object).ravel()[:1]
        if len(first) and isinstance(first[0], (str, bytes)):
            return "string"
    return keras.backend.standardize_dtype(dtype.name if hasattr(dtype, "name") else dtype)


# -- input iterators -------------------------------------------------------------------
_collected = threading.local()
#: the release threads that may still be running (see `_release_later`)
_releases = []
_iterator_hook = None


def _install_iterator_hook():
    """Make Keras's TensorFlow epoch iterators report what they hand out (once; False off TensorFlow)."""
    global _iterator_hook
    if _iterator_hook is not None:
        return _iterator_hook
    if keras.backend.backend() != "tensorflow":
        _iterator_hook = False
        return False
    cls = _epoch_iterator_class()
    original_init, original_next = cls.__init__, cls.__next__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        held = getattr(_collected, "items", None)
        if held is not None:
            held.append(self)

    def __next__(self):
        step = original_next(self)
        held = getattr(_collected, "items", None)
        if held is not None and len(step) == 3 and (not held or held[-1] is not step[2]):
            held.append(step[2])
        return step

    cls.__init__, cls.__next__ = __init__, __next__
    _iterator_hook = True
    return True


@contextlib.contextmanager
def iterators_released_in_background():
    """Free the input pipelines of the `fit` calls inside this context on a background thread.

    At the end of every epoch Keras's TensorFlow trainer starts the next
    epoch's input iterator, which begins prefetching at once; after the last
    epoch that iterator is never used, and destroying it (and the last used
    one) when `fit` returns waits for their prefetch threads: 0.05 s to over a
    second per trial on a busy machine (benchmarks/RESULTS.md, "Framework
    overhead"). Inside this context the iterators are kept alive past `fit`
    and dropped by a worker thread, so the next trial starts meanwhile.
    Nothing changes on other backends.

    Example:
        >>> with iterators_released_in_background():   # doctest: +SKIP
        ...     model.fit(x, y, validation_data=(xv, yv))
    """
    if not _install_iterator_hook() or getattr(_collected, "items", None) is not None:
        yield
        return
    _collected.items = []
    try:
        yield
    finally:
        items, _collected.items = _collected.items, None
        if items:
            _release_later(items)


def _release_later(items):
    """Drop `items` on a daemon thread of its own.

    One thread per release: a release that blocks (an input pipeline whose
    prefetch never ends) holds back no later one, and holds up the
    interpreter's exit by at most `RELEASE_EXIT_WAIT` seconds in all (see
    `_finish_releases`), where a worker pool's thread would hold it forever.
    """
    thread = threading.Thread(target=items.clear, name="autonas-release", daemon=True)
    _releases[:] = [t for t in _releases if t.is_alive()]
    _releases.append(thread)
    thread.start()


#: seconds the interpreter's exit waits, in all, for releases still running
RELEASE_EXIT_WAIT = 10.0


@atexit.register
def _finish_releases(timeout=None):
    """Let the releases still running finish before the interpreter shuts down.

    A daemon thread that is still inside TensorFlow's C++ code (an iterator's
    destructor waiting for its prefetch threads) when Python finalises is
    stopped by ``pthread_exit`` as soon as it needs the interpreter again; the
    unwinding through C++ frames aborts the process ("terminate called after
    throwing an instance of ...", exit status -6), after the script has done
    all its work. Seen with `MirroredStrategy`, whose multi-device iterators
    take longest to release. Waiting here, before finalisation, avoids it.

    Args:
        timeout: seconds to wait in all (default `RELEASE_EXIT_WAIT`).
    """
    deadline = time.monotonic() + (RELEASE_EXIT_WAIT if timeout is None else timeout)
    for thread in list(_releases):
        thread.join(max(0.0, deadline - time.monotonic()))


check()
