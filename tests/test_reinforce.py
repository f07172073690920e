"""`tuner="reinforce"`: a REINFORCE controller with per-decision policies, conditional choices respected."""

import random

import keras_tuner
import pytest

from autonas.search import InMemoryHistory, ReinforceStrategy, get_oracle
from autonas.search.space import SearchSpace
from search_helpers import conditional_space, in_memory, run, score


def _drive(strategy, space, objective, n, seed=0):
    history = InMemoryHistory(space, max_trials=n)
    for i in range(n):
        proposal = strategy.propose(history, random.Random(f"{seed}:{i}"))
        if proposal.status != "run":
            break
        trial_id = history.start(proposal.values)
        history.end(trial_id, objective(proposal.values))
    return history


def test_the_policy_respects_conditional_scopes_and_runs_as_an_oracle():
    oracle = in_memory(get_oracle("reinforce", keras_tuner.Objective("score", "max"), 30, seed=1,
                                  hyperparameters=conditional_space()))
    trials = run(oracle, 30)
    assert len(trials) == 30
    space = SearchSpace(conditional_space())
    for trial in trials:  # only active values: a cnn never carries `units`, an mlp never `filters`
        assert space.contains(trial.hyperparameters.values), trial.hyperparameters.values
    keys = [tuple(sorted(t.hyperparameters.values.items())) for t in trials]
    assert len(set(keys)) == len(keys)
    policy = oracle.policy()  # the strategy's method, given the oracle's history
    assert set(policy["logits"]) == {"model", "units", "dropout", "filters", "pool", "optimizer", "learning_rate"}
    assert len(policy["logits"]["learning_rate"]) == 11  # a continuous choice: its default and 10 grid values


def test_the_controller_learns_which_choices_pay():
    """On an objective where one optimizer and one model are clearly better, their probability rises."""
    space = SearchSpace(conditional_space())
    strategy = ReinforceStrategy()
    history = _drive(strategy, space, score, 60)
    policy = strategy.policy(history)
    names = policy["values"]["optimizer"]
    logits = policy["logits"]["optimizer"]
    assert names[max(range(len(logits)), key=logits.__getitem__)] == "adam"  # score: adam 0.3 > rmsprop > sgd
    late = [t.config for t in history.trials()[-20:]]
    assert sum(c["optimizer"] == "adam" for c in late) > 20 / 3 + 3  # well above the uniform share


def test_the_policy_is_rebuilt_from_the_history_so_a_reload_proposes_the_same():
    space = SearchSpace(conditional_space())
    first = ReinforceStrategy()
    history = _drive(first, space, score, 25)
    again = ReinforceStrategy()  # a reloaded search: a fresh strategy, the same history
    assert again.policy(history)["logits"] == first.policy(history)["logits"]
    assert again.propose(history, random.Random(7)) == first.propose(history, random.Random(7))


@pytest.mark.parametrize("kwargs, message", [
    ({"learning_rate": 0}, "`learning_rate` must be a positive number; received 0"),
    ({"baseline_decay": 1.0}, r"`baseline_decay` must be a number in \[0, 1\); received 1.0"),
    ({"resamples": 0}, "`resamples` must be a positive integer; received 0"),
])
def test_bad_settings_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReinforceStrategy(**kwargs)
