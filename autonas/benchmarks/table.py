"""`TableBenchmark`: run any search strategy against a NAS lookup table.

A tabular benchmark lists, for every configuration of a search space, the
metrics obtained by training it. Evaluating a configuration is a lookup, so a
strategy can be run many times with different seeds and its sample efficiency
measured exactly. The strategies are the very ones a real search uses, driven
over an in-memory history (`autonas.benchmarks.searches.TableSearch`); any
`keras_tuner.Oracle` runs too (`TableTuner`).

Noise: when a configuration has several recorded runs (seeds), each evaluation
observes one of them drawn at random, as training noise would; the reported
metric is the mean over runs (see `autonas.benchmarks.searches`).
"""

import json
import math
import os

import keras_tuner
import numpy as np

from autonas.benchmarks.result import BenchmarkResult  # noqa: F401 (the name this module offered)
from autonas.benchmarks.searches import TableSearch, TableTuner
from autonas.search import Strategy, get_oracle, get_strategy


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
        """Build an oracle for `tuner` over this table's space (for searches kept in a directory).

        Args:
            tuner: a strategy name, a `Strategy`, an oracle class (autonas or KerasTuner), or an
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

        A strategy (a name or a `Strategy`) runs over an in-memory history
        (`TableSearch`) unless `directory` asks for its state on disk; an
        oracle class or instance runs through `TableTuner`.

        Args:
            tuner: a strategy name, a `Strategy`, an oracle class or an oracle instance.
            max_trials: the evaluation budget.
            seed: seeds both the strategy and the measurement noise.
            directory: where an oracle keeps its state; None: in memory for strategies, a
                temporary directory for oracles.
            **kwargs: the strategy's settings and ``initial_hps``, ``remeasure``,
                ``max_consecutive_failed_trials`` (or the oracle class's arguments).

        Returns:
            A `BenchmarkResult`; its ``oracle`` is the search that ran (a `TableSearch` or the oracle).

        Example:
            >>> result = bench.run(tuner="random", max_trials=25, seed=3)  # doctest: +SKIP
        """
        if not isinstance(max_trials, int) or isinstance(max_trials, bool) or max_trials <= 0:
            raise ValueError(f"`max_trials` must be a positive integer; received {max_trials!r}.")
        if directory is None and (isinstance(tuner, (str, Strategy))):
            own = {k: kwargs.pop(k) for k in ("initial_hps", "remeasure", "max_consecutive_failed_trials")
                   if k in kwargs}
            search = TableSearch(self, get_strategy(tuner, **kwargs), max_trials, seed=seed, **own)
            result = search.run()
            result.oracle = search
            return result
        oracle = self.make_oracle(tuner, max_trials, seed, **kwargs)
        result = TableTuner(self, oracle, seed=seed, directory=directory).search(max_trials)
        result.oracle = oracle
        return result
