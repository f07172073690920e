"""`SearchHistory`: what a strategy may read about a search, and `InMemoryHistory` to run one without disk.

A strategy sees the search only through a `SearchHistory`: the trials in the
order they started (values, status, fitness), the order they ended, the
compiled `SearchSpace`, the warm-start configurations and the budget. It never
sees KerasTuner's `Oracle` or `Trial`: the adapter (`autonas.search.adapter`)
builds a history from them, and `InMemoryHistory` is one a benchmark or a test
fills directly. Pure Python.

Trial values under ``tuner/`` are instructions to the trial runner, not
hyperparameters (see `FIDELITY_KEYS`, `REPEAT_KEY`, `CONTINUE_KEY`); a
configuration is its values without them, identified by `config_hash`.
"""

import hashlib
import types
from dataclasses import dataclass

RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
INVALID = "INVALID"

#: Multi-fidelity bookkeeping keys that do not make a configuration different.
FIDELITY_KEYS = ("tuner/epochs", "tuner/initial_epoch", "tuner/bracket", "tuner/round", "tuner/examples",
                 "tuner/full", "tuner/patience")
#: Key marking an explicit re-measurement of an already-measured configuration.
REPEAT_KEY = "tuner/repeat"
#: Key naming the trial whose checkpoint a promoted trial continues from.
CONTINUE_KEY = "tuner/trial_id"
#: Enumerate finite spaces up to this size to find what is left when sampling collides.
ENUMERATION_LIMIT = 200_000


def config_of(values):
    """The hyperparameter values of a trial, without the ``tuner/`` keys.

    Args:
        values: a mapping of trial values.

    Returns:
        A new dict without keys starting with ``"tuner/"``.

    Example:
        >>> config_of({"units": 32, "tuner/epochs": 3})
        {'units': 32}
    """
    return {k: v for k, v in values.items() if not str(k).startswith("tuner/")}


def config_hash(values):
    """The one hash of a configuration (``tuner/`` keys ignored).

    Args:
        values: a mapping of values.

    Returns:
        A 32-character hex string, equal for equal configurations.

    Example:
        >>> config_hash({"a": 1, "tuner/round": 2}) == config_hash({"a": 1})
        True
    """
    config = config_of(values)
    s = "".join(f"{k}={config[k]}" for k in sorted(config))
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:32]


def complete(space, partial):
    """Fill a partial configuration with the space's defaults, keeping names the space does not know yet.

    Unknown names belong to conditional scopes that no build has entered so
    far, and apply when the model registers them.

    Args:
        space: a `SearchSpace`.
        partial: a mapping of names to values.

    Returns:
        A new dict.

    Example:
        >>> complete(space, {"units": 64})  # doctest: +SKIP
        {'units': 64, 'dropout': 0.0}
    """
    values = space.complete(partial)
    known = set(space.names)
    values.update({k: v for k, v in partial.items() if k not in known})
    return values


@dataclass(frozen=True)
class TrialRecord:
    """One trial as a strategy sees it.

    Attributes:
        trial_id: the trial's id.
        values: its values (read-only mapping, ``tuner/`` keys included).
        status: ``"RUNNING"``, ``"COMPLETED"``, ``"FAILED"``, ``"INVALID"`` or another runner status.
        fitness: the score oriented so that larger is better; None unless completed with a score.
        key: `config_hash` of its values.
    """

    trial_id: str
    values: types.MappingProxyType
    status: str
    fitness: float = None
    key: str = ""

    @property
    def config(self):
        """Its configuration (values without ``tuner/`` keys), a new dict."""
        return config_of(self.values)


class SearchHistory:
    """A read-only view of a search: trials, space, warm start and budget.

    Args:
        space: the `autonas.search.space.SearchSpace` searched.
        trials: `TrialRecord`s in the order they started.
        end_order: ids of the ended trials, in the order they ended.
        max_trials: the trial budget (None: unbounded).
        warm_start: configurations to try first (already completed with defaults).
        next_trial_id: the id the next proposed trial will get.
        tried: extra config hashes that count as tried (proposals a constraint rejected).

    Example:
        >>> history.completed()[-1].fitness  # doctest: +SKIP
        0.93
    """

    def __init__(self, space, trials=(), end_order=(), max_trials=None, warm_start=(), next_trial_id=None,
                 tried=()):
        self.space = space
        self._trials = list(trials)
        self._by_id = {t.trial_id: t for t in self._trials}
        self._end_order = list(end_order)
        self.max_trials = max_trials
        self._warm_start = [dict(v) for v in warm_start]
        self.next_trial_id = next_trial_id
        self._tried = set(tried)
        self._keys = None

    # -- trials -----------------------------------------------------------------
    def trials(self):
        """All trials in the order they started (a new list of `TrialRecord`)."""
        return list(self._trials)

    def trial(self, trial_id):
        """The `TrialRecord` of `trial_id`, or None."""
        return self._by_id.get(trial_id)

    def running(self):
        """Trials still running (started, not ended)."""
        return [t for t in self._trials if t.status == RUNNING]

    def completed(self):
        """Completed trials with a fitness, in the order they ended."""
        out = []
        for trial_id in self._end_order:
            t = self._by_id.get(trial_id)
            if t is not None and t.fitness is not None:
                out.append(t)
        return out

    def ended(self):
        """Ended trials (completed or failed), in the order they ended."""
        return [self._by_id[i] for i in self._end_order if i in self._by_id]

    def remaining_trials(self):
        """Trials the budget still allows (None when unbounded)."""
        return None if self.max_trials is None else max(0, self.max_trials - len(self._trials))

    # -- configurations -----------------------------------------------------------
    def tried_keys(self):
        """Config hashes of every configuration tried (started or rejected), a set."""
        if self._keys is None:
            self._keys = {t.key for t in self._trials} | self._tried
        return self._keys

    def is_new(self, values):
        """Whether no trial (and no rejected proposal) had this configuration."""
        return values is not None and config_hash(values) not in self.tried_keys()

    def config_stats(self):
        """Statistics per configuration over first runs and re-measurements.

        Continuations (trials with ``tuner/trial_id``) are left out.

        Returns:
            A dict in first-seen order: config hash -> ``{"config", "fitness"
            (list, larger is better), "attempts" (all trials incl. running and
            failed), "trial_ids", "first"}`` where ``first`` is the start index.
        """
        stats = {}
        for index, t in enumerate(self._trials):
            if CONTINUE_KEY in t.values:
                continue
            s = stats.get(t.key)
            if s is None:
                s = stats[t.key] = {"config": t.config, "fitness": [], "attempts": 0, "trial_ids": [],
                                    "first": index}
            s["attempts"] += 1
            s["trial_ids"].append(t.trial_id)
            if t.fitness is not None:
                s["fitness"].append(t.fitness)
        return stats

    def observed(self):
        """``(config, mean fitness)`` of every configuration with a result, first-seen order."""
        return [(s["config"], sum(s["fitness"]) / len(s["fitness"]))
                for s in self.config_stats().values() if s["fitness"]]

    def warm_start(self):
        """The first warm-start configuration not tried yet, or None."""
        for values in self._warm_start:
            if self.is_new(values):
                return dict(values)
        return None

    def exclude(self, values):
        """Count `values` as tried without running it (the search calls this when a constraint rejects it)."""
        key = config_hash(values)
        self._tried.add(key)
        if self._keys is not None:
            self._keys.add(key)

    def sample_new(self, rng, attempts=50):
        """A random configuration never tried before, or None when the space is exhausted.

        Args:
            rng: a `random.Random`.
            attempts: random draws before the space is enumerated.

        Returns:
            A dict or None.
        """
        for _ in range(attempts):
            values = self.space.sample(rng)
            if self.is_new(values):
                return values
        return self.pick_untried(rng)

    def pick_untried(self, rng):
        """Enumerate a finite space and pick an untried configuration at random (None: none left)."""
        space = self.space
        if not space.is_finite():
            return None
        left = []
        for i, values in enumerate(space.iter_grid()):
            if i >= ENUMERATION_LIMIT:
                break
            if self.is_new(values):
                left.append(values)
        return left[rng.randrange(len(left))] if left else None


class InMemoryHistory(SearchHistory):
    """A `SearchHistory` kept in memory and filled by the caller: benchmarks and tests.

    Args:
        space: a `SearchSpace`.
        max_trials: the trial budget (None: unbounded).
        warm_start: configurations to try first.

    Example:
        >>> history = InMemoryHistory(space, max_trials=10)          # doctest: +SKIP
        >>> trial_id = history.start({"units": 32})                  # doctest: +SKIP
        >>> history.end(trial_id, fitness=0.9)                       # doctest: +SKIP
    """

    def __init__(self, space, max_trials=None, warm_start=()):
        super().__init__(space, max_trials=max_trials, next_trial_id="0",
                         warm_start=[complete(space, partial) for partial in warm_start])
        self._index = {}

    def start(self, values):
        """Record a new running trial with `values`; returns its id."""
        trial_id = self.next_trial_id
        values = dict(values)
        record = TrialRecord(trial_id, types.MappingProxyType(values), RUNNING, None, config_hash(values))
        self._index[trial_id] = len(self._trials)
        self._trials.append(record)
        self._by_id[trial_id] = record
        if self._keys is not None:
            self._keys.add(record.key)
        self.next_trial_id = str(len(self._trials))
        return trial_id

    def end(self, trial_id, fitness=None, status=None):
        """End a running trial: completed with `fitness` (larger is better), or failed when None."""
        old = self._by_id[trial_id]
        status = status or (COMPLETED if fitness is not None else FAILED)
        record = TrialRecord(trial_id, old.values, status, None if fitness is None else float(fitness), old.key)
        self._trials[self._index[trial_id]] = record
        self._by_id[trial_id] = record
        self._end_order.append(trial_id)

