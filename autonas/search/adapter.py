"""`StrategyOracle`: the one adapter that makes a `Strategy` a `keras_tuner.Oracle`.

This module is the only place in `autonas.search` that deals with KerasTuner's
`Oracle`; the private names it needs are reached through the quarantine module
`autonas._compat.keras_tuner`: the oracle lock, released when a strategy raises
inside a synchronized call; the reconciliation of a reloaded oracle with its
trial files (`reconcile_trials`); the project directory (`attach`).

Everything else a strategy needs comes from a `SearchHistory` snapshot built
from the oracle's trials before each proposal. The saved state keeps the
layout of earlier versions (KerasTuner's keys, ``skipped``, ``draws`` and the
strategy's own keys side by side), so existing project directories resume.

Trial values under ``tuner/`` are instructions to the tuner: ``tuner/epochs``,
``tuner/initial_epoch``, ``tuner/bracket``, ``tuner/round``, ``tuner/trial_id``
(continue from that trial's checkpoint) follow KerasTuner's Hyperband;
``tuner/repeat`` asks for a re-measurement (see `autonas.search.proposer`).
"""

import functools
import inspect
import logging
import types

import keras_tuner
from keras_tuner.engine import trial as trial_module

from autonas._compat import keras_tuner as kt_compat
from autonas.search.history import CONTINUE_KEY, SearchHistory, TrialRecord, config_hash, config_of
from autonas.search.proposer import Proposer
from autonas.search.space import SearchSpace
from autonas.search.strategy import Proposal, Strategy
from autonas.search.stop_rules import StopRules

logger = logging.getLogger("autonas")

RUNNING = trial_module.TrialStatus.RUNNING
STOPPED = trial_module.TrialStatus.STOPPED
IDLE = trial_module.TrialStatus.IDLE
COMPLETED = trial_module.TrialStatus.COMPLETED
FAILED = trial_module.TrialStatus.FAILED
_TO_KT = {"run": RUNNING, "wait": IDLE, "stop": STOPPED}
_FROM_KT = {RUNNING: "run", IDLE: "wait", STOPPED: "stop"}
#: arguments of `StrategyOracle` itself; the others go to the strategy
_OWN = ("objective", "max_trials", "seed", "hyperparameters", "initial_hps", "remeasure", "max_infeasible",
        "max_consecutive_failed_trials", "allow_new_entries", "tune_new_entries", "max_retries_per_trial")


class StrategyOracle(keras_tuner.Oracle):
    """A `keras_tuner.Oracle` driven by a `Strategy`.

    Attributes the oracle does not have are read from (and, when the strategy
    has them, written to) the strategy, so ``oracle.set_max_epochs(9)`` or
    ``oracle.population_size`` reach it; a strategy method whose first
    argument is ``history`` is called with the current history.

    Args:
        strategy: a `Strategy` instance.
        objective: a metric name or a `keras_tuner.Objective`.
        max_trials: number of trials to run (None: until the strategy stops).
        seed: random seed; the same seed gives the same proposals (``0`` is a seed like any other).
        hyperparameters: an optional `keras_tuner.HyperParameters` to start from.
        initial_hps: list of (partial) value dicts tried first, completed with
            defaults; None means "the defaults first", ``[]`` none.
        remeasure: see `autonas.search.proposer.Proposer`.
        max_infeasible: proposals in a row that may fail the constraint before the search stops.
        max_consecutive_failed_trials: failures in a row that end the search.
        **kwargs: passed to `keras_tuner.Oracle`.

    Example:
        >>> from autonas.search.random_search import RandomStrategy
        >>> oracle = StrategyOracle(RandomStrategy(), objective="val_accuracy", max_trials=5, seed=0)
    """

    def __init__(self, strategy, objective=None, max_trials=10, seed=None, hyperparameters=None, initial_hps=None,
                 remeasure=1, max_infeasible=50, max_consecutive_failed_trials=3, **kwargs):
        if not isinstance(strategy, Strategy):
            raise TypeError(f"`strategy` must be an autonas.search.Strategy; received {type(strategy).__name__}.")
        if max_trials is not None and (not isinstance(max_trials, int) or isinstance(max_trials, bool)
                                       or max_trials <= 0):
            raise ValueError(f"`max_trials` must be a positive integer or None; received {max_trials!r}.")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(f"`seed` must be an integer or None; received {seed!r}.")
        if initial_hps is not None and not isinstance(initial_hps, (list, tuple)):
            raise ValueError(f"`initial_hps` must be a list of dicts or None; received {type(initial_hps).__name__}.")
        self.__dict__["strategy"] = strategy
        self.__dict__["stop_rules"] = StopRules(max_trials, max_consecutive_failed_trials)
        self.__dict__["proposer"] = Proposer(strategy, seed, remeasure=remeasure, max_infeasible=max_infeasible)
        # KerasTuner's own failure check raises before the failed trial is saved; `stop_rules` decide instead.
        super().__init__(objective=objective, max_trials=max_trials, seed=seed,
                         hyperparameters=hyperparameters, max_consecutive_failed_trials=None, **kwargs)
        if seed is not None:  # KerasTuner replaces a seed of 0 by a random one
            self.seed = seed
        self.proposer.seed = self.seed
        self.initial_hps = [{}] if initial_hps is None else [dict(v) for v in initial_hps]
        self._space_cache = (None, None)
        self._config_cache = {}  # trial_id -> (stamp, hash): a cache, not state
        self._history = None

    # -- the strategy's attributes, reachable through the oracle -----------------
    def __getattr__(self, name):
        strategy = self.__dict__.get("strategy")
        if strategy is None or name.startswith("__"):
            raise AttributeError(name)
        value = getattr(strategy, name)  # AttributeError when the strategy lacks it too
        if inspect.ismethod(value):
            params = list(inspect.signature(value).parameters)
            if params and params[0] == "history":
                return functools.partial(value, self.history)
        return value

    def __setattr__(self, name, value):
        strategy = self.__dict__.get("strategy")
        if (strategy is not None and name not in self.__dict__ and not hasattr(type(self), name)
                and hasattr(strategy, name)):
            setattr(strategy, name, value)
        else:
            object.__setattr__(self, name, value)

    # -- settings kept by the proposer --------------------------------------------
    constraint = property(lambda self: self.proposer.constraint,
                          lambda self, f: setattr(self.proposer, "constraint", f),
                          doc="Feasibility check of proposals (set by the tuner); see `Proposer`.")
    skipped = property(lambda self: self.proposer.skipped,
                       doc="Proposals the constraint rejected, with the reason and what was measured.")
    remeasure = property(lambda self: self.proposer.remeasure)
    max_infeasible = property(lambda self: self.proposer.max_infeasible)
    failure_limit = property(lambda self: self.stop_rules.max_consecutive_failed_trials,
                             doc="Failures in a row that end the search (None: no limit).")

    # -- the history -----------------------------------------------------------
    @property
    def space(self):
        """The current search space as a `SearchSpace` (rebuilt when it grows)."""
        key = (id(self.hyperparameters), len(self.hyperparameters.space))
        if self._space_cache[0] != key:
            self._space_cache = (key, SearchSpace(self.hyperparameters))
        return self._space_cache[1]

    @property
    def history(self):
        """A `SearchHistory` snapshot of the trials as they are now."""
        return self._snapshot()

    def _snapshot(self, next_trial_id=None):
        sign = 1.0 if getattr(self.objective, "direction", "min") == "max" else -1.0
        records = []
        for trial_id in self.start_order:
            trial = self.trials.get(trial_id)
            if trial is None:
                continue
            values = trial.hyperparameters.values
            fitness = None
            if trial.status == COMPLETED and trial.score is not None:
                fitness = sign * float(trial.score)
            records.append(TrialRecord(trial_id, types.MappingProxyType(values), trial.status, fitness,
                                       self._trial_key(trial)))
        tried = [config_hash(s["values"]) for s in self.proposer.skipped]
        warm = [self.complete_values(p) for p in self.initial_hps]
        return SearchHistory(self.space, records, [i for i in self.end_order if i in self.trials],
                             self.max_trials, warm, next_trial_id, tried)

    def _trial_key(self, trial):
        values = trial.hyperparameters.values
        stamp = (id(trial.hyperparameters), len(values))
        cached = self._config_cache.get(trial.trial_id)
        if cached is None or cached[0] != stamp:
            cached = self._config_cache[trial.trial_id] = (stamp, config_hash(values))
        return cached[1]

    def fitness(self, trial):
        """A `keras_tuner` trial's score oriented so that larger is better (None unless completed)."""
        if trial.status != COMPLETED or trial.score is None:
            return None
        return (1.0 if getattr(self.objective, "direction", "min") == "max" else -1.0) * float(trial.score)

    def config_stats(self):
        """Statistics per configuration (see `SearchHistory.config_stats`)."""
        return self.history.config_stats()

    def complete_values(self, partial):
        """Fill a partial value dict with defaults; keep only active values (and names not known yet).

        Args:
            partial: mapping of hyperparameter names to values.

        Returns:
            A full dict of the active hyperparameter values.

        Example:
            >>> oracle.complete_values({"units": 64})  # doctest: +SKIP
            {'units': 64, 'dropout': 0.0}
        """
        complete = getattr(self.strategy, "complete_partial", None)
        partial = complete(partial) if complete else partial
        hps = keras_tuner.HyperParameters()
        for hp in self.hyperparameters.space:
            hps.merge([hp])
            if hps.is_active(hp):
                hps.values[hp.name] = partial.get(hp.name, hp.default)
        values = dict(hps.values)
        known = {hp.name for hp in self.hyperparameters.space}
        values.update({name: value for name, value in partial.items() if name not in known})
        return values

    # -- KerasTuner hooks ------------------------------------------------------
    def populate_space(self, trial_id):
        """KerasTuner hook: the proposer's next proposal (warm start, re-measurement, strategy, constraint)."""
        self._history = history = self._snapshot(trial_id)
        try:
            proposal = self.proposer.next(history, lambda: _proposal(self.propose(trial_id)))
        finally:
            self._history = None
        return {"status": _TO_KT[proposal.status], "values": proposal.values}

    def propose(self, trial_id):
        """One call of the strategy, as KerasTuner's response dict.

        Args:
            trial_id: the id the new trial will get.

        Returns:
            ``{"status": "RUNNING", "values": {...}}``, ``{"status": "IDLE"}`` or ``{"status": "STOPPED"}``.
        """
        history = self._history if self._history is not None else self._snapshot(trial_id)
        proposal = self.strategy.propose(history, self.proposer.rng())
        return {"status": _TO_KT[proposal.status], "values": proposal.values}

    # -- KerasTuner's synchronized methods, made exception-safe -------------------
    def create_trial(self, tuner_id):
        try:
            return super().create_trial(tuner_id)
        except BaseException:
            kt_compat.release_leaked_oracle_lock(self)
            raise

    def update_trial(self, trial_id, metrics, step=0):
        try:
            return super().update_trial(trial_id, metrics, step=step)
        except BaseException:
            kt_compat.release_leaked_oracle_lock(self)
            raise

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
            kt_compat.release_leaked_oracle_lock(self)
            raise

    def consecutive_failures(self):
        """The trials that failed in a row most recently (in end order), as KerasTuner trials."""
        failed = []
        for trial_id in reversed(self.end_order):
            trial = self.trials[trial_id]
            if trial.status != FAILED:
                break
            failed.append(trial)
        return failed[::-1]

    def completed_trials(self):
        """Completed KerasTuner trials with a score, in the order they ended."""
        return [self.trials[t.trial_id] for t in self.history.completed()]

    def get_best_trials(self, num_trials=1):
        """The best trials, one per configuration, ranked by mean score over its measurements.

        Re-measurements of a configuration are averaged; a configuration is
        represented by its best-scoring trial. Continuations count as trials of
        their own. Without re-measurements this is KerasTuner's order.

        Args:
            num_trials: how many trials to return.

        Returns:
            A list of `keras_tuner.engine.trial.Trial`.
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

    # -- where the state lives ------------------------------------------------
    def attach(self, directory, project_name):
        """Keep the oracle's state in ``directory/project_name`` (what a tuner does for it).

        Args:
            directory: the parent directory.
            project_name: the project's sub-folder.
        """
        attach(self, directory, project_name)

    def reload(self):
        """Reload from the project directory and reconcile with the trial files.

        A process killed between writing a trial's own file and the oracle's
        file leaves the two disagreeing. Each trial file is the truth about its
        trial: finished trials are never re-run, and unfinished ones (killed
        mid-run) are queued to run again.
        """
        super().reload()
        kt_compat.reconcile_trials(self)

    def get_state(self):
        state = super().get_state()
        state.update(self.proposer.get_state())
        state.update(self.strategy.get_state())
        return state

    def set_state(self, state):
        super().set_state(state)
        self.proposer.set_state(state)
        self.strategy.set_state(state)


def _proposal(response):
    values = response.get("values")
    return Proposal(_FROM_KT.get(response.get("status"), "stop"), None if values is None else dict(values))


def oracle_class(strategy_class, name=None):
    """A `StrategyOracle` subclass whose constructor builds its own `strategy_class`.

    Constructor arguments of `StrategyOracle` stay with the oracle; the others
    go to the strategy. Class attributes a layer above may ask the class for
    (``tuner_class``, ``default_block``) are copied from the strategy.

    Args:
        strategy_class: a `Strategy` subclass.
        name: the class name (default: the strategy's, without ``Strategy``).

    Returns:
        A class.

    Example:
        >>> from autonas.search.random_search import RandomStrategy
        >>> RandomSearch = oracle_class(RandomStrategy, "RandomSearch")
        >>> oracle = RandomSearch(objective="val_loss", max_trials=3, seed=0)
    """

    if strategy_class in _CLASSES:
        return _CLASSES[strategy_class]

    def __init__(self, objective=None, max_trials=getattr(strategy_class, "default_max_trials", 10), **kwargs):
        own = {k: kwargs.pop(k) for k in list(kwargs) if k in _OWN}
        if "initial_hps" not in own and hasattr(strategy_class, "default_initial_hps"):
            own["initial_hps"] = list(strategy_class.default_initial_hps)
        StrategyOracle.__init__(self, strategy_class(**kwargs), objective=objective, max_trials=max_trials, **own)

    attributes = {"__init__": __init__, "__doc__": strategy_class.__doc__, "strategy_class": strategy_class,
                  "__module__": strategy_class.__module__}
    for attr in ("tuner_class", "default_block"):
        if attr in vars(strategy_class):
            attributes[attr] = vars(strategy_class)[attr]
    cls = _CLASSES[strategy_class] = type(name or strategy_class.__name__.replace("Strategy", ""),
                                          (StrategyOracle,), attributes)
    return cls


#: strategy class -> its oracle class
_CLASSES = {}


def attach(oracle, directory, project_name):
    """Keep any `keras_tuner.Oracle`'s state in ``directory/project_name`` (what a tuner does for it).

    Args:
        oracle: a `keras_tuner.Oracle`.
        directory: the parent directory.
        project_name: the project's sub-folder.

    Example:
        >>> attach(oracle, "runs", "table")  # doctest: +SKIP
    """
    kt_compat.set_project_dir(oracle, directory, project_name)


__all__ = ["StrategyOracle", "attach", "config_of", "oracle_class"]
