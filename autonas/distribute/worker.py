"""The worker side of a distributed search: ask the chief for trials, run them, report.

A worker is an ordinary KerasTuner client (`OracleClient`) whose calls carry
its tuner id, plus a heartbeat thread that keeps its lease on the trial it
runs. When the chief says the lease was lost (the worker was silent too long
and the trial went to another worker), or says nothing for ``lease_timeout``
seconds, training stops at the next batch and the result is dropped; the
trial's files are written aside and moved into the trial folder only once the
chief confirms the lease (`autonas.distribute.fence`).
"""

import collections
import logging
import os
import threading
import time

import keras

from autonas._compat import keras_tuner as _kt
from autonas.distribute import auth, protocol, tls
from autonas.distribute.fence import Fence, WorkerCutOff

logger = logging.getLogger("autonas")

#: seconds a worker waits for the chief on each call (``AUTONAS_CHIEF_TIMEOUT``).
DEFAULT_CHIEF_TIMEOUT = 600.0
#: seconds between two requests of an idle worker.
IDLE_POLL = 0.5
#: gRPC's reconnection backoff, kept short: by default it grows to two minutes, so a worker started
#: before its chief could sit seconds to minutes idle after the chief is up, while others take the trials.
CHANNEL_OPTIONS = (("grpc.initial_reconnect_backoff_ms", 200), ("grpc.min_reconnect_backoff_ms", 200),
                   ("grpc.max_reconnect_backoff_ms", 1000))


class _CallDetails(collections.namedtuple("_CallDetails", ("method", "timeout", "metadata", "credentials",
                                                            "wait_for_ready", "compression"))):
    pass


def _interceptor(tuner_id, token=None):
    import grpc

    extra = [(protocol.TUNER_ID_KEY, tuner_id)] + ([(auth.TOKEN_KEY, token)] if token else [])

    class TunerIdInterceptor(grpc.UnaryUnaryClientInterceptor):
        """Adds the worker's tuner id (and the shared token) to the metadata of every call."""

        def intercept_unary_unary(self, continuation, details, request):
            metadata = list(details.metadata or ()) + extra
            details = _CallDetails(details.method, details.timeout, metadata, details.credentials,
                                   getattr(details, "wait_for_ready", None), getattr(details, "compression", None))
            return continuation(details, request)

    return TunerIdInterceptor()


class WorkerSession:
    """The connection of one worker to the chief, with its heartbeat thread.

    Args:
        address: ``"host:port"`` of the chief.
        tuner_id: this worker's id.
        interval: seconds between heartbeats until the chief says otherwise.
        token: the chief's shared token (default: ``AUTONAS_TOKEN``), or None.

    Example:
        >>> session = WorkerSession("127.0.0.1:8000", "worker-1")   # doctest: +SKIP
        >>> tuner.oracle.stub = session.stub                          # doctest: +SKIP
    """

    def __init__(self, address, tuner_id, interval=1.0, token=None, trusted=None):
        import grpc

        token = token or auth.token_from_env()
        trusted = trusted if trusted is not None else tls.trusted_from_env()
        self.address = address
        self.tuner_id = tuner_id
        self.interval = float(interval)
        if trusted is not None:
            channel = grpc.secure_channel(address, tls.channel_credentials(trusted), options=CHANNEL_OPTIONS)
        else:
            channel = grpc.insecure_channel(address, options=CHANNEL_OPTIONS)
        self.channel = grpc.intercept_channel(channel, _interceptor(tuner_id, token))
        self.stub = _kt.oracle_stub(self.channel)
        self._heartbeat = self.channel.unary_unary(protocol.HEARTBEAT, request_serializer=protocol.encode,
                                                   response_deserializer=protocol.decode)
        self._message = self.channel.unary_unary(protocol.TRIAL_MESSAGE, request_serializer=protocol.encode,
                                                 response_deserializer=protocol.decode)
        self.trial_id = None
        self.generation = None  # the chief's number for this worker's current assignment of `trial_id`
        self.lost = set()  # (trial id, generation) of the assignments the chief took back
        self.lease_timeout = None  # the chief's, learnt from its first answer
        self.last_answer = None  # time.monotonic() of the chief's last answer
        self.cut_off = False  # no answer for `lease_timeout` while holding a trial: the chief has given it away
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"autonas-heartbeat-{tuner_id}", daemon=True)
        self._thread.start()

    def lease_lost(self):
        """True when the current assignment is no longer this worker's.

        Either the chief said so (it hands the trial to another worker), or the
        chief has not answered for `lease_timeout` seconds: it has then expired
        the lease itself, so the worker stops too (`cut_off`) rather than go on
        training a trial someone else now holds.
        """
        if self.trial_id is None:
            return False
        if (self.trial_id, self.generation) in self.lost:
            return True
        if (self.lease_timeout is not None and self.last_answer is not None
                and time.monotonic() - self.last_answer > self.lease_timeout):
            if not self.cut_off:
                logger.error("Worker %s heard nothing from the chief for %gs (lease_timeout) running trial %s: the "
                             "chief has handed it to another worker; stopping.", self.tuner_id, self.lease_timeout,
                             self.trial_id)
            self.cut_off = True
            return True
        return False

    def confirm(self):
        """Ask the chief now whether this worker still holds its current assignment.

        Returns:
            True when the chief answered that it does; False when it did not, or did not answer.
        """
        trial_id, generation = self.trial_id, self.generation
        if trial_id is None or self.lease_lost():
            return False
        try:
            answer = self._heartbeat({"trial_id": trial_id, "generation": generation},
                                     timeout=max(2.0, 2 * self.interval))
        except Exception as e:
            logger.warning("Worker %s could not confirm its lease on trial %s: %s", self.tuner_id, trial_id, e)
            return False
        self._heard(answer)
        self._learn(trial_id, generation, answer)
        return bool(answer.get("held")) and answer.get("generation") == generation and not self.lease_lost()

    def begin(self, trial_id):
        """Start holding `trial_id`: learn the generation of this assignment from the chief at once.

        A trial this worker lost earlier and now gets back is a new assignment: only the old
        generation is lost.

        Args:
            trial_id: the trial the chief just handed to this worker.
        """
        self.trial_id, self.generation = trial_id, None
        try:
            answer = self._heartbeat({"trial_id": trial_id}, timeout=max(2.0, 2 * self.interval))
        except Exception as e:  # the heartbeat thread learns it on its next beat
            logger.debug("Heartbeat to %s failed: %s", self.address, e)
        else:
            self._heard(answer)
            self._learn(trial_id, None, answer)

    def _heard(self, answer):
        self.last_answer = time.monotonic()
        if answer.get("lease_timeout") is not None:
            self.lease_timeout = float(answer["lease_timeout"])

    def end(self):
        """Stop holding the current trial."""
        self.trial_id, self.generation = None, None

    def _learn(self, trial_id, generation, answer):
        """Update the lease from a heartbeat's answer about (`trial_id`, `generation`)."""
        if trial_id is None or trial_id != self.trial_id or answer.get("trial_id") != trial_id:
            return
        if generation is None and answer.get("held") and self.generation is None:
            self.generation = generation = answer.get("generation")
        if answer.get("lost") and generation == self.generation:
            if (trial_id, generation) not in self.lost:
                logger.warning("Worker %s lost its lease on trial %s: the chief gave up waiting for it "
                               "and hands it to another worker; stopping it.", self.tuner_id, trial_id)
            self.lost.add((trial_id, generation))

    def send_message(self, trial_id, message):
        """Send the failure message of `trial_id` to the chief."""
        try:
            self._message({"trial_id": trial_id, "message": message}, timeout=30, wait_for_ready=True)
        except Exception as e:  # the message is a courtesy; the trial's status still goes through
            logger.warning("Could not send the message of trial %s to the chief: %s", trial_id, e)

    def _beat(self):
        while True:
            trial_id, generation = self.trial_id, self.generation
            try:
                answer = self._heartbeat({"trial_id": trial_id, "generation": generation},
                                         timeout=max(2.0, 2 * self.interval))
            except Exception as e:  # chief not up yet, or gone: the next beat tries again
                logger.debug("Heartbeat to %s failed: %s", self.address, e)
            else:
                self.interval = float(answer.get("interval", self.interval))
                self._heard(answer)
                self._learn(trial_id, generation, answer)
            if self._stop.wait(self.interval):
                return

    def close(self):
        """Stop the heartbeat and close the connection."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.channel.close()


class LeaseGuard(keras.callbacks.Callback):
    """Stops training as soon as the worker's lease on its trial is lost.

    Args:
        session: the worker's `WorkerSession`.
    """

    def __init__(self, session):
        super().__init__()
        self.session = session

    #: it reads a flag the heartbeat thread sets: Keras may dispatch batches asynchronously (JAX)
    async_safe = True

    def __deepcopy__(self, memo):
        return self  # the tuner copies callbacks per trial; the session is shared

    def on_train_batch_end(self, batch, logs=None):
        if self.session.lease_lost():
            self.model.stop_training = True


def work(tuner, fit_kwargs):
    """Run trials handed out by the chief until it says the search is over.

    Args:
        tuner: this worker's `autonas.Tuner` (its oracle is a KerasTuner `OracleClient`).
        fit_kwargs: keyword arguments of `Tuner.run_trial` (data, epochs, ...).

    Returns:
        The number of trials this worker completed and reported.

    Example:
        >>> work(tuner, {"train": (x, y), "validation": (xv, yv), "epochs": 2})  # doctest: +SKIP
    """
    host = os.environ["KERASTUNER_ORACLE_IP"]
    port = os.environ["KERASTUNER_ORACLE_PORT"]
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _kt.set_client_timeout(os.environ.get("AUTONAS_CHIEF_TIMEOUT", DEFAULT_CHIEF_TIMEOUT))
    session = WorkerSession(address, tuner.tuner_id)
    tuner.oracle.stub = session.stub
    tuner.fence = Fence(session, tuner.project_dir)
    fit_kwargs = dict(fit_kwargs)
    fit_kwargs["callbacks"] = list(fit_kwargs.get("callbacks") or []) + [LeaseGuard(session)]
    logger.info("Worker %s: asking the chief at %s for trials.", tuner.tuner_id, address)
    reported = 0
    tuner.on_search_begin()
    try:
        while True:
            trial = tuner.oracle.create_trial(tuner.tuner_id)
            if trial.status == _kt.TRIAL_STATUS.STOPPED:
                break
            if trial.status == _kt.TRIAL_STATUS.IDLE:
                time.sleep(IDLE_POLL)
                continue
            session.begin(trial.trial_id)
            tuner.on_trial_begin(trial)
            tuner.try_run_and_update_trial(trial, **fit_kwargs)
            # the files move into the trial folder only once the chief confirms the lease (`autonas.distribute.fence`)
            if not tuner.fence.commit(trial.trial_id, tuner.get_trial_dir(trial.trial_id)):
                logger.warning("Worker %s: the result of trial %s is dropped (lease lost).",
                               tuner.tuner_id, trial.trial_id)
            else:
                if trial.message:
                    session.send_message(trial.trial_id, trial.message)
                tuner.on_trial_end(trial)
                reported += 1
            session.end()
            if session.cut_off:
                raise WorkerCutOff(f"Worker {tuner.tuner_id} heard nothing from the chief at {address} for "
                                   f"{session.lease_timeout:g}s (lease_timeout) while running a trial; it stopped.")
    finally:
        tuner.fence = None
        session.close()
    tuner.on_search_end()
    logger.info("Worker %s: the chief has no more trials; %d run here.", tuner.tuner_id, reported)
    return reported
