"""`Oracle`: the autonas base class of every search strategy.

Pure Python on top of `keras_tuner.Oracle`: it knows nothing of Keras, so the
same oracle drives a real search, a distributed search and a benchmark-table
search. On top of KerasTuner it adds:

- warm start: `initial_hps`, configurations proposed before anything else (the
  space's defaults when none are given), so the first trials are cheap and proven;
- a feasibility `constraint` (a plain callable set by the tuner, for example a
  parameter-count limit): infeasible proposals are skipped, recorded in
  `skipped`, never run and never counted as trials or failures;
- clean exhaustion: when a strategy can propose nothing new, the search stops.

Subclasses implement `propose(trial_id)` instead of `populate_space`.
"""

import logging

import keras_tuner
from keras_tuner.engine import trial as trial_module

logger = logging.getLogger("autonas")

RUNNING = trial_module.TrialStatus.RUNNING
STOPPED = trial_module.TrialStatus.STOPPED


class Oracle(keras_tuner.Oracle):
    """Base class of autonas search strategies.

    Args:
        objective: a metric name such as ``"val_accuracy"`` or a
            `keras_tuner.Objective`.
        max_trials: number of trials to run.
        seed: random seed; the same seed gives the same proposals.
        hyperparameters: an optional `keras_tuner.HyperParameters` to start from.
        initial_hps: list of (partial) value dicts tried first, completed with
            defaults; ``None`` means "the defaults first".
        max_infeasible: proposals in a row that may fail the constraint before
            the strategy is considered exhausted.
        max_consecutive_failed_trials: failures in a row that end the search.
        **kwargs: passed to `keras_tuner.Oracle`.

    Example:
        >>> class First(Oracle):
        ...     def propose(self, trial_id):
        ...         return {"status": "RUNNING", "values": self._random_values()}
    """

    def __init__(self, objective=None, max_trials=10, seed=None, hyperparameters=None,
                 initial_hps=None, max_infeasible=50, max_consecutive_failed_trials=3, **kwargs):
        if max_trials is not None and (not isinstance(max_trials, int) or isinstance(max_trials, bool)
                                       or max_trials <= 0):
            raise ValueError(f"`max_trials` must be a positive integer; received {max_trials!r}.")
        if max_consecutive_failed_trials is not None and (
                not isinstance(max_consecutive_failed_trials, int) or max_consecutive_failed_trials <= 0):
            raise ValueError(
                "`max_consecutive_failed_trials` must be a positive integer or None; received "
                f"{max_consecutive_failed_trials!r}."
            )
        # KerasTuner's own check raises before the failed trial is saved; autonas checks
        # after the trial is recorded (see `consecutive_failures`), so it is disabled here.
        super().__init__(objective=objective, max_trials=max_trials, seed=seed,
                         hyperparameters=hyperparameters, max_consecutive_failed_trials=None, **kwargs)
        self.failure_limit = max_consecutive_failed_trials
        self.initial_hps = [{}] if initial_hps is None else [dict(v) for v in initial_hps]
        self.max_infeasible = max_infeasible
        self.constraint = None
        self.skipped = []

    # -- the hook strategies implement -------------------------------------
    def propose(self, trial_id):
        """Return ``{"status": "RUNNING", "values": {...}}`` or ``{"status": "STOPPED"}``."""
        raise NotImplementedError

    # -- KerasTuner hook ----------------------------------------------------
    def populate_space(self, trial_id):
        for _ in range(self.max_infeasible):
            values = self._next_initial_values()
            response = {"status": RUNNING, "values": values} if values is not None else self.propose(trial_id)
            if response.get("status") != RUNNING:
                return response
            values = response.get("values")
            if values is None:
                return {"status": STOPPED, "values": None}
            if self.constraint is None:
                return response
            ok, reason = self.constraint(dict(values))
            if ok:
                return response
            self._tried_so_far.add(self._compute_values_hash(values))
            self.skipped.append({"values": dict(values), "reason": reason})
            logger.info("Skipped a candidate: %s", reason)
        logger.warning("No feasible candidate in %d proposals; stopping the search.", self.max_infeasible)
        return {"status": STOPPED, "values": None}

    def _next_initial_values(self):
        for partial in self.initial_hps:
            values = self.complete_values(partial)
            if not self._duplicate(values):
                return values
        return None

    def complete_values(self, partial):
        """Fill a partial value dict with defaults; keep only active values.

        Names the space does not know yet are kept: they belong to conditional
        scopes (an architecture family, augmentation) that no build has entered
        so far, and apply when the model registers them.

        Args:
            partial: mapping of hyperparameter names to values.

        Returns:
            A full dict of the active hyperparameter values.
        """
        hps = keras_tuner.HyperParameters()
        for hp in self.hyperparameters.space:
            hps.merge([hp])
            if hps.is_active(hp):
                hps.values[hp.name] = partial.get(hp.name, hp.default)
        values = dict(hps.values)
        known = {hp.name for hp in self.hyperparameters.space}
        values.update({name: value for name, value in partial.items() if name not in known})
        return values

    def consecutive_failures(self):
        """The trials that failed in a row most recently (in end order).

        Returns:
            A list of `Trial` objects, empty when the last ended trial did not fail.
        """
        failed = []
        for trial_id in reversed(self.end_order):
            trial = self.trials[trial_id]
            if trial.status != trial_module.TrialStatus.FAILED:
                break
            failed.append(trial)
        return failed[::-1]

    # -- state --------------------------------------------------------------
    def reload(self):
        """Reload from the project directory and reconcile with the trial files.

        A process killed between writing a trial's own file and the oracle's
        file leaves the two disagreeing. Each trial file is the truth about its
        trial: finished trials are never re-run, and unfinished ones (killed
        mid-run) are queued to run again.
        """
        super().reload()
        self._reconcile_trials()

    def _reconcile_trials(self):
        finished = (trial_module.TrialStatus.COMPLETED, trial_module.TrialStatus.FAILED)
        for trial_id in sorted(self.trials):
            trial = self.trials[trial_id]
            if trial_id not in self.start_order:
                self.start_order.append(trial_id)
            if trial.status in finished:
                while trial_id in self._retry_queue:
                    self._retry_queue.remove(trial_id)
                if trial_id not in self.end_order:
                    self.end_order.append(trial_id)
            elif trial_id not in self._retry_queue:
                self._retry_queue.append(trial_id)
            self._record_values(trial)

    def get_state(self):
        state = super().get_state()
        state["skipped"] = self.skipped
        return state

    def set_state(self, state):
        super().set_state(state)
        self.skipped = state.get("skipped", [])
