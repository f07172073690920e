"""The shared argument checks (`autonas.utils.validation`): what counts as a number, and what the message says."""

import numpy as np
import pytest

from autonas.utils.validation import Default, check_choice, check_float, check_int, is_default


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_python_and_numpy_integers_come_back_as_python_ints(value):
    out = check_int(value, "n", minimum=1)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value, words", [
    (True, "a positive integer"), (np.bool_(True), "a positive integer"), (3.0, "a positive integer"),
    ("3", "a positive integer"), (0, "a positive integer"), (None, "a positive integer"),
])
def test_bad_integers_name_the_argument_the_value_and_the_expectation(value, words):
    with pytest.raises(ValueError, match=rf"^`count` must be {words}; received {value!r}\.$".replace("(", r"\(")
                       .replace(")", r"\)")):
        check_int(value, "count", minimum=1)


def test_integer_bounds_and_none():
    assert check_int(None, "cap", minimum=0, allow_none=True) is None
    with pytest.raises(ValueError, match=r"`cap` must be a non-negative integer or None; received -1"):
        check_int(-1, "cap", minimum=0, allow_none=True)
    with pytest.raises(ValueError, match=r"`port` must be an integer between 1 and 65535; received 70000"):
        check_int(70000, "port", minimum=1, maximum=65535)
    with pytest.raises(ValueError, match=r"`factor` must be an integer >= 2; received 1"):
        check_int(1, "factor", minimum=2)


def test_floats():
    assert type(check_float(np.float32(0.25), "share", minimum=0, maximum=1)) is float
    assert check_float(np.int64(2), "sigma", minimum=0, inclusive=False) == 2.0
    for bad in (0, 1, float("nan"), float("inf"), True, "0.5"):
        with pytest.raises(ValueError, match=r"`share` must be a number strictly between 0 and 1; received"):
            check_float(bad, "share", minimum=0, maximum=1, inclusive=False)
    with pytest.raises(ValueError, match=r"`sigma` must be a positive number; received -1"):
        check_float(-1, "sigma", minimum=0, inclusive=False)


def test_choices():
    assert check_choice("MAX", "direction", ["min", "max"], lower=True) == "max"
    assert check_choice(np.int64(2), "order", (1, 2)) == 2
    for bad in (3, True, "2", None):
        with pytest.raises(ValueError, match=r"`order` must be one of \[1, 2\]; received"):
            check_choice(bad, "order", (1, 2))


def test_default_sentinel():
    split = Default(0.2)
    assert split == 0.2 and repr(split) == "0.2" and is_default(split)
    assert not is_default(0.2) and not is_default(float(split)) and not is_default(np.float64(0.2))
