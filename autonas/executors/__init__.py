"""Executors: what runs a search's trials, all through `autonas.trials.TrialRunner`.

- ``"local"``: the in-process loop of `autonas.tuner.Tuner` (the default);
- ``"ray"``: Ray Tune (`autonas.executors.ray_tune`): trials on a Ray cluster,
  resources per trial, Ray's storage and fault tolerance; ``pip install autonas[ray]``.

KerasTuner's chief/worker mode (`autonas.distribute`) is chosen by the
environment, not by this argument.

Example:
    >>> from autonas import executors
    >>> executors.tuner_class("local").__name__
    'Tuner'
"""

import numbers

EXECUTORS = ("local", "ray")


def check_executor(executor, max_concurrent_trials=None, resources_per_trial=None, max_failures=2):
    """Validate the executor arguments of `AutoModel`; raises a `ValueError` naming the bad one.

    Args:
        executor: ``"local"`` or ``"ray"``.
        max_concurrent_trials: None or a positive integer (Ray only).
        resources_per_trial: None or a dict of Ray resources to non-negative numbers (Ray only).
        max_failures: a non-negative integer (Ray only).

    Returns:
        The executor name, lower case.

    Example:
        >>> check_executor("Ray", 2, {"cpu": 1})
        'ray'
    """
    if not isinstance(executor, str) or executor.lower() not in EXECUTORS:
        raise ValueError(f"`executor` must be one of {list(EXECUTORS)}; received {executor!r}.")
    if max_concurrent_trials is not None and (isinstance(max_concurrent_trials, bool) or not isinstance(
            max_concurrent_trials, numbers.Integral) or max_concurrent_trials <= 0):
        raise ValueError(f"`max_concurrent_trials` must be a positive integer or None; received "
                         f"{max_concurrent_trials!r}.")
    if resources_per_trial is not None and (not isinstance(resources_per_trial, dict) or not all(
            isinstance(k, str) and isinstance(v, numbers.Real) and not isinstance(v, bool) and v >= 0
            for k, v in resources_per_trial.items())):
        raise ValueError("`resources_per_trial` must be a dict of Ray resource names to non-negative numbers, "
                         f"such as {{'cpu': 2, 'gpu': 1}}; received {resources_per_trial!r}.")
    if isinstance(max_failures, bool) or not isinstance(max_failures, numbers.Integral) or max_failures < 0:
        raise ValueError(f"`max_failures` must be a non-negative integer; received {max_failures!r}.")
    executor = executor.lower()
    if executor == "local" and (max_concurrent_trials not in (None, 1) or resources_per_trial):
        raise ValueError("`max_concurrent_trials` and `resources_per_trial` need executor='ray'; received "
                         f"executor={executor!r}.")
    return executor


def tuner_class(executor):
    """The `Tuner` class that runs trials with `executor`.

    Args:
        executor: ``"local"`` or ``"ray"``.

    Returns:
        `autonas.tuner.Tuner` or `autonas.executors.ray_tune.RayTuner`.
    """
    if executor == "ray":
        try:
            from autonas.executors.ray_tune import RayTuner
        except ImportError as e:
            if "ray" not in str(e):
                raise
            raise ImportError("executor='ray' needs Ray Tune: pip install 'autonas[ray]' "
                              f"(ray[tune]>=2.9); the import failed with: {e}") from e
        return RayTuner
    from autonas.tuner import Tuner

    return Tuner


__all__ = ["EXECUTORS", "check_executor", "tuner_class"]
