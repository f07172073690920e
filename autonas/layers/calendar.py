"""Calendar covariates of a time series: known in the future, computed from the rows' times.

A row's calendar position is described by Fourier features of its phase in
a day (``"hour_of_day"``), a week (``"day_of_week"``) and a year
(``"day_of_year"``): the sine and cosine of ``2 pi k phase`` for the
harmonics `HARMONICS` of each. The phases are computed from the wall-clock
time in whole seconds since 1970-01-01 (the dates' local time, without time
zone), with the same arithmetic in NumPy (`calendar_features`, for the
training windows) and inside a model (`CalendarWindow`, for the exported
model, which takes the time of the last history row and no precomputed
feature). The year is the mean Gregorian year (365.2425 days).

Example:
    >>> calendar_features(np.array([0, 3600]), ["hour_of_day"]).shape
    (2, 6)
"""

import math

import keras
import numpy as np
from keras import ops

#: calendar cycles: their period in seconds and the offset that makes the phase start at its usual origin
#: (the week starts on Monday: 1970-01-01 was a Thursday).
CYCLES = {"hour_of_day": (86400, 0), "day_of_week": (7 * 86400, 3 * 86400), "day_of_year": (31556952, 0)}
#: Fourier harmonics per cycle (the features are sin and cos of each).
HARMONICS = {"hour_of_day": (1, 2, 3), "day_of_week": (1, 2, 3), "day_of_year": (1, 2)}


def cycles_for_step(step_seconds):
    """The calendar cycles that vary along a series sampled every `step_seconds` (at least two rows per cycle).

    Args:
        step_seconds: the series' step in seconds.

    Returns:
        A list of `CYCLES` names.

    Example:
        >>> cycles_for_step(3600)
        ['hour_of_day', 'day_of_week', 'day_of_year']
        >>> cycles_for_step(86400)
        ['day_of_week', 'day_of_year']
    """
    return [name for name, (period, _) in CYCLES.items() if 2 * step_seconds <= period]


def feature_count(cycles):
    """The number of feature columns of `cycles` (2 per harmonic)."""
    return sum(2 * len(HARMONICS[c]) for c in cycles)


def calendar_features(seconds, cycles):
    """The calendar features of rows at `seconds` (int, wall-clock seconds since 1970-01-01).

    Args:
        seconds: integer array of any shape.
        cycles: names of `CYCLES`.

    Returns:
        float32 array ``seconds.shape + (feature_count(cycles),)``.
    """
    seconds = np.asarray(seconds, dtype=np.int64)
    columns = []
    for name in cycles:
        period, offset = CYCLES[name]
        phase = np.mod(seconds + offset, period).astype("float64") / period
        for k in HARMONICS[name]:
            columns += [np.sin(2 * math.pi * k * phase), np.cos(2 * math.pi * k * phase)]
    return np.stack(columns, axis=-1).astype("float32")


def wall_seconds(dates):
    """Wall-clock whole seconds since 1970-01-01 of a `pandas.DatetimeIndex` (its local time when zoned)."""
    if getattr(dates, "tz", None) is not None:
        dates = dates.tz_localize(None)
    if hasattr(dates, "as_unit"):  # pandas >= 2: the index's own unit may be s, ms, us or ns
        return np.asarray(dates.as_unit("s").asi8, dtype=np.int64)
    return np.asarray(dates.asi8, dtype=np.int64) // 10**9


@keras.saving.register_keras_serializable(package="autonas")
class CalendarWindow(keras.layers.Layer):
    """The calendar features of a history window from the time of its last row.

    Args:
        cycles: names of `CYCLES`.
        window: rows of the window.
        step_seconds: seconds between rows.
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        (when called on ``(batch,)`` int64 seconds since 1970-01-01 of the
        window's last row) float32 ``(batch, window, features)``, as
        `calendar_features` of the window's rows.

    Example:
        >>> CalendarWindow(["hour_of_day"], 4, 3600)(np.array([0])).shape  # doctest: +SKIP
        (1, 4, 6)
    """

    def __init__(self, cycles, window, step_seconds, **kwargs):
        super().__init__(**kwargs)
        self.cycles = list(cycles)
        self.window = int(window)
        self.step_seconds = int(step_seconds)

    def call(self, inputs):
        last = ops.reshape(ops.cast(inputs, "int64"), (-1, 1))
        back = ops.cast(ops.arange(self.window - 1, -1, -1), "int64") * self.step_seconds
        seconds = last - ops.reshape(back, (1, -1))
        columns = []
        for name in self.cycles:
            period, offset = CYCLES[name]
            phase = ops.cast(ops.mod(seconds + offset, period), "float32") / float(period)
            for k in HARMONICS[name]:
                angle = (2 * math.pi * k) * phase
                columns += [ops.sin(angle), ops.cos(angle)]
        return ops.stack(columns, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.window, feature_count(self.cycles))

    def get_config(self):
        config = super().get_config()
        config.update(cycles=self.cycles, window=self.window, step_seconds=self.step_seconds)
        return config


@keras.saving.register_keras_serializable(package="autonas")
class SplitCovariates(keras.layers.Layer):
    """Split a window ``(batch, steps, channels + covariates)`` into its channels and its last row's covariates.

    Args:
        count: covariate columns (the last ones).
        **kwargs: base `keras.layers.Layer` arguments.

    Returns:
        ``[window (batch, steps, channels), covariates of the last row (batch, count)]``.
    """

    def __init__(self, count, **kwargs):
        super().__init__(**kwargs)
        self.count = int(count)

    def call(self, inputs):
        return [inputs[:, :, : -self.count], inputs[:, -1, -self.count:]]

    def compute_output_shape(self, input_shape):
        batch, steps, channels = input_shape
        return [(batch, steps, channels - self.count), (batch, self.count)]

    def get_config(self):
        config = super().get_config()
        config.update(count=self.count)
        return config
