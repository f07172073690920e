"""The bi-level DARTS search: step isolation, a tiny real search on digits, rebuilding."""

import json
import os

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

from autonas.darts import DartsSearch, Genotype, build_network, load_genotype
from autonas.darts.inputs import standardise
from autonas.darts.selection import selection_pool

# Fast tests search a cheap space (the step machinery does not depend on which
# ops are searched); the slow test searches convolutions too.
TINY_OPS = ["none", "skip_connect", "max_pool_3x3"]
CONV_OPS = ["none", "skip_connect", "max_pool_3x3", "sep_conv_3x3", "dil_conv_3x3"]


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x.reshape(-1, 8, 8).astype("float32") / 16.0, y


def _tiny(**kwargs):
    config = dict(channels=4, layers=3, nodes=2, candidates=TINY_OPS, stem_multiplier=1, seed=0, run_eagerly=True)
    config.update(kwargs)
    return DartsSearch(**config)


def _numpy(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def _changed(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


def test_weight_step_leaves_alpha_unchanged(digits):
    x, y = digits
    search = _tiny(num_classes=10)
    net = search.build((8, 8, 1))
    alpha, weights, stats = _numpy(net.arch_variables), _numpy(net.weight_variables), _numpy(
        net.non_trainable_variables)
    search.weight_step(x[:32, ..., None], y[:32])
    assert not any(_changed(alpha, _numpy(net.arch_variables)))
    assert sum(_changed(weights, _numpy(net.weight_variables))) > 0.9 * len(weights)
    assert any(_changed(stats, _numpy(net.non_trainable_variables)))  # batch-norm statistics moved


@pytest.mark.parametrize("order", [1, 2])
def test_architecture_step_leaves_weights_unchanged(digits, order):
    x, y = digits
    search = _tiny(num_classes=10, order=order)
    net = search.build((8, 8, 1))
    alpha, weights, stats = _numpy(net.arch_variables), _numpy(net.weight_variables), _numpy(
        net.non_trainable_variables)
    search.architecture_step(x[:32, ..., None], y[:32], x[32:64, ..., None], y[32:64])
    assert all(_changed(alpha, _numpy(net.arch_variables)))
    assert not any(_changed(weights, _numpy(net.weight_variables)))
    assert not any(_changed(stats, _numpy(net.non_trainable_variables)))


def test_second_order_step_needs_a_training_batch(digits):
    x, y = digits
    search = _tiny(num_classes=10, order=2)
    search.build((8, 8, 1))
    with pytest.raises(ValueError, match="x_train"):
        search.architecture_step(x[:32, ..., None], y[:32])


def _assert_valid_genotype(genotype, nodes):
    assert isinstance(genotype, Genotype) and genotype.nodes == nodes
    for kind in ("normal", "reduce"):
        pairs = genotype.cell(kind)
        assert all(op != "none" for op, _ in pairs)
        assert all(pairs[i][1] != pairs[i + 1][1] for i in range(0, len(pairs), 2))
    assert genotype.count("skip_connect") <= 2


def test_tiny_search_on_digits_end_to_end(digits, tmp_path):
    x, y = digits
    search = _tiny(directory=tmp_path, patience=None, plot=False)
    genotype = search.fit(x[:256], y[:256], epochs=2, batch_size=64)
    _assert_valid_genotype(genotype, 2)
    assert len(search.history) == 2 and search.search_time_ > 0
    # reporting: alphas per epoch (rows sum to one, and they moved), genotype file
    alphas = json.loads((tmp_path / "alphas.json").read_text())
    assert len(alphas["epochs"]) == 2 and alphas["candidates"] == TINY_OPS
    assert alphas["edges"] == [[2, 0], [2, 1], [3, 0], [3, 1], [3, 2]]
    for epoch in alphas["epochs"]:
        np.testing.assert_allclose(np.sum(epoch["normal"], axis=1), 1.0, atol=1e-5)
        np.testing.assert_allclose(np.sum(epoch["reduce"], axis=1), 1.0, atol=1e-5)
    assert alphas["epochs"][0]["normal"] != alphas["epochs"][1]["normal"]
    assert load_genotype(tmp_path) == genotype
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".tmp-")]


@pytest.mark.slow
def test_compiled_search_on_digits_learns_and_reports(digits, tmp_path):
    x, y = digits
    search = _tiny(directory=tmp_path, run_eagerly=False, patience=None, candidates=CONV_OPS)
    genotype = search.fit(x, y, epochs=3, batch_size=64)
    _assert_valid_genotype(genotype, 2)
    # the supernet learned (10 classes: chance is 0.1)
    assert search.history[-1]["val_accuracy"] > 0.5
    assert search.history[-1]["train_loss"] < search.history[0]["train_loss"]
    for name in ("alphas.png", "normal_cell.png", "reduce_cell.png"):
        assert (tmp_path / name).stat().st_size > 1000


def _signature(model):
    return [(type(layer).__name__, getattr(layer, "pairs", None), tuple(layer.output.shape))
            for layer in model.layers]


def test_rebuilding_from_a_saved_genotype_gives_the_same_architecture(tmp_path):
    genotype = Genotype(normal=[("sep_conv_3x3", 0), ("skip_connect", 1), ("dil_conv_3x3", 1), ("max_pool_3x3", 2)],
                        reduce=[("max_pool_3x3", 0), ("avg_pool_3x3", 1), ("skip_connect", 2), ("sep_conv_5x5", 0)])
    path = tmp_path / "genotype.json"
    path.write_text(genotype.to_json())
    loaded = load_genotype(path)
    a = build_network(genotype, (8, 8), 10, channels=4, layers=3)
    b = build_network(loaded, (8, 8), 10, channels=4, layers=3)
    assert _signature(a) == _signature(b)
    assert a.count_params() == b.count_params()
    # the rebuilt network round-trips through the .keras format (safe mode) with identical outputs
    x = np.random.default_rng(0).random((4, 8, 8)).astype("float32")
    a.save(tmp_path / "net.keras")
    again = keras.saving.load_model(tmp_path / "net.keras", safe_mode=True)
    np.testing.assert_allclose(again.predict(x, verbose=0), a.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert _signature(again) == _signature(a)


def test_early_stopping_once_the_genotype_is_stable_and_the_network_takes_raw_pixels(digits):
    x, y = digits
    raw = x[:192] * 16.0
    # alphas barely move, so the derived genotype never changes after the first epoch
    search = _tiny(arch_learning_rate=1e-12, patience=2)
    search.fit(raw, y[:192], epochs=10, batch_size=48, verbose=0)
    assert search.stopped_early_
    assert len(search.history) == 3
    model = search.build_network(channels=4, layers=3)
    assert model.output.shape[-1] == 10
    mean, variance = search.normalization_
    train_part = raw[np.random.default_rng(0).permutation(192)[:96]]
    np.testing.assert_allclose(mean, [train_part.mean()], rtol=1e-4)
    np.testing.assert_allclose(variance, [train_part.var()], rtol=1e-4)
    layer = model.get_layer("normalization")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.mean).ravel(), mean, rtol=1e-5)


def test_fit_validates_its_arguments(digits):
    x, y = digits
    search = _tiny()
    with pytest.raises(ValueError, match="`x` must have shape"):
        search.fit(x.reshape(len(x), -1), y)
    with pytest.raises(ValueError, match="`y` must be 1-D"):
        search.fit(x, y[:10])
    with pytest.raises(ValueError, match="`epochs` must be a positive integer; received 0"):
        search.fit(x, y, epochs=0)
    with pytest.raises(ValueError, match="`validation_split` must be in"):
        search.fit(x, y, validation_split=1.5)
    with pytest.raises(ValueError, match="`order` must be 1"):
        DartsSearch(order=3)
    with pytest.raises(ValueError, match="`patience`"):
        DartsSearch(patience=0)



def test_regression_search_runs_on_standardised_targets(digits):
    x, y = digits
    search = _tiny(task="regression", patience=None, plot=False)
    genotype = search.fit(x[:128], y[:128].astype("float32") * 10.0, epochs=1, batch_size=32, verbose=0)
    _assert_valid_genotype(genotype, 2)
    record = search.history[0]
    assert search.classes_ is None and search.num_classes == 1
    assert np.isfinite(record["train_loss"]) and record["train_loss"] < 10.0  # standardised targets
    assert "val_mae" in record and "val_accuracy" not in record
    with pytest.raises(ValueError, match="builds classifiers"):
        search.build_network()


@pytest.mark.slow
def test_select_trains_the_derived_genotypes_and_keeps_the_best(digits, tmp_path):
    x, y = digits
    # a large alpha step moves the derived genotype between epochs; the first epoch is warm-up
    search = _tiny(directory=tmp_path, patience=None, plot=False, warmup_epochs=1, arch_learning_rate=0.3,
                   candidates=["none", "skip_connect", "max_pool_3x3", "dil_conv_3x3"])
    final = search.fit(x[:256], y[:256], epochs=3, batch_size=64, verbose=0)
    derived = search.derived_genotypes()
    assert derived[0] == final
    assert len(set(derived)) == len(derived)
    searched = [Genotype.from_dict(r["genotype"]) for r in search.history[1:]]
    assert set(derived) == set(searched)  # every architecture epoch, not the warm-up one

    # re-derived with caps on skips and poolings: the latest epoch's cells come first, then earlier ones
    capped = search.derived_genotypes(max_parameter_free=(None, 0))
    assert capped[0] == final and set(derived) <= set(capped)
    no_free = [g for g in capped if not any(op in ("skip_connect", "max_pool_3x3") for op, _ in g.normal + g.reduce)]
    assert no_free and all(op == "dil_conv_3x3" for op, _ in no_free[0].normal + no_free[0].reduce)
    with pytest.raises(ValueError, match="`max_parameter_free` must hold"):
        search.derived_genotypes(max_parameter_free=(-1,))

    chosen = search.select(x[:256], y[:256], candidates=2, epochs=3, batch_size=16, learning_rate=0.1, verbose=0)
    scores = search.selection_
    assert len(scores) == min(2, len(derived))
    assert [Genotype.from_dict(s["genotype"]) for s in scores] == derived[:len(scores)]
    best = max(range(len(scores)), key=lambda i: scores[i]["val_accuracy"])
    assert chosen == derived[best] == search.genotype
    assert max(s["val_accuracy"] for s in scores) > 0.3  # trained from scratch: 10 classes, chance is 0.1
    saved = json.loads((tmp_path / "genotype.json").read_text())
    assert Genotype.from_dict(saved["genotype"]) == chosen and len(saved["selection"]) == len(scores)
    assert search.build_network().output.shape[-1] == 10


def test_select_validates_its_arguments(digits):
    x, y = digits
    with pytest.raises(RuntimeError, match="call `fit` before `select`"):
        _tiny().select(x, y)
    search = _tiny(patience=None)
    search.fit(x[:128], y[:128], epochs=1, batch_size=64, verbose=0)
    with pytest.raises(ValueError, match="`candidates` must be a positive integer; received 0"):
        search.select(x[:128], y[:128], candidates=0)
    with pytest.raises(ValueError, match="`learning_rate` must be a positive number"):
        search.select(x[:128], y[:128], learning_rate=-1)


@pytest.mark.slow
def test_perturbation_scores_and_progressive_perturbation_on_one_trained_supernet(digits, tmp_path):
    """Both perturbation analyses of one compiled search (they were two tests, each fitting the same supernet:
    the same candidates, data, epochs and seed; `max_skip=None` only leaves the derived cells uncapped)."""
    x, y = digits
    ops_ = ["none", "skip_connect", "max_pool_3x3", "sep_conv_3x3"]
    # compiled steps: one trace each, then ~80 supernet evaluations at compiled speed
    search = _tiny(candidates=ops_, patience=None, directory=tmp_path, plot=False, max_skip=None, run_eagerly=False)
    with pytest.raises(RuntimeError, match="call `fit` before `perturbation_scores`"):
        search.build((8, 8, 1), num_classes=10)
        search.perturbation_scores(x, y)
    search.fit(x[:256], y[:256], epochs=2, batch_size=64, verbose=0)
    trained = list(search.trainer.state["a"])
    _check_perturbation_scores(search, x, y, ops_, tmp_path)
    search.trainer.state["a"] = trained  # the trained alphas back (the check above killed one operation)
    _check_progressive_perturbation(search, x, y, ops_, tmp_path)


def _check_perturbation_scores(search, x, y, ops_, tmp_path):
    # an operation whose alpha is already -1e9 contributes nothing: removing it must cost nothing
    alphas = _numpy(search.trainer.state["a"])
    dead = ops_.index("max_pool_3x3")
    alphas[0][1, dead] = -1e9
    search.trainer.state["a"] = [keras.ops.convert_to_tensor(a) for a in alphas]
    scores = search.perturbation_scores(x[:256], y[:256], max_images=96, batch_size=96)
    record = search.perturbation_
    assert record["images"] == 96 and 0.0 <= record["base_accuracy"] <= 1.0
    for kind in ("normal", "reduce"):
        assert scores[kind].shape == (5, len(ops_))  # 2 nodes: 2 + 3 edges
        assert np.isnan(scores[kind][:, 0]).all() and np.isfinite(scores[kind][:, 1:]).all()
    assert abs(scores["normal"][1, dead]) < 1e-5
    saved = json.loads((tmp_path / "genotype.json").read_text())["perturbation"]  # none's column is null
    assert saved["images"] == 96 and saved["loss_increase"]["normal"][1][0] is None
    np.testing.assert_allclose(np.array(saved["loss_increase"]["normal"], dtype=float), scores["normal"])
    live = np.delete(scores["normal"][:, 1:], dead - 1, axis=1)
    assert np.abs(live).max() > 1e-4  # the other removals change the supernet's loss
    # the genotype takes, on each chosen edge, the operation whose removal costs most
    genotype = search.perturbation_genotype()
    for node in range(2):
        for op, src in genotype.normal[2 * node:2 * node + 2]:
            edge = node * (node + 3) // 2 + src
            row = scores["normal"][edge, 1:]
            assert row[ops_.index(op) - 1] == row.max()
    capped = search.perturbation_genotype(max_parameter_free=0)
    assert all(op == "sep_conv_3x3" for op, _ in capped.normal + capped.reduce)
    # the selection (trained in the test above) puts given genotypes first, then the derived ones
    derived = search.derived_genotypes()
    assert selection_pool([capped, derived[0]], derived, 3) == [capped] + derived[:2]
    with pytest.raises(ValueError, match="`genotypes` must hold Genotype objects; received dict"):
        search.select(x[:256], y[:256], genotypes=[capped.to_dict()])
    with pytest.raises(ValueError, match="`max_images` must be a positive integer; received 0"):
        search.perturbation_scores(x[:256], y[:256], max_images=0)
    with pytest.raises(RuntimeError, match="Call `perturbation_scores` before"):
        _tiny().perturbation_genotype()


def _check_progressive_perturbation(search, x, y, ops_, tmp_path):
    alphas_before = _numpy(search.trainer.state["a"])
    weights_before = _numpy(search.trainer.state["w"])
    scores = search.progressive_perturbation(x[:256], y[:256], max_images=96, batch_size=96,
                                             fine_tune_steps=2, train_batch_size=32)
    record = search.perturbation_
    assert record["progressive"] and record["fine_tune_steps"] == 2
    assert len(record["decisions"]) == 10  # 5 edges per cell, each decided once
    assert sorted((d["cell"], d["edge"]) for d in record["decisions"]) == sorted(
        (kind, e) for kind in ("normal", "reduce") for e in range(5))
    assert all(d["op"] != "none" for d in record["decisions"])
    # the trained alphas come back; the weights were fine-tuned
    for before, after in zip(alphas_before, _numpy(search.trainer.state["a"])):
        np.testing.assert_array_equal(before, after)
    assert any(not np.allclose(b, a) for b, a in zip(weights_before, _numpy(search.trainer.state["w"])))
    for kind in ("normal", "reduce"):
        assert scores[kind].shape == (5, len(ops_))
        assert np.isneginf(scores[kind][:, 0]).all() and np.isfinite(scores[kind][:, 1:]).all()
        decided = {d["edge"]: d["op"] for d in record["decisions"] if d["cell"] == kind}
        for edge, op in decided.items():  # the decided operation leads its edge
            assert int(np.argmax(scores[kind][edge])) == ops_.index(op)
    genotype = search.perturbation_genotype()
    for kind, cell in (("normal", genotype.normal), ("reduce", genotype.reduce)):
        decided = {d["edge"]: d["op"] for d in record["decisions"] if d["cell"] == kind}
        for node in range(2):
            for op, src in cell[2 * node:2 * node + 2]:
                assert op == decided[node * (node + 3) // 2 + src]
    capped = search.perturbation_genotype(max_parameter_free=0)
    assert all(op == "sep_conv_3x3" for op, _ in capped.normal + capped.reduce)
    saved = json.loads((tmp_path / "genotype.json").read_text())["perturbation"]
    assert saved["progressive"] and saved["loss_increase"]["normal"][0][0] is None
    assert len(saved["decisions"]) == 10
    with pytest.raises(ValueError, match="`fine_tune_steps` must be a non-negative integer; received -1"):
        search.progressive_perturbation(x[:256], y[:256], fine_tune_steps=-1)
    with pytest.raises(ValueError, match="`fine_tune_learning_rate` must be a positive number"):
        search.progressive_perturbation(x[:256], y[:256], fine_tune_learning_rate=0)
    no_none = _tiny(candidates=["skip_connect", "sep_conv_3x3"])
    no_none.fit(x[:128], y[:128], epochs=1, batch_size=64, verbose=0)
    with pytest.raises(ValueError, match="through the `none` operation"):
        no_none.progressive_perturbation(x[:128], y[:128])


def test_an_unseeded_search_splits_its_data_the_same_way_for_fit_and_select(digits):
    x, y = digits
    search = _tiny(seed=None)
    first = search.prepare_data(x[:100], y[:100], None, 0.5)
    again = search.prepare_data(x[:100], y[:100], None, 0.5, standardise=False)
    np.testing.assert_array_equal(first.y_train, again.y_train)  # the same images train, in the same order
    np.testing.assert_allclose(first.x_train, standardise(again).x_train, rtol=1e-6)
    other = _tiny(seed=None).prepare_data(x[:100], y[:100], None, 0.5)
    assert not np.array_equal(first.y_train, other.y_train)  # a new search draws a new split
