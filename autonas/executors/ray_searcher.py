"""`OracleSearcher`: any autonas strategy (any `keras_tuner.Oracle`) as a Ray Tune `Searcher`.

Ray asks the searcher for a configuration whenever a trial slot is free
(`suggest`), tells it each result (`on_trial_result`) and each end
(`on_trial_complete`), and checkpoints it (`save` / `restore`). The searcher
answers from the oracle of an `autonas.tuner.Tuner`, exactly as the local
search loop would: one ``create_trial`` per Ray trial, the trial's metrics
and best step into ``update_trial``, then ``end_trial``; the oracle keeps its
state as JSON in the project directory, so a driver started again with
``overwrite=False`` proposes no completed trial twice, and a trial that was
running when the driver died is proposed again (KerasTuner's retry queue).

A Ray trial that Ray retries after its process or node died (``max_failures``)
keeps its config, so the oracle sees it once: it is created once and ended once.

A driver that died resumes from the oracle's state, not through Ray Tune's
``Tuner.restore``; each run of the search is a new Ray experiment
(``run_<n>``). The oracle writes its state (atomically) when each trial ends,
and it is what the resumed search asks: its finished trials are never proposed
again, its unfinished ones are proposed once more. ``Tuner.restore`` would
bring back a second record of the same search: Ray's experiment snapshot,
written on Ray's own schedule (at most every ``TUNE_GLOBAL_CHECKPOINT_S``,
10 s or more by default), from which Ray starts again every trial it lists
as unfinished without asking the searcher, while the oracle may already have
ended it, or queue it again itself. Restoring would also save no work: a
trial reports its Ray checkpoint (its folder) only when it ends, so an
interrupted trial starts over from its first epoch either way.

Ray pickles the searcher into its experiment folder (``tuner.pkl``) when the
search starts; only this searcher's own state goes there (`__getstate__`),
never the tuner it answers for (its search space, its oracle, its data).
"""

import json
import logging
import os

import keras_tuner
from keras_tuner.engine import trial as trial_module
from ray.tune.search import Searcher

from autonas.executors.ray_trainable import CONFIG_KEY, RESULT_KEY, SCORE_KEY
from autonas.utils.io import atomic_write_json, read_json

logger = logging.getLogger("autonas")


class OracleSearcher(Searcher):
    """A Ray Tune `Searcher` that proposes the trials of an autonas `Tuner`'s oracle.

    Args:
        tuner: the `autonas.tuner.Tuner` (its oracle proposes, its reporter
            shows progress, its project directory receives the trial folders).
        fetch_checkpoint: callable ``(ray_trial_id) -> ray.tune.Checkpoint or None``
            giving the checkpoint a trial reported (see `CheckpointCopier`).

    Example:
        >>> searcher = OracleSearcher(tuner, copier.checkpoint_of)  # doctest: +SKIP
        >>> ray.tune.TuneConfig(search_alg=searcher, num_samples=-1)  # doctest: +SKIP
    """

    def __init__(self, tuner, fetch_checkpoint=None):
        objective = tuner.oracle.objective
        super().__init__(metric=SCORE_KEY, mode="min" if objective.direction == "min" else "max")
        self.tuner = tuner
        self.fetch_checkpoint = fetch_checkpoint or _no_checkpoint
        self.trial_of = {}  # Ray trial id -> autonas trial id
        self.checkpoints = {}  # autonas trial id -> Ray Checkpoint (promotions continue from them)
        self.finished = False

    @property
    def oracle(self):
        return self.tuner.oracle

    def set_search_properties(self, metric, mode, config, **spec):
        return True  # the metric and mode are the objective's

    # -- Ray's questions ----------------------------------------------------------
    def suggest(self, trial_id):
        """The next trial's config, None to ask again later, or `Searcher.FINISHED`."""
        if self.finished:
            return Searcher.FINISHED
        tuner = self.tuner
        tuner._update_deadline()
        if not tuner._time_for_another_trial():
            logger.info("Time budget reached: no further trial started.")
            return self._finish()
        tuner._give_budget_hint()
        trial = self.oracle.create_trial(f"ray-{trial_id}")
        if trial.status == trial_module.TrialStatus.STOPPED:
            return self._finish()
        if trial.status == trial_module.TrialStatus.IDLE:
            return None  # e.g. a Hyperband round waiting for its running trials
        self.trial_of[trial_id] = trial.trial_id
        hp = trial.hyperparameters
        model, _ = tuner._take_candidate(hp)  # a feasibility check's model is not shipped: the worker builds its own
        del model
        parent = hp.values.get("tuner/trial_id") if "tuner/epochs" in hp.values else None
        tuner.on_trial_begin(trial)
        return {CONFIG_KEY: {
            "trial_id": trial.trial_id,
            "hyperparameters": hp.get_config(),
            "deadline": tuner.deadline,
            "full_fidelity": tuner.is_full_fidelity(hp.values),
            "parent": self.checkpoints.get(parent) if parent else None,
        }}

    def on_trial_result(self, trial_id, result):
        """An epoch ended in a Ray trial: the progress display shows it."""
        reporter = self.tuner.reporter
        if reporter is not None and "epoch" in result and RESULT_KEY not in result:
            epochs = self.tuner_fit_epochs()
            logs = {k: v for k, v in result.items() if isinstance(v, float)}
            reporter.on_epoch_end(int(result["epoch"]), epochs, logs)

    def tuner_fit_epochs(self):
        return getattr(self.tuner, "fit_epochs", None) or 0

    def on_trial_complete(self, trial_id, result=None, error=False):
        """A Ray trial ended (for good, after Ray's retries): the oracle ends the autonas trial."""
        autonas_id = self.trial_of.pop(trial_id, None)
        if autonas_id is None:
            return
        trial = self.oracle.trials[autonas_id]
        outcome = json.loads(result[RESULT_KEY]) if result and result.get(RESULT_KEY) else None
        if outcome is None:
            trial.status = trial_module.TrialStatus.FAILED
            trial.message = ("The trial's Ray worker failed and was retried max_failures times"
                             if error else "The trial was stopped before it reported a result.")
        elif outcome["status"] == "COMPLETED":
            self._copy_folder(trial_id, autonas_id)
            path = os.path.join(self.tuner.get_trial_dir(autonas_id), "hyperparameters.json")
            if os.path.exists(path):  # what the build registered (conditional hyperparameters)
                built = keras_tuner.HyperParameters.from_config(read_json(path, "trial hyperparameters"))
                trial.hyperparameters.merge(built, overwrite=False)
            self.oracle.update_trial(autonas_id, outcome["metrics"], step=outcome["step"])
            trial.status = trial_module.TrialStatus.COMPLETED
        else:
            trial.status = trial_module.TrialStatus.FAILED
            trial.message = outcome.get("message")
        self.tuner.on_trial_end(trial)
        try:
            self.tuner._check_failures()
        except Exception as e:  # the search ends; the driver re-raises it after Ray stops
            self.tuner.ray_failure = e
            self._finish()

    def _copy_folder(self, ray_trial_id, autonas_id):
        checkpoint = self.fetch_checkpoint(ray_trial_id)
        if checkpoint is None:
            return
        self.checkpoints[autonas_id] = checkpoint
        checkpoint.to_directory(self.tuner.get_trial_dir(autonas_id))

    def _finish(self):
        self.finished = True
        return Searcher.FINISHED

    # -- Ray's experiment checkpoints ----------------------------------------------
    def __getstate__(self):
        """The searcher's own state: Ray pickles it into its experiment folder, without the live tuner."""
        state = self.__dict__.copy()
        state["tuner"] = None
        state["fetch_checkpoint"] = None
        state["project_dir"] = self.tuner.project_dir if self.tuner is not None else None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.fetch_checkpoint is None:
            self.fetch_checkpoint = _no_checkpoint

    def save(self, checkpoint_path):
        """Write what the oracle's own state (in the project directory) does not hold, as JSON."""
        atomic_write_json(checkpoint_path, {"trial_of": self.trial_of, "finished": self.finished,
                                            "project_dir": self.tuner.project_dir})

    def restore(self, checkpoint_path):
        """Read `save`'s JSON (the oracle reloads its own state from the project directory)."""
        state = read_json(checkpoint_path, "Ray searcher state")
        self.trial_of.update(state.get("trial_of", {}))
        self.finished = bool(state.get("finished"))


def _no_checkpoint(ray_trial_id):
    return None
