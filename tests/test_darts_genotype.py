"""Genotype derivation, skip cap, JSON round trip (pure Python, no training)."""

import json

import numpy as np
import pytest

from autonas.darts import DEFAULT_CANDIDATES, Genotype, derive_cell, derive_genotype, edge_list, random_genotype

CANDS = list(DEFAULT_CANDIDATES)


def _weights(nodes=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(len(CANDS)), size=len(edge_list(nodes)))


def _assert_valid(pairs, nodes):
    assert len(pairs) == 2 * nodes
    for node in range(nodes):
        (op_a, a), (op_b, b) = pairs[2 * node: 2 * node + 2]
        assert a != b, "two distinct inputs per node"
        assert 0 <= a < node + 2 and 0 <= b < node + 2
        assert "none" not in (op_a, op_b)


@pytest.mark.parametrize("seed", range(5))
def test_derived_genotype_has_two_distinct_inputs_per_node_and_no_none(seed):
    g = derive_genotype(_weights(seed=seed), _weights(seed=seed + 100), CANDS)
    assert g.nodes == 4
    _assert_valid(g.normal, 4)
    _assert_valid(g.reduce, 4)


def test_derivation_keeps_the_two_strongest_non_none_edges():
    cands = ["none", "skip_connect", "sep_conv_3x3"]
    # node 2: edges from 0 and 1; node 3: edges from 0, 1, 2
    w = np.array([
        [0.9, 0.05, 0.05],   # 0 -> 2: 'none' dominates, but only non-none weights count
        [0.2, 0.1, 0.7],     # 1 -> 2
        [0.0, 0.6, 0.4],     # 0 -> 3
        [0.1, 0.1, 0.8],     # 1 -> 3 strongest
        [0.5, 0.3, 0.2],     # 2 -> 3 weakest
    ])
    pairs = derive_cell(w, cands)
    assert pairs == [("skip_connect", 0), ("sep_conv_3x3", 1), ("skip_connect", 0), ("sep_conv_3x3", 1)]


def test_skip_cap_replaces_the_weakest_skips():
    cands = ["none", "skip_connect", "sep_conv_3x3"]
    w = np.tile([0.0, 0.8, 0.2], (14, 1))
    w[:, 1] += np.linspace(0, 0.01, 14)   # later edges have slightly stronger skips
    assert sum(op == "skip_connect" for op, _ in derive_cell(w, cands)) == 8
    capped = derive_cell(w, cands, max_skip=2)
    skips = [k for k, (op, _) in enumerate(capped) if op == "skip_connect"]
    assert len(skips) == 2
    _assert_valid(capped, 4)
    # the two strongest skip edges are the last edges of the last node
    assert skips == [6, 7]


def test_skip_cap_applies_to_the_normal_cell_only():
    w = np.zeros((14, len(CANDS)))
    w[:, CANDS.index("skip_connect")] = 1.0
    g = derive_genotype(w, w, CANDS, max_skip=2)
    assert g.count("skip_connect", "normal") == 2
    assert g.count("skip_connect", "reduce") == 8
    assert derive_genotype(w, w, CANDS, max_skip=None).count("skip_connect") == 8


def test_parameter_free_cap_keeps_the_strongest_and_fills_with_convolutions():
    cands = ["none", "skip_connect", "avg_pool_3x3", "sep_conv_3x3"]
    w = np.tile([0.0, 0.3, 0.5, 0.2], (14, 1))
    w[:, 2] += np.linspace(0, 0.01, 14)   # later edges have slightly stronger poolings
    assert sum(op == "avg_pool_3x3" for op, _ in derive_cell(w, cands)) == 8
    capped = derive_cell(w, cands, max_skip=2, max_parameter_free=3)
    _assert_valid(capped, 4)
    free = [k for k, (op, _) in enumerate(capped) if op in ("skip_connect", "avg_pool_3x3")]
    assert len(free) == 3
    assert [capped[k][0] for k in free] == ["avg_pool_3x3"] * 3   # the strongest ones stay
    assert free == [5, 6, 7]
    assert [op for op, _ in capped[:5]] == ["sep_conv_3x3"] * 5
    g = derive_genotype(w, w, cands, max_parameter_free=0)
    assert g.count("avg_pool_3x3", "normal") == g.count("skip_connect", "normal") == 0
    assert g.count("avg_pool_3x3", "reduce") == 8   # the reduction cell is not capped


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_parameter_free_cap_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="max_parameter_free"):
        derive_genotype(_weights(), _weights(), CANDS, max_parameter_free=bad)


def test_genotype_json_round_trip_and_equality():
    g = random_genotype(4, seed=3)
    text = g.to_json()
    assert json.loads(text)["normal"][0][0] in CANDS
    again = Genotype.from_json(text)
    assert again == g and hash(again) == hash(g)
    assert Genotype.from_dict(json.loads(json.dumps(g.to_dict()))) == g


def test_random_genotypes_cover_the_space_and_are_valid():
    seen = {random_genotype(4, seed=s) for s in range(30)}
    assert len(seen) == 30
    for g in seen:
        _assert_valid(g.normal, 4)
        _assert_valid(g.reduce, 4)


def test_genotype_describe_is_readable():
    g = Genotype(normal=[("sep_conv_3x3", 0), ("skip_connect", 1), ("dil_conv_3x3", 1), ("max_pool_3x3", 2)],
                 reduce=[("max_pool_3x3", 0), ("avg_pool_3x3", 1), ("skip_connect", 2), ("sep_conv_5x5", 0)])
    text = str(g)
    assert "node 2 = sep_conv_3x3(c_{k-2}) + skip_connect(c_{k-1})" in text
    assert "node 3 = dil_conv_3x3(c_{k-1}) + max_pool_3x3(2)" in text
    assert text.count("cell") == 2


@pytest.mark.parametrize("bad, message", [
    ({"normal": [("none", 0), ("skip_connect", 1)], "reduce": [("skip_connect", 0), ("skip_connect", 1)]}, "'none'"),
    ({"normal": [("skip_connect", 0)], "reduce": [("skip_connect", 0)]}, "two"),
    ({"normal": [("skip_connect", 0), ("skip_connect", 1)],
      "reduce": [("skip_connect", 0), ("skip_connect", 1)] * 2}, "same number of nodes"),
])
def test_invalid_genotypes_are_rejected_with_a_clear_message(bad, message):
    with pytest.raises(ValueError, match=message):
        Genotype(**bad)


def test_derive_cell_checks_the_weight_shape():
    with pytest.raises(ValueError, match="shape"):
        derive_cell(np.ones((14, 3)), CANDS)
    with pytest.raises(ValueError, match="edges"):
        derive_cell(np.ones((13, len(CANDS))), CANDS)
    with pytest.raises(ValueError, match="max_skip"):
        derive_genotype(_weights(), _weights(), CANDS, max_skip=-1)


def test_from_json_rejects_garbage():
    with pytest.raises(ValueError, match="genotype JSON"):
        Genotype.from_json("not json")
    with pytest.raises(ValueError, match="'normal' and 'reduce'"):
        Genotype.from_json('{"normal": []}')
