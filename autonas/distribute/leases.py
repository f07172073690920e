"""Worker leases around an oracle: who holds which trial, and until when.

The bookkeeping of the chief (`autonas.distribute.chief`), pure Python and
thread-safe, with no gRPC in it:

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
  only the expired generation is lost;
- the candidate a proposal builds (the feasibility check of `max_model_size`)
  is built without the oracle's lock, so reports and ends of other trials do
  not wait for it; heartbeats take no lock at all.

Every assignment is recorded in ``leases.json`` in the project directory.
"""

import collections
import logging
import math
import threading
import time

from autonas._compat import keras_tuner as _kt
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
        self._proposing = threading.Lock()  # one `create_trial` at a time: trial ids come from the trial count
        self._building = threading.Lock()  # one candidate build at a time: Keras's session is global
        constraint = getattr(oracle, "constraint", None)
        if constraint is not None:
            oracle.constraint = self._outside_lock(constraint)

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
        self.touch(tuner_id)
        with self._proposing, _kt.oracle_lock(self.oracle):
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
                "interval": self.heartbeat_interval, "lease_timeout": self.lease_timeout}

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
    def _outside_lock(self, constraint):
        """`constraint` (the feasibility check, which builds the candidate) run without the oracle's lock.

        ``create_trial`` calls it with the lock held; building takes seconds, and
        the other workers' reports and ends need not wait for it. Trials are still
        created one at a time (`_proposing`), and builds run one at a time.
        """
        if getattr(constraint, "outside_oracle_lock", False):
            return constraint

        def check(values):
            with _kt.released_oracle_lock(self.oracle), self._building:
                return constraint(values)

        check.outside_oracle_lock = True
        return check

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
