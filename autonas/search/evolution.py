"""Aging (regularized) evolution, Real et al. 2019."""

from autonas.search.base import RUNNING, STOPPED, Oracle


class AgingEvolution(Oracle):
    """Aging evolution: tournament selection, one mutation, the oldest member dies.

    The population is the `population_size` most recent configurations with a
    result (failed trials never join it); until it is full, configurations are
    sampled at random. Each proposal samples `sample_size` members, takes the
    best (by mean score over its measurements) and changes one of its active
    hyperparameters: under a conditional scope, children that become active are
    sampled and inactive ones dropped. Everything is derived from the trial
    history, so a reloaded oracle resumes exactly. A child already tried is
    mutated again (then replaced by a random configuration); the search stops
    when the space is exhausted.

    Reference: E. Real, A. Aggarwal, Y. Huang, Q. V. Le, "Regularized Evolution
    for Image Classifier Architecture Search", AAAI 2019.

    Args:
        population_size: size P of the population.
        sample_size: tournament size S.
        **kwargs: see `autonas.search.Oracle`.

    Example:
        >>> oracle = AgingEvolution(objective="val_accuracy", max_trials=50,
        ...                         population_size=10, sample_size=3, seed=1)
    """

    def __init__(self, objective=None, max_trials=10, population_size=10, sample_size=3, **kwargs):
        for name, value in (("population_size", population_size), ("sample_size", sample_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer; received {value!r}.")
        super().__init__(objective=objective, max_trials=max_trials, **kwargs)
        self.population_size = population_size
        self.sample_size = sample_size

    def population(self):
        """The current population, derived from the trial history.

        Returns:
            ``(config, mean fitness)`` pairs, oldest first (fitness: larger is better).

        Example:
            >>> [f for _, f in oracle.population()]  # doctest: +SKIP
        """
        members = [s for s in self.config_stats().values() if s["fitness"]]
        members.sort(key=lambda s: s["first"])
        members = members[-self.population_size:]
        return [(s["config"], sum(s["fitness"]) / len(s["fitness"])) for s in members]

    def propose(self, trial_id):
        rng = self._new_rng()
        population = self.population()
        values = None
        if len(population) >= self.population_size:
            values = self._child(population, rng)
        if values is None:
            values = self._sample_new(rng)
        if values is None:
            return {"status": STOPPED, "values": None}
        return {"status": RUNNING, "values": values}

    def _child(self, population, rng, attempts=20):
        space = self.space
        sample = rng.sample(range(len(population)), min(self.sample_size, len(population)))
        parent = population[max(sample, key=lambda i: (population[i][1], i))][0]
        for attempt in range(attempts):
            child = space.mutate(parent, rng)
            if child is None:
                return None
            if attempt >= attempts // 2:  # the neighbourhood is used up: walk one step further
                child = space.mutate(child, rng) or child
            if self._novel(child):
                return child
        return None

    def get_state(self):
        state = super().get_state()
        state.update(population_size=self.population_size, sample_size=self.sample_size)
        return state

    def set_state(self, state):
        super().set_state(state)
        self.population_size = state.get("population_size", self.population_size)
        self.sample_size = state.get("sample_size", self.sample_size)
