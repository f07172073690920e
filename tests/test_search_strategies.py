"""Contract tests every search strategy must pass (pure Python, no training)."""

import shutil
import time

import keras_tuner
import pytest

from autonas.search import STRATEGIES, get_oracle
from autonas.search.space import SearchSpace
from search_helpers import (NAMES, conditional_space, config_key, first_runs, in_memory, make_oracle, run,
                            small_space, small_space_configs)


def _valid(space, values):
    config = {k: v for k, v in values.items() if not k.startswith("tuner/")}
    return SearchSpace(space).complete(config) == config


@pytest.mark.parametrize("name", NAMES)
def test_proposes_valid_configurations_for_a_conditional_space(name):
    hp = conditional_space()
    oracle = in_memory(make_oracle(name, hp, max_trials=30))
    trials = run(oracle, 30)
    assert len(trials) >= 20
    for trial in trials:
        values = trial.hyperparameters.values
        assert _valid(hp, values), values
        # only active hyperparameters are present
        if values["model"] == "mlp":
            assert "units" in values and "filters" not in values and "pool" not in values
        else:
            assert "filters" in values and "units" not in values and "dropout" not in values
        # KerasTuner agrees: its own activity check changes nothing
        hps = hp.copy()
        hps.values = {k: v for k, v in values.items() if not k.startswith("tuner/")}
        before = dict(hps.values)
        hps.ensure_active_values()
        assert hps.values == before
    if name != "grid":  # grid search is still enumerating the "mlp" branch
        both = {t.hyperparameters.values["model"] for t in trials}
        assert both == {"mlp", "cnn"}


@pytest.mark.parametrize("name", NAMES)
def test_never_proposes_a_configuration_twice(name):
    oracle = in_memory(make_oracle(name, conditional_space(), max_trials=40))
    trials = first_runs(run(oracle, 40))
    keys = [config_key(t.hyperparameters.values) for t in trials]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("name", NAMES)
def test_stops_cleanly_when_the_space_is_exhausted(name):
    oracle = in_memory(make_oracle(name, small_space(), max_trials=50, **(
        {"hyperband_iterations": 5} if name.startswith("hyperband") else {})))
    trials = run(oracle, 50)
    assert len(trials) < 50
    seen = {config_key(t.hyperparameters.values) for t in trials}
    assert seen == {config_key(c) for c in small_space_configs()}
    keys = [config_key(t.hyperparameters.values) for t in first_runs(trials)]
    assert len(keys) == len(set(keys)) == 6
    assert oracle.create_trial("tester").status == "STOPPED"


@pytest.mark.parametrize("name", NAMES)
def test_a_reloaded_oracle_makes_the_same_next_proposal(name, tmp_path):
    hp = conditional_space()
    original = make_oracle(name, hp, max_trials=40, seed=7)
    original._set_project_dir(str(tmp_path / "a"), "project")
    original.verbose = 0
    run(original, 17)
    # The process stops here; a new one reloads a copy of the project directory.
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    reloaded = make_oracle(name, keras_tuner.HyperParameters(), max_trials=40, seed=7)
    reloaded._set_project_dir(str(tmp_path / "b"), "project")
    reloaded.verbose = 0
    reloaded.reload()
    assert len(reloaded.trials) == 17
    expected = [t.hyperparameters.values for t in run(original, 4)]
    got = [t.hyperparameters.values for t in run(reloaded, 4)]
    assert got == expected
    assert len({t.trial_id for t in reloaded.trials.values()}) == 21


@pytest.mark.parametrize("name", NAMES)
def test_failed_trials_are_handled(name):
    oracle = in_memory(make_oracle(name, conditional_space(), max_trials=30, max_consecutive_failed_trials=10))
    counter = {"n": 0}

    def fail(trial):
        counter["n"] += 1
        return counter["n"] % 3 == 0

    trials = run(oracle, 30, fail=fail)
    assert len(trials) >= 20
    failed = [t for t in trials if t.status == "FAILED"]
    completed = [t for t in trials if t.status == "COMPLETED"]
    assert failed and completed
    keys = [config_key(t.hyperparameters.values) for t in first_runs(trials)]
    assert len(keys) == len(set(keys))  # a failed configuration is not proposed again
    best = oracle.get_best_trials(1)[0]
    assert best.status == "COMPLETED"


@pytest.mark.parametrize("name", NAMES)
def test_seeded_and_reproducible(name):
    def sequence(seed):
        oracle = in_memory(make_oracle(name, conditional_space(), max_trials=25, seed=seed))
        return [t.hyperparameters.values for t in run(oracle, 25)]

    first = sequence(3)
    assert sequence(3) == first
    if name != "grid":  # the grid order does not depend on the seed
        assert sequence(4) != first


def test_seed_zero_is_a_seed():
    a = in_memory(make_oracle("random", conditional_space(), seed=0))
    b = in_memory(make_oracle("random", conditional_space(), seed=0))
    assert a.seed == 0
    assert [t.hyperparameters.values for t in run(a, 5)] == [t.hyperparameters.values for t in run(b, 5)]


def nas_like_space():
    hp = keras_tuner.HyperParameters()
    for i in range(8):
        hp.Choice(f"layer_{i}", [0, 1, 2], ordered=False)
    return hp


def nas_like_score(values):
    return sum(values[f"layer_{i}"] * (1 + (i % 3) * 0.1) for i in range(8)) - 0.3 * (values["layer_0"] == 2)


@pytest.mark.parametrize("name", NAMES)
def test_proposals_keep_coming_at_100_completed_trials(name):
    # The per-proposal time itself is measured in benchmarks/strategies.py, not asserted here.
    kwargs = {"hyperband_iterations": 50} if name.startswith("hyperband") else {}
    oracle = in_memory(make_oracle(name, nas_like_space(), max_trials=110, **kwargs))
    run(oracle, 100, objective=nas_like_score)
    populate = oracle.populate_space
    times = []

    def timed(trial_id):
        start = time.thread_time()
        try:
            return populate(trial_id)
        finally:
            times.append(time.thread_time() - start)

    oracle.populate_space = timed
    run(oracle, 5, objective=nas_like_score)
    assert len(oracle.trials) >= 100
    assert len(times) >= 1


def test_get_oracle_by_name_and_errors():
    oracle = get_oracle("evolution", "val_accuracy", 5, seed=1)
    assert isinstance(oracle, keras_tuner.Oracle) and isinstance(oracle.strategy, STRATEGIES["evolution"])
    assert get_oracle(oracle, "ignored", 1) is oracle
    strategy = STRATEGIES["random"]()  # a Strategy instance runs as an oracle too
    assert get_oracle(strategy, "val_accuracy", 2, seed=0).strategy is strategy
    with pytest.raises(ValueError, match="`tuner` must be one of"):
        get_oracle("annealing", "val_accuracy", 5)
    with pytest.raises(TypeError, match="`tuner` must be a strategy name"):
        get_oracle(3, "val_accuracy", 5)
    for name in ("random", "grid", "bayesian", "hyperband", "evolution", "hyperband-evolution"):
        assert name in STRATEGIES
