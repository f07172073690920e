"""Search progress: one line per trial with the best score so far and an ETA."""

import sys
import time


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


class SearchProgress:
    """Writes the progress of a search to a stream (stdout by default).

    Args:
        max_trials: planned number of trials.
        verbose: 0 silent, 1 one line per trial, 2 also Keras epoch bars.
        deadline: optional `time.time()` at which the time budget ends.
        stream: where to write (``sys.stdout`` when None).

    Example:
        >>> progress = SearchProgress(max_trials=3, verbose=1)
    """

    def __init__(self, max_trials, verbose=1, deadline=None, stream=None):
        self.max_trials = max_trials
        self.verbose = verbose
        self.deadline = deadline
        self.stream = stream
        self.start = time.time()
        self.best = None
        self.best_trial = None
        self.done = 0

    def _write(self, text):
        stream = self.stream or sys.stdout
        stream.write(text + "\n")
        stream.flush()

    def on_trial_begin(self, tuner, trial):
        if self.verbose >= 2:
            self._write(f"Trial {trial.trial_id} started: {_values(trial)}")

    def on_trial_end(self, tuner, trial, info):
        self.done += 1
        objective = tuner.oracle.objective
        score = trial.score
        if trial.status == "COMPLETED" and score is not None:
            if self.best is None or objective.better_than(score, self.best):
                self.best, self.best_trial = score, trial.trial_id
        if self.verbose < 1:
            return
        elapsed = time.time() - self.start
        per_trial = elapsed / self.done
        remaining_trials = max(0, self.max_trials - self.done) if self.max_trials else 0
        eta = per_trial * remaining_trials
        if self.deadline is not None:
            eta = min(eta, max(0.0, self.deadline - time.time()))
        if trial.status == "COMPLETED":
            result = f"{objective.name} {score:.4f}"
        else:
            reason = (trial.message or "").strip().splitlines()
            result = f"{trial.status}: {reason[-1][:120] if reason else 'no message'}"
        best = f"best {self.best:.4f} (trial {self.best_trial})" if self.best is not None else "no best yet"
        params = f"{info['params']:,} params" if info.get("params") else ""
        duration = format_seconds(info["duration"]) if info.get("duration") else "-"
        self._write(
            f"Trial {self.done}/{self.max_trials} [{trial.trial_id}] {result} | {best} | {params} "
            f"{duration} | elapsed {format_seconds(elapsed)} ETA {format_seconds(eta)}"
        )


def _values(trial):
    return ", ".join(f"{k}={v}" for k, v in trial.hyperparameters.values.items() if not k.startswith("tuner/"))
