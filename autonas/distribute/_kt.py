"""The one place where distributed search touches KerasTuner internals.

KerasTuner's chief/worker mode is driven by three environment variables and a
gRPC service whose generated classes live in `keras_tuner.src`. autonas keeps
KerasTuner's wire protocol (so its workers are ordinary KerasTuner clients) and
its oracle state, and reaches into these private pieces only here:

- `keras_tuner.src.distribute.utils`: who is chief, who is worker;
- `keras_tuner.src.protos`: the generated gRPC service and messages;
- `keras_tuner.src.distribute.oracle_client.TIMEOUT`: how long a worker waits
  for the chief;
- `Oracle._retry_queue`: where a trial whose worker died is queued again;
- `keras_tuner.src.engine.oracle.LOCKS`/`THREADS`: the lock behind
  `keras_tuner.synchronized`. That decorator never releases its lock when the
  method raises, so one exception in a strategy would deadlock every later
  call; the chief takes the lock itself with `oracle_lock`, and nested
  synchronized calls then neither take nor leak it (the lock helper itself
  lives in `autonas._compat`, beside `release_leaked_oracle_lock`).

Each is checked by `check()`, which the tests call, so a KerasTuner release
that moves them fails loudly instead of hanging a search.
"""

from keras_tuner.engine import trial as trial_module

TRIAL_STATUS = trial_module.TrialStatus


def check():
    """Verify that the KerasTuner internals used for distribution are present.

    Returns:
        True when every hook is in place.

    Raises:
        ImportError: naming the missing piece and the keras-tuner version needed.

    Example:
        >>> check()  # doctest: +SKIP
        True
    """
    try:
        from keras_tuner.src import protos
        from keras_tuner.src.distribute import oracle_client
        from keras_tuner.src.distribute import utils as dist_utils
        from keras_tuner.src.engine import oracle as oracle_module

        service = protos.get_service_grpc()
        needed = [
            (dist_utils, "has_chief_oracle"), (dist_utils, "is_chief_oracle"), (oracle_client, "TIMEOUT"),
            (oracle_client, "OracleClient"), (service, "OracleServicer"), (service, "OracleStub"),
            (service, "add_OracleServicer_to_server"),
        ]
        for module, name in needed:
            if not hasattr(module, name):
                raise ImportError(f"{module.__name__}.{name} is missing")
        if not hasattr(oracle_module.Oracle(objective="loss"), "_retry_queue"):
            raise ImportError("keras_tuner Oracle has no _retry_queue")
        for name in ("LOCKS", "THREADS"):
            if not hasattr(oracle_module, name):
                raise ImportError(f"keras_tuner.src.engine.oracle.{name} is missing")
    except ImportError as e:
        raise ImportError(
            f"Distributed search needs keras-tuner 1.4.8's chief/worker internals ({e}); install "
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
    """Hold KerasTuner's lock for `oracle`, released even on errors (see `autonas._compat.hold_oracle_lock`).

    Args:
        oracle: a `keras_tuner.Oracle`.

    Returns:
        A context manager.

    Example:
        >>> with oracle_lock(oracle):          # doctest: +SKIP
        ...     trial = oracle.create_trial("worker-1")
    """
    from autonas import _compat

    return _compat.hold_oracle_lock(oracle)
