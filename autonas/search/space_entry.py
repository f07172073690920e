"""`Entry`: one hyperparameter of a compiled `SearchSpace` and its per-value operations.

`autonas.search.space.SearchSpace` holds one `Entry` per hyperparameter of a
KerasTuner space: its finite values (numeric ones with a small step are
enumerated with KerasTuner's own stepping), whether they are ordered, its parent
conditions, and how to validate, sample, change and scale a value.

Pure Python plus KerasTuner's public hyperparameter classes; randomness always
comes from a `random.Random` passed by the caller.
"""

import math

from keras_tuner.engine import hyperparameters as hp_module

from autonas._compat import keras_tuner as kt_compat

#: Numeric hyperparameters with at most this many distinct values are treated
#: as finite (enumerable) ones.
MAX_FINITE_VALUES = 64

#: Marks a name absent from a configuration (``None`` can be a value).
MISSING = object()


class Entry:
    """One hyperparameter of a `SearchSpace`, with what strategies need to know.

    Its finite values (``None`` for a continuous numeric one), whether they are
    ordered, its parent conditions compiled for speed, and the per-value
    operations: validity, sampling, a different value, a position in [0, 1].

    Args:
        hp: a KerasTuner hyperparameter (`Fixed`, `Boolean`, `Choice`, `Int`, `Float`).

    Example:
        >>> from keras_tuner.engine import hyperparameters as hp_module
        >>> entry = Entry(hp_module.Choice("kind", ["mlp", "cnn"]))
        >>> entry.values, entry.cardinality
        (['mlp', 'cnn'], 2)
    """

    __slots__ = ("hp", "name", "conditions", "parents", "values", "index", "ordered", "numeric", "default")

    def __init__(self, hp):
        self.hp = hp
        self.name = hp.name
        self.conditions = list(hp.conditions)
        # KerasTuner's `Parent` conditions compiled to (name, allowed values) for speed
        self.parents = None
        if all(type(c).__name__ == "Parent" and hasattr(c, "values") for c in self.conditions):
            self.parents = tuple((c.name, frozenset(c.values)) for c in self.conditions)
        self.default = hp.default
        self.numeric = False
        self.ordered = False
        values = None
        if isinstance(hp, hp_module.Fixed):
            values = [hp.value]
        elif isinstance(hp, hp_module.Boolean):
            values = [False, True]
        elif isinstance(hp, hp_module.Choice):
            values = list(hp.values)
            self.ordered = bool(hp.ordered)
        elif isinstance(hp, (hp_module.Int, hp_module.Float)):
            if hp.step is not None:
                values = kt_compat.stepped_values(hp, MAX_FINITE_VALUES)  # KerasTuner's own stepping
                if values is not None:
                    if isinstance(hp, hp_module.Int):
                        values = [int(round(v)) for v in values]
            self.ordered = True
            if values is None:
                self.numeric = True
        else:  # pragma: no cover - every KerasTuner type is handled above
            raise TypeError(f"Unsupported hyperparameter type {type(hp).__name__} for {hp.name!r}.")
        self.values = values
        self.index = None if values is None else {self._key(v): i for i, v in enumerate(values)}

    @staticmethod
    def _key(value):
        # bool and int hash alike (True == 1); keep them apart.
        return (value.__class__ is bool, value)

    # -- values ---------------------------------------------------------------
    def valid(self, value):
        if self.index is not None:
            return (value.__class__ is bool, value) in self.index
        try:
            return self.hp.min_value <= value <= self.hp.max_value
        except TypeError:
            return False

    def value_index(self, value):
        return self.index.get(self._key(value))

    def sample(self, rng):
        if self.values is not None:
            return self.values[rng.randrange(len(self.values))]
        return self.hp.prob_to_value(rng.random())

    def other_value(self, value, rng):
        """A value different from `value` (None when the entry has only one)."""
        if self.values is not None:
            if len(self.values) < 2:
                return None
            current = self.value_index(value)
            choices = [i for i in range(len(self.values)) if i != current]
            return self.values[choices[rng.randrange(len(choices))]]
        # numeric: a Gaussian step in the hyperparameter's own (log/linear) scale
        prob = self.to_unit(value)
        for _ in range(8):
            new = self.hp.prob_to_value(min(max(prob + rng.gauss(0.0, 0.2), 0.0), 1.0 - 1e-9))
            if new != value:
                return new
        return self.hp.prob_to_value(rng.random())

    def to_unit(self, value):
        """Position of `value` in [0, 1] on the hyperparameter's own scale."""
        if self.values is not None:
            n = len(self.values)
            return 0.5 if n == 1 else self.value_index(value) / (n - 1)
        return min(max(float(self.hp.value_to_prob(value)), 0.0), 1.0)

    @property
    def cardinality(self):
        return math.inf if self.values is None else len(self.values)

    def grid_values(self):
        """All values for grid search, the default first."""
        if self.values is not None:
            values = list(self.values)
        else:
            values = sorted({self.hp.prob_to_value(i * 0.1 + 0.05) for i in range(10)})
        if self.default in values:
            values.remove(self.default)
        return [self.default] + values if self.default is not None else values
