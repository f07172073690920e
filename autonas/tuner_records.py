"""`RecordsMixin`: the `Tuner`'s per-trial records and the queries over them.

Each trial's facts (parameters, duration, best epoch, ...) are a JSON record in
its folder; from them and the oracle's trials come the full-fidelity trials, the
best one, and a trial's validation predictions for ensembles.
"""

import math
import os

from keras_tuner.engine import trial as trial_module

from autonas.search.history import config_hash
from autonas.trials import checkpoints
from autonas.trials.checkpoints import TRIAL_INFO
from autonas.trials.runner import read_record
from autonas.tuner_support import last_line as _last_line
from autonas.tuner_support import smallest_skipped as _smallest_skipped
from autonas.utils.io import atomic_write_json


class RecordsMixin:
    """Trial records and best-trial queries of `autonas.tuner.Tuner` (mixed into it; not used alone).

    Expects the tuner's ``oracle``, ``project_dir`` and ``get_trial_dir``.

    Example:
        >>> tuner.best_trial().trial_id  # doctest: +SKIP
        '03'
    """

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
        # the oracle ranks configurations and represents each by its best-scoring trial, which may be a proxy
        # (a model without trainable weights scores alike at every fidelity, and the earlier trial wins the tie):
        # such a configuration is represented by its own best full-fidelity trial, not skipped
        full = {}
        for t in completed:
            full.setdefault(config_hash(t.hyperparameters.values), []).append(t)
        sign = -1.0 if getattr(self.oracle.objective, "direction", "min") == "max" else 1.0
        for t in self.oracle.get_best_trials(len(self.oracle.trials)):
            same = full.get(config_hash(t.hyperparameters.values), [])
            if any(s.trial_id == t.trial_id for s in same):
                return t
            if same:
                return min(same, key=lambda s: sign * s.score)
        return completed[0]

    def completed_full_trials(self):
        """COMPLETED trials with a finite score, trained at full fidelity (proxy trials never compete).

        Returns:
            A list of `Trial`, in creation order.
        """
        return [t for t in self.oracle.trials.values() if t.status == trial_module.TrialStatus.COMPLETED
                and t.score is not None and math.isfinite(t.score)
                and self.is_full_fidelity(t.hyperparameters.values)]
