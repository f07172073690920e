"""Search progress: a live bar (or one line per trial) with the best score so far and an ETA.

With the optional `tqdm` package (``pip install autonas[progress]``) the search
shows a `tqdm.auto` bar, which renders as a widget in notebooks and as text in
terminals, with one line per finished trial above it. Without tqdm it writes
the same lines only. Nothing is ever cleared from a notebook's output.
"""

import sys
import time

from keras_tuner.engine import trial as trial_module

_FINISHED = (trial_module.TrialStatus.COMPLETED, trial_module.TrialStatus.FAILED,
             trial_module.TrialStatus.INVALID, trial_module.TrialStatus.STOPPED)


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


def estimate_eta(elapsed, done, remaining_trials, time_left=None):
    """Seconds until the search ends, from the trial durations and the time budget.

    Args:
        elapsed: seconds spent on the `done` trials of this run.
        done: trials finished in this run.
        remaining_trials: trials still to run (None when unknown).
        time_left: seconds left in the time budget (None without a budget).

    Returns:
        The estimate in seconds, or None when nothing is known yet.

    Example:
        >>> estimate_eta(elapsed=60, done=2, remaining_trials=4)
        120.0
        >>> estimate_eta(elapsed=60, done=2, remaining_trials=4, time_left=50)
        50.0
    """
    estimate = None
    if done and remaining_trials is not None:
        estimate = elapsed / done * max(0, remaining_trials)
    if time_left is not None:
        time_left = max(0.0, float(time_left))
        estimate = time_left if estimate is None else min(estimate, time_left)
    return None if estimate is None else float(estimate)


class SearchProgress:
    """Shows the progress of a search: trial i/N, elapsed, ETA, best score so far.

    The `Tuner` calls ``on_trial_begin(tuner, trial)``, ``on_trial_end(tuner,
    trial, info)`` and ``on_search_end(tuner)``; `AutoModel` sets
    `max_trials` and `deadline` before the search starts.

    Args:
        max_trials: planned number of trials (None when the strategy decides).
        verbose: 0 silent; 1 a live bar (tqdm) and one line per trial; 2 also
            announces each trial's hyperparameters before Keras's epoch lines.
        deadline: optional `time.time()` at which the time budget ends.
        stream: where to write (``sys.stdout`` at the time of writing when None).
        bar: True to require the tqdm bar, False for lines only, None to use the
            bar whenever tqdm is installed.

    Example:
        >>> progress = SearchProgress(max_trials=3, verbose=1)
        >>> tuner = autonas.Tuner(oracle, graph, reporter=progress)  # doctest: +SKIP
    """

    def __init__(self, max_trials, verbose=1, deadline=None, stream=None, bar=None):
        if verbose not in (0, 1, 2):
            raise ValueError(f"`verbose` must be 0, 1 or 2; received {verbose!r}.")
        if bar not in (None, True, False):
            raise ValueError(f"`bar` must be True, False or None; received {bar!r}.")
        self.max_trials = max_trials
        self.verbose = verbose
        self.deadline = deadline
        self.stream = stream
        self.bar = bar
        self.start = None
        self.best = None
        self.best_trial = None
        self.done = 0  # finished trials, including those of a resumed project
        self.run_done = 0  # finished in this run, for the ETA
        self._tqdm = None
        self._bar = None
        self._current = None

    # -- output ---------------------------------------------------------------
    def _file(self):
        return self.stream or sys.stdout

    def _write(self, text):
        if self._bar is not None:
            self._tqdm.write(text, file=self._file())
        else:
            stream = self._file()
            stream.write(text + "\n")
            stream.flush()

    def _tqdm_class(self):
        if self.bar is False:
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if self.bar:
                raise ImportError("`bar=True` needs tqdm, an optional extra: pip install 'autonas[progress]' "
                                  "(or pip install tqdm).") from None
            return None
        if self.bar is None and not _interactive(self._file()):
            return None  # logs and pipes get one line per trial, not carriage-return redraws
        return tqdm

    # -- state ------------------------------------------------------------------
    def _catch_up(self, tuner, current):
        """Count the trials a resumed project already finished, and their best."""
        objective = tuner.oracle.objective
        # On a distributed-search worker the oracle is a client of the chief, with no trial table.
        for trial in (getattr(tuner.oracle, "trials", None) or {}).values():
            if trial.trial_id == current.trial_id or trial.status not in _FINISHED:
                continue
            self.done += 1
            self._consider(objective, trial)

    def _consider(self, objective, trial):
        score = trial.score
        if trial.status == trial_module.TrialStatus.COMPLETED and score is not None:
            if self.best is None or objective.better_than(score, self.best):
                self.best, self.best_trial = score, trial.trial_id

    def _eta(self):
        elapsed = time.time() - self.start
        remaining = None if not self.max_trials else max(0, self.max_trials - self.done)
        time_left = None if self.deadline is None else self.deadline - time.time()
        if remaining == 0:
            return 0.0
        return estimate_eta(elapsed, self.run_done, remaining, time_left)

    def _status(self, objective_name):
        eta = self._eta()
        parts = [f"elapsed {format_seconds(time.time() - self.start)}",
                 f"ETA {format_seconds(eta) if eta is not None else '?'}"]
        if self.best is not None:
            parts.append(f"best {objective_name} {self.best:.4f} (trial {self.best_trial})")
        if self._current is not None:
            parts.append(f"running trial {self._current}")
        return " | ".join(parts)

    # -- tuner hooks ------------------------------------------------------------
    def on_trial_begin(self, tuner, trial):
        """Called by the tuner before a trial trains.

        Args:
            tuner: the `Tuner`.
            trial: the `keras_tuner` trial about to run.
        """
        if self.start is None:
            self.start = time.time()
            self._catch_up(tuner, trial)
            if self.verbose:
                tqdm = self._tqdm_class()
                if tqdm is not None:
                    self._tqdm = tqdm
                    # The status goes in `desc`: tqdm would prefix a postfix with ", ".
                    self._bar = tqdm(total=self.max_trials or None, initial=self.done, unit="trial",
                                     file=self._file(), dynamic_ncols=True, leave=True, mininterval=0,
                                     bar_format="Search {n_fmt}/{total_fmt} trials |{bar}| {desc}")
        self._current = trial.trial_id
        if not self.verbose:
            return
        if self.verbose >= 2:
            self._write(f"Trial {self.done + 1}/{self.max_trials or '?'} [{trial.trial_id}] started: "
                        f"{_values(trial)}")
        if self._bar is not None:
            self._bar.set_description_str(self._status(tuner.oracle.objective.name))
            if self.verbose >= 2:
                # Keras's epoch lines follow: take the bar off the line they would be written on.
                self._bar.clear()

    def on_trial_end(self, tuner, trial, info):
        """Called by the tuner after a trial ended (completed, failed or stopped).

        Args:
            tuner: the `Tuner`.
            trial: the ended `keras_tuner` trial, with its status and score.
            info: the facts the tuner recorded (``params``, ``duration``, ...).
        """
        if self.start is None:  # ended without a begin: count from here
            self.start = time.time()
        self.done += 1
        self.run_done += 1
        self._current = None
        objective = tuner.oracle.objective
        self._consider(objective, trial)
        if not self.verbose:
            return
        if trial.status == trial_module.TrialStatus.COMPLETED and trial.score is not None:
            result = f"{objective.name} {trial.score:.4f}"
        else:
            reason = (trial.message or "").strip().splitlines()
            result = f"{trial.status}: {reason[-1][:120] if reason else 'no message'}"
        params = f"{info['params']:,} params" if info.get("params") else "- params"
        duration = format_seconds(info["duration"]) if info.get("duration") else "-"
        status = self._status(objective.name)
        self._write(f"Trial {self.done}/{self.max_trials or '?'} [{trial.trial_id}] {result} | {params} "
                    f"in {duration} | {status}")
        if self._bar is not None:
            self._bar.set_description_str(status, refresh=False)
            self._bar.update(1)

    def on_search_end(self, tuner):
        """Called by the tuner when the search stops; closes the bar and writes the outcome.

        Args:
            tuner: the `Tuner`.
        """
        if not self.verbose:
            return
        if self.start is None:
            self._write("Search ended: no trial was run.")
            return
        elapsed = format_seconds(time.time() - self.start)
        if self.best is not None:
            outcome = f"best {tuner.oracle.objective.name} {self.best:.4f} (trial {self.best_trial})"
        else:
            outcome = "no trial completed"
        if self._bar is not None:
            self._bar.set_description_str(f"elapsed {elapsed} | {outcome}", refresh=False)
            self._bar.close()
            self._bar = None
        self._write(f"Search ended after {self.done} trials in {elapsed}: {outcome}.")


def _values(trial):
    return ", ".join(f"{k}={v}" for k, v in trial.hyperparameters.values.items() if not k.startswith("tuner/"))


def _interactive(stream):
    """True in a notebook kernel or when `stream` is a terminal."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
            return True
    except ImportError:
        pass
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:
        return False
