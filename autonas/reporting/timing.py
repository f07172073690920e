"""Durations for people and the ETA of a fit: `format_seconds` and `estimate_eta`."""

__all__ = ["estimate_eta", "format_seconds"]


def format_seconds(seconds):
    """Human-readable duration: ``"45s"``, ``"3m05s"``, ``"1h02m"``.

    Args:
        seconds: a duration in seconds.

    Returns:
        A short string.

    Example:
        >>> format_seconds(185)
        '3m05s'
    """
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def estimate_eta(elapsed, done, remaining_trials, time_left=None, after=0.0):
    """Seconds until the fit ends: the remaining trials, then the work after the search.

    Args:
        elapsed: seconds spent on the `done` trials of this run.
        done: trials finished in this run.
        remaining_trials: trials still to run (None when unknown).
        time_left: seconds left in the time budget (None without a budget).
            The budget (`max_time`) bounds the whole fit, the work after the
            search included, so the estimate never passes it.
        after: seconds of work after the search (the refit).

    Returns:
        The estimate in seconds, or None when nothing is known yet.

    Example:
        >>> estimate_eta(elapsed=60, done=2, remaining_trials=4)
        120.0
        >>> estimate_eta(elapsed=60, done=2, remaining_trials=4, time_left=50)
        50.0
        >>> estimate_eta(elapsed=60, done=2, remaining_trials=4, after=30)
        150.0
        >>> estimate_eta(elapsed=60, done=2, remaining_trials=4, time_left=140, after=30)
        140.0
    """
    estimate = None
    if done and remaining_trials is not None:
        estimate = elapsed / done * max(0, remaining_trials) + max(0.0, float(after or 0.0))
    if time_left is not None:
        time_left = max(0.0, float(time_left))
        estimate = time_left if estimate is None else min(estimate, time_left)
    return None if estimate is None else float(estimate)
