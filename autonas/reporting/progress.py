"""Search progress: a live bar (or one line per trial) with the best score so far and an ETA.

In a notebook or a terminal the search shows a tqdm bar (a widget in Jupyter
when ipywidgets is installed, a text bar otherwise; see
`autonas.reporting.notebook`) that moves every epoch: the trial, ``epoch
12/100``, the live objective, the best score so far, and an ETA that includes
the refit. One line per finished trial is written above it. The refit after the
search is its own announced stage with its own bar (`begin_stage`). Logs and
pipes get the lines only. Nothing is ever cleared from a notebook's output.
"""

import math
import time

from keras_tuner.engine import trial as trial_module

from autonas.reporting.display import DisplayMixin, write_line  # noqa: F401  (re-exported)
from autonas.reporting.timing import estimate_eta, format_seconds  # noqa: F401  (re-exported)

_FINISHED = (trial_module.TrialStatus.COMPLETED, trial_module.TrialStatus.FAILED,
             trial_module.TrialStatus.INVALID, trial_module.TrialStatus.STOPPED)


class SearchProgress(DisplayMixin):
    """Shows the progress of a search and of the stages after it (the refit).

    The `Tuner` calls ``on_trial_begin(tuner, trial)``, ``on_trial_end(tuner,
    trial, info)`` and ``on_search_end(tuner)``, adds `keras_callbacks` to
    every trial's and the refit's callbacks (one update per epoch), and wraps
    the refit in ``begin_stage`` / ``end_stage``. `AutoModel` sets
    `max_trials`, `deadline` and `refit_scale` before the search starts.

    Args:
        max_trials: planned number of trials (None when the strategy decides).
        verbose: 0 silent; 1 a live bar and one line per trial; 2 also
            announces each trial's hyperparameters before Keras's epoch lines.
        deadline: optional `time.time()` at which the time budget ends.
        stream: where to write (``sys.stdout`` at the time of writing when None).
        bar: True to draw the bar even on a pipe, False for lines only, None to
            draw it in notebooks and terminals.

    Attributes:
        refit_scale: examples of the refit per training example of a trial
            (training plus validation over training, 1.25 for the default
            split). The ETA's refit estimate is the best trial's time to the
            end of its first epoch (build, tracing, one epoch) plus its later
            epochs' pace times ``best epoch x refit_scale - 1``.

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
        self.refit_scale = 1.25
        self.start = None
        self.best = None
        self.best_trial = None
        self.done = 0  # finished trials, including those of a resumed project
        self.run_done = 0  # finished in this run, for the ETA
        self._bar = None
        self._current = None
        self._objective = None
        self._epoch = None  # (epoch, epochs) of the running trial
        self._live = None  # the objective at the running trial's last epoch
        self._refit_estimate = None  # seconds
        self._trial_start = None
        self._epoch_times = []  # seconds since the running trial began, at each epoch's end
        self._timings = {}  # trial id -> (seconds to the end of its first epoch, seconds per later epoch)
        self._stage = None  # (name, start time, planned epochs) of a stage after the search

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

    def _update_refit_estimate(self, tuner):
        """The refit's duration, from the best trial's seconds per epoch and best epoch."""
        if self.best_trial is None or not hasattr(tuner, "trial_info"):
            return
        info = tuner.trial_info(self.best_trial)
        epochs, duration, best_epoch = info.get("epochs_trained"), info.get("duration"), info.get("best_epoch")
        if not (epochs and duration and best_epoch):
            return
        if self.best_trial in self._timings:
            # build, tracing and the first epoch, then the later epochs at their own pace, on more data
            first, steady = self._timings[self.best_trial]
            self._refit_estimate = first + steady * max(0.0, best_epoch * self.refit_scale - 1)
        else:  # a trial of an earlier run: its average epoch
            self._refit_estimate = duration / epochs * best_epoch * self.refit_scale

    def _eta(self):
        """Seconds left: the remaining trials, then the refit, all within the time budget."""
        elapsed = time.time() - self.start
        remaining = None if not self.max_trials else max(0, self.max_trials - self.done)
        time_left = None if self.deadline is None else self.deadline - time.time()
        refit = self._refit_estimate or 0.0
        if remaining == 0:
            return estimate_eta(0.0, 1, 0, time_left, after=refit)
        done = self.run_done + (self._epoch_fraction() if self.run_done else 0.0)
        # max_time bounds the whole fit: the search stops early enough to leave the refit its time
        return estimate_eta(elapsed, done, remaining, time_left, after=refit)

    def _epoch_fraction(self):
        if self._epoch is None or not self._epoch[1]:
            return 0.0
        return min(1.0, self._epoch[0] / self._epoch[1])

    def _status(self, objective_name):
        eta = self._eta()
        refit = " incl. refit" if self._refit_estimate is not None and eta is not None else ""
        parts = [f"elapsed {format_seconds(time.time() - self.start)}",
                 f"ETA {format_seconds(eta) if eta is not None else '?'}{refit}"]
        if self.best is not None:
            parts.append(f"best {objective_name} {self.best:.4f} (trial {self.best_trial})")
        if self._current is not None:
            parts.append(f"running trial {self._current}")
        return " | ".join(parts)

    def _live_status(self):
        """The bar's text while a trial trains: trial, epoch, live score, best, elapsed, ETA."""
        name = self._objective.name
        parts = [f"trial {self.done + 1}/{self.max_trials or '?'}"]
        if self._epoch is not None:
            epoch, epochs = self._epoch
            parts.append(f"epoch {epoch}/{epochs or '?'}")
        if self._live is not None:
            parts.append(f"{name} {self._live:.4f}")
        if self.best is not None:
            parts.append(f"best {self.best:.4f} (trial {self.best_trial})")
        eta = self._eta()
        refit = " incl. refit" if self._refit_estimate is not None and eta is not None else ""
        parts.append(f"elapsed {format_seconds(time.time() - self.start)}")
        parts.append(f"ETA {format_seconds(eta) if eta is not None else '?'}{refit}")
        return " | ".join(parts)

    # -- Keras callbacks --------------------------------------------------------
    def keras_callbacks(self):
        """The callbacks that update the display every epoch (one `EpochProgress`).

        Returns:
            A list of Keras callbacks (empty at ``verbose=0``).
        """
        if not self.verbose:
            return []
        from autonas.reporting.epochs import EpochProgress

        return [EpochProgress(self.on_epoch_end)]

    def on_epoch_end(self, epoch, epochs, logs):
        """Called after every epoch of a trial or of a stage (the refit).

        Args:
            epoch: the epoch just finished, counting from 1.
            epochs: the planned last epoch.
            logs: Keras's metric values for the epoch.
        """
        if self._stage is not None:
            self._stage_epoch(epoch, epochs, logs)
            return
        self._epoch = (epoch, epochs)
        if self._trial_start is not None:
            self._epoch_times.append(time.time() - self._trial_start)
        value = logs.get(self._objective.name) if self._objective is not None else None
        if value is not None and math.isfinite(value):
            self._live = float(value)
        if self._bar is not None and self.verbose < 2 and self.start is not None:
            self._bar.n = min(self.max_trials or math.inf, self.done + self._epoch_fraction())
            self._bar.set_description_str(self._live_status())

    # -- tuner hooks ------------------------------------------------------------
    def on_trial_begin(self, tuner, trial):
        """Called by the tuner before a trial trains.

        Args:
            tuner: the `Tuner`.
            trial: the `keras_tuner` trial about to run.
        """
        self._objective = tuner.oracle.objective
        if self.start is None:
            self.start = time.time()
            self._catch_up(tuner, trial)
            self._update_refit_estimate(tuner)
            # The text goes in `desc`: tqdm would prefix a postfix with ", ".
            self._bar = self._open_bar(self.max_trials or None, self.done, "Search |{bar}| {desc}")
        self._current = trial.trial_id
        self._epoch, self._live = None, None
        self._trial_start, self._epoch_times = time.time(), []
        if not self.verbose:
            return
        if self.verbose >= 2:
            self._write(f"Trial {self.done + 1}/{self.max_trials or '?'} [{trial.trial_id}] started: "
                        f"{_values(trial)}")
        if self._bar is not None:
            self._bar.set_description_str(self._live_status())
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
        if self._epoch_times:
            times = self._epoch_times
            steady = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else times[0]
            self._timings[trial.trial_id] = (times[0], steady)
        self._current, self._epoch, self._live = None, None, None
        self._trial_start, self._epoch_times = None, []
        objective = tuner.oracle.objective
        self._objective = objective
        self._consider(objective, trial)
        self._update_refit_estimate(tuner)
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
            self._bar.n = self.done
            self._bar.set_description_str(f"trial {self.done}/{self.max_trials or '?'} | {status}")

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
        self._close_bar(f"{self.done} trials | elapsed {elapsed} | {outcome}")
        self._write(f"Search ended after {self.done} trials in {elapsed}: {outcome}.")


def _values(trial):
    return ", ".join(f"{k}={v}" for k, v in trial.hyperparameters.values.items() if not k.startswith("tuner/"))
