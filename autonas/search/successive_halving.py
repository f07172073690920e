"""Successive halving over proxy tasks: screen on a data subset and few epochs, promote the best.

The NAS survey's "proxy tasks" (Elsken et al., 2019) and successive halving
(Jamieson and Talwalkar, 2016; Li et al., 2018): when a full-fidelity trial
costs a large share of the time budget, candidates are first scored cheaply —
on a subset of the training examples and for a few epochs — and only the best
ones are trained at full fidelity. Only full-fidelity scores compete for the
final model (`full_fidelity`).

The plan follows the budget. The tuner tells the oracle how many training
examples there are and how long a full trial may train (`set_fidelity`), and
before each proposal how much search time is left and how long one epoch over
all training examples took and how many epochs the full trials trained
(`budget_hint`). Then:

- until an epoch has been timed, and whenever no budget is known, the first
  configuration is screened on the proxy rung: at most
  ``max(min_examples, n / factor)`` examples for `proxy_epochs` epochs;
- with the cost known, if the search time left holds `min_full_trials` full
  trials or more (a full trial lasting as many epochs as the full trials so
  far, or 30 under early stopping before any), the proxies are dropped:
  every proposal is a full trial
  (configurations screened earlier are promoted first, best first);
- otherwise the remaining time is split between the rungs: the proxy rung
  takes about ``1 - full_share`` of it, a full trial trains for at most the
  epochs that let two of them fit in the ``full_share`` (fixed when proxies
  start, never fewer than three proxy trials' epochs); once `min_screened`
  configurations have been screened (or the time left holds less than
  `LAST_PROMOTION` full trials: the last one that can still finish), each
  full trial promotes the best unpromoted proxy configuration,
  until about a ``1 / factor`` share of the screened configurations has been
  promoted (always at least one); new
  configurations are screened while the proxy share lasts. When proxies
  start, their size is fixed too: if the proxy share would screen fewer than
  `min_screened` configurations at ``n / factor`` examples (each proxy
  costing its share of an epoch per epoch, plus the trial overhead the tuner
  measured), the subset shrinks by `factor` again, down to `min_examples`.

A promotion trains from scratch on all the examples when the proxy used a
subset (the data differ) and continues from the proxy's checkpoint when it
used all of them (``tuner/trial_id``, ``tuner/initial_epoch``).

Trial values carry the fidelity for the tuner: ``tuner/examples`` (train on
the first ``n`` examples of a fixed seeded permutation; absent: all),
``tuner/epochs`` (train until this epoch), ``tuner/initial_epoch``,
``tuner/trial_id``, ``tuner/patience`` (early stopping on full trials whose
epochs the fit left open), ``tuner/rung`` and ``tuner/full`` (1 on full
trials).
"""

import math

from autonas.search.history import COMPLETED, CONTINUE_KEY
from autonas.search.strategy import Strategy, register, run, stop, wait

EXAMPLES_KEY = "tuner/examples"
RUNG_KEY = "tuner/rung"
FULL_KEY = "tuner/full"
PATIENCE_KEY = "tuner/patience"
#: expected epochs of a full trial when the fit leaves the epochs to early stopping (until a full
#: trial has measured it).
EARLY_STOPPING_EPOCHS = 30
#: promotions take over from screening once the time left holds fewer full
#: trials than this: one full trial and a quarter of another for its overrun
#: (a proxy screened later could never be promoted)
LAST_PROMOTION = 1.25


@register("successive-halving")
class SuccessiveHalvingStrategy(Strategy):
    """Budget-aware successive halving over data size and epochs (see the module docs).

    Args:
        factor: promotion ratio: about one proxy configuration in `factor` is
            trained at full fidelity (an integer >= 2).
        proxy_epochs: epochs of a proxy trial.
        min_examples: fewest training examples of a proxy trial; data with
            fewer than twice as many is never subsampled.
        min_full_trials: full trials the remaining time must hold for the
            search to skip proxies altogether.
        full_share: share of the search time planned for full trials when
            proxies are used.
        min_screened: configurations the proxy rung screens before the first
            promotion (unless time runs short), and should screen in its share
            of the time: the proxy subset shrinks (down to `min_examples`)
            until they fit.

    Example:
        >>> strategy = SuccessiveHalvingStrategy()
        >>> strategy.set_fidelity(num_examples=6400, max_epochs=100, early_stopping=True)
        >>> strategy.proxy_examples()
        2133
    """

    warm_start_in_propose = True

    def __init__(self, factor=3, proxy_epochs=3, min_examples=1000, min_full_trials=4, full_share=0.6,
                 min_screened=8):
        for name, value, low in (("factor", factor, 2), ("proxy_epochs", proxy_epochs, 1),
                                 ("min_examples", min_examples, 1), ("min_full_trials", min_full_trials, 1),
                                 ("min_screened", min_screened, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"`{name}` must be an integer >= {low}; received {value!r}.")
        if isinstance(full_share, bool) or not isinstance(full_share, (int, float)) or not 0 < full_share < 1:
            raise ValueError(f"`full_share` must be a number strictly between 0 and 1; received {full_share!r}.")
        self.factor = factor
        self.proxy_epochs = proxy_epochs
        self.min_examples = min_examples
        self.min_full_trials = min_full_trials
        self.full_share = float(full_share)
        self.min_screened = min_screened
        self.num_examples = None
        self.max_epochs = None
        self.early_stopping = False
        #: set by the tuner before each proposal: {"remaining": s, "epoch_seconds": s or None}
        self.budget_hint = None
        self._mode = None  # None (undecided), "proxy", "full" or "final"
        self._epochs_cap = None  # epochs of a full trial in "proxy" mode, fixed when it is entered
        self._proxy_size = None  # examples of a proxy trial, fixed when "proxy" mode is entered

    # -- what the tuner tells the oracle ------------------------------------
    def set_fidelity(self, num_examples, max_epochs, early_stopping=False):
        """Describe full fidelity: all `num_examples`, up to `max_epochs` epochs.

        Args:
            num_examples: training examples of a full trial.
            max_epochs: epochs of a full trial (the most, under early stopping).
            early_stopping: whether full trials stop early (the fit's epochs were None).

        Returns:
            None.

        Example:
            >>> oracle.set_fidelity(1120, 100, early_stopping=True)  # doctest: +SKIP
        """
        self.num_examples = int(num_examples)
        self.max_epochs = int(max_epochs)
        self.early_stopping = bool(early_stopping)

    def set_max_epochs(self, max_epochs):
        """Kept for tuners that only know the epoch count (all examples are used)."""
        if self.num_examples is None:
            self.max_epochs = int(max_epochs)

    def proxy_examples(self):
        """Training examples of a proxy trial (None: all of them).

        Returns:
            An int, or None when the data is too small to subsample.
        """
        n = self.num_examples
        if n is None or n < 2 * self.min_examples:
            return None
        if self._proxy_size:
            return self._proxy_size
        return max(self.min_examples, n // self.factor)

    def full_fidelity(self, values):
        """Whether a trial with these values trains at full fidelity.

        Args:
            values: a trial's hyperparameter values.

        Returns:
            A bool.
        """
        return bool(values.get(FULL_KEY))

    # -- the plan -------------------------------------------------------------
    def _full_epochs(self):
        epochs = self.max_epochs or EARLY_STOPPING_EPOCHS
        return min(epochs, self._epochs_cap) if self._epochs_cap else epochs

    def _full_trial_seconds(self, hint):
        epochs = self._full_epochs()
        if self.early_stopping:  # the full trials so far tell how long early stopping lets them train
            epochs = min(epochs, hint.get("full_epochs") or EARLY_STOPPING_EPOCHS)
        return hint["epoch_seconds"] * epochs

    def _plan_proxies(self, hint):
        """Fix, when proxies start, the epochs of a full trial (two full trials fit in their share of the
        time) and the size of a proxy trial (`min_screened` proxies fit in theirs, if they can)."""
        planned = self.full_share * hint["remaining"] / (2 * hint["epoch_seconds"])
        uncapped = self.max_epochs or EARLY_STOPPING_EPOCHS
        self._epochs_cap = int(min(uncapped, max(3 * self.proxy_epochs, planned)))
        size = self.proxy_examples()
        if size is None:
            return
        share = (1.0 - self.full_share) * hint["remaining"]
        overhead = hint.get("trial_overhead") or 0.0
        epochs = min(self.proxy_epochs, self._full_epochs())
        while size > self.min_examples:
            cost = hint["epoch_seconds"] * epochs * size / self.num_examples + overhead
            if share >= self.min_screened * cost:
                break
            size = max(self.min_examples, size // self.factor)
        self._proxy_size = size

    def promote_best(self, history):
        """Make the next proposal the promotion of the best screened configuration, if there is one.

        The tuner calls this (``oracle.promote_best()``) when the search ends
        without any full-fidelity trial, so that no proxy score ever decides
        the final model.

        Args:
            history: the `SearchHistory`.

        Returns:
            True when a screened configuration waits for its promotion.
        """
        proxies = [t for t in self._trials_of(history, 0) if t.status == COMPLETED and t.fitness is not None]
        promoted = self._promoted_parents(history)
        if not any(t.trial_id not in promoted for t in proxies):
            return False
        self._mode = "final"
        return True

    def _decide_mode(self, history):
        if self._mode == "final":
            return "final"
        hint = self.budget_hint or {}
        if hint.get("remaining") is None:
            return "full"  # no budget: nothing to save time for
        if history.max_trials is not None and history.max_trials < self.min_full_trials:
            return "full"  # too few trials to spend some on screening
        if not hint.get("epoch_seconds"):
            return None  # not measured yet
        full = self._full_trial_seconds(hint)
        if hint["remaining"] >= self.min_full_trials * full:
            return "full"
        return "proxy"

    @staticmethod
    def _trials_of(history, rung):
        return [t for t in history.trials() if t.values.get(RUNG_KEY) == rung]

    def _promoted_parents(self, history):
        return {t.values.get("tuner/parent") for t in self._trials_of(history, 1)}

    # -- proposals ----------------------------------------------------------
    def propose(self, history, rng):
        mode = self._decide_mode(history)
        if mode == "proxy" and self._epochs_cap is None:
            self._plan_proxies(self.budget_hint)
        if mode is not None:
            self._mode = mode
        proxies = [t for t in self._trials_of(history, 0) if t.status == COMPLETED and t.fitness is not None]
        promoted = self._promoted_parents(history)
        waiting = sorted((t for t in proxies if t.trial_id not in promoted), key=lambda t: -t.fitness)
        if self._mode in ("full", "final"):
            if waiting:
                return self._promotion(waiting[0])
            return self._new(history, rng, full=True)
        if self._mode == "proxy" and waiting and self._eligible(waiting[0], proxies) \
                and self._should_promote(proxies, promoted):
            return self._promotion(waiting[0])
        response = self._new(history, rng, full=False)
        if response.status == "stop" and waiting:  # the space is exhausted: promote what was screened
            return self._promotion(waiting[0])
        if response.status == "stop" and history.running():
            return wait()
        return response

    def _eligible(self, candidate, proxies):
        """Only a configuration in the top ``1 / factor`` of the screened ones earns a full trial."""
        ranked = sorted(proxies, key=lambda t: -t.fitness)
        top = max(1, math.ceil(len(ranked) / self.factor))
        return candidate.trial_id in {t.trial_id for t in ranked[:top]}

    def _should_promote(self, proxies, promoted):
        """Promote the best waiting proxy now, or screen another configuration first?

        The first promotion waits for `min_screened` proxies, then promotions
        keep pace with screening (one per `factor` proxies); they take over once
        the time left holds less than `LAST_PROMOTION` full trials: another
        proxy could then never be promoted.
        """
        if len(proxies) >= max(self.factor * (len(promoted) + 1), self.min_screened):
            return True
        hint = self.budget_hint or {}
        if hint.get("epoch_seconds") and hint.get("remaining") is not None:
            return hint["remaining"] < LAST_PROMOTION * self._full_trial_seconds(hint)
        return False

    def _new(self, history, rng, full):
        values = history.warm_start()
        if values is None:
            values = history.sample_new(rng)
        if values is None:
            return stop()
        return run(self._with_fidelity(values, full=full))

    def _promotion(self, parent):
        values = parent.config
        values["tuner/parent"] = parent.trial_id
        pv = parent.values
        if EXAMPLES_KEY not in pv:  # same data: continue from the proxy's checkpoint
            values[CONTINUE_KEY] = parent.trial_id
            values["tuner/initial_epoch"] = int(pv.get("tuner/epochs", 0))
        return run(self._with_fidelity(values, full=True))

    def _with_fidelity(self, values, full):
        values = dict(values)
        if full:
            values[RUNG_KEY] = 1
            values[FULL_KEY] = 1
            values["tuner/epochs"] = self._full_epochs()
            values.setdefault("tuner/initial_epoch", 0)
            if self.early_stopping:
                values[PATIENCE_KEY] = planned_patience(self._full_epochs())
        else:
            values[RUNG_KEY] = 0
            values["tuner/epochs"] = min(self.proxy_epochs, self._full_epochs())
            values["tuner/initial_epoch"] = 0
            examples = self.proxy_examples()
            if examples is not None:
                values[EXAMPLES_KEY] = examples
        return values

    # -- state --------------------------------------------------------------
    def get_state(self):
        state = {}
        state.update(factor=self.factor, proxy_epochs=self.proxy_epochs, min_examples=self.min_examples,
                     min_full_trials=self.min_full_trials, full_share=self.full_share,
                     min_screened=self.min_screened, proxy_size=self._proxy_size,
                     num_examples=self.num_examples, max_epochs=self.max_epochs,
                     early_stopping=self.early_stopping, mode=self._mode, epochs_cap=self._epochs_cap)
        return state

    def set_state(self, state):
        for key in ("factor", "proxy_epochs", "min_examples", "min_full_trials", "full_share", "min_screened",
                    "num_examples", "max_epochs", "early_stopping"):
            if key in state:
                setattr(self, key, state[key])
        self._mode = state.get("mode")
        self._epochs_cap = state.get("epochs_cap")
        self._proxy_size = state.get("proxy_size")


def is_proxy(values):
    """Whether trial values ask for a proxy (reduced-fidelity) trial of `SuccessiveHalving`.

    Args:
        values: a trial's hyperparameter values.

    Returns:
        A bool: True for a ``tuner/rung`` 0 trial.

    Example:
        >>> is_proxy({"units": 3, "tuner/rung": 0})
        True
    """
    return values.get(RUNG_KEY) == 0


def planned_patience(max_epochs):
    """Early-stopping patience of a full trial of `max_epochs` epochs: a quarter, within [3, 10].

    Args:
        max_epochs: the most epochs of the trial.

    Returns:
        An int.

    Example:
        >>> planned_patience(100)
        10
    """
    return max(3, min(10, math.ceil(max_epochs / 4)))
