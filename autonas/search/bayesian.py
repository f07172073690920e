"""Bayesian optimization with a categorical-aware Gaussian process."""

import json

import numpy as np

from autonas.search.bayes_kernel import ArdGaussianProcess
from autonas.search.history import REPEAT_KEY, config_hash
from autonas.search.strategy import Strategy, register, run, stop
from autonas.search.surrogate import (GaussianProcess, distances, expected_improvement, one_hot,
                                      single_threaded_blas)
from autonas.utils.validation import check_float, check_int

#: Finite spaces up to this size are enumerated once and scored from a cache.
GRID_LIMIT = 50_000
#: space config -> (configurations, hash -> index, encodings); a few spaces at most.
_GRID_CACHE = {}


def clip_outliers(fitness, spread=2.0):
    """Raise very poor results to ``median - spread * IQR`` before modelling.

    A diverged run or a degenerate architecture can score far below everything
    else; left alone it dominates the scale of the standardized targets and
    flattens the model where it matters, among the good configurations.

    Args:
        fitness: array of results, larger is better.
        spread: how many interquartile ranges below the median are kept.

    Returns:
        A new array.

    Example:
        >>> bool(clip_outliers(np.array([45.0, 92.0, 92.5, 93.0, 92.8])).min() > 90)
        True
    """
    q1, median, q3 = np.percentile(fitness, [25, 50, 75])
    return np.maximum(fitness, median - spread * (q3 - q1))


@register("bayesian")
class BayesianStrategy(Strategy):
    """Gaussian-process Bayesian optimization for architecture spaces.

    KerasTuner's GP embeds a categorical choice as one numeric axis, inventing an
    order between, say, ``"relu"`` and ``"gelu"``. Here unordered choices are
    compared by equality (an exponentiated Hamming kernel), ordered and numeric
    hyperparameters by their distance on their own scale, and a hyperparameter
    inactive under a conditional scope is a value of its own. With
    ``kernel="ard"`` (the default) each hyperparameter has its own weight in the
    kernel, fitted with the noise level by marginal likelihood
    (`autonas.search.bayes_kernel`; again each time the data has grown by a
    tenth or 5 proposals later), so a decision that barely matters stops
    separating configurations. With ``kernel="hamming"`` one lengthscale serves
    all of them; it and the noise are chosen by marginal likelihood on a small
    grid (the lengthscale again each time the data has grown by a fifth). In both, after very poor
    results are clipped (`clip_outliers`) so that a diverged run does not
    flatten the model among the good configurations; the next
    configuration maximizes expected improvement over a candidate set: every
    untried configuration of a small finite space (up to `candidates`, sampled
    beyond that) plus all neighbours of the best configurations seen so far; on
    a larger space, ``candidates / 4`` random configurations, ``candidates / 8``
    two mutations away from the best ones and up to 64 neighbours of each of the
    best (fewer of each when the space has more than 16 hyperparameters).
    Noise: every measurement is a point of the model (a configuration measured
    k times weighs k times), and expected improvement is taken over the best
    posterior mean of a measured configuration, not over the luckiest single
    measurement. A search returns the configuration with the best mean
    measurement, and the luckiest of many single measurements is often a
    mediocre configuration, the more so the more configurations were measured
    once; so the last `repeat_share` of a known trial budget races the leader
    (`_race`): it is measured `repeats` times, then it and its strongest
    challenger under the model (highest upper confidence bound) are measured
    again, the less measured first and up to `max_repeats` times, until the
    model's confidence bounds separate them; then it explores again (with no
    budget, re-measurements happen as the search goes, up to `repeat_share` of
    the trials). ``race=False`` gives the earlier endgame: the leader, then the
    `favourites` the model rates best, then the next two leaders, `repeats`
    times each. A configuration is never proposed twice otherwise; the search
    stops when the space is exhausted.

    Cost is bounded: the model is fitted on at most `max_points` configurations
    (the best half and the most recent ones), so a proposal takes a few
    milliseconds at a hundred trials.

    Args:
        num_initial_points: random configurations (warm start included) before
            the model is used; ``None`` means ``min(10, 2 + number of
            hyperparameters)``.
        candidates: size of the candidate set scored by the acquisition.
        neighbors_of: how many of the best configurations contribute all their
            neighbours to the candidate set.
        xi: exploration margin of expected improvement (in objective units).
        max_points: most configurations the model is fitted on.
        repeats: most measurements of one configuration (1: never re-measure).
        repeat_share: the share of the trial budget, at its end, kept for
            re-measurements.
        favourites: with ``race=False``, how many of the configurations with
            the best posterior mean are re-measured.
        kernel: ``"ard"`` (one fitted weight per hyperparameter) or
            ``"hamming"`` (one lengthscale for all).
        race: end the budget with the race of the leader against its
            challengers (the default) or with the fixed list of ``race=False``.
        max_repeats: most measurements of one configuration in the race.
        confidence: width of the race's confidence bounds, in posterior
            standard deviations.

    Example:
        >>> strategy = BayesianStrategy(candidates=1000)
    """

    def __init__(self, num_initial_points=None, candidates=2000, neighbors_of=5, xi=0.0, max_points=200,
                 repeats=3, repeat_share=0.2, favourites=3, kernel="ard", race=True, max_repeats=6,
                 confidence=1.0):
        if kernel not in ("hamming", "ard"):
            raise ValueError(f"`kernel` must be 'hamming' or 'ard'; received {kernel!r}.")
        self.kernel = kernel
        candidates, neighbors_of, max_points, repeats, favourites, max_repeats = (
            check_int(value, name, minimum=1) for name, value in (
                ("candidates", candidates), ("neighbors_of", neighbors_of), ("max_points", max_points),
                ("repeats", repeats), ("favourites", favourites), ("max_repeats", max_repeats)))
        num_initial_points = check_int(num_initial_points, "num_initial_points", minimum=1, allow_none=True)
        repeat_share = check_float(repeat_share, "repeat_share", minimum=0, maximum=1,
                                   expected="a probability in [0, 1]")
        xi = check_float(xi, "xi")
        confidence = check_float(confidence, "confidence", minimum=0.0)
        self.race = bool(race)
        self.max_repeats = max(max_repeats, repeats)
        self.confidence = float(confidence)
        self.num_initial_points = num_initial_points
        self.repeats = repeats
        self.repeat_share = repeat_share
        self.favourites = favourites
        self.candidates = candidates
        self.neighbors_of = neighbors_of
        self.xi = xi
        self.max_points = max_points
        self._grid_cache = (None, None)
        self._lengthscale = None  # the GP lengthscale last selected, and when: saved state
        self._ard = None  # the ARD weights and noise last fitted, and when: saved state

    # -- proposal -----------------------------------------------------------
    def propose(self, history, rng):
        stats = [s for s in history.config_stats().values() if s["fitness"]]
        n_init = self.num_initial_points or min(10, 2 + len(history.space.names))
        if len(stats) < n_init:
            values = history.sample_new(rng)
        else:
            values = self._acquire(history, stats, rng)
        return stop() if values is None else run(values)

    def _model_points(self, stats):
        """The configurations the model is fitted on: all of them, or the best half and the most recent."""
        if len(stats) <= self.max_points:
            return stats
        means = [sum(s["fitness"]) / len(s["fitness"]) for s in stats]
        order = sorted(range(len(stats)), key=lambda i: -means[i])
        keep = set(order[: self.max_points // 2])
        for i in range(len(stats) - 1, -1, -1):
            if len(keep) >= self.max_points:
                break
            keep.add(i)
        return [stats[i] for i in sorted(keep)]

    def _repeat(self, history, stats, fitted_mean, fitted_sd=None):
        """A configuration to measure again, or None to explore (see the class docstring).

        Args:
            history: the `SearchHistory`.
            stats: ``config_stats`` entries with results, first-seen order.
            fitted_mean: the model's posterior mean at each of them.

        Returns:
            The values of a re-measurement or None.
        """
        if self.repeats < 2 or self.repeat_share <= 0.0:
            return None
        remaining, trials = history.remaining_trials(), len(history.trials())
        if remaining is None:  # no known budget: re-measure as the search goes, up to the share
            if sum(s["attempts"] - 1 for s in stats) >= self.repeat_share * trials:
                return None
        elif remaining > max(1, round(self.repeat_share * history.max_trials)):
            return None  # not the end of the budget yet: explore
        means = [sum(s["fitness"]) / len(s["fitness"]) for s in stats]
        ranked = sorted(range(len(stats)), key=lambda i: (-means[i], i))  # [0]: what the search returns
        if self.race:
            return self._race(stats, ranked[0], fitted_mean, fitted_sd)
        favourites = [int(i) for i in np.argsort(-np.asarray(fitted_mean), kind="stable")[: self.favourites]]
        for i in [ranked[0]] + favourites + ranked[1:3]:
            if stats[i]["attempts"] < self.repeats:
                values = dict(stats[i]["config"])
                values[REPEAT_KEY] = stats[i]["attempts"]
                return values
        return None

    def _race(self, stats, leader, mean, sd):
        """Re-measure the leader or its strongest challenger until the model separates them (LUCB).

        The search returns the configuration with the best mean measurement (the
        leader). It is first measured `repeats` times. Then its strongest challenger
        is the other measured configuration with the highest upper confidence bound
        ``mean + confidence * sd`` under the model (posterior at measured points); while
        that bound is above the leader's lower bound, the one of the two measured fewer
        times is measured again (at most `max_repeats` times): a lucky leader falls back,
        an unlucky better configuration rises and takes the lead. Once separated, or
        both at `max_repeats`, it explores again (Kalyanakrishnan et al., 2012, LUCB,
        with the Gaussian process's posterior as the confidence bounds).

        Returns:
            The values of a re-measurement or None.
        """
        def again(i):
            values = dict(stats[i]["config"])
            values[REPEAT_KEY] = stats[i]["attempts"]
            return values

        attempts = [s["attempts"] for s in stats]
        if attempts[leader] < self.repeats:
            return again(leader)
        if len(stats) < 2:
            return None
        mean, sd = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
        upper = mean + self.confidence * sd
        upper[leader] = -np.inf
        challenger = int(np.argmax(upper))
        if upper[challenger] <= mean[leader] - self.confidence * sd[leader]:
            return None
        for i in sorted((leader, challenger), key=lambda i: (attempts[i], i != leader)):
            if attempts[i] < self.max_repeats:
                return again(i)
        return None

    @staticmethod
    def _encode(space, configs):
        cat, num = space.encode(configs)
        cards = [len(space.entries[s].values) for s in space._cat_slots]
        return one_hot(cat, cards), num

    def _candidates(self, history, observed, rng):
        """Untried candidate configurations and their encodings ``(configs, (onehot, num))``."""
        space = history.space
        tried = history.tried_keys()
        extra, seen = [], set()

        def add(values):
            if values is None:
                return
            h = config_hash(values)
            if h not in seen and h not in tried:
                seen.add(h)
                extra.append(values)

        best = sorted(observed, key=lambda o: -o[1])[: self.neighbors_of]
        grid = self._grid(space)
        if grid is None:
            # Sampled candidates are checked for novelty only when chosen (see `_acquire`).
            # Work is kept in proportion: fewer candidates when there are many hyperparameters.
            scale = min(1.0, 16.0 / max(1, len(space.entries)))
            for config, _ in best:
                extra.extend(space.neighbors(config, rng, limit=max(16, int(64 * scale))))
            for _ in range(int(self.candidates // 4 * scale)):
                extra.append(space.sample(rng))
            for config, _ in best:  # two steps away from the best ones
                for _ in range(max(1, int(self.candidates * scale) // (8 * max(1, len(best))))):
                    child = space.mutate(config, rng)
                    if child is not None:
                        extra.append(space.mutate(child, rng) or child)
            return extra, self._encode(space, extra)
        for config, _ in best:
            for values in space.neighbors(config, rng):
                add(values)
        configs, index, (onehot, num) = grid
        untried = np.ones(len(configs), dtype=bool)
        for h in tried:
            i = index.get(h)
            if i is not None:
                untried[i] = False
        for h in seen:
            untried[index[h]] = False  # already among the neighbours
        rows = np.flatnonzero(untried)
        if len(rows) > self.candidates:
            picker = np.random.default_rng(rng.getrandbits(63))
            rows = np.sort(picker.choice(rows, self.candidates, replace=False))
        pool = extra + [configs[i] for i in rows]
        enc_extra = self._encode(space, extra)
        return pool, (np.vstack([enc_extra[0], onehot[rows]]), np.vstack([enc_extra[1], num[rows]]))

    def _grid(self, space):
        """All configurations of a small finite space, a hash index and encodings (cached)."""
        if self._grid_cache[0] is space:
            return self._grid_cache[1]
        grid = None
        if space.is_finite():
            key = json.dumps([e.hp.get_config() for e in space.entries], sort_keys=True, default=str)
            grid = _GRID_CACHE.get(key)
            if grid is None:
                configs = []
                for values in space.iter_grid():
                    configs.append(values)
                    if len(configs) > GRID_LIMIT:
                        configs = None
                        break
                if configs is not None:
                    index = {config_hash(v): i for i, v in enumerate(configs)}
                    grid = (configs, index, self._encode(space, configs))
                    if len(_GRID_CACHE) >= 8:
                        _GRID_CACHE.pop(next(iter(_GRID_CACHE)))
                    _GRID_CACHE[key] = grid
        self._grid_cache = (space, grid)
        return grid

    def _fit(self, dist, y, step):
        """Fit the GP; the lengthscale is re-selected as the data grows (20% more
        points, or 10 proposals later), the noise level every time."""
        n, last = len(y), self._lengthscale
        if last is None or n >= 1.2 * last["n"] or n < last["n"] or step - last["draw"] >= 10:
            gp = GaussianProcess().fit(dist, y)
            self._lengthscale = {"n": n, "draw": step, "value": gp.lengthscale_}
            return gp
        return GaussianProcess(lengthscales=(last["value"],)).fit(dist, y)

    def _fit_ard(self, space, unique, points, step):
        """Fit the ARD model (`bayes_kernel`); its weights are re-optimized as the data grows
        (10% more points, or 5 proposals later), warm-started from the last fit."""
        flat = clip_outliers(np.array([f for s in points for f in s["fitness"]]))
        ys, start = [], 0
        for s in points:
            ys.append(flat[start:start + len(s["fitness"])])
            start += len(s["fitness"])
        widths = [len(space.entries[s].values) + 1 for s in space._cat_slots]
        n, last = len(points), self._ard
        refit = last is None or n >= 1.1 * last["n"] or n < last["n"] or step - last["draw"] >= 5
        gp = ArdGaussianProcess(widths, start=None if last is None else last["params"], refit=refit)
        gp.fit(unique, ys)
        if refit:
            self._ard = {"n": n, "draw": step, "params": [float(p) for p in gp.params_]}
        return gp

    def _acquire(self, history, stats, rng):
        points = self._model_points(stats)
        configs = [s["config"] for s in points]
        unique = self._encode(history.space, configs)
        with single_threaded_blas():
            if self.kernel == "ard":
                predict = self._fit_ard(history.space, unique, points, len(history.trials())).predict
            else:
                # every measurement is a point of its own: a configuration measured k times weighs k times
                rows = np.repeat(np.arange(len(points)), [len(s["fitness"]) for s in points])
                y = clip_outliers(np.array([f for s in points for f in s["fitness"]]))
                x = (unique[0][rows], unique[1][rows])
                gp = self._fit(distances(x, x), y, len(history.trials()))

                def predict(encoded):
                    return gp.predict(distances(encoded, x))
            fitted, fitted_sd = predict(unique)
            repeat = self._repeat(history, points, fitted, fitted_sd)
            if repeat is not None:
                return repeat
            candidates, encoded = self._candidates(history, [(c, m) for c, m in zip(configs, fitted)], rng)
            if not candidates:
                return None
            mean, std = predict(encoded)
        # the incumbent is the best posterior mean, not the luckiest measurement (noisy EI)
        ei = expected_improvement(mean, std, float(fitted.max()), self.xi)
        for i in np.argsort(-ei, kind="stable"):
            if history.is_new(candidates[int(i)]):
                return candidates[int(i)]
        return history.sample_new(rng)

    # -- state --------------------------------------------------------------
    def get_state(self):
        return dict(num_initial_points=self.num_initial_points, candidates=self.candidates,
                    neighbors_of=self.neighbors_of, xi=self.xi, max_points=self.max_points,
                    repeats=self.repeats, repeat_share=self.repeat_share, favourites=self.favourites,
                    lengthscale=self._lengthscale, kernel=self.kernel, ard=self._ard, race=self.race,
                    max_repeats=self.max_repeats, confidence=self.confidence)

    def set_state(self, state):
        for name in ("num_initial_points", "candidates", "neighbors_of", "xi", "max_points", "repeats",
                     "repeat_share", "favourites", "kernel", "race", "max_repeats", "confidence"):
            setattr(self, name, state.get(name, getattr(self, name)))
        self._lengthscale = state.get("lengthscale")
        self._ard = state.get("ard")
