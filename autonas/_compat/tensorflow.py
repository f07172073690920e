"""The one module where autonas touches TensorFlow's private names.

Supported: TensorFlow 2.16 to 2.x (``tensorflow>=2.16`` in setup.cfg; tested 2.16.2 and
2.21.0). On the TensorFlow backend `check()` runs when this module is imported and
raises an `ImportError` naming those versions when a name below is missing; on other
backends nothing here is used.

The private names, and why:

- ``tensorflow.python.framework.ops._gradient_registry._registry``: the global registry
  of gradient functions; every traced train step registers a ``CustomGradient-<n>``
  function holding its whole graph, never unregistered (`releasing_trial_graphs`);
- ``tensorflow.python.ops.gen_resource_variable_ops.var_handle_op`` (its ``debug_name``
  argument): replaced during a build so that variables of one name share an eager kernel
  (`shared_variable_kernels`; a no-op on versions whose op has no ``debug_name``);
- ``tf.data.Dataset._input_dataset`` (set by ``tensorflow.python.data.ops.dataset_ops.UnaryDataset``):
  the dataset a transformation was applied to, to tell whether a pipeline batches
  (`input_dataset`).
"""

import contextlib
import inspect
import threading

import keras

SUPPORTED = "TensorFlow 2.16 to 2.x (tensorflow>=2.16)"


def _missing(what):
    import tensorflow as tf

    return ImportError(
        f"autonas needs {SUPPORTED}; the installed TensorFlow {tf.__version__} has no {what}. "
        "Install a supported version: pip install 'tensorflow>=2.16'."
    )


def _on_tensorflow():
    return keras.backend.backend() == "tensorflow"


def check():
    """Verify the private TensorFlow names listed in this module's docstring (TensorFlow backend only).

    Returns:
        True when every one is present or the backend is not TensorFlow.

    Raises:
        ImportError: naming the missing name and the supported TensorFlow versions.

    Example:
        >>> check()
        True
    """
    if not _on_tensorflow():
        return True
    try:
        from tensorflow.python.framework import ops
        from tensorflow.python.ops import gen_resource_variable_ops
    except ImportError as e:
        raise _missing(f"module tensorflow.python ({e})") from e
    if not isinstance(getattr(getattr(ops, "_gradient_registry", None), "_registry", None), dict):
        raise _missing("tensorflow.python.framework.ops._gradient_registry._registry")
    if not callable(getattr(gen_resource_variable_ops, "var_handle_op", None)):
        raise _missing("tensorflow.python.ops.gen_resource_variable_ops.var_handle_op")
    try:
        from tensorflow.python.data.ops.dataset_ops import UnaryDataset
    except ImportError as e:
        raise _missing(f"tensorflow.python.data.ops.dataset_ops.UnaryDataset ({e})") from e
    if "_input_dataset" not in UnaryDataset.__init__.__code__.co_names:
        raise _missing("UnaryDataset._input_dataset")
    return True


def input_dataset(dataset):
    """The `tf.data.Dataset` that `dataset` was made from by one transformation, or None for a source.

    Example:
        >>> import tensorflow as tf
        >>> source = tf.data.Dataset.range(4)
        >>> input_dataset(source.batch(2)) is source
        True
    """
    return getattr(dataset, "_input_dataset", None)


def _gradient_registry():
    """TensorFlow's registry of gradient functions (a dict), or None off the TensorFlow backend."""
    if not _on_tensorflow():
        return None
    from tensorflow.python.framework import ops

    return ops._gradient_registry._registry


@contextlib.contextmanager
def releasing_trial_graphs():
    """Let the traced graphs of a trial's model be freed once the trial is over.

    Each time TensorFlow traces a Keras train step, the optimizer's gradient
    all-reduce registers a ``CustomGradient-<n>`` function in TensorFlow's
    global gradient registry, and that function holds the whole traced graph.
    Nothing ever unregisters it, so every trained model left about 6-16 MiB
    behind and a 30-trial search grew by more than half. On leaving this
    context the registrations made inside it are dropped; the trial's graphs
    are then freed with its model. Graphs traced inside the context must not
    be trained again after it (trial models never are: the refit builds anew).

    Example:
        >>> with releasing_trial_graphs():        # doctest: +SKIP
        ...     model.fit(x, y)
    """
    registry = _gradient_registry()
    if registry is None:
        yield
        return
    before = set(registry)
    try:
        yield
    finally:
        for name in [name for name in registry if name not in before and name.startswith("CustomGradient-")]:
            registry.pop(name, None)


@contextlib.contextmanager
def shared_variable_kernels():
    """Let the TensorFlow variables created inside this context share their creation kernel.

    TensorFlow names each variable's resource handle after its scoped path
    (``debug_name``, shown only in some error messages), and that name is an
    attribute of the handle-creating op: every variable of a model misses the
    eager kernel cache and builds a kernel of its own, about 0.5 ms each
    (a tenth to a sixth of a ResNet or Xception build on digits). Inside this context the
    handle is given the variable's own name without its scope (``kernel``,
    ``bias``), so variables of the same name, shape and type share one kernel.
    Nothing changes on other backends.

    Example:
        >>> with shared_variable_kernels():      # doctest: +SKIP
        ...     model = build(hp)
    """
    if not _on_tensorflow() or threading.current_thread() is not threading.main_thread():
        yield
        return
    from tensorflow.python.ops import gen_resource_variable_ops as module

    original = module.var_handle_op
    if "debug_name" not in inspect.signature(original).parameters:  # older TensorFlow: nothing to share
        yield
        return

    def var_handle_op(*args, debug_name="", **kwargs):
        return original(*args, debug_name=debug_name.rstrip("/").rsplit("/", 1)[-1], **kwargs)

    module.var_handle_op = var_handle_op
    try:
        yield
    finally:
        module.var_handle_op = original


check()
