"""Time-series forecasting: `TimeSeriesForecaster`."""

import logging
import numbers

import numpy as np

from autonas.auto_model import AutoModel
from autonas.blocks.forecast import LOOKBACKS, ForecastBlock, ForecastHead, lookback_options
from autonas.data import covariates as covariates_module
from autonas.data import linear_fit
from autonas.data import series as series_module
from autonas.graph.nodes import TimeSeriesInput
from autonas.layers import calendar as calendar_module
from autonas.reporting.decisions import decision
from autonas.tasks import forecast_selection
from autonas.tasks.forecast_support import (baseline_scores, default_window, forecast_warm_start,  # noqa: F401
                                            seasonal_period)

logger = logging.getLogger("autonas")

class TimeSeriesForecaster(AutoModel):
    """Searches forecasters of the next `horizon` rows of a (multivariate) time series.

    `fit` takes one series in time order: a pandas DataFrame (a date column,
    or a `DatetimeIndex`, is recognised and checked: sorted, no repeats, no
    gaps), a 2-D array (rows, channels) or a CSV path. The model reads the
    last `window` rows of every channel (raw values: each channel is
    standardised inside the model with the training rows' statistics) and
    forecasts the target channels. Training windows slide by one row and
    are built on the fly by a `tf.data` pipeline; validation is the last
    `validation_split` of the rows (never shuffled; its windows' look-back may
    reach into the training rows). The loss is the mean squared error on the
    standardised scale (every channel weighs alike); `predict` and the
    exported model return the targets' units.

    The space is a `ForecastBlock`: the look-back, per-window normalisation
    (NLinear last value, RevIN), linear (NLinear/DLinear), MLP, TCN, LSTM/GRU
    and patch-Transformer families, channel-independent or mixing. The first
    trials are NLinear at several look-backs (see `forecast_warm_start`). The
    final model is the frozen closed-form NLinear map unless the search's
    model (the best trial or a greedy ensemble) beats it significantly on the
    validation windows (`autonas.tasks.forecast_selection`). The
    leaderboard also lists the last-value and seasonal-naive baselines
    scored on the same validation windows.

    Args:
        horizon: rows forecast (a positive integer).
        lookback: fix the look-back (rows of history read); searched when None.
        targets: the target column name(s) (all channels when None); the other
            channels are inputs only.
        covariates: covariates known in the future: None, ``"calendar"``
            (the calendar cycles that vary at the series' step: hour of day,
            day of week, day of year), or a list of those names
            (``"hour_of_day"``, ``"day_of_week"``, ``"day_of_year"``). They
            are computed from the dates (a date column or a `DatetimeIndex`,
            with a fixed step), and the search chooses whether its models use
            them (the block's ``calendar`` hyperparameter). With covariates,
            the exported model takes two inputs: the raw history window and
            ``time``, the int64 wall-clock seconds since 1970-01-01 of the
            window's last row (see `export_model`).
        project_name: project directory name (default ``"time_series_forecaster"``).
        **kwargs: search arguments of `AutoModel` (`max_trials`, `tuner`,
            `max_time`, `seed`, `directory`, ...).

    Example:
        >>> model = TimeSeriesForecaster(horizon=24, targets="OT", max_trials=5)  # doctest: +SKIP
        >>> model.fit("ETTh1.csv")                                               # doctest: +SKIP
        >>> model.predict()              # the 24 rows after the series, by date  # doctest: +SKIP
    """

    def __init__(self, horizon=1, lookback=None, targets=None, covariates=None, project_name="time_series_forecaster",
                 **kwargs):
        if isinstance(horizon, bool) or not isinstance(horizon, numbers.Integral) or horizon < 1:
            raise ValueError(f"`horizon` must be a positive integer; received {horizon!r}.")
        if lookback is not None and (isinstance(lookback, bool) or not isinstance(lookback, numbers.Integral)
                                     or lookback < 1):
            raise ValueError(f"`lookback` must be a positive integer or None; received {lookback!r}.")
        if targets is not None and not isinstance(targets, (str, list, tuple)):
            raise TypeError(f"`targets` must be a column name or a list of them; received {type(targets).__name__}.")
        self.covariates = covariates_module.check_covariates(covariates)
        self.horizon, self.lookback = int(horizon), (int(lookback) if lookback is not None else None)
        self.targets = targets
        inputs = TimeSeriesInput()
        self._forecast_block = ForecastBlock(lookback=self.lookback)
        outputs = ForecastHead(horizon=self.horizon, targets=targets)(self._forecast_block(inputs))
        super().__init__(inputs=inputs, outputs=outputs, project_name=project_name, **kwargs)
        self.series_ = None
        self.baselines_ = None
        self._splits = None
        self._solutions = None
        self._frame_input = False
        self._export_model = None

    # -- fit ------------------------------------------------------------------
    def fit(self, x=None, y=None, epochs=None, batch_size=None, validation_split=0.2, callbacks=None, verbose=1,
            **kwargs):
        """Search forecasters on the series `x`, then refit the best on all of it.

        Args:
            x: the series: DataFrame, 2-D array or CSV path, rows in time order.
            y: optional target column name(s), instead of `targets`.
            epochs: epochs per trial (None: early stopping decides).
            batch_size: windows per batch (chosen from the data when None).
            validation_split: the last share of the rows that validates (by time).
            callbacks: Keras callbacks.
            verbose: 0, 1 or 2.
            **kwargs: `validation_data`, `class_weight` and `sample_weight` are
                not supported for forecasting (an error says so).

        Returns:
            The Keras `History` of the refit (None when a search checkpoint is final).

        Example:
            >>> model.fit(frame, epochs=20)  # doctest: +SKIP
        """
        for name in ("validation_data", "class_weight", "sample_weight"):
            if kwargs.get(name) is not None:
                raise ValueError(f"`{name}` is not supported by TimeSeriesForecaster; validation is the last "
                                 "`validation_split` of the series.")
        unknown = set(kwargs) - {"validation_data", "class_weight", "sample_weight"}
        if unknown:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(unknown)}.")
        if not isinstance(validation_split, numbers.Real) or not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be a fraction strictly between 0 and 1; received "
                             f"{validation_split!r}.")
        series = series_module.read_series(x, "x")
        targets = y if y is not None else self.targets
        names = [targets] if isinstance(targets, str) else (list(targets) if targets is not None else series.columns)
        missing = [t for t in names if t not in series.columns]
        if missing:
            raise ValueError(f"Target column(s) {missing} are not channels of `x`; channels: {series.columns}.")
        head, node = self.heads[0], self.inputs[0]
        train_rows = len(series) - int(round(len(series) * validation_split))
        window = self.lookback or default_window(train_rows, self.horizon)
        series_module.check_length(len(series), window, self.horizon, "x", validation_split)
        node.window, node.column_names = window, list(series.columns)
        cycles, step = covariates_module.calendar_cycles(self.covariates, series, "x")
        node.covariates, node.step_seconds = cycles, step
        node.covariate_count = calendar_module.feature_count(cycles)
        head.targets = names
        head.target_index = [series.columns.index(t) for t in names]
        self._splits = series_module.WindowSplits(covariates_module.with_covariates(series, cycles), window,
                                                  self.horizon, head.target_index, validation_split, self.seed or 0)
        decision("Forecasting %s %d rows ahead from a window of %d rows of %d channel(s): %d training and %d "
                 "validation windows (the last %d rows validate).", names, self.horizon, window,
                 len(series.columns), self._splits.num_train, self._splits.num_val, self._splits.num_rows_val)
        self.series_, self._frame_input = series, _has_columns(x)
        self._export_model = None
        history = super().fit(x, None, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
                              callbacks=callbacks, verbose=verbose)
        return history

    def _fit_splits(self, x, y, validation_split, validation_data, sample_weight):
        # inside `fit`'s time budget: the closed-form maps and the baselines
        self._solutions = self._closed_form(self.series_, self.inputs[0].window)
        self.inputs[0].linear_solutions = self._solutions[0]
        self.baselines_ = self._baselines(self.series_)
        return self._splits

    def _closed_form(self, series, window):
        """Closed-form NLinear maps per look-back: fitted on the training windows, and refitted on all."""
        splits = self._splits
        train = series.values[: splits.split_row].astype("float64")
        std = train.std(axis=0)
        z = (series.values - train.mean(axis=0)) / np.where(std > 1e-6, std, 1.0)
        looks = [self.lookback] if self.lookback else lookback_options(window, self._forecast_block.lookbacks
                                                                       or LOOKBACKS)
        search = linear_fit.ridge_solutions(z, splits.train_ends, splits.val_ends, window, self.horizon,
                                            self.heads[0].target_index, looks, refit=True)
        refit = {v: dict(s, kernel=s["refit_kernel"], bias=s["refit_bias"]) for v, s in search.items()}
        decision("Closed-form NLinear (ridge) validation MSE by look-back: %s.",
                 ", ".join(f"{v}: {s['val_mse']:.4f}" + (f" (average of {s['members']})" if len(s["members"]) > 1
                                                         else "") for v, s in search.items()))
        return search, refit

    def _final_members(self, tuner, chosen, y_val):
        # the closed-form map stays final unless the search's model beats it significantly on validation
        return forecast_selection.gated_members(tuner, chosen, y_val, self.horizon, self._forecast_block.name)

    def _before_refit(self):
        if self._solutions:
            self.inputs[0].linear_solutions = self._solutions[1]

    def default_initial_hps(self, context):
        solutions = self._solutions[0] if self._solutions else {}
        ranked = sorted(solutions, key=lambda v: solutions[v]["val_mse"]) or None
        configs = forecast_warm_start(self._forecast_block, self.inputs[0].window, ranked)
        if self.inputs[0].covariates and self._forecast_block.calendar is None:
            # the closed-form map with the calendar correction learnt on top of it
            configs.insert(1, {**configs[0], f"{self._forecast_block.name}/calendar": True})
        if self.lookback is None:
            return configs
        unique = []  # a pinned look-back: the look-back variants are one configuration
        for hps in configs:
            hps = {k: v for k, v in hps.items() if not k.endswith("/lookback")}
            if hps not in unique:
                unique.append(hps)
        return unique

    def _baselines(self, series):
        """Validation MSE / MAE (standardised) of the last-value and seasonal-naive forecasts."""
        return baseline_scores(self._splits, series, self.horizon, seasonal_period(series))

    # -- using the model --------------------------------------------------------
    def export_model(self):
        """The refitted forecaster: raw history window ``(batch, window, channels)`` in, forecast out.

        The output ``forecast`` is ``(batch, horizon, targets)`` in the
        targets' units (the search model's standardised output rescaled).
        With calendar `covariates` the model has a second input, ``time``:
        ``(batch,)`` int64, the wall-clock seconds since 1970-01-01 of each
        window's last row (``dates.as_unit("s").asi8`` for naive pandas dates);
        the calendar features are computed inside the model from it.

        Returns:
            A `keras.Model`.

        Example:
            >>> model.export_model().predict(windows)  # doctest: +SKIP
        """
        import keras

        self._check_fitted("export_model")
        if self._export_model is None:
            node, head = self.inputs[0], self.heads[0]
            channels = len(node.column_names)
            inp = keras.Input(shape=(node.window, channels), name=node.name, dtype="float32")
            inputs, window = inp, inp
            if node.covariates:
                time = keras.Input(shape=(), name="time", dtype="int64")
                features = calendar_module.CalendarWindow(node.covariates, node.window, node.step_seconds)(time)
                window = keras.layers.Concatenate(axis=-1)([inp, features])
                inputs = [inp, time]
            out = keras.layers.Rescaling(scale=head.target_scale, offset=head.target_mean, dtype="float32",
                                         name="forecast")(self.model_(window))
            self._export_model = keras.Model(inputs, out, name="forecaster")
        return self._export_model

    def _history(self, x, arg_name="x"):
        node = self.inputs[0]
        if x is None:
            return self.series_
        series = series_module.read_series(x, arg_name, columns=node.column_names if _has_columns(x) else None)
        if series.values.shape[1] != len(node.column_names):
            raise ValueError(f"`{arg_name}` has {series.values.shape[1]} channel(s) but the model was fitted on "
                             f"{len(node.column_names)}: {node.column_names}.")
        return series

    def predict(self, x=None, batch_size=32, verbose=0):
        """Forecast the `horizon` rows after the end of a history.

        Args:
            x: the recent history (same columns as at fit, at least the
                model's window of rows); None: the series given to `fit`.
            batch_size: unused (one forecast), kept for the Keras signature.
            verbose: Keras verbosity.

        Returns:
            A DataFrame of the target columns, indexed by the future dates when
            the history has dates (by step 1..horizon otherwise), when the
            model was fitted on a DataFrame or CSV; a ``(horizon, targets)``
            array when fitted on an array.

        Example:
            >>> model.predict(frame.tail(500))  # doctest: +SKIP
        """
        self._check_fitted("predict")
        series = self._history(x)
        window = self.inputs[0].window
        series_module.check_length(len(series), window, self.horizon, "x")
        history = series.values[-window:][None]
        if self.inputs[0].covariates:
            covariates_module.calendar_cycles(self.covariates, series, "x")  # dates with a fixed step
            time = calendar_module.wall_seconds(series.dates[-1:])
            forecast = np.asarray(self.export_model()([history, time], training=False))[0]
        else:
            forecast = np.asarray(self.export_model()(history, training=False))[0]
        if not self._frame_input:
            return forecast
        import pandas as pd

        dates = series_module.future_dates(series, self.horizon)
        index = dates if dates is not None else pd.RangeIndex(1, self.horizon + 1, name="step")
        return pd.DataFrame(forecast, index=index, columns=self.heads[0].targets)

    def evaluate(self, x, batch_size=256, verbose=0):
        """Score every window of a series: MSE and MAE on the training rows' standardised scale.

        Every window whose history (the model's window) and `horizon` rows
        lie inside `x` is forecast, as in the long-horizon protocol; pass the
        test rows preceded by one window of history.

        Args:
            x: a series with the fitted columns.
            batch_size: windows per batch.
            verbose: unused.

        Returns:
            ``{"mse": ..., "mae": ..., "windows": ...}``.

        Example:
            >>> model.evaluate(frame.iloc[11520 - 720: 14400])  # doctest: +SKIP
        """
        self._check_fitted("evaluate")
        series = self._history(x)
        window = self.inputs[0].window
        if len(series) < window + self.horizon:
            raise ValueError(f"`x` has {len(series)} rows; evaluation needs at least one window of {window} rows "
                             f"and {self.horizon} more.")
        ends = series_module.window_ends(len(series), window, self.horizon)
        if self.inputs[0].covariates:
            covariates_module.calendar_cycles(self.covariates, series, "x")  # dates with a fixed step
        values = covariates_module.with_covariates(series, self.inputs[0].covariates).values
        stream = series_module.window_stream(values, self._splits.standardized_targets(series.values), ends, window,
                                             self.horizon)
        sq = ab = count = 0.0
        for xb, yb in stream.dataset.batch(batch_size):
            pred = np.asarray(self.model_(xb, training=False), dtype="float64")
            err = pred - yb.numpy()
            sq += float(np.sum(err ** 2))
            ab += float(np.sum(np.abs(err)))
            count += err.size
        return {"mse": sq / count, "mae": ab / count, "windows": len(ends)}

    def leaderboard(self):
        """The trials, then the baselines scored on the same validation windows (``trial_id`` ``baseline:...``).

        Returns:
            A `pandas.DataFrame`.
        """
        import pandas as pd

        board = super().leaderboard()
        rows = [{"trial_id": f"baseline:{name}", "status": "BASELINE", "score": r["mse"]}
                for name, r in (self.baselines_ or {}).items()]
        return pd.concat([board, pd.DataFrame(rows)], ignore_index=True) if rows else board


def _has_columns(x):
    import os

    import pandas as pd

    return isinstance(x, (pd.DataFrame, pd.Series, str, os.PathLike))
