"""What runs inside a Ray worker: one trial through `autonas.trials.TrialRunner`, and the refit.

The trainable is a Ray Tune function trainable. The search's fixed parts (the
search space, the training and validation arrays, the fit's settings) reach
each worker once through Ray's object store (`ray.tune.with_parameters`); a
trial's own part (its id, its hyperparameters, the deadline, the checkpoint
a Hyperband promotion continues from) comes in its Ray config under
``"autonas"``.

A trial trains exactly as in a local search (same seed ``seed + trial id``,
same callbacks, same checkpoint files), into a folder of the Ray trial; every
epoch's metrics are reported to Ray (`ray.tune.report`) and the final report
carries the trial folder as a Ray `Checkpoint`, so the folder lives in Ray's
storage (a local folder, NFS or cloud storage) and the driver copies it into
the project directory. A trial that fails as a trial (NaN loss, nothing
trained) reports ``FAILED`` instead of raising, so Ray retries only trials
whose process or node died.
"""

import json
import logging
import os
import tempfile
import traceback

import keras
import keras_tuner

from autonas import _compat, accelerate
from autonas.trials import checkpoints
from autonas.trials.pipeline import validation_dataset
from autonas.trials.runner import TrialFailed, TrialRunner, read_record, write_record
from autonas.tuner_support import freeze_heap

logger = logging.getLogger("autonas")

#: the key of a Ray trial's config that holds the autonas trial.
CONFIG_KEY = "autonas"
#: the key of the final Ray result that holds the trial's outcome (a JSON string).
RESULT_KEY = "autonas_result"
#: the score reported every epoch: the best objective value so far.
SCORE_KEY = "autonas_score"
#: the hyperparameters the trial's build registered, saved beside its checkpoint.
HYPERPARAMETERS = "hyperparameters.json"


class SearchSetup:
    """The parts of a search every trial shares, shipped once to the workers through Ray's object store.

    Args:
        hypermodel: the search space (an autonas `Graph` or any HyperModel).
        objective: the `keras_tuner.Objective`.
        seed: the search's base seed, or None.
        fit: the fit's settings (``train``, ``validation`` as ``(x, y)``
            arrays, ``epochs``, ``batch_size``, ``callbacks``, ``verbose``,
            ``class_weight``, ``sample_weight``).
        precision_policy: the Keras dtype policy name, or None.
        jit_compile: the tuner's `jit_compile` setting.

    Example:
        >>> setup = SearchSetup(graph, objective, 0, fit, None, "auto")  # doctest: +SKIP
    """

    def __init__(self, hypermodel, objective, seed, fit, precision_policy=None, jit_compile="auto"):
        self.hypermodel = hypermodel
        self.objective = objective
        self.seed = seed
        self.fit = fit
        self.precision_policy = precision_policy
        self.jit_compile = jit_compile

    def build(self, hp):
        """Free the previous model and build a compiled candidate, as `autonas.tuner.Tuner._try_build` does."""
        keras.backend.clear_session()
        _compat.release_free_memory()
        with accelerate.precision_scope(self.precision_policy), _compat.shared_variable_kernels():
            model = self.hypermodel.build(hp)
        if not isinstance(model, keras.Model):
            raise keras_tuner.errors.FatalTypeError(
                f"The hypermodel's build() must return a keras.Model; received {type(model).__name__}."
            )
        return accelerate.apply_jit_compile(model, self.jit_compile)

    def runner(self):
        """The `TrialRunner` of this search."""
        x, y = self.fit["train"]
        examples = len(keras.tree.flatten(y)[0])
        return TrialRunner(self.build, self.objective, seed=self.seed, num_train_examples=examples)


class EpochReports(keras.callbacks.Callback):
    """Reports every epoch's metrics to Ray Tune, with the best objective value so far as ``autonas_score``.

    Args:
        objective: the `keras_tuner.Objective`.
        report: ``ray.tune.report``.
    """

    def __init__(self, objective, report):
        super().__init__()
        self.objective = objective
        self.report = report
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        value = logs.get(self.objective.name)
        if value is not None and (self.best is None or self.objective.better_than(value, self.best)):
            self.best = value
        self.report({"epoch": epoch + 1, **logs, **({SCORE_KEY: self.best} if self.best is not None else {})})


def run_trial(config, setup=None):
    """The Ray Tune trainable: run the autonas trial in ``config["autonas"]`` and report it.

    Args:
        config: the Ray trial's config; ``config["autonas"]`` holds
            ``trial_id``, ``hyperparameters`` (a `HyperParameters` config),
            ``deadline``, ``full_fidelity`` and ``parent`` (a Ray `Checkpoint`
            of the trial a promotion continues from, or None).
        setup: the `SearchSetup`, from the object store.

    Returns:
        None; the results go through `ray.tune.report`.
    """
    from ray import tune

    # as a local search runs in `tuner_support.frozen_heap`: unfrozen, every build's full collection scans
    # TensorFlow and Keras, and the reused actor's builds got slower with each trial (0.9 -> 3.8 s)
    freeze_heap()
    spec = config[CONFIG_KEY]
    trial_id = spec["trial_id"]
    hp = keras_tuner.HyperParameters.from_config(spec["hyperparameters"])
    context = tune.get_context()
    trial_dir = os.path.join(context.get_trial_dir(), f"trial_{trial_id}")
    os.makedirs(trial_dir, exist_ok=True)
    fit = dict(setup.fit)
    fit["validation"] = validation_dataset(fit.get("validation"), fit.get("batch_size", 32))
    fit["verbose"] = min(int(fit.get("verbose", 1)), 1)  # Keras's epoch lines would go to the worker's log only
    reports = EpochReports(setup.objective, tune.report)
    outcome = {"trial_id": trial_id, "devices": os.environ.get("CUDA_VISIBLE_DEVICES"), "pid": os.getpid()}
    with tempfile.TemporaryDirectory() as parent_dir:
        parent = None
        if spec.get("parent") is not None:
            parent = os.path.join(spec["parent"].to_directory(parent_dir), checkpoints.CHECKPOINT)
        try:
            history = setup.runner().run(trial_id, hp, trial_dir, fit, deadline=spec.get("deadline"),
                                         full_fidelity=spec.get("full_fidelity", True), parent_checkpoint=parent,
                                         extra_callbacks=[reports])
        except TrialFailed:
            outcome.update(status="FAILED", message=traceback.format_exc())
            tune.report({RESULT_KEY: json.dumps(outcome)})
            return
    # where it ran: the GPUs Ray gave it, its process, its Ray node and its Ray trial
    write_record(trial_dir, {**read_record(trial_dir), "devices": outcome["devices"], "pid": outcome["pid"],
                             "node_id": _node_id(), "ray_trial_id": context.get_trial_id()})
    values = history.history[setup.objective.name]
    best = checkpoints.best_epoch_index(values, setup.objective)
    metrics = {name: float(series[best]) for name, series in history.history.items() if len(series) > best}
    initial_epoch = int(hp.values.get("tuner/initial_epoch", 0)) if "tuner/epochs" in hp.values else 0
    outcome.update(status="COMPLETED", metrics=metrics, step=initial_epoch + best)
    with open(os.path.join(trial_dir, HYPERPARAMETERS), "w") as f:
        json.dump(hp.get_config(), f)
    tune.report({RESULT_KEY: json.dumps(outcome), SCORE_KEY: metrics[setup.objective.name]},
                checkpoint=tune.Checkpoint.from_directory(trial_dir))



def _node_id():
    """The Ray node this process runs on (hex), or None outside Ray."""
    import ray

    return ray.get_runtime_context().get_node_id() if ray.is_initialized() else None


def refit_remote(setup, hp_config, fit, deadline, member):
    """The refit, run as a Ray task: `TrialRunner.refit`, returning what the driver rebuilds the model from.

    Args:
        setup: the `SearchSetup`.
        hp_config: the configuration's `HyperParameters` config.
        fit: the refit's data and settings (see `TrialRunner.refit`).
        deadline: `time.time()` value at which training stops, or None.
        member: the ensemble member index.

    Returns:
        ``(weights, history, info)``: the fitted model's weights, its
        ``History.history`` and the refit's record.
    """
    hp = keras_tuner.HyperParameters.from_config(hp_config)
    fit = dict(fit, verbose=min(int(fit.get("verbose", 1)), 1))
    model, history, info = setup.runner().refit(hp, fit, deadline=deadline, member=member)
    info["devices"] = os.environ.get("CUDA_VISIBLE_DEVICES")
    return model.get_weights(), {k: [float(v) for v in vs] for k, vs in history.history.items()}, info
