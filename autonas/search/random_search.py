"""Random search."""

from autonas.search.base import RUNNING, STOPPED, Oracle


class RandomSearch(Oracle):
    """Uniform random search over the space (after the warm-start configurations).

    Each proposal draws every active hyperparameter uniformly (conditional
    children only when their parents activate them) and never repeats a
    configuration; on a finite space it stops once every configuration is tried.

    Args:
        **kwargs: see `autonas.search.Oracle`.

    Example:
        >>> oracle = RandomSearch(objective="val_accuracy", max_trials=5, seed=0)
    """

    def propose(self, trial_id):
        values = self._sample_new(self._new_rng())
        if values is None:
            return {"status": STOPPED, "values": None}
        return {"status": RUNNING, "values": values}
