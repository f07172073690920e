"""Hyperband whose new configurations are bred from the best earlier ones (after DEHB and BOHB)."""

from autonas.search.history import CONTINUE_KEY
from autonas.search.hyperband import HyperbandStrategy
from autonas.search.strategy import register
from autonas.utils.validation import check_float, check_int


@register("hyperband-evolution")
class HyperbandEvolutionStrategy(HyperbandStrategy):
    """Hyperband brackets and successive halving, with evolved rather than random newcomers.

    The schedule, the ``tuner/*`` keys and the promotions are exactly those of
    `Hyperband` (promoted configurations continue from their checkpoints; see
    there for ``max_epochs`` and ``set_max_epochs``). What changes is where the
    configurations that enter a bracket come from: after the first bracket
    (random, for a diverse start), each is bred from the best configurations so
    far instead of drawn at random.
    "Best" ranks configurations first by the most epochs they were trained for
    (surviving more rounds of successive halving is the stronger evidence),
    then by their score at that budget. A parent is picked by a tournament of
    `sample_size` among the best `population_size`; with probability
    `crossover_rate` a second parent is picked the same way and the child takes
    each hyperparameter from either parent (uniform crossover, conditional
    scopes respected); otherwise, or when crossover gives nothing new, one
    active hyperparameter is mutated. A fraction `random_fraction` of the
    newcomers stays random, to keep exploring (as in BOHB).

    References: N. Awad, N. Mallik, F. Hutter, "DEHB: Evolutionary Hyperband for
    Scalable, Robust and Efficient Hyperparameter Optimization", IJCAI 2021;
    S. Falkner, A. Klein, F. Hutter, "BOHB: Robust and Efficient Hyperparameter
    Optimization at Scale", ICML 2018.

    Args:
        population_size: how many of the best configurations may be parents.
        sample_size: tournament size.
        crossover_rate: probability of breeding from two parents.
        random_fraction: probability that a newcomer is random.
        **kwargs: see `HyperbandStrategy` (``max_epochs``, ``factor``, ``hyperband_iterations``).

    Example:
        >>> strategy = HyperbandEvolutionStrategy(max_epochs=27)
    """

    def __init__(self, population_size=10, sample_size=3, crossover_rate=0.5, random_fraction=0.2, **kwargs):
        population_size = check_int(population_size, "population_size", minimum=1)
        sample_size = check_int(sample_size, "sample_size", minimum=1)
        crossover_rate = check_float(crossover_rate, "crossover_rate", minimum=0, maximum=1)
        random_fraction = check_float(random_fraction, "random_fraction", minimum=0, maximum=1)
        super().__init__(**kwargs)
        self.population_size = population_size
        self.sample_size = sample_size
        self.crossover_rate = crossover_rate
        self.random_fraction = float(random_fraction)

    def parents(self, history):
        """The best configurations so far, best first.

        Args:
            history: the `SearchHistory`.

        Returns:
            A list of configurations ranked by (most epochs trained, score there).

        Example:
            >>> oracle.parents()[:1]  # doctest: +SKIP
        """
        best = {}
        for trial in history.completed():
            epochs = trial.values.get("tuner/epochs", self.max_epochs or 0)
            rank = (epochs, trial.fitness)
            if trial.key not in best or rank > best[trial.key][0]:
                best[trial.key] = (rank, trial.config)
        ranked = sorted(best.values(), key=lambda rc: rc[0], reverse=True)
        return [config for _, config in ranked[: self.population_size]]

    def _tournament(self, parents, rng):
        picks = rng.sample(range(len(parents)), min(self.sample_size, len(parents)))
        return parents[min(picks)]  # parents are ranked: the smallest index wins

    def _new_config(self, bracket, history, rng):
        values = history.warm_start()
        if values is not None:
            return values
        first_bracket = bool(self._brackets) and bracket is self._brackets[0]
        parents = [] if first_bracket else self.parents(history)
        if len(parents) < min(self.population_size, 4) or rng.random() < self.random_fraction:
            return history.sample_new(rng)
        space = history.space
        for _ in range(20):
            first = self._tournament(parents, rng)
            child = None
            if rng.random() < self.crossover_rate:
                second = self._tournament([p for p in parents if p is not first] or parents, rng)
                child = space.crossover(first, second, rng)
                if child in (first, second) or not history.is_new(child):
                    child = space.mutate(child, rng)
            else:
                child = space.mutate(first, rng)
            if child is not None and CONTINUE_KEY not in child and history.is_new(child):
                return child
        return history.sample_new(rng)

    def get_state(self):
        state = super().get_state()
        state.update(population_size=self.population_size, sample_size=self.sample_size,
                     crossover_rate=self.crossover_rate, random_fraction=self.random_fraction)
        return state

    def set_state(self, state):
        super().set_state(state)
        for name in ("population_size", "sample_size", "crossover_rate", "random_fraction"):
            setattr(self, name, state.get(name, getattr(self, name)))
