"""The parts of a DARTS search: grouped settings and the data split."""

import dataclasses

import numpy as np
import pytest
from sklearn.datasets import load_digits

from autonas.darts import ArchConfig, DartsSearch, SelectionConfig, SupernetConfig, WeightConfig
from autonas.darts.config import FLAT_ARGUMENTS
from autonas.darts.inputs import prepare

OPS = ["none", "skip_connect", "sep_conv_3x3"]


# -- settings ------------------------------------------------------------------------------
def test_grouped_settings_and_the_flat_keywords_make_the_same_search():
    grouped = DartsSearch(supernet_config=SupernetConfig(channels=4, layers=3, nodes=2, candidates=OPS),
                          weight_config=WeightConfig(learning_rate=0.1, grad_clip=2.0),
                          arch_config=ArchConfig(order=2, learning_rate=0.01, betas=(0.9, 0.99), warmup_epochs=1),
                          selection_config=SelectionConfig(max_skip=1, patience=None), seed=3)
    flat = DartsSearch(channels=4, layers=3, nodes=2, candidates=OPS, learning_rate=0.1, grad_clip=2.0, order=2,
                       arch_learning_rate=0.01, arch_betas=[0.9, 0.99], warmup_epochs=1, max_skip=1, patience=None,
                       seed=3)
    assert grouped.get_config() == flat.get_config()
    assert flat.arch_config == grouped.arch_config and flat.arch_config.betas == (0.9, 0.99)
    assert flat.channels == 4 and flat.arch_learning_rate == 0.01 and flat.patience is None  # read as before
    # get_config is flat and complete: it rebuilds the same search
    assert DartsSearch(**flat.get_config()).get_config() == flat.get_config()
    assert set(FLAT_ARGUMENTS) <= set(flat.get_config())
    # a flat keyword replaces its field in a given group
    both = DartsSearch(supernet_config=SupernetConfig(channels=4, layers=3), channels=8)
    assert (both.supernet_config.channels, both.supernet_config.layers) == (8, 3)


def test_max_skip_is_dropped_without_skip_connections():
    search = DartsSearch(candidates=["none", "sep_conv_3x3", "max_pool_3x3"], max_skip=2)
    assert search.selection_config.max_skip is None and search.get_config()["max_skip"] is None


@pytest.mark.parametrize("kwargs, error, message", [
    ({"chanels": 4}, TypeError, r"unexpected keyword arguments \['chanels'\]"),
    ({"supernet_config": {"channels": 4}}, TypeError, "`supernet_config` must be a SupernetConfig or None; received dict"),
    ({"channels": 0}, ValueError, "`channels` must be a positive integer; received 0"),
    ({"stem_strides": 3}, ValueError, "`stem_strides` must be 1 or 2; received 3"),
    ({"arch_learning_rate": -1}, ValueError, r"`arch_learning_rate` \(ArchConfig.learning_rate\) must be a positive"),
    ({"arch_betas": (0.5,)}, ValueError, r"`arch_betas` \(ArchConfig.betas\) must be a pair"),
    ({"order": 3}, ValueError, "`order` must be 1"),
    ({"momentum": -0.1}, ValueError, "`momentum` must be a non-negative number"),
    ({"max_skip": -1}, ValueError, "`max_skip` must be a non-negative integer or None; received -1"),
    ({"patience": 0}, ValueError, "`patience` must be a positive integer or None; received 0"),
    ({"candidates": ["none", "conv_7x7"]}, ValueError, "unknown operations"),
])
def test_bad_settings_are_refused_naming_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        DartsSearch(**kwargs)


def test_the_groups_are_frozen_and_a_flat_attribute_replaces_its_field():
    search = DartsSearch(channels=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        search.supernet_config.channels = 8
    search.channels, search.arch_learning_rate = 8, 0.01  # as in earlier releases
    assert search.supernet_config.channels == 8 and search.arch_config.learning_rate == 0.01
    assert "channels" not in vars(search) and search.get_config()["channels"] == 8
    with pytest.raises(ValueError, match="`patience` must be a positive integer or None; received 0"):
        search.patience = 0
    with pytest.raises(AttributeError, match="no attribute 'chanels'"):
        search.chanels


# -- data --------------------------------------------------------------------------------
def test_the_split_is_a_seeded_permutation_cut_in_two_as_before():
    x, y = load_digits(return_X_y=True)
    x, y = x.reshape(-1, 8, 8)[:400], np.array(["abcdefghij"[v] for v in y[:400]])  # labels of any kind
    index_images = np.arange(400, dtype="float32")[:, None, None] * np.ones((1, 8, 8), "float32")
    data = prepare(index_images, y, "classification", 0.25, seed=1, normalize=False)
    order = np.random.default_rng(1).permutation(400)
    np.testing.assert_array_equal(data.x_train[:, 0, 0, 0], order[:300])  # the first part trains, in that order
    np.testing.assert_array_equal(data.x_val[:, 0, 0, 0], order[300:])    # a random sample, in random order
    assert list(data.classes) == list("abcdefghij")
    np.testing.assert_array_equal(data.classes[data.y_val], y[order[300:]])  # labels travel with their images
    # pixels standardised with the training part's statistics
    data = prepare(x, y, "classification", 0.5, seed=1)
    assert abs(float(data.x_train.mean())) < 1e-4 and abs(float(data.x_train.std()) - 1.0) < 1e-3
    assert not np.array_equal(prepare(x, y, "classification", 0.5, seed=2).y_train, data.y_train)
    with pytest.raises(ValueError, match="`validation_split` must be in"):
        prepare(x, y, "classification", 0.0, seed=1)
    with pytest.raises(ValueError, match="leaves an empty split of 3 images"):
        prepare(x[:3], y[:3], "classification", 0.1, seed=1)
