"""The autonas `Tuner`: runs trials for any oracle, then refits the winner.

It owns the project directory, trains each trial with early stopping, a time
budget and NaN protection, keeps the best-epoch checkpoint of every trial,
records per-trial facts (parameters, duration, best epoch) as JSON, and refits
the best configuration on all the data for its best number of epochs.
"""

import logging
import os
import time

import keras
import keras_tuner
from keras_tuner.engine import trial as trial_module

from autonas import _compat, accelerate, distribute
from autonas.budget import stop_tail_batches
from autonas.reporting.decisions import decision
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
from autonas.tuner_budget import BudgetMixin
from autonas.tuner_feasibility import FeasibilityMixin
from autonas.tuner_records import RecordsMixin
from autonas.tuner_support import ProjectDirectoryFull, disk_full_stops_the_search  # noqa: F401
from autonas.tuner_support import damaged_state_file as _damaged_state_file
from autonas.tuner_support import example_count as _length
from autonas.tuner_support import free_previous_models as _free_previous_models
from autonas.tuner_support import frozen_heap  # noqa: F401 (autonas.tuner.frozen_heap, as always)
from autonas.tuner_support import last_line as _last_line
from autonas.tuner_support import quiet as _quiet
from autonas.utils.io import atomic_write_json

_compat.install()

logger = logging.getLogger("autonas")


class SearchFailed(RuntimeError):
    """Too many trials failed in a row: the search stops with their messages."""


class Tuner(FeasibilityMixin, BudgetMixin, RecordsMixin, _compat.keras_tuner.TunerHooks):
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

    fence = None  #: a distributed worker's `autonas.distribute.fence.Fence` (trials written aside), else None

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
        with disk_full_stops_the_search(self.project_dir):
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
        # a distributed worker writes aside until the chief confirms its lease (`autonas.distribute.fence`)
        trial_dir = self.get_trial_dir(trial.trial_id) if self.fence is None else self.fence.trial_dir(trial.trial_id)
        full = self.is_full_fidelity(hp.values)
        with disk_full_stops_the_search(self.project_dir):  # not a trial failure: the search stops
            return self.trial_runner().run(
                trial.trial_id, hp, trial_dir, fit, deadline=self.deadline,
                tail_batches=stop_tail_batches(self.num_validation_examples, batch_size, full),
                full_fidelity=full,
                parent_checkpoint=self.checkpoint_path(parent) if parent else None,
                model=model, build_seconds=build_seconds,
                extra_callbacks=self._tensorboard_callbacks(trial) + self._progress_callbacks())

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

    def load_trial_model(self, trial):
        """The best-epoch checkpoint of a trial, as a Keras model."""
        return self.load_model(trial)

    # -- checkpoints ----------------------------------------------------------------
    def checkpoint_path(self, trial_id):
        return os.path.join(self.get_trial_dir(trial_id), CHECKPOINT)

    def load_model(self, trial):
        """The trial's configuration built afresh, with its best epoch's weights."""
        model = self.try_build(trial.hyperparameters)  # KerasTuner builds it under the distribution strategy
        with _compat.keras_tuner.maybe_distribute(self.distribution_strategy):  # and the weights load there too
            load_checkpoint(model, self.checkpoint_path(trial.trial_id))
        return model
