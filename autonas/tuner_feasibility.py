"""`FeasibilityMixin`: the `Tuner`'s size and cost check of a candidate before it becomes a trial.

A candidate is built as its trial would build it (same seed, same build hook),
measured (parameters, multiply-adds per example) and refused when above
`max_model_size` or `max_cost_ratio` times the first candidate's cost; a feasible
candidate's model is kept for its trial so that it is not built twice.
"""

import time

import keras

from autonas import distribute
from autonas.trials.runner import check_feasible, measure
from autonas.tuner_support import free_previous_models as _free_previous_models
from autonas.tuner_support import values_key as _values_key


class FeasibilityMixin:
    """The feasibility check of `autonas.tuner.Tuner` (mixed into it; not used alone).

    Expects the tuner's ``oracle``, ``hypermodel``, ``seed``, ``search_max_model_size``,
    ``search_max_cost_ratio``, ``build_hypermodel`` and ``trial_info``.

    Example:
        >>> tuner.count_params({"units": 32})  # doctest: +SKIP
        4321
    """

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
