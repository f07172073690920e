"""`Oracle`: the autonas base class of every search strategy.

Pure Python on top of `keras_tuner.Oracle`: it knows nothing of Keras, so the
same oracle drives a real search, a distributed search and a benchmark-table
search. On top of KerasTuner it adds:

- warm start: `initial_hps`, configurations proposed before anything else (the
  space's defaults when none are given), so the first trials are cheap and proven;
- a feasibility `constraint` (a plain callable set by the tuner, for example a
  parameter-count limit, returning ``(ok, reason)`` or ``(ok, reason, measured)``
  with a dict of what it measured): infeasible proposals are skipped, recorded in
  `skipped` with the reason and those measurements, never run and never counted
  as trials or failures;
- clean exhaustion: when a strategy can propose nothing new, the search stops;
- seeded randomness whose position is part of the saved state, so a reloaded
  oracle makes exactly the proposal the original would have made;
- optional re-measurement (`remeasure`) of the leading configuration, so the
  configuration returned as best is not just the luckiest single measurement;
- helpers every strategy shares: the compiled `space`, the completed
  observations in order, per-configuration statistics.

Subclasses implement `propose(trial_id)` instead of `populate_space`.

Trial values under ``tuner/`` are instructions to the tuner, not hyperparameters:

- ``tuner/epochs``, ``tuner/initial_epoch``, ``tuner/bracket``, ``tuner/round``,
  ``tuner/trial_id``: KerasTuner's Hyperband keys (train up to ``tuner/epochs``
  starting at ``tuner/initial_epoch``, continuing from trial ``tuner/trial_id``'s
  checkpoint when present).
- ``tuner/repeat``: ``r`` means "train this already-measured configuration again,
  from scratch (the ``r``-th extra measurement)"; see `remeasure`.
"""

import hashlib
import logging
import random

import keras_tuner
from keras_tuner.engine import trial as trial_module

from autonas import _compat
from autonas.search.space import SearchSpace
from autonas.reporting.decisions import decision

logger = logging.getLogger("autonas")

RUNNING = trial_module.TrialStatus.RUNNING
STOPPED = trial_module.TrialStatus.STOPPED
IDLE = trial_module.TrialStatus.IDLE
COMPLETED = trial_module.TrialStatus.COMPLETED

#: Hyperband bookkeeping keys that do not make a configuration different.
FIDELITY_KEYS = ("tuner/epochs", "tuner/initial_epoch", "tuner/bracket", "tuner/round", "tuner/examples",
                 "tuner/full", "tuner/patience")
#: Key marking an explicit re-measurement of an already-measured configuration.
REPEAT_KEY = "tuner/repeat"
#: Key naming the trial whose checkpoint a promoted trial continues from.
CONTINUE_KEY = "tuner/trial_id"

#: Enumerate finite spaces up to this size to find what is left when sampling collides.
ENUMERATION_LIMIT = 200_000


def config_of(values):
    """The hyperparameter values of a trial, without the ``tuner/`` keys.

    Args:
        values: a dict of trial values.

    Returns:
        A new dict without keys starting with ``"tuner/"``.

    Example:
        >>> config_of({"units": 32, "tuner/epochs": 3})
        {'units': 32}
    """
    return {k: v for k, v in values.items() if not str(k).startswith("tuner/")}


def config_hash(values):
    """A stable hash of a configuration (``tuner/`` keys ignored).

    Args:
        values: a dict of values.

    Returns:
        A 32-character hex string, equal for equal configurations.

    Example:
        >>> config_hash({"a": 1, "tuner/round": 2}) == config_hash({"a": 1})
        True
    """
    config = config_of(values)
    s = "".join(f"{k}={config[k]}" for k in sorted(config))
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:32]


class Oracle(keras_tuner.Oracle):
    """Base class of autonas search strategies.

    Args:
        objective: a metric name such as ``"val_accuracy"`` or a
            `keras_tuner.Objective`.
        max_trials: number of trials to run.
        seed: random seed; the same seed gives the same proposals (``0`` is a
            seed like any other).
        hyperparameters: an optional `keras_tuner.HyperParameters` to start from.
        initial_hps: list of (partial) value dicts tried first, completed with
            defaults; ``None`` means "the defaults first", ``[]`` none.
        remeasure: measurements wanted for the leading configuration before the
            strategy explores further; ``1`` (the default) never re-measures.
            With ``m > 1``, whenever the configuration with the best mean score
            has been measured fewer than ``m`` times, it is trained again (trial
            values carry ``tuner/repeat``), and in the last ``m - 1`` trials the
            top configurations are re-measured instead of exploring. The best
            trial is then the configuration with the best *mean* score.
        max_infeasible: proposals in a row that may fail the constraint before
            the strategy is considered exhausted.
        max_consecutive_failed_trials: failures in a row that end the search.
        **kwargs: passed to `keras_tuner.Oracle`.

    Example:
        >>> class First(Oracle):
        ...     def propose(self, trial_id):
        ...         rng = self._new_rng()
        ...         return {"status": "RUNNING", "values": self._sample_new(rng)}
    """

    #: True when the strategy places the warm-start configurations itself (for
    #: example in a Hyperband bracket) instead of having them proposed first.
    warm_start_in_propose = False

    def __init__(self, objective=None, max_trials=10, seed=None, hyperparameters=None,
                 initial_hps=None, remeasure=1, max_infeasible=50, max_consecutive_failed_trials=3,
                 **kwargs):
        if max_trials is not None and (not isinstance(max_trials, int) or isinstance(max_trials, bool)
                                       or max_trials <= 0):
            raise ValueError(f"`max_trials` must be a positive integer or None; received {max_trials!r}.")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(f"`seed` must be an integer or None; received {seed!r}.")
        if not isinstance(remeasure, int) or isinstance(remeasure, bool) or remeasure < 1:
            raise ValueError(f"`remeasure` must be an integer >= 1; received {remeasure!r}.")
        if initial_hps is not None and not isinstance(initial_hps, (list, tuple)):
            raise ValueError(f"`initial_hps` must be a list of dicts or None; received {type(initial_hps).__name__}.")
        if max_consecutive_failed_trials is not None and (
                not isinstance(max_consecutive_failed_trials, int) or isinstance(max_consecutive_failed_trials, bool)
                or max_consecutive_failed_trials <= 0):
            raise ValueError(
                "`max_consecutive_failed_trials` must be a positive integer or None; received "
                f"{max_consecutive_failed_trials!r}."
            )
        # KerasTuner's own check raises before the failed trial is saved; autonas checks
        # after the trial is recorded (see `consecutive_failures`), so it is disabled here.
        super().__init__(objective=objective, max_trials=max_trials, seed=seed,
                         hyperparameters=hyperparameters, max_consecutive_failed_trials=None, **kwargs)
        self.failure_limit = max_consecutive_failed_trials
        if seed is not None:  # KerasTuner replaces a seed of 0 by a random one
            self.seed = seed
            self._seed_state = seed
        self.initial_hps = [{}] if initial_hps is None else [dict(v) for v in initial_hps]
        self.remeasure = remeasure
        self.max_infeasible = max_infeasible
        self.constraint = None
        self.skipped = []
        self._draws = 0
        self._space_cache = (None, None)
        self._config_cache = {}  # trial_id -> (stamp, hash, config): a cache, not state

    # -- the hook strategies implement -------------------------------------
    def propose(self, trial_id):
        """Propose the next trial.

        Args:
            trial_id: the id the new trial will get.

        Returns:
            ``{"status": "RUNNING", "values": {...}}``, ``{"status": "IDLE"}``
            (wait for running trials) or ``{"status": "STOPPED"}``.
        """
        raise NotImplementedError

    # -- KerasTuner hook ----------------------------------------------------
    def populate_space(self, trial_id):
        """KerasTuner hook: warm start, re-measurement, then `propose`, filtered by `constraint`."""
        repeat = self._remeasure_values()
        if repeat is not None:
            return {"status": RUNNING, "values": repeat}
        for _ in range(self.max_infeasible):
            values = None if self.warm_start_in_propose else self._next_initial_values()
            response = {"status": RUNNING, "values": values} if values is not None else self.propose(trial_id)
            if response.get("status") != RUNNING:
                return response
            values = response.get("values")
            if values is None:
                return {"status": STOPPED, "values": None}
            if self.constraint is None:
                return response
            ok, reason, *measured = self.constraint(dict(values))
            if ok:
                return response
            self._tried_so_far.add(self._compute_values_hash(values))
            # a constraint may also return what it measured, e.g. {"params": ..., "macs": ...}
            self.skipped.append({"values": dict(values), "reason": reason, **(measured[0] if measured else {})})
            decision("Skipped a candidate: %s", reason)
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

        Example:
            >>> oracle.complete_values({"units": 64})  # doctest: +SKIP
            {'units': 64, 'dropout': 0.0}
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

    # -- KerasTuner's synchronized methods, made exception-safe --------------
    def create_trial(self, tuner_id):
        try:
            return super().create_trial(tuner_id)
        except BaseException:
            _compat.release_leaked_oracle_lock(self)
            raise

    def update_trial(self, trial_id, metrics, step=0):
        try:
            return super().update_trial(trial_id, metrics, step=step)
        except BaseException:
            _compat.release_leaked_oracle_lock(self)
            raise

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

    @keras_tuner.synchronized
    def end_trial(self, trial):
        """End a trial (see `keras_tuner.Oracle.end_trial`), then save the state again.

        KerasTuner saves the oracle before it drops the trial from the ongoing
        ones, so a search reloaded right after a trial ended would run that
        trial again; saving once more makes a reload resume exactly.

        Args:
            trial: the finished `keras_tuner.engine.trial.Trial`.
        """
        try:
            super().end_trial(trial)
            self.save()
        except BaseException:
            _compat.release_leaked_oracle_lock(self)
            raise

    def _compute_values_hash(self, values):
        # Hyperband's fidelity keys do not make a configuration new (as in
        # KerasTuner's HyperbandOracle); `tuner/trial_id` and `tuner/repeat` do.
        return super()._compute_values_hash({k: v for k, v in values.items() if k not in FIDELITY_KEYS})

    # -- helpers for strategies ---------------------------------------------
    @property
    def space(self):
        """The current search space as a `SearchSpace` (rebuilt when it grows).

        Returns:
            A `autonas.search.space.SearchSpace`.

        Example:
            >>> oracle.space.sample(random.Random(0))  # doctest: +SKIP
        """
        key = (id(self.hyperparameters), len(self.hyperparameters.space))
        if self._space_cache[0] != key:
            self._space_cache = (key, SearchSpace(self.hyperparameters))
        return self._space_cache[1]

    def _new_rng(self):
        """A fresh `random.Random` for one proposal; its position is saved state."""
        rng = random.Random(f"autonas:{self.seed}:{self._draws}")
        self._draws += 1
        return rng

    @property
    def _sign(self):
        return 1.0 if getattr(self.objective, "direction", "min") == "max" else -1.0

    def fitness(self, trial):
        """The trial's score oriented so that larger is better.

        Args:
            trial: a `keras_tuner.engine.trial.Trial`.

        Returns:
            A float, or ``None`` for a trial without a completed score.

        Example:
            >>> oracle.fitness(oracle.get_best_trials(1)[0])  # doctest: +SKIP
            0.97
        """
        if trial.status != COMPLETED or trial.score is None:
            return None
        return self._sign * float(trial.score)

    def _novel(self, values):
        return values is not None and not self._duplicate(values)

    def completed_trials(self):
        """Completed trials with a score, in the order they ended.

        Returns:
            A list of `keras_tuner.engine.trial.Trial`.

        Example:
            >>> [t.score for t in oracle.completed_trials()]  # doctest: +SKIP
        """
        out = []
        for trial_id in self.end_order:
            trial = self.trials.get(trial_id)
            if trial is not None and trial.status == COMPLETED and trial.score is not None:
                out.append(trial)
        return out

    def config_stats(self):
        """Statistics per configuration over first runs and re-measurements.

        Hyperband continuations (trials with ``tuner/trial_id``) are left out.

        Returns:
            A dict in first-seen order: config hash -> ``{"config", "fitness"
            (list, larger is better), "attempts" (all trials incl. running and
            failed), "trial_ids", "first"}`` where ``first`` is the start index.

        Example:
            >>> [len(s["fitness"]) for s in oracle.config_stats().values()]  # doctest: +SKIP
            [1, 3, 1]
        """
        stats = {}
        for index, trial_id in enumerate(self.start_order):
            trial = self.trials.get(trial_id)
            if trial is None:
                continue
            values = trial.hyperparameters.values
            if CONTINUE_KEY in values:
                continue
            key, config = self._trial_config(trial)
            s = stats.get(key)
            if s is None:
                s = stats[key] = {"config": config, "fitness": [], "attempts": 0,
                                  "trial_ids": [], "first": index}
            s["attempts"] += 1
            s["trial_ids"].append(trial_id)
            f = self.fitness(trial)
            if f is not None:
                s["fitness"].append(f)
        return stats

    def _trial_config(self, trial):
        """``(config hash, config)`` of a trial, memoized while its values are unchanged."""
        values = trial.hyperparameters.values
        stamp = (id(trial.hyperparameters), len(values))
        cached = self._config_cache.get(trial.trial_id)
        if cached is None or cached[0] != stamp:
            cached = (stamp, config_hash(values), config_of(values))
            self._config_cache[trial.trial_id] = cached
        return cached[1], cached[2]

    def _sample_new(self, rng, attempts=50):
        """A random configuration never tried before, or ``None`` if the space is exhausted."""
        space = self.space
        for _ in range(attempts):
            values = space.sample(rng)
            if self._novel(values):
                return values
        return self._pick_untried(rng)

    def _pick_untried(self, rng):
        """Enumerate a finite space and pick an untried configuration at random."""
        space = self.space
        if not space.is_finite():
            return None
        left = []
        for i, values in enumerate(space.iter_grid()):
            if i >= ENUMERATION_LIMIT:
                logger.warning("The search space is too large to enumerate; treating it as exhausted.")
                break
            if self._novel(values):
                left.append(values)
        if not left:
            return None
        return left[rng.randrange(len(left))]

    # -- re-measurement -------------------------------------------------------
    def _remeasure_values(self):
        """Values of the next re-measurement, or ``None`` to let the strategy explore."""
        if self.remeasure <= 1:
            return None
        stats = [s for s in self.config_stats().values() if s["fitness"]]
        if not stats:
            return None
        ranked = sorted(stats, key=lambda s: (-sum(s["fitness"]) / len(s["fitness"]), s["first"]))
        remaining = self.remaining_trials()
        endgame = remaining is not None and remaining <= self.remeasure - 1
        pool = ranked[:3] if endgame else ranked[:1]
        pool = [s for s in pool if s["attempts"] < (self.remeasure + (1 if endgame else 0))]
        if not pool:
            return None if not endgame else None
        target = min(pool, key=lambda s: (s["attempts"], ranked.index(s)))
        values = dict(target["config"])
        values[REPEAT_KEY] = target["attempts"]
        return values

    def get_best_trials(self, num_trials=1):
        """The best trials, one per configuration, ranked by mean score.

        Re-measurements of a configuration are averaged; a configuration is
        represented by its best-scoring trial. Hyperband continuations count as
        trials of their own. Without re-measurements this is KerasTuner's order.

        Args:
            num_trials: how many trials to return.

        Returns:
            A list of `keras_tuner.engine.trial.Trial`.

        Example:
            >>> best = oracle.get_best_trials(1)[0]  # doctest: +SKIP
        """
        groups = {}
        for trial in self.trials.values():
            f = self.fitness(trial)
            if f is None:
                continue
            values = trial.hyperparameters.values
            key = ("trial", trial.trial_id) if CONTINUE_KEY in values else ("config", config_hash(values))
            groups.setdefault(key, []).append((f, trial))
        ranked = sorted(groups.values(), key=lambda g: -sum(f for f, _ in g) / len(g))
        best = [max(g, key=lambda ft: ft[0])[1] for g in ranked]
        if len(best) < num_trials:
            best += [t for t in self.trials.values() if t.status != COMPLETED]
        return best[:num_trials]

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
        state["draws"] = self._draws
        return state

    def set_state(self, state):
        super().set_state(state)
        self.skipped = state.get("skipped", [])
        self._draws = state.get("draws", 0)
