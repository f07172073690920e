"""Synthetic NAS tables of other shapes: to check that a strategy holds up beyond the tables it was tuned on.

A strategy tuned on one benchmark table learns that table's shape (its
number of decisions and choices, how additive it is, how noisy). These tables
are built from a seeded generative model with those properties as knobs, so a
strategy can be compared on shapes nobody tuned it on:

- ``quality(x) = sum_i w_i * u_i[x_i] + rho * sum_(i,j) v_ij[x_i, x_j]``
  (per-decision effects of random importance ``w_i``, plus pairwise
  interactions on a random graph, ``rho`` setting their strength), scaled to
  then ranked;
- the mean accuracy is ``top - spread * (2 u) ** alpha`` where ``u`` is the share
  of configurations at least as good (``1 / size`` for the best): most
  configurations are close to the best, a long tail is poor (as in NAS tables),
  and how close the good ones are is set by `alpha`, whatever the number of
  decisions;
- each configuration has `runs` recorded runs: the mean plus Gaussian noise
  of standard deviation `noise` (the same protocol as NAS-Bench-Macro: an
  evaluation observes one run at random; the report is the mean of the runs).
"""

import itertools
from dataclasses import dataclass

import keras_tuner
import numpy as np

from autonas.benchmarks.table import TableBenchmark


@dataclass(frozen=True)
class Landscape:
    """The shape of a synthetic table.

    Attributes:
        name: a label for reports.
        choices: number of values of each decision, e.g. ``(5,) * 6``.
        rho: strength of the pairwise interactions (0: additive).
        noise: standard deviation of one run around the configuration's mean (accuracy points).
        alpha: how fast accuracy falls with the rank (smaller: more near-optimal configurations).
        spread: accuracy points between the best and the median configuration, roughly.
        edges: pairwise interactions, as a share of all pairs.
        seed: seed of the table itself.
    """

    name: str
    choices: tuple
    rho: float = 0.5
    noise: float = 0.15
    alpha: float = 0.5
    spread: float = 3.0
    edges: float = 0.3
    seed: int = 0

    def size(self):
        """Number of configurations."""
        return int(np.prod(self.choices))


#: the development landscapes the default strategy was designed on (none is NAS-Bench-Macro's 8 x 3)
LANDSCAPES = (
    Landscape("6x5 interacting", (5,) * 6, rho=0.6, noise=0.15, alpha=0.5, spread=3.0, seed=1),
    Landscape("10 mixed, noisy", (2, 3, 4, 2, 3, 4, 2, 3, 4, 3), rho=0.3, noise=0.3, alpha=0.6, spread=4.0,
              seed=2),
    Landscape("7x4 rugged", (4,) * 7, rho=1.2, noise=0.1, edges=0.5, alpha=0.4, spread=2.0, seed=3),
    Landscape("5x8 wide", (8,) * 5, rho=0.4, noise=0.2, alpha=0.7, spread=4.0, seed=4),
    Landscape("12x2 binary", (2,) * 12, rho=0.8, noise=0.15, alpha=0.5, spread=2.5, seed=5),
)

#: held-out landscapes: other shapes and table seeds, fixed before they were ever run and used only to
#: confirm what was designed on `LANDSCAPES` (one is too large to enumerate for the candidate grid)
HELD_OUT = (
    Landscape("9x3 noisy", (3,) * 9, rho=0.5, noise=0.25, alpha=0.5, spread=3.0, seed=11),
    Landscape("4x10 wide, quiet", (10,) * 4, rho=0.7, noise=0.08, alpha=0.6, spread=3.5, seed=12),
    Landscape("8x4 very noisy", (4,) * 8, rho=0.5, noise=0.5, alpha=0.5, spread=3.0, seed=13),
    Landscape("11 mixed 2/3", (2, 3) * 5 + (2,), rho=0.9, noise=0.2, edges=0.4, alpha=0.45, spread=2.5,
              seed=14),
    Landscape("6x6 near-additive", (6,) * 6, rho=0.15, noise=0.1, alpha=0.55, spread=3.0, seed=15),
)

#: confirmation landscapes for the racing endgame of `bayesian` (issue 22, item 7): shapes and seeds fixed
#: before they were ever run, none looked at while that change was designed: 5 decisions x 5 choices under
#: twice the heaviest noise above, 3 decisions x 12 choices, 14 binary decisions
CONFIRM = (
    Landscape("5x5 noisiest", (5,) * 5, rho=0.5, noise=0.6, alpha=0.5, spread=3.0, seed=31),
    Landscape("3x12 widest", (12,) * 3, rho=0.6, noise=0.15, alpha=0.6, spread=3.5, seed=32),
    Landscape("14x2 binary", (2,) * 14, rho=0.7, noise=0.2, edges=0.35, alpha=0.5, spread=2.5, seed=33),
)


def synthetic_table(landscape, top=94.0, runs=3, max_epochs=9):
    """Build the `TableBenchmark` of a `Landscape`.

    Args:
        landscape: a `Landscape`.
        top: accuracy of an ideal configuration.
        runs: recorded runs per configuration.
        max_epochs: passed to `TableBenchmark`.

    Returns:
        A `TableBenchmark` with decisions ``d0``, ``d1``, ... (integer choices), objective
        ``"acc"`` (one run) and report ``"mean_acc"``.

    Example:
        >>> bench = synthetic_table(LANDSCAPES[0])
        >>> len(bench)
        15625
    """
    rng = np.random.default_rng(landscape.seed)
    choices = [int(c) for c in landscape.choices]
    d = len(choices)
    grids = np.array(list(itertools.product(*[range(c) for c in choices])), dtype=np.int64)
    importance = np.exp(rng.normal(0.0, 0.7, size=d))
    quality = np.zeros(len(grids))
    for i, c in enumerate(choices):
        quality += importance[i] * rng.normal(0.0, 1.0, size=c)[grids[:, i]]
    for i, j in itertools.combinations(range(d), 2):
        if rng.random() < landscape.edges:
            table = rng.normal(0.0, 1.0, size=(choices[i], choices[j]))
            quality += landscape.rho * np.sqrt(importance[i] * importance[j]) * table[grids[:, i], grids[:, j]]
    better = len(grids) - np.argsort(np.argsort(quality, kind="stable"), kind="stable")  # 1 for the best
    mean = top - landscape.spread * 2 ** landscape.alpha * (better / len(grids)) ** landscape.alpha
    observations = mean[:, None] + rng.normal(0.0, landscape.noise, size=(len(grids), runs))
    rows = {}
    for key, obs in zip(map(tuple, grids.tolist()), observations):
        rows[key] = ([float(v) for v in obs], float(obs.mean()))
    hps = keras_tuner.HyperParameters()
    for i, c in enumerate(choices):
        hps.Choice(f"d{i}", list(range(c)), ordered=False)
    return TableBenchmark(rows, hps, "acc", "mean_acc", "max", max_epochs=max_epochs)
