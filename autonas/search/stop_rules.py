"""`StopRules`: when a search ends, whatever loop runs it (local, chief/worker, table)."""

from autonas.search.history import FAILED


class StopRules:
    """The budget and failure rules that end a search.

    A search stops when `max_trials` trials have started, when the last
    `max_consecutive_failed_trials` ended trials all failed, or when the
    strategy stops (which is the strategy's answer, not a rule here).

    Args:
        max_trials: trials to run (None: no limit).
        max_consecutive_failed_trials: failures in a row that end the search (None: no limit).

    Example:
        >>> rules = StopRules(max_trials=20, max_consecutive_failed_trials=3)
        >>> rules.reason(history)  # doctest: +SKIP
        None
    """

    def __init__(self, max_trials=None, max_consecutive_failed_trials=3):
        for name, value in (("max_trials", max_trials),
                            ("max_consecutive_failed_trials", max_consecutive_failed_trials)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
                raise ValueError(f"`{name}` must be a positive integer or None; received {value!r}.")
        self.max_trials = max_trials
        self.max_consecutive_failed_trials = max_consecutive_failed_trials

    def consecutive_failures(self, history):
        """How many of the most recently ended trials failed in a row.

        Args:
            history: a `SearchHistory`.

        Returns:
            An int.
        """
        count = 0
        for record in reversed(history.ended()):
            if record.status != FAILED:
                break
            count += 1
        return count

    def reason(self, history):
        """Why the search must stop now, or None to go on.

        Args:
            history: a `SearchHistory`.

        Returns:
            A sentence, or None.
        """
        if self.max_trials is not None and len(history.trials()) >= self.max_trials:
            return f"max_trials={self.max_trials} reached"
        limit = self.max_consecutive_failed_trials
        if limit and self.consecutive_failures(history) >= limit:
            return f"{limit} trials in a row failed (max_consecutive_failed_trials={limit})"
        return None
