"""tuner="darts": the DartsBlock cell space and the DartsOracle (the full AutoModel search with export: see
tests/test_faults_darts_export.py)."""

import json

import keras_tuner
import pytest
from sklearn.datasets import load_digits

import autonas
from autonas.darts import DARTS_V2, DartsBlock, genotype_to_hp_values, random_genotype
from autonas.search import DartsOracle, RandomSearch, get_oracle
from autonas.tuner import Tuner

TINY_OPS = ["none", "skip_connect", "max_pool_3x3", "sep_conv_3x3"]


def test_image_tasks_use_a_darts_block_with_tuner_darts():
    for task in (autonas.ImageClassifier, autonas.ImageRegressor):
        assert [type(b).__name__ for b in task(tuner="darts").graph.blocks][0] == "DartsBlock"
        assert [type(b).__name__ for b in task(tuner=DartsOracle(epochs=2)).graph.blocks][0] == "DartsBlock"
        assert [type(b).__name__ for b in task().graph.blocks][0] == "ImageBlock"
    assert isinstance(get_oracle("darts", "val_accuracy", max_trials=1), DartsOracle)


@pytest.mark.parametrize("seed", range(3))
def test_a_genotype_is_a_point_of_the_block_cell_space(seed):
    block = DartsBlock(name="darts_block")
    genotype = random_genotype(4, seed=seed)
    hp = keras_tuner.HyperParameters()
    hp.values.update(genotype_to_hp_values(genotype))
    assert block.searched_genotype(hp) == genotype
    # every value is one of the registered choices
    for value_hp in hp.space:
        assert hp.values[value_hp.name] in value_hp.values


def test_block_defaults_are_the_published_darts_cells():
    hp = keras_tuner.HyperParameters()
    assert DartsBlock().searched_genotype(hp) == DARTS_V2
    small = DartsBlock(nodes=2, candidates=["none", "max_pool_3x3", "sep_conv_5x5"])
    assert small.searched_genotype(keras_tuner.HyperParameters()).normal == (("sep_conv_5x5", 0),
                                                                             ("sep_conv_5x5", 1)) * 2


def test_darts_block_config_round_trip_and_errors():
    genotype = random_genotype(2, seed=0)
    block = DartsBlock(genotype=genotype.to_json(), nodes=2, channels=4, layers=3, name="cells")
    again = DartsBlock.from_config(json.loads(json.dumps(block.get_config())))
    assert again.genotype == genotype and again.get_config() == block.get_config()
    with pytest.raises(ValueError, match="`genotype` has 2 nodes per cell but `nodes` is 4"):
        DartsBlock(genotype=genotype)
    with pytest.raises(TypeError, match="`genotype` must be a Genotype"):
        DartsBlock(genotype=42)


def test_tuner_darts_needs_a_darts_block_fed_by_images(tmp_path):
    x, y = load_digits(return_X_y=True)
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.ImageBlock(block_type="vanilla")(inp))
    model = autonas.AutoModel(inp, out, tuner="darts", max_trials=1, directory=tmp_path)
    with pytest.raises(ValueError, match="exactly one DartsBlock; found 0"):
        model.fit(x.reshape(-1, 8, 8), y, epochs=1)


def test_darts_oracle_needs_derived_cells_and_validates_settings():
    with pytest.raises(ValueError, match="`time_fraction`"):
        DartsOracle(time_fraction=0)
    with pytest.raises(ValueError, match="`epochs` must be a positive integer or None; received 0"):
        DartsOracle(epochs=0)
    oracle = DartsOracle(objective="val_accuracy")
    with pytest.raises(RuntimeError, match="derived cells"):
        oracle.propose("0")
    oracle.set_derived({"b/x": 1}, {"normal": [], "reduce": []})
    assert oracle.get_state()["pinned"] == {"b/x": 1}


# The full AutoModel search with tuner="darts", the derived cells pinned in the trial, and its SavedModel
# export: tests/test_faults_darts_export.py (served from a fresh process without autonas).


def test_the_darts_oracle_declares_its_tuner_and_its_block():
    from autonas.darts.tuner import DartsTuner

    assert DartsOracle().tuner_class is DartsTuner
    assert isinstance(DartsOracle.default_block("image"), DartsBlock)
    assert DartsOracle.default_block("text") is None
    with pytest.raises(TypeError, match="`oracle` of DartsTuner must be a DartsOracle; received RandomSearch"):
        DartsTuner(RandomSearch(objective="val_loss", max_trials=1), None)


class _Chosen(Exception):
    pass


class _OwnTuner(Tuner):
    def __init__(self, oracle, hypermodel, **kwargs):
        raise _Chosen(type(oracle).__name__)


class _OwnStrategy(RandomSearch):
    """Any strategy (not only DARTS) may name its tuner and its image block."""

    tuner_class = _OwnTuner

    @staticmethod
    def default_block(input_kind):
        return autonas.ImageBlock(block_type="resnet", name="own_block") if input_kind == "image" else None


def test_auto_model_and_image_tasks_ask_any_strategy_for_its_tuner_and_block(tmp_path):
    clf = autonas.ImageClassifier(tuner=_OwnStrategy(objective="val_accuracy", max_trials=1), directory=tmp_path)
    assert clf.graph.blocks[0].name == "own_block"
    x, y = load_digits(return_X_y=True)
    with pytest.raises(_Chosen, match="_OwnStrategy"):
        clf.fit(x[:60].reshape(-1, 8, 8), y[:60], epochs=1)
    # strategies that name nothing get the defaults
    assert type(autonas.ImageClassifier(tuner="evolution").graph.blocks[0]).__name__ == "ImageBlock"
