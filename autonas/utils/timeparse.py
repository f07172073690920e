"""Parse user-facing durations such as ``"30m"`` or ``"2h"``."""

import numbers
import re

_UNITS = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}


def parse_duration(value, arg_name="max_time"):
    """Turn a duration into seconds.

    Args:
        value: ``None``, a number of seconds, or a string like ``"90s"``,
            ``"30m"``, ``"2h"``, ``"1h30m"``.
        arg_name: the argument name used in error messages.

    Returns:
        A float number of seconds, or ``None``.

    Example:
        >>> parse_duration("1h30m")
        5400.0
    """
    if value is None:
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise TypeError(f"`{arg_name}` must be a number of seconds or a string like '30m'; received {value!r}.")
    if isinstance(value, numbers.Real):  # Python or NumPy numbers
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        parts = re.findall(r"(\d+(?:\.\d+)?)([a-z]*)", text)
        if not parts or "".join(n + u for n, u in parts) != text or any(u not in _UNITS for _, u in parts):
            raise ValueError(
                f"`{arg_name}` could not be parsed: received {value!r}; expected seconds "
                "or a string such as '90s', '30m', '2h' or '1h30m'."
            )
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    else:
        raise TypeError(
            f"`{arg_name}` must be a number of seconds or a string like '30m'; "
            f"received {type(value).__name__}."
        )
    if not seconds > 0:  # also NaN
        raise ValueError(f"`{arg_name}` must be positive; received {value!r}.")
    return seconds
