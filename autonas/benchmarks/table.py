"""`TableBenchmark`: run any search strategy against a NAS lookup table.

A tabular benchmark lists, for every configuration of a search space, the
metrics obtained by training it. Evaluating a configuration is a lookup, so a
strategy can be run many times with different seeds and its sample efficiency
measured exactly. The oracles are the very ones a real search uses; only the
tuner differs: `TableTuner` looks configurations up instead of training them.

Noise: when a configuration has several recorded runs (seeds), each evaluation
observes one of them drawn at random, as training noise would; the reported
metric is the mean over runs. A trial that continues another one (Hyperband's
``tuner/trial_id``) continues the same training run, so it observes the same
value. The configuration a strategy returns is the one with the best observed
score, averaged over its separate measurements (first runs and ``tuner/repeat``
re-measurements).
"""

import json
import logging
import math
import os
import time
from dataclasses import dataclass, field

import keras_tuner
import numpy as np

from autonas._compat import keras_tuner as kt_compat
from autonas.search import get_oracle
from autonas.search.base import CONTINUE_KEY, config_hash, config_of

logger = logging.getLogger("autonas")


@dataclass
class BenchmarkResult:
    """The outcome of one table search.

    Attributes:
        best_config: the configuration with the best observed (mean) score.
        best_observed: its observed score (mean over its measurements).
        best_report: its reported metric (the table's ground truth).
        history: observed objective per evaluation, in order (``nan`` for failed ones).
        incumbent_report: after each evaluation, the reported metric of the
            configuration that would be returned then (``nan`` before any success).
        configs: the trial values of each evaluation, in order.
        proposal_seconds: the oracle's own wall-clock time for each proposal.
        proposal_cpu_seconds: the same in CPU time of the searching thread (what
            the oracle costs, whatever else the machine is doing).
        n_evaluations: evaluations run (fewer than the budget when the strategy stopped).
        optimum: the best reported metric in the table.

    Example:
        >>> result = bench.run(tuner="bayesian", max_trials=50, seed=1)  # doctest: +SKIP
        >>> result.best_report, result.regret                             # doctest: +SKIP
    """

    best_config: dict
    best_observed: float
    best_report: float
    history: list
    incumbent_report: list
    configs: list
    proposal_seconds: list = field(default_factory=list)
    proposal_cpu_seconds: list = field(default_factory=list)
    n_evaluations: int = 0
    optimum: float = math.nan

    @property
    def regret(self):
        """Distance of `best_report` from the table's optimum (non-negative).

        Returns:
            A float.

        Example:
            >>> result.regret  # doctest: +SKIP
            0.047
        """
        return abs(self.optimum - self.best_report)

    @property
    def mean_proposal_seconds(self):
        """Mean oracle wall-clock time per proposal.

        Returns:
            Seconds, a float.

        Example:
            >>> result.mean_proposal_seconds  # doctest: +SKIP
        """
        return float(np.mean(self.proposal_seconds)) if self.proposal_seconds else 0.0


def _disable_disk_writes(oracle):
    """Make `oracle` keep its trials in memory only.

    KerasTuner writes ``oracle.json`` and one ``trial.json`` per trial on every
    `create_trial`/`end_trial`; on a table those writes would cost more than
    the search itself. This is the one place where the harness reaches into
    those two KerasTuner hooks (`save` and its private trial writer), on this instance only.
    """
    kt_compat.keep_in_memory(oracle)


class TableTuner:
    """A tuner that looks configurations up in a `TableBenchmark` instead of training.

    Args:
        benchmark: the `TableBenchmark`.
        oracle: a `keras_tuner.Oracle` over the benchmark's space.
        seed: seed of the measurement noise (which recorded run each evaluation sees).
        directory: project directory for the oracle's state; ``None`` keeps
            everything in memory (fast).
        project_name: sub-folder of `directory`.

    Example:
        >>> tuner = TableTuner(bench, oracle, seed=0)  # doctest: +SKIP
        >>> result = tuner.search(max_trials=50)        # doctest: +SKIP
    """

    def __init__(self, benchmark, oracle, seed=0, directory=None, project_name="table"):
        self.benchmark = benchmark
        self.oracle = oracle
        self.tuner_id = "table"
        self._rng = np.random.default_rng([int(seed), 0x7AB1E])
        self.proposal_seconds = []
        self.proposal_cpu_seconds = []
        self.observed = {}  # trial_id -> observed value of its run
        self._run_root = {}  # trial_id -> the trial whose training run it continues
        oracle.verbose = 0
        if directory is None:
            _disable_disk_writes(oracle)
        else:
            kt_compat.set_project_dir(oracle, os.fspath(directory), project_name)
        populate = oracle.populate_space

        def timed_populate_space(trial_id):
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                return populate(trial_id)
            finally:
                self.proposal_seconds.append(time.perf_counter() - start)
                self.proposal_cpu_seconds.append(time.thread_time() - start_cpu)

        oracle.populate_space = timed_populate_space

    def evaluate(self, trial):
        """Observe the objective of a trial; ``None`` when the table lacks its configuration."""
        values = trial.hyperparameters.values
        parent = values.get(CONTINUE_KEY)
        if parent is not None and parent in self.observed:
            return self.observed[parent]
        return self.benchmark.observe(config_of(values), self._rng)

    def search(self, max_trials):
        """Run up to `max_trials` evaluations.

        Args:
            max_trials: the evaluation budget.

        Returns:
            A `BenchmarkResult`.
        """
        bench, oracle = self.benchmark, self.oracle
        objective = bench.objective
        history, configs, incumbents = [], [], []
        runs = {}  # config hash -> {run trial id -> observed}
        firsts = {}  # config hash -> configuration, in first-seen order
        best = None
        for _ in range(max_trials):
            trial = oracle.create_trial(self.tuner_id)
            if trial.status != keras_tuner.engine.trial.TrialStatus.RUNNING:
                if trial.status == keras_tuner.engine.trial.TrialStatus.IDLE:
                    logger.warning("The oracle is waiting for running trials, but the table tuner runs "
                                   "one at a time; stopping.")
                break
            values = dict(trial.hyperparameters.values)
            observed = self.evaluate(trial)
            configs.append(values)
            if observed is None:
                trial.status = keras_tuner.engine.trial.TrialStatus.FAILED
                trial.message = "configuration not in the table"
                history.append(math.nan)
                incumbents.append(incumbents[-1] if incumbents else math.nan)
                oracle.end_trial(trial)
                limit = getattr(oracle, "failure_limit", None)
                failures = oracle.consecutive_failures() if hasattr(oracle, "consecutive_failures") else []
                if limit and len(failures) >= limit:
                    logger.warning("The search stopped: %d configurations in a row are missing from the "
                                   "table (max_consecutive_failed_trials=%d).", len(failures), limit)
                    break
                continue
            observed = float(observed)
            parent = values.get(CONTINUE_KEY)
            run_id = trial.trial_id if parent is None else self._run_root.get(parent, parent)
            self._run_root[trial.trial_id] = run_id
            self.observed[trial.trial_id] = observed
            key = config_hash(values)
            runs.setdefault(key, {})[run_id] = observed
            history.append(observed)
            oracle.update_trial(trial.trial_id, {objective: observed}, step=int(values.get("tuner/epochs", 1)) - 1)
            trial.status = keras_tuner.engine.trial.TrialStatus.COMPLETED
            oracle.end_trial(trial)
            firsts.setdefault(key, config_of(values))
            best = self._best(runs, firsts)
            incumbents.append(bench.report(best[2]))
        if best is None:
            return BenchmarkResult({}, math.nan, math.nan, history, incumbents, configs,
                                   list(self.proposal_seconds), list(self.proposal_cpu_seconds),
                                   len(history), bench.optimum)
        return BenchmarkResult(best[2], best[1], bench.report(best[2]), history, incumbents, configs,
                               list(self.proposal_seconds), list(self.proposal_cpu_seconds),
                               len(history), bench.optimum)

    def _best(self, runs, by_key):
        bench = self.benchmark
        best = None
        for key, observed in runs.items():  # first-seen order, so ties go to the earliest
            mean = float(np.mean(list(observed.values())))
            if best is None or bench.better(mean, best[1]):
                best = (key, mean, by_key[key])
        return best


class TableBenchmark:
    """A lookup-table benchmark for search strategies.

    Args:
        rows: dict mapping a configuration key (tuple of values, in the order of
            `hyperparameter_names`) to ``(observations, report)``: the list of
            recorded objective values (one per training run) and the reported metric.
        hyperparameters: a `keras_tuner.HyperParameters` with one `Choice` per column.
        objective: name of the observed metric.
        report: name of the reported metric.
        direction: ``"max"`` or ``"min"``.
        max_epochs: the epoch count Hyperband-style strategies are given (the
            table has a single fidelity; continuations observe the same value).

    Example:
        >>> bench = TableBenchmark.nas_bench_macro("../shared/data/nas-bench-macro/"
        ...                                        "nas-bench-macro_cifar10.json")  # doctest: +SKIP
        >>> result = bench.run(tuner="evolution", max_trials=100, seed=0)          # doctest: +SKIP
        >>> result.best_report, len(result.history)                                # doctest: +SKIP
        (93.0..., 100)
    """

    def __init__(self, rows, hyperparameters, objective, report, direction="max", max_epochs=9):
        if direction not in ("max", "min"):
            raise ValueError(f"`direction` must be 'max' or 'min'; received {direction!r}.")
        if not rows:
            raise ValueError("`rows` must hold at least one configuration; received an empty table.")
        self.rows = rows
        self.hyperparameters = hyperparameters
        self.hyperparameter_names = [hp.name for hp in hyperparameters.space]
        self.objective = objective
        self.report_name = report
        self.direction = direction
        self.max_epochs = max_epochs
        reports = [r for _, r in rows.values()]
        self.optimum = float(max(reports) if direction == "max" else min(reports))

    def __len__(self):
        return len(self.rows)

    # -- construction -------------------------------------------------------
    @staticmethod
    def _space(names, columns):
        hps = keras_tuner.HyperParameters()
        for name, values in zip(names, columns):
            hps.Choice(name, values, ordered=False)
        return hps

    @classmethod
    def from_csv(cls, path, hyperparameters, objective="val_acc", report="test_acc", direction="max",
                 **kwargs):
        """A benchmark from a CSV table with one row per configuration (or per run).

        Hyperparameter columns hold categorical values; each becomes a `Choice`
        over its distinct values. Rows that share a configuration are separate
        runs (seeds) of it: each evaluation observes one at random, and the
        reported metric is their mean.

        Args:
            path: the CSV file.
            hyperparameters: list of the hyperparameter column names.
            objective: the observed column, or a list of columns holding one run each.
            report: the column reported for the returned configuration.
            direction: ``"max"`` or ``"min"``.
            **kwargs: passed to `TableBenchmark`.

        Returns:
            A `TableBenchmark`.

        Example:
            >>> bench = TableBenchmark.from_csv("table.csv", hyperparameters=["op1", "op2"],
            ...                                 objective="val_acc", report="test_acc")  # doctest: +SKIP
        """
        import pandas as pd

        frame = pd.read_csv(path)
        names = list(hyperparameters) if not isinstance(hyperparameters, str) else [hyperparameters]
        objectives = [objective] if isinstance(objective, str) else list(objective)
        if not names:
            raise ValueError("`hyperparameters` must name at least one column; received an empty list.")
        missing = [c for c in names + objectives + [report] if c not in frame.columns]
        if missing:
            raise ValueError(f"Columns {missing} are not in {os.fspath(path)!r}; its columns are "
                             f"{list(frame.columns)}.")
        frame = frame.dropna(subset=names + objectives + [report])
        columns = []
        for name in names:
            column = frame[name]
            values = sorted(column.unique().tolist(), key=lambda v: (str(type(v)), v))
            columns.append([v.item() if hasattr(v, "item") else v for v in values])
        grouped = {}
        for record in frame[names + objectives + [report]].itertuples(index=False):
            record = [v.item() if hasattr(v, "item") else v for v in record]
            key = tuple(record[: len(names)])
            obs, reps = grouped.setdefault(key, ([], []))
            obs.extend(float(v) for v in record[len(names):len(names) + len(objectives)])
            reps.append(float(record[-1]))
        rows = {key: (obs, float(np.mean(reps))) for key, (obs, reps) in grouped.items()}
        return cls(rows, cls._space(names, columns), objectives[0] if len(objectives) == 1 else "objective",
                   report, direction, **kwargs)

    @classmethod
    def nas_bench_macro(cls, path, **kwargs):
        """NAS-Bench-Macro (Su et al., 2021) under the noisy-seed protocol.

        8 categorical hyperparameters ``layer_0`` ... ``layer_7`` with values
        ``0`` (identity), ``1`` (MobileNetV2 block k3 e3), ``2`` (k5 e6). Each
        evaluation observes one of the three recorded CIFAR-10 ``test_acc``
        runs at random; the reported metric is ``mean_acc``.

        Args:
            path: the ``nas-bench-macro_cifar10.json`` file.
            **kwargs: passed to `TableBenchmark`.

        Returns:
            A `TableBenchmark` with objective ``"test_acc"`` and report ``"mean_acc"``.

        Example:
            >>> bench = TableBenchmark.nas_bench_macro("nas-bench-macro_cifar10.json")  # doctest: +SKIP
        """
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"`path` {path!r} does not exist; expected NAS-Bench-Macro's "
                                    "nas-bench-macro_cifar10.json.")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        rows = {}
        n_layers = None
        for arch, record in data.items():
            key = tuple(int(c) for c in arch)
            n_layers = len(key) if n_layers is None else n_layers
            rows[key] = ([float(v) for v in record["test_acc"]], float(record["mean_acc"]))
        names = [f"layer_{i}" for i in range(n_layers)]
        return cls(rows, cls._space(names, [[0, 1, 2]] * n_layers), "test_acc", "mean_acc", "max", **kwargs)

    # -- lookups ------------------------------------------------------------
    def key(self, config):
        """The table key of a configuration.

        Args:
            config: a dict of hyperparameter values.

        Returns:
            The tuple of values in column order, ``None`` if a column is missing.

        Example:
            >>> bench.key({"op1": "conv", "op2": "relu"})  # doctest: +SKIP
            ('conv', 'relu')
        """
        try:
            return tuple(config[name] for name in self.hyperparameter_names)
        except KeyError:
            return None

    def observe(self, config, rng):
        """One noisy observation of a configuration, or ``None`` if it is not in the table.

        Args:
            config: a dict of hyperparameter values.
            rng: a `numpy.random.Generator` choosing the recorded run.

        Returns:
            A float or ``None``.

        Example:
            >>> bench.observe({"op1": "conv", "op2": "relu"}, np.random.default_rng(0))  # doctest: +SKIP
            0.7
        """
        row = self.rows.get(self.key(config))
        if row is None:
            return None
        observations = row[0]
        return observations[int(rng.integers(len(observations)))] if len(observations) > 1 else observations[0]

    def report(self, config):
        """The reported metric of a configuration.

        Args:
            config: a dict of hyperparameter values.

        Returns:
            A float (``nan`` if the configuration is not in the table).

        Example:
            >>> bench.report({"op1": "conv", "op2": "relu"})  # doctest: +SKIP
            0.69
        """
        row = self.rows.get(self.key(config))
        return math.nan if row is None else row[1]

    def better(self, a, b):
        """Whether observed value `a` is strictly better than `b`.

        Args:
            a: a value of the objective.
            b: another one.

        Returns:
            A bool, following `direction`.

        Example:
            >>> bench.better(0.9, 0.8)  # doctest: +SKIP
            True
        """
        return a > b if self.direction == "max" else a < b

    # -- running strategies ---------------------------------------------------
    def make_oracle(self, tuner, max_trials, seed, **kwargs):
        """Build the oracle for `tuner` over this table's space.

        Args:
            tuner: a strategy name, an oracle class (autonas or KerasTuner), or an
                oracle instance (its space is filled from the table when empty).
            max_trials: the evaluation budget.
            seed: the oracle's seed.
            **kwargs: passed to the oracle class.

        Returns:
            A `keras_tuner.Oracle`.

        Example:
            >>> oracle = bench.make_oracle("evolution", max_trials=50, seed=0)  # doctest: +SKIP
        """
        objective = keras_tuner.Objective(self.objective, self.direction)
        if isinstance(tuner, type):
            oracle = tuner(objective=objective, max_trials=max_trials, seed=seed,
                           hyperparameters=self.hyperparameters.copy(), **kwargs)
        elif isinstance(tuner, keras_tuner.Oracle):
            oracle = tuner
            if not oracle.hyperparameters.space:
                oracle.hyperparameters.merge(self.hyperparameters.copy())
        else:
            oracle = get_oracle(tuner, objective, max_trials, seed=seed,
                                hyperparameters=self.hyperparameters.copy(), **kwargs)
        if getattr(oracle, "max_epochs", 0) is None and hasattr(oracle, "set_max_epochs"):
            oracle.set_max_epochs(self.max_epochs)
        return oracle

    def run(self, tuner="evolution", max_trials=100, seed=0, directory=None, **kwargs):
        """Run one search on the table.

        Args:
            tuner: a strategy name, an oracle class or an oracle instance.
            max_trials: the evaluation budget.
            seed: seeds both the oracle and the measurement noise.
            directory: where the oracle keeps its state; ``None`` keeps it in memory.
            **kwargs: passed to the oracle class.

        Returns:
            A `BenchmarkResult`.

        Example:
            >>> result = bench.run(tuner="random", max_trials=25, seed=3)  # doctest: +SKIP
        """
        if not isinstance(max_trials, int) or isinstance(max_trials, bool) or max_trials <= 0:
            raise ValueError(f"`max_trials` must be a positive integer; received {max_trials!r}.")
        oracle = self.make_oracle(tuner, max_trials, seed, **kwargs)
        table_tuner = TableTuner(self, oracle, seed=seed, directory=directory)
        result = table_tuner.search(max_trials)
        result.oracle = oracle
        return result
