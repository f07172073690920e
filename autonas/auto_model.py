"""`AutoModel`: owns one search, from raw data to a fitted, exportable model.

The one place that knows the order of the steps: validate and adapt the data,
analyse targets, build the graph, pick the strategy, run the search, refit the
winner on all the data, then answer predict / evaluate / export.

Its parts live beside it: reading the data of a fit (`autonas.auto_model_data`),
the defaults sized to the data and `SearchContext` (`autonas.auto_model_defaults`),
predict / evaluate / export (`autonas.auto_model_predict`), and the leaderboard,
summary and plots (`autonas.reporting.mixin`).
"""

import logging
import os
import time

from autonas import accelerate, distribute, executors, search
from autonas import tuner as tuner_module
from autonas.auto_model_data import FitDataMixin
from autonas.auto_model_defaults import (  # noqa: F401  (re-exported: `from autonas.auto_model import SearchContext`)
    MAX_AUTO_BATCH_SIZE,
    MAX_STEPS_PER_EPOCH,
    SearchContext,
    SearchDefaultsMixin,
    auto_batch_size,
)
from autonas.auto_model_predict import PredictionMixin
from autonas.budget import FitBudget
from autonas.data.class_weights import resolve_class_weight
from autonas.data.fingerprint import check_resumed, fingerprint
from autonas.data.profile import profile_graph
from autonas.final_model import Members, choose_members, fit_final_model
from autonas.graph.graph import Graph
from autonas.reporting import decisions
from autonas.reporting.mixin import ReportingMixin
from autonas.sklearn_api import EstimatorMixin, StrategyName
from autonas.tuner_support import disk_full_stops_the_search
from autonas.reporting.tensorboard import check_tensorboard_arg
from autonas.utils import project_lock
from autonas.utils.timeparse import parse_duration
from autonas.utils.validation import Default, check_int

logger = logging.getLogger("autonas")

#: the search keeps time for refitting this many of its best trials when ensembles are on.
RESERVED_MEMBERS = 2
#: ... and for loading this many search checkpoints (`autonas.final_model`).
RESERVED_CHECKPOINTS = 3
#: `fit`'s validation_split when left out (0.2); an explicit value is told apart from it
DEFAULT_SPLIT = Default(0.2)


class AutoModel(FitDataMixin, PredictionMixin, SearchDefaultsMixin, EstimatorMixin, ReportingMixin):
    """Search a graph of blocks for the best Keras model, then refit it.

    Args:
        inputs: input node(s), e.g. ``autonas.ImageInput()``.
        outputs: head output node(s), e.g. ``autonas.ClassificationHead()(x)``.
        max_trials: number of configurations to train (default 10).
        tuner: ``"auto"`` (default: ``"successive-halving"`` when `max_time`
            is set, so that candidates are screened on proxy tasks when full
            trials are costly, else ``"random"``), a strategy name
            (``"random"``, ..., ``"darts"``) or a `keras_tuner.Oracle`. ``"darts"`` (or an
            `autonas.search.DartsOracle` with its settings) needs a graph with
            one `DartsBlock` fed by an `ImageInput`: a supernet search derives
            its cells, then the derived network is trained as the trials.
        objective: metric to optimise; ``"val_accuracy"`` for a classification
            head, ``"val_loss"`` otherwise.
        max_time: time budget for the WHOLE `fit` (search, refit and
            ensemble), seconds or a string like ``"30m"``; `fit` returns by
            ``max_time`` + 5% (+ 10 s under 3 minutes). The search keeps the
            time its refits will need (planned from what the trials measured),
            a trial still running when the search's time is up is stopped and
            keeps its best epoch (recorded as cut off), and a member whose
            refit no longer fits is used as its search checkpoint.
        max_model_size: maximum number of parameters; larger candidates are skipped.
        seed: random seed; the same seed on CPU gives the same trials.
        directory: parent folder of the project directory (default ``"autonas_runs"``).
        project_name: the project directory name.
        overwrite: start a new search instead of resuming the project on disk.
        initial_hps: configurations (value dicts) tried first; when None, those
            of `default_initial_hps` (the space's defaults first, unless a task
            class proposes a warm start sized for the data).
        max_consecutive_failed_trials: failed trials in a row that end the search.
        tensorboard: True to log every trial for TensorBoard (scalars and the
            HParams dashboard) under ``<project dir>/tensorboard``, or a log
            directory; nothing is logged when None or False.
        distribution_strategy: a `tf.distribute.Strategy` (e.g.
            `tf.distribute.MirroredStrategy()` over the GPUs of this machine, or a
            TPUStrategy) under which every trial and the refit are built and
            trained. TensorFlow backend only.
        mixed_precision: True for a mixed-precision policy on GPUs/TPUs
            (bfloat16, or float16 on GPUs older than compute capability 8.0;
            float32 on CPUs), or a Keras policy name (``"mixed_bfloat16"``,
            ``"mixed_float16"``) to force one. Output layers stay float32.
        jit_compile: True or False turns XLA compilation of every model on or
            off; ``"auto"`` (default) leaves Keras's choice.
        ensemble_size: ``"auto"`` (default): greedy ensemble selection
            (Caruana et al., 2004) over the full-fidelity trials' validation
            predictions, kept when it beats the best trial on validation; an
            integer caps the number of distinct members (0 or 1: no ensemble).
            The members are refitted and joined into ONE Keras model, beside
            the greedy ensemble of their search checkpoints (half the weight;
            see `autonas.final_model`), unless ensembles are off.
        executor: ``"local"`` (default): trials run one after another in this
            process; ``"ray"``: trials run as Ray Tune trials and the refit as a
            Ray task, on the cluster ``ray.init`` connected to (or
            ``RAY_ADDRESS``, or a local one); see `autonas.executors.ray_tune`.
        max_concurrent_trials: with ``executor="ray"``, trials running at once
            (None: as many as the resources allow).
        resources_per_trial: with ``executor="ray"``, the Ray resources of one
            trial and of the refit, e.g. ``{"cpu": 2, "gpu": 1}`` (default
            ``{"cpu": 1}``); Ray pins each trial to its GPUs.
        max_failures: with ``executor="ray"``, times a trial whose process or
            node died is run again (it counts as one trial).

    Distributed search: run the same script as a chief and as workers (see
    `autonas.distribute`); on a worker, `fit` runs trials, then ends the process.

    scikit-learn conventions (`autonas.sklearn_api`): `get_params` /
    `set_params` (so `sklearn.base.clone` works) and `score` (accuracy or R²).
    After `fit`, ``tuner_`` is the KerasTuner tuner that ran the search.

    Example:
        >>> inp = autonas.ImageInput()                                       # doctest: +SKIP
        >>> out = autonas.ClassificationHead()(autonas.ImageBlock()(inp))   # doctest: +SKIP
        >>> model = autonas.AutoModel(inp, out, max_trials=3, seed=0)        # doctest: +SKIP
        >>> model.fit(x, y, epochs=5)                                        # doctest: +SKIP
    """

    def __init__(self, inputs, outputs, max_trials=10, tuner="auto", objective=None, max_time=None,
                 max_model_size=None, seed=None, directory=None, project_name="auto_model", overwrite=False,
                 initial_hps=None, max_consecutive_failed_trials=3, tensorboard=None, distribution_strategy=None,
                 mixed_precision=False, jit_compile="auto", ensemble_size="auto", executor="local",
                 max_concurrent_trials=None, resources_per_trial=None, max_failures=2):
        max_trials = check_int(max_trials, "max_trials", minimum=1)
        if isinstance(tuner, str) and tuner.lower() not in search.STRATEGIES and tuner.lower() != "auto":
            raise ValueError(f"`tuner` must be one of {sorted(['auto', *search.STRATEGIES])}; received {tuner!r}.")
        if not isinstance(tuner, (str, search.Strategy)):
            import keras_tuner

            if not isinstance(tuner, keras_tuner.Oracle):
                raise TypeError(
                    f"`tuner` must be a strategy name, an autonas.search.Strategy or a keras_tuner.Oracle "
                    f"instance; received {type(tuner).__name__}."
                )
        max_model_size = check_int(max_model_size, "max_model_size", minimum=1, allow_none=True)
        seed = check_int(seed, "seed", minimum=0, allow_none=True)
        max_consecutive_failed_trials = check_int(max_consecutive_failed_trials, "max_consecutive_failed_trials",
                                                  minimum=1, allow_none=True)
        if not (isinstance(ensemble_size, str) and ensemble_size == "auto"):
            ensemble_size = check_int(ensemble_size, "ensemble_size", minimum=0,
                                      expected="'auto' or a non-negative integer (0 or 1: no ensemble)")
        if not isinstance(project_name, str) or not project_name or os.sep in project_name:
            raise ValueError(f"`project_name` must be a non-empty folder name; received {project_name!r}.")
        self.executor = executors.check_executor(executor, max_concurrent_trials, resources_per_trial, max_failures)
        self.max_concurrent_trials = max_concurrent_trials
        self.resources_per_trial = resources_per_trial
        self.max_failures = max_failures
        self.distribution_strategy = accelerate.check_distribution_strategy(distribution_strategy)
        self.mixed_precision = accelerate.check_mixed_precision(mixed_precision)
        self.jit_compile = accelerate.check_jit_compile(jit_compile)
        accelerate.check_inputs_supported(inputs if isinstance(inputs, (list, tuple)) else [inputs])
        self.graph = Graph(inputs, outputs)
        self.inputs = self.graph.inputs
        self.heads = self.graph.heads
        self.max_trials = int(max_trials)
        # a str subclass: after fit, `clf.tuner.results_summary()` reaches the fitted tuner (AutoKeras's habit)
        self.tuner = StrategyName(tuner, self) if isinstance(tuner, str) else tuner
        self.objective = objective
        self.max_time = parse_duration(max_time, "max_time")
        self.max_model_size = max_model_size
        self.seed = seed
        self.directory = os.fspath(directory) if directory is not None else "autonas_runs"
        self.project_name = project_name
        self.overwrite = overwrite
        self.initial_hps = initial_hps
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self.tensorboard = check_tensorboard_arg(tensorboard)
        self.ensemble_size = ensemble_size if ensemble_size == "auto" else int(ensemble_size)
        self.tuner_ = None
        self.ensemble_ = None
        self.model_ = None
        self.best_trial_ = None
        self.refit_info_ = None
        self.search_time_ = None
        self._fit_count = 0

    # -- fit --------------------------------------------------------------------
    @decisions.during_fit
    @project_lock.holding_project
    def fit(self, x=None, y=None, epochs=None, batch_size=None, validation_split=DEFAULT_SPLIT, validation_data=None,
            callbacks=None, verbose=1, class_weight=None, sample_weight=None):
        """Search for the best model on `x`, `y`, then refit it on all the data.

        Args:
            x: training inputs: a numpy array / pandas object (one input), or a
                list or dict keyed by input name (several inputs); a CSV path,
                a class folder; or a `tf.data.Dataset` of ``(x, y)``, which is
                streamed to every trial and the refit without being read into
                memory (see `autonas.data.streaming`; tables and graphs of
                several inputs are read into memory).
            y: training targets: labels for a classifier (ints, strings,
                one-hot), numbers for a regressor; a list or dict for several heads.
            epochs: epochs per trial; None lets early stopping decide, and the
                refit then trains for the best epoch count found.
            batch_size: batch size; None (default) chooses it from the data: 32,
                doubled (up to 512) while an epoch would take more than 500
                steps (see `auto_batch_size`).
            validation_split: fraction of the data held out (shuffled, stratified
                for classification) to score trials, when `validation_data` is None.
            validation_data: ``(x_val, y_val)`` or a `tf.data.Dataset` of
                ``(x, y)`` to score trials instead.
            callbacks: Keras callbacks, copied for every trial and the refit; a
                `keras.callbacks.TensorBoard` writes to ``<log_dir>/trial_<id>``
                and ``<log_dir>/refit``.
            verbose: 0 silent; 1 a live progress bar (trial, epoch, live and best
                score, ETA), a line per trial and per decision; 2 also Keras's
                epoch lines.
            class_weight: optional ``{label: weight}`` keyed by the labels of `y`
                (column index for one-hot `y`; classes left out weigh 1), or
                ``"balanced"`` (``n / (classes * count)``), for single-head
                classification.
            sample_weight: optional per-example weights.

        Returns:
            The Keras `History` of the refit (of the heaviest ensemble member;
            None when the time budget left no refit and a search checkpoint
            is the final model).

        Example:
            >>> clf.fit(x_train, y_train, epochs=5)  # doctest: +SKIP
        """
        self._check_fit_args(epochs, batch_size, validation_split, validation_data, callbacks, verbose)
        budget = FitBudget(self.max_time)
        data = self._fit_splits(x, y, validation_split, validation_data, sample_weight)
        # Targets: classes are learnt from all the labels given to fit.
        for head, target in zip(self.heads, data.y_fit):
            head.fit_targets(target, "y")
        class_weight = resolve_class_weight(class_weight, self.heads, data.encoded_train_targets())
        # What preprocessing learns from the training data (and, for one classification head, its
        # encoded labels, rows aligned), once per fit, for every build.
        self.profile_ = profile_graph(self.graph, list(data.sample_x),
                                      [self._training_labels(data, len(arr)) for arr in data.sample_x])
        if batch_size is None:
            batch_size = auto_batch_size(data.num_train)
        context = SearchContext(
            num_train=data.num_train, num_val=data.num_val, epochs=epochs, batch_size=batch_size,
            max_time=self.max_time, input_shapes=[tuple(node.shape or ()) for node in self.inputs],
            profile=self.profile_,
        )
        self.configure_space(context)
        initial_hps = self.initial_hps if self.initial_hps is not None else self.default_initial_hps(context)
        objective = self.objective or self.default_objective(context)
        train, validation = data.search_sets(self._keras_x, self._keras_y)

        tuner = self._make_tuner(verbose, initial_hps, objective)
        if distribute.role() != "worker":
            check_resumed(tuner.project_dir, fingerprint(data.num_train + data.num_val, data.sample_x + data.y_fit),
                          resumed=bool(tuner.oracle.trials))
        if tuner.reporter is not None:
            tuner.reporter.deadline = budget.deadline
            tuner.reporter.refit_scale = (data.num_train + data.num_val) / max(1, data.num_train)
        data_ratio = (data.num_train + data.num_val) / max(1, data.num_train)
        members = 1 if self.ensemble_size in (0, 1) or len(self.heads) > 1 else RESERVED_MEMBERS

        def reserve():
            return budget.reserve(tuner, data_ratio, members, checkpoints=0 if members == 1 else RESERVED_CHECKPOINTS)

        # one heap freeze over the search and the refit, so that the refit's `clear_session`
        # does not scan everything the process holds once the search has unfrozen it
        with tuner_module.frozen_heap():
            start = time.time()
            tuner.search(
                train=train, validation=validation,
                epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=verbose,
                class_weight=class_weight, sample_weight=data.sw_train, deadline=budget.deadline,
                reserve=reserve if budget.deadline is not None else None,
            )
            self.search_time_ = time.time() - start
            if distribute.role() == "worker":  # the chief refits; the worker's part is done
                raise distribute.WorkerFinished(tuner.tuner_id, getattr(tuner, "worker_trials", None))
            best = tuner.best_trial()
            chosen = Members([best], [1.0], reason="the best trial (several heads: no ensemble)")
            if len(self.heads) == 1:
                chosen = choose_members(tuner, best, data.encoded_validation_targets()[0], self.heads[0],
                                        self.ensemble_size)
                chosen = self._final_members(tuner, chosen, data.encoded_validation_targets()[0])
            self._before_refit()
            x_all, y_all, sw_all = data.refit_set(self._keras_x, self._keras_y)
            refit_kwargs = dict(x=x_all, y=y_all, batch_size=batch_size, callbacks=callbacks or [],
                                verbose=verbose, class_weight=class_weight, sample_weight=sw_all)
            with disk_full_stops_the_search(tuner.project_dir):  # the refit's records and checkpoints too
                model, records, history = fit_final_model(
                    tuner, chosen, data_ratio, budget, refit_kwargs, output_names=[h.name for h in self.heads],
                    compile_joined=lambda joined: self.graph.compile_model(joined, best.hyperparameters.copy()))
        info = records[0].get("refit") or {"trial_id": best.trial_id, "epochs": 0, "duration": 0.0}
        info = dict(info, source=records[0]["source"])
        self.tuner_, self.model_, self.best_trial_, self.refit_info_ = tuner, model, best, info
        self.ensemble_ = {"members": records, "reason": chosen.reason, "validation": chosen.validation}
        self.fit_time_ = time.time() - budget.start
        self._fit_count += 1
        decisions.decision("Final model: %s (%s); fit took %.1fs.", chosen.reason,
                           ", ".join(f"trial {r['trial_id']} x{r['weight']:.2f} ({r['source']})" for r in records),
                           self.fit_time_)
        return history

    def _final_members(self, tuner, chosen, y_val):
        """The final model's `Members` once `choose_members` chose them (task hook; `chosen` by default)."""
        return chosen

    def _before_refit(self):
        """Called once the search is over, before the final model is refitted on all the data (task hook)."""

    def _make_tuner(self, verbose, initial_hps, objective):
        from autonas.reporting.progress import SearchProgress
        from autonas.reporting.tensorboard import resolve_log_dir
        from autonas.tuner import Tuner

        oracle = search.get_oracle(
            self.strategy_name(), objective=objective, max_trials=self.max_trials, seed=self.seed,
            **({"initial_hps": initial_hps,
                "max_consecutive_failed_trials": self.max_consecutive_failed_trials}
               if isinstance(self.tuner, (str, search.Strategy)) else {}),
        )
        verbose = 1 if verbose == "auto" else verbose
        reporter = SearchProgress(self.max_trials, verbose=verbose)
        # a strategy may name its own tuner (DARTS: the supernet search runs before the trials)
        tuner_class = getattr(oracle, "tuner_class", None) or Tuner
        executor_args = {}
        if self.executor == "ray":
            if tuner_class is not Tuner:
                raise ValueError(f"executor='ray' runs searches of trials; the strategy {self.strategy_name()!r} "
                                 "runs its own search (use executor='local').")
            tuner_class = executors.tuner_class("ray")
            executor_args = dict(max_concurrent_trials=self.max_concurrent_trials, max_failures=self.max_failures,
                                 resources_per_trial=self.resources_per_trial)
        hold = getattr(self, "_project_hold", None)
        if hold is not None and distribute.role() is None:  # one process per project (a distributed search shares it)
            hold.enter_context(project_lock.project_lock(os.path.join(self.directory, self.project_name)))
        tuner = tuner_class(oracle, self.graph, directory=self.directory, project_name=self.project_name,
                            overwrite=self.overwrite, max_model_size=self.max_model_size, seed=self.seed,
                            reporter=reporter, max_cost_ratio=self.max_cost_ratio,
                            distribution_strategy=self.distribution_strategy,
                            mixed_precision=self.mixed_precision, jit_compile=self.jit_compile,
                            tensorboard=resolve_log_dir(self.tensorboard,
                                                        os.path.join(self.directory, self.project_name)),
                            **executor_args)
        if distribute.role() == "worker":  # the search state lives on the chief
            return tuner
        done = len(tuner.oracle.trials)
        if done and self._fit_count > 0 and tuner.oracle.max_trials is not None:
            # A second fit on the same object continues the search with `max_trials` more trials.
            tuner.oracle.max_trials = done + self.max_trials
            decisions.decision("Continuing the search in %s: %d trials done, %d more to run.",
                               tuner.project_dir, done, self.max_trials)
        elif done:
            decisions.decision("Resuming the search in %s: %d of %s trials already done (overwrite=True starts "
                               "afresh).", tuner.project_dir, done, tuner.oracle.max_trials)
        reporter.max_trials = tuner.oracle.max_trials
        return tuner

