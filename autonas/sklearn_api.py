"""scikit-learn conventions for `AutoModel` and every task class.

`EstimatorMixin` gives `get_params` / `set_params` (so `sklearn.base.clone`
and scikit-learn's model-selection tools can copy an unfitted search), `score`
(accuracy for a classifier, R² for a regressor, as scikit-learn's estimators
define it) and a readable `repr`. The arguments of every constructor are
recorded as they were passed, which is what `clone` checks.

`StrategyName` keeps the AutoKeras habit ``clf.tuner.results_summary()``
working: ``clf.tuner`` is the strategy name given to the constructor (a `str`),
and after `fit` its other attributes are those of the fitted KerasTuner tuner,
``clf.tuner_``.

Example:
    >>> from sklearn.base import clone
    >>> clf = autonas.ImageClassifier(max_trials=3, seed=0)     # doctest: +SKIP
    >>> clone(clf).get_params()["max_trials"]                    # doctest: +SKIP
    3
    >>> clf.fit(x, y); clf.score(x_test, y_test)                 # doctest: +SKIP
    0.97
"""

import copy
import functools
import inspect
import weakref

import numpy as np

__all__ = ["EstimatorMixin", "StrategyName"]


class EstimatorMixin:
    """`get_params`, `set_params`, `score` and `repr` from the constructor's arguments.

    Example:
        >>> clf = autonas.TextClassifier(max_trials=2)       # doctest: +SKIP
        >>> clf.set_params(max_trials=5).max_trials          # doctest: +SKIP
        5
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording(cls.__init__)

    @classmethod
    def _param_names(cls):
        """The constructor's parameters, and those it passes on through ``**kwargs`` (`AutoModel`'s)."""
        names, first = [], True
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or klass in (EstimatorMixin, object):
                continue
            variadic = False
            for name, p in inspect.signature(init).parameters.items():
                if p.kind == p.VAR_KEYWORD:
                    variadic = True
                elif name != "self" and p.kind != p.VAR_POSITIONAL and name not in names:
                    # a task class builds the graph itself: AutoModel's inputs/outputs are not its parameters
                    if first or name not in ("inputs", "outputs"):
                        names.append(name)
            first = False
            if not variadic:
                break
        return names

    @classmethod
    def _defaults(cls):
        defaults = {}
        for klass in reversed(cls.__mro__):
            init = klass.__dict__.get("__init__")
            if init is None or klass is object:
                continue
            for name, p in inspect.signature(init).parameters.items():
                if p.default is not p.empty:
                    defaults[name] = p.default
        return defaults

    def get_params(self, deep=True):
        """The constructor's arguments, as passed (defaults for those not passed).

        Args:
            deep: accepted for scikit-learn compatibility (no nested estimators).

        Returns:
            A dict of parameter name to value.

        Example:
            >>> autonas.ImageClassifier(max_trials=4).get_params()["max_trials"]  # doctest: +SKIP
            4
        """
        recorded = getattr(self, "_init_params", {})
        defaults = self._defaults()
        return {name: recorded[name] if name in recorded else defaults.get(name) for name in self._param_names()}

    def set_params(self, **params):
        """Change constructor arguments; the object is built afresh with them (a fitted model is dropped).

        The new arguments are validated first: a refused change leaves the object as it was.

        Args:
            **params: parameter names and new values.

        Returns:
            self.

        Raises:
            ValueError: a name that is not a constructor parameter.

        Example:
            >>> clf.set_params(max_trials=20, tuner="bayesian")  # doctest: +SKIP
        """
        valid = self._param_names()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ValueError(f"Invalid parameter(s) {unknown} for {type(self).__name__}; valid parameters are "
                             f"{sorted(valid)}.")
        if not params:
            return self
        fresh = type(self)(**{**self.get_params(), **params})  # validates before anything changes
        self.__dict__.clear()
        self.__dict__.update(fresh.__dict__)
        if isinstance(getattr(self, "tuner", None), StrategyName):
            self.tuner = StrategyName(str(self.tuner), self)
        return self

    def __sklearn_clone__(self):
        """An unfitted copy with the same arguments (`sklearn.base.clone` calls it).

        The arguments are deep-copied together, so that a custom graph's
        `inputs` and `outputs` stay connected in the copy.
        """
        return type(self)(**copy.deepcopy(self.get_params()))

    def score(self, x, y, sample_weight=None):
        """Accuracy (classification) or R² (regression) of the refitted model on `x`, `y`.

        The same definitions as scikit-learn's `ClassifierMixin.score` and
        `RegressorMixin.score`, so model-selection tools compare it directly.

        Args:
            x: inputs in the same form as at fit.
            y: targets in the same form as at fit.
            sample_weight: optional per-example weights.

        Returns:
            A float; higher is better.

        Raises:
            ValueError: for a model with several heads.

        Example:
            >>> clf.score(x_test, y_test)  # doctest: +SKIP
            0.9722
        """
        from sklearn.metrics import accuracy_score, r2_score

        heads = getattr(self, "heads", [])
        if len(heads) != 1:
            raise ValueError(f"`score` needs a model with one head; this one has {len(heads)}. Use `evaluate`.")
        predicted = self.predict(x)
        y = np.asarray(self._load(x, y)[1] if _is_path_or_dataset(x) else y)
        if getattr(heads[0], "encoder", None) is not None:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y[:, 0]
            if y.dtype.kind == "O" or np.asarray(predicted).dtype.kind == "O":
                y, predicted = y.astype(str), np.asarray(predicted).astype(str)
            return float(accuracy_score(y, predicted, sample_weight=sample_weight))
        return float(r2_score(y.reshape(len(y), -1), np.asarray(predicted).reshape(len(y), -1),
                              sample_weight=sample_weight))

    def __repr__(self):
        defaults = self._defaults()
        params = getattr(self, "_init_params", None) or {}
        shown = [f"{k}={v!r}" for k, v in params.items()
                 if k not in ("inputs", "outputs") and not _same(v, defaults.get(k, inspect.Parameter.empty))]
        return f"{type(self).__name__}({', '.join(shown)})"


class StrategyName(str):
    """The strategy name passed as ``tuner=``; other attributes come from the fitted tuner.

    ``clf.tuner == "random"`` and every `str` use work as before; after `fit`,
    ``clf.tuner.results_summary()``, ``clf.tuner.oracle`` and
    ``clf.tuner.get_best_models()`` are those of ``clf.tuner_`` (AutoKeras's
    habit). Before `fit` such an attribute raises an AttributeError naming
    the autonas spelling.

    Args:
        value: the strategy name.
        owner: the `AutoModel` it belongs to.

    Example:
        >>> clf.tuner.results_summary(1)  # doctest: +SKIP
    """

    def __new__(cls, value, owner):
        name = super().__new__(cls, value)
        name._owner = weakref.ref(owner)
        return name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        owner = self._owner() if "_owner" in self.__dict__ else None
        fitted = getattr(owner, "tuner_", None) if owner is not None else None
        if fitted is not None and hasattr(fitted, attr):
            return getattr(fitted, attr)
        raise AttributeError(
            f"`clf.tuner` is the search strategy name {str(self)!r}, a string; it has no attribute {attr!r}. "
            "After `fit`, the KerasTuner tuner is `clf.tuner_` (e.g. `clf.tuner_.results_summary()`); the "
            "trials are in `clf.leaderboard()` and the best one in `clf.summary()`."
            + ("" if fitted is not None else " This model has not been fitted yet."))

    def __reduce__(self):  # copies and pickles are plain strings
        return (str, (str(self),))


def _recording(init):
    """Wrap a constructor so that the outermost call records its arguments as passed."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        if getattr(self, "_init_params", None) is None:
            bound = signature.bind(self, *args, **kwargs)
            params = {}
            for name, value in list(bound.arguments.items())[1:]:
                if signature.parameters[name].kind == inspect.Parameter.VAR_KEYWORD:
                    params.update(value)
                else:
                    params[name] = value
            self._init_params = params
        init(self, *args, **kwargs)

    return wrapper


def _same(a, b):
    try:
        return a is b or bool(a == b)
    except Exception:  # arrays, objects without a boolean ==
        return False


def _is_path_or_dataset(x):
    import os

    from autonas.data.forms import is_dataset

    return isinstance(x, (str, os.PathLike)) or is_dataset(x)
