"""Time series for forecasting: reading, validation, and the sliding-window pipeline.

`read_series` turns what `TimeSeriesForecaster.fit` accepts (a pandas
DataFrame, a 2-D array or a CSV path, rows in time order, an optional date
column) into a `Series`: float32 values ``(rows, channels)``, the channel
names and the dates (or None). Bad input is reported before any model is
built: NaN or infinite values, non-numeric columns, unsorted or repeated
dates, gaps in a regular date index, a series too short for the look-back and
the horizon.

`WindowSplits` feeds the search: the training and validation windows are
built on the fly by a `tf.data` pipeline over ONE copy of the series (a range
of window end indices, shuffled, mapped to slices), never all materialised.
Validation is by time: the last `validation_split` of the rows, in order; a
validation window's look-back may reach back into the training rows (the
protocol of the long-horizon forecasting literature).

Example:
    >>> series = read_series(frame, "x")                  # doctest: +SKIP
    >>> splits = WindowSplits(series, 336, 96, [6], 0.2)  # doctest: +SKIP
"""

import dataclasses
import os

import numpy as np

from autonas.data.streaming import Stream

__all__ = ["Series", "read_series", "check_length", "WindowSplits", "window_ends", "future_dates"]

#: names of a column recognised as the date column (case-insensitive), when it parses as dates.
DATE_NAMES = ("date", "datetime", "time", "timestamp", "ds")


@dataclasses.dataclass
class Series:
    """A validated series: values in time order, channel names, dates.

    Args:
        values: float32 array ``(rows, channels)``.
        columns: channel names.
        dates: a `pandas.DatetimeIndex` of the rows, or None.
        freq: the step between rows (a `pandas.Timedelta`), or None.
        date_column: the name of the date column read, or None.
    """

    values: np.ndarray
    columns: list
    dates: object = None
    freq: object = None
    date_column: object = None

    def __len__(self):
        return len(self.values)


def _is_date_column(name, column):
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    if str(name).lower() not in DATE_NAMES or pd.api.types.is_numeric_dtype(column):
        return False
    try:
        pd.to_datetime(column.iloc[: min(len(column), 20)])
    except (ValueError, TypeError):
        return False
    return True


def read_series(x, arg_name="x", columns=None, date_column=None):
    """Read and validate a time series.

    Args:
        x: a pandas DataFrame (a date column, or a `DatetimeIndex`, is
            recognised), a 1-D or 2-D numeric array, or a CSV path.
        arg_name: the argument name for error messages.
        columns: channel names to keep, in this order (all numeric columns when None).
        date_column: the date column's name (recognised by name or dtype when None).

    Returns:
        A `Series`.

    Raises:
        ValueError / TypeError: an empty series, non-numeric channels, NaN or
            infinite values, unsorted or repeated dates, gaps in the dates,
            unknown columns.

    Example:
        >>> read_series(np.arange(10.0)).values.shape
        (10, 1)
    """
    import pandas as pd

    if isinstance(x, (str, os.PathLike)):
        path = os.fspath(x)
        if not os.path.isfile(path):
            raise ValueError(f"`{arg_name}` must be a CSV file, a DataFrame or a 2-D array; {path!r} is not a file.")
        x = pd.read_csv(path)
    dates, name = None, None
    if isinstance(x, pd.Series):
        x = x.to_frame()
    if isinstance(x, pd.DataFrame):
        frame = x
        if isinstance(frame.index, pd.DatetimeIndex):
            dates = frame.index
        if date_column is not None:
            if date_column not in frame.columns:
                raise ValueError(f"`date_column` {date_column!r} is not a column of `{arg_name}`; columns: "
                                 f"{list(frame.columns)}.")
            name = date_column
        elif dates is None:
            name = next((c for c in frame.columns if _is_date_column(c, frame[c])), None)
        if name is not None:
            try:
                dates = pd.DatetimeIndex(pd.to_datetime(frame[name]))
            except (ValueError, TypeError) as err:
                raise ValueError(f"The date column {name!r} of `{arg_name}` does not parse as dates: {err}") from None
            frame = frame.drop(columns=[name])
        if columns is not None:
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"`{arg_name}` has no column(s) {missing}; columns: {list(frame.columns)}.")
            frame = frame[list(columns)]
        bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad:
            raise TypeError(f"`{arg_name}` must hold numeric channels (and one date column); column(s) {bad} are "
                            f"not numeric (dtypes {[str(frame[c].dtype) for c in bad]}).")
        names = [str(c) for c in frame.columns]
        values = frame.to_numpy(dtype="float64")
    else:
        values = np.asarray(x)
        if values.dtype.kind not in "biuf":
            raise TypeError(f"`{arg_name}` must be numeric, a DataFrame or a CSV path; received dtype {values.dtype}.")
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2:
            raise ValueError(f"`{arg_name}` must be a 1-D or 2-D array (rows in time order, one column per "
                             f"channel); received shape {values.shape}.")
        names = [f"channel_{i}" for i in range(values.shape[1])] if columns is None else list(columns)
        if len(names) != values.shape[1]:
            raise ValueError(f"`{arg_name}` has {values.shape[1]} columns but {len(names)} names were given.")
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise ValueError(f"`{arg_name}` is empty (shape {values.shape}); pass a series with rows and channels.")
    finite = np.isfinite(values)
    if not finite.all():
        rows = np.flatnonzero(~finite.all(axis=1))
        raise ValueError(f"`{arg_name}` contains {int((~finite).sum())} NaN or infinite value(s) (first at row "
                         f"{int(rows[0])}); fill or drop them before fitting.")
    freq = _check_dates(dates, arg_name) if dates is not None else None
    return Series(values.astype("float32"), names, dates, freq, name)


def _check_dates(dates, arg_name):
    """The regular step of `dates`; raises on unsorted, repeated or missing dates."""
    import pandas as pd

    if len(dates) < 2:
        return None
    if dates.hasnans:
        raise ValueError(f"The dates of `{arg_name}` contain missing values.")
    steps = np.diff(dates.asi8)
    if (steps < 0).any():
        at = int(np.flatnonzero(steps < 0)[0]) + 1
        raise ValueError(f"The dates of `{arg_name}` are not sorted: row {at} ({dates[at]}) comes before row "
                         f"{at - 1} ({dates[at - 1]}); sort the rows by date first.")
    if (steps == 0).any():
        at = int(np.flatnonzero(steps == 0)[0]) + 1
        raise ValueError(f"The dates of `{arg_name}` repeat {dates[at]} (rows {at - 1} and {at}); one row per "
                         "time step is expected.")
    freq = pd.infer_freq(dates) if len(dates) >= 3 else None
    if freq is None:
        step = np.median(steps)
        irregular = np.flatnonzero(steps != step)
        # a calendar frequency (months) has uneven steps in nanoseconds: accept it when pandas infers it
        if irregular.size:
            at = int(irregular[0])
            raise ValueError(f"The dates of `{arg_name}` are not evenly spaced: the usual step is "
                             f"{pd.Timedelta(int(step))} but row {at + 1} ({dates[at + 1]}) follows row {at} "
                             f"({dates[at]}); fill the gaps (e.g. `frame.asfreq(...)` and interpolation) first.")
        return pd.tseries.frequencies.to_offset(pd.Timedelta(int(step)))
    return pd.tseries.frequencies.to_offset(freq)


def future_dates(series, horizon):
    """The `horizon` dates after the last row of `series` (None without dates).

    Args:
        series: a `Series`.
        horizon: number of future steps.

    Returns:
        A `pandas.DatetimeIndex`, or None.

    Example:
        >>> future_dates(series, 3)  # doctest: +SKIP
    """
    import pandas as pd

    if series.dates is None or series.freq is None:
        return None
    return pd.date_range(series.dates[-1], periods=horizon + 1, freq=series.freq)[1:]


def check_length(rows, window, horizon, arg_name, validation_split=None):
    """Raise a clear error when a series is too short for the look-back window and the horizon.

    Args:
        rows: number of rows in the series.
        window: the model's history window (the longest look-back).
        horizon: the forecast horizon.
        arg_name: the argument name for the error.
        validation_split: the held-out fraction at fit (None outside fit).

    Returns:
        None.

    Example:
        >>> check_length(1000, 96, 24, "x", 0.2)
    """
    if validation_split is None:
        if rows < window:
            raise ValueError(f"`{arg_name}` has {rows} rows but the model needs the last {window} rows of history "
                             "to forecast.")
        return
    val = int(round(rows * validation_split))
    train = rows - val
    if val < horizon or train < window + horizon:
        need = window + horizon + max(horizon, 1)
        raise ValueError(f"`{arg_name}` has {rows} rows, too short for a look-back of {window} and a horizon of "
                         f"{horizon} with validation_split={validation_split} ({train} training rows must hold one "
                         f"window of {window + horizon}, the {val} validation rows one horizon); pass at least "
                         f"about {int(need / (1 - validation_split)) + 1} rows, or a shorter `lookback`.")


def window_ends(rows, window, horizon, start=None):
    """The indices t of every window inside `rows`: history rows [t - window, t), targets [t, t + horizon).

    Args:
        rows: number of rows.
        window: history rows per window.
        horizon: target rows per window.
        start: the first t (default `window`); targets start no earlier.

    Returns:
        A range.

    Example:
        >>> list(window_ends(10, 4, 3))
        [4, 5, 6, 7]
    """
    first = window if start is None else max(window, start)
    return range(first, rows - horizon + 1)


class WindowSplits:
    """Training and validation windows of one series, streamed (the `ArraySplits` interface).

    Args:
        series: the `Series` (raw values; the model normalises inside).
        window: history rows per window (the longest searched look-back).
        horizon: rows forecast.
        target_index: the channel indices forecast.
        validation_split: the last share of the rows whose windows validate.
        seed: shuffle seed of the training windows.

    Attributes:
        sample_x: ``[training rows]`` (the input's statistics are learnt from them).
        y_fit: ``[training rows of the targets]`` (for `ForecastHead.fit_targets`).
        num_train, num_val: numbers of windows.
    """

    sw_train = None

    def __init__(self, series, window, horizon, target_index, validation_split, seed=0):
        values = series.values
        rows = len(values)
        self.num_rows_val = int(round(rows * validation_split))
        self.split_row = rows - self.num_rows_val
        self.window, self.horizon, self.seed = int(window), int(horizon), int(seed or 0)
        self.target_index = list(target_index)
        self.values = values
        self.train_ends = window_ends(self.split_row, window, horizon)
        self.val_ends = window_ends(rows, window, horizon, start=self.split_row)
        self.num_train, self.num_val = len(self.train_ends), len(self.val_ends)
        self.sample_x = [values[: self.split_row]]
        self.y_fit = [values[: self.split_row][:, self.target_index]]
        mean = self.y_fit[0].astype("float64").mean(axis=0)
        std = self.y_fit[0].astype("float64").std(axis=0)
        self.target_mean = mean.astype("float32")
        self.target_scale = np.where(std > 1e-6, std, 1.0).astype("float32")

    def standardized_targets(self, values):
        """Target channels of `values` on the training rows' standardised scale."""
        return (values[:, self.target_index] - self.target_mean) / self.target_scale

    def _stream(self, ends, shuffle):
        return window_stream(self.values, self.standardized_targets(self.values), ends, self.window, self.horizon,
                             shuffle=shuffle, seed=self.seed)

    def encoded_train_targets(self):
        """Not materialised: forecasting heads take no class weights (None per head)."""
        return [None]

    def encoded_validation_targets(self):
        """Per head, the validation windows' standardised targets ``(windows, horizon, targets)``, in order."""
        targets = self.standardized_targets(self.values)
        return [np.stack([targets[t: t + self.horizon] for t in self.val_ends]).astype("float32")]

    def search_sets(self, keras_x, keras_y):
        """``((Stream, None), (Stream, None))``: shuffled training windows, validation windows in order."""
        return (self._stream(self.train_ends, True), None), (self._stream(self.val_ends, False), None)

    def refit_set(self, keras_x, keras_y):
        """``(Stream, None, None)``: every window of training and validation rows, shuffled."""
        ends = range(self.train_ends.start, self.val_ends.stop)
        return self._stream(ends, True), None, None


def window_stream(values, targets, ends, window, horizon, shuffle=False, seed=0):
    """A `Stream` of ``(history window, target window)`` pairs built on the fly by `tf.data`.

    The series is held once as a constant; the pipeline maps window end
    indices (shuffled each epoch when `shuffle`) to slices of it.

    Args:
        values: raw values ``(rows, channels)``.
        targets: targets ``(rows, targets)`` (already on the training scale).
        ends: the window end indices (a range).
        window: history rows.
        horizon: target rows.
        shuffle: reshuffle the windows every epoch.
        seed: shuffle seed.

    Returns:
        A `autonas.data.streaming.Stream`.

    Example:
        >>> stream = window_stream(values, values[:, -1:], range(96, 900), 96, 24)  # doctest: +SKIP
    """
    import tensorflow as tf

    series = tf.constant(values, tf.float32)
    future = tf.constant(targets, tf.float32)
    count = len(ends)
    dataset = tf.data.Dataset.range(ends.start, ends.stop)
    if shuffle:
        dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)

    def pair(t):
        return series[t - window: t], future[t: t + horizon]

    dataset = dataset.map(pair, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(count))
    # bytes per example: the stream's own shuffle buffer holds a few windows only (they are shuffled already)
    return Stream(dataset, count, max(values.shape[1] * window * 4, 2**20))
