"""`bayesian`'s endgame under noise: it races the leader against its strongest challenger (LUCB)."""

import random

import numpy as np
import pytest

from autonas.benchmarks.landscapes import Landscape, synthetic_table
from autonas.search.bayesian import BayesianStrategy
from autonas.search.history import REPEAT_KEY

from noisy_histories import history as _history

LEADER = {"d0": 3, "d1": 3, "d2": 1}
CHALLENGER = {"d0": 3, "d1": 3, "d2": 2}


def _results(leader, challenger, n=12, seed=0):
    """n configurations measured 3 times around 90, then the leader and a challenger."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        config = {"d0": i % 4, "d1": (i // 4) % 4, "d2": (3 * i) % 4}
        out.append((config, [float(v) for v in 90 + rng.normal(0, 0.5) + rng.normal(0, 0.2, size=3)]))
    return out + [(LEADER, leader), (CHALLENGER, challenger)]


def _propose(results, **settings):
    history = _history(results, max_trials=sum(len(m) for _, m in results) + 2)  # 2 left: the endgame
    return BayesianStrategy(**settings).propose(history, random.Random(0)).values


def _remeasured(values):
    return None if REPEAT_KEY not in values else ({k: v for k, v in values.items() if k != REPEAT_KEY},
                                                  values[REPEAT_KEY])


def test_a_leader_the_model_cannot_separate_from_its_challenger_is_measured_again():
    """Both measured 3 times, 0.07 apart under a noise of 0.2: the old endgame (``race=False``) had spent
    its `repeats` on them and explored; the race measures them again, the less measured first."""
    results = _results([92.0, 92.4, 91.9], [92.1, 91.8, 92.2])
    assert _remeasured(_propose(results)) == (LEADER, 3)
    assert _remeasured(_propose(results, race=False)) is None
    results[-1] = (CHALLENGER, [92.1, 91.8])
    assert _remeasured(_propose(results)) == (CHALLENGER, 2)


def test_once_separated_or_at_max_repeats_it_explores():
    separated = _results([95.0, 95.1, 94.9], [92.1, 91.8, 92.2])
    assert _remeasured(_propose(separated)) is None
    close = _results([92.0, 92.4, 91.9, 92.1], [92.1, 91.8, 92.2, 92.0])
    assert _remeasured(_propose(close, max_repeats=4)) is None
    assert _remeasured(_propose(close, max_repeats=5)) == (LEADER, 4)


def test_the_returned_configuration_is_rarely_a_lucky_one():
    """The search returns the configuration with the best mean measurement. On a noisy table, among
    ~40 configurations measured once or a few times, that is often a lucky one and not the best one
    evaluated; racing the leader against its challengers halves that loss (true mean of the best
    configuration evaluated minus that of the one returned)."""
    bench = synthetic_table(Landscape("5x4", (4,) * 5, rho=0.4, noise=0.4, alpha=0.5, spread=2.0, seed=22))

    def selection_loss(race):
        losses = []
        for seed in range(8):
            result = bench.run(tuner="bayesian", max_trials=40, seed=seed, race=race, candidates=500)
            evaluated = max(bench.report(c) for c in result.configs)
            losses.append(evaluated - result.best_report)
        return float(np.mean(losses))

    with_race, without = selection_loss(True), selection_loss(False)
    assert without > 0.05 and with_race < 0.5 * without


def test_the_race_settings_are_checked_and_numpy_numbers_accepted():
    assert BayesianStrategy(confidence=np.float32(1.5)).confidence == 1.5
    assert type(BayesianStrategy(confidence=np.float64(2.0)).confidence) is float
    for bad in (-1, True, "wide", float("nan")):
        with pytest.raises(ValueError, match=r"`confidence` must be a number >= 0.0; received"):
            BayesianStrategy(confidence=bad)
    with pytest.raises(ValueError, match=r"`max_repeats` must be a positive integer; received 0"):
        BayesianStrategy(max_repeats=0)
