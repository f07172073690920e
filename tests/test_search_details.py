"""Strategy-specific behaviour: grid order, aging evolution, Hyperband schedule, re-measurement."""

import random

import keras_tuner
import numpy as np
import pytest

from autonas.search import (AgingEvolution, BayesianOptimization, GridSearch, Hyperband, HyperbandEvolution,
                            RandomSearch)
from autonas.search.bayesian import clip_outliers
from autonas.search.space import SearchSpace
from search_helpers import (conditional_space, config_key, in_memory, make_oracle, run, score, small_space,
                            small_space_configs, step)

OBJ = keras_tuner.Objective("score", "max")


def nas_space(layers=5):
    hp = keras_tuner.HyperParameters()
    for i in range(layers):
        hp.Choice(f"layer_{i}", [0, 1, 2], ordered=False)
    return hp


def nas_score(values):
    return sum(v * (1.0 + 0.1 * int(k[-1])) for k, v in values.items() if k.startswith("layer_"))


# -- SearchSpace -------------------------------------------------------------------------------


def test_space_enumerates_conditional_configurations():
    space = SearchSpace(small_space())
    grid = list(space.iter_grid())
    assert space.size() == 6
    assert sorted(map(config_key, grid)) == sorted(map(config_key, small_space_configs()))
    assert grid[0] == {"model": "mlp", "units": 16, "optimizer": "adam"}  # defaults first


def test_space_mutation_respects_conditional_scopes():
    space = SearchSpace(conditional_space())
    rng = random.Random(0)
    mlp = {"model": "mlp", "units": 32, "dropout": 0.25, "optimizer": "adam", "learning_rate": 0.01}
    model_entry = next(e for e in space.entries if e.name == "model")
    child = space.mutate(mlp, rng, entry=model_entry)
    assert child["model"] == "cnn"
    assert "units" not in child and "dropout" not in child  # inactive children dropped
    assert child["filters"] in (8, 16, 32) and child["pool"] in (False, True)  # newly active ones sampled
    assert child["optimizer"] == "adam" and child["learning_rate"] == 0.01  # the rest unchanged
    for _ in range(50):
        c = space.mutate(mlp, rng)
        assert sum(c.get(k) != v for k, v in mlp.items()) == 1 or c["model"] == "cnn"
        assert space.complete(c) == c
        x = space.crossover(mlp, child, rng)
        assert space.complete(x) == x
    assert len(space.neighbors(mlp, rng)) == 1 + 3 + 2 + 2 + 2  # model, units, dropout, optimizer, 2 lr steps


# -- grid ----------------------------------------------------------------------------------------


def test_grid_follows_the_grid_order_and_resumes_after_out_of_order_ends(tmp_path):
    expected = list(SearchSpace(small_space()).iter_grid())
    oracle = GridSearch(objective=OBJ, hyperparameters=small_space(), seed=0)
    oracle._set_project_dir(str(tmp_path), "grid")
    oracle.verbose = 0
    # three workers take trials, which end in reverse order
    trials = [oracle.create_trial(f"worker{i}") for i in range(3)]
    for trial in reversed(trials):
        oracle.update_trial(trial.trial_id, {"score": 1.0})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    assert [t.hyperparameters.values for t in trials] == expected[:3]
    reloaded = GridSearch(objective=OBJ, seed=0)
    reloaded._set_project_dir(str(tmp_path), "grid")
    reloaded.reload()
    reloaded.verbose = 0
    rest = [t.hyperparameters.values for t in run(reloaded, 10)]
    assert rest == expected[3:]
    assert reloaded.create_trial("worker0").status == "STOPPED"


# -- aging evolution -----------------------------------------------------------------------------


def test_aging_evolution_mutates_one_hyperparameter_of_a_recent_member():
    oracle = in_memory(AgingEvolution(objective=OBJ, max_trials=60, population_size=8, sample_size=3, seed=2,
                                      hyperparameters=nas_space(), initial_hps=[]))
    trials = run(oracle, 60, objective=nas_score)
    configs = [t.hyperparameters.values for t in trials]
    for i in range(8, 60):
        population = configs[i - 8:i]  # the 8 most recent: the oldest has left
        distances = [sum(configs[i][k] != p[k] for k in p) for p in population]
        assert min(distances) in (1, 2), (i, distances)  # one mutation (two when the neighbourhood is used up)
    early = np.mean([nas_score(c) for c in configs[:10]])
    late = np.mean([nas_score(c) for c in configs[-10:]])
    assert late > early + 1.0


def test_failed_trials_never_join_the_population():
    oracle = in_memory(AgingEvolution(objective=OBJ, max_trials=30, population_size=5, seed=0,
                                      hyperparameters=nas_space(), max_consecutive_failed_trials=None))
    trials = run(oracle, 30, objective=nas_score, fail=lambda t: int(t.trial_id) % 2 == 1)
    failed = {config_key(t.hyperparameters.values) for t in trials if t.status == "FAILED"}
    members = {config_key(c) for c, _ in oracle.population()}
    assert len(members) == 5 and not (members & failed)


# -- Hyperband -----------------------------------------------------------------------------------


def _schedule(trials):
    return [(v["tuner/bracket"], v["tuner/round"], v["tuner/initial_epoch"], v["tuner/epochs"])
            for v in (t.hyperparameters.values for t in trials)]


def test_hyperband_follows_keras_tuner_schedule():
    ours = in_memory(Hyperband(objective=OBJ, max_epochs=9, factor=3, hyperband_iterations=1, seed=1,
                               hyperparameters=nas_space()))
    trials = run(ours, 100, objective=nas_score)
    reference = in_memory(keras_tuner.oracles.HyperbandOracle(objective=OBJ, max_epochs=9, factor=3,
                                                              hyperband_iterations=1, seed=1,
                                                              hyperparameters=nas_space()))
    theirs = run(reference, 100, objective=nas_score)
    assert _schedule(trials) == _schedule(theirs)
    assert len(trials) == 9 + 3 + 1 + 5 + 2 + 3
    assert ours.create_trial("tester").status == "STOPPED"


def test_hyperband_promotions_continue_the_best_trials():
    oracle = in_memory(Hyperband(objective=OBJ, max_epochs=9, seed=3, hyperparameters=nas_space()))
    trials = {t.trial_id: t for t in run(oracle, 13, objective=nas_score)}
    by_round = {}
    for t in trials.values():
        by_round.setdefault(t.hyperparameters.values["tuner/round"], []).append(t)
    assert [len(by_round[r]) for r in range(3)] == [9, 3, 1]
    ranked = sorted(by_round[0], key=lambda t: -t.score)
    promoted = by_round[1]
    assert {t.hyperparameters.values["tuner/trial_id"] for t in promoted} == {t.trial_id for t in ranked[:3]}
    for t in promoted + by_round[2]:
        values = t.hyperparameters.values
        parent = trials[values["tuner/trial_id"]].hyperparameters.values
        assert config_key(values) == config_key(parent)
        assert values["tuner/initial_epoch"] == parent["tuner/epochs"]


def test_hyperband_warm_start_enters_the_first_bracket():
    oracle = in_memory(Hyperband(objective=OBJ, max_epochs=9, seed=0, hyperparameters=nas_space()))
    first = step(oracle, objective=nas_score).hyperparameters.values
    assert first == {**{f"layer_{i}": 0 for i in range(5)}, "tuner/epochs": 1, "tuner/initial_epoch": 0,
                     "tuner/bracket": 2, "tuner/round": 0}


def test_hyperband_max_epochs_from_the_tuner():
    oracle = in_memory(Hyperband(objective=OBJ, max_trials=5, seed=0, hyperparameters=nas_space()))
    assert oracle.max_epochs is None
    with pytest.raises(ValueError, match="set_max_epochs"):
        oracle.create_trial("tester")
    with pytest.raises(ValueError, match="`max_epochs` must be a positive integer"):
        oracle.set_max_epochs(0)
    oracle.set_max_epochs(27)
    assert step(oracle, objective=nas_score).hyperparameters.values["tuner/epochs"] == 1
    with pytest.raises(ValueError, match="already 27"):
        oracle.set_max_epochs(9)


def test_hyperband_evolution_breeds_newcomers_from_the_best():
    oracle = in_memory(HyperbandEvolution(objective=OBJ, max_epochs=9, max_trials=60, random_fraction=0.0,
                                          seed=5, hyperparameters=nas_space(8)))
    trials = run(oracle, 60, objective=nas_score)
    first_bracket = [t for t in trials[:13]]
    later = [t for t in trials[13:] if "tuner/trial_id" not in t.hyperparameters.values]
    assert later
    earlier = [t.hyperparameters.values for t in trials]
    for t in later:  # every newcomer is close to some earlier configuration
        values = t.hyperparameters.values
        closest = min(sum(values[f"layer_{i}"] != e[f"layer_{i}"] for i in range(8))
                      for e in earlier[: trials.index(t)])
        assert closest <= 4
    assert np.mean([nas_score(t.hyperparameters.values) for t in later]) > \
        np.mean([nas_score(t.hyperparameters.values) for t in first_bracket]) + 1.0
    ranked = oracle.parents()
    assert len(ranked) == oracle.population_size


# -- Bayesian ------------------------------------------------------------------------------------


def test_clip_outliers_only_touches_the_poor_tail():
    y = np.array([45.0, 92.0, 92.5, 93.0, 92.8, 91.9])
    clipped = clip_outliers(y)
    assert clipped[0] > 90 and np.array_equal(clipped[1:], y[1:])


def test_bayesian_beats_random_on_a_structured_space():
    def best(cls, seed):
        oracle = in_memory(cls(objective=OBJ, max_trials=20, seed=seed, hyperparameters=nas_space(6)))
        return max(nas_score(t.hyperparameters.values) for t in run(oracle, 20, objective=nas_score))

    bayes = [best(BayesianOptimization, s) for s in range(3)]
    rand = [best(RandomSearch, s) for s in range(3)]
    assert np.mean(bayes) > np.mean(rand)
    optimum = nas_score({f"layer_{i}": 2 for i in range(6)})
    assert max(bayes) == pytest.approx(optimum)


# -- re-measurement ------------------------------------------------------------------------------


def test_remeasure_verifies_the_leader_and_ranks_by_mean():
    rng = np.random.default_rng(0)

    def noisy(values):
        return score(values) + float(rng.normal(0, 0.05))

    oracle = in_memory(make_oracle("evolution", conditional_space(), max_trials=30, remeasure=3))
    trials = run(oracle, 30, objective=noisy)
    repeats = [t for t in trials if "tuner/repeat" in t.hyperparameters.values]
    assert repeats
    best = oracle.get_best_trials(1)[0]
    stats = [s for s in oracle.config_stats().values() if s["fitness"]]
    means = {config_key(s["config"]): np.mean(s["fitness"]) for s in stats}
    leader = max(means, key=means.get)
    assert config_key(best.hyperparameters.values) == leader
    assert next(s for s in stats if config_key(s["config"]) == leader)["attempts"] >= 3
    # the last trial re-measures one of the best configurations rather than exploring
    assert "tuner/repeat" in trials[-1].hyperparameters.values
    with pytest.raises(ValueError, match="`remeasure` must be an integer >= 1"):
        AgingEvolution(objective=OBJ, remeasure=0)
