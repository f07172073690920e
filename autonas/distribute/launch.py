"""Start a chief or a worker: set KerasTuner's variables, then run the user's script."""

import logging
import os
import re
import runpy
import socket
import sys

logger = logging.getLogger("autonas")

DEFAULT_PORT = 8000
_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class WorkerFinished(SystemExit):
    """Raised by `fit` on a worker once the chief has no more trials.

    A `SystemExit` with code 0: uncaught, it ends the worker process cleanly, so
    what follows `fit` in a script (evaluate, export) runs on the chief only.

    Args:
        tuner_id: the worker's id.
        trials: the number of trials the worker ran.

    Example:
        >>> try:                                          # doctest: +SKIP
        ...     clf.fit(x, y)
        ... except WorkerFinished as done:
        ...     print(done.trials, "trials run here")
    """

    def __init__(self, tuner_id=None, trials=None):
        super().__init__(0)
        self.tuner_id = tuner_id
        self.trials = trials


def parse_address(address, arg_name="chief"):
    """Split ``"host:port"`` (or ``"[v6]:port"``) into host and port.

    Args:
        address: the address string.
        arg_name: the argument name for error messages.

    Returns:
        ``(host, port)`` with `port` an int.

    Example:
        >>> parse_address("127.0.0.1:8000")
        ('127.0.0.1', 8000)
    """
    match = re.match(r"^\[?([^\[\]]+?)\]?:(\d+)$", str(address).strip())
    if not match:
        raise ValueError(f"`{arg_name}` must look like HOST:PORT, e.g. 127.0.0.1:8000; received {address!r}.")
    port = int(match.group(2))
    if not 0 < port < 65536:
        raise ValueError(f"`{arg_name}` has port {port}; expected 1 to 65535.")
    return match.group(1), port


def default_worker_id():
    """A worker id unique on this network: ``worker-<host>-<pid>``.

    Returns:
        A string without the word "chief".

    Example:
        >>> default_worker_id().startswith("worker-")
        True
    """
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()).replace("chief", "c-h-i-e-f") or "host"
    return f"worker-{host}-{os.getpid()}"


def _check_port(port):
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"`port` must be an integer from 1 to 65535; received {port!r}.")


def _check_script(script):
    script = os.fspath(script)
    if not os.path.isfile(script):
        raise FileNotFoundError(f"`script` {script!r} is not a file; pass the Python script that calls fit.")
    return script


def _run_script(script, args):
    saved = sys.argv
    sys.argv = [script] + [str(a) for a in args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = saved
        sys.path.pop(0)
    return 0


def run_chief(script, args=(), host="127.0.0.1", port=DEFAULT_PORT, lease_timeout=None, tuner_id="chief"):
    """Run `script` as the chief of a distributed search.

    The chief listens on `host`:`port` (127.0.0.1 unless told otherwise; any
    other address is logged as a warning), serves trials until all are done,
    then the script goes on after `fit` (refit, evaluate, export) as usual.

    Args:
        script: path of the Python script that builds the model and calls `fit`.
        args: command-line arguments for the script.
        host: address to listen on.
        port: TCP port.
        lease_timeout: seconds of silence after which a worker's trial is
            handed to another worker (default 60, or ``AUTONAS_LEASE_TIMEOUT``).
        tuner_id: the chief's KerasTuner id; must contain ``"chief"``.

    Returns:
        The exit code, 0 when the script ran to its end.

    Example:
        >>> run_chief("search.py", port=8000)  # doctest: +SKIP
    """
    from autonas.distribute.chief import check_lease_timeout, warn_if_exposed

    script = _check_script(script)
    _check_port(port)
    if "chief" not in str(tuner_id) or not _ID.match(str(tuner_id)):
        raise ValueError(f"`tuner_id` of the chief must contain 'chief' and only letters, digits, '.', '_', '-'; "
                         f"received {tuner_id!r}.")
    env = {"KERASTUNER_TUNER_ID": tuner_id, "KERASTUNER_ORACLE_IP": host, "KERASTUNER_ORACLE_PORT": str(port)}
    if lease_timeout is not None:
        env["AUTONAS_LEASE_TIMEOUT"] = str(check_lease_timeout(lease_timeout))
    warn_if_exposed(host)
    os.environ.update(env)
    logger.info("Chief %s: running %s, serving trials on %s:%d.", tuner_id, script, host, port)
    return _run_script(script, args)


def run_worker(script, chief=f"127.0.0.1:{DEFAULT_PORT}", args=(), tuner_id=None, chief_timeout=None):
    """Run `script` as a worker of the chief at `chief`.

    `fit` in the script runs the trials the chief hands out; when the chief
    has no more, the worker ends (the rest of the script is not run).

    Args:
        script: path of the same script the chief runs.
        chief: ``"host:port"`` of the chief.
        args: command-line arguments for the script.
        tuner_id: this worker's id, unique among the workers and without the
            word "chief"; ``worker-<host>-<pid>`` when None.
        chief_timeout: seconds each call waits for the chief (default 600, or
            ``AUTONAS_CHIEF_TIMEOUT``), including the wait for it to start.

    Returns:
        0 once the chief has no more trials.

    Example:
        >>> run_worker("search.py", chief="127.0.0.1:8000")  # doctest: +SKIP
    """
    script = _check_script(script)
    host, port = parse_address(chief)
    tuner_id = tuner_id or default_worker_id()
    if "chief" in str(tuner_id) or not _ID.match(str(tuner_id)):
        raise ValueError(f"`tuner_id` of a worker must not contain 'chief' and may hold only letters, digits, "
                         f"'.', '_', '-'; received {tuner_id!r}.")
    env = {"KERASTUNER_TUNER_ID": tuner_id, "KERASTUNER_ORACLE_IP": host, "KERASTUNER_ORACLE_PORT": str(port)}
    if chief_timeout is not None:
        if isinstance(chief_timeout, bool) or not isinstance(chief_timeout, (int, float)) or chief_timeout <= 0:
            raise ValueError(f"`chief_timeout` must be a positive number of seconds; received {chief_timeout!r}.")
        env["AUTONAS_CHIEF_TIMEOUT"] = str(float(chief_timeout))
    os.environ.update(env)
    logger.info("Worker %s: running %s for the chief at %s:%d.", tuner_id, script, host, port)
    try:
        _run_script(script, args)
    except WorkerFinished:
        return 0
    logger.warning("Worker %s: %s ended without calling fit.", tuner_id, script)
    return 0
