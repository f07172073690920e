"""Grid search that resumes where it stopped."""

from autonas.search.strategy import Strategy, register, run, stop


@register("grid")
class GridStrategy(Strategy):
    """Exhaustive search in a fixed order, derived from the trial history.

    Configurations are enumerated depth-first over the space (the first
    hyperparameter varies slowest, each hyperparameter's default comes first,
    conditional children are enumerated only under the parent values that
    activate them; numeric hyperparameters without a small `step` take 10
    evenly spaced values). The next proposal is always the first configuration
    in that order not tried yet, so the order survives a reload exactly,
    whatever the order in which trials finished. The search stops when the
    grid is exhausted. As an oracle, `max_trials` defaults to None (the whole
    grid) and no warm start is tried unless given.

    Example:
        >>> strategy = GridStrategy()
    """

    default_max_trials = None
    default_initial_hps = ()

    def __init__(self):
        self._cursor = (None, None, 0)  # (space, iterator, position): a cache, not state

    def propose(self, history, rng):
        space = history.space
        key, iterator, position = self._cursor
        if key is not space or iterator is None:
            iterator, position = space.iter_grid(), 0
        for values in iterator:
            position += 1
            if history.is_new(values):
                self._cursor = (space, iterator, position)
                return run(values)
        self._cursor = (space, None, position)
        return stop()
