"""Calendar covariates of `TimeSeriesForecaster` (known in the future, searched by `ForecastBlock`), and the
averaged closed-form maps of `autonas.data.linear_fit`."""

import os

import numpy as np
import pandas as pd
import pytest

import autonas
from autonas.data import covariates, linear_fit
from autonas.data import series as series_module
from autonas.layers import calendar
from forecast_helpers import serve_in_fresh_process

HORIZON = 7


def _weekly(n=420, seed=0):
    """A daily series whose level jumps by 3 at weekends: a short look-back cannot tell the day of week."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-03-01", periods=n, freq="D")  # a Monday
    weekend = (dates.day_of_week >= 5).astype("float64")
    return pd.DataFrame({"date": dates, "a": 3 * weekend + 0.2 * rng.normal(size=n)})


# -- the features -------------------------------------------------------------------------------------------
def test_calendar_features_start_their_cycles_at_midnight_monday_and_new_year():
    t = calendar.wall_seconds(pd.DatetimeIndex(["2021-03-01 00:00", "2021-03-01 06:00", "2021-03-04 00:00"]))
    hour = calendar.calendar_features(t, ["hour_of_day"])
    np.testing.assert_allclose(hour[0, :2], [0.0, 1.0], atol=1e-6)       # sin, cos of the first harmonic
    np.testing.assert_allclose(hour[1, :2], [1.0, 0.0], atol=1e-6)       # a quarter of the day
    week = calendar.calendar_features(t, ["day_of_week"])
    np.testing.assert_allclose(week[0, :2], [0.0, 1.0], atol=1e-6)       # Monday 00:00
    np.testing.assert_allclose(week[2, :2], [np.sin(2 * np.pi * 3 / 7), np.cos(2 * np.pi * 3 / 7)], atol=1e-6)
    assert calendar.cycles_for_step(3600) == ["hour_of_day", "day_of_week", "day_of_year"]
    assert calendar.cycles_for_step(86400) == ["day_of_week", "day_of_year"]


def test_the_layer_computes_the_features_of_the_window_from_its_last_time():
    dates = pd.date_range("2020-12-30 17:00", periods=30, freq="h", tz="Europe/Paris")
    cycles = ["hour_of_day", "day_of_week", "day_of_year"]
    expected = calendar.calendar_features(calendar.wall_seconds(dates), cycles)
    layer = calendar.CalendarWindow(cycles, 30, 3600)
    got = np.asarray(layer(calendar.wall_seconds(dates[-1:])))
    assert got.shape == (1, 30, calendar.feature_count(cycles))
    np.testing.assert_allclose(got[0], expected, atol=1e-4)


# -- bad inputs ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, error, message", [
    (5, TypeError, "`covariates` must be None, 'calendar'"),
    ([], TypeError, "non-empty list"),
    (["month"], ValueError, r"unknown calendar feature\(s\) \['month'\]"),
    ("weekday", ValueError, "unknown calendar feature"),
])
def test_covariates_argument_is_checked(value, error, message):
    with pytest.raises(error, match=message):
        autonas.TimeSeriesForecaster(horizon=3, covariates=value)


def test_calendar_covariates_need_dates_with_a_fixed_step_before_training(tmp_path):
    model = autonas.TimeSeriesForecaster(horizon=3, lookback=4, covariates="calendar", max_trials=1,
                                         directory=tmp_path)
    with pytest.raises(ValueError, match="needs the dates of `x`"):
        model.fit(np.arange(200.0), verbose=0)
    monthly = pd.DataFrame({"date": pd.date_range("2000-01-31", periods=200, freq="ME"), "a": np.arange(200.0)})
    with pytest.raises(ValueError, match="fixed step"):
        model.fit(monthly, verbose=0)
    daily = autonas.TimeSeriesForecaster(horizon=3, lookback=4, covariates=["hour_of_day"], max_trials=1,
                                         directory=tmp_path)
    with pytest.raises(ValueError, match=r"\['hour_of_day'\] do not vary"):
        daily.fit(_weekly(200), verbose=0)
    assert not os.listdir(tmp_path)  # refused before any trial


def test_windows_carry_the_calendar_columns_after_the_channels():
    series = series_module.read_series(_weekly(60))
    cycles, step = covariates.calendar_cycles("calendar", series)
    assert (cycles, step) == (["day_of_week", "day_of_year"], 86400)
    wide = covariates.with_covariates(series, cycles)
    assert wide.values.shape == (60, 1 + calendar.feature_count(cycles))
    np.testing.assert_array_equal(wide.values[:, 0], series.values[:, 0])
    assert wide.columns == ["a"]


# -- the search uses them -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def weekly_fit(tmp_path_factory):
    frame = _weekly()
    model = autonas.TimeSeriesForecaster(horizon=HORIZON, lookback=3, covariates="calendar", max_trials=2, seed=0,
                                         directory=tmp_path_factory.mktemp("runs"), ensemble_size=1)
    model.fit(frame.iloc[:350], epochs=60, batch_size=32, verbose=0)
    return model, frame


@pytest.mark.slow
def test_the_calendar_correction_is_searched_and_beats_the_map_without_it(weekly_fit):
    model, frame = weekly_fit
    board = model.leaderboard().set_index("trial_id")
    assert board.loc["0", "forecast_block/calendar"] == False  # noqa: E712 (a pandas cell)
    assert board.loc["1", "forecast_block/calendar"] == True  # noqa: E712
    assert board.loc["1", "score"] < 0.5 * board.loc["0", "score"]
    held_out = model.evaluate(frame.iloc[350 - 3:])
    without = board.loc["0", "score"]
    assert held_out["mse"] < 0.5 * without
    forecast = model.predict(frame.iloc[:357])  # the next week, Monday to Sunday: the weekend is higher
    assert forecast.index[0].day_of_week == 0
    assert forecast["a"].iloc[5:].min() > forecast["a"].iloc[:5].max() + 1.5


@pytest.mark.slow
def test_the_exported_model_takes_raw_values_and_the_last_rows_time(weekly_fit, tmp_path):
    model, frame = weekly_fit
    path = model.export(tmp_path / "forecaster" / "1")
    x = frame["a"].to_numpy("float32")[357 - 3: 357].reshape(1, 3, 1)
    time = calendar.wall_seconds(pd.DatetimeIndex(frame["date"].iloc[356:357]))
    served = serve_in_fresh_process(path, tmp_path, time_series_input=x, time=time)
    assert not served["autonas"] and served["inputs"] == ["time", "time_series_input"]
    np.testing.assert_allclose(np.asarray(served["forecast"])[0, :, 0], model.predict(frame.iloc[:357])["a"],
                               rtol=1e-4, atol=1e-4)


# -- averaged closed-form maps ------------------------------------------------------------------------------
def test_a_blend_is_the_average_of_the_best_maps_padded_to_the_longest():
    z = np.random.default_rng(3).normal(size=(400, 2)).cumsum(axis=0) * 0.1
    z += np.sin(np.arange(400) * 2 * np.pi / 12)[:, None]
    train, val = range(48, 280), range(300, 395)
    singles = linear_fit.ridge_solutions(z, train, val, 48, 4, [0, 1], [6, 12, 24, 48], blend=False)
    blended = linear_fit.ridge_solutions(z, train, val, 48, 4, [0, 1], [6, 12, 24, 48])
    assert any(len(s["members"]) > 1 for s in blended.values())
    for lookback, sol in blended.items():
        assert sol["kernel"].shape == (lookback, 4)
        assert sol["val_mse"] <= singles[lookback]["val_mse"]  # never worse than the look-back's own map
        if len(sol["members"]) > 1:
            members = sol["members"]
            assert max(members) == lookback
            ranked = sorted(singles, key=lambda v: singles[v]["val_mse"])
            assert sorted(members) == sorted(ranked[: len(members)])  # the best maps by validation
            t = 350
            own = np.mean([(z[t - m: t, 1] - z[t - 1, 1]) @ singles[m]["kernel"] + singles[m]["bias"]
                           for m in members], axis=0)
            got = (z[t - lookback: t, 1] - z[t - 1, 1]) @ sol["kernel"] + sol["bias"]
            np.testing.assert_allclose(got, own, rtol=1e-4, atol=1e-5)
            moments = linear_fit.moments(z, val, lookback, 4, [0, 1])
            w = np.concatenate([sol["kernel"], sol["bias"][None]]).astype("float64")
            assert sol["val_mse"] == pytest.approx(linear_fit._mse(w, moments), rel=1e-4)


def test_the_penalty_grid_follows_the_scale_of_the_windows():
    xtx = np.diag([4.0, 4.0, 1.0])
    assert linear_fit.penalties(xtx) == pytest.approx([4.0 * f for f in linear_fit.PENALTY_FACTORS])
    assert linear_fit.penalties(100 * xtx)[-1] == pytest.approx(100 * linear_fit.penalties(xtx)[-1])


# -- the search over families -------------------------------------------------------------------------------
def test_every_family_names_its_hyperparameters_apart():
    import keras_tuner

    from autonas.blocks.forecast import FAMILIES

    names = {}
    for family in FAMILIES:
        inp = autonas.TimeSeriesInput(window=32)
        inp.infer_shape(np.random.default_rng(0).normal(size=(100, 2)))
        block = autonas.ForecastBlock(family=family, lookback=32, normalization="last", channel_independent=True,
                                      decomposition=False, closed_form="none")
        head = autonas.ForecastHead(horizon=4)
        out = head(block(inp))
        head.target_index = [0, 1]
        hp = keras_tuner.HyperParameters()
        autonas.Graph(inp, out).build(hp)
        names[family] = {n.rsplit("/", 1)[-1] for n in hp.values if n.startswith(block.name + "/")}
    for a in FAMILIES:
        for b in FAMILIES:
            if a < b:  # a promoted trial keeps its family's values only if no other family shares their names
                assert not names[a] & names[b], (a, b, names[a] & names[b])


@pytest.mark.slow
def test_a_frozen_closed_form_trial_trains_one_epoch(tmp_path):
    model = autonas.TimeSeriesForecaster(horizon=HORIZON, lookback=14, max_trials=1, seed=0, directory=tmp_path,
                                         ensemble_size=1)
    model.fit(_weekly(300), verbose=0)  # epochs left to early stopping
    board = model.leaderboard()
    trial = board[board["trial_id"] == "0"].iloc[0]
    assert trial["forecast_block/closed_form"] == "frozen" and trial["epochs"] == 1


@pytest.mark.slow
def test_a_frozen_map_from_a_search_checkpoint_gets_the_refitted_solution(tmp_path):
    model = autonas.TimeSeriesForecaster(horizon=HORIZON, lookback=14, max_trials=1, seed=0, directory=tmp_path,
                                         ensemble_size=1)
    model.fit(_weekly(300), epochs=1, verbose=0)
    # as when no time is left to refit: the fallback builds the trial after the refit solutions were set and
    # loads its search checkpoint (which holds the training windows' solution)
    model.model_ = model.tuner_.load_trial_model(model.best_trial_)
    search, refit = model._solutions
    kernels = [w for w in model.model_.non_trainable_weights if tuple(w.shape) == (14, HORIZON)]
    assert len(kernels) == 1
    np.testing.assert_allclose(np.asarray(kernels[0]), refit[14]["kernel"], atol=1e-6)
    assert not np.allclose(refit[14]["kernel"], search[14]["kernel"])
