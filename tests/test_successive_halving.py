"""The successive-halving strategy: proxy trials, promotions and the budget plan (no training)."""

import keras_tuner
import pytest

from autonas.search import SuccessiveHalving
from autonas.search.successive_halving import is_proxy
from search_helpers import conditional_space, in_memory, score


def _oracle(max_trials=60, **kwargs):
    oracle = SuccessiveHalving(objective=keras_tuner.Objective("score", "max"), max_trials=max_trials, seed=3,
                               hyperparameters=conditional_space(), **kwargs)
    return in_memory(oracle)


def _run(oracle, hint=None, objective=score):
    """One trial: create, score, end. The score of a proxy is lowered, as a short training would."""
    oracle.budget_hint = hint
    trial = oracle.create_trial("tester")
    if trial.status != "RUNNING":
        return None
    values = trial.hyperparameters.values
    config = {k: v for k, v in values.items() if not k.startswith("tuner/")}
    value = objective(config) - (0.1 if is_proxy(values) else 0.0)
    oracle.update_trial(trial.trial_id, {"score": value}, step=values.get("tuner/epochs", 1) - 1)
    trial.status = "COMPLETED"
    oracle.end_trial(trial)
    return trial


def test_without_a_budget_every_trial_is_full_fidelity():
    oracle = _oracle()
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    trials = [_run(oracle, {"remaining": None, "epoch_seconds": None}) for _ in range(4)]
    assert all(oracle.full_fidelity(t.hyperparameters.values) for t in trials)
    assert all("tuner/examples" not in t.hyperparameters.values for t in trials)
    assert trials[0].hyperparameters.values["tuner/patience"] == 10


def test_a_short_budget_screens_on_a_subset_then_promotes_the_best():
    oracle = _oracle(min_screened=3)
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    hint = {"remaining": None, "epoch_seconds": None}
    first = _run(oracle, {"remaining": 300.0, "epoch_seconds": None})
    assert is_proxy(first.hyperparameters.values)  # nothing measured yet: the first trial is screened
    assert first.hyperparameters.values["tuner/examples"] == 6400 // 3
    hint = {"remaining": 300.0, "epoch_seconds": 8.0}  # a full trial (30 epochs) costs 240 s: proxies pay off
    trials = [first] + [_run(oracle, hint) for _ in range(2)]
    assert all(is_proxy(t.hyperparameters.values) for t in trials)
    promoted = _run(oracle, hint)
    values = promoted.hyperparameters.values
    assert oracle.full_fidelity(values) and "tuner/examples" not in values
    best = max(trials, key=lambda t: t.score)
    assert values["tuner/parent"] == best.trial_id
    assert "tuner/trial_id" not in values  # the proxy saw other data: the promotion trains from scratch
    # two full trials fit in 60% of the 300 s: 300 * 0.6 / (2 * 8) = 11 epochs
    assert values["tuner/epochs"] == 11
    # screening goes on: one promotion per `factor` screened configurations
    more = [_run(oracle, hint) for _ in range(3)]
    assert [is_proxy(t.hyperparameters.values) for t in more] == [True, True, True]
    assert not is_proxy(_run(oracle, hint).hyperparameters.values)


def test_expensive_epochs_shrink_the_proxy_subset_so_that_enough_configurations_are_screened():
    oracle = _oracle()
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    _run(oracle, {"remaining": 1000.0, "epoch_seconds": None})
    # proxies get 40% of 1000 s = 400 s; at 2,133 examples a proxy costs 20 s * 3 / 3 + 40 s of overhead
    # = 60 s (6 screened), at the floor of 1,000 examples 9.4 s + 40 s (8 screened)
    hint = {"remaining": 1000.0, "epoch_seconds": 20.0, "trial_overhead": 40.0}
    values = _run(oracle, hint).hyperparameters.values
    assert is_proxy(values) and values["tuner/examples"] == 1000
    reloaded = _oracle()
    reloaded.set_state(oracle.get_state())
    assert reloaded.proxy_examples() == 1000
    # cheap epochs keep the first subset: 120 s hold 15 proxies of 8 s
    cheap = _oracle()
    cheap.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    _run(cheap, {"remaining": 300.0, "epoch_seconds": None})
    assert _run(cheap, {"remaining": 300.0, "epoch_seconds": 8.0}).hyperparameters.values["tuner/examples"] == 2133


def test_the_first_promotion_waits_for_min_screened_proxies():
    oracle = _oracle()  # min_screened=8 by default
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    _run(oracle, {"remaining": 600.0, "epoch_seconds": None})
    hint = {"remaining": 600.0, "epoch_seconds": 8.0}  # a full trial of 30 epochs: 240 s, proxies pay off
    rungs = [is_proxy(_run(oracle, hint).hyperparameters.values) for _ in range(8)]
    assert rungs == [True] * 7 + [False]


def test_promotions_on_all_the_examples_continue_from_the_checkpoint():
    oracle = _oracle(min_screened=3)
    oracle.set_fidelity(num_examples=1200, max_epochs=100, early_stopping=True)  # too few rows to subsample
    hint = {"remaining": 100.0, "epoch_seconds": 2.0}
    trials = [_run(oracle, hint) for _ in range(3)]
    assert all("tuner/examples" not in t.hyperparameters.values for t in trials)
    promoted = _run(oracle, hint).hyperparameters.values
    assert promoted["tuner/trial_id"] == promoted["tuner/parent"]
    assert promoted["tuner/initial_epoch"] == 3


def test_an_ample_budget_drops_proxies_and_promotes_what_was_screened_first():
    oracle = _oracle()
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    first = _run(oracle, {"remaining": 3000.0, "epoch_seconds": None})
    hint = {"remaining": 3000.0, "epoch_seconds": 1.0}  # 30 s per full trial: 100 of them fit
    second = _run(oracle, hint).hyperparameters.values
    assert oracle.full_fidelity(second) and second["tuner/parent"] == first.trial_id
    third = _run(oracle, hint).hyperparameters.values
    assert oracle.full_fidelity(third) and "tuner/parent" not in third


def test_little_time_left_promotes_instead_of_screening():
    oracle = _oracle()
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    _run(oracle, {"remaining": 500.0, "epoch_seconds": None})
    _run(oracle, {"remaining": 480.0, "epoch_seconds": 8.0})
    # 200 s still holds 1.25 full trials (15 epochs * 8 s): another configuration is screened
    assert is_proxy(_run(oracle, {"remaining": 200.0, "epoch_seconds": 8.0}).hyperparameters.values)
    # less than that left: the best screened one is promoted now
    late = _run(oracle, {"remaining": 140.0, "epoch_seconds": 8.0}).hyperparameters.values
    assert oracle.full_fidelity(late)


def test_promote_best_turns_a_proxy_only_search_into_a_full_trial():
    oracle = _oracle()
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    trials = [_run(oracle, {"remaining": 400.0, "epoch_seconds": None})]
    trials.append(_run(oracle, {"remaining": 400.0, "epoch_seconds": 8.0}))
    assert all(is_proxy(t.hyperparameters.values) for t in trials)
    assert oracle.promote_best()
    final = _run(oracle, {"remaining": 0.0, "epoch_seconds": 8.0}).hyperparameters.values
    assert oracle.full_fidelity(final)
    assert final["tuner/parent"] == max(trials, key=lambda t: t.score).trial_id


def test_the_plan_survives_a_save_and_reload():
    oracle = _oracle()
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    for remaining in (300.0, 290.0):
        _run(oracle, {"remaining": remaining, "epoch_seconds": 8.0 if remaining < 300 else None})
    state = oracle.get_state()
    fresh = _oracle()
    fresh.set_state(state)
    assert fresh._mode == "proxy" and fresh._epochs_cap == oracle._epochs_cap
    assert fresh.num_examples == 6400 and fresh.proxy_examples() == oracle.proxy_examples()


@pytest.mark.parametrize("kwargs", [{"factor": 1}, {"proxy_epochs": 0}, {"full_share": 1.0},
                                    {"min_examples": True}])
def test_bad_arguments_are_refused(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        SuccessiveHalving(objective="score", **kwargs)


def test_a_poor_screened_configuration_is_not_promoted_even_when_time_runs_short():
    oracle = _oracle()
    oracle.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
    scores = iter([0.9, 0.2, 0.1, 0.3])
    def objective(config):
        return next(scores)
    first = _run(oracle, {"remaining": 500.0, "epoch_seconds": None}, objective=objective)
    hint = {"remaining": 480.0, "epoch_seconds": 8.0}
    _run(oracle, hint, objective=objective)
    promoted = _run(oracle, {"remaining": 140.0, "epoch_seconds": 8.0}, objective=objective)
    assert promoted.hyperparameters.values["tuner/parent"] == first.trial_id  # the best, promoted late
    # the two left are in the bottom of the screened ones: more screening, no promotion
    later = _run(oracle, {"remaining": 100.0, "epoch_seconds": 8.0}, objective=objective)
    assert is_proxy(later.hyperparameters.values)
