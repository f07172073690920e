"""Long-horizon forecasting on ETTh1: `TimeSeriesForecaster` beside last value, seasonal naive and ridge.

The protocol of the long-horizon literature (Informer, Autoformer, DLinear,
PatchTST; ../shared/data/README.md): train = the first 8,640 rows, validation
= the next 2,880, test = the next 2,880; every column standardised with the
training rows' statistics; windows slide by one row; a test window's look-back
may reach into the validation rows; MSE and MAE averaged over every test
window and channel on the standardised scale. Multivariate = the 7 columns in
and out; univariate = `OT` only.

The forecaster is fitted on the first 11,520 rows with ``validation_split =
0.25`` (its validation is exactly the protocol's validation rows, its
standardisation the training rows'); the search selects on validation, then
the final model is refitted on training and validation windows. Baselines of
the same run, on the same test windows:

- last value: every future row is the last observed row;
- seasonal naive: the last 24 hours repeated;
- ridge (NLinear-style): one ridge regression of the next `horizon` rows on
  the last 336 rows, the last value subtracted, shared by every channel
  (channel-independent); its penalty chosen on the validation windows (fitted
  on the training windows), then refitted on training + validation windows like
  the forecaster (the figure fitted on training windows only is printed too).

    nice taskset -c 1 python benchmarks/forecast.py --horizons 96 336 --seeds 0 1 2 --max-time 15m --json out.json
"""

import argparse
import json
import os
import time

import numpy as np

from common import SHARED

TRAIN, VAL, TEST = 8640, 2880, 2880
RIDGE_LOOKBACK = 336
PENALTIES = (1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)


def load(univariate=False):
    import pandas as pd

    frame = pd.read_csv(SHARED / "ett" / "ETTh1.csv")
    frame = frame.iloc[: TRAIN + VAL + TEST]
    if univariate:
        frame = frame[["date", "OT"]]
    return frame


def standardised(frame):
    values = frame.drop(columns=["date"]).to_numpy("float64")
    mean, std = values[:TRAIN].mean(axis=0), values[:TRAIN].std(axis=0)
    return (values - mean) / std


def window_ends(start, stop, lookback, horizon):
    """Window end indices t whose targets [t, t + horizon) lie in rows [start, stop)."""
    return np.arange(max(start, lookback), stop - horizon + 1)


def score(predict, z, ends, horizon):
    sq = ab = count = 0.0
    for chunk in np.array_split(ends, max(1, len(ends) // 256)):
        truth = np.stack([z[t: t + horizon] for t in chunk])
        err = predict(chunk) - truth
        sq += float(np.sum(err ** 2))
        ab += float(np.sum(np.abs(err)))
        count += err.size
    return {"mse": sq / count, "mae": ab / count}


def naive_scores(z, horizon):
    ends = window_ends(TRAIN + VAL, TRAIN + VAL + TEST, 0, horizon)
    last = score(lambda c: np.stack([np.repeat(z[t - 1: t], horizon, axis=0) for t in c]), z, ends, horizon)
    reps = -(-horizon // 24)
    seasonal = score(lambda c: np.stack([np.tile(z[t - 24: t], (reps, 1))[:horizon] for t in c]), z, ends, horizon)
    return {"last_value": last, "seasonal_naive": seasonal}


def _ridge_system(z, ends, horizon):
    """X'X and X'Y of the channel-independent, last-value-subtracted windows (accumulated in chunks)."""
    xtx = np.zeros((RIDGE_LOOKBACK + 1, RIDGE_LOOKBACK + 1))
    xty = np.zeros((RIDGE_LOOKBACK + 1, horizon))
    for chunk in np.array_split(ends, max(1, len(ends) // 256)):
        x, y = _ridge_rows(z, chunk, horizon)
        xtx += x.T @ x
        xty += x.T @ y
    return xtx, xty


def _ridge_rows(z, chunk, horizon):
    hist = np.stack([z[t - RIDGE_LOOKBACK: t] for t in chunk])  # (n, L, C)
    last = hist[:, -1:, :]
    x = np.transpose(hist - last, (0, 2, 1)).reshape(-1, RIDGE_LOOKBACK)
    x = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    if horizon is None:
        return x, last
    fut = np.stack([z[t: t + horizon] for t in chunk])
    y = np.transpose(fut - last, (0, 2, 1)).reshape(-1, fut.shape[1])
    return x, y


def _ridge_predict(weights, z, horizon):
    def predict(chunk):
        x, last = _ridge_rows(z, chunk, None)
        pred = (x @ weights).reshape(len(chunk), z.shape[1], horizon)
        return np.transpose(pred, (0, 2, 1)) + last
    return predict


def ridge_scores(z, horizon):
    train = window_ends(0, TRAIN, RIDGE_LOOKBACK, horizon)
    val = window_ends(TRAIN, TRAIN + VAL, RIDGE_LOOKBACK, horizon)
    test = window_ends(TRAIN + VAL, TRAIN + VAL + TEST, RIDGE_LOOKBACK, horizon)
    xtx, xty = _ridge_system(z, train, horizon)
    eye = np.eye(len(xtx))
    eye[-1, -1] = 0.0  # no penalty on the intercept
    best = None
    for alpha in PENALTIES:
        w = np.linalg.solve(xtx + alpha * eye, xty)
        v = score(_ridge_predict(w, z, horizon), z, val, horizon)["mse"]
        if best is None or v < best[0]:
            best = (v, alpha, w)
    val_mse, alpha, w = best
    train_only = score(_ridge_predict(w, z, horizon), z, test, horizon)
    vtx, vty = _ridge_system(z, val, horizon)
    w_all = np.linalg.solve(xtx + vtx + alpha * eye, xty + vty)
    refit = score(_ridge_predict(w_all, z, horizon), z, test, horizon)
    return {"ridge": dict(refit, alpha=alpha, val_mse=val_mse),
            "ridge_train_only": dict(train_only, alpha=alpha, val_mse=val_mse)}


def closed_form_scores(z, horizon, window=720):
    """The forecaster's closed-form maps alone (`autonas.data.linear_fit`, as its fit computes them): per look-back
    (or average of look-backs), validation MSE (fitted on training windows) and test MSE (refitted on training +
    validation windows); the forecaster starts its search from the best on validation."""
    from autonas.data import linear_fit

    channels = list(range(z.shape[1]))
    train = range(window, TRAIN - horizon + 1)
    val = range(TRAIN, TRAIN + VAL - horizon + 1)
    solutions = linear_fit.ridge_solutions(z[: TRAIN + VAL], train, val, window, horizon, channels,
                                           [96, 192, 336, 512, 720], refit=True)
    test = window_ends(TRAIN + VAL, TRAIN + VAL + TEST, window, horizon)
    out = {}
    for lookback, sol in sorted(solutions.items(), key=lambda kv: kv[1]["val_mse"]):
        def predict(chunk, lookback=lookback, sol=sol):
            hist = np.stack([z[t - lookback: t] for t in chunk])
            last = hist[:, -1:, :]
            x = np.transpose(hist - last, (0, 2, 1))
            return np.transpose(x @ sol["refit_kernel"] + sol["refit_bias"], (0, 2, 1)) + last
        out[lookback] = dict(score(predict, z, test, horizon), val_mse=sol["val_mse"], members=sol["members"])
    return out


def run_forecaster(frame, horizon, seed, max_time, max_trials, directory, tuner, covariates=None):
    import autonas

    targets = [c for c in frame.columns if c != "date"]
    model = autonas.TimeSeriesForecaster(horizon=horizon, targets=targets, max_trials=max_trials, max_time=max_time,
                                         seed=seed, tuner=tuner, directory=directory, covariates=covariates,
                                         project_name=f"etth1_{len(targets)}_{horizon}_{seed}_{covariates}",
                                         overwrite=True)
    start, cpu = time.time(), time.process_time()
    model.fit(frame.iloc[: TRAIN + VAL], validation_split=VAL / (TRAIN + VAL), verbose=0)
    seconds, cpu = time.time() - start, time.process_time() - cpu
    window = model.inputs[0].window
    test = model.evaluate(frame.iloc[TRAIN + VAL - window: TRAIN + VAL + TEST])
    board = model.leaderboard()
    keep = [c for c in ("trial_id", "status", "score", "final_weight", "duration") if c in board.columns]
    hp_cols = [c for c in board.columns if c.startswith("forecast_block/")]
    best_val = model.best_trial_.score
    return {"mse": test["mse"], "mae": test["mae"], "windows": test["windows"], "fit_seconds": seconds,
            "best_val_mse": best_val, "ensemble_val": model.ensemble_.get("validation"),
            "window": window, "final": model.ensemble_.get("reason"), "fit_cpu_seconds": cpu,
            "load_average": os.getloadavg()[1],
            "members": [{k: m.get(k) for k in ("trial_id", "weight", "source")} for m in model.ensemble_["members"]],
            "leaderboard": json.loads(board[keep + hp_cols].to_json(orient="records"))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--horizons", type=int, nargs="+", default=[96, 336])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", default=["multivariate", "univariate"])
    parser.add_argument("--max-time", default="15m")
    parser.add_argument("--max-trials", type=int, default=40)
    parser.add_argument("--tuner", default="auto")
    parser.add_argument("--baselines-only", action="store_true")
    parser.add_argument("--closed-form", action="store_true",
                        help="also score the closed-form maps alone (validation and test MSE per look-back)")
    parser.add_argument("--covariates", default=None, choices=["calendar"],
                        help="calendar covariates from the dates (`TimeSeriesForecaster(covariates=...)`)")
    parser.add_argument("--directory", default="forecast_runs")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    records = []
    for variant in args.variants:
        frame = load(univariate=variant == "univariate")
        z = standardised(frame)
        for horizon in args.horizons:
            baselines = {**naive_scores(z, horizon), **ridge_scores(z, horizon)}
            line = ", ".join(f"{k} {v['mse']:.4f}/{v['mae']:.4f}" for k, v in baselines.items())
            print(f"ETTh1 {variant} h{horizon} baselines (test MSE/MAE): {line}", flush=True)
            record = {"variant": variant, "horizon": horizon, "baselines": baselines, "runs": []}
            records.append(record)
            if args.closed_form:
                record["closed_form"] = closed_form_scores(z, horizon)
                for lookback, r in record["closed_form"].items():
                    print(f"ETTh1 {variant} h{horizon} closed-form look-back {lookback} (average of {r['members']}): "
                          f"validation MSE {r['val_mse']:.4f}, test MSE {r['mse']:.4f} / MAE {r['mae']:.4f}",
                          flush=True)
            if args.baselines_only:
                continue
            for seed in args.seeds:
                run = run_forecaster(frame, horizon, seed, args.max_time, args.max_trials, args.directory,
                                     args.tuner, args.covariates)
                run["seed"], run["covariates"] = seed, args.covariates
                record["runs"].append(run)
                print(f"ETTh1 {variant} h{horizon} seed {seed} (covariates {args.covariates}): test MSE {run['mse']:.4f} MAE {run['mae']:.4f} "
                      f"(best trial's validation MSE {run['best_val_mse']:.4f}, ridge's "
                      f"{baselines['ridge']['val_mse']:.4f}), "
                      f"fit {run['fit_seconds']:.0f}s ({run['fit_cpu_seconds']:.0f} CPU s, load {run['load_average']:.1f}), "
                      f"{len(run['leaderboard'])} trials, {run['final']}", flush=True)
                if args.json:
                    with open(args.json, "w") as f:
                        json.dump(records, f, indent=1)
            if record["runs"]:
                mse = np.array([r["mse"] for r in record["runs"]])
                mae = np.array([r["mae"] for r in record["runs"]])
                fit = np.array([r["fit_seconds"] for r in record["runs"]])
                print(f"ETTh1 {variant} h{horizon}: autonas MSE {mse.mean():.4f} ± {mse.std():.4f}, MAE "
                      f"{mae.mean():.4f} ± {mae.std():.4f}, fit {fit.mean():.0f}s ({len(mse)} seeds); ridge "
                      f"{baselines['ridge']['mse']:.4f}; ratio {mse.mean() / baselines['ridge']['mse']:.3f}",
                      flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)


if __name__ == "__main__":
    main()
