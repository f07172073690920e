"""Search strategies: pure-Python `keras_tuner.Oracle` subclasses, selectable by name."""

from autonas.search.base import Oracle
from autonas.search.bayesian import BayesianOptimization
from autonas.search.evolution import AgingEvolution
from autonas.search.grid import GridSearch
from autonas.search.hyperband import Hyperband
from autonas.search.hyperband_evolution import HyperbandEvolution
from autonas.search.darts_oracle import DartsOracle
from autonas.search.random_search import RandomSearch
from autonas.search.successive_halving import SuccessiveHalving

#: strategy name -> oracle class. Strategies register themselves here.
STRATEGIES = {
    "random": RandomSearch,
    "grid": GridSearch,
    "evolution": AgingEvolution,
    "bayesian": BayesianOptimization,
    "hyperband": Hyperband,
    "hyperband-evolution": HyperbandEvolution,
    "successive-halving": SuccessiveHalving,
    # one-shot: the supernet search runs in autonas.darts.tuner.DartsTuner
    "darts": DartsOracle,
}


def get_oracle(tuner, objective, max_trials, seed=None, **kwargs):
    """Turn a strategy name or an oracle instance into a ready oracle.

    Args:
        tuner: a name from `STRATEGIES` or a `keras_tuner.Oracle` instance.
        objective: the objective (used only when `tuner` is a name).
        max_trials: number of trials (used only when `tuner` is a name).
        seed: random seed (used only when `tuner` is a name).
        **kwargs: extra arguments for the oracle class.

    Returns:
        A `keras_tuner.Oracle`.

    Example:
        >>> oracle = get_oracle("random", "val_accuracy", max_trials=3, seed=0)
    """
    import keras_tuner

    if isinstance(tuner, keras_tuner.Oracle):
        return tuner
    if not isinstance(tuner, str):
        raise TypeError(
            f"`tuner` must be a strategy name ({', '.join(sorted(STRATEGIES))}) or a keras_tuner.Oracle "
            f"instance; received {type(tuner).__name__}."
        )
    key = tuner.lower()
    if key not in STRATEGIES:
        raise ValueError(f"`tuner` must be one of {sorted(STRATEGIES)}; received {tuner!r}.")
    return STRATEGIES[key](objective=objective, max_trials=max_trials, seed=seed, **kwargs)


__all__ = ["AgingEvolution", "BayesianOptimization", "DartsOracle", "GridSearch", "Hyperband", "HyperbandEvolution", "Oracle",
           "RandomSearch", "STRATEGIES", "SuccessiveHalving", "get_oracle"]
