"""The table benchmark: the same oracles, configurations looked up instead of trained."""

import math

import keras_tuner
import numpy as np
import pytest

from autonas.benchmarks import TableBenchmark
from conftest import shared_data

ROWS = [
    # op1, op2, val_acc, test_acc
    ("conv", "relu", 0.70, 0.69),
    ("conv", "gelu", 0.74, 0.72),
    ("pool", "relu", 0.60, 0.61),
    ("pool", "gelu", 0.62, 0.60),
    ("skip", "relu", 0.80, 0.71),
    ("skip", "gelu", 0.55, 0.52),
]


@pytest.fixture
def table_csv(tmp_path):
    path = tmp_path / "table.csv"
    lines = ["op1,op2,val_acc,test_acc"] + [",".join(map(str, r)) for r in ROWS]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_from_csv_builds_a_categorical_space(table_csv):
    bench = TableBenchmark.from_csv(table_csv, hyperparameters=["op1", "op2"], objective="val_acc",
                                    report="test_acc", direction="max")
    assert len(bench) == 6
    space = {hp.name: list(hp.values) for hp in bench.hyperparameters.space}
    assert space == {"op1": ["conv", "pool", "skip"], "op2": ["gelu", "relu"]}
    assert bench.optimum == pytest.approx(0.72)


@pytest.mark.parametrize("tuner", ["random", "grid", "evolution", "bayesian"])
def test_the_table_tuner_returns_table_values(table_csv, tuner):
    bench = TableBenchmark.from_csv(table_csv, hyperparameters=["op1", "op2"], objective="val_acc",
                                    report="test_acc", direction="max")
    result = bench.run(tuner=tuner, max_trials=10, seed=0)
    # the whole space is 6 configurations: the search exhausts it and stops
    assert result.n_evaluations == len(result.history) == 6
    table = {(r[0], r[1]): (r[2], r[3]) for r in ROWS}
    for values, observed in zip(result.configs, result.history):
        assert observed == pytest.approx(table[(values["op1"], values["op2"])][0])
    # the returned configuration is the best observed one; its report is the table's test_acc
    assert result.best_config == {"op1": "skip", "op2": "relu"}
    assert result.best_observed == pytest.approx(0.80)
    assert result.best_report == pytest.approx(0.71)
    assert result.incumbent_report[-1] == pytest.approx(0.71)
    assert len(result.proposal_seconds) >= 6


def test_minimization_and_reporting(tmp_path):
    path = tmp_path / "loss.csv"
    path.write_text("a,b,val_loss,test_loss\n1,x,0.5,0.6\n1,y,0.2,0.3\n2,x,0.9,0.8\n2,y,0.4,0.1\n")
    bench = TableBenchmark.from_csv(path, hyperparameters=["a", "b"], objective="val_loss", report="test_loss",
                                    direction="min")
    result = bench.run(tuner="random", max_trials=4, seed=1)
    assert result.best_config == {"a": 1, "b": "y"}
    assert result.best_report == pytest.approx(0.3)
    assert bench.optimum == pytest.approx(0.1)


def test_several_rows_per_configuration_are_noisy_runs(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_text("op,acc,final\n" + "a,0.1,0.2\na,0.3,0.4\nb,0.5,0.5\n")
    bench = TableBenchmark.from_csv(path, hyperparameters=["op"], objective="acc", report="final")
    assert bench.report({"op": "a"}) == pytest.approx(0.3)  # the mean of the runs
    rng = np.random.default_rng(0)
    seen = {bench.observe({"op": "a"}, rng) for _ in range(50)}
    assert seen == {0.1, 0.3}


def test_a_configuration_missing_from_the_table_fails_its_trial(tmp_path):
    path = tmp_path / "holes.csv"
    path.write_text("a,b,v,t\n1,x,0.5,0.5\n1,y,0.6,0.6\n2,x,0.7,0.7\n")  # (2, y) is missing
    bench = TableBenchmark.from_csv(path, hyperparameters=["a", "b"], objective="v", report="t")
    result = bench.run(tuner="grid", max_trials=10, seed=0)
    assert result.n_evaluations == 4
    assert sum(math.isnan(h) for h in result.history) == 1
    assert result.best_config == {"a": 2, "b": "x"}
    statuses = sorted(t.status for t in result.oracle.trials.values())
    assert statuses == ["COMPLETED", "COMPLETED", "COMPLETED", "FAILED"]


def test_errors_name_the_argument(table_csv):
    with pytest.raises(ValueError, match=r"Columns \['nope'\]"):
        TableBenchmark.from_csv(table_csv, hyperparameters=["op1", "nope"])
    bench = TableBenchmark.from_csv(table_csv, hyperparameters=["op1", "op2"])
    with pytest.raises(ValueError, match="`max_trials` must be a positive integer"):
        bench.run(max_trials=0)
    with pytest.raises(FileNotFoundError, match="`path`"):
        TableBenchmark.nas_bench_macro("no/such/file.json")


def test_oracle_classes_and_instances_run_too(table_csv):
    bench = TableBenchmark.from_csv(table_csv, hyperparameters=["op1", "op2"])
    result = bench.run(tuner=keras_tuner.oracles.RandomSearchOracle, max_trials=3, seed=2)
    assert result.n_evaluations == 3
    from autonas.search import AgingEvolution

    oracle = AgingEvolution(objective=keras_tuner.Objective("val_acc", "max"), max_trials=4, seed=1)
    result = bench.run(tuner=oracle, max_trials=4, seed=1)
    assert result.n_evaluations == 4 and result.oracle is oracle


def test_persisted_search_reloads(table_csv, tmp_path):
    bench = TableBenchmark.from_csv(table_csv, hyperparameters=["op1", "op2"])
    first = bench.run(tuner="evolution", max_trials=3, seed=4, directory=tmp_path)
    assert (tmp_path / "table" / "oracle.json").exists()
    from autonas.search import AgingEvolution

    again = AgingEvolution(objective=keras_tuner.Objective("val_acc", "max"), max_trials=3, seed=4)
    again._set_project_dir(str(tmp_path), "table")
    again.reload()
    assert sorted(t.hyperparameters.values["op1"] + t.hyperparameters.values["op2"]
                  for t in again.trials.values()) == sorted(c["op1"] + c["op2"] for c in first.configs)


# -- NAS-Bench-Macro (skipped when ../shared/data is absent) -----------------------------------------


@pytest.fixture(scope="module")
def macro():
    return TableBenchmark.nas_bench_macro(shared_data("nas-bench-macro", "nas-bench-macro_cifar10.json"))


def test_nas_bench_macro_follows_the_noisy_seed_protocol(macro):
    assert len(macro) == 6561
    assert [hp.name for hp in macro.hyperparameters.space] == [f"layer_{i}" for i in range(8)]
    assert macro.optimum == pytest.approx(93.127, abs=1e-3)
    config = {f"layer_{i}": 2 for i in range(8)}
    runs, mean = macro.rows[tuple(config.values())]
    assert len(runs) == 3 and macro.report(config) == pytest.approx(mean)
    rng = np.random.default_rng(0)
    assert {macro.observe(config, rng) for _ in range(60)} == set(runs)


def test_nas_bench_macro_search(macro):
    result = macro.run(tuner="evolution", max_trials=25, seed=0)
    assert len(result.history) == 25
    for values, observed in zip(result.configs, result.history):
        assert observed in macro.rows[tuple(values[f"layer_{i}"] for i in range(8))][0]
    # above the trivial search: 95.8% of the table scores over 85, so the floor is the table's 90th percentile
    p90 = np.percentile([mean for _, mean in macro.rows.values()], 90)
    assert p90 < result.best_report <= macro.optimum, (p90, result.best_report)
    again = macro.run(tuner="evolution", max_trials=25, seed=0)
    assert again.history == result.history and again.best_report == result.best_report
