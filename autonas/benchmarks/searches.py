"""The two ways a `TableBenchmark` runs a search: a strategy over an in-memory history, or any oracle.

`TableSearch` drives an `autonas.search.Strategy` directly: an
`InMemoryHistory`, the same `Proposer` (warm start, re-measurement) and
`StopRules` as a real search, nothing written anywhere. `TableTuner` runs any
`keras_tuner.Oracle` (KerasTuner's own, or an autonas oracle given as an
instance), its state in a project directory (a temporary one unless given).

Noise: when a configuration has several recorded runs (seeds), each evaluation
observes one of them drawn at random, as training noise would. A trial that
continues another one (``tuner/trial_id``) continues the same training run, so
it observes the same value. The configuration returned is the one with the
best observed score, averaged over its separate measurements (first runs and
``tuner/repeat`` re-measurements).
"""

import logging
import math
import os
import tempfile
import time

import keras_tuner
import numpy as np

from autonas.benchmarks.result import BenchmarkResult
from autonas.search.adapter import attach
from autonas.search.history import CONTINUE_KEY, InMemoryHistory, config_hash, config_of
from autonas.search.proposer import Proposer
from autonas.search.space import SearchSpace
from autonas.search.stop_rules import StopRules

logger = logging.getLogger("autonas")


class _Recorder:
    """What both searches record: observations, incumbents, timings; and the noise of the table."""

    def __init__(self, benchmark, seed):
        self.benchmark = benchmark
        self._rng = np.random.default_rng([int(seed), 0x7AB1E])
        self.history, self.configs, self.incumbents = [], [], []
        self.proposal_seconds, self.proposal_cpu_seconds = [], []
        self.observed = {}  # trial_id -> observed value of its run
        self._run_root = {}  # trial_id -> the trial whose training run it continues
        self._runs = {}  # config hash -> {run trial id -> observed}
        self._firsts = {}  # config hash -> configuration, in first-seen order
        self.best = None

    def timed(self, call):
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            return call()
        finally:
            self.proposal_seconds.append(time.perf_counter() - start)
            self.proposal_cpu_seconds.append(time.thread_time() - start_cpu)

    def evaluate(self, trial_id, values):
        """Observe a trial's objective (None when the table lacks its configuration) and record it."""
        values = dict(values)
        self.configs.append(values)
        parent = values.get(CONTINUE_KEY)
        if parent is not None and parent in self.observed:
            observed = self.observed[parent]
        else:
            observed = self.benchmark.observe(config_of(values), self._rng)
        if observed is None:
            self.history.append(math.nan)
            self.incumbents.append(self.incumbents[-1] if self.incumbents else math.nan)
            return None
        observed = float(observed)
        run_id = trial_id if parent is None else self._run_root.get(parent, parent)
        self._run_root[trial_id] = run_id
        self.observed[trial_id] = observed
        key = config_hash(values)
        self._runs.setdefault(key, {})[run_id] = observed
        self._firsts.setdefault(key, config_of(values))
        self.history.append(observed)
        bench = self.benchmark
        best = None
        for k, runs in self._runs.items():  # first-seen order, so ties go to the earliest
            mean = float(np.mean(list(runs.values())))
            if best is None or bench.better(mean, best[1]):
                best = (k, mean, self._firsts[k])
        self.best = best
        self.incumbents.append(bench.report(best[2]))
        return observed

    def result(self):
        bench, best = self.benchmark, self.best
        config, observed, report = ({}, math.nan, math.nan) if best is None else \
            (best[2], best[1], bench.report(best[2]))
        return BenchmarkResult(config, observed, report, self.history, self.incumbents, self.configs,
                               list(self.proposal_seconds), list(self.proposal_cpu_seconds), len(self.history),
                               bench.optimum)


class TableSearch:
    """Run a `Strategy` on a table over an `InMemoryHistory`: no oracle, no disk.

    Args:
        benchmark: the `TableBenchmark`.
        strategy: an `autonas.search.Strategy`.
        max_trials: the evaluation budget.
        seed: seeds the proposals and the measurement noise.
        initial_hps: warm-start configurations (None: the space's defaults first, unless the
            strategy says otherwise).
        remeasure: see `autonas.search.proposer.Proposer`.
        max_consecutive_failed_trials: missing configurations in a row that stop the search.

    Example:
        >>> search = TableSearch(bench, AgingEvolutionStrategy(), max_trials=50, seed=0)  # doctest: +SKIP
        >>> result = search.run()                                                         # doctest: +SKIP
    """

    def __init__(self, benchmark, strategy, max_trials, seed=0, initial_hps=None, remeasure=1,
                 max_consecutive_failed_trials=3):
        self.benchmark = benchmark
        self.strategy = strategy
        if initial_hps is None:
            initial_hps = list(getattr(strategy, "default_initial_hps", [{}]))
        self.history = InMemoryHistory(SearchSpace(benchmark.hyperparameters), max_trials=max_trials,
                                       warm_start=initial_hps)
        self.proposer = Proposer(strategy, seed, remeasure=remeasure)
        self.stop_rules = StopRules(max_trials, max_consecutive_failed_trials)
        self.recorder = _Recorder(benchmark, seed)
        if getattr(strategy, "max_epochs", 0) is None and hasattr(strategy, "set_max_epochs"):
            strategy.set_max_epochs(benchmark.max_epochs)

    @property
    def trials(self):
        """The trials so far: id -> `TrialRecord` (with ``status``)."""
        return {t.trial_id: t for t in self.history.trials()}

    def run(self):
        """Run the search until the budget, the stop rules or the strategy end it.

        Returns:
            A `BenchmarkResult`.
        """
        history, recorder = self.history, self.recorder
        sign = 1.0 if self.benchmark.direction == "max" else -1.0
        while True:
            reason = self.stop_rules.reason(history)
            if reason is not None:
                if "failed" in reason:
                    logger.warning("The search stopped: %s (configurations missing from the table).", reason)
                break
            proposal = recorder.timed(lambda: self.proposer.next(history))
            if proposal.status != "run":
                if proposal.status == "wait":
                    logger.warning("The strategy is waiting for running trials, but the table search runs "
                                   "one at a time; stopping.")
                break
            trial_id = history.start(proposal.values)
            observed = recorder.evaluate(trial_id, proposal.values)
            history.end(trial_id, None if observed is None else sign * observed)
        return recorder.result()


class TableTuner:
    """Run any `keras_tuner.Oracle` on a table: configurations are looked up instead of trained.

    Args:
        benchmark: the `TableBenchmark`.
        oracle: a `keras_tuner.Oracle` over the benchmark's space.
        seed: seed of the measurement noise (which recorded run each evaluation sees).
        directory: project directory for the oracle's state; None: a temporary one.
        project_name: sub-folder of `directory`.

    Example:
        >>> tuner = TableTuner(bench, oracle, seed=0)  # doctest: +SKIP
        >>> result = tuner.search(max_trials=50)        # doctest: +SKIP
    """

    def __init__(self, benchmark, oracle, seed=0, directory=None, project_name="table"):
        self.benchmark = benchmark
        self.oracle = oracle
        self.tuner_id = "table"
        self.recorder = _Recorder(benchmark, seed)
        self.directory = None if directory is None else os.fspath(directory)
        self.project_name = project_name
        oracle.verbose = 0

    def search(self, max_trials):
        """Run up to `max_trials` evaluations.

        Args:
            max_trials: the evaluation budget.

        Returns:
            A `BenchmarkResult`.
        """
        if self.directory is not None:
            attach(self.oracle, self.directory, self.project_name)
            return self._search(max_trials)
        with tempfile.TemporaryDirectory() as directory:
            attach(self.oracle, directory, self.project_name)
            return self._search(max_trials)

    def _search(self, max_trials):
        oracle, recorder, status = self.oracle, self.recorder, keras_tuner.engine.trial.TrialStatus
        for _ in range(max_trials):
            trial = recorder.timed(lambda: oracle.create_trial(self.tuner_id))
            if trial.status != status.RUNNING:
                if trial.status == status.IDLE:
                    logger.warning("The oracle is waiting for running trials, but the table tuner runs "
                                   "one at a time; stopping.")
                break
            values = trial.hyperparameters.values
            observed = recorder.evaluate(trial.trial_id, values)
            if observed is None:
                trial.status = status.FAILED
                trial.message = "configuration not in the table"
                oracle.end_trial(trial)
                limit = getattr(oracle, "failure_limit", None)
                failures = oracle.consecutive_failures() if hasattr(oracle, "consecutive_failures") else []
                if limit and len(failures) >= limit:
                    logger.warning("The search stopped: %d configurations in a row are missing from the "
                                   "table (max_consecutive_failed_trials=%d).", len(failures), limit)
                    break
                continue
            oracle.update_trial(trial.trial_id, {self.benchmark.objective: observed},
                                step=int(values.get("tuner/epochs", 1)) - 1)
            trial.status = status.COMPLETED
            oracle.end_trial(trial)
        return recorder.result()
