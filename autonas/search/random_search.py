"""Random search."""

from autonas.search.strategy import Strategy, register, run, stop


@register("random")
class RandomStrategy(Strategy):
    """Uniform random search over the space (after the warm-start configurations).

    Each proposal draws every active hyperparameter uniformly (conditional
    children only when their parents activate them) and never repeats a
    configuration; on a finite space it stops once every configuration is tried.

    Example:
        >>> strategy = RandomStrategy()
    """

    def propose(self, history, rng):
        values = history.sample_new(rng)
        return stop() if values is None else run(values)
