"""DARTS layers and search steps under the JAX backend (forward and backward).

The Keras backend is fixed when keras is first imported, so this runs in a
subprocess with ``KERAS_BACKEND=jax``. The interpreter used is, in order:

1. ``$AUTONAS_JAX_PYTHON`` (a Python with jax, keras and numpy installed, for
   example a separate virtual environment), or
2. the current interpreter, when it can import jax.

Otherwise the test is skipped with the reason.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: cheaper XLA compilation on CPU (86 -> 50 CPU s for this script)
FAST_XLA_FLAGS = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"

SCRIPT = textwrap.dedent("""
    import os
    import sys
    sys.modules["tensorflow"] = None  # as where only JAX is installed: DARTS under JAX must not need TensorFlow
    os.environ["KERAS_BACKEND"] = "jax"
    import jax
    import keras
    import numpy as np
    from keras import ops
    assert keras.backend.backend() == "jax", keras.backend.backend()
    from autonas.darts import DartsCell, DartsSearch, FixedCell, MixedOp, random_genotype

    rng = np.random.default_rng(0)
    x = ops.convert_to_tensor(rng.normal(size=(2, 6, 6, 4)).astype("float32"))

    # MixedOp: forward, and gradients with respect to the op weights and the input
    mixed = MixedOp(4, strides=2)
    alpha = ops.zeros((8,))
    mixed(x, ops.softmax(alpha))
    def mixed_loss(alpha, x):
        out, _ = mixed.stateless_call(mixed.trainable_variables, mixed.non_trainable_variables, x,
                                      ops.softmax(alpha), training=True)
        return ops.sum(ops.square(out))
    g_alpha, g_x = jax.grad(mixed_loss, argnums=(0, 1))(alpha, x)
    assert g_alpha.shape == (8,) and np.all(np.isfinite(g_alpha)) and np.abs(g_alpha).sum() > 0
    assert g_x.shape == x.shape and np.abs(g_x).sum() > 0

    # DartsCell: forward and backward through every weight
    cell = DartsCell(4, reduction=True, nodes=2)
    weights = ops.softmax(ops.zeros((5, 8)), axis=-1)
    assert tuple(cell([x, x], weights).shape) == (2, 3, 3, 8)
    def cell_loss(trainable):
        out, _ = cell.stateless_call(trainable, cell.non_trainable_variables, [x, x], weights, training=True)
        return ops.mean(ops.square(out))
    grads = jax.grad(cell_loss)([v.value for v in cell.trainable_variables])
    assert len(grads) == len(cell.trainable_variables) > 0
    assert all(np.all(np.isfinite(g)) for g in grads)

    # FixedCell: forward and backward
    fixed = FixedCell(4, random_genotype(2, seed=1).normal)
    assert tuple(fixed([x, x]).shape) == (2, 6, 6, 8)
    def fixed_loss(trainable):
        out, _ = fixed.stateless_call(trainable, fixed.non_trainable_variables, [x, x], training=True)
        return ops.mean(out)
    jax.grad(fixed_loss)([v.value for v in fixed.trainable_variables])

    # DartsSearch steps, jax.jit-compiled: each step moves only its own parameters
    images = rng.normal(size=(32, 8, 8, 1)).astype("float32")
    labels = rng.integers(0, 3, size=32)
    for order in (1, 2):
        search = DartsSearch(num_classes=3, channels=2, layers=3, nodes=2, stem_multiplier=1, order=order,
                             candidates=["none", "skip_connect", "max_pool_3x3"], seed=0, plot=False)
        net = search.build((8, 8, 1))
        snap = lambda vs: [np.array(v.value) for v in vs]
        a0, w0 = snap(net.arch_variables), snap(net.weight_variables)
        search.weight_step(images[:16], labels[:16])
        a1, w1 = snap(net.arch_variables), snap(net.weight_variables)
        assert all(np.array_equal(p, q) for p, q in zip(a0, a1))
        assert any(not np.array_equal(p, q) for p, q in zip(w0, w1))
        search.architecture_step(images[16:], labels[16:], images[:16], labels[:16])
        a2, w2 = snap(net.arch_variables), snap(net.weight_variables)
        assert all(not np.array_equal(p, q) for p, q in zip(a1, a2))
        assert all(np.array_equal(p, q) for p, q in zip(w1, w2))
    print("JAX-OK")
""")


def _jax_python():
    configured = os.environ.get("AUTONAS_JAX_PYTHON")
    if configured:
        return configured
    if importlib.util.find_spec("jax") is not None:
        return sys.executable
    return None


def _run():
    python = _jax_python()
    if python is None:
        pytest.skip("jax is not importable here and AUTONAS_JAX_PYTHON is not set (point it at a Python with "
                    "jax, keras and numpy, e.g. a separate virtual environment).")
    # XLA compiling every primitive and both steps is most of this test's CPU; its optimisation level changes
    # how fast the compiled code runs, not what it computes, and these programs run once or twice each
    # (first: XLA stops reading at a token that is not a flag, as in the conftest's setting)
    xla_flags = " ".join(filter(None, [FAST_XLA_FLAGS, os.environ.get("XLA_FLAGS")]))
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", XLA_FLAGS=xla_flags,
               PYTHONPATH=os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    result = subprocess.run([python, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0 and "JAX-OK" in result.stdout, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.slow
def test_darts_layers_and_search_steps_under_jax():
    """MixedOp, DartsCell and FixedCell: forward, and gradients through every weight; then first- and
    second-order search steps, `jax.value_and_grad` under `jax.jit`, each moving only its own parameters.

    Skipped without jax. JAX compiles every primitive on first use, so this takes tens of seconds on a
    small CPU; it is the portability check, kept in the default run where jax is installed. One process
    runs both parts (the layers' checks used to run twice: alone, and again before the search steps).
    """
    _run()
