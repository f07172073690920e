"""`SearchSpace`: a compiled, strategy-friendly view of a KerasTuner search space.

Search strategies need the same few operations on a space again and again:
sample a configuration, mutate one active hyperparameter, cross two parents,
list a configuration's neighbours, enumerate the whole space in grid order,
and encode configurations as arrays for a surrogate model. `SearchSpace`
provides them once, for every hyperparameter type and for conditional scopes
(a hyperparameter is *active* when its parent conditions hold; only active
values appear in a configuration, as in KerasTuner).

Pure Python plus numpy; randomness always comes from a `random.Random` passed
by the caller, so strategies stay seeded and reproducible.
"""

import numpy as np

# `MAX_FINITE_VALUES` is re-exported: it has always been importable from here.
from autonas.search.space_entry import MAX_FINITE_VALUES, MISSING as _MISSING, Entry as _Entry  # noqa: F401


class SearchSpace:
    """Compiled view of a `keras_tuner.HyperParameters` search space.

    Args:
        hyperparameters: a `keras_tuner.HyperParameters` whose `space` lists the
            hyperparameters, parents before their conditional children.

    Example:
        >>> import random, keras_tuner
        >>> hp = keras_tuner.HyperParameters()
        >>> kind = hp.Choice("kind", ["mlp", "cnn"])
        >>> with hp.conditional_scope("kind", "cnn"):
        ...     _ = hp.Int("filters", 8, 32, step=8)
        >>> space = SearchSpace(hp)
        >>> values = space.sample(random.Random(0))
        >>> sorted(values) in (["kind"], ["filters", "kind"])
        True
    """

    def __init__(self, hyperparameters):
        self.entries = [_Entry(hp) for hp in hyperparameters.space]
        self.names = sorted({e.name for e in self.entries})
        counts = {}
        for e in self.entries:
            counts[e.name] = counts.get(e.name, 0) + 1
        # names defined once: in a configuration (active values only) such a
        # hyperparameter is active exactly when its name is present
        self._unique = {name for name, n in counts.items() if n == 1}
        # encoding: categorical columns (finite, unordered) and numeric columns
        self._cat_slots = [i for i, e in enumerate(self.entries) if e.values is not None and not e.ordered
                           and len(e.values) > 1]
        self._num_slots = [i for i, e in enumerate(self.entries) if (e.values is None or e.ordered)
                           and e.cardinality > 1]

    def __len__(self):
        return len(self.entries)

    # -- activity -------------------------------------------------------------
    @staticmethod
    def _active(entry, values):
        if entry.parents is None:
            return all(c.is_active(values) for c in entry.conditions)
        for name, allowed in entry.parents:
            v = values.get(name, _MISSING)
            if v is _MISSING or v not in allowed:
                return False
        return True

    def _present(self, entry, values):
        """Whether `entry` is active in a configuration that holds active values only."""
        if entry.name not in values:
            return False
        return entry.name in self._unique or not entry.conditions or self._active(entry, values)

    def active_entries(self, values):
        """Entries active for a configuration, in space order (one per name).

        Args:
            values: a configuration (active values only).

        Returns:
            A list of entries (each with ``name``, ``values``, ``hp``...).

        Example:
            >>> [e.name for e in space.active_entries({"kind": "mlp"})]  # doctest: +SKIP
            ['kind']
        """
        seen, out = set(), []
        for e in self.entries:
            if e.name not in seen and self._present(e, values):
                seen.add(e.name)
                out.append(e)
        return out

    def is_active(self, entry, values):
        """Whether `entry` is active under the parent values already in `values` (a top-down walk).

        Args:
            entry: one of `entries`.
            values: the values chosen so far.

        Returns:
            A bool.
        """
        return not entry.conditions or self._active(entry, values)

    def complete(self, partial, rng=None):
        """Keep the valid active values of `partial`; fill the rest; drop inactive ones.

        Args:
            partial: mapping of names to values (extra or inactive names are dropped).
            rng: a `random.Random` to sample missing values; ``None`` uses defaults.

        Returns:
            A dict of exactly the active hyperparameter values.

        Example:
            >>> space.complete({"kind": "cnn"})  # doctest: +SKIP
            {'kind': 'cnn', 'filters': 8}
        """
        values = {}
        for e in self.entries:
            if e.name in values or (e.conditions and not self._active(e, values)):
                continue
            v = partial.get(e.name, _MISSING)
            if v is not _MISSING and e.valid(v):
                values[e.name] = v
            else:
                values[e.name] = e.default if rng is None else e.sample(rng)
        return values

    def contains(self, values):
        """Whether `values` (ignoring ``tuner/`` keys) is a complete valid configuration.

        Args:
            values: a dict of trial values.

        Returns:
            A bool.

        Example:
            >>> space.contains({"kind": "mlp", "tuner/epochs": 3})  # doctest: +SKIP
            True
        """
        config = {k: v for k, v in values.items() if not str(k).startswith("tuner/")}
        return self.complete(config) == config

    # -- sampling and variation -----------------------------------------------
    def sample(self, rng):
        """A uniformly random configuration (per hyperparameter, top-down).

        Args:
            rng: a `random.Random`.

        Returns:
            A dict of active values.

        Example:
            >>> space.sample(random.Random(0))  # doctest: +SKIP
            {'kind': 'cnn', 'filters': 24}
        """
        values = {}
        for e in self.entries:
            if e.name not in values and self._active(e, values):
                values[e.name] = e.sample(rng)
        return values

    def mutable_entries(self, values):
        """Active entries with more than one value (those a mutation can change).

        Args:
            values: a configuration.

        Returns:
            A list of entries.

        Example:
            >>> len(space.mutable_entries({"kind": "mlp"}))  # doctest: +SKIP
            1
        """
        return [e for e in self.active_entries(values) if e.cardinality > 1]

    def mutate(self, values, rng, entry=None):
        """Change one active hyperparameter; resample newly active children.

        Args:
            values: a configuration.
            rng: a `random.Random`.
            entry: the entry to change; ``None`` picks one uniformly at random.

        Returns:
            A new configuration, or ``None`` when nothing can change.

        Example:
            >>> space.mutate({"kind": "mlp"}, random.Random(0))  # doctest: +SKIP
            {'kind': 'cnn', 'filters': 16}
        """
        if entry is None:
            choices = self.mutable_entries(values)
            if not choices:
                return None
            entry = choices[rng.randrange(len(choices))]
        new_value = entry.other_value(values[entry.name], rng)
        if new_value is None:
            return None
        partial = dict(values)
        partial[entry.name] = new_value
        return self.complete(partial, rng)

    def crossover(self, a, b, rng):
        """Uniform crossover: each hyperparameter from either parent, then completed.

        Args:
            a: the first parent configuration.
            b: the second parent configuration.
            rng: a `random.Random`.

        Returns:
            A valid configuration (children made active are taken from a parent
            that has them, or sampled).

        Example:
            >>> space.crossover({"kind": "mlp"}, {"kind": "cnn", "filters": 8}, random.Random(1))  # doctest: +SKIP
            {'kind': 'cnn', 'filters': 8}
        """
        partial = {}
        for name in self.names:
            if name in a and name in b:
                partial[name] = a[name] if rng.random() < 0.5 else b[name]
            elif name in a:
                partial[name] = a[name]
            elif name in b:
                partial[name] = b[name]
        return self.complete(partial, rng)

    def neighbors(self, values, rng, limit=None):
        """Configurations one change away (numeric hyperparameters: two random steps).

        Args:
            values: a configuration.
            rng: a `random.Random` (children made active and numeric steps are sampled).
            limit: at most this many, a random subset; ``None`` for all of them.

        Returns:
            A list of configurations.

        Example:
            >>> len(space.neighbors({"kind": "cnn", "filters": 8}, random.Random(0)))  # doctest: +SKIP
            4
        """
        moves = []
        for e in self.mutable_entries(values):
            if e.values is None:
                moves += [(e, None), (e, None)]
                continue
            current = e.value_index(values[e.name])
            moves += [(e, v) for i, v in enumerate(e.values) if i != current]
        if limit is not None and len(moves) > limit:
            moves = rng.sample(moves, limit)
        out = []
        for e, v in moves:
            if v is None:
                out.append(self.mutate(values, rng, entry=e))
            else:
                partial = dict(values)
                partial[e.name] = v
                out.append(self.complete(partial, rng))
        return out

    # -- enumeration ----------------------------------------------------------
    def size(self, limit=10**7):
        """Number of configurations, or ``None`` when infinite or above `limit`.

        Args:
            limit: stop counting beyond this many.

        Returns:
            An int or ``None``.

        Example:
            >>> space.size()  # doctest: +SKIP
            5
        """
        count = 0
        for _ in self.iter_grid(finite_only=True):
            count += 1
            if count > limit:
                return None
        return count if self.is_finite() else None

    def is_finite(self):
        """Whether every hyperparameter takes finitely many values.

        Returns:
            A bool (False when a numeric hyperparameter has no small `step`).

        Example:
            >>> space.is_finite()  # doctest: +SKIP
            True
        """
        return all(e.values is not None for e in self.entries)

    def iter_grid(self, finite_only=False):
        """Every configuration in grid order (first hyperparameter slowest, defaults first).

        Args:
            finite_only: when True, numeric hyperparameters without a small step are
                skipped (used to count); otherwise they take 10 evenly spaced values.

        Yields:
            Configurations (dicts of active values).

        Example:
            >>> next(space.iter_grid())  # doctest: +SKIP
            {'kind': 'mlp'}
        """
        entries = self.entries

        def rec(i, values):
            while i < len(entries) and (entries[i].name in values or not self._active(entries[i], values)
                                        or (finite_only and entries[i].values is None)):
                i += 1
            if i == len(entries):
                yield dict(values)
                return
            e = entries[i]
            for v in e.grid_values():
                values[e.name] = v
                yield from rec(i + 1, values)
            del values[e.name]

        yield from rec(0, {})

    # -- encoding for surrogates ----------------------------------------------
    def encode(self, configs):
        """Encode configurations for a surrogate model.

        Args:
            configs: a list of configurations.

        Returns:
            ``(cat, num)``: ``cat`` an int array (n, n_categorical) holding each
            unordered finite hyperparameter's value index, ``-1`` when inactive;
            ``num`` a float array (n, n_numeric) holding ordered/numeric values
            scaled to [0, 1], ``-1`` when inactive.

        Example:
            >>> cat, num = space.encode([{"kind": "cnn", "filters": 8}])  # doctest: +SKIP
        """
        n = len(configs)
        cat = np.full((n, len(self._cat_slots)), -1, dtype=np.int64)
        num = np.full((n, len(self._num_slots)), -1.0)
        cat_slots = [(c, self.entries[slot]) for c, slot in enumerate(self._cat_slots)]
        num_slots = [(c, self.entries[slot]) for c, slot in enumerate(self._num_slots)]
        unique = self._unique
        for r, values in enumerate(configs):
            for c, e in cat_slots:
                v = values.get(e.name, _MISSING)
                if v is _MISSING or not (e.name in unique or not e.conditions or self._active(e, values)):
                    continue
                idx = e.index.get((v.__class__ is bool, v))
                if idx is not None:
                    cat[r, c] = idx
            for c, e in num_slots:
                v = values.get(e.name, _MISSING)
                if v is _MISSING or not (e.name in unique or not e.conditions or self._active(e, values)):
                    continue
                try:
                    num[r, c] = e.to_unit(v)
                except (TypeError, ValueError):
                    pass
        return cat, num
