"""Random search."""

from autonas.search.base import RUNNING, STOPPED, Oracle


class RandomSearch(Oracle):
    """Uniform random search over the space (after the warm-start configurations).

    Args:
        **kwargs: see `autonas.search.Oracle`.

    Example:
        >>> oracle = RandomSearch(objective="val_accuracy", max_trials=5, seed=0)
    """

    def propose(self, trial_id):
        values = self._random_values()
        if values is None:
            return {"status": STOPPED, "values": None}
        return {"status": RUNNING, "values": values}
