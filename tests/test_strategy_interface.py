"""The `Strategy` interface: one class, one method, the same behaviour over an oracle and an in-memory history."""

import json
import random

import keras_tuner
import pytest

from autonas.benchmarks import TableBenchmark, TableSearch
from autonas.search import (STRATEGIES, AgingEvolution, InMemoryHistory, StopRules, Strategy, StrategyOracle,
                            get_oracle, get_strategy, register, run, stop, wait)
from autonas.search.proposer import Proposer
from autonas.search.space import SearchSpace
from search_helpers import run as run_oracle
from search_helpers import score, small_space


class _Best(Strategy):
    """Mutate the best configuration so far; random until there is one (the README's example)."""

    def propose(self, history, rng):
        done = history.completed()
        values = None
        if done:
            values = history.space.mutate(max(done, key=lambda t: t.fitness).config, rng)
        if values is None or not history.is_new(values):
            values = history.sample_new(rng)
        return stop() if values is None else run(values)


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "t.csv"
    rows = [f"{a},{b},{0.1 * a + 0.01 * b},{0.1 * a}" for a in range(4) for b in range(5)]
    path.write_text("a,b,v,t\n" + "\n".join(rows) + "\n")
    return TableBenchmark.from_csv(path, hyperparameters=["a", "b"], objective="v", report="t")


def test_register_makes_a_strategy_selectable_by_name_and_checks_its_arguments():
    try:
        register("readme-best")(_Best)
        assert STRATEGIES["readme-best"] is _Best and _Best.name == "readme-best"
        assert isinstance(get_strategy("readme-best"), _Best)
        oracle = get_oracle("readme-best", keras_tuner.Objective("score", "max"), 4, seed=0,
                            hyperparameters=small_space())
        assert isinstance(oracle, StrategyOracle) and isinstance(oracle.strategy, _Best)
    finally:
        STRATEGIES.pop("readme-best", None)
    with pytest.raises(ValueError, match="`name` must be a non-empty lower-case string; received 'Best'"):
        register("Best")
    with pytest.raises(TypeError, match="applies to a Strategy subclass"):
        register("x")(dict)
    with pytest.raises(TypeError, match="`strategy` must be an autonas.search.Strategy; received str"):
        StrategyOracle("random")


def test_the_same_strategy_makes_the_same_proposals_over_an_oracle_and_in_memory(table):
    """The adapter adds nothing of its own: same seed, same warm start, same trials."""
    in_memory = table.run(tuner=_Best(), max_trials=12, seed=3)
    assert isinstance(in_memory.oracle, TableSearch)
    oracle = StrategyOracle(_Best(), objective=keras_tuner.Objective("v", "max"), max_trials=12, seed=3,
                            hyperparameters=table.hyperparameters.copy())
    through_oracle = table.run(tuner=oracle, max_trials=12, seed=3)
    assert in_memory.configs == through_oracle.configs
    assert in_memory.history == through_oracle.history
    assert in_memory.configs[0] == {"a": 0, "b": 0}  # the defaults first (the warm start)
    assert len({json.dumps(c, sort_keys=True) for c in in_memory.configs}) == 12  # never twice


def test_in_memory_history_reads_like_the_oracles():
    hp = small_space()
    history = InMemoryHistory(SearchSpace(hp), max_trials=5, warm_start=[{}])
    assert history.warm_start() == {"model": "mlp", "units": 16, "optimizer": "adam"}
    first = history.start(history.warm_start())
    assert history.warm_start() is None and [t.trial_id for t in history.running()] == [first]
    history.end(first, fitness=0.5)
    second = history.start({"model": "cnn", "filters": 8, "optimizer": "sgd"})
    history.end(second)  # no fitness: failed
    assert [t.status for t in history.trials()] == ["COMPLETED", "FAILED"]
    assert [t.trial_id for t in history.completed()] == [first] and history.remaining_trials() == 3
    assert not history.is_new({"model": "cnn", "filters": 8, "optimizer": "sgd", "tuner/epochs": 3})
    history.exclude({"model": "cnn", "filters": 8, "optimizer": "adam"})
    rng = random.Random(0)
    left = {json.dumps(history.sample_new(rng), sort_keys=True) for _ in range(20)}
    # 6 configurations: 2 tried and 1 excluded, so only the 3 others are ever drawn
    assert left == {json.dumps({"model": "mlp", "units": u, "optimizer": o}, sort_keys=True)
                    for u, o in ((16, "sgd"), (32, "adam"), (32, "sgd"))}
    assert StopRules(max_trials=5, max_consecutive_failed_trials=1).reason(history).startswith("1 trials in a row")
    assert StopRules(max_trials=2).reason(history) == "max_trials=2 reached"


def test_the_proposer_remeasures_the_leader_and_filters_by_the_constraint():
    hp = small_space()
    history = InMemoryHistory(SearchSpace(hp), max_trials=10, warm_start=[])
    proposer = Proposer(get_strategy("random"), seed=0, remeasure=2)
    proposer.constraint = lambda values: (values["model"] == "mlp", "no cnn", {"params": 1})
    seen = []
    for _ in range(6):
        proposal = proposer.next(history)
        if proposal.status != "run":
            break
        trial_id = history.start(proposal.values)
        history.end(trial_id, score(proposal.values))
        seen.append(proposal.values)
    assert all(v["model"] == "mlp" for v in seen)
    assert any("tuner/repeat" in v for v in seen)  # the leader was measured twice
    assert proposer.skipped and all(s["reason"] == "no cnn" and s["params"] == 1 for s in proposer.skipped)


def test_the_oracle_state_keeps_the_earlier_layout_and_resumes(tmp_path):
    """oracle.json holds KerasTuner's keys, `draws`, `skipped` and the strategy's keys side by side."""
    kwargs = dict(objective=keras_tuner.Objective("score", "max"), max_trials=8, seed=5, population_size=3,
                  hyperparameters=small_space())
    oracle = AgingEvolution(**kwargs)
    oracle.attach(str(tmp_path), "p")
    first = run_oracle(oracle, 4)
    state = json.loads((tmp_path / "p" / "oracle.json").read_text())
    assert {"draws", "skipped", "population_size", "sample_size", "end_order"} <= set(state)
    again = AgingEvolution(**kwargs)
    again.attach(str(tmp_path), "p")
    again.reload()
    assert again.population_size == 3 and again.proposer.draws == oracle.proposer.draws
    rest_again = run_oracle(again, 4)
    rest = run_oracle(oracle, 4)
    assert [t.hyperparameters.values for t in rest_again] == [t.hyperparameters.values for t in rest]
    assert len(first) == 4


def test_a_strategy_that_waits_and_one_that_stops_end_a_table_search(table, caplog):
    class Waits(Strategy):
        def propose(self, history, rng):
            return wait()

    result = table.run(tuner=Waits(), max_trials=5, seed=0, initial_hps=[])
    assert result.n_evaluations == 0
    assert "waiting for running trials" in caplog.text


@pytest.mark.parametrize("name, settings", [
    ("evolution", {"population_size": "int64", "sample_size": "int32"}),
    ("hyperband-evolution", {"population_size": "int64", "crossover_rate": "float32", "random_fraction": "float64"}),
    ("reinforce", {"learning_rate": "float32", "baseline_decay": "float64", "resamples": "int64"}),
    ("bayesian", {"candidates": "int64", "max_points": "int32", "repeat_share": "float32", "max_repeats": "int64"}),
])
def test_numpy_settings_are_accepted_and_kept_as_python_numbers(name, settings):
    """Settings read from a NumPy grid (np.int64(10)) are numbers like any other; the state stays JSON."""
    import numpy as np

    values = {"int64": 4, "int32": 2, "float32": 0.25, "float64": 0.5}
    kwargs = {key: np.dtype(dtype).type(values[dtype]) for key, dtype in settings.items()}
    strategy = get_strategy(name, **kwargs)
    state = json.loads(json.dumps(strategy.get_state()))  # np.int64 would not serialise
    for key in settings:
        assert type(getattr(strategy, key)) in (int, float), key
        if key in state:
            assert state[key] == pytest.approx(float(kwargs[key]))
