"""`TrialRunner`: the ONE place that runs a trial, whatever runs the search.

Build (seeded), feasibility check, training with the trial callbacks (early
stopping, deadline, NaN stop, best-epoch checkpoint, epoch timer, progress),
checkpoint, validation predictions and the trial record. The local search
(`autonas.tuner.Tuner`), the chief/worker mode (`autonas.distribute`, whose
workers run `Tuner` trials) and Ray Tune (`autonas.executors.ray_tune`) all
call `TrialRunner.run`; what differs between them is only where the trial
folder lives and how the result travels back.
"""

import contextlib
import copy
import logging
import math
import os
import time
import warnings

import keras
import keras_tuner
import numpy as np

from autonas import _compat
from autonas.data import streaming
from autonas.graph.context import using_refit_rows
from autonas.reporting import user_callbacks
from autonas.reporting.decisions import decision
from autonas.trials import callbacks as trial_callbacks
from autonas.trials import checkpoints, pipeline
from autonas.utils.cost import count_macs
from autonas.utils.io import atomic_write_json, read_json

logger = logging.getLogger("autonas")

# frozen closed-form models (the forecaster's linear map, a solved text model) train nothing, by design:
# Keras's warning about it says nothing new
warnings.filterwarnings("ignore", message="The model does not have any trainable weights")

#: epochs cap when `epochs=None` lets early stopping decide.
DEFAULT_MAX_EPOCHS = 100
#: patience of early stopping when `epochs=None`.
DEFAULT_PATIENCE = 10


def build_optimizer(model, data=None):
    """Create the optimizer's variables of a compiled `model` (and its metrics', given `data`) before its first `fit`.

    On TensorFlow, Keras otherwise creates them inside the first traced train
    step, and a `tf.function` that creates variables is traced twice: the
    second trace costs a tiny trial about a third of its CPU. The variables,
    their initial values and the training are the same.

    Args:
        model: a compiled `keras.Model`.
        data: the keyword arguments of its `fit` that carry the data (see
            `autonas._compat.keras.build_compiled_state`), or None.
    """
    optimizer = getattr(model, "optimizer", None)
    if keras.backend.backend() != "tensorflow" or optimizer is None:
        return
    if data is not None:
        _compat.keras.build_compiled_state(model, data)
    if not optimizer.built:
        with model.distribute_strategy.scope():
            optimizer.build(model.trainable_variables)


class TrialFailed(keras_tuner.errors.FailedTrialError):
    """A trial that must be recorded FAILED (NaN loss, nothing trained, ...)."""


@contextlib.contextmanager
def out_of_memory_fails_the_trial():
    """Inside the block, running out of memory fails the trial with that reason, in one line.

    TensorFlow's ``ResourceExhaustedError`` (a tensor it could not allocate)
    and Python's `MemoryError` become a `TrialFailed` whose message says so and
    names the remedy; the search goes on with the next candidate. The error's
    last line alone (``[Op:__inference_...]``) would not say what happened.

    Example:
        >>> with out_of_memory_fails_the_trial():  # doctest: +SKIP
        ...     model.fit(x, y)
    """
    try:
        yield
    except Exception as e:
        if not isinstance(e, MemoryError) and type(e).__name__ != "ResourceExhaustedError":
            raise
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        detail = next((line for line in lines if "OOM" in line), lines[0] if lines else "")
        raise TrialFailed(
            f"The trial ran out of memory ({type(e).__name__}: {detail[:300]}). Its model or batch does not fit in "
            "the memory left; lower `max_model_size` (or `batch_size`) to keep such candidates out."
        ) from e


def trial_seed(seed, trial_id):
    """The seed trial `trial_id` trains with: ``seed + int(trial_id)`` (None without a base seed).

    Args:
        seed: the search's base seed, or None.
        trial_id: the trial's id.

    Returns:
        An int or None.

    Example:
        >>> trial_seed(7, "03")
        10
    """
    return None if seed is None else seed + trial_index(trial_id)


def trial_index(trial_id):
    """The trial's number (its id as an int, or a stable hash of an id that is not a number)."""
    try:
        return int(trial_id)
    except (TypeError, ValueError):
        return abs(hash(trial_id)) % 100000


def write_record(trial_dir, info):
    """Write a trial's record (``autonas_trial.json``) atomically into its folder."""
    atomic_write_json(os.path.join(trial_dir, checkpoints.TRIAL_INFO), info)


def read_record(trial_dir):
    """A trial's record, or ``{}`` when its folder holds none."""
    path = os.path.join(trial_dir, checkpoints.TRIAL_INFO)
    return read_json(path, "trial record") if os.path.exists(path) else {}


def measure(model):
    """The size facts the feasibility check reads: ``{"params": ..., "macs": ...}`` (multiply-adds per example).

    Args:
        model: a built `keras.Model`.

    Returns:
        A dict of two ints.
    """
    return {"params": int(model.count_params()), "macs": count_macs(model)}


def trainable_count(model):
    """Trainable parameters of a built model (0: nothing trains, e.g. a frozen closed-form map).

    Args:
        model: a built `keras.Model`.

    Returns:
        An int.
    """
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def check_feasible(measured, max_model_size=None, max_cost_ratio=None, reference_macs=None):
    """Whether a measured candidate fits the size limits.

    Args:
        measured: `measure` of the built candidate.
        max_model_size: the largest number of parameters, or None.
        max_cost_ratio: the largest multiply-adds per example, as a multiple of
            `reference_macs`, or None.
        reference_macs: the first candidate's multiply-adds per example.

    Returns:
        ``(ok, reason)``: a bool and the reason it is not (None when it is).

    Example:
        >>> check_feasible({"params": 20_000, "macs": 10}, max_model_size=10_000)[0]
        False
    """
    params, macs = measured["params"], measured["macs"]
    if max_model_size is not None and params > max_model_size:
        return False, f"{params} parameters > max_model_size={max_model_size}"
    if reference_macs and max_cost_ratio is not None and macs > max_cost_ratio * reference_macs:
        return False, (f"{macs} multiply-adds per example > max_cost_ratio={max_cost_ratio:g} x "
                       f"the first candidate's {reference_macs}")
    return True, None


class TrialRunner:
    """Runs one trial into a trial folder: the same seeds, callbacks, checkpoint and record everywhere.

    Args:
        build: callable ``(hp) -> keras.Model`` that frees the previous model
            and builds a compiled candidate (`Tuner.try_build`, or
            `autonas.executors.ray_tune` inside a Ray worker).
        objective: the `keras_tuner.Objective` trials are scored by.
        seed: the search's base seed (trial ``i`` trains with ``seed + i``), or None.
        num_train_examples: examples in the training data (for proxy trials on
            a subset, ``tuner/examples``).

    Example:
        >>> runner = TrialRunner(tuner.try_build, oracle.objective, seed=0, num_train_examples=1000)  # doctest: +SKIP
        >>> history = runner.run("0", hp, "runs/p/trial_0", dict(train=(x, y), validation=(xv, yv)))  # doctest: +SKIP
    """

    def __init__(self, build, objective, seed=None, num_train_examples=None):
        self.build = build
        self.objective = objective
        self.seed = seed
        self.num_train_examples = num_train_examples

    def run(self, trial_id, hp, trial_dir, fit, deadline=None, full_fidelity=True, parent_checkpoint=None,
            model=None, build_seconds=None, extra_callbacks=(), tail_batches=0.0):
        """Build, train and score one configuration; writes its checkpoint and record into `trial_dir`.

        Args:
            trial_id: the trial's id (its seed is `trial_seed` of it).
            hp: the trial's `keras_tuner.HyperParameters` (``tuner/epochs``,
                ``tuner/initial_epoch``, ``tuner/patience`` and ``tuner/examples``
                are honoured: epoch budgets, early stopping, proxy subsets).
            trial_dir: the trial folder (created if missing).
            fit: ``train``, ``validation`` (and optionally ``epochs``,
                ``batch_size``, ``callbacks``, ``verbose``, ``class_weight``,
                ``sample_weight``) as in `autonas.tuner.Tuner.search`.
            deadline: `time.time()` value at which training stops (recorded as
                ``stopped_by_deadline``), or None.
            full_fidelity: whether the trial is full fidelity (its validation
                predictions are then saved for ensembles).
            parent_checkpoint: checkpoint file a Hyperband promotion continues from.
            model: an already built model of `hp` (built after seeding with the
                trial's seed), or None to build it here.
            build_seconds: seconds the given `model`'s build took.
            extra_callbacks: more Keras callbacks (progress, TensorBoard, reporting).
            tail_batches: the work that follows a stop by the deadline (the
                last validation pass, the saved predictions), in training
                batches: training stops that much before `deadline` (see
                `autonas.trials.callbacks.Deadline`).

        Returns:
            The Keras `History` of the trial.

        Raises:
            TrialFailed: the loss became NaN, no epoch ended, or the objective
                is not among the metrics.
        """
        os.makedirs(trial_dir, exist_ok=True)
        train, validation = fit["train"], fit.get("validation")
        epochs, batch_size = fit.get("epochs"), fit.get("batch_size", 32)
        verbose, sample_weight = fit.get("verbose", 1), fit.get("sample_weight")
        start = time.time()
        seed = trial_seed(self.seed, trial_id)
        if model is None:
            if seed is not None:
                keras.utils.set_random_seed(seed)
            built = time.perf_counter()
            model = self.build(hp)
            build_seconds = time.perf_counter() - built
        if seed is not None:
            keras.utils.set_random_seed(seed)  # training draws the same numbers either way
        params, macs = measure(model).values()
        trainable = trainable_count(model)
        write_record(trial_dir, {"params": params, "macs": macs, "status": "RUNNING", "seed": seed,
                                 "start_time": start, "pid": os.getpid()})

        initial_epoch = 0
        patience = DEFAULT_PATIENCE
        if "tuner/epochs" in hp.values:
            epochs = int(hp.values["tuner/epochs"])
            initial_epoch = int(hp.values.get("tuner/initial_epoch", 0))
            if hp.values.get("tuner/trial_id") and parent_checkpoint:
                checkpoints.load_checkpoint(model, parent_checkpoint)
        early = epochs is None or "tuner/patience" in hp.values
        if "tuner/patience" in hp.values:
            patience = int(hp.values["tuner/patience"])
        max_epochs = DEFAULT_MAX_EPOCHS if epochs is None else int(epochs)
        if not model.trainable_weights:  # nothing trains (a frozen closed-form model): one epoch scores it
            max_epochs = min(max_epochs, initial_epoch + 1)
        x, y = train
        examples = hp.values.get("tuner/examples")
        if examples is not None and int(examples) < self.num_train_examples:
            if streaming.is_stream(x):  # a stream is read in order: its first examples
                x = streaming.Stream(x.dataset.take(int(examples)), int(examples), x.example_bytes)
            else:
                keep = self.proxy_subset(int(examples))
                x, y = (keras.tree.map_structure(lambda a: a[keep], d) for d in (x, y))
                sample_weight = None if sample_weight is None else sample_weight[keep]
        else:
            examples = None

        objective = self.objective
        cbs = user_callbacks.for_run(_copy_callbacks(fit.get("callbacks") or []), f"trial_{trial_id}")
        cbs.append(trial_callbacks.TerminateOnNaN())
        saver = trial_callbacks.SaveBestEpoch(objective, os.path.join(trial_dir, checkpoints.CHECKPOINT))
        cbs.append(saver)
        timer = trial_callbacks.EpochTimer()
        cbs.append(timer)
        cbs.extend(extra_callbacks)
        if early:
            cbs.append(keras.callbacks.EarlyStopping(monitor=objective.name, mode=objective.direction,
                                                     patience=patience))
        stop = trial_callbacks.Deadline(deadline, tail_batches) if deadline is not None else None
        if stop is not None:
            cbs.append(stop)
        _compat.release_free_memory()  # the build's temporaries (initial values) too
        data = pipeline.training_data(x, y, sample_weight, batch_size, seed)
        build_optimizer(model, data)
        with _compat.iterators_released_in_background(), out_of_memory_fails_the_trial():
            history = model.fit(
                **data, validation_data=validation,
                epochs=max_epochs, initial_epoch=initial_epoch, callbacks=cbs, verbose=2 if verbose >= 2 else 0,
                class_weight=fit.get("class_weight"),
            )
        losses = history.history.get("loss", [])
        if not losses:
            raise TrialFailed("The trial was stopped before it finished one epoch.")
        if any(not math.isfinite(v) for v in losses):
            raise TrialFailed(f"The training loss became NaN or infinite at epoch {initial_epoch + len(losses)}.")
        if objective.name not in history.history:
            raise TrialFailed(
                f"The objective {objective.name!r} is not among the trained metrics "
                f"{sorted(history.history)}; pass an `objective` the model reports."
            )
        best_rel = checkpoints.best_epoch_index(history.history[objective.name], objective)
        if full_fidelity:
            checkpoints.save_validation_predictions(trial_dir, model, saver.best_weights(), validation)
        cut = stop is not None and stop.fired
        if cut:
            decision("Trial %s was stopped by the time budget after %d epochs; its best epoch is "
                     "kept.", trial_id, initial_epoch + len(losses))
        write_record(trial_dir, {
            "params": params,
            "macs": macs,
            "trainable_params": trainable,
            "seed": seed,
            "duration": time.time() - start,
            "epochs_trained": len(losses),
            "best_epoch": initial_epoch + best_rel + 1,
            "stopped_by_deadline": cut,
            "stop_tail_batches": float(tail_batches or 0.0),
            "build_seconds": build_seconds,
            "epoch_seconds": [round(t, 4) for t in timer.seconds],
            "examples": int(examples) if examples is not None else self.num_train_examples,
            "max_epochs": max_epochs,
            "full_fidelity": bool(full_fidelity),
            "start_time": start,
            "end_time": time.time(),
            "pid": os.getpid(),  # with the times: a resumed search can show that no completed trial ran again
        })
        return history

    def refit(self, hp, fit, deadline=None, member=0, extra_callbacks=()):
        """Train configuration `hp` afresh on ``fit["x"]``, ``fit["y"]`` for ``fit["epochs"]`` epochs.

        Each ensemble member refits with its own seed (``seed + 100003 + 7919 * member``). A model
        with no trainable weights (a frozen closed-form map) is not trained: its build is its refit
        (``epochs_trained`` 0).

        Args:
            hp: the configuration's `keras_tuner.HyperParameters`.
            fit: ``x``, ``y``, ``epochs`` (and optionally ``batch_size``,
                ``callbacks``, ``verbose``, ``class_weight``, ``sample_weight``).
            deadline: `time.time()` value at which training stops (recorded as ``cut_off``).
            member: the ensemble member index (0 for a single model).
            extra_callbacks: more Keras callbacks (the progress display).

        Returns:
            ``(model, history, info)``: the fitted model, its `History` and a
            dict (epochs, epochs_trained, cut_off, duration, final_loss,
            hyperparameters).
        """
        seed = None if self.seed is None else self.seed + 100003 + 7919 * member
        if seed is not None:
            keras.utils.set_random_seed(seed)
        start = time.time()
        epochs, batch_size, verbose = fit["epochs"], fit.get("batch_size", 32), fit.get("verbose", 1)
        with using_refit_rows(fit["x"], fit["y"]):  # what is solved in closed form is solved on all the rows
            model = self.build(hp)
        cbs = user_callbacks.for_run(_copy_callbacks(fit.get("callbacks") or []), "refit")
        cbs.append(trial_callbacks.TerminateOnNaN())
        stop = trial_callbacks.Deadline(deadline) if deadline is not None else None
        if stop is not None:
            cbs.append(stop)
        if model.trainable_weights:
            data = streaming.fit_data(fit["x"], fit["y"], batch_size, seed)
            build_optimizer(model, {**data, "sample_weight": fit.get("sample_weight")})
            history = model.fit(**data, epochs=epochs,
                                callbacks=cbs + list(extra_callbacks), verbose=2 if verbose >= 2 else 0,
                                class_weight=fit.get("class_weight"), sample_weight=fit.get("sample_weight"))
        else:  # nothing trains (a frozen closed-form model): the build is the refit
            history = keras.callbacks.History()
        losses = history.history.get("loss", [])
        return model, history, {
            "epochs": epochs,
            "epochs_trained": len(losses),
            "cut_off": stop is not None and stop.fired,
            "duration": time.time() - start,
            "final_loss": float(losses[-1]) if losses else None,
            "hyperparameters": dict(hp.values),
        }

    def proxy_subset(self, examples):
        """Indices of the first `examples` of one seeded permutation of the training examples.

        The same permutation for every trial of a search, so proxy trials of the
        same size train on the same examples and their scores compare.

        Args:
            examples: how many examples the proxy trial trains on.

        Returns:
            A sorted array of indices.
        """
        order = np.random.default_rng(0 if self.seed is None else self.seed).permutation(self.num_train_examples)
        return np.sort(order[:examples])


def _copy_callbacks(callbacks):
    """Per-trial copies of the user's callbacks (a callback keeps state between epochs)."""
    try:
        return copy.deepcopy(list(callbacks))
    except Exception as e:
        raise keras_tuner.errors.FatalValueError(
            f"Every callback given to fit is copied for each trial, and one could not be ({type(e).__name__}: {e}); "
            "pass callbacks that copy.deepcopy can copy."
        ) from e
