"""Covariates known in the future for forecasting: which calendar features a series gets, and its columns.

`TimeSeriesForecaster(covariates=...)` takes None, ``"calendar"`` (every
calendar cycle that varies at the series' step) or a list of cycle names of
`autonas.layers.calendar.CYCLES`. The features are computed from the dates
(a fixed step is needed: the exported model recomputes them from the time of
the window's last row) and appended to the series' channels as its last
columns; `ForecastBlock` splits them off.

Example:
    >>> check_covariates(["hour_of_day"])
    ['hour_of_day']
"""

import numpy as np

from autonas.data import series as series_module
from autonas.layers import calendar

__all__ = ["check_covariates", "calendar_cycles", "with_covariates"]


def check_covariates(covariates):
    """`covariates` checked: None, ``"calendar"`` or a list of calendar cycle names.

    Args:
        covariates: the argument.

    Returns:
        None, ``"calendar"`` or a list of names (repeats dropped).

    Raises:
        TypeError / ValueError: naming the argument, what was received and what is expected.
    """
    names = list(calendar.CYCLES)
    if covariates is None or (isinstance(covariates, str) and covariates == "calendar"):
        return covariates
    if isinstance(covariates, str):
        covariates = [covariates]
    if not isinstance(covariates, (list, tuple)) or not covariates:
        raise TypeError(f"`covariates` must be None, 'calendar' or a non-empty list of {names}; received "
                        f"{covariates!r}.")
    unknown = [c for c in covariates if c not in names]
    if unknown:
        raise ValueError(f"`covariates` has unknown calendar feature(s) {unknown}; expected 'calendar' or names "
                         f"among {names}.")
    return list(dict.fromkeys(covariates))


def calendar_cycles(covariates, series, arg_name="x"):
    """The calendar cycles of `covariates` for `series`, and its step in seconds.

    Args:
        covariates: a value returned by `check_covariates`.
        series: a `autonas.data.series.Series`.
        arg_name: the argument name for errors.

    Returns:
        ``(cycles, step_seconds)``; ``([], None)`` when `covariates` is None.

    Raises:
        ValueError: the series has no dates, no fixed step, or a cycle asked for does not vary at its step.
    """
    if covariates is None:
        return [], None
    import pandas as pd

    if series.dates is None:
        raise ValueError(f"`covariates={covariates!r}` needs the dates of `{arg_name}`: a date column or a "
                         "DatetimeIndex (received none).")
    try:
        step = int(pd.Timedelta(series.freq).total_seconds()) if series.freq is not None else 0
    except ValueError:  # a calendar frequency (months, years)
        step = 0
    if step <= 0:
        raise ValueError(f"`covariates={covariates!r}` needs dates with a fixed step (hours, days, weeks); the "
                         f"dates of `{arg_name}` step by {series.freq!r}.")
    varying = calendar.cycles_for_step(step)
    if covariates == "calendar":
        if not varying:
            raise ValueError(f"`covariates='calendar'`: no calendar cycle varies at a step of {step} seconds.")
        return varying, step
    constant = [c for c in covariates if c not in varying]
    if constant:
        raise ValueError(f"`covariates` {constant} do not vary at the step of `{arg_name}` ({step} seconds); "
                         f"choose among {varying}.")
    return list(covariates), step


def with_covariates(series, cycles):
    """`series` with the calendar feature columns of `cycles` appended (`series` itself when none).

    Args:
        series: a `Series` with dates.
        cycles: calendar cycle names.

    Returns:
        A `Series` whose values have ``calendar.feature_count(cycles)`` more columns (the channel names unchanged).
    """
    if not cycles:
        return series
    features = calendar.calendar_features(calendar.wall_seconds(series.dates), cycles)
    values = np.concatenate([series.values, features], axis=1)
    return series_module.Series(values, list(series.columns), series.dates, series.freq, series.date_column)
