"""Aging (regularized) evolution, Real et al. 2019."""

from autonas.search.strategy import Strategy, register, run, stop
from autonas.utils.validation import check_float, check_int


@register("evolution")
class AgingEvolutionStrategy(Strategy):
    """Aging evolution: tournament selection, one mutation, the oldest member dies.

    The population is the `population_size` most recent configurations with a
    result (failed trials never join it); until it is full, configurations are
    sampled at random. Each proposal samples `sample_size` members, takes the
    best (by mean score over its measurements) and changes one of its active
    hyperparameters: under a conditional scope, children that become active are
    sampled and inactive ones dropped. Everything is derived from the trial
    history, so a reloaded search resumes exactly. A child already tried is
    mutated again (then replaced by a random configuration); the search stops
    when the space is exhausted.

    Reference: E. Real, A. Aggarwal, Y. Huang, Q. V. Le, "Regularized Evolution
    for Image Classifier Architecture Search", AAAI 2019.

    Args:
        population_size: size P of the population.
        sample_size: tournament size S.

    Example:
        >>> strategy = AgingEvolutionStrategy(population_size=10, sample_size=3)
    """

    def __init__(self, population_size=10, sample_size=3):
        self.population_size = check_int(population_size, "population_size", minimum=1)
        self.sample_size = check_int(sample_size, "sample_size", minimum=1)

    def population(self, history):
        """The current population: ``(config, mean fitness)`` pairs, oldest first (larger is better).

        Args:
            history: the `SearchHistory`.

        Returns:
            A list of pairs.
        """
        members = [s for s in history.config_stats().values() if s["fitness"]]
        members.sort(key=lambda s: s["first"])
        members = members[-self.population_size:]
        return [(s["config"], sum(s["fitness"]) / len(s["fitness"])) for s in members]

    def propose(self, history, rng):
        population = self.population(history)
        values = None
        if len(population) >= self.population_size:
            values = self._child(history, population, rng)
        if values is None:
            values = history.sample_new(rng)
        return stop() if values is None else run(values)

    def _child(self, history, population, rng, attempts=20):
        space = history.space
        sample = rng.sample(range(len(population)), min(self.sample_size, len(population)))
        parent = population[max(sample, key=lambda i: (population[i][1], i))][0]
        for attempt in range(attempts):
            child = space.mutate(parent, rng)
            if child is None:
                return None
            if attempt >= attempts // 2:  # the neighbourhood is used up: walk one step further
                child = space.mutate(child, rng) or child
            if history.is_new(child):
                return child
        return None

    def get_state(self):
        return {"population_size": self.population_size, "sample_size": self.sample_size}

    def set_state(self, state):
        self.population_size = state.get("population_size", self.population_size)
        self.sample_size = state.get("sample_size", self.sample_size)
