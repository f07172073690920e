"""A small Gaussian process over mixed categorical/numeric configurations.

Used by model-based strategies. Configurations are encoded by
`SearchSpace.encode`; the distance between two configurations is the number of
unordered categorical hyperparameters on which they differ (an inactive
hyperparameter is a category of its own) plus the L1 distance of their
ordered/numeric hyperparameters scaled to [0, 1]. The kernel is
``exp(-distance / lengthscale)``: an exponentiated Hamming kernel on the
categorical part (a categorical kernel: no artificial order between choices,
unlike embedding a choice as one numeric axis) times a Laplace kernel on the
numeric part. The lengthscale and the noise level are chosen by marginal
likelihood on a small fixed grid, so a fit is cheap and deterministic.
"""

import contextlib

import numpy as np
from scipy.special import ndtr

_CONTROLLER = []


def single_threaded_blas():
    """A context in which BLAS runs on one thread.

    The matrices here are small: threads only add overhead, and on a busy
    machine (a tuner training models at the same time) they oversubscribe the
    cores and make each product far slower.

    Returns:
        A context manager.

    Example:
        >>> with single_threaded_blas():
        ...     _ = np.ones((3, 3)) @ np.ones((3, 3))
    """
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER.append(ThreadpoolController())
        except Exception:  # threadpoolctl missing or unable to inspect the libraries
            _CONTROLLER.append(None)
    if _CONTROLLER[0] is None:
        return contextlib.nullcontext()
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


LENGTHSCALES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
NOISES = (1e-3, 1e-2, 0.05, 0.2, 0.5)


def one_hot(cat, cardinalities):
    """One-hot encode categorical indices (``-1``, inactive, is its own category).

    Args:
        cat: int array (n, c) of value indices.
        cardinalities: number of values of each of the c columns.

    Returns:
        A float array (n, sum(cardinalities) + c).

    Example:
        >>> one_hot(np.array([[0], [-1]]), [2]).tolist()
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    """
    n = cat.shape[0]
    widths = [k + 1 for k in cardinalities]
    out = np.zeros((n, sum(widths)))
    offset = 0
    rows = np.arange(n)
    for c, width in enumerate(widths):
        out[rows, offset + cat[:, c] + 1] = 1.0
        offset += width
    return out


def distances(a, b):
    """Distance matrix between two encodings ``(one_hot, numeric)``.

    Args:
        a: ``(onehot (n, k), numeric (n, m))`` of the first set.
        b: the same for the second set.

    Returns:
        An array (n_a, n_b): categorical mismatches plus numeric L1 distance.

    Example:
        >>> a = (one_hot(np.array([[0], [1]]), [2]), np.zeros((2, 0)))
        >>> distances(a, a).tolist()
        [[0.0, 1.0], [1.0, 0.0]]
    """
    oa, na = a
    ob, nb = b
    n_cat = oa.sum(axis=1)[:, None] if oa.size else np.zeros((oa.shape[0], 1))
    d = n_cat - oa @ ob.T if oa.size else np.zeros((oa.shape[0], ob.shape[0]))
    for j in range(na.shape[1]):
        d = d + np.abs(na[:, j][:, None] - nb[:, j][None, :])
    return d


class GaussianProcess:
    """Gaussian process regression with the exponentiated distance kernel.

    Args:
        lengthscales: candidate lengthscales.
        noises: candidate noise variances (relative to the standardized signal).

    Example:
        >>> gp = GaussianProcess().fit(distance_matrix, y)   # doctest: +SKIP
        >>> mean, std = gp.predict(cross_distances)         # doctest: +SKIP
    """

    def __init__(self, lengthscales=LENGTHSCALES, noises=NOISES):
        self.lengthscales = lengthscales
        self.noises = noises

    def fit(self, dist, y):
        """Fit to observations.

        Args:
            dist: (n, n) distances between the observed configurations.
            y: (n,) observed values (larger is better or not: the GP does not care).

        Returns:
            self.

        Example:
            >>> gp = GaussianProcess().fit(np.array([[0.0, 1.0], [1.0, 0.0]]), [0.1, 0.9])
        """
        y = np.asarray(y, dtype=float)
        self.mean_ = float(y.mean())
        self.scale_ = float(y.std()) or 1.0
        z = (y - self.mean_) / self.scale_
        n = len(z)
        best = None
        for ls in self.lengthscales:
            # one eigendecomposition serves every noise level: K + s I = Q (L + s) Q^T
            lam, q = np.linalg.eigh(np.exp(-dist / ls))
            zq = q.T @ z
            for noise in self.noises:
                shifted = lam + noise
                if shifted.min() <= 1e-10:
                    continue
                loglik = -0.5 * float(zq @ (zq / shifted)) - 0.5 * float(np.log(shifted).sum())
                if best is None or loglik > best[0] + 1e-12:
                    best = (loglik, ls, noise, lam, q)
        _, self.lengthscale_, self.noise_, lam, q = best
        inv = (q / (lam + self.noise_)) @ q.T
        self._k_inv = inv
        self._alpha = inv @ z
        return self

    def predict(self, cross):
        """Posterior mean and standard deviation.

        Args:
            cross: (m, n) distances from m candidates to the n observed configurations.

        Returns:
            ``(mean, std)`` arrays of shape (m,), in the units of `y`.

        Example:
            >>> gp = GaussianProcess().fit(np.array([[0.0, 1.0], [1.0, 0.0]]), [0.1, 0.9])
            >>> mean, std = gp.predict(np.array([[0.0, 1.0]]))
        """
        ks = np.exp(-cross / self.lengthscale_)
        mean = ks @ self._alpha
        var = np.maximum(1.0 - np.einsum("ij,ij->i", ks @ self._k_inv, ks), 1e-12)
        return mean * self.scale_ + self.mean_, np.sqrt(var) * self.scale_


def expected_improvement(mean, std, best, xi=0.0):
    """Expected improvement over `best` when maximizing.

    Args:
        mean: posterior means.
        std: posterior standard deviations.
        best: the incumbent value.
        xi: exploration margin.

    Returns:
        An array of expected improvements.

    Example:
        >>> float(expected_improvement(np.array([1.0]), np.array([1e-9]), 0.0)[0])
        1.0
    """
    improvement = mean - best - xi
    z = improvement / std
    return improvement * ndtr(z) + std * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
