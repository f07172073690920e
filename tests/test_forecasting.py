"""`TimeSeriesForecaster`: reading and checking series, the window pipeline, the searched blocks, fit / predict /
evaluate, and a SavedModel that forecasts the same values in a fresh process without autonas."""

import json

import numpy as np
import pandas as pd
import pytest

import autonas
from autonas.blocks.forecast import lookback_options
from autonas.data import series as series_module
from autonas.tasks.forecasting import default_window, seasonal_period
from forecast_helpers import serve_in_fresh_process

HORIZON = 12


def _frame(n=700, seed=0):
    """Two hourly channels: a daily cycle with noise (the target `a`) and a drifting cosine `b`."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({
        "date": pd.date_range("2021-03-01", periods=n, freq="h"),
        "a": 10 + 3 * np.sin(2 * np.pi * t / 24) + 0.3 * rng.normal(size=n),
        "b": 100 + 20 * np.cos(2 * np.pi * t / 24) + 0.05 * t + 2 * rng.normal(size=n),
    })


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    frame = _frame()
    model = autonas.TimeSeriesForecaster(horizon=HORIZON, targets="a", lookback=48, max_trials=2, seed=0,
                                         directory=tmp_path_factory.mktemp("runs"), ensemble_size=1)
    model.fit(frame.iloc[:600], epochs=4, verbose=0)
    return model, frame


# -- reading and checking -----------------------------------------------------------------------------------
def test_read_series_recognises_the_date_column_and_its_step():
    series = series_module.read_series(_frame(50))
    assert series.columns == ["a", "b"] and series.values.shape == (50, 2) and series.values.dtype == np.float32
    assert series.date_column == "date" and pd.Timedelta(series.freq) == pd.Timedelta("1h")
    assert seasonal_period(series) == 24
    assert list(series_module.future_dates(series, 2)) == [pd.Timestamp("2021-03-03 02:00"),
                                                           pd.Timestamp("2021-03-03 03:00")]


def test_read_series_from_a_csv_path_and_an_array(tmp_path):
    path = tmp_path / "s.csv"
    _frame(30).to_csv(path, index=False)
    assert series_module.read_series(str(path)).columns == ["a", "b"]
    arr = series_module.read_series(np.arange(12.0).reshape(6, 2))
    assert arr.columns == ["channel_0", "channel_1"] and arr.dates is None


@pytest.mark.parametrize("case, message", [
    ("unsorted", "not sorted"), ("gap", "not evenly spaced"), ("repeat", "repeat"), ("nan", "NaN"),
    ("text", "not numeric"), ("short", "too short"), ("target", "not channels"),
])
def test_bad_series_are_refused_before_training(case, message, tmp_path):
    frame = _frame(300)
    if case == "unsorted":
        frame = frame.iloc[[1, 0] + list(range(2, 300))]
    elif case == "gap":
        frame = frame.drop(index=[150])
    elif case == "repeat":
        frame.loc[5, "date"] = frame.loc[4, "date"]
    elif case == "nan":
        frame.loc[7, "a"] = np.nan
    elif case == "text":
        frame["c"] = "x"
    elif case == "short":
        frame = frame.iloc[:60]
    model = autonas.TimeSeriesForecaster(horizon=HORIZON, targets="zz" if case == "target" else "a", lookback=48,
                                         max_trials=1, directory=tmp_path)
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(frame, epochs=1, verbose=0)
    assert model.tuner_ is None  # nothing was searched


def test_forecaster_arguments_are_checked():
    with pytest.raises(ValueError, match="horizon"):
        autonas.TimeSeriesForecaster(horizon=0)
    with pytest.raises(ValueError, match="lookback"):
        autonas.TimeSeriesForecaster(horizon=3, lookback=-1)


# -- windows ------------------------------------------------------------------------------------------------
def test_windows_slide_by_one_row_and_validation_comes_last_in_order():
    values = np.stack([np.arange(100.0), 10 * np.arange(100.0)], axis=1).astype("float32")
    series = series_module.Series(values, ["x", "y"])
    splits = series_module.WindowSplits(series, window=8, horizon=4, target_index=[1], validation_split=0.2)
    assert splits.split_row == 80 and splits.num_train == 80 - 8 - 4 + 1 and splits.num_val == 100 - 4 - 80 + 1
    (train, _), (val, _) = splits.search_sets(None, None)
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in val.dataset])
    ends = [int(x[-1, 0]) + 1 for x in xs]
    assert ends == list(range(80, 97))  # in time order, never shuffled; look-back reaches into training rows
    assert xs[0][:, 0].tolist() == list(range(72, 80))
    raw = ys[0] * splits.target_scale + splits.target_mean
    np.testing.assert_allclose(raw[:, 0], 10 * np.arange(80, 84), rtol=1e-5)
    np.testing.assert_allclose(splits.encoded_validation_targets()[0], np.stack(ys), rtol=1e-6)
    train_ends = sorted(int(x[-1, 0]) + 1 for x, _ in train.dataset)
    assert train_ends == list(range(8, 77))  # every training window's targets stay in the training rows
    first = [int(x[-1, 0]) for x, _ in train.dataset.take(5)]
    assert first != sorted(first)  # training windows are shuffled
    refit, _, _ = splits.refit_set(None, None)
    assert len(refit) == 100 - 8 - 4 + 1


def test_default_window_leaves_half_the_training_rows_as_windows():
    assert default_window(8640, 96) == 720 and default_window(1000, 24) == 336
    assert default_window(100, 12) == 38
    assert lookback_options(400) == [96, 192, 336]


# -- the closed-form linear model ---------------------------------------------------------------------------
def _ridge_by_hand(z, ends, lookback, horizon, target, alpha):
    x = np.stack([z[t - lookback: t, target] - z[t - 1, target] for t in ends])
    y = np.stack([z[t: t + horizon, target] - z[t - 1, target] for t in ends])
    x1 = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    penalty = alpha * np.eye(lookback + 1)
    penalty[-1, -1] = 0
    return np.linalg.solve(x1.T @ x1 + penalty, x1.T @ y)


def test_ridge_solutions_match_a_direct_ridge_regression_for_every_lookback():
    from autonas.data import linear_fit

    z = np.random.default_rng(0).normal(size=(300, 2)).cumsum(axis=0)
    train, val = range(40, 200), range(212, 296)
    solutions = linear_fit.ridge_solutions(z, train, val, 40, 4, [1], [8, 40], refit=True, blend=False)
    for lookback in (8, 40):
        sol = solutions[lookback]
        w = _ridge_by_hand(z, range(lookback, train.stop), lookback, 4, 1, sol["alpha"])  # every window it fits
        np.testing.assert_allclose(sol["kernel"], w[:-1], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(sol["bias"], w[-1], rtol=1e-4, atol=1e-5)
        pred = np.stack([(z[t - lookback: t, 1] - z[t - 1, 1]) @ w[:-1] + w[-1] + z[t - 1, 1] for t in val])
        truth = np.stack([z[t: t + 4, 1] for t in val])
        assert sol["val_mse"] == pytest.approx(float(np.mean((pred - truth) ** 2)), rel=1e-6)
        train_moments = linear_fit.moments(z, range(lookback, train.stop), lookback, 4, [1])
        others = [linear_fit._mse(_ridge_by_hand(z, range(lookback, train.stop), lookback, 4, 1, a),
                                  linear_fit.moments(z, val, lookback, 4, [1]))
                  for a in linear_fit.penalties(train_moments[0])]
        assert sol["val_mse"] == pytest.approx(min(others))  # the penalty that validated best
        every = _ridge_by_hand(z, range(lookback, val.stop), lookback, 4, 1, sol["alpha"])
        np.testing.assert_allclose(sol["refit_kernel"], every[:-1], rtol=1e-4, atol=1e-5)


def test_a_frozen_closed_form_block_forecasts_what_the_ridge_regression_does():
    import keras_tuner

    from autonas.data import linear_fit

    raw = np.random.default_rng(1).normal(size=(200, 2)).cumsum(axis=0) * 3 + 50
    inp = autonas.TimeSeriesInput(window=24)
    inp.infer_shape(raw[:150])
    z = (raw - np.asarray(inp.mean)) / np.asarray(inp.std)
    inp.linear_solutions = linear_fit.ridge_solutions(z, range(24, 140), range(150, 195), 24, 6, [0, 1], [12, 24])
    head = autonas.ForecastHead(horizon=6)
    out = head(autonas.ForecastBlock(family="linear", closed_form="frozen", normalization="last",
                                     channel_independent=True, lookback=12)(inp))
    head.target_index = [0, 1]
    model = autonas.Graph(inp, out).build(keras_tuner.HyperParameters())
    assert not model.trainable_weights  # frozen: the ridge regression itself
    sol = inp.linear_solutions[12]
    t = 180
    pred = np.asarray(model(raw[None, t - 24: t].astype("float32")))[0]
    for c in (0, 1):
        expected = (z[t - 12: t, c] - z[t - 1, c]) @ sol["kernel"] + sol["bias"] + z[t - 1, c]
        np.testing.assert_allclose(pred[:, c], expected, rtol=1e-4, atol=1e-4)


# -- blocks -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("family, independent", [
    ("linear", True), ("linear", False), ("mlp", False), ("conv", True), ("rnn", True), ("transformer", True)])
def test_every_family_forecasts_the_targets_shape(family, independent):
    import keras_tuner

    inp = autonas.TimeSeriesInput(window=32)
    inp.infer_shape(np.random.default_rng(0).normal(size=(100, 3)))
    head = autonas.ForecastHead(horizon=5)
    out = head(autonas.ForecastBlock(family=family, channel_independent=independent, lookbacks=[16, 32])(inp))
    head.target_index = [2, 0]
    graph = autonas.Graph(inp, out)
    model = graph.build(keras_tuner.HyperParameters())
    pred = model(np.random.default_rng(1).normal(size=(4, 32, 3)).astype("float32"))
    assert tuple(pred.shape) == (4, 5, 2)


def test_window_normalization_layers_undo_each_other():
    from autonas.layers.forecasting import WindowDenormalization, WindowNormalization

    x = np.random.default_rng(0).normal(3.0, 2.0, size=(2, 10, 3)).astype("float32")
    for mode in ("last", "revin", "none"):
        normed = np.asarray(WindowNormalization(mode)(x))
        back = np.asarray(WindowDenormalization(mode, [0, 1, 2])([normed, x]))
        np.testing.assert_allclose(back, x, atol=1e-4)
    last = np.asarray(WindowNormalization("last")(x))
    assert np.allclose(last[:, -1], 0.0)


# -- the fitted forecaster ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_predict_returns_the_next_horizon_by_future_date(fitted):
    model, frame = fitted
    forecast = model.predict()
    assert list(forecast.columns) == ["a"] and len(forecast) == HORIZON
    assert forecast.index[0] == frame["date"].iloc[600] and forecast.index[-1] == frame["date"].iloc[611]
    history = frame.iloc[:650]
    later = model.predict(history)
    assert later.index[0] == frame["date"].iloc[650]
    truth = frame["a"].iloc[650:662].to_numpy()
    assert np.mean((later["a"].to_numpy() - truth) ** 2) < np.var(frame["a"]) * 0.5


@pytest.mark.slow
def test_forecasts_beat_the_mean_and_last_value_on_held_out_rows(fitted):
    model, frame = fitted
    window = model.inputs[0].window
    scores = model.evaluate(frame.iloc[600 - window:])
    assert scores["windows"] == 100 - HORIZON + 1
    splits = model._splits
    test = splits.standardized_targets(series_module.read_series(frame).values)[600:]
    mean_mse = float(np.mean(test ** 2))  # forecasting the training mean
    assert scores["mse"] < 0.5 * mean_mse
    board = model.leaderboard()
    baselines = board[board["status"] == "BASELINE"].set_index("trial_id")["score"]
    assert set(baselines.index) == {"baseline:last_value", "baseline:seasonal_naive"}
    assert board["score"].iloc[0] < baselines["baseline:last_value"]


@pytest.mark.slow
def test_the_searched_space_starts_with_nlinear(fitted):
    model, _ = fitted
    values = model.tuner_.oracle.trials[min(model.tuner_.oracle.trials)].hyperparameters.values
    assert values["forecast_block/family"] == "linear" and values["forecast_block/normalization"] == "last"


@pytest.mark.slow
def test_array_in_array_out(tmp_path):
    values = _frame(400)[["a", "b"]].to_numpy()
    model = autonas.TimeSeriesForecaster(horizon=4, lookback=24, max_trials=1, seed=0, directory=tmp_path,
                                         ensemble_size=1)
    model.fit(values, epochs=1, verbose=0)
    out = model.predict(values[-30:])
    assert isinstance(out, np.ndarray) and out.shape == (4, 2)
    with pytest.raises(ValueError, match="24 rows"):
        model.predict(values[-10:])


@pytest.mark.slow
def test_saved_model_reloads_without_autonas_and_forecasts_the_same(fitted, tmp_path):
    model, frame = fitted
    path = model.export(tmp_path / "forecaster" / "1")
    window = model.inputs[0].window
    x = np.stack([frame[["a", "b"]].to_numpy()[end - window: end] for end in (600, 650)]).astype("float32")
    served = serve_in_fresh_process(path, tmp_path, time_series_input=x)
    assert not served["autonas"] and served["inputs"] == ["time_series_input"]
    in_process = model.predict(frame.iloc[:650])["a"].to_numpy()
    np.testing.assert_allclose(np.asarray(served["forecast"])[1, :, 0], in_process, rtol=1e-4, atol=1e-4)
    meta = json.loads((tmp_path / "forecaster" / "1" / "assets" / "autonas.json").read_text())
    assert meta["outputs"][0]["type"] == "forecast"


# -- the command line ---------------------------------------------------------------------------------------
def test_cli_forecast_needs_a_horizon(tmp_path, capsys):
    from autonas import cli

    path = tmp_path / "series.csv"
    _frame(200).to_csv(path, index=False)
    assert cli.main(["fit", str(path), "--task", "forecast", "--target", "a", "--directory", str(tmp_path)]) == 2
    assert "--horizon" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_fits_a_forecaster_and_exports_it(tmp_path, capsys):
    from autonas import cli

    path = tmp_path / "series.csv"
    _frame(400).to_csv(path, index=False)
    code = cli.main(["fit", str(path), "--task", "forecast", "--target", "a", "--horizon", "6", "--lookback", "24",
                     "--max-trials", "1", "--epochs", "1", "--verbose", "0", "--directory", str(tmp_path / "runs"),
                     "--export", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Forecast of the next 6 rows" in out and "2021-03-17 16:00:00" in out  # the row after the last date
    assert (tmp_path / "out" / "saved_model.pb").exists()


def test_a_given_map_keeps_its_solution_when_a_checkpoint_is_loaded_and_trains_nothing(tmp_path):
    import keras

    from autonas.layers import GivenMap
    from autonas.trials.checkpoints import load_checkpoint, save_checkpoint

    def build(kernel, bias):
        inp = keras.Input((4,))
        given = GivenMap(2)
        out = keras.layers.Add()([given(inp), keras.layers.Dense(2)(inp)])
        given.give(kernel, bias)
        return keras.Model(inp, out)

    rng = np.random.default_rng(0)
    old, new = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    searched = build(old, np.zeros(2))
    assert len(searched.trainable_weights) == 2  # the Dense only
    learnt = [w * 0 + 3.0 for w in searched.get_weights()]
    searched.set_weights(learnt)
    save_checkpoint(searched.get_weights(), str(tmp_path / "c.npz"))
    final = build(new, np.ones(2))  # built after newer solutions were set
    load_checkpoint(final, str(tmp_path / "c.npz"))
    given = next(layer for layer in final.layers if isinstance(layer, GivenMap))
    np.testing.assert_allclose(given.get_weights()[0], new, rtol=1e-6)
    np.testing.assert_allclose(given.get_weights()[1], np.ones(2))
    dense = next(layer for layer in final.layers if type(layer) is keras.layers.Dense)
    np.testing.assert_allclose(dense.get_weights()[0], 3.0)  # learnt weights come from the checkpoint
