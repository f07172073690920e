"""Per-window normalisation at several forecast origins: closed-form NLinear against ridge on the raw window.

Evidence behind `ForecastBlock` not searching ``normalization="none"``: on
ETTh1 (multivariate, the 7 channels), both closed-form maps are fitted on the
rows before a forecast origin and scored on the windows whose targets lie in
the next rows, at the protocol's validation origin (row 8,640, validation =
the next 2,880) and at two dev origins carved from the training rows (4,320
and 5,760). No test row is read. Each channel is standardised with the
statistics of the rows before the origin.

- NLinear: `autonas.data.linear_fit.ridge_solutions` (last value subtracted,
  channel-independent, look-backs 96-720, penalty and look-back blend chosen on
  the scored windows, as the forecaster's closed-form map);
- raw window: a channel-independent ridge regression (with intercept) of the
  next rows on the raw look-back window, its penalty chosen on the same windows.

The Diebold-Mariano statistic compares the raw-window map's per-window MSE with
NLinear's (negative: the raw window is better; Newey-West variance, lag = horizon).

    nice taskset -c 0 python benchmarks/forecast_origins.py
"""

import numpy as np

from autonas.data import linear_fit
from autonas.tasks.forecast_selection import diebold_mariano
from forecast import load

WINDOW = 720
LOOKBACKS = (96, 192, 336, 512, 720)
ORIGINS = ((4320, 2160), (5760, 2880), (8640, 2880))  # (first scored row, scored rows)


def nlinear_errors(z, origin, rows, horizon):
    train, scored = range(WINDOW, origin - horizon + 1), range(origin, origin + rows - horizon + 1)
    sols = linear_fit.ridge_solutions(z, train, scored, WINDOW, horizon, list(range(z.shape[1])), LOOKBACKS)
    best = min(sols, key=lambda v: sols[v]["val_mse"])
    kernel, bias = sols[best]["kernel"], sols[best]["bias"]
    errors = []
    for t in scored:
        x, last = z[t - len(kernel): t].T, z[t - 1: t].T
        errors.append(np.mean(((x - last) @ kernel + bias + last - z[t: t + horizon].T) ** 2))
    return best, np.array(errors)


def raw_window_errors(z, origin, rows, horizon, lookback):
    train, scored = range(WINDOW, origin - horizon + 1), range(origin, origin + rows - horizon + 1)

    def design(ends):
        x = np.stack([z[t - lookback: t].T for t in ends]).reshape(-1, lookback)
        y = np.stack([z[t: t + horizon].T for t in ends]).reshape(-1, horizon)
        return np.hstack([x, np.ones((len(x), 1))]), y

    x, y = design(train)
    xv, yv = design(scored)
    xtx, xty = x.T @ x, x.T @ y
    scale = np.trace(xtx) / len(xtx)
    best = None
    for factor in linear_fit.PENALTY_FACTORS:
        w = np.linalg.solve(xtx + factor * scale * np.eye(len(xtx)), xty)
        errors = ((xv @ w - yv) ** 2).reshape(len(scored), z.shape[1], horizon).mean(axis=(1, 2))
        if best is None or errors.mean() < best.mean():
            best = errors
    return best


def main():
    values = load().drop(columns=["date"]).to_numpy("float64")
    for origin, rows in ORIGINS:
        z = (values - values[:origin].mean(axis=0)) / values[:origin].std(axis=0)
        for horizon in (96, 336):
            lookback, reference = nlinear_errors(z, origin, rows, horizon)
            parts = []
            for raw_lookback in (96, 336):
                errors = raw_window_errors(z, origin, rows, horizon, raw_lookback)
                _, statistic = diebold_mariano(errors, reference, horizon)
                parts.append(f"raw window {raw_lookback}: {errors.mean():.4f} (DM {statistic:+.2f})")
            print(f"origin {origin} (rows {origin}-{origin + rows - 1}), horizon {horizon}: NLinear (look-back "
                  f"{lookback}) {reference.mean():.4f}; " + "; ".join(parts), flush=True)


if __name__ == "__main__":
    main()
