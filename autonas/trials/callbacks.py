"""The Keras callbacks every trial trains with: best-epoch checkpoint, NaN stop, epoch timer, deadline.

All are marked ``async_safe``: on backends whose Keras trainer may run batch
callbacks off the training thread (JAX), a callback with a batch hook that is
not so marked makes every step wait for the previous one.
"""

import math
import time

import keras
import numpy as np

from autonas.trials.checkpoints import save_checkpoint


class SaveBestEpoch(keras.callbacks.Callback):
    """Writes the weights of the best epoch (by the objective) when training ends.

    The best epoch's weights are copied in memory as training goes (only when
    a later epoch moves on from them), and the checkpoint is written once, at
    the end, with `save_checkpoint`. A trial killed before it ends leaves no
    checkpoint; it is re-run on resume.

    Args:
        objective: a `keras_tuner.Objective`.
        filepath: where the checkpoint is written.

    Example:
        >>> SaveBestEpoch(objective, "trial_0/checkpoint.weights.npz")  # doctest: +SKIP
    """

    async_safe = True

    def __init__(self, objective, filepath):
        super().__init__()
        self.objective = objective
        self.filepath = filepath
        self.best = None
        self._weights = None
        self._is_last = False
        self._final = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.objective.name)
        self._is_last = False
        if value is None or not math.isfinite(value):
            return
        if self.best is None or not self.objective.better_than(self.best, value):
            self.best = value
            self._weights = None  # the current weights are the best: copied only if a later epoch moves on
            self._is_last = True

    def on_epoch_begin(self, epoch, logs=None):
        if self._is_last:
            self._weights = self.model.get_weights()
            self._is_last = False

    def on_train_end(self, logs=None):
        if self.best is None:
            return
        weights = self._weights if self._weights is not None else self.model.get_weights()
        self._weights = None
        self._final = weights
        save_checkpoint(weights, self.filepath)

    def best_weights(self):
        """The best epoch's weights once training ended (None when no epoch had a finite score)."""
        return self._final


class TerminateOnNaN(keras.callbacks.TerminateOnNaN):
    """`keras.callbacks.TerminateOnNaN` marked safe for asynchronous batch dispatch.

    Checked off the training thread, a diverging trial stops a step or two
    later, which changes nothing (the trial is recorded FAILED either way).
    TensorFlow's backend always dispatches synchronously (Keras 3.15), so there
    this changes nothing.
    """

    async_safe = True


#: the last training batches `Deadline` times (their median paces what follows a stop).
TIMED_BATCHES = 50


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of each epoch (training and validation), for the budget plan and the leaderboard."""

    async_safe = True

    def __init__(self):
        super().__init__()
        self.seconds = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if self._start is not None:
            self.seconds.append(time.perf_counter() - self._start)


class Deadline(keras.callbacks.Callback):
    """Stops training as soon as the search's time budget is spent.

    What follows a stop (the epoch's validation pass, the trial's saved
    validation predictions) runs after it; `tail_batches` says how much work
    that is, in training batches, and the callback stops that much earlier,
    at the pace of the batches it timed itself (the first batch, which traces
    the training function, is not timed), so that a slower machine stops
    earlier.

    Args:
        deadline: a `time.time()` value.
        tail_batches: training batches' worth of work after a stop (0: none).

    Example:
        >>> stop = Deadline(time.time() + 60, tail_batches=20)  # doctest: +SKIP
    """

    async_safe = True

    def __init__(self, deadline, tail_batches=0.0):
        super().__init__()
        self.deadline = deadline
        self.tail_batches = float(tail_batches or 0.0)
        self.fired = False
        self.batch_seconds = None  # the median of the timed batches
        self._times = []
        self._began = None
        self._traced = False

    def on_train_begin(self, logs=None):
        self._traced = False

    def on_train_batch_begin(self, batch, logs=None):
        self._began = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self._traced and self._began is not None:
            self._times = (self._times + [time.perf_counter() - self._began])[-TIMED_BATCHES:]
            self.batch_seconds = float(np.median(self._times))
        self._traced = True
        if time.time() + self.tail_batches * (self.batch_seconds or 0.0) >= self.deadline:
            self.fired = True
            self.model.stop_training = True
