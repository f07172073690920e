"""Helpers of `TimeSeriesForecaster`: the default window, the seasonal period, the search's first
configurations and the baselines on the validation windows."""

import numpy as np

from autonas.blocks.forecast import LOOKBACKS, lookback_options

__all__ = ["seasonal_period", "default_window", "forecast_warm_start", "baseline_scores"]

#: the longest default look-back leaves at least this share of the training rows as window ends.
MIN_WINDOW_SHARE = 0.5
#: seasonal periods of common sampling steps (pandas frequency names, seconds) for the seasonal naive baseline.
SEASONAL_PERIODS = {3600: 24, 1800: 48, 900: 96, 600: 144, 300: 288, 60: 1440, 86400: 7}


def seasonal_period(series):
    """The seasonal period (in rows) of a series from its date step: a day for sub-daily data, a week for daily.

    Args:
        series: a `autonas.data.series.Series`.

    Returns:
        An int, or None when the step is unknown or has no usual season.

    Example:
        >>> seasonal_period(series)  # doctest: +SKIP
        24
    """
    import pandas as pd

    if series.freq is None:
        return None
    try:
        seconds = pd.Timedelta(series.freq).total_seconds()
    except ValueError:  # a calendar frequency (months, years)
        name = str(series.freq.name) if hasattr(series.freq, "name") else str(series.freq)
        return 12 if name.startswith(("M", "ME", "MS")) else (4 if name.startswith("Q") else None)
    return SEASONAL_PERIODS.get(int(seconds)) or (52 if int(seconds) == 7 * 86400 else None)


def default_window(train_rows, horizon):
    """The history window (longest searched look-back) for a series: the longest that leaves enough windows.

    Args:
        train_rows: rows of the training part.
        horizon: rows forecast.

    Returns:
        An int.

    Example:
        >>> default_window(8640, 96)
        720
    """
    room = int(train_rows * MIN_WINDOW_SHARE) - horizon
    options = lookback_options(room)
    if options[-1] > room:  # even 96 does not fit: as long as half the training rows allow
        return max(1, room)
    return options[-1]


def forecast_warm_start(block, window, ranked=None):
    """The first configurations of a forecasting search: closed-form NLinear, then models that improve on it.

    A channel-independent linear map of the window, its last value
    subtracted (NLinear), fitted in closed form (`autonas.data.linear_fit`),
    is a strong long-horizon forecaster on its own. The search starts with it
    at the look-back that validated best, then an MLP and a patch Transformer
    learning what it leaves (its map frozen), the closed-form map at the next
    look-backs, the map fine-tuned, and a DLinear decomposition trained from
    scratch.

    Args:
        block: the task's `ForecastBlock` (named).
        window: the model's history window.
        ranked: look-backs, best first (by the closed-form map's validation
            error); the longest first when None.

    Returns:
        A list of partial hyperparameter value dicts.

    Example:
        >>> forecast_warm_start(block, 720, [512, 336, 720])[0]  # doctest: +SKIP
        {'forecast_block/family': 'linear', ..., 'forecast_block/lookback': 512}
    """
    b = block.name
    looks = list(ranked) if ranked else sorted(lookback_options(window, block.lookbacks or LOOKBACKS), reverse=True)
    best = looks[0]
    base = {f"{b}/family": "linear", f"{b}/normalization": "last", f"{b}/channel_independent": True,
            f"{b}/decomposition": False, f"{b}/closed_form": "frozen", f"{b}/lookback": best}
    configs = [base, {**base, f"{b}/family": "mlp"}, {**base, f"{b}/family": "transformer"}]
    configs += [{**base, f"{b}/lookback": v} for v in looks[1:3]]
    configs.append({**base, f"{b}/closed_form": "tuned"})
    configs.append({**base, f"{b}/decomposition": True, f"{b}/closed_form": "none"})
    return configs


def baseline_scores(splits, series, horizon, period):
    """Validation MSE / MAE (standardised) of the last-value and seasonal-naive forecasts.

    Args:
        splits: the fit's `autonas.data.series.WindowSplits`.
        series: the `Series` fitted.
        horizon: rows forecast.
        period: the seasonal period in rows (None: no seasonal baseline).

    Returns:
        ``{name: {"mse", "mae", "season"}}``.
    """
    targets = splits.standardized_targets(series.values)
    results = {}
    for name, season in (("last_value", 1), ("seasonal_naive", period)):
        if season is None or season > splits.window:
            continue
        sq = ab = count = 0.0
        for t in splits.val_ends:
            truth = targets[t: t + horizon]
            reps = -(-horizon // season)
            guess = np.tile(targets[t - season: t], (reps, 1))[:horizon]
            sq += float(np.sum((truth - guess) ** 2))
            ab += float(np.sum(np.abs(truth - guess)))
            count += truth.size
        results[name] = {"mse": sq / max(count, 1), "mae": ab / max(count, 1), "season": season}
    return results
