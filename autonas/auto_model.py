"""`AutoModel`: owns one search, from raw data to a fitted, exportable model.

The one place that knows the order of the steps: validate and adapt the data,
analyse targets, build the graph, pick the strategy, run the search, refit the
winner on all the data, then answer predict / evaluate / export.
"""

import dataclasses
import logging
import os
import time

import numpy as np

from autonas import accelerate, distribute, executors, search
from autonas import tuner as tuner_module
from autonas import data as data_module
from autonas.budget import FitBudget
from autonas.data import streaming
from autonas.data.class_weights import resolve_class_weight
from autonas.data.fingerprint import check_resumed, fingerprint
from autonas.data.profile import profile_graph
from autonas.data.splits import ArraySplits
from autonas.final_model import Members, choose_members, fit_final_model
from autonas.graph.graph import Graph
from autonas.reporting import decisions
from autonas.reporting.mixin import ReportingMixin
from autonas.sklearn_api import EstimatorMixin, StrategyName
from autonas.reporting.tensorboard import check_tensorboard_arg
from autonas.utils import project_lock
from autonas.utils.timeparse import parse_duration
from autonas.utils.validation import Default, check_float, check_int, is_default

logger = logging.getLogger("autonas")

#: the search keeps time for refitting this many of its best trials when ensembles are on.
RESERVED_MEMBERS = 2
#: `fit`'s validation_split when left out (0.2); an explicit value is told apart from it
DEFAULT_SPLIT = Default(0.2)


@dataclasses.dataclass(frozen=True)
class SearchContext:
    """What is known about a search when its defaults are chosen (at `fit`, before the first trial).

    Task classes read it in `AutoModel.configure_space`,
    `AutoModel.default_initial_hps` and `AutoModel.default_objective` to
    size their default space to the data and the budget.

    Args:
        num_train: number of training examples (after the validation split).
        num_val: number of validation examples.
        epochs: the `epochs` given to `fit` (None: early stopping decides).
        batch_size: the batch size.
        max_time: the search budget in seconds, or None.
        input_shapes: the shape of one example, per input node (``()`` for
            text, ``(columns,)`` for tables).
        profile: the training data's `autonas.data.profile.DataProfile` (None
            when the caller has none).

    Returns:
        A frozen record of those fields.

    Example:
        >>> SearchContext(1120, 280, None, 32, 120.0, [(8, 8)]).steps_per_epoch
        35
    """

    num_train: int
    num_val: int
    epochs: object
    batch_size: int
    max_time: object
    input_shapes: list
    profile: object = None

    @property
    def steps_per_epoch(self):
        """Optimizer steps in one epoch over the training split."""
        return -(-self.num_train // self.batch_size)


class AutoModel(EstimatorMixin, ReportingMixin):
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
            The members are refitted and joined into ONE Keras model.
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
            return budget.reserve(tuner, data_ratio, members)

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
            self._before_refit()
            x_all, y_all, sw_all = data.refit_set(self._keras_x, self._keras_y)
            refit_kwargs = dict(x=x_all, y=y_all, batch_size=batch_size, callbacks=callbacks or [],
                                verbose=verbose, class_weight=class_weight, sample_weight=sw_all)
            model, records, history = fit_final_model(tuner, chosen, data_ratio, budget, refit_kwargs,
                                                      output_names=[h.name for h in self.heads])
            if len(records) > 1:
                self.graph.compile_model(model, best.hyperparameters.copy())
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

    def _fit_splits(self, x, y, validation_split, validation_data, sample_weight):
        """The training and validation data of a fit: a streamed `StreamSplits` or in-memory `ArraySplits`.

        Task classes with their own data forms (`TimeSeriesForecaster`: windows of one series) override it.
        """
        data = streaming.open_stream(x, y, validation_data, validation_split, self.inputs, self.heads,
                                     self.seed or 0, sample_weight)
        if data is None:
            return self._array_splits(x, y, validation_split, validation_data, sample_weight)
        decisions.decision("Streaming the tf.data.Dataset: %d training and %d validation examples; "
                           "preprocessing adapted on the first %d.", data.num_train, data.num_val,
                           len(data.sample_x[0]))
        return data

    def _training_labels(self, data, rows):
        """The encoded labels of an input's training rows (one classification head), or None.

        The rows are the training split, or a stream's first `rows` training examples.
        """
        if len(self.heads) != 1 or not hasattr(self.heads[0], "encoder"):
            return None
        labels = data.encoded_train_targets()[0]
        return labels[:rows] if len(labels) >= rows else None

    def _before_refit(self):
        """Called once the search is over, before the final model is refitted on all the data (task hook)."""

    def _array_splits(self, x, y, validation_split, validation_data, sample_weight):
        """Training and validation data read into memory and validated (`autonas.data.splits.ArraySplits`)."""
        x, y = self._load(x, y)
        xs = data_module.adapt_inputs(x, self.inputs, "x", fit=True)
        ys = data_module.adapt_targets(y, self.heads, "y")
        data_module.check_lengths([xs[0]] + ys, ["x"] + ["y"] * len(ys))
        n = len(xs[0])
        sw = None
        if sample_weight is not None:
            sw = data_module.to_array(sample_weight, "sample_weight").astype("float32")
            data_module.check_lengths([xs[0], sw], ["x", "sample_weight"])
        if validation_data is not None:
            xv_raw, yv_raw = _unpack_validation(validation_data)
            xv_raw, yv_raw = self._load(xv_raw, yv_raw, "validation_data[0]", "validation_data[1]")
            xv = data_module.adapt_inputs(xv_raw, self.inputs, "validation_data[0]")
            yv = data_module.adapt_targets(yv_raw, self.heads, "validation_data[1]")
            data_module.check_lengths([xv[0]] + yv, ["validation_data[0]"] + ["validation_data[1]"] * len(yv))
            for node, xt, xvv in zip(self.inputs, xs, xv):
                if xvv.dtype.kind in "biuf" and xt.shape[1:] != xvv.shape[1:]:
                    raise ValueError(
                        f"`validation_data[0]` has examples of shape {xvv.shape[1:]} but `x` has {xt.shape[1:]}."
                    )
            # the classes are learnt from the training labels only: a validation label never seen in
            # training is reported by the encoder, naming `validation_data[1]`
            return ArraySplits(xs, ys, xv, yv, sw, None, self.heads, "validation_data[1]", y_fit=ys)
        for head, target in zip(self.heads, ys):
            head.fit_targets(target, "y")  # the stratified split needs the classes
        stratify = None
        if hasattr(self.heads[0], "encoder") and self.heads[0].encoder.label_format == "labels":
            stratify = self.heads[0].encode(ys[0], "y")
        train_idx, val_idx = data_module.split_validation(n, validation_split, self.seed or 0, stratify)
        return ArraySplits([a[train_idx] for a in xs], [a[train_idx] for a in ys],
                           [a[val_idx] for a in xs], [a[val_idx] for a in ys],
                           sw[train_idx] if sw is not None else None, sw[val_idx] if sw is not None else None,
                           self.heads, "y", y_fit=ys)

    def _check_fit_args(self, epochs, batch_size, validation_split, validation_data, callbacks, verbose):
        check_int(epochs, "epochs", minimum=1, allow_none=True)
        check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        if validation_data is None:
            check_float(validation_split, "validation_split", minimum=0, maximum=1, inclusive=False,
                        expected="a fraction strictly between 0 and 1 when no `validation_data` is given")
        elif not is_default(validation_split) and validation_split not in (None, 0, 0.0):
            raise ValueError(
                f"Pass either `validation_split` (received {validation_split!r}) or `validation_data`, not both."
            )
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise TypeError(f"`callbacks` must be a list of keras.callbacks.Callback; received {type(callbacks).__name__}.")
        if verbose not in (0, 1, 2, "auto"):
            raise ValueError(f"`verbose` must be 0, 1 or 2; received {verbose!r}.")

    # -- defaults that task classes size to the data ---------------------------
    #: candidates costing more multiply-adds per example than this many times the
    #: first trial are skipped (see `autonas.tuner.Tuner`); None: no limit.
    max_cost_ratio = None

    def configure_space(self, context):
        """Fit the default search space to the data, at each `fit`, before the first trial.

        The training data's input profile is ``context.profile``. Task classes
        override it, e.g. to leave out architectures the data cannot justify.

        Args:
            context: a `SearchContext`.

        Returns:
            None.

        Example:
            >>> model.configure_space(context)  # doctest: +SKIP
        """

    def default_initial_hps(self, context):
        """The configurations tried first when `initial_hps` is None.

        Task classes override it to start with cheap, proven configurations
        chosen for the data size and the budget.

        Args:
            context: a `SearchContext`.

        Returns:
            A list of (partial) hyperparameter value dicts, or None for "the
            space's defaults first".

        Example:
            >>> model.default_initial_hps(context)  # doctest: +SKIP
            None
        """
        return None

    def default_objective(self, context):
        """The objective searched when `objective` is None.

        Args:
            context: a `SearchContext`.

        Returns:
            A metric name: the head's default (``"val_accuracy"`` for a
            classification head) for one head, ``"val_loss"`` for several.

        Example:
            >>> model.default_objective(context)  # doctest: +SKIP
            'val_accuracy'
        """
        return self.heads[0].default_objective if len(self.heads) == 1 else "val_loss"

    def strategy_name(self):
        """The strategy `tuner` names for this fit: ``"auto"`` resolved, other values as given.

        ``"auto"`` is ``"successive-halving"`` with a `max_time` (full trials are
        then only run when the budget holds enough of them; otherwise candidates
        are screened on proxy tasks first) and ``"random"`` without one.

        Returns:
            A strategy name, or the `keras_tuner.Oracle` given as `tuner`.

        Example:
            >>> autonas.ImageClassifier(max_time="10m").strategy_name()  # doctest: +SKIP
            'successive-halving'
        """
        if isinstance(self.tuner, str) and self.tuner.lower() == "auto":
            return "successive-halving" if self.max_time else "random"
        return self.tuner

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

    # -- Keras data forms ------------------------------------------------------
    def _load(self, x, y=None, arg_name="x", target_arg_name="y"):
        """Paths, folders and tf.data read into memory (see `autonas.data.load_data`)."""
        kind = self.inputs[0].kind if len(self.inputs) == 1 else None
        return data_module.load_data(x, y, kind=kind, arg_name=arg_name, target_arg_name=target_arg_name)

    def _keras_x(self, arrays):
        if len(self.inputs) == 1:
            return self.inputs[0].keras_data(arrays[0])
        flat = {}
        for node, arr in zip(self.inputs, arrays):
            data = node.keras_data(arr)
            flat.update(data if isinstance(data, dict) else {node.name: data})
        return flat

    def _keras_y(self, arrays):
        if len(self.heads) == 1:
            return arrays[0]
        return {head.name: arr for head, arr in zip(self.heads, arrays)}

    # -- using the fitted model ----------------------------------------------
    def _check_fitted(self, method):
        if self.model_ is None:
            raise RuntimeError(f"Call `fit` before `{method}`: this {type(self).__name__} has no model yet.")

    def predict_raw(self, x, batch_size=32, verbose=0):
        """Raw model outputs (probabilities for classifiers), a list per head."""
        self._check_fitted("predict")
        x, _ = self._load(x)
        xs = data_module.adapt_inputs(x, self.inputs, "x")
        out = self.model_.predict(self._keras_x(xs), batch_size=batch_size, verbose=verbose)
        if len(self.heads) == 1:
            return [np.asarray(out)]
        if isinstance(out, dict):
            return [np.asarray(out[h.name]) for h in self.heads]
        return [np.asarray(o) for o in out]

    def predict(self, x, batch_size=32, verbose=0):
        """Predict decoded outputs: labels of the kind fitted on, or numbers.

        Args:
            x: inputs in the same form as at fit.
            batch_size: batch size.
            verbose: Keras verbosity.

        Returns:
            A numpy array (one head) or a list of arrays (several heads).

        Example:
            >>> clf.predict(x_test)  # doctest: +SKIP
        """
        outs = [h.decode(o) for h, o in zip(self.heads, self.predict_raw(x, batch_size, verbose))]
        return outs[0] if len(outs) == 1 else outs

    def evaluate(self, x, y, batch_size=32, verbose=0):
        """Evaluate the refitted model.

        Args:
            x: inputs in the same form as at fit.
            y: targets in the same form as at fit (labels never seen at fit are an error).
            batch_size: batch size.
            verbose: Keras verbosity.

        Returns:
            A dict of metric name to value (``loss``, ``accuracy``, ...).

        Example:
            >>> clf.evaluate(x_test, y_test)["accuracy"]  # doctest: +SKIP
        """
        self._check_fitted("evaluate")
        x, y = self._load(x, y)
        xs = data_module.adapt_inputs(x, self.inputs, "x")
        ys = data_module.adapt_targets(y, self.heads, "y")
        data_module.check_lengths([xs[0]] + ys, ["x"] + ["y"] * len(ys))
        enc = [h.encode(t, "y") for h, t in zip(self.heads, ys)]
        result = self.model_.evaluate(self._keras_x(xs), self._keras_y(enc), batch_size=batch_size,
                                      verbose=verbose, return_dict=True)
        return {k: float(v) for k, v in result.items()}

    def export_model(self):
        """The refitted Keras model (raw inputs in, the heads' raw outputs out).

        Its inputs are those of the exported SavedModel (see `autonas.export`);
        its outputs are the heads' raw outputs: class probabilities (binary
        classification: ONE sigmoid column, the probability of the second
        label), or regression values of shape (N, output_dim).

        Returns:
            A `keras.Model`: the refit of the best trial, not a trial checkpoint.

        Example:
            >>> clf.export_model().predict(x_test[:4])  # doctest: +SKIP
        """
        self._check_fitted("export_model")
        return self.model_

    def export(self, path, format="saved_model"):
        """Write the refitted model for serving.

        Args:
            path: destination folder (SavedModel) or ``.keras`` file.
            format: ``"saved_model"`` (TensorFlow SavedModel with a
                ``serving_default`` signature: named raw inputs; per head
                ``probabilities``, ``class_index`` and ``label``, or
                ``value``; see `autonas.export`) or ``"keras"``.

        Returns:
            The path written.

        Example:
            >>> clf.export("serving/digits/1")  # doctest: +SKIP
        """
        from autonas import export as export_module

        self._check_fitted("export")
        return export_module.export(self, path, format=format)

    def leaderboard(self):
        """One row per trial: id, status, score, its weight in the final model, size, fidelity, hyperparameters.

        ``final_weight`` is the trial's weight in the final model (1.0 for the
        one trial refitted without an ensemble; the ensemble weights
        otherwise; 0 for trials left out). ``fidelity`` says whether the trial
        trained at full fidelity or was a proxy (a data subset or fewer
        epochs); see `autonas.reporting.leaderboard.leaderboard`.

        Returns:
            A `pandas.DataFrame`, best first.
        """
        from autonas.reporting.leaderboard import leaderboard

        if self.tuner_ is None:
            raise RuntimeError("Call `fit` before `leaderboard`: no search has run yet.")
        board = leaderboard(self.tuner_)
        weights = {m["trial_id"]: m["weight"] for m in (self.ensemble_ or {}).get("members", [])}
        board.insert(6, "final_weight", board["trial_id"].map(weights).fillna(0.0).astype(float))
        return board


#: `auto_batch_size` doubles the batch size while an epoch would take more steps than this.
MAX_STEPS_PER_EPOCH = 500
#: ... starting from Keras's default, up to this.
MAX_AUTO_BATCH_SIZE = 512


def auto_batch_size(num_train):
    """The batch size `fit` uses when given None: 32, doubled while an epoch has over 500 steps (at most 512).

    Small data keeps Keras's default of 32; a 40,000-row table trains with
    128, so that an epoch takes a few hundred optimizer steps, not thousands.

    Args:
        num_train: number of training examples.

    Returns:
        An int.

    Example:
        >>> auto_batch_size(1120), auto_batch_size(40_000)
        (32, 128)
    """
    size = 32
    while size < MAX_AUTO_BATCH_SIZE and num_train / size > MAX_STEPS_PER_EPOCH:
        size *= 2
    return size


def _unpack_validation(validation_data):
    if data_module.forms.is_dataset(validation_data):  # a tf.data.Dataset of (x, y): read like `x`
        return validation_data, None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ValueError(
            "`validation_data` must be a tuple (x_val, y_val) or a tf.data.Dataset of (x, y); received "
            f"{type(validation_data).__name__}"
            + (f" of length {len(validation_data)}" if hasattr(validation_data, "__len__") else "") + "."
        )
    return validation_data
