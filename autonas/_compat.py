"""The one place where autonas touches KerasTuner internals.

KerasTuner writes every oracle.json and trial.json through
`keras_tuner.src.utils.save_json`, which opens the target and writes in place:
a process killed mid-write leaves a truncated file that the next run cannot
reload. `install()` replaces that function (and its reader) with atomic,
clearly-failing versions. It is idempotent and is called when `autonas.tuner`
is imported.

It is also the one place that touches TensorFlow internals (see
`releasing_trial_graphs` and `shared_variable_kernels`) and the C library's
allocator (see `release_free_memory`).
"""

import atexit
import contextlib
import ctypes
import json
import logging
import threading
import time

from autonas.utils.io import atomic_write_text, read_json

_installed = False


def _save_json(path, obj):
    text = json.dumps(obj)
    atomic_write_text(path, text)
    return text


def _load_json(path):
    return read_json(path, "search state file")


def install():
    """Route KerasTuner's JSON state through autonas's atomic writer.

    Returns:
        True when the hook is in place.

    Example:
        >>> install()
        True
    """
    global _installed
    if _installed:
        return True
    from keras_tuner.src import utils as kt_utils

    if not hasattr(kt_utils, "save_json") or not hasattr(kt_utils, "load_json"):
        raise ImportError(
            "This keras-tuner version has no keras_tuner.src.utils.save_json/load_json; autonas "
            "needs keras-tuner>=1.4.8 with that layout."
        )
    kt_utils.save_json = _save_json
    kt_utils.load_json = _load_json
    _installed = True
    return True


def release_leaked_oracle_lock(oracle):
    """Release the lock KerasTuner's `synchronized` leaves held when a method raises.

    `keras_tuner`'s `synchronized` decorator acquires a per-oracle lock and
    releases it only when the method returns: an exception leaves it held, and
    every later call from another thread (a distributed chief serves each
    worker from its own thread) waits forever. Call this from an ``except``
    around a synchronized method, on the thread that called it.

    Args:
        oracle: the `keras_tuner.Oracle` whose method raised.

    Returns:
        True when a leaked lock was released.
    """
    import threading

    from keras_tuner.src.engine import oracle as oracle_module

    threads = getattr(oracle_module, "THREADS", None)
    locks = getattr(oracle_module, "LOCKS", None)
    if threads is None or locks is None:
        return False
    if threads.get(oracle) != threading.current_thread().name:
        return False
    if id(oracle) in getattr(_held, "oracles", ()):
        return False  # held on purpose by `hold_oracle_lock`, which releases it itself
    threads[oracle] = None
    locks[oracle].release()
    return True


_held = threading.local()


@contextlib.contextmanager
def hold_oracle_lock(oracle):
    """Hold the lock of `keras_tuner.synchronized` for `oracle`; released even on errors.

    Re-entrant within a thread. Inside it, the oracle's synchronized methods run
    without taking the lock again (so none can leak it), and
    `release_leaked_oracle_lock` leaves it alone. The distributed chief holds
    it around every oracle call.

    Args:
        oracle: a `keras_tuner.Oracle`.

    Example:
        >>> with hold_oracle_lock(oracle):          # doctest: +SKIP
        ...     trial = oracle.create_trial("worker-1")
    """
    from keras_tuner.src.engine import oracle as oracle_module

    name = threading.current_thread().name
    if oracle_module.THREADS[oracle] == name:
        yield
        return
    lock = oracle_module.LOCKS[oracle]
    lock.acquire()
    oracle_module.THREADS[oracle] = name
    held = _held.__dict__.setdefault("oracles", set())
    held.add(id(oracle))
    try:
        yield
    finally:
        held.discard(id(oracle))
        oracle_module.THREADS[oracle] = None
        lock.release()


def _gradient_registry():
    """TensorFlow's registry of gradient functions (a dict), or None off the TensorFlow backend."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return None
    try:
        from tensorflow.python.framework import ops
    except ImportError:  # pragma: no cover - TensorFlow moved its internals
        return None
    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else None


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


_malloc_trim = None


def release_free_memory():
    """Hand the heap memory freed so far back to the operating system.

    Between trials the previous model's tensors are freed, but glibc keeps
    freed memory in its arenas, so the process stays as large as its largest
    trial ever made it. ``malloc_trim(0)`` returns those free pages. A no-op
    where the C library has no ``malloc_trim`` (macOS, musl, Windows).

    Returns:
        True when memory was trimmed.

    Example:
        >>> release_free_memory() in (True, False)
        True
    """
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
            _malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError, TypeError):
            logging.getLogger("autonas").debug("No malloc_trim in this C library: freed memory stays pooled.")
            _malloc_trim = False
    if _malloc_trim is False:
        return False
    _malloc_trim(0)
    return True


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
    try:
        from keras.src.backend.tensorflow import trainer as tf_trainer

        cls = tf_trainer.TFEpochIterator
        original_init, original_next = cls.__init__, cls.__next__
    except (ImportError, AttributeError):
        _iterator_hook = False
        return False

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


# -- variable handles ------------------------------------------------------------------
def _var_handle_module():
    """TensorFlow's generated variable ops, where their handle op takes a ``debug_name``; else None."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return None
    try:
        import inspect

        from tensorflow.python.ops import gen_resource_variable_ops

        if "debug_name" not in inspect.signature(gen_resource_variable_ops.var_handle_op).parameters:
            return None
        return gen_resource_variable_ops
    except (ImportError, AttributeError, TypeError, ValueError):
        return None


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
    Nothing changes on other backends or on TensorFlow versions without the
    attribute.

    Example:
        >>> with shared_variable_kernels():      # doctest: +SKIP
        ...     model = build(hp)
    """
    module = _var_handle_module()
    if module is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    original = module.var_handle_op

    def var_handle_op(*args, debug_name="", **kwargs):
        return original(*args, debug_name=debug_name.rstrip("/").rsplit("/", 1)[-1], **kwargs)

    module.var_handle_op = var_handle_op
    try:
        yield
    finally:
        module.var_handle_op = original
