"""Synthetic NAS tables of other shapes (`autonas.benchmarks.landscapes`)."""

import numpy as np
import pytest

from autonas.benchmarks.landscapes import LANDSCAPES, Landscape, synthetic_table


def test_a_landscape_is_a_seeded_table_with_the_asked_shape():
    shape = Landscape("3x4", (4, 4, 4), rho=0.5, noise=0.2, alpha=0.5, spread=3.0, seed=7)
    bench = synthetic_table(shape)
    again = synthetic_table(shape)
    assert len(bench) == shape.size() == 64 and bench.rows == again.rows
    assert [hp.name for hp in bench.hyperparameters.space] == ["d0", "d1", "d2"]
    means = np.array([report for _, report in bench.rows.values()])
    assert np.median(means) == pytest.approx(94.0 - 3.0, abs=0.5)  # `spread` below the top at the median
    runs = np.array([obs for obs, _ in bench.rows.values()])
    assert runs.shape == (64, 3) and 0.1 < np.std(runs - runs.mean(axis=1, keepdims=True)) * np.sqrt(1.5) < 0.3
    assert bench.optimum == pytest.approx(means.max())


def test_the_validation_landscapes_differ_from_nas_bench_macro():
    """None has NAS-Bench-Macro's 8 decisions of 3 choices; they differ among themselves too."""
    shapes = {lan.choices for lan in LANDSCAPES}
    assert (3,) * 8 not in shapes and len(shapes) == len(LANDSCAPES)
    assert len({lan.noise for lan in LANDSCAPES}) >= 3


def test_random_search_finds_better_configurations_with_more_evaluations():
    bench = synthetic_table(Landscape("4x3", (3, 3, 3, 3), seed=1))
    short = np.mean([bench.run(tuner="random", max_trials=5, seed=s).best_report for s in range(8)])
    long = np.mean([bench.run(tuner="random", max_trials=40, seed=s).best_report for s in range(8)])
    assert long > short
