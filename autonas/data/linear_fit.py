"""Closed-form NLinear: the ridge regression of the next rows on the look-back window, last value subtracted.

A channel-independent linear map of the look-back window, its last value
subtracted (NLinear), is among the strongest long-horizon forecasters; fitted
in closed form (ridge regression) it beats the same map trained by
stochastic gradient descent for a few epochs (ETTh1, horizon 96, validation
MSE 0.670 against 0.724 for ten epochs of Adam). `ridge_solutions` computes
it for every searched look-back from the second moments of its windows (one
pass each, in chunks: the windows are never all materialised). The penalty is chosen per look-back on the
validation windows (their second moments give the validation MSE of any
solution in closed form); `ForecastBlock` starts its linear map from the
solution, so every trial starts where ridge regression ends.

The penalties tried are relative to the mean diagonal of the windows' second
moment (`PENALTY_FACTORS`), so that the grid follows the number of windows
and the scale of the series (a fixed grid ending at 10,000 capped the
penalty that validated best at horizon 336 on ETTh1). With `blend`, the maps
of the best look-backs are also averaged (the average of maps that all
subtract the same last value is one linear map of the longest of them: the
shorter kernels are padded with zeros); a look-back's solution is the
average when it validates better than the single map of that look-back
(ETTh1 validation MSE at horizon 336: 1.1504 for the average of look-backs
512 and 336, against 1.1523 for 512 alone; univariate OT at horizon 96:
0.0889 for the five look-backs against 0.0895).

Example:
    >>> solutions = ridge_solutions(z, range(720, 8545), range(8640, 11425), 720, 96, [0], [96, 720])  # doctest: +SKIP
    >>> kernel, bias = solutions[336]["kernel"], solutions[336]["bias"]                                    # doctest: +SKIP
"""

import numpy as np

__all__ = ["moments", "ridge_solutions", "penalties", "PENALTY_FACTORS"]

#: ridge penalties tried, as multiples of the mean diagonal of the training windows' second moment
#: (half-decade steps from 1e-6 to 10).
PENALTY_FACTORS = tuple(10.0 ** (k / 2) for k in range(-12, 3))
#: windows per chunk of the second-moment pass.
CHUNK = 256


def moments(z, ends, window, horizon, targets):
    """Second moments of the last-value-subtracted windows of the target channels.

    Args:
        z: standardised values ``(rows, channels)``.
        ends: window end indices (history ``[t - window, t)``, targets ``[t, t + horizon)``).
        window: history rows.
        horizon: target rows.
        targets: target channel indices.

    Returns:
        ``(xtx, xty, yty, count)``: with a trailing ones column in x,
        ``xtx`` ``(window + 1, window + 1)``, ``xty`` ``(window + 1, horizon)``,
        ``yty`` the sum of squared targets, ``count`` the number of target values.
    """
    z = np.asarray(z, dtype="float64")[:, list(targets)]
    xtx = np.zeros((window + 1, window + 1))
    xty = np.zeros((window + 1, horizon))
    yty = 0.0
    count = 0
    ends = np.asarray(list(ends), dtype=np.int64)
    for start in range(0, len(ends), CHUNK):
        chunk = ends[start: start + CHUNK]
        idx = chunk[:, None] + np.arange(-window, horizon)[None, :]
        rows = z[idx]  # (n, window + horizon, targets)
        last = rows[:, window - 1: window, :]
        rows = np.transpose(rows - last, (0, 2, 1)).reshape(-1, window + horizon)
        x = np.concatenate([rows[:, :window], np.ones((len(rows), 1))], axis=1)
        y = rows[:, window:]
        xtx += x.T @ x
        xty += x.T @ y
        yty += float(np.sum(y * y))
        count += y.size
    return xtx, xty, yty, count


def penalties(xtx):
    """The ridge penalties tried for a second moment `xtx` (with its trailing ones column).

    Args:
        xtx: ``(lookback + 1, lookback + 1)``.

    Returns:
        A list of floats: `PENALTY_FACTORS` times the mean of the diagonal without the intercept.
    """
    scale = float(np.mean(np.diag(xtx)[:-1])) if len(xtx) > 1 else 1.0
    scale = scale if scale > 0 else 1.0
    return [scale * f for f in PENALTY_FACTORS]


def _solve(xtx, xty, alpha):
    penalty = alpha * np.eye(len(xtx))
    penalty[-1, -1] = 0.0  # the intercept is not penalised
    return np.linalg.solve(xtx + penalty, xty)


def _mse(w, moment):
    xtx, xty, yty, count = moment
    return float((np.sum(w * (xtx @ w)) - 2.0 * np.sum(w * xty) + yty) / max(count, 1))


def ridge_solutions(z, train_ends, val_ends, window, horizon, targets, lookbacks, refit=False, blend=True):
    """The closed-form NLinear map for every look-back, its penalty chosen on validation windows.

    Each look-back is fitted on every training window it fits in (those ending
    from row `lookback` on, not only from `window`): a short look-back gains
    the windows a long one cannot use.

    Args:
        z: standardised values ``(rows, channels)``.
        train_ends: training window ends (a range; its stop bounds the windows).
        val_ends: validation window ends (choose the penalty).
        window: history rows of the model's input (at least every look-back).
        horizon: rows forecast.
        targets: target channel indices (the map is shared by them).
        lookbacks: the look-backs to solve for.
        refit: also fit every look-back on the training and validation
            windows together, with the penalty chosen on validation
            (``"refit_kernel"``, ``"refit_bias"``).
        blend: also try the averages of the maps of the 2, 3, ... best
            look-backs (by validation); each replaces the solution of its
            longest look-back when it validates better (``"members"``: the
            look-backs averaged).

    Returns:
        ``{lookback: {"kernel": (lookback, horizon) float32, "bias": (horizon,) float32, "alpha": float,
        "val_mse": float, "members": [lookback, ...]}}`` (and the refit's kernel and bias with `refit`).
    """
    out, val_moments = {}, {}
    for lookback in lookbacks:
        lookback = int(lookback)
        train = moments(z, range(lookback, train_ends.stop), lookback, horizon, targets)
        val = moments(z, val_ends, lookback, horizon, targets)
        val_moments[lookback] = val
        best = None
        for alpha in penalties(train[0]):
            w = _solve(train[0], train[1], alpha)
            score = _mse(w, val)
            if best is None or score < best[0]:
                best = (score, alpha, w)
        score, alpha, w = best
        out[lookback] = {"kernel": w[:-1].astype("float32"), "bias": w[-1].astype("float32"),
                         "alpha": float(alpha), "val_mse": score, "members": [lookback]}
        if refit:
            gap = moments(z, range(train_ends.stop, val_ends.start), lookback, horizon, targets)
            final = [a + b + c for a, b, c in zip(train, val, gap)]
            w = _solve(final[0], final[1], alpha)
            out[lookback].update(refit_kernel=w[:-1].astype("float32"), refit_bias=w[-1].astype("float32"))
    return _blend(out, val_moments) if blend and len(out) > 1 else out


def _padded(solutions, members, kernel="kernel", bias="bias"):
    """The average of the members' maps as one map of the longest look-back, ``(longest + 1, horizon)``."""
    longest = max(members)
    w = 0.0
    for lookback in members:
        k = np.asarray(solutions[lookback][kernel], dtype="float64")
        w = w + np.concatenate([np.zeros((longest - lookback, k.shape[1])), k,
                                np.asarray(solutions[lookback][bias], dtype="float64")[None]])
    return w / len(members)


def _blend(singles, val_moments):
    """Each look-back's solution: its own map, or the average of the best maps that it is the longest of."""
    out = dict(singles)
    ranked = sorted(singles, key=lambda v: singles[v]["val_mse"])
    for k in range(2, len(ranked) + 1):
        members = sorted(ranked[:k])
        longest = members[-1]
        w = _padded(singles, members)
        score = _mse(w, val_moments[longest])
        if score < out[longest]["val_mse"]:
            blended = {"kernel": w[:-1].astype("float32"), "bias": w[-1].astype("float32"), "alpha": None,
                       "val_mse": score, "members": members}
            if "refit_kernel" in singles[longest]:
                r = _padded(singles, members, "refit_kernel", "refit_bias")
                blended.update(refit_kernel=r[:-1].astype("float32"), refit_bias=r[-1].astype("float32"))
            out[longest] = blended
    return out
