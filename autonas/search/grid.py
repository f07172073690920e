"""Grid search that resumes where it stopped."""

from autonas.search.base import RUNNING, STOPPED, Oracle


class GridSearch(Oracle):
    """Exhaustive search in a fixed order, derived from the trial history.

    Configurations are enumerated depth-first over the space (the first
    hyperparameter varies slowest, each hyperparameter's default comes first,
    conditional children are enumerated only under the parent values that
    activate them; numeric hyperparameters without a small `step` take 10
    evenly spaced values). The next proposal is always the first configuration
    in that order not tried yet, so the order survives a reload exactly,
    whatever the order in which trials finished. The search stops when the
    grid is exhausted.

    Args:
        max_trials: number of trials; ``None`` runs the whole grid.
        **kwargs: see `autonas.search.Oracle` (warm-start configurations, when
            given, are tried first).

    Example:
        >>> oracle = GridSearch(objective="val_accuracy", max_trials=None)
    """

    def __init__(self, objective=None, max_trials=None, initial_hps=(), **kwargs):
        super().__init__(objective=objective, max_trials=max_trials,
                         initial_hps=list(initial_hps) if initial_hps is not None else None, **kwargs)
        self._cursor = (None, None, 0)  # (space key, iterator, position): a cache, not state

    def propose(self, trial_id):
        space = self.space
        key, iterator, position = self._cursor
        if key is not space or iterator is None:
            iterator, position = space.iter_grid(), 0
        for values in iterator:
            position += 1
            if self._novel(values):
                self._cursor = (space, iterator, position)
                return {"status": RUNNING, "values": values}
        self._cursor = (space, None, position)
        return {"status": STOPPED, "values": None}
