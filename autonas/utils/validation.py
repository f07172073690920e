"""Argument checks shared by every public entry point: integers, real numbers, choices.

One place decides what a number is (a Python or NumPy integer or real, never a
bool), what the message says (the argument's name, what was received and what is
expected) and what comes back (a plain Python ``int`` or ``float``, so a NumPy
scalar accepted at the edge never reaches code that checks ``isinstance(x, int)``).
Modelled on scikit-learn's ``sklearn.utils.validation``.

Example:
    >>> check_int(np.int64(3), "max_trials", minimum=1)
    3
    >>> check_float(0.2, "validation_split", minimum=0, maximum=1, inclusive=False)
    0.2
    >>> check_choice("Min", "direction", ["min", "max"], lower=True)
    'min'
"""

import math
import numbers

import numpy as np

__all__ = ["is_integer", "is_real", "check_int", "check_float", "check_choice", "Default", "is_default"]


def is_integer(value):
    """True for a Python or NumPy integer, False for a bool (``True`` is not a count).

    Args:
        value: anything.

    Returns:
        bool.

    Example:
        >>> is_integer(np.int32(2)), is_integer(True), is_integer(2.0)
        (True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value):
    """True for a Python or NumPy integer or float, False for a bool.

    Args:
        value: anything.

    Returns:
        bool.

    Example:
        >>> is_real(np.float32(0.5)), is_real(False), is_real("1")
        (True, False, False)
    """
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _int_expectation(minimum, maximum):
    if maximum is None:
        if minimum == 1:
            return "a positive integer"
        if minimum == 0:
            return "a non-negative integer"
        return "an integer" if minimum is None else f"an integer >= {minimum}"
    if minimum is None:
        return f"an integer <= {maximum}"
    return f"an integer between {minimum} and {maximum}"


def check_int(value, name, minimum=None, maximum=None, allow_none=False, expected=None):
    """Check an integer argument and return it as a Python ``int``.

    Args:
        value: the value received.
        name: the argument's name, as the user wrote it.
        minimum, maximum: inclusive bounds, or None.
        allow_none: whether None is accepted (and returned).
        expected: the expectation in words, overriding the one built from the
            bounds (e.g. ``"a port number between 1 and 65535"``).

    Returns:
        ``int(value)``, or None.

    Raises:
        ValueError: naming `name`, the value received and what is expected.

    Example:
        >>> check_int(None, "epochs", minimum=1, allow_none=True) is None
        True
    """
    if value is None and allow_none:
        return None
    ok = is_integer(value) and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        words = expected or _int_expectation(minimum, maximum)
        raise ValueError(f"`{name}` must be {words}{' or None' if allow_none else ''}; received {value!r}.")
    return int(value)


def _float_expectation(minimum, maximum, inclusive):
    low, high = (">=", "<=") if inclusive else (">", "<")
    if minimum is not None and maximum is not None:
        between = "between" if inclusive else "strictly between"
        return f"a number {between} {minimum} and {maximum}"
    if minimum is not None:
        return "a positive number" if (minimum == 0 and not inclusive) else f"a number {low} {minimum}"
    if maximum is not None:
        return f"a number {high} {maximum}"
    return "a finite number"


def check_float(value, name, minimum=None, maximum=None, inclusive=True, allow_none=False, expected=None):
    """Check a real-number argument (finite, not a bool) and return it as a Python ``float``.

    Args:
        value: the value received.
        name: the argument's name.
        minimum, maximum: bounds, or None.
        inclusive: whether the bounds themselves are accepted.
        allow_none: whether None is accepted (and returned).
        expected: the expectation in words, overriding the one built from the bounds.

    Returns:
        ``float(value)``, or None.

    Raises:
        ValueError: naming `name`, the value received and what is expected.

    Example:
        >>> check_float(np.float32(0.5), "dropout", minimum=0, maximum=1)
        0.5
    """
    if value is None and allow_none:
        return None
    ok = is_real(value) and math.isfinite(value)
    if ok and minimum is not None:
        ok = value >= minimum if inclusive else value > minimum
    if ok and maximum is not None:
        ok = value <= maximum if inclusive else value < maximum
    if not ok:
        words = expected or _float_expectation(minimum, maximum, inclusive)
        raise ValueError(f"`{name}` must be {words}{' or None' if allow_none else ''}; received {value!r}.")
    return float(value)


def check_choice(value, name, choices, lower=False):
    """Check that `value` is one of `choices` and return it (lower-cased for strings when `lower`).

    Args:
        value: the value received.
        name: the argument's name.
        choices: the accepted values.
        lower: compare strings case-insensitively and return the lower-cased form.

    Returns:
        The accepted value.

    Raises:
        ValueError: naming `name`, the value received and the accepted values.

    Example:
        >>> check_choice(2, "order", (1, 2))
        2
    """
    choices = list(choices)
    probe = value.lower() if lower and isinstance(value, str) else value
    hashable = isinstance(probe, (str, numbers.Number)) and not isinstance(probe, (bool, np.bool_))
    if hashable and any(probe == c and not isinstance(c, bool) for c in choices):
        return probe
    if isinstance(probe, bool) and any(probe is c for c in choices):
        return probe
    raise ValueError(f"`{name}` must be one of {choices!r}; received {value!r}.")


class Default(float):
    """A float default that can be told apart from the same number passed explicitly.

    ``fit(validation_split=DEFAULT_SPLIT)`` reads as 0.2 in ``help()`` and works
    as 0.2 in arithmetic, while ``is_default(validation_split)`` is True only when
    the caller left it out, so an explicit ``validation_split=0.2`` beside
    ``validation_data`` can be refused like any other value.

    Example:
        >>> split = Default(0.2)
        >>> is_default(split), is_default(0.2), split * 2
        (True, False, 0.4)
    """

    __slots__ = ()

    def __repr__(self):
        return float.__repr__(self)


def is_default(value):
    """True when `value` is a `Default` (the argument was left out).

    Args:
        value: anything.

    Returns:
        bool.

    Example:
        >>> is_default(Default(0.5))
        True
    """
    return type(value) is Default
