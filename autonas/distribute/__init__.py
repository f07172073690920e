"""Distributed search: one chief, any number of workers, one shared project directory.

autonas uses KerasTuner's chief/worker mode and its environment variables:

- ``KERASTUNER_TUNER_ID``: ``"chief"`` for the chief, a unique id per worker
  (an id containing ``chief`` makes a process the chief);
- ``KERASTUNER_ORACLE_IP`` and ``KERASTUNER_ORACLE_PORT``: where the chief
  listens (the chief binds this address) and where workers find it.

How the data reaches the workers: every process runs the *same* script, which
loads the data itself (from a path every host can read, or by generating it)
and calls `fit` with the same arguments. The script's role comes from the
environment:

- on the chief, `fit` serves the search (the strategy's state lives there),
  waits for the workers to run every trial, then refits the best model and
  returns like a local `fit`; what follows `fit` in the script (evaluate,
  export) runs on the chief only;
- on a worker, `fit` runs the trials the chief hands out, then ends the
  process with exit code 0 (`WorkerFinished`), so the rest of the script is
  never run on workers.

All processes need the same ``directory``/``project_name``, on a filesystem
they share (checkpoints and trial records are written there by the workers and
read by the chief for the refit).

From a shell (``SCRIPT`` and its arguments come last)::

    autonas chief --port 8000 search.py                       # on one host
    autonas worker --chief 127.0.0.1:8000 search.py           # once per worker

or by hand, KerasTuner's way::

    KERASTUNER_TUNER_ID=chief KERASTUNER_ORACLE_IP=127.0.0.1 KERASTUNER_ORACLE_PORT=8000 python search.py
    KERASTUNER_TUNER_ID=worker-1 KERASTUNER_ORACLE_IP=127.0.0.1 KERASTUNER_ORACLE_PORT=8000 python search.py

Dead workers: a worker heartbeats while it lives. When the chief hears nothing
from a worker for ``lease_timeout`` seconds (``--lease-timeout``, or
``AUTONAS_LEASE_TIMEOUT``; default 60), the worker's trial goes to the next
worker that asks, so a killed worker never hangs the search. Workers that run
out of trials wait while other trials still run, to take over if needed. The
chief records who ran what in ``leases.json`` in the project directory.

The chief binds 127.0.0.1 unless told otherwise. Every call carries the
caller's tuner id (calls without it are refused), and a chief bound to any
other address requires a shared token, ``AUTONAS_TOKEN``, set to the same
value (16 characters or more) for the chief and every worker; see
`autonas.distribute.auth`.

Example:
    >>> from autonas import distribute
    >>> distribute.role() is None      # not in a distributed search
    True
"""

import os

from autonas.distribute.chief import DEFAULT_LEASE_TIMEOUT
from autonas.distribute.launch import (
    DEFAULT_PORT,
    WorkerFinished,
    default_worker_id,
    parse_address,
    run_chief,
    run_worker,
)



def role():
    """This process's role in a KerasTuner chief/worker search.

    Returns:
        ``"chief"``, ``"worker"``, or None when the ``KERASTUNER_*`` variables
        are not set (a local search).

    Example:
        >>> role()  # doctest: +SKIP
        'worker'
    """
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return None
    from autonas._compat import keras_tuner as _kt

    if not _kt.has_chief():
        return None
    return "chief" if _kt.is_chief() else "worker"


__all__ = [
    "DEFAULT_LEASE_TIMEOUT", "DEFAULT_PORT", "WorkerFinished", "default_worker_id", "parse_address", "role",
    "run_chief", "run_worker",
]
