"""The ARD Gaussian process (`autonas.search.bayes_kernel`) and `bayesian` with ``kernel="ard"``."""

import random

import numpy as np
import pytest

from autonas.benchmarks.landscapes import Landscape, synthetic_table
from autonas.search import InMemoryHistory
from autonas.search.bayes_kernel import ArdGaussianProcess, slot_distances
from autonas.search.bayesian import BayesianStrategy
from autonas.search.space import SearchSpace
from autonas.search.surrogate import one_hot


def _data(n=40, seed=0):
    """Six ternary decisions and one numeric column; only decision 0 matters (plus noise)."""
    rng = np.random.default_rng(seed)
    cat = rng.integers(0, 3, size=(n, 6))
    x = (one_hot(cat, [3] * 6), rng.random((n, 1)))
    effect = np.array([0.0, 2.0, -1.5])
    y = [list(effect[cat[i, 0]] + rng.normal(0, 0.3, size=int(rng.integers(1, 4)))) for i in range(n)]
    return x, y, cat


def test_the_decision_that_matters_gets_the_largest_weight():
    x, y, _ = _data()
    gp = ArdGaussianProcess([4] * 6).fit(x, y)
    others = np.delete(gp.theta_, 0)
    assert gp.theta_[0] > 3 * others.max(), gp.theta_


def test_the_likelihood_gradient_matches_finite_differences():
    x, y, _ = _data(n=25, seed=1)
    gp = ArdGaussianProcess([4] * 6).fit(x, y)
    flat = np.concatenate(y)
    z = [(np.asarray(v) - flat.mean()) / flat.std() for v in y]
    zbar = np.array([v.mean() for v in z])
    k = np.array([len(v) for v in z], dtype=float)
    within = float(sum(((v - m) ** 2).sum() for v, m in zip(z, zbar)))
    dist = slot_distances(x, [4] * 6)
    params = np.random.default_rng(2).normal(0.0, 0.5, size=8)
    _, grad = gp._nll(params, dist, zbar, k, within, float((k - 1).sum()))
    step = 1e-6
    numeric = [(gp._nll(params + e, dist, zbar, k, within, float((k - 1).sum()))[0]
                - gp._nll(params - e, dist, zbar, k, within, float((k - 1).sum()))[0]) / (2 * step)
               for e in np.eye(8) * step]
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-6)


def test_repeated_measurements_shrink_the_posterior_spread_at_that_configuration():
    x, y, _ = _data(n=30, seed=3)
    once = ArdGaussianProcess([4] * 6).fit(x, y)
    y5 = [list(v) * (5 if i == 0 else 1) for i, v in enumerate(y)]
    five = ArdGaussianProcess([4] * 6, start=once.params_, refit=False).fit(x, y5)
    first = (x[0][:1], x[1][:1])
    assert five.predict(first)[1][0] < once.predict(first)[1][0]


def test_bayesian_with_the_ard_kernel_proposes_and_saves_its_fit():
    bench = synthetic_table(Landscape("5x3", (3,) * 5, seed=4))
    history = InMemoryHistory(SearchSpace(bench.hyperparameters), max_trials=40)
    strategy = BayesianStrategy(kernel="ard")
    rng, noise = random.Random(0), np.random.default_rng(0)
    for _ in range(20):
        proposal = strategy.propose(history, rng)
        assert proposal.status == "run"
        history.end(history.start(proposal.values), bench.observe(proposal.values, noise))
    state = strategy.get_state()
    assert state["kernel"] == "ard" and len(state["ard"]["params"]) == 5 + 1
    with pytest.raises(ValueError, match="kernel"):
        BayesianStrategy(kernel="rbf")
