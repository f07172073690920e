"""The DARTS search gives what it gave before it was split into modules.

``tests/data/darts_reference.json`` holds what tiny seeded searches gave with the code
of the commit it names (the single-module `DartsSearch`), written by
``tests/darts_reference.py`` (its docstring has the command). Each scenario runs here
through the same public API; the genotypes, decisions and selection must be equal, the
alphas, losses and scores equal up to float round-off.
"""

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import darts_reference  # noqa: E402

REFERENCE = os.path.join(os.path.dirname(__file__), "data", "darts_reference.json")
# same machine: bit-identical; elsewhere, oneDNN/BLAS round-off only
TOLERANCE = dict(rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module")
def reference():
    with open(REFERENCE) as f:
        return json.load(f)["scenarios"]


def _close(actual, expected, what):
    actual = np.array(actual, dtype=np.float64)
    expected = np.array(expected, dtype=np.float64)  # JSON null (none's score) -> nan
    np.testing.assert_allclose(actual, expected, equal_nan=True, err_msg=what, **TOLERANCE)


def _compare(actual, expected):
    assert actual["genotype"] == expected["genotype"]
    assert actual["derived"] == expected["derived"]
    assert len(actual["epochs"]) == len(expected["epochs"])
    for i, (a, e) in enumerate(zip(actual["epochs"], expected["epochs"])):
        assert a["genotype"] == e["genotype"], f"epoch {i + 1}"
        for key in ("normal", "reduce", "train_loss"):
            _close(a[key], e[key], f"epoch {i + 1} {key}")
        assert (a["val_loss"] is None) == (e["val_loss"] is None)
        if e["val_loss"] is not None:
            _close(a["val_loss"], e["val_loss"], f"epoch {i + 1} val_loss")
    for key in ("perturbation", "progressive", "weights_after"):
        if key in expected:
            for kind in ("normal", "reduce"):
                _close(actual[key][kind], expected[key][kind], f"{key} {kind}")
    for key in ("perturbation_genotype", "decisions", "progressive_genotype", "selected"):
        if key in expected:
            assert actual[key] == expected[key], key
    if "selection" in expected:
        _close(actual["selection"], expected["selection"], "selection accuracies")


@pytest.mark.parametrize("name", darts_reference.FAST)
def test_a_small_seeded_search_gives_the_genotype_and_alphas_it_gave_before(reference, name):
    _compare(darts_reference.run(name), reference[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in darts_reference.SCENARIOS if n not in darts_reference.FAST])
def test_second_order_perturbation_and_selection_give_what_they_gave_before(reference, name):
    _compare(darts_reference.run(name), reference[name])


def test_the_reference_covers_every_scenario(reference):
    assert sorted(reference) == sorted(darts_reference.SCENARIOS)
    assert reference["selection"]["decisions"] and len(reference["selection"]["selection"]) == 2
