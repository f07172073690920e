"""The one module where autonas touches KerasTuner's private names.

Supported: keras-tuner 1.4.8 (``>=1.4.8,<1.5`` in setup.cfg). `check()` runs when this
module is imported and raises an `ImportError` naming that version when any name below
is missing; the chief/worker names are checked by `check_distributed()` (they need
grpcio, which only a distributed search imports).

The private names, and why:

- ``keras_tuner.src.utils.save_json`` / ``load_json``: KerasTuner writes every
  oracle.json and trial.json through them, in place; `install()` replaces them with
  atomic versions (a process killed mid-write would leave a file no run can reload).
- ``keras_tuner.src.engine.oracle.LOCKS`` / ``THREADS``: the lock behind
  `keras_tuner.synchronized`, which stays held when the method raises
  (`release_leaked_oracle_lock`, `hold_oracle_lock`, `released_oracle_lock`).
- ``Tuner._try_run_and_update_trial``, ``_build_hypermodel``, ``_try_build``,
  ``_get_checkpoint_fname``: the Tuner's hooks, mapped by `TunerHooks` onto public
  methods of the same names without the underscore;
- ``keras_tuner.src.engine.tuner.maybe_distribute``: a distribution strategy's scope;
- ``Int._get_n_values`` / ``Float._get_n_values``, ``_get_value_by_index``: the stepped
  values of a numeric hyperparameter (`stepped_values`);
- ``Oracle._save_trial``, ``Oracle._set_project_dir``: the table benchmark keeps an
  oracle in memory or in a folder of its choosing (`keep_in_memory`, `set_project_dir`);
- ``Oracle._retry_queue``, ``Oracle._record_values``: after a reload, the oracle's
  bookkeeping is made to agree with its trial files (`reconcile_trials`);
- chief/worker: ``keras_tuner.src.distribute.utils`` (who is chief), ``keras_tuner.src.protos``
  (the gRPC service and messages), ``keras_tuner.src.distribute.oracle_client.TIMEOUT``
  and ``Oracle._retry_queue`` (a trial whose worker died is queued again).
"""

import contextlib
import json
import threading

import keras_tuner
from keras_tuner.engine import trial as trial_module

from autonas.utils.io import atomic_write_text, read_json

SUPPORTED = "keras-tuner 1.4.8 (>=1.4.8,<1.5)"
TRIAL_STATUS = trial_module.TrialStatus
_TUNER_HOOKS = ("_try_run_and_update_trial", "_build_hypermodel", "_try_build", "_get_checkpoint_fname")


def _missing(what):
    return ImportError(
        f"autonas needs {SUPPORTED}; the installed keras-tuner {keras_tuner.__version__} has no {what}. "
        "Install a supported version: pip install 'keras-tuner>=1.4.8,<1.5'."
    )


def check():
    """Verify the private KerasTuner names listed in this module's docstring (all but chief/worker).

    Returns:
        True when every one is present.

    Raises:
        ImportError: naming the missing name and the supported keras-tuner version.

    Example:
        >>> check()
        True
    """
    try:
        from keras_tuner.src import utils as kt_utils
        from keras_tuner.src.engine import oracle as oracle_module
        from keras_tuner.src.engine import tuner as tuner_module
    except ImportError as e:
        raise _missing(f"module keras_tuner.src ({e})") from e
    needed = [(kt_utils, "save_json"), (kt_utils, "load_json"), (oracle_module, "LOCKS"),
              (oracle_module, "THREADS"), (tuner_module, "maybe_distribute")]
    needed += [(keras_tuner.Tuner, name) for name in _TUNER_HOOKS]
    needed += [(keras_tuner.Oracle, "_save_trial"), (keras_tuner.Oracle, "_set_project_dir")]
    needed += [(getattr(keras_tuner.engine.hyperparameters, cls), name) for cls in ("Int", "Float")
               for name in ("_get_n_values", "_get_value_by_index")]
    for owner, name in needed:
        if not hasattr(owner, name):
            raise _missing(f"{getattr(owner, '__name__', owner)}.{name}")
    return True


# -- atomic JSON state -------------------------------------------------------------------
_installed = False


def _save_json(path, obj):
    text = json.dumps(obj)
    atomic_write_text(path, text)
    return text


def _load_json(path):
    return read_json(path, "search state file")


def install():
    """Route KerasTuner's JSON state through autonas's atomic writer (idempotent).

    Returns:
        True when the hook is in place.

    Example:
        >>> install()
        True
    """
    global _installed
    if not _installed:
        from keras_tuner.src import utils as kt_utils

        kt_utils.save_json, kt_utils.load_json = _save_json, _load_json
        _installed = True
    return True


# -- the oracle lock -----------------------------------------------------------------------
_held = threading.local()


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

    Example:
        >>> release_leaked_oracle_lock(keras_tuner.Oracle(objective="loss"))
        False
    """
    from keras_tuner.src.engine import oracle as oracle_module

    threads, locks = oracle_module.THREADS, oracle_module.LOCKS
    if threads.get(oracle) != threading.current_thread().name:
        return False
    if id(oracle) in getattr(_held, "oracles", ()):
        return False  # held on purpose by `hold_oracle_lock`, which releases it itself
    threads[oracle] = None
    locks[oracle].release()
    return True


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



@contextlib.contextmanager
def released_oracle_lock(oracle):
    """Let go of `oracle`'s lock for the block when this thread holds it, and take it back after.

    The chief builds a candidate (the feasibility check) in the middle of
    ``create_trial``; building takes seconds, and other workers' calls (reports,
    ends) need not wait for it. Without the lock held by this thread, a no-op.

    Args:
        oracle: a `keras_tuner.Oracle`.

    Example:
        >>> with released_oracle_lock(keras_tuner.Oracle(objective="loss")):
        ...     pass
    """
    from keras_tuner.src.engine import oracle as oracle_module

    name = threading.current_thread().name
    if oracle_module.THREADS.get(oracle) != name:
        yield
        return
    lock = oracle_module.LOCKS[oracle]
    oracle_module.THREADS[oracle] = None
    lock.release()
    try:
        yield
    finally:
        lock.acquire()
        oracle_module.THREADS[oracle] = name

# -- the Tuner's hooks ---------------------------------------------------------------------
class TunerHooks(keras_tuner.Tuner):
    """A `keras_tuner.Tuner` whose private hooks call public methods of the same name.

    Subclasses override `try_run_and_update_trial`, `build_hypermodel`, `try_build`
    and `checkpoint_path`; each defaults to KerasTuner's own hook.

    Example:
        >>> class MyTuner(TunerHooks):                       # doctest: +SKIP
        ...     def build_hypermodel(self, hp):
        ...         return super().build_hypermodel(hp)
    """

    def try_run_and_update_trial(self, trial, *args, **kwargs):
        """Run one trial and report it to the oracle, failures included (KerasTuner's loop body)."""
        return keras_tuner.Tuner._try_run_and_update_trial(self, trial, *args, **kwargs)

    def build_hypermodel(self, hp):
        """Build the hypermodel for `hp` (after `clear_session`, in the distribution scope)."""
        return keras_tuner.Tuner._build_hypermodel(self, hp)

    def try_build(self, hp):
        """Build and check one candidate model."""
        return keras_tuner.Tuner._try_build(self, hp)

    def checkpoint_path(self, trial_id):
        """Where the trial's weights are saved."""
        return keras_tuner.Tuner._get_checkpoint_fname(self, trial_id)

    def _try_run_and_update_trial(self, trial, *args, **kwargs):
        return self.try_run_and_update_trial(trial, *args, **kwargs)

    def _build_hypermodel(self, hp):
        return self.build_hypermodel(hp)

    def _try_build(self, hp):
        return self.try_build(hp)

    def _get_checkpoint_fname(self, trial_id):
        return self.checkpoint_path(trial_id)


def maybe_distribute(strategy):
    """The scope of `strategy` (a `tf.distribute.Strategy`), or a no-op scope when None."""
    from keras_tuner.src.engine import tuner as tuner_module

    return tuner_module.maybe_distribute(strategy)


# -- hyperparameters and oracles -------------------------------------------------------------
def stepped_values(hp, limit):
    """The values of a stepped `Int`/`Float` hyperparameter, or None when there are more than `limit`.

    Example:
        >>> stepped_values(keras_tuner.HyperParameters().Int("units", 8, 32, step=8), 100)
        [8, 16, 24, 32]
    """
    n = hp._get_n_values()
    return None if n > limit else [hp._get_value_by_index(i) for i in range(n)]


def keep_in_memory(oracle):
    """Make `oracle` (this instance only) skip its ``oracle.json`` and ``trial.json`` writes."""
    oracle.save = lambda *args, **kwargs: None
    oracle._save_trial = lambda *args, **kwargs: None


def set_project_dir(oracle, directory, project_name):
    """Point `oracle`'s state at ``directory/project_name`` without a tuner."""
    oracle._set_project_dir(directory, project_name)


def reconcile_trials(oracle):
    """Make a reloaded oracle's bookkeeping agree with its trial files.

    A process killed between writing a trial's own file and the oracle's file
    leaves the two disagreeing. Each trial file is the truth about its trial:
    finished trials are never re-run, unfinished ones (killed mid-run) are
    queued to run again, and every trial's values count as tried.

    Args:
        oracle: a reloaded `keras_tuner.Oracle`.
    """
    finished = (TRIAL_STATUS.COMPLETED, TRIAL_STATUS.FAILED)
    for trial_id in sorted(oracle.trials):
        trial = oracle.trials[trial_id]
        if trial_id not in oracle.start_order:
            oracle.start_order.append(trial_id)
        if trial.status in finished:
            while trial_id in oracle._retry_queue:
                oracle._retry_queue.remove(trial_id)
            if trial_id not in oracle.end_order:
                oracle.end_order.append(trial_id)
        elif trial_id not in oracle._retry_queue:
            oracle._retry_queue.append(trial_id)
        oracle._record_values(trial)


# -- chief/worker ----------------------------------------------------------------------------
def check_distributed():
    """Verify the KerasTuner internals used for distribution.

    Returns:
        True when every hook is in place.

    Raises:
        ImportError: naming the missing piece and the keras-tuner version needed.

    Example:
        >>> check_distributed()  # doctest: +SKIP
        True
    """
    try:
        from keras_tuner.src import protos
        from keras_tuner.src.distribute import oracle_client
        from keras_tuner.src.distribute import utils as dist_utils

        needed = [
            (dist_utils, "has_chief_oracle"), (dist_utils, "is_chief_oracle"), (oracle_client, "TIMEOUT"),
            (oracle_client, "OracleClient"), (service(), "OracleServicer"), (service(), "OracleStub"),
            (service(), "add_OracleServicer_to_server"),
        ]
        for module, name in needed:
            if not hasattr(module, name):
                raise ImportError(f"{module.__name__}.{name} is missing")
        if not hasattr(keras_tuner.Oracle(objective="loss"), "_retry_queue"):
            raise ImportError("keras_tuner Oracle has no _retry_queue")
    except ImportError as e:
        raise ImportError(
            f"Distributed search needs {SUPPORTED} chief/worker internals ({e}); install "
            "keras-tuner==1.4.8 and grpcio."
        ) from e
    return True


def has_chief():
    """True when the KERASTUNER_* variables ask for a chief/worker search."""
    from keras_tuner.src.distribute import utils as dist_utils

    return dist_utils.has_chief_oracle()


def is_chief():
    """True in the chief process of a chief/worker search."""
    from keras_tuner.src.distribute import utils as dist_utils

    return dist_utils.has_chief_oracle() and dist_utils.is_chief_oracle()


def service():
    """The generated gRPC module of KerasTuner's `Oracle` service."""
    from keras_tuner.src import protos

    return protos.get_service_grpc()


def messages():
    """The generated request/response messages of KerasTuner's `Oracle` service."""
    from keras_tuner.src import protos

    return protos.get_service()


def oracle_stub(channel):
    """A KerasTuner `OracleStub` on `channel`."""
    return service().OracleStub(channel)


def set_client_timeout(seconds):
    """How long a worker's calls wait for the chief (KerasTuner's default is an hour)."""
    from keras_tuner.src.distribute import oracle_client

    oracle_client.TIMEOUT = float(seconds)


def requeue(oracle, trial_id):
    """Queue `trial_id` to be handed to the next worker that asks for a trial."""
    if trial_id not in oracle._retry_queue:
        oracle._retry_queue.append(trial_id)


def idle_trial(oracle):
    """An empty IDLE trial: tells a worker to ask again shortly."""
    return trial_module.Trial(oracle.get_space(), status=TRIAL_STATUS.IDLE)


def stopped_trial(oracle):
    """An empty STOPPED trial: tells a worker that the search is over."""
    return trial_module.Trial(oracle.get_space(), status=TRIAL_STATUS.STOPPED)


def oracle_lock(oracle):
    """Hold KerasTuner's lock for `oracle`, released even on errors (`hold_oracle_lock`)."""
    return hold_oracle_lock(oracle)


check()
