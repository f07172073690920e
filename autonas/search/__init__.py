"""Search strategies: pure-Python `Strategy` classes, selectable by name, run as KerasTuner oracles.

A strategy (`Strategy`, one method ``propose(history, rng)``) reads a
read-only `SearchHistory`; `StrategyOracle` is the one adapter that makes it a
`keras_tuner.Oracle` for a local or distributed search, and
`autonas.benchmarks.TableBenchmark` runs it over an `InMemoryHistory`. The
oracle classes below (`RandomSearch`, `AgingEvolution`, ...) are the
strategies wrapped by that adapter, for code that wants an oracle instance.
"""

from autonas.search.adapter import StrategyOracle, oracle_class
from autonas.search.bayesian import BayesianStrategy
from autonas.search.darts_oracle import DartsStrategy
from autonas.search.evolution import AgingEvolutionStrategy
from autonas.search.grid import GridStrategy
from autonas.search.history import InMemoryHistory, SearchHistory
from autonas.search.hyperband import HyperbandStrategy
from autonas.search.hyperband_evolution import HyperbandEvolutionStrategy
from autonas.search.random_search import RandomStrategy
from autonas.search.reinforce import ReinforceStrategy
from autonas.search.stop_rules import StopRules
from autonas.search.strategy import STRATEGIES, Proposal, Strategy, register, run, stop, wait
from autonas.search.successive_halving import SuccessiveHalvingStrategy

RandomSearch = oracle_class(RandomStrategy, "RandomSearch")
GridSearch = oracle_class(GridStrategy, "GridSearch")
AgingEvolution = oracle_class(AgingEvolutionStrategy, "AgingEvolution")
BayesianOptimization = oracle_class(BayesianStrategy, "BayesianOptimization")
Hyperband = oracle_class(HyperbandStrategy, "Hyperband")
HyperbandEvolution = oracle_class(HyperbandEvolutionStrategy, "HyperbandEvolution")
SuccessiveHalving = oracle_class(SuccessiveHalvingStrategy, "SuccessiveHalving")
DartsOracle = oracle_class(DartsStrategy, "DartsOracle")


def get_strategy(tuner, **kwargs):
    """A `Strategy` instance from a registered name (or the instance itself).

    Args:
        tuner: a name from `STRATEGIES` or a `Strategy` instance.
        **kwargs: the strategy's settings (only with a name).

    Returns:
        A `Strategy`.

    Example:
        >>> get_strategy("evolution", population_size=20).population_size
        20
    """
    if isinstance(tuner, Strategy):
        return tuner
    if not isinstance(tuner, str):
        raise TypeError(f"`tuner` must be a strategy name ({', '.join(sorted(STRATEGIES))}) or a Strategy; "
                        f"received {type(tuner).__name__}.")
    key = tuner.lower()
    if key not in STRATEGIES:
        raise ValueError(f"`tuner` must be one of {sorted(STRATEGIES)}; received {tuner!r}.")
    return STRATEGIES[key](**kwargs)


def get_oracle(tuner, objective, max_trials, seed=None, **kwargs):
    """Turn a strategy name, a `Strategy` or an oracle instance into a ready oracle.

    Args:
        tuner: a name from `STRATEGIES`, a `Strategy` instance or a `keras_tuner.Oracle` instance.
        objective: the objective (unused for an oracle instance).
        max_trials: number of trials (unused for an oracle instance).
        seed: random seed (unused for an oracle instance).
        **kwargs: the oracle's arguments (``initial_hps``, ``remeasure``, ...) and, with a name, the strategy's.

    Returns:
        A `keras_tuner.Oracle`.

    Example:
        >>> oracle = get_oracle("random", "val_accuracy", max_trials=3, seed=0)
    """
    import keras_tuner

    if isinstance(tuner, keras_tuner.Oracle):
        return tuner
    if isinstance(tuner, Strategy):
        return StrategyOracle(tuner, objective=objective, max_trials=max_trials, seed=seed, **kwargs)
    if not isinstance(tuner, str):
        raise TypeError(
            f"`tuner` must be a strategy name ({', '.join(sorted(STRATEGIES))}), a Strategy or a "
            f"keras_tuner.Oracle instance; received {type(tuner).__name__}."
        )
    key = tuner.lower()
    if key not in STRATEGIES:
        raise ValueError(f"`tuner` must be one of {sorted(STRATEGIES)}; received {tuner!r}.")
    return oracle_class(STRATEGIES[key])(objective=objective, max_trials=max_trials, seed=seed, **kwargs)


__all__ = ["AgingEvolution", "AgingEvolutionStrategy", "BayesianOptimization", "BayesianStrategy", "DartsOracle",
           "DartsStrategy", "GridSearch", "GridStrategy", "Hyperband", "HyperbandEvolution",
           "HyperbandEvolutionStrategy", "HyperbandStrategy", "InMemoryHistory", "Proposal", "RandomSearch",
           "RandomStrategy", "ReinforceStrategy", "STRATEGIES", "SearchHistory", "StopRules", "Strategy", "StrategyOracle",
           "SuccessiveHalving", "SuccessiveHalvingStrategy", "get_oracle", "get_strategy", "register", "run",
           "stop", "wait"]
