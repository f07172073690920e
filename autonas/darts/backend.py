"""The only backend-specific code of DARTS: differentiate and compile a pure function.

The bi-level search is written as pure functions of tensors (the model is run
with `keras.Model.stateless_call`, the optimizers are plain `keras.ops`
arithmetic), so everything except taking a gradient and compiling a step is
backend-agnostic. This module provides those two for TensorFlow
(`tf.GradientTape`, `tf.function`) and JAX (`jax.value_and_grad`, `jax.jit`).
"""

import keras

SUPPORTED_BACKENDS = ("tensorflow", "jax")


def check_backend():
    """Fail clearly when the active Keras backend is not supported by DARTS.

    Returns:
        The backend name.

    Example:
        >>> check_backend() in SUPPORTED_BACKENDS
        True
    """
    name = keras.backend.backend()
    if name not in SUPPORTED_BACKENDS:
        raise RuntimeError(
            f"DARTS search supports the Keras backends {list(SUPPORTED_BACKENDS)}; the active backend is "
            f"{name!r}. Set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax before importing keras."
        )
    return name


def value_and_grad(fn):
    """Differentiate ``fn(params, *rest) -> (loss, aux)`` with respect to `params`.

    Args:
        fn: a pure function; `params` may be any nest (list, tuple) of tensors.

    Returns:
        A function ``g(params, *rest) -> (loss, aux, grads)``; `grads` has the
        structure of `params` (zeros where the loss does not depend on them).

    Example:
        >>> g = value_and_grad(lambda p, x: (keras.ops.sum(p[0] * x), None))
        >>> loss, _, grads = g([keras.ops.ones(3)], keras.ops.ones(3))
    """
    name = check_backend()
    if name == "jax":
        import jax

        vg = jax.value_and_grad(fn, has_aux=True)

        def jax_grad(params, *rest):
            (loss, aux), grads = vg(params, *rest)
            return loss, aux, grads

        return jax_grad

    import tensorflow as tf

    def tf_grad(params, *rest):
        with tf.GradientTape() as tape:
            tape.watch(params)
            loss, aux = fn(params, *rest)
        grads = tape.gradient(loss, params, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return loss, aux, grads

    return tf_grad


def compile_function(fn, jit_compile=False):
    """Compile a pure tensor function for the active backend.

    Args:
        fn: a function of nests of tensors returning nests of tensors.
        jit_compile: on TensorFlow, compile with XLA (JAX always does).

    Returns:
        The compiled function (``jax.jit`` or ``tf.function``).

    Example:
        >>> f = compile_function(lambda x: x * 2)
    """
    name = check_backend()
    if name == "jax":
        import jax

        return jax.jit(fn)
    import tensorflow as tf

    return tf.function(fn, jit_compile=jit_compile, reduce_retracing=True)
