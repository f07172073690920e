"""`Proposer`: what every search does around a strategy's proposal, whatever runs the trials.

Shared by the KerasTuner adapter (local and distributed searches) and the
table benchmark, so that the same strategy behaves the same in both:

- warm start: configurations proposed before the strategy's own (unless the
  strategy places them itself, `Strategy.warm_start_in_propose`);
- re-measurement (`remeasure`) of the leading configuration, so the
  configuration returned as best is not just the luckiest single measurement;
- a feasibility `constraint` (a callable returning ``(ok, reason)`` or
  ``(ok, reason, measured)``): infeasible proposals are skipped, recorded in
  `skipped` with the reason and the measurements, never run;
- seeded randomness: each call of the strategy gets a fresh `random.Random`
  whose position (`draws`) is saved state, so a reloaded search makes exactly
  the proposal the original would have made.
"""

import logging
import random

from autonas.reporting.decisions import decision
from autonas.search.history import REPEAT_KEY
from autonas.search.strategy import Proposal, run, stop

logger = logging.getLogger("autonas")


class Proposer:
    """Wraps a strategy with warm start, re-measurement, the constraint and seeded randomness.

    Args:
        strategy: the `autonas.search.Strategy`.
        seed: the search's seed (None behaves like a seed of its own).
        remeasure: measurements wanted for the leading configuration; with
            ``m > 1``, whenever the configuration with the best mean score has
            been measured fewer than ``m`` times it is trained again (values
            carry ``tuner/repeat``), and in the last ``m - 1`` trials the top
            configurations are re-measured instead of exploring.
        max_infeasible: proposals in a row that may fail the constraint before
            the strategy is considered exhausted.

    Example:
        >>> proposer = Proposer(strategy, seed=0)              # doctest: +SKIP
        >>> proposal = proposer.next(history)                  # doctest: +SKIP
    """

    def __init__(self, strategy, seed=None, remeasure=1, max_infeasible=50):
        if not isinstance(remeasure, int) or isinstance(remeasure, bool) or remeasure < 1:
            raise ValueError(f"`remeasure` must be an integer >= 1; received {remeasure!r}.")
        self.strategy = strategy
        self.seed = seed
        self.remeasure = remeasure
        self.max_infeasible = max_infeasible
        self.constraint = None
        self.skipped = []
        self.draws = 0

    def rng(self):
        """A fresh `random.Random` for one call of the strategy; its position is saved state."""
        rng = random.Random(f"autonas:{self.seed}:{self.draws}")
        self.draws += 1
        return rng

    def next(self, history, propose=None):
        """The next proposal: a re-measurement, a warm start or the strategy's, checked by the constraint.

        Args:
            history: the `SearchHistory`.
            propose: a callable with no argument returning the strategy's
                `Proposal` (default: ``strategy.propose(history, self.rng())``).

        Returns:
            A `Proposal`.
        """
        if propose is None:
            def propose():
                return self.strategy.propose(history, self.rng())
        repeat = self.remeasure_values(history)
        if repeat is not None:
            return run(repeat)
        for _ in range(self.max_infeasible):
            values = None if self.strategy.warm_start_in_propose else history.warm_start()
            proposal = run(values) if values is not None else propose()
            if proposal.status != "run":
                return proposal
            if proposal.values is None:
                return stop()
            if self.constraint is None:
                return proposal
            ok, reason, *measured = self.constraint(dict(proposal.values))
            if ok:
                return proposal
            history.exclude(proposal.values)
            self.skipped.append({"values": dict(proposal.values), "reason": reason,
                                 **(measured[0] if measured else {})})
            decision("Skipped a candidate: %s", reason)
        logger.warning("No feasible candidate in %d proposals; stopping the search.", self.max_infeasible)
        return Proposal("stop")

    def remeasure_values(self, history):
        """Values of the next re-measurement, or None to let the strategy explore."""
        if self.remeasure <= 1:
            return None
        stats = [s for s in history.config_stats().values() if s["fitness"]]
        if not stats:
            return None
        ranked = sorted(stats, key=lambda s: (-sum(s["fitness"]) / len(s["fitness"]), s["first"]))
        remaining = history.remaining_trials()
        endgame = remaining is not None and remaining <= self.remeasure - 1
        pool = ranked[:3] if endgame else ranked[:1]
        pool = [s for s in pool if s["attempts"] < (self.remeasure + (1 if endgame else 0))]
        if not pool:
            return None
        target = min(pool, key=lambda s: (s["attempts"], ranked.index(s)))
        values = dict(target["config"])
        values[REPEAT_KEY] = target["attempts"]
        return values

    def get_state(self):
        """``{"skipped", "draws"}``: the proposer's saved state."""
        return {"skipped": self.skipped, "draws": self.draws}

    def set_state(self, state):
        """Restore `get_state`'s dict (missing keys: a fresh search)."""
        self.skipped = state.get("skipped", [])
        self.draws = state.get("draws", 0)
