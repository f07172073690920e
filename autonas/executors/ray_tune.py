"""Ray Tune executor: the trials of a search run as Ray Tune trials, the refit as a Ray task.

`RayTuner` is an `autonas.tuner.Tuner` whose trials are run by Ray Tune
instead of the in-process loop. Everything else is the local search's: the
strategy (any `keras_tuner.Oracle`, through `OracleSearcher`), the trial code
(`autonas.trials.TrialRunner`, through `autonas.executors.ray_trainable`), the
project directory (the oracle's JSON state, one folder per trial with the same
checkpoint, record and validation predictions), `max_time`, the progress
display, the refit and the ensemble.

What Ray adds:

- resources per trial (``resources_per_trial={"cpu": 2, "gpu": 1}``): Ray places
  each trial where they are free and pins its GPUs (``CUDA_VISIBLE_DEVICES``);
- ``max_concurrent_trials`` trials at a time;
- the data goes to the workers once, through Ray's object store;
- storage (``storage_path``: a local folder, NFS, or ``s3://...`` /
  ``gs://...`` through Ray's file systems): each trial's folder is reported as a
  Ray checkpoint there, then copied into the project directory on the driver;
- failures: a trial whose process or node dies is run again, up to
  ``max_failures`` times, and counted once. A driver that dies leaves the
  oracle's state in the project directory: the same script run again with
  ``overwrite=False`` (the default) resumes, re-running no completed trial.

The cluster is the one ``ray.init`` connected to before `fit`, else the one
``RAY_ADDRESS`` names, else a local one started on this machine.

Example:
    >>> clf = autonas.ImageClassifier(max_trials=8, executor="ray", max_concurrent_trials=2,
    ...                               resources_per_trial={"cpu": 1})  # doctest: +SKIP
    >>> clf.fit(x, y, epochs=5)                                        # doctest: +SKIP
"""

import logging
import os
import time

import keras
import ray
from ray import tune

from autonas.executors import ray_trainable
from autonas.executors.ray_searcher import OracleSearcher
from autonas.tuner import Tuner

logger = logging.getLogger("autonas")


class RayTuner(Tuner):
    """A `Tuner` whose trials run on Ray Tune and whose refit runs as a Ray task.

    Args:
        *args: as `autonas.tuner.Tuner`.
        max_concurrent_trials: trials running at once (None: as many as the
            resources allow).
        resources_per_trial: Ray resources of one trial and of the refit,
            e.g. ``{"cpu": 2, "gpu": 1}`` (default ``{"cpu": 1}``).
        max_failures: times a trial whose worker died is run again.
        storage_path: where Ray keeps the trials' checkpoints (default: the
            ``ray`` folder of the project directory).
        **kwargs: as `autonas.tuner.Tuner`.

    Example:
        >>> tuner = RayTuner(oracle, graph, directory="runs", project_name="p", max_concurrent_trials=2)  # doctest: +SKIP
    """

    def __init__(self, *args, max_concurrent_trials=None, resources_per_trial=None, max_failures=2,
                 storage_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_concurrent_trials = max_concurrent_trials
        self.resources_per_trial = dict(resources_per_trial or {"cpu": 1})
        self.max_failures = int(max_failures)
        self.storage_path = storage_path
        self.ray_failure = None
        self._setup_ref = None
        self.result_grid = None

    # -- the trials -----------------------------------------------------------------
    def run_trials(self, fit_kwargs):
        """Run the search's trials on Ray Tune until the oracle stops or time runs out."""
        if not ray.is_initialized():
            ray.init(address=os.environ.get("RAY_ADDRESS"), logging_level=logging.WARNING,
                     log_to_driver=False)
        self.fit_epochs = fit_kwargs.get("epochs")
        setup = self._search_setup(fit_kwargs)
        copier = CheckpointCopier()
        searcher = OracleSearcher(self, copier.checkpoint_of)
        trainable = tune.with_resources(tune.with_parameters(ray_trainable.run_trial, setup=setup),
                                        _ray_resources(self.resources_per_trial))
        storage = self.storage_path or os.path.join(os.path.abspath(self.project_dir), "ray")
        name = _next_run_name(storage) if "://" not in str(storage) else f"run_{int(time.time())}"
        self.on_search_begin()
        ray_tuner = tune.Tuner(
            trainable,
            tune_config=tune.TuneConfig(search_alg=searcher, num_samples=-1,
                                        max_concurrent_trials=self.max_concurrent_trials, reuse_actors=True,
                                        trial_dirname_creator=_trial_dirname),
            run_config=tune.RunConfig(name=name, storage_path=storage, callbacks=[copier], verbose=0,
                                      failure_config=tune.FailureConfig(max_failures=self.max_failures)),
        )
        self.result_grid = ray_tuner.fit()
        self._candidate = None
        self.on_search_end()
        if self.ray_failure is not None:
            raise self.ray_failure

    def _search_setup(self, fit_kwargs):
        fit = dict(fit_kwargs)
        fit["validation"] = self.validation_arrays
        if any(_is_stream(part) for part in (fit["train"][0], (fit["validation"] or (None,))[0])):
            raise ValueError("executor='ray' takes data held in memory (arrays, pandas, paths read into memory); "
                             "received a streamed tf.data.Dataset. Pass arrays, or use executor='local'.")
        return ray_trainable.SearchSetup(self.hypermodel, self.oracle.objective, self.seed, fit,
                                         self.precision_policy, self.jit_compile)

    # -- the refit ---------------------------------------------------------------------
    def trial_runner(self):
        """A runner whose `refit` runs as a Ray task with the trials' resources (`RemoteRefit`)."""
        return RemoteRefit(self, super().trial_runner())


class RemoteRefit:
    """`TrialRunner.refit` as a Ray task; the driver rebuilds the model from the returned weights.

    Args:
        tuner: the `RayTuner`.
        local: the tuner's local `TrialRunner` (its `run` is the in-process one).
    """

    def __init__(self, tuner, local):
        self.tuner = tuner
        self.local = local

    def __getattr__(self, name):
        return getattr(self.local, name)

    def refit(self, hp, fit, deadline=None, member=0, extra_callbacks=()):
        """Refit on a Ray worker; returns ``(model, history, info)`` like `TrialRunner.refit`."""
        tuner = self.tuner
        setup = ray_trainable.SearchSetup(tuner.hypermodel, tuner.oracle.objective, tuner.seed,
                                          {"train": (fit["x"], fit["y"])}, tuner.precision_policy,
                                          tuner.jit_compile)
        resources = _ray_resources(tuner.resources_per_trial)
        task = ray.remote(num_cpus=resources.get("cpu", 1), num_gpus=resources.get("gpu", 0),
                          max_retries=tuner.max_failures)(ray_trainable.refit_remote)
        remote_fit = {k: v for k, v in fit.items() if k != "callbacks"}
        remote_fit["callbacks"] = list(fit.get("callbacks") or [])
        weights, history_dict, info = ray.get(task.remote(setup, hp.get_config(), remote_fit, deadline, member))
        model = tuner.try_build(hp)
        model.set_weights(weights)
        history = keras.callbacks.History()
        history.history = history_dict
        model.history = history
        for callback in extra_callbacks:  # the progress display: the refit's epochs, at once
            epochs = len(history_dict.get("loss", []))
            for epoch in range(epochs):
                if hasattr(callback, "on_epoch_end"):
                    callback.on_epoch_end(epoch, {k: v[epoch] for k, v in history_dict.items() if len(v) > epoch})
        return model, history, info


class CheckpointCopier(tune.Callback):
    """Remembers the checkpoint each Ray trial reported (a Ray Tune callback), for `OracleSearcher`."""

    def __init__(self):
        self.latest = {}

    def on_checkpoint(self, iteration, trials, trial, checkpoint, **info):
        self.latest[trial.trial_id] = checkpoint

    def checkpoint_of(self, ray_trial_id):
        """The last checkpoint Ray trial `ray_trial_id` reported, or None."""
        return self.latest.get(ray_trial_id)


def _trial_dirname(trial):
    """A Ray trial's folder: its autonas trial id and Ray's id (Ray's default repeats the whole config)."""
    spec = trial.config.get(ray_trainable.CONFIG_KEY) or {}
    return f"trial_{spec.get('trial_id', 'x')}_{trial.trial_id}"


def _ray_resources(resources):
    return {("gpu" if k.lower() in ("gpu", "gpus") else "cpu" if k.lower() in ("cpu", "cpus") else k): v
            for k, v in resources.items()}


def _is_stream(x):
    from autonas.data import streaming

    return x is not None and streaming.is_stream(x)


def _next_run_name(storage):
    """``run_<n>``: a new Ray experiment for each time the search is started in this project."""
    os.makedirs(storage, exist_ok=True)
    runs = [int(n[4:]) for n in os.listdir(storage) if n.startswith("run_") and n[4:].isdigit()]
    return f"run_{max(runs, default=-1) + 1}"
