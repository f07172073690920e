"""The autonas `Tuner`: runs trials for any oracle, then refits the winner.

It owns the project directory, trains each trial with early stopping, a time
budget and NaN protection, keeps the best-epoch checkpoint of every trial,
records per-trial facts (parameters, duration, best epoch) as JSON, and refits
the best configuration on all the data for its best number of epochs.
"""

import contextlib
import gc
import io
import logging
import math
import os
import time

import keras
import keras_tuner
import numpy as np
from keras_tuner.engine import trial as trial_module

from autonas import _compat, accelerate, distribute
from autonas.data import streaming
from autonas.reporting.decisions import decision
from autonas.trials import checkpoints
from autonas.trials.checkpoints import (  # noqa: F401 (the names autonas.tuner has always offered)
    CHECKPOINT,
    LEGACY_CHECKPOINT,
    TRIAL_INFO,
    best_epoch_index,
    load_checkpoint,
    save_checkpoint,
)
from autonas.trials.pipeline import training_data as _training_data  # noqa: F401
from autonas.trials.pipeline import validation_dataset as _validation_dataset
from autonas.trials.runner import DEFAULT_MAX_EPOCHS, DEFAULT_PATIENCE, TrialFailed, TrialRunner  # noqa: F401
from autonas.trials.runner import check_feasible, measure, read_record
from autonas.utils.io import atomic_write_json

_compat.install()

logger = logging.getLogger("autonas")


class SearchFailed(RuntimeError):
    """Too many trials failed in a row: the search stops with their messages."""


class Tuner(_compat.keras_tuner.TunerHooks):
    """Runs a search for one `HyperModel` with any `keras_tuner.Oracle`.

    Args:
        oracle: the search strategy (a `keras_tuner.Oracle`).
        hypermodel: the search space (an autonas `Graph` or any HyperModel).
        directory: parent folder of the project directory.
        project_name: name of the project directory.
        overwrite: start afresh instead of resuming an existing project.
        max_model_size: skip candidates with more parameters than this, without
            counting them as trials or failures.
        seed: base seed; trial ``i`` trains with ``seed + i``.
        reporter: optional object with ``on_trial_begin(tuner, trial)`` and
            ``on_trial_end(tuner, trial, info)``, and optionally
            ``on_search_end(tuner)`` (see `autonas.reporting`).
        tensorboard: optional log directory; every trial then writes its
            scalars and hyperparameters there for TensorBoard (see
            `autonas.reporting.tensorboard`).
        distribution_strategy: optional `tf.distribute.Strategy`; every trial and
            the refit are built and trained under it (TensorFlow backend).
        mixed_precision: True, False or a Keras policy name; see `autonas.accelerate`.
        jit_compile: True, False or ``"auto"``: XLA compilation of every model.
        max_cost_ratio: skip candidates whose multiply-adds per example (see
            `autonas.utils.cost.count_macs`) exceed this many times those of the
            first candidate of the search (the warm start), in the same way;
            None for no limit.

    Example:
        >>> tuner = Tuner(oracle, graph, directory="runs", project_name="demo")  # doctest: +SKIP
        >>> tuner.search(train=(x, y), validation=(xv, yv), epochs=5)          # doctest: +SKIP
    """

    def __init__(self, oracle, hypermodel, directory=None, project_name=None, overwrite=False,
                 max_model_size=None, seed=None, reporter=None, tensorboard=None, distribution_strategy=None,
                 mixed_precision=False, jit_compile="auto", max_cost_ratio=None, **kwargs):
        self.seed = seed
        self.reporter = reporter
        self.tensorboard = None if tensorboard is None else os.fspath(tensorboard)
        self._tensorboard_logger = None
        self.search_max_model_size = max_model_size
        self.search_max_cost_ratio = max_cost_ratio
        self._first_candidate_macs = None
        self._candidate = None
        # Hardware settings (autonas.accelerate); the policy is resolved once, here.
        self.precision_policy = accelerate.resolve_precision_policy(mixed_precision)
        self.jit_compile = accelerate.check_jit_compile(jit_compile)
        accelerate.check_distribution_strategy(distribution_strategy)
        if overwrite and distribute.role() == "worker":
            logger.info("overwrite=True is ignored on a worker: only the chief may clear the shared project.")
            overwrite = False
        try:
            with _quiet():
                super().__init__(oracle=oracle, hypermodel=hypermodel, directory=directory,
                                 project_name=project_name, overwrite=overwrite,
                                 distribution_strategy=distribution_strategy, **kwargs)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
            if overwrite:
                raise
            project = os.path.join(str(directory or "."), project_name or "untitled_project")
            damaged = _damaged_state_file(project)
            where = f"{damaged!r} is damaged or truncated" if damaged else "a file there was changed or damaged"
            raise ValueError(
                f"The search state in {project!r} could not be reloaded ({type(e).__name__}: {e}): {where}. "
                "Delete the project folder (or that trial's folder) to start it afresh, or pass overwrite=True."
            ) from e
        self.oracle.verbose = 0
        if (max_model_size is not None or max_cost_ratio is not None) and hasattr(self.oracle, "constraint"):
            self.oracle.constraint = self._feasible
        self.search_start = None
        self.deadline = None
        self.total_deadline = None
        self.reserve = None
        self.num_train_examples = None
        self.num_validation_examples = None

    # -- feasibility ----------------------------------------------------------
    def count_params(self, values):
        """Number of parameters of the model built from hyperparameter `values`."""
        hp = self.oracle.get_space()
        hp.values.update(values)
        keras.backend.clear_session()
        model = self.hypermodel.build(hp)
        return int(model.count_params())

    def _feasible(self, values):
        # Built as the trial would build it (same seed, same build hook), so a feasible candidate's model
        # is kept for its trial instead of being built twice (see `_take_candidate`). KerasTuner numbers
        # trials in creation order, so the trial about to be created gets index len(trials).
        self._candidate = None
        if self.seed is not None:
            keras.utils.set_random_seed(self.seed + len(self.oracle.trials))
        hp = self.oracle.get_space()
        hp.values.update(values)
        _free_previous_models()
        built = time.perf_counter()
        model = self.build_hypermodel(hp)
        built = time.perf_counter() - built
        measured = measure(model)
        if self._first_candidate_macs is None and not self.oracle.start_order:
            self._first_candidate_macs = measured["macs"]
        reference = self._reference_macs() if self.search_max_cost_ratio is not None else None
        ok, reason = check_feasible(measured, self.search_max_model_size, self.search_max_cost_ratio, reference)
        if not ok:
            return False, reason, measured
        if distribute.role() is None:  # a chief only proposes: its workers build their own models
            self._candidate = (_values_key(values), hp, model, built)
        return True, None

    def _take_candidate(self, hp):
        """``(model, seconds its build took)`` from `_feasible` for these values, else ``(None, None)``.

        Only the last candidate checked is kept. The hyperparameters that its build registered (conditional ones the
        space had not seen) are merged into `hp`, as building on `hp` itself
        would have done, so the oracle still learns them when the trial ends.
        """
        candidate, self._candidate = self._candidate, None
        if candidate is None or candidate[0] != _values_key(hp.values):
            return None, None
        _, built_hp, model, seconds = candidate
        hp.merge(built_hp, overwrite=False)
        return model, seconds

    def _reference_macs(self):
        """Multiply-adds per example of the search's first candidate (of its first trial when resumed)."""
        if self._first_candidate_macs:
            return self._first_candidate_macs
        for trial_id in self.oracle.start_order:
            macs = self.trial_info(trial_id).get("macs")
            if macs:
                return macs
        return None

    # -- the search loop --------------------------------------------------------
    def search(self, train, validation, epochs=None, batch_size=32, callbacks=None, verbose=1,
               class_weight=None, sample_weight=None, deadline=None, reserve=None):
        """Run trials until the oracle stops, `max_trials` is reached or time runs out.

        Args:
            train: ``(x, y)`` in Keras form (arrays, or dicts keyed by input/head name).
            validation: ``(x, y)`` validation data in the same form.
            epochs: epochs per trial; None lets early stopping decide (up to
                `DEFAULT_MAX_EPOCHS`).
            batch_size: batch size.
            callbacks: extra Keras callbacks (copied for every trial).
            verbose: 0 silent, 1 per-trial summaries, 2 also Keras epoch bars.
            class_weight: optional Keras class weights.
            sample_weight: optional per-example weights of the training data.
            deadline: `time.time()` value after which no trial starts and a running
                trial is stopped.
            reserve: optional callable returning the seconds to keep free before
                `deadline` (for the refit and the ensemble that follow the
                search); trials start and stop that much earlier. It is asked
                again before every trial, as the search learns what a refit costs.
        """
        self.total_deadline = deadline
        self.reserve = reserve
        self.deadline = deadline
        self.search_start = time.time()
        self.num_train_examples = _length(train)
        self.num_validation_examples = _length(validation) if validation is not None else 0
        if hasattr(self.oracle, "set_fidelity"):
            # proxy-fidelity strategies: all the examples, and the fit's epochs, are full fidelity
            self.oracle.set_fidelity(self.num_train_examples, int(epochs) if epochs else DEFAULT_MAX_EPOCHS,
                                     early_stopping=epochs is None)
        if getattr(self.oracle, "max_epochs", 0) is None and hasattr(self.oracle, "set_max_epochs"):
            # Hyperband-style oracles derive their largest budget from the fit's epochs.
            self.oracle.set_max_epochs(int(epochs) if epochs else DEFAULT_MAX_EPOCHS)
        objective = self.oracle.objective
        atomic_write_json(os.path.join(self.project_dir, "autonas_search.json"), {
            "objective": objective.name,
            "direction": getattr(objective, "direction", "max"),
            "max_trials": self.oracle.max_trials,
            "strategy": type(self.oracle).__name__,
        })
        self.validation_arrays = validation  # as given: an executor outside this process ships it
        validation = _validation_dataset(validation, batch_size)
        fit_kwargs = dict(train=train, validation=validation, epochs=epochs, batch_size=batch_size,
                          callbacks=callbacks or [], verbose=verbose, class_weight=class_weight,
                          sample_weight=sample_weight)
        role = distribute.role()
        if role is not None:  # KerasTuner chief/worker mode: see autonas.distribute
            self._distributed_search(role, fit_kwargs)
            return
        self.run_trials(fit_kwargs)

    def run_trials(self, fit_kwargs):
        """Run the trials in this process until the oracle stops or time runs out (the ``"local"`` executor).

        Other executors override it (`autonas.executors.ray_tune.RayTuner`).

        Args:
            fit_kwargs: ``train``, ``validation`` and the fit's settings, as
                `run_trial` takes them.
        """
        self.on_search_begin()
        with frozen_heap():
            while True:
                self._update_deadline()
                if not self._time_for_another_trial():
                    decision("Time budget reached: no further trial started.")
                    break
                self._give_budget_hint()
                trial = self.oracle.create_trial(self.tuner_id)
                if trial.status == trial_module.TrialStatus.STOPPED:
                    break
                if trial.status == trial_module.TrialStatus.IDLE:
                    time.sleep(0.05)
                    continue
                self._run_one(trial, fit_kwargs)
            self._finish_with_full_trial(fit_kwargs)
        self._candidate = None  # a candidate checked but never run (time ran out) is not kept alive
        self.on_search_end()

    def _run_one(self, trial, fit_kwargs):
        self.on_trial_begin(trial)
        self.try_run_and_update_trial(trial, **fit_kwargs)
        self.on_trial_end(trial)
        self._check_failures()

    def _finish_with_full_trial(self, fit_kwargs):
        """When the budget ended the search with proxy trials only, train the best of them at full fidelity.

        A proxy score never decides the final model: the promotion runs until
        the fit's own deadline (the refit then uses its checkpoint if no time is left).
        """
        if self.completed_full_trials() or not hasattr(self.oracle, "promote_best"):
            return
        if not self.oracle.promote_best():
            return
        if self.oracle.max_trials is not None and len(self.oracle.trials) >= self.oracle.max_trials:
            self.oracle.max_trials = len(self.oracle.trials) + 1
        self.deadline = self.total_deadline
        self._give_budget_hint()
        trial = self.oracle.create_trial(self.tuner_id)
        if trial.status == trial_module.TrialStatus.RUNNING:
            logger.info("No full-fidelity trial ended within the search's time: trial %s trains the best "
                        "screened configuration at full fidelity.", trial.trial_id)
            self._run_one(trial, fit_kwargs)

    def _distributed_search(self, role, fit_kwargs):
        if role == "chief":
            from autonas.distribute import chief

            self.on_search_begin()
            leases = chief.serve(self)
            self.on_search_end()
            self._check_failures()
            if leases.failure:
                raise SearchFailed(f"The search stopped: the strategy raised {leases.failure}")
        else:
            from autonas.distribute import worker

            self.worker_trials = worker.work(self, fit_kwargs)

    def try_run_and_update_trial(self, trial, *args, **kwargs):
        # Every trial, in the search loop and on distributed workers alike.
        with _compat.releasing_trial_graphs():
            return super().try_run_and_update_trial(trial, *args, **kwargs)

    def build_hypermodel(self, hp):
        # KerasTuner's build hook, called after `clear_session` (which resets the dtype
        # policy) and inside the distribution strategy's scope.
        with accelerate.precision_scope(self.precision_policy), _compat.shared_variable_kernels():
            model = super().build_hypermodel(hp)
        return accelerate.apply_jit_compile(model, self.jit_compile)

    def try_build(self, hp):
        """Build one candidate after freeing the previous one.

        Replaces KerasTuner's hook of the same name, which collects garbage
        twice per build (its own ``gc.collect()`` and Keras's `clear_session`);
        one collection frees the previous trial's model just as well.
        """
        _free_previous_models()
        model = self.build_hypermodel(hp)
        if not isinstance(model, keras.Model):
            raise keras_tuner.errors.FatalTypeError(
                f"The hypermodel's build() must return a keras.Model; received {type(model).__name__}."
            )
        return model

    def _check_failures(self):
        limit = getattr(self.oracle, "failure_limit", None)
        if not limit:
            return
        failed = self.oracle.consecutive_failures()
        if len(failed) >= limit:
            lines = [f"  trial {t.trial_id}: {_last_line(t.message)}" for t in failed[-limit:]]
            raise SearchFailed(
                f"The search stopped: {len(failed)} trials failed in a row "
                f"(max_consecutive_failed_trials={limit}). Last failures:\n" + "\n".join(lines)
            )

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
        # the cheapest trial so far: proxy trials are short, and a trial that does not fit is stopped
        estimate = float(min(durations)) if durations else 0.0
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

    def is_full_fidelity(self, values):
        """Whether trial values ask for a full-fidelity trial (all examples, all the epochs).

        Strategies with proxy trials answer themselves (``oracle.full_fidelity``);
        for Hyperband-style ``tuner/epochs``, only the largest budget is full.

        Args:
            values: a trial's hyperparameter values.

        Returns:
            A bool.
        """
        if hasattr(self.oracle, "full_fidelity"):
            return bool(self.oracle.full_fidelity(values))
        if "tuner/examples" in values:
            return False
        max_epochs = getattr(self.oracle, "max_epochs", None)
        if "tuner/epochs" in values and max_epochs:
            return int(values["tuner/epochs"]) >= int(max_epochs)
        return True

    def on_trial_begin(self, trial):
        super().on_trial_begin(trial)
        if self.reporter is not None:
            self.reporter.on_trial_begin(self, trial)

    def on_trial_end(self, trial):
        with _quiet():
            super().on_trial_end(trial)
        if self.reporter is not None:
            ended = self.oracle.get_trial(trial.trial_id)
            self.reporter.on_trial_end(self, ended, self.trial_info(trial.trial_id))

    def on_search_end(self):
        super().on_search_end()
        if self.reporter is not None and hasattr(self.reporter, "on_search_end"):
            self.reporter.on_search_end(self)

    # -- one trial ----------------------------------------------------------------
    def trial_runner(self):
        """The `autonas.trials.TrialRunner` of this search (builds with this tuner's hooks)."""
        return TrialRunner(self.try_build, self.oracle.objective, seed=self.seed,
                           num_train_examples=self.num_train_examples)

    def run_trial(self, trial, train, validation, epochs=None, batch_size=32, callbacks=(), verbose=1,
                  class_weight=None, sample_weight=None):
        """Build, train and score one configuration; returns its Keras `History` (see `TrialRunner.run`)."""
        hp = trial.hyperparameters
        model, build_seconds = self._take_candidate(hp)  # built by `_feasible` after seeding as the runner does
        parent = hp.values.get("tuner/trial_id") if "tuner/epochs" in hp.values else None
        fit = dict(train=train, validation=validation, epochs=epochs, batch_size=batch_size, callbacks=callbacks,
                   verbose=verbose, class_weight=class_weight, sample_weight=sample_weight)
        return self.trial_runner().run(
            trial.trial_id, hp, self.get_trial_dir(trial.trial_id), fit, deadline=self.deadline,
            full_fidelity=self.is_full_fidelity(hp.values),
            parent_checkpoint=self.checkpoint_path(parent) if parent else None,
            model=model, build_seconds=build_seconds,
            extra_callbacks=self._tensorboard_callbacks(trial) + self._progress_callbacks())

    #: a full-fidelity trial's predictions on the validation data (best epoch), for ensembles.
    PREDICTIONS = checkpoints.PREDICTIONS

    def validation_predictions(self, trial_id):
        """A full-fidelity trial's predictions on the validation data, or None when none were saved.

        Args:
            trial_id: the trial's id.

        Returns:
            A NumPy array (rows x outputs) or None.
        """
        return checkpoints.read_validation_predictions(self.get_trial_dir(trial_id), trial_id)

    def _progress_callbacks(self):
        """The progress display's per-epoch callbacks (see `autonas.reporting.progress`)."""
        make = getattr(self.reporter, "keras_callbacks", None)
        return list(make()) if make is not None else []

    # -- TensorBoard ------------------------------------------------------------
    def _tensorboard_callbacks(self, trial):
        """Per-trial TensorBoard callbacks (scalars, HParams) when `tensorboard` is set."""
        if self.tensorboard is None:
            return []
        from autonas.reporting.tensorboard import TensorBoardLogger

        if self._tensorboard_logger is None:
            self._tensorboard_logger = TensorBoardLogger(self.tensorboard)
        return self._tensorboard_logger.trial_callbacks(self, trial)

    # -- trial facts --------------------------------------------------------------
    def _trial_info_path(self, trial_id):
        return os.path.join(self.project_dir, f"trial_{trial_id}", TRIAL_INFO)

    def _write_trial_info(self, trial_id, info):
        atomic_write_json(self._trial_info_path(trial_id), info)

    def trial_info(self, trial_id):
        """Facts autonas records about a trial (params, duration, best epoch, ...)."""
        return read_record(os.path.join(self.project_dir, f"trial_{trial_id}"))

    def trial_infos(self):
        """`trial_info` for every trial of the oracle, keyed by trial id."""
        return {tid: self.trial_info(tid) for tid in self.oracle.trials}

    # -- refit ----------------------------------------------------------------------
    def best_trial(self):
        """The best COMPLETED trial; raises a clear error when there is none."""
        completed = self.completed_full_trials()
        if not completed:
            failures = [t for t in self.oracle.trials.values() if t.message]
            detail = ""
            if failures:
                detail = " Last failure: " + _last_line(failures[-1].message)
            skipped = getattr(self.oracle, "skipped", None)
            if skipped:
                detail += (f" {len(skipped)} candidate(s) were skipped as too large: "
                           f"{_smallest_skipped(skipped)}. Raise `max_model_size` (or `max_cost_ratio`).")
            proxies = [t for t in self.oracle.trials.values() if t.status == trial_module.TrialStatus.COMPLETED]
            what = "no full-fidelity trial (only proxy trials)" if proxies else "no trial"
            raise RuntimeError(f"The search completed {what}, so there is no model to refit.{detail}")
        full = {t.trial_id for t in completed}
        ranked = [t for t in self.oracle.get_best_trials(len(self.oracle.trials)) if t.trial_id in full]
        return ranked[0] if ranked else completed[0]

    def completed_full_trials(self):
        """COMPLETED trials with a finite score, trained at full fidelity (proxy trials never compete).

        Returns:
            A list of `Trial`, in creation order.
        """
        return [t for t in self.oracle.trials.values() if t.status == trial_module.TrialStatus.COMPLETED
                and t.score is not None and math.isfinite(t.score)
                and self.is_full_fidelity(t.hyperparameters.values)]

    def refit(self, trial, x, y, epochs=None, batch_size=32, callbacks=(), verbose=1,
              class_weight=None, sample_weight=None, deadline=None, member=0):
        """Train the configuration of `trial` afresh on all of `x`, `y`.

        Args:
            trial: the trial whose hyperparameters are refitted.
            x: training inputs (train + validation) in Keras form.
            y: training targets in Keras form.
            epochs: epochs to train; the trial's best epoch count when None.
            batch_size, callbacks, verbose, class_weight, sample_weight: as in `search`.
            deadline: optional `time.time()` value at which training stops even
                if the epochs are not done (recorded as ``cut_off``).
            member: the ensemble member index (0 for a single model): each
                member refits with its own seed and writes its own record.

        Returns:
            ``(model, info)``: the fitted `keras.Model` and a dict describing the refit.
        """
        info = self.trial_info(trial.trial_id)
        if epochs is None:
            epochs = int(info.get("best_epoch") or (trial.best_step or 0) + 1)
        stage = getattr(self.reporter, "begin_stage", None)
        if stage is not None:
            label = "Refit" if member == 0 else f"Refit of ensemble member {member + 1}"
            stage(label, epochs, f"trial {trial.trial_id}'s configuration on the training and validation "
                                 f"data, {epochs} epochs")
        fit = dict(x=x, y=y, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=verbose,
                   class_weight=class_weight, sample_weight=sample_weight)
        model, history, refit_info = self.trial_runner().refit(trial.hyperparameters, fit, deadline=deadline,
                                                               member=member, extra_callbacks=self._progress_callbacks())
        if stage is not None:
            self.reporter.end_stage(f"loss {history.history['loss'][-1]:.4f}" if history.history.get("loss") else None)
        refit_info = {"trial_id": trial.trial_id, **refit_info}
        name = "refit.json" if member == 0 else f"refit_{member}.json"
        atomic_write_json(os.path.join(self.project_dir, name), refit_info)
        return model, refit_info

    def refit_seconds(self, trial, data_ratio):
        """Expected seconds to refit `trial` on ``data_ratio`` times its training examples.

        From what the trial measured: its time per epoch (duration less the build),
        scaled to the refit's data, times its best epoch count, plus one build.

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
        per_epoch = max(1e-3, duration - build) / epochs
        examples = info.get("examples") or self.num_train_examples
        scale = data_ratio * (getattr(self, "num_train_examples", None) or examples) / examples
        refit_epochs = int(info.get("best_epoch") or epochs)
        return build + per_epoch * scale * refit_epochs

    def load_trial_model(self, trial):
        """The best-epoch checkpoint of a trial, as a Keras model."""
        return self.load_model(trial)

    # -- checkpoints ----------------------------------------------------------------
    def checkpoint_path(self, trial_id):
        return os.path.join(self.get_trial_dir(trial_id), CHECKPOINT)

    def load_model(self, trial):
        """The trial's configuration built afresh, with its best epoch's weights."""
        model = self.try_build(trial.hyperparameters)
        with _compat.keras_tuner.maybe_distribute(self.distribution_strategy):
            load_checkpoint(model, self.checkpoint_path(trial.trial_id))
        return model


def _damaged_state_file(project):
    """The first of the project's JSON state files (oracle, trials) that does not parse, or None."""
    import glob
    import json

    for path in [os.path.join(project, "oracle.json"), *sorted(glob.glob(os.path.join(project, "trial_*", "*.json")))]:
        try:
            with open(path) as f:
                json.load(f)
        except (OSError, ValueError):
            if os.path.exists(path):
                return path
    return None


def _length(data):
    """Examples in ``(x, y)`` Keras-form data (or a streamed ``(Stream, None)``)."""
    return len(data[0]) if streaming.is_stream(data[0]) else len(keras.tree.flatten(data[1])[0])


def _free_previous_models():
    """Reset Keras's state, collect the models no longer used and return their memory to the system."""
    keras.backend.clear_session()
    _compat.release_free_memory()


def _smallest_skipped(skipped):
    """The reason given for the skipped candidate with the fewest parameters (as `_feasible` measured them)."""
    return min(skipped, key=lambda entry: entry.get("params", float("inf"))).get("reason", "no reason recorded")


def _values_key(values):
    return tuple(sorted((name, repr(value)) for name, value in values.items()))


def _last_line(message):
    lines = [line for line in (message or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


@contextlib.contextmanager
def frozen_heap():
    """Exclude the objects alive on entry from garbage collection until the block ends.

    Every build frees the previous trial's model with a full collection, whose
    cost grows with everything TensorFlow and the caller keep alive (seconds
    per trial on a busy machine). `gc.freeze` moves those long-lived objects
    out of the collector's way; objects created inside the block are
    collected as usual, and `gc.unfreeze` restores normal collection after.
    `Tuner.search` runs in one; `AutoModel.fit` puts the search and the refit
    in one, so the search's own is then a no-op: nothing is done when objects
    are frozen already (by an outer block or by the caller).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _quiet():
    """Swallow KerasTuner's own console prints (autonas reports through `logging`)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield
    text = buffer.getvalue().strip()
    if text:
        logger.debug("keras_tuner: %s", text)
