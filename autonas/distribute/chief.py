"""The chief of a distributed search: KerasTuner's oracle service with worker leases.

KerasTuner's own chief (`keras_tuner.src.distribute.oracle_chief`) exits only
once every worker that ever asked for a trial has been told to stop and no trial
is running, so one worker that dies mid-trial hangs it forever. The chief here
serves the same gRPC `Oracle` service, so workers are ordinary KerasTuner
clients, and adds leases:

- a worker holds its trial while it keeps heartbeating; when no heartbeat (or
  other call) arrives for `lease_timeout` seconds, the trial is queued again
  and handed to the next worker that asks, and the worker is forgotten;
- a trial whose workers died `max_lease_losses` times is recorded FAILED
  (it is probably what kills them, e.g. by running out of memory);
- while any trial is running, a worker asking for work is told to wait (IDLE)
  rather than to stop, so it is still there to take over a trial whose worker
  dies;
- only the worker holding a trial may report on it: a worker whose lease
  expired is told so, and its late results are ignored;
- every assignment has a generation number, so a worker that gets its own
  expired trial back (same worker id, same trial) holds the new assignment:
  only the expired generation is lost.

Every assignment is recorded in ``leases.json`` in the project directory.
"""

import collections
import contextlib
import io
import logging
import math
import os
import time
from concurrent import futures

from autonas._compat import keras_tuner as _kt
from autonas.distribute import auth, protocol
from autonas.distribute.auth import is_loopback  # noqa: F401 (the name this module offered)
from autonas.utils.io import atomic_write_json

logger = logging.getLogger("autonas")

#: seconds without a heartbeat after which a worker's trial is handed to another worker.
DEFAULT_LEASE_TIMEOUT = 60.0
#: lost leases after which a trial is recorded FAILED instead of being handed out again.
DEFAULT_MAX_LEASE_LOSSES = 3
LEASES_FILE = "leases.json"

RUNNING = _kt.TRIAL_STATUS.RUNNING
STOPPED = _kt.TRIAL_STATUS.STOPPED
FAILED = _kt.TRIAL_STATUS.FAILED


class Leases:
    """Lease bookkeeping around an oracle: who holds which trial, and until when.

    Pure Python and thread-safe; the gRPC servicer is a thin layer over it.

    Args:
        oracle: the search strategy (any `keras_tuner.Oracle`).
        lease_timeout: seconds without a call from a worker after which its
            trial is handed to another worker and the worker is forgotten.
        max_lease_losses: lost leases after which a trial is recorded FAILED.
        can_start: optional callable; when it returns False no further trial
            starts (the time budget is spent).
        on_trial_end: optional callable ``(trial)`` called after a trial ends.
        record_path: where to write the assignment record (JSON); None: nowhere.
        clock: monotonic clock (seconds), replaceable in tests.

    Example:
        >>> leases = Leases(oracle, lease_timeout=30)          # doctest: +SKIP
        >>> trial = leases.create_trial("worker-1")            # doctest: +SKIP
    """

    def __init__(self, oracle, lease_timeout=DEFAULT_LEASE_TIMEOUT, max_lease_losses=DEFAULT_MAX_LEASE_LOSSES,
                 can_start=None, on_trial_end=None, record_path=None, clock=time.monotonic):
        self.oracle = oracle
        self.lease_timeout = check_lease_timeout(lease_timeout)
        if isinstance(max_lease_losses, bool) or not isinstance(max_lease_losses, int) or max_lease_losses < 1:
            raise ValueError(f"`max_lease_losses` must be a positive integer; received {max_lease_losses!r}.")
        self.max_lease_losses = max_lease_losses
        self.can_start = can_start
        self.on_trial_end = on_trial_end
        self.record_path = record_path
        self.clock = clock
        self.started = clock()
        self.last_seen = {}
        self.lease_losses = collections.Counter()
        self.assignments = collections.defaultdict(list)
        self.generations = 0  # assignments handed out so far: the next one's generation number
        self.stop_sent = False
        self.stop_reason = None
        #: the error a strategy raised, which ends the search (the chief raises it after serving).
        self.failure = None
        self._messages = {}

    @property
    def heartbeat_interval(self):
        """Seconds between a worker's heartbeats: a sixth of the lease."""
        return max(0.2, self.lease_timeout / 6.0)

    # -- calls from workers ------------------------------------------------------
    def touch(self, tuner_id):
        """Record that `tuner_id` is alive now."""
        if tuner_id is not None:
            self.last_seen[tuner_id] = self.clock()

    def holds(self, tuner_id, trial_id):
        """True when `tuner_id` currently holds the lease of `trial_id`."""
        trial = self.oracle.ongoing_trials.get(tuner_id)
        return trial is not None and trial.trial_id == trial_id

    def create_trial(self, tuner_id):
        """A trial for `tuner_id`: RUNNING, IDLE (ask again) or STOPPED.

        Args:
            tuner_id: the asking worker.

        Returns:
            A `keras_tuner` `Trial`.
        """
        with _kt.oracle_lock(self.oracle):
            self.touch(tuner_id)
            held = self.oracle.ongoing_trials.get(tuner_id)
            if held is not None:
                return held
            if self.stop_reason is None and self.can_start is not None and not self.can_start():
                self.stop_reason = "the time budget is spent"
                logger.info("Time budget reached: no further trial started.")
            if self.stop_reason is not None:
                self.oracle.tuner_ids.discard(tuner_id)
                self.stop_sent = True
                return _kt.stopped_trial(self.oracle)
            try:
                trial = self.oracle.create_trial(tuner_id)
            except Exception as e:  # a strategy error ends the search, not the chief
                self._fail(f"{type(e).__name__}: {e}", None)
                self.oracle.tuner_ids.discard(tuner_id)
                self.stop_sent = True
                return _kt.stopped_trial(self.oracle)
            if trial.status == STOPPED:
                if self.oracle.ongoing_trials:
                    # Another worker may still die; keep this one to take over its trial.
                    self.oracle.tuner_ids.add(tuner_id)
                    return _kt.idle_trial(self.oracle)
                self.stop_sent = True
                return trial
            if trial.status == RUNNING:
                self.generations += 1
                self.assignments[trial.trial_id].append(
                    {"tuner_id": tuner_id, "generation": self.generations, "start": time.time(), "end": None,
                     "outcome": "running"})
                self._write_record()
                logger.info("Trial %s handed to %s.", trial.trial_id, tuner_id)
            return trial

    def update_trial(self, tuner_id, trial_id, metrics, step=0):
        """Record metrics of `trial_id` if `tuner_id` holds it (None: trust the caller)."""
        with _kt.oracle_lock(self.oracle):
            self.touch(tuner_id)
            if tuner_id is not None and not self.holds(tuner_id, trial_id):
                logger.warning("Ignored metrics of trial %s from %s, which no longer holds it.", trial_id, tuner_id)
                return self.oracle.get_trial(trial_id)
            return self.oracle.update_trial(trial_id, metrics, step=step)

    def set_message(self, tuner_id, trial_id, message):
        """Keep the failure message of `trial_id` for its `end_trial`."""
        with _kt.oracle_lock(self.oracle):
            self.touch(tuner_id)
            if tuner_id is None or self.holds(tuner_id, trial_id):
                self._messages[trial_id] = str(message)

    def end_trial(self, tuner_id, trial):
        """End `trial` if `tuner_id` holds it (None: trust the caller).

        Returns:
            True when the result was recorded, False when it was ignored.
        """
        with _kt.oracle_lock(self.oracle):
            self.touch(tuner_id)
            if tuner_id is not None and not self.holds(tuner_id, trial.trial_id):
                logger.warning("Ignored the end of trial %s from %s, which no longer holds it.",
                               trial.trial_id, tuner_id)
                return False
            holder = tuner_id or next((t for t, tr in self.oracle.ongoing_trials.items()
                                       if tr.trial_id == trial.trial_id), None)
            message = self._messages.pop(trial.trial_id, None)
            if message and not trial.message:
                trial.message = message
            try:
                self.oracle.end_trial(trial)
            except Exception as e:  # e.g. KerasTuner's own limit on failures in a row
                self._fail(f"{type(e).__name__}: {e}", trial.trial_id)
            ended = self.oracle.get_trial(trial.trial_id)
            self._close_assignment(trial.trial_id, holder, str(ended.status).lower())
            self._after_end(ended)
            return True

    def lost(self, tuner_id, trial_id, generation=None):
        """True when `tuner_id`'s lease on `trial_id` expired (the trial was taken from it).

        A trial the worker ended itself is not lost, though the worker no longer holds it.
        With `generation`, only that assignment counts: a worker given its own expired
        trial back holds the new generation and has lost only the old one. Without it,
        the worker's latest assignment of the trial counts.
        """
        mine = [record for record in list(self.assignments.get(trial_id, ())) if record["tuner_id"] == tuner_id]
        if generation is not None:
            mine = [record for record in mine if record.get("generation") == generation]
        return bool(mine) and mine[-1]["outcome"] == "lease expired"

    def generation(self, tuner_id, trial_id):
        """The generation of `tuner_id`'s running assignment of `trial_id`, or None when it holds none."""
        for record in reversed(list(self.assignments.get(trial_id, ()))):
            if record["tuner_id"] == tuner_id and record["outcome"] == "running":
                return record.get("generation")
        return None

    def heartbeat(self, tuner_id, trial_id, generation=None):
        """Renew `tuner_id`'s lease; tell it whether it holds `trial_id`, under which generation, and whether it
        lost the assignment of `generation` (its latest one when None).

        Lock-free, so a slow proposal never delays heartbeats into a false expiry.
        """
        self.touch(tuner_id)
        held = self.holds(tuner_id, trial_id) if trial_id else False
        return {"trial_id": trial_id, "held": held,
                "generation": self.generation(tuner_id, trial_id) if held else None,
                "lost": self.lost(tuner_id, trial_id, generation) if trial_id else False,
                "interval": self.heartbeat_interval}

    # -- the chief's own loop --------------------------------------------------------
    def expire(self):
        """Hand out again the trials of workers silent for longer than the lease.

        Returns:
            The ids of the trials whose lease expired.
        """
        expired = []
        with _kt.oracle_lock(self.oracle):
            now = self.clock()
            for tuner_id, trial in list(self.oracle.ongoing_trials.items()):
                silent = now - self.last_seen.get(tuner_id, self.started)
                if silent <= self.lease_timeout:
                    continue
                expired.append(trial.trial_id)
                self.oracle.ongoing_trials.pop(tuner_id, None)
                self.oracle.tuner_ids.discard(tuner_id)
                self.lease_losses[trial.trial_id] += 1
                losses = self.lease_losses[trial.trial_id]
                self._close_assignment(trial.trial_id, tuner_id, "lease expired")
                if losses >= self.max_lease_losses:
                    logger.warning("Worker %s went silent for %.0fs running trial %s; its workers died %d times, "
                                   "so the trial is recorded FAILED.", tuner_id, silent, trial.trial_id, losses)
                    trial.status = FAILED
                    trial.message = (f"The workers running this trial stopped responding {losses} times "
                                     f"(lease_timeout={self.lease_timeout:g}s); the trial may crash them, for "
                                     "example by running out of memory.")
                    self.oracle.ongoing_trials[tuner_id] = trial  # so that end_trial finds and releases it
                    try:
                        self.oracle.end_trial(trial)
                    except Exception as e:
                        self._fail(f"{type(e).__name__}: {e}", trial.trial_id)
                    self._after_end(self.oracle.get_trial(trial.trial_id))
                else:
                    logger.warning("Worker %s went silent for %.0fs (lease_timeout=%gs); trial %s goes to the "
                                   "next worker.", tuner_id, silent, self.lease_timeout, trial.trial_id)
                    _kt.requeue(self.oracle, trial.trial_id)
                    self.oracle.save()
            for tuner_id in list(self.oracle.tuner_ids):
                if tuner_id in self.oracle.ongoing_trials:
                    continue
                if now - self.last_seen.get(tuner_id, self.started) > self.lease_timeout:
                    logger.info("Worker %s went silent; it is no longer waited for.", tuner_id)
                    self.oracle.tuner_ids.discard(tuner_id)
        return expired

    def finished(self):
        """True once the search is over and every live worker has been told so."""
        with _kt.oracle_lock(self.oracle):
            return self.stop_sent and not self.oracle.ongoing_trials and not self.oracle.tuner_ids

    # -- internals ------------------------------------------------------------------
    def _fail(self, error, trial_id):
        """The strategy raised: stop the search, release the trial, keep the error for the chief."""
        logger.error("The search strategy raised%s; no further trial starts. %s",
                     f" while ending trial {trial_id}" if trial_id else "", error)
        self.failure = self.failure or error
        self.stop_reason = self.stop_reason or "the search strategy raised an error"
        for tuner_id, held in list(self.oracle.ongoing_trials.items()):
            if held.trial_id == trial_id:
                self.oracle.ongoing_trials.pop(tuner_id)
        self.oracle.save()

    def _after_end(self, trial):
        limit = getattr(self.oracle, "failure_limit", None)
        if limit and hasattr(self.oracle, "consecutive_failures") and self.stop_reason is None:
            if len(self.oracle.consecutive_failures()) >= limit:
                self.stop_reason = f"{limit} trials failed in a row"
                logger.warning("%s: no further trial starts.", self.stop_reason)
        if self.on_trial_end is not None:
            try:
                self.on_trial_end(trial)
            except Exception:  # a progress display must never stop the chief
                logger.exception("Reporting the end of trial %s failed.", trial.trial_id)

    def _close_assignment(self, trial_id, tuner_id, outcome):
        for record in reversed(self.assignments.get(trial_id, [])):
            if record["outcome"] == "running" and (tuner_id is None or record["tuner_id"] == tuner_id):
                record["outcome"], record["end"] = outcome, time.time()
                break
        self._write_record()

    def _write_record(self):
        if self.record_path is None:
            return
        atomic_write_json(self.record_path, {
            "lease_timeout": self.lease_timeout,
            "trials": {tid: records for tid, records in sorted(self.assignments.items())},
        })


def check_lease_timeout(value, arg_name="lease_timeout"):
    """Validate a lease timeout in seconds.

    Args:
        value: the value received.
        arg_name: the argument name for the error message.

    Returns:
        The timeout as a float.

    Example:
        >>> check_lease_timeout(30)
        30.0
    """
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if isinstance(value, bool) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"`{arg_name}` must be a positive number of seconds; received {value!r}.")
    return seconds


def warn_if_exposed(host):
    """Log a warning when the chief listens beyond this machine."""
    if not is_loopback(host):
        logger.warning(
            "The chief listens on %s, not on the loopback address: any machine that can reach this address can "
            "read the search space; only callers with the shared token may report results (the connection is "
            "authenticated, not encrypted). Use it on a trusted network, or tunnel the port.", host)


def _servicer_class():
    import keras_tuner
    from keras_tuner.engine import trial as trial_module

    service, msgs = _kt.service(), _kt.messages()

    class OracleServicer(service.OracleServicer):
        """KerasTuner's `Oracle` service, answered through `Leases`.

        Every call runs under the leases' lock with stdout silenced: KerasTuner
        prints while converting conditional hyperparameters to protos, and the
        lock keeps that silence from swallowing the progress display's lines.
        """

        def __init__(self, leases):
            self.leases = leases

        @contextlib.contextmanager
        def _quiet(self):
            with _kt.oracle_lock(self.leases.oracle), contextlib.redirect_stdout(io.StringIO()):
                yield

        def GetSpace(self, request, context):
            with self._quiet():
                return msgs.GetSpaceResponse(hyperparameters=self.leases.oracle.get_space().to_proto())

        def UpdateSpace(self, request, context):
            with self._quiet():
                hps = keras_tuner.HyperParameters.from_proto(request.hyperparameters)
                self.leases.oracle.update_space(hps)
            return msgs.UpdateSpaceResponse()

        def CreateTrial(self, request, context):
            tuner_id = protocol.tuner_id_from_context(context) or request.tuner_id
            trial = self.leases.create_trial(tuner_id)
            with self._quiet():
                return msgs.CreateTrialResponse(trial=trial.to_proto())

        def UpdateTrial(self, request, context):
            trial = self.leases.update_trial(protocol.tuner_id_from_context(context), request.trial_id,
                                             dict(request.metrics), step=request.step)
            with self._quiet():
                return msgs.UpdateTrialResponse(trial=trial.to_proto())

        def EndTrial(self, request, context):
            with self._quiet():
                trial = trial_module.Trial.from_proto(request.trial)
            self.leases.end_trial(protocol.tuner_id_from_context(context), trial)
            return msgs.EndTrialResponse()

        def GetTrial(self, request, context):
            with self._quiet():
                return msgs.GetTrialResponse(trial=self.leases.oracle.get_trial(request.trial_id).to_proto())

        def GetBestTrials(self, request, context):
            with self._quiet():
                trials = self.leases.oracle.get_best_trials(request.num_trials)
                return msgs.GetBestTrialsResponse(trials=[t.to_proto() for t in trials])

    return OracleServicer


def _autonas_handler(leases):
    import grpc

    def heartbeat(request, context):
        body = protocol.decode(request)
        return leases.heartbeat(protocol.tuner_id_from_context(context), body.get("trial_id"), body.get("generation"))

    def trial_message(request, context):
        body = protocol.decode(request)
        leases.set_message(protocol.tuner_id_from_context(context), body.get("trial_id"), body.get("message", ""))
        return {}

    def method(fn):
        return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=None,
                                                   response_serializer=protocol.encode)

    return grpc.method_handlers_generic_handler(protocol.SERVICE, {
        "Heartbeat": method(heartbeat),
        "TrialMessage": method(trial_message),
    })


class Chief:
    """A running chief: the gRPC server and its `Leases`.

    Args:
        leases: the `Leases` around the search's oracle.
        host: address to listen on (``"127.0.0.1"`` keeps the chief on this machine).
        port: TCP port; 0 picks a free one (see `port` after `start`).
        threads: server threads.
        token: the shared token every call must carry (`autonas.distribute.auth`);
            required when `host` is not a loopback address.

    Example:
        >>> chief = Chief(Leases(oracle), "127.0.0.1", 8000).start()   # doctest: +SKIP
        >>> chief.wait()                                               # doctest: +SKIP
    """

    def __init__(self, leases, host="127.0.0.1", port=8000, threads=8, token=None):
        self.leases = leases
        self.token = auth.check_token(host, token)
        self.host = host
        self.port = int(port)
        self.threads = threads
        self.server = None

    def start(self):
        """Start listening. Returns self."""
        import grpc

        warn_if_exposed(self.host)
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=self.threads),
                                  interceptors=(auth.server_interceptor(self.token),))
        _kt.service().add_OracleServicer_to_server(_servicer_class()(self.leases), self.server)
        self.server.add_generic_rpc_handlers((_autonas_handler(self.leases),))
        target = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        try:
            bound = self.server.add_insecure_port(target)
        except RuntimeError as e:
            bound, error = 0, e
        else:
            error = None
        if not bound:
            raise OSError(f"The chief could not listen on {target} ({error or 'address in use?'}); "
                          "choose another --port or host.")
        self.port = bound
        self.server.start()
        logger.info("Chief listening on %s:%d (lease_timeout=%gs).", self.host, self.port, self.leases.lease_timeout)
        return self

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
        if self.server is not None:
            self.server.stop(grace).wait()
            self.server = None


def serve(tuner, host=None, port=None, lease_timeout=None):
    """Run the chief of `tuner`'s search until every trial is done.

    Host and port default to ``KERASTUNER_ORACLE_IP`` and
    ``KERASTUNER_ORACLE_PORT``; the lease to ``AUTONAS_LEASE_TIMEOUT`` (60s).

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
    Chief(leases, host, port, token=auth.token_from_env()).start().wait()
    logger.info("Distributed search finished: %d trials.", len(tuner.oracle.trials))
    return leases
