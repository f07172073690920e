"""`bayesian` under measurement noise: it re-measures what it would return, and models every measurement."""

import random

import numpy as np
import pytest

from autonas.benchmarks.landscapes import Landscape, synthetic_table
from autonas.search.bayesian import BayesianStrategy
from autonas.search.history import REPEAT_KEY

from noisy_histories import history as _history


def _spread_results(n=12, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        config = {"d0": i % 4, "d1": (i // 4) % 4, "d2": (3 * i) % 4}
        out.append((config, [float(90 + rng.normal(0, 0.5))]))
    return out


LUCKY = {"d0": 3, "d1": 3, "d2": 1}


def _propose(results, max_trials, **settings):
    return BayesianStrategy(**settings).propose(_history(results, max_trials), random.Random(0))


def test_at_the_end_of_the_budget_the_leader_measured_once_is_measured_again():
    results = _spread_results() + [(LUCKY, [95.0])]  # far above everything: the search would return it
    proposal = _propose(results, max_trials=15)  # 13 trials done, 2 left: within the last 20%
    assert proposal.status == "run" and proposal.values[REPEAT_KEY] == 1
    assert {k: v for k, v in proposal.values.items() if k != REPEAT_KEY} == LUCKY
    # earlier in the budget it explores; so does repeats=1, whenever
    assert REPEAT_KEY not in _propose(results, max_trials=40).values
    assert REPEAT_KEY not in _propose(results, max_trials=15, repeats=1).values


def test_re_measurements_stop_at_repeats():
    """Once the leaders and the model's favourite have `repeats` measurements, it explores again."""
    results = [(config, measurements * 3) for config, measurements in _spread_results()]
    results.append((LUCKY, [95.0, 94.9, 95.1]))
    proposal = _propose(results, max_trials=len(results) * 3 + 1)
    assert proposal.status == "run" and REPEAT_KEY not in proposal.values
    results[-1] = (LUCKY, [95.0, 94.9])  # the leader has 2 of 3
    assert _propose(results, max_trials=len(results) * 3 + 1).values[REPEAT_KEY] == 2


def test_without_a_budget_re_measurements_take_at_most_their_share_of_the_trials():
    results = _spread_results(n=8) + [(LUCKY, [95.0])]
    assert _propose(results, max_trials=None).values[REPEAT_KEY] == 1
    results.insert(0, ({"d0": 0, "d1": 0, "d2": 0}, [88.0, 88.1]))  # 1 re-measurement in 11 trials
    assert REPEAT_KEY not in _propose(results, max_trials=None, repeat_share=0.05).values
    assert _propose(results, max_trials=None, repeat_share=0.2).values[REPEAT_KEY] == 1


def test_settings_are_checked_and_saved():
    with pytest.raises(ValueError, match="`repeats` must be a positive integer; received 0"):
        BayesianStrategy(repeats=0)
    with pytest.raises(ValueError, match=r"`repeat_share` must be a probability in \[0, 1\]; received 1.5"):
        BayesianStrategy(repeat_share=1.5)
    state = BayesianStrategy(repeats=4, repeat_share=0.1).get_state()
    restored = BayesianStrategy()
    restored.set_state(state)
    assert (restored.repeats, restored.repeat_share) == (4, 0.1)


def test_re_measuring_the_leaders_removes_most_of_the_winners_curse():
    """The configuration returned is the one with the best mean measurement; measured once among many,
    it is mostly the luckiest, and its score overstates its true mean (the table's report). The
    re-measurements at the end of the budget remove most of that optimism."""
    bench = synthetic_table(Landscape("5x4", (4,) * 5, rho=0.4, noise=0.3, alpha=0.5, spread=2.0, seed=21))

    def optimism(repeats):
        runs = [bench.run(tuner="bayesian", max_trials=30, seed=s, repeats=repeats, candidates=500)
                for s in range(6)]
        return np.mean([r.best_observed - r.best_report for r in runs])

    with_repeats, without = optimism(3), optimism(1)
    assert without > 0.15 and with_repeats < 0.5 * without
