"""The chief of a distributed search: KerasTuner's oracle service with worker leases.

KerasTuner's own chief (`keras_tuner.src.distribute.oracle_chief`) exits only
once every worker that ever asked for a trial has been told to stop and no trial
is running, so one worker that dies mid-trial hangs it forever. The chief here
serves the same gRPC `Oracle` service (`autonas.distribute.services`), so
workers are ordinary KerasTuner clients, and adds leases
(`autonas.distribute.leases`): a worker silent for `lease_timeout` seconds loses
its trial to the next worker that asks, a trial that kills its workers
`max_lease_losses` times is recorded FAILED, and only the holder of a trial's
current assignment may report on it. Every assignment is recorded in
``leases.json`` in the project directory.
"""

import asyncio
import logging
import os
import threading
import time
from concurrent import futures

from autonas._compat import keras_tuner as _kt
from autonas.distribute import auth
from autonas.distribute import tls as tls_module
from autonas.distribute.auth import is_loopback  # noqa: F401 (the name this module offered)
from autonas.distribute.leases import (  # noqa: F401 (the names this module offered)
    DEFAULT_LEASE_TIMEOUT,
    DEFAULT_MAX_LEASE_LOSSES,
    FAILED,
    LEASES_FILE,
    RUNNING,
    STOPPED,
    Leases,
    check_lease_timeout,
)
from autonas.distribute.services import _autonas_handler, _servicer_class

logger = logging.getLogger("autonas")


def warn_if_exposed(host, tls=False):
    """Log a warning when the chief listens beyond this machine without TLS."""
    if not is_loopback(host) and not tls:
        logger.warning(
            "The chief listens on %s, not on the loopback address: any machine that can reach this address can "
            "read the search space; only callers with the shared token may report results (the connection is "
            "authenticated, not encrypted: set AUTONAS_TLS_CERT and AUTONAS_TLS_KEY, see "
            "autonas.distribute.tls). Use it on a trusted network, or tunnel the port.", host)


class Chief:
    """A running chief: the gRPC server and its `Leases`.

    The server is gRPC's asyncio server, on an event loop in a thread of its
    own. KerasTuner's `Oracle` calls, which queue for the oracle's lock, run in
    its `threads`; heartbeats are answered on the event loop itself, so however
    many calls wait for the lock, live workers keep their leases.

    Args:
        leases: the `Leases` around the search's oracle.
        host: address to listen on (``"127.0.0.1"`` keeps the chief on this machine).
        port: TCP port; 0 picks a free one (see `port` after `start`).
        threads: threads for the `Oracle` calls.
        token: the shared token every call must carry (`autonas.distribute.auth`);
            required when `host` is not a loopback address.
        tls: None, or ``(certificate chain, private key)`` as PEM bytes: the
            chief then speaks TLS only (`autonas.distribute.tls`).

    Example:
        >>> chief = Chief(Leases(oracle), "127.0.0.1", 8000).start()   # doctest: +SKIP
        >>> chief.wait()                                               # doctest: +SKIP
    """

    def __init__(self, leases, host="127.0.0.1", port=8000, threads=8, token=None, tls=None):
        self.leases = leases
        self.token = auth.check_token(host, token)
        self.tls = tls_module.check_server_tls(tls)
        self.host = host
        self.port = int(port)
        self.threads = threads
        self.server = None
        self._loop = None
        self._thread = None

    def start(self):
        """Start listening. Returns self."""
        warn_if_exposed(self.host, self.tls is not None)
        self._loop = asyncio.new_event_loop()
        opened = futures.Future()
        self._thread = threading.Thread(target=self._serve, args=(opened,), name="autonas-chief", daemon=True)
        self._thread.start()
        try:
            opened.result()
        except BaseException:
            self._thread.join()
            raise
        logger.info("Chief listening on %s:%d%s (lease_timeout=%gs).", self.host, self.port,
                    " with TLS" if self.tls else "", self.leases.lease_timeout)
        return self

    def _serve(self, opened):
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._open())
        except BaseException as e:
            self._loop.close()
            opened.set_exception(e)
            return
        opened.set_result(self.port)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    async def _open(self):
        import grpc

        server = grpc.aio.server(migration_thread_pool=futures.ThreadPoolExecutor(max_workers=self.threads),
                                 interceptors=(auth.aio_server_interceptor(self.token),))
        _kt.service().add_OracleServicer_to_server(_servicer_class()(self.leases), server)
        server.add_generic_rpc_handlers((_autonas_handler(self.leases),))
        target = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        try:
            if self.tls is not None:
                bound = server.add_secure_port(target, tls_module.server_credentials(self.tls))
            else:
                bound = server.add_insecure_port(target)
        except RuntimeError as e:
            bound, error = 0, e
        else:
            error = None
        if not bound:
            raise OSError(f"The chief could not listen on {target} ({error or 'address in use?'}); "
                          "choose another --port or host.")
        self.port = bound
        await server.start()
        self.server = server

    def wait(self, poll=0.5, timeout=None):
        """Expire stale leases until the search is over, then stop the server.

        Args:
            poll: seconds between lease checks.
            timeout: give up after this many seconds (None: wait as long as it takes).

        Returns:
            True when the search finished, False on timeout.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while not self.leases.finished():
                if deadline is not None and time.monotonic() > deadline:
                    return False
                time.sleep(poll)
                self.leases.expire()
            return True
        finally:
            self.stop()

    def stop(self, grace=2.0):
        """Stop the server, letting calls in flight finish for `grace` seconds."""
        if self.server is None:
            return
        server, self.server = self.server, None
        try:
            asyncio.run_coroutine_threadsafe(server.stop(grace), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()


def serve(tuner, host=None, port=None, lease_timeout=None):
    """Run the chief of `tuner`'s search until every trial is done.

    Host and port default to ``KERASTUNER_ORACLE_IP`` and
    ``KERASTUNER_ORACLE_PORT``; the lease to ``AUTONAS_LEASE_TIMEOUT`` (60s);
    the token to ``AUTONAS_TOKEN``; TLS to ``AUTONAS_TLS_CERT`` and
    ``AUTONAS_TLS_KEY`` (`autonas.distribute.tls`).

    Args:
        tuner: the chief's `autonas.Tuner` (its oracle is the search's state).
        host: address to listen on.
        port: TCP port.
        lease_timeout: seconds of worker silence before its trial is handed on.

    Returns:
        The `Leases` of the finished search.

    Example:
        >>> serve(tuner)  # doctest: +SKIP
    """
    host = host or os.environ.get("KERASTUNER_ORACLE_IP", "127.0.0.1")
    port = port if port is not None else int(os.environ.get("KERASTUNER_ORACLE_PORT", "8000"))
    if lease_timeout is None:
        lease_timeout = os.environ.get("AUTONAS_LEASE_TIMEOUT", DEFAULT_LEASE_TIMEOUT)
    lease_timeout = check_lease_timeout(lease_timeout, "AUTONAS_LEASE_TIMEOUT")
    reporter = getattr(tuner, "reporter", None)

    def on_trial_end(trial):
        if reporter is not None:
            reporter.on_trial_end(tuner, trial, tuner.trial_info(trial.trial_id))

    leases = Leases(tuner.oracle, lease_timeout=lease_timeout,
                    can_start=tuner._time_for_another_trial if getattr(tuner, "deadline", None) else None,
                    on_trial_end=on_trial_end, record_path=os.path.join(tuner.project_dir, LEASES_FILE))
    tuner.save()
    Chief(leases, host, port, token=auth.token_from_env(), tls=tls_module.server_tls_from_env()).start().wait()
    logger.info("Distributed search finished: %d trials.", len(tuner.oracle.trials))
    return leases
