"""A Gaussian process with one weight per hyperparameter (ARD), fitted by marginal likelihood.

`autonas.search.surrogate.GaussianProcess` gives every hyperparameter the same
weight: two configurations are as far apart when they differ in a decision
that barely matters as when they differ in the one that matters most. Here the
kernel is

    k(x, x') = exp(-sum_k theta_k * d_k(x, x'))

where ``d_k`` is 1 when the k-th unordered categorical hyperparameter differs
(an inactive one is a value of its own) and the distance on the unit scale for
an ordered or numeric one; each weight ``theta_k`` and the noise level are
fitted by maximizing the marginal likelihood (L-BFGS with the analytic
gradient), with a log-normal prior on the weights around the best single
weight, so that a handful of points cannot send a weight to an extreme.

Repeated measurements of one configuration are one point of the model with
their mean and ``noise / k`` (the same posterior as k separate points), and
their scatter around that mean enters the likelihood of the noise level.
"""

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import minimize

from autonas.search.surrogate import GaussianProcess

#: bounds of a weight and of the noise variance (standardized units), in logs
LOG_THETA = (np.log(1e-3), np.log(20.0))
LOG_NOISE = (np.log(1e-3), np.log(4.0))


def slot_weights(widths, num_columns, theta):
    """Per one-hot column weights and per numeric column weights from one weight per hyperparameter.

    Args:
        widths: width of each categorical hyperparameter's one-hot block.
        num_columns: number of numeric columns.
        theta: weights, categorical hyperparameters first.

    Returns:
        ``(column weights of the one-hot part, weights of the numeric part)``.

    Example:
        >>> slot_weights([2, 3], 1, np.array([1.0, 2.0, 3.0]))[0].tolist()
        [1.0, 1.0, 2.0, 2.0, 2.0]
    """
    theta = np.asarray(theta, dtype=float)
    c = len(widths)
    return np.repeat(theta[:c], widths), theta[c:c + num_columns]


def weighted_distances(a, b, widths, theta):
    """``sum_k theta_k d_k`` between two encodings ``(one_hot, numeric)``.

    Args:
        a: encoding of the first set, ``(onehot (n, W), numeric (n, m))``.
        b: the same for the second set.
        widths: one-hot block width of each categorical hyperparameter.
        theta: one weight per hyperparameter (categorical ones first).

    Returns:
        An array (n_a, n_b).

    Example:
        >>> from autonas.search.surrogate import one_hot
        >>> x = (one_hot(np.array([[0, 0], [1, 0]]), [2, 2]), np.zeros((2, 0)))
        >>> weighted_distances(x, x, [3, 3], [2.0, 5.0]).tolist()
        [[0.0, 2.0], [2.0, 0.0]]
    """
    oa, na = a
    ob, nb = b
    col, numw = slot_weights(widths, na.shape[1], theta)
    if oa.size:
        d = float(np.sum(theta[:len(widths)])) - (oa * col) @ ob.T
    else:
        d = np.zeros((oa.shape[0], ob.shape[0]))
    for j in range(na.shape[1]):
        d = d + numw[j] * np.abs(na[:, j][:, None] - nb[:, j][None, :])
    return d


def slot_distances(x, widths):
    """The distances ``d_k`` between every pair of points, one matrix per hyperparameter.

    Args:
        x: encoding ``(onehot (n, W), numeric (n, m))``.
        widths: one-hot block widths.

    Returns:
        An array (d, n, n).
    """
    onehot, num = x
    out, start = [], 0
    for w in widths:
        block = onehot[:, start:start + w]
        out.append(1.0 - block @ block.T)
        start += w
    for j in range(num.shape[1]):
        out.append(np.abs(num[:, j][:, None] - num[:, j][None, :]))
    return np.array(out) if out else np.zeros((0, len(onehot), len(onehot)))


class ArdGaussianProcess:
    """Gaussian process regression with one kernel weight per hyperparameter.

    Args:
        widths: one-hot block width of each categorical hyperparameter.
        prior_sd: standard deviation of the log-normal prior on each weight.
        start: weights and noise to start the fit from (a previous fit), or None.
        refit: False keeps `start` as it is (no optimization).

    Example:
        >>> gp = ArdGaussianProcess(widths).fit(x, measurements)  # doctest: +SKIP
        >>> mean, std = gp.predict(candidates)                             # doctest: +SKIP
    """

    def __init__(self, widths, prior_sd=1.0, start=None, refit=True, maxiter=30):
        self.widths = list(widths)
        self.prior_sd = prior_sd
        self.start = start
        self.refit = refit
        self.maxiter = maxiter

    def fit(self, x, y):
        """Fit to the mean measurements of distinct configurations.

        Args:
            x: encoding ``(onehot, numeric)`` of n distinct configurations.
            y: list of n lists of measurements (larger is better or not: the GP does not care).

        Returns:
            self.
        """
        flat = np.concatenate([np.asarray(v, dtype=float) for v in y])
        self.mean_ = float(flat.mean())
        self.scale_ = float(flat.std()) or 1.0
        k = np.array([len(v) for v in y], dtype=float)
        zbar = np.array([(np.mean(v) - self.mean_) / self.scale_ for v in y])
        within = float(sum(np.sum(((np.asarray(v) - self.mean_) / self.scale_ - m) ** 2)
                           for v, m in zip(y, zbar)))
        extra = float(np.sum(k - 1))
        self._x, self._k = x, k
        dims = len(self.widths) + x[1].shape[1]
        params = None if self.start is None else np.asarray(self.start, dtype=float)
        if self.refit or params is None:
            dist = slot_distances(x, self.widths)
            # the prior is centred on the best single weight (the isotropic model, chosen on a grid)
            iso = GaussianProcess().fit(dist.sum(axis=0), zbar)
            self.prior_mean_ = float(np.log(1.0 / iso.lengthscale_))
            if params is None:
                params = np.concatenate([np.full(dims, self.prior_mean_), [np.log(max(iso.noise_, 1e-3))]])
            bounds = [LOG_THETA] * dims + [LOG_NOISE]
            params = np.clip(params, [b[0] for b in bounds], [b[1] for b in bounds])
            try:
                res = minimize(self._nll, params, args=(dist, zbar, k, within, extra), jac=True,
                               method="L-BFGS-B", bounds=bounds, options={"maxiter": self.maxiter})
                if np.all(np.isfinite(res.x)):
                    params = res.x
            except (np.linalg.LinAlgError, ValueError):
                pass
        self.params_ = params
        self.theta_ = np.exp(params[:dims])
        self.noise_ = float(np.exp(params[dims]))
        kern = np.exp(-weighted_distances(x, x, self.widths, self.theta_))
        kern[np.diag_indices_from(kern)] += self.noise_ / k
        self._chol = cho_factor(kern + 1e-9 * np.eye(len(k)), lower=True)
        self._alpha = cho_solve(self._chol, zbar)
        return self

    def _nll(self, params, dist, zbar, k, within, extra):
        dims = dist.shape[0]
        theta, s2 = np.exp(params[:dims]), float(np.exp(params[dims]))
        kf = np.exp(-np.tensordot(theta, dist, 1))
        kern = kf.copy()
        kern[np.diag_indices_from(kern)] += s2 / k + 1e-9
        try:
            chol = cho_factor(kern, lower=True)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros_like(params)
        alpha = cho_solve(chol, zbar)
        inv = cho_solve(chol, np.eye(len(k)))
        logdet = 2.0 * float(np.log(np.diag(chol[0])).sum())
        pm, sd = self.prior_mean_, self.prior_sd
        nll = (0.5 * float(zbar @ alpha) + 0.5 * logdet + 0.5 * extra * np.log(s2) + 0.5 * within / s2
               + 0.5 * float(np.sum(((params[:dims] - pm) / sd) ** 2)))
        w = inv - np.outer(alpha, alpha)
        grad = np.empty_like(params)
        grad[:dims] = -0.5 * np.einsum("ij,kij->k", w * kf, dist) * theta + (params[:dims] - pm) / sd ** 2
        grad[dims] = (0.5 * float(np.sum(np.diag(w) / k)) + 0.5 * extra / s2 - 0.5 * within / s2 ** 2) * s2
        return nll, grad

    def predict(self, encoded):
        """Posterior mean and standard deviation at configurations.

        Args:
            encoded: encoding ``(onehot, numeric)`` of m configurations.

        Returns:
            ``(mean, std)`` arrays of shape (m,), in the units of the measurements.
        """
        ks = np.exp(-weighted_distances(encoded, self._x, self.widths, self.theta_))
        mean = ks @ self._alpha
        v = cho_solve(self._chol, ks.T)
        var = np.maximum(1.0 - np.einsum("ij,ji->i", ks, v), 1e-12)
        return mean * self.scale_ + self.mean_, np.sqrt(var) * self.scale_
