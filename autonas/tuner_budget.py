"""`BudgetMixin`: the `Tuner`'s time budget: deadlines, whether another trial fits, time hints.

The search deadline is the fit's deadline less what the refit and the ensemble
need (asked again before every trial); a budget-aware oracle is told the time
left, what an epoch costs and a trial's time outside its epochs; the refit's
cost is estimated from what its trial measured.
"""

import time

import numpy as np


class BudgetMixin:
    """The time-budget methods of `autonas.tuner.Tuner` (mixed into it; not used alone).

    Expects the tuner's ``oracle``, ``deadline``, ``total_deadline``, ``reserve``,
    ``num_train_examples``, ``num_validation_examples`` and ``trial_info(s)``.

    Example:
        >>> tuner.epoch_seconds()  # doctest: +SKIP
        0.42
    """

    def _update_deadline(self):
        """The search deadline: the fit's deadline less the time reserved for what follows the search."""
        if self.total_deadline is None:
            return
        reserved = float(self.reserve()) if self.reserve is not None else 0.0
        self.deadline = self.total_deadline - max(0.0, reserved)

    def _time_for_another_trial(self):
        if self.deadline is None:
            return True
        remaining = self.deadline - time.time()
        durations = [info["duration"] for info in self.trial_infos().values() if info.get("duration")]
        # the median trial so far must fit: a trial is stopped by the deadline only after its first batch
        # (which traces the model's functions) and then still runs a validation pass, so a trial started
        # in the last seconds overran the fit's deadline (an ETTh1 Transformer proxy started with 3.5 s
        # left, as long as the cheapest trial so far, ended 11 s past the deadline and left no time to
        # refit or even load the final model's members)
        estimate = float(np.median(durations)) if durations else 0.0
        return remaining > max(estimate, 1.0)

    def _give_budget_hint(self):
        """Tell a budget-aware oracle the search time left, what one epoch over all examples costs,
        how many epochs the full trials so far trained, and a trial's time outside its epochs."""
        if not hasattr(self.oracle, "budget_hint"):
            return
        remaining = None if self.deadline is None else max(0.0, self.deadline - time.time())
        infos = list(self.trial_infos().values())
        full = [info["epochs_trained"] for info in infos if info.get("full_fidelity") and info.get("epochs_trained")]
        # build, tracing and recording: a trial's duration less its epochs, each at the median of those after
        # the first (which traces the model's functions)
        overhead = [info["duration"] - len(info["epoch_seconds"]) * float(np.median(info["epoch_seconds"][1:]))
                    for info in infos if info.get("duration") and len(info.get("epoch_seconds") or []) >= 2]
        self.oracle.budget_hint = {"remaining": remaining, "epoch_seconds": self.epoch_seconds(),
                                   "full_epochs": float(np.median(full)) if full else None,
                                   "trial_overhead": max(0.0, float(np.median(overhead))) if overhead else None}

    def epoch_seconds(self):
        """Seconds one epoch over all the training examples takes, from the trials so far (None before any).

        Per trial, the median of its epochs after the first (which traces the
        model's functions), or its duration less its build per epoch when it
        trained one epoch. A trial on a subset is scaled to all the examples,
        counting a validation example a third of a training one (a forward
        pass only). The median over the trials.

        Returns:
            A float or None.
        """
        rates = []
        val = (self.num_validation_examples or 0) / 3.0
        for info in self.trial_infos().values():
            epochs, duration = info.get("epochs_trained"), info.get("duration")
            if not epochs or not duration:
                continue
            timed = info.get("epoch_seconds") or []
            if len(timed) >= 2:
                seconds = float(np.median(timed[1:]))
            else:
                seconds = max(1e-3, duration - (info.get("build_seconds") or 0.0)) / epochs
            examples = info.get("examples") or self.num_train_examples
            rates.append(seconds * (self.num_train_examples + val) / (examples + val))
        return float(np.median(rates)) if rates else None

    def refit_seconds(self, trial, data_ratio):
        """Expected seconds to refit `trial` on ``data_ratio`` times its training examples.

        From what the trial measured: its time per epoch (duration less the build),
        scaled to the refit's data, times its best epoch count, plus one build. A
        trial with no trainable weights (a frozen closed-form map) refits by its
        build alone (`autonas.trials.TrialRunner.refit` does not train it).

        Args:
            trial: a completed trial.
            data_ratio: refit examples / the trial's training examples (e.g. 1.25).

        Returns:
            A float (seconds), or None when the trial recorded no duration.
        """
        info = self.trial_info(trial.trial_id)
        epochs, duration = info.get("epochs_trained"), info.get("duration")
        if not epochs or not duration:
            return None
        build = info.get("build_seconds") or 0.0
        if info.get("trainable_params") == 0:
            return build
        per_epoch = max(1e-3, duration - build) / epochs
        examples = info.get("examples") or self.num_train_examples
        scale = data_ratio * (getattr(self, "num_train_examples", None) or examples) / examples
        refit_epochs = int(info.get("best_epoch") or epochs)
        return build + per_epoch * scale * refit_epochs
