"""Hardware settings of a search: mixed precision, XLA, tf.distribute, and backend needs.

- `mixed_precision`: trials (and the refit) are built under a Keras mixed
  dtype policy, so layers compute in bfloat16 or float16 and keep float32
  weights; heads keep their output layer in float32. ``True`` picks the policy
  for the accelerator found: ``"mixed_bfloat16"`` on TPUs and on GPUs of
  compute capability 8.0 or more, ``"mixed_float16"`` on older GPUs (Keras
  then adds loss scaling), and float32 on CPUs, where mixed precision is slower.
  A policy name forces that policy anywhere.
- `jit_compile`: ``True``/``False`` sets XLA compilation of every trial and the
  refit; ``"auto"`` leaves Keras's default.
- `distribution_strategy`: a `tf.distribute.Strategy` (MirroredStrategy over
  GPUs, TPUStrategy, ...) under which every trial and the refit are built and
  trained; TensorFlow backend only.

TensorFlow is optional for image tasks under ``KERAS_BACKEND=jax``; it stays
required for text and structured-data preprocessing (Keras's TextVectorization
and lookup layers run on TensorFlow) and for SavedModel export.
"""

import contextlib
import importlib.util
import logging

logger = logging.getLogger("autonas")

POLICIES = ("mixed_bfloat16", "mixed_float16", "float32")
JIT_VALUES = (True, False, "auto")


def check_mixed_precision(value, arg_name="mixed_precision"):
    """Validate a `mixed_precision` argument.

    Args:
        value: ``True``, ``False``/``None``, or a policy name from `POLICIES`.
        arg_name: the argument name for error messages.

    Returns:
        The value, unchanged.

    Example:
        >>> check_mixed_precision("mixed_bfloat16")
        'mixed_bfloat16'
    """
    if value is None or isinstance(value, bool) or value in POLICIES:
        return value
    raise ValueError(f"`{arg_name}` must be True, False or one of {list(POLICIES)}; received {value!r}.")


def check_jit_compile(value, arg_name="jit_compile"):
    """Validate a `jit_compile` argument (``True``, ``False`` or ``"auto"``).

    Args:
        value: the value received.
        arg_name: the argument name for error messages.

    Returns:
        The value, unchanged.

    Example:
        >>> check_jit_compile("auto")
        'auto'
    """
    if isinstance(value, bool) or value == "auto":
        return value
    raise ValueError(f"`{arg_name}` must be True, False or 'auto'; received {value!r}.")


def check_distribution_strategy(strategy, arg_name="distribution_strategy"):
    """Validate a `tf.distribute.Strategy` argument.

    Args:
        strategy: None or a `tf.distribute.Strategy`.
        arg_name: the argument name for error messages.

    Returns:
        The strategy, unchanged.

    Raises:
        TypeError: when it is not a strategy.
        RuntimeError: when the Keras backend is not TensorFlow.

    Example:
        >>> check_distribution_strategy(None) is None
        True
    """
    if strategy is None:
        return None
    if not (hasattr(strategy, "scope") and hasattr(strategy, "num_replicas_in_sync")):
        raise TypeError(f"`{arg_name}` must be a tf.distribute.Strategy (e.g. tf.distribute.MirroredStrategy()); "
                        f"received {type(strategy).__name__}.")
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"`{arg_name}` needs the TensorFlow backend (KERAS_BACKEND=tensorflow): tf.distribute strategies do "
            f"not run on the {keras.backend.backend()!r} backend. On JAX, leave it None; each trial then runs on "
            "the default device.")
    return strategy


def accelerator():
    """The accelerator the current Keras backend will train on.

    Returns:
        ``(kind, compute_capability)``: kind is ``"tpu"``, ``"gpu"`` or
        ``"cpu"``; compute capability a float for NVIDIA GPUs when known, else None.

    Example:
        >>> accelerator()  # doctest: +SKIP
        ('cpu', None)
    """
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        kind = device.platform if device.platform in ("gpu", "tpu") else "cpu"
        capability = getattr(device, "compute_capability", None)
        return kind, _as_float(capability)
    if backend == "tensorflow":
        import tensorflow as tf

        if tf.config.list_logical_devices("TPU"):
            return "tpu", None
        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0]) or {}
            capability = details.get("compute_capability")
            if isinstance(capability, tuple):
                capability = ".".join(str(c) for c in capability)
            return "gpu", _as_float(capability)
        return "cpu", None
    return "cpu", None


def _as_float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def resolve_precision_policy(mixed_precision):
    """The Keras dtype policy name trials are built under, or None for the default.

    Args:
        mixed_precision: a validated `mixed_precision` value.

    Returns:
        ``"mixed_bfloat16"``, ``"mixed_float16"``, ``"float32"`` or None.

    Example:
        >>> resolve_precision_policy(False) is None
        True
    """
    check_mixed_precision(mixed_precision)
    if not mixed_precision:
        return None
    if isinstance(mixed_precision, str):
        return mixed_precision
    kind, capability = accelerator()
    if kind == "tpu" or (kind == "gpu" and capability is not None and capability >= 8.0):
        return "mixed_bfloat16"
    if kind == "gpu":
        return "mixed_float16"
    logger.info("mixed_precision=True: no GPU or TPU found, so trials run in float32 (pass "
                "mixed_precision='mixed_bfloat16' to force it).")
    return None


@contextlib.contextmanager
def precision_scope(policy):
    """Build models under the Keras global dtype `policy`, then restore the previous one.

    Args:
        policy: a policy name, or None to change nothing.

    Example:
        >>> with precision_scope("mixed_bfloat16"):   # doctest: +SKIP
        ...     model = build()
    """
    if policy is None:
        yield
        return
    import keras

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def apply_jit_compile(model, jit_compile):
    """Set XLA compilation of a compiled `model` (``"auto"`` leaves it as compiled).

    Args:
        model: a compiled `keras.Model`, not yet trained.
        jit_compile: ``True``, ``False`` or ``"auto"``.

    Returns:
        The model.

    Example:
        >>> apply_jit_compile(model, False).jit_compile  # doctest: +SKIP
        False
    """
    if jit_compile != "auto":
        model.jit_compile = bool(jit_compile)
    return model


def tensorflow_available():
    """True when TensorFlow can be imported (whatever the Keras backend)."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False


def require_tensorflow(feature):
    """Raise a clear error when `feature` needs TensorFlow and it is not installed.

    Args:
        feature: what needs it, e.g. ``"TextInput (text preprocessing)"``.

    Raises:
        RuntimeError: naming the feature and the way out.

    Example:
        >>> require_tensorflow("SavedModel export")  # doctest: +SKIP
    """
    if not tensorflow_available():
        raise RuntimeError(
            f"{feature} needs TensorFlow, which is not installed (pip install tensorflow). Under "
            "KERAS_BACKEND=jax without TensorFlow, autonas supports image tasks and .keras export only.")


def check_inputs_supported(inputs):
    """Fail early when an input node needs TensorFlow and it is missing.

    Args:
        inputs: the graph's input nodes.

    Example:
        >>> check_inputs_supported([autonas.ImageInput()])  # doctest: +SKIP
    """
    from autonas.graph.nodes import StructuredDataInput, TextInput

    for node in inputs:
        label = type(node).__name__ + (f" {node.name!r}" if getattr(node, "name", None) else "")
        if isinstance(node, TextInput):
            require_tensorflow(f"{label} (text preprocessing)")
        elif isinstance(node, StructuredDataInput):
            require_tensorflow(f"{label} (structured-data preprocessing)")
