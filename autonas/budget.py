"""`FitBudget`: one deadline for the whole `fit` — search, refit and ensemble.

`max_time` is what the user gives `fit` as a whole. The search runs while the
time left exceeds what the steps after it will need: the refit of the best
configuration (and of the other ensemble members), planned from what the
search measured (each trial's time per epoch, its best epoch count, and the
refit's larger data). The reservation is asked again before every trial, so
it follows the best trials as they change.
"""

import logging
import time

logger = logging.getLogger("autonas")

#: the reservation never takes more than this share of `max_time` from the search.
MAX_RESERVED_SHARE = 0.45
#: before any full trial has measured a refit, this share of `max_time` is kept for it.
UNMEASURED_SHARE = 0.2
#: planned refit times are inflated by this factor (machines are noisy).
SAFETY = 1.15
#: seconds kept for building, checking and joining the final models (at least; see `FINISH_SHARE`).
FINISH_SECONDS = 3.0
#: ... or this share of `max_time` when larger: the final model is planned to be ready that long before the
#: deadline (joining the members, the last batch past a deadline, a machine slower than the search measured).
FINISH_SHARE = 0.01
#: a refit the deadline cut before this share of its epochs is replaced by the trial's checkpoint.
MIN_REFIT_SHARE = 0.7
#: seconds to load a search checkpoint beyond its trial's recorded build time (reading the weights, noise).
LOAD_SECONDS = 0.5
#: a validation batch costs this share of a training batch (a forward pass, rated high: no timing of its own).
VALIDATION_BATCH_COST = 0.5


def stop_tail_batches(num_validation, batch_size, full_fidelity):
    """The work after a trial stopped by the deadline, in training batches: its last validation pass, and
    for a full-fidelity trial the validation predictions it saves (`autonas.trials.callbacks.Deadline`
    stops it that much earlier, at the pace it measured).

    Args:
        num_validation: validation examples.
        batch_size: examples per batch.
        full_fidelity: whether the trial saves its validation predictions.

    Returns:
        A float.

    Example:
        >>> stop_tail_batches(1000, 100, full_fidelity=True)
        10.0
    """
    batches = -(-int(num_validation or 0) // max(1, int(batch_size or 1)))
    return batches * VALIDATION_BATCH_COST * (2 if full_fidelity else 1)


def load_seconds(tuner, trial):
    """Expected seconds to load a trial's search checkpoint: its recorded build time plus `LOAD_SECONDS`.

    Args:
        tuner: the `autonas.tuner.Tuner` of the search.
        trial: a completed trial.

    Returns:
        A float.
    """
    return (tuner.trial_info(trial.trial_id).get("build_seconds") or 0.0) + LOAD_SECONDS


class FitBudget:
    """The deadline of one `fit`, and the time to keep for the refit and the ensemble.

    Args:
        max_time: seconds for the whole fit, or None (no deadline).
        start: `time.time()` when the fit started (now when None).

    Returns:
        A budget whose `deadline` is None without `max_time`.

    Example:
        >>> budget = FitBudget(300.0)
        >>> 299.0 < budget.remaining() <= 300.0
        True
    """

    def __init__(self, max_time, start=None):
        self.max_time = None if max_time is None else float(max_time)
        self.start = time.time() if start is None else float(start)
        self.deadline = None if self.max_time is None else self.start + self.max_time

    def remaining(self):
        """Seconds left before the deadline (None without one; never negative).

        Returns:
            A float or None.
        """
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.time())

    def finish_seconds(self):
        """Seconds kept after the refits and loads for joining the final model: `FINISH_SECONDS`, or
        `FINISH_SHARE` of `max_time` when larger (0 without a deadline).

        Returns:
            A float.
        """
        return 0.0 if self.max_time is None else max(FINISH_SECONDS, FINISH_SHARE * self.max_time)

    @property
    def work_deadline(self):
        """The deadline less `finish_seconds`: the refits stop there (None without a deadline)."""
        return None if self.deadline is None else self.deadline - self.finish_seconds()

    def reserve(self, tuner, data_ratio, members=1, checkpoints=0):
        """Seconds to keep for refitting the `members` best full-fidelity trials so far.

        Args:
            tuner: the `autonas.tuner.Tuner` running the search.
            data_ratio: examples of the refit / examples of a trial (train + validation over train).
            members: how many of the best trials the final model may refit.
            checkpoints: how many of the best trials' search checkpoints the
                final model may load (`load_seconds` each).

        Returns:
            A float: at most `MAX_RESERVED_SHARE` of `max_time`; 0 without a deadline;
            `finish_seconds` when even that share could not refit the best trial for
            `MIN_REFIT_SHARE` of its epochs (its checkpoint will be the final model).
        """
        if self.max_time is None:
            return 0.0
        cap = MAX_RESERVED_SHARE * self.max_time
        trials = tuner.completed_full_trials()
        if not trials:
            return min(cap, UNMEASURED_SHARE * self.max_time)
        direction = getattr(tuner.oracle.objective, "direction", "max")
        trials.sort(key=lambda t: t.score, reverse=direction == "max")
        seconds = [tuner.refit_seconds(t, data_ratio) for t in trials[:max(1, members)]]
        if seconds[0] and seconds[0] * MIN_REFIT_SHARE * SAFETY > cap:
            # even the largest reservation could not refit the best trial far enough: its checkpoint
            # will be the final model, so the search keeps the time
            return self.finish_seconds()
        planned = sum(s for s in seconds if s) * SAFETY + self.finish_seconds()
        if checkpoints:
            planned += SAFETY * sum(load_seconds(tuner, t) for t in trials[:checkpoints])
        return min(cap, planned)

    def fits(self, seconds):
        """Whether `seconds` of work fit in the time left before `work_deadline` (always True without a deadline).

        Args:
            seconds: the planned duration, or None (unknown: assumed to fit).

        Returns:
            A bool.
        """
        left = self.remaining()
        return left is None or seconds is None or seconds * SAFETY <= left - self.finish_seconds()
