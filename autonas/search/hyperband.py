"""Hyperband (Li et al., 2018): successive halving over brackets of varying aggressiveness."""

import math

from autonas.search.history import COMPLETED, CONTINUE_KEY, FAILED
from autonas.search.strategy import Strategy, register, run, stop, wait


@register("hyperband")
class HyperbandStrategy(Strategy):
    """Hyperband with KerasTuner's conventions, so promoted models continue training.

    Each bracket starts many configurations on a few epochs and promotes the
    best ``1/factor`` of each round to ``factor`` times more epochs; brackets go
    from the most aggressive (many configurations, 1 epoch first) to plain full
    training. Trial values carry KerasTuner's Hyperband keys, which the tuner
    honours:

    - ``tuner/epochs``: train until this epoch;
    - ``tuner/initial_epoch``: start from this epoch;
    - ``tuner/bracket``, ``tuner/round``: the bracket and round;
    - ``tuner/trial_id`` (promotions only): continue from that trial's
      checkpoint (``trial_<id>/checkpoint.weights.npz``).

    ``max_epochs`` may be left ``None``: the tuner then derives it from the
    ``epochs`` given to ``fit`` by calling ``set_max_epochs(epochs)`` (on the
    strategy or its oracle) before the search starts.

    Warm-start configurations (``initial_hps``) enter the first bracket's first
    round. Promotions use only completed trials, a failed trial simply drops out
    of its round; new configurations are never repeats, and the search stops once the
    brackets are done (``hyperband_iterations``), `max_trials` is reached, or
    the space is exhausted. Bracket bookkeeping is part of the saved state.

    Args:
        max_epochs: most epochs one model is trained; ``None`` until
            `set_max_epochs` is called.
        factor: reduction factor between rounds (an integer >= 2).
        hyperband_iterations: sweeps over all brackets; ``None`` means as many
            as `max_trials` allows (one sweep when `max_trials` is ``None``).

    As an oracle, `max_trials` (an optional cap; promotions count) defaults to None.

    Example:
        >>> strategy = HyperbandStrategy()
        >>> strategy.max_epochs is None
        True
        >>> strategy.set_max_epochs(9)   # what the tuner does with fit(epochs=9)
        >>> strategy.max_epochs
        9
    """

    warm_start_in_propose = True
    default_max_trials = None

    def __init__(self, max_epochs=None, factor=3, hyperband_iterations=None):
        if not isinstance(factor, int) or isinstance(factor, bool) or factor < 2:
            raise ValueError(f"`factor` must be an integer >= 2; received {factor!r}.")
        if hyperband_iterations is not None and (not isinstance(hyperband_iterations, int)
                                                 or hyperband_iterations < 1):
            raise ValueError(f"`hyperband_iterations` must be a positive integer or None; "
                             f"received {hyperband_iterations!r}.")
        self.max_epochs = None
        self._started = False
        if max_epochs is not None:
            self.set_max_epochs(max_epochs)
        self.factor = factor
        self.hyperband_iterations = hyperband_iterations
        self._brackets = []  # {"bracket": b, "iteration": i, "rounds": [[{"id", "past_id"}]], "closed": bool}
        self._next_bracket = None  # (iteration, bracket number) of the bracket to open next
        self._exhausted = False

    def set_max_epochs(self, max_epochs):
        """Set the most epochs one model is trained (before the first proposal).

        Args:
            max_epochs: a positive integer, typically the ``epochs`` given to ``fit``.

        Returns:
            None.

        Example:
            >>> oracle.set_max_epochs(27)  # doctest: +SKIP
        """
        if not isinstance(max_epochs, int) or isinstance(max_epochs, bool) or max_epochs < 1:
            raise ValueError(f"`max_epochs` must be a positive integer; received {max_epochs!r}.")
        if self.max_epochs is not None and self.max_epochs != max_epochs and self._started:
            raise ValueError(f"`max_epochs` is already {self.max_epochs} and trials have started; "
                             f"received {max_epochs}.")
        self.max_epochs = max_epochs

    # -- the schedule (as in KerasTuner's HyperbandOracle) ----------------------
    def num_brackets(self):
        """Number of brackets in one Hyperband sweep.

        Returns:
            An int (3 for ``max_epochs=9, factor=3``).

        Example:
            >>> HyperbandStrategy(max_epochs=9).num_brackets()
            3
        """
        epochs, brackets = self.max_epochs, 0
        while epochs >= 1:
            epochs = epochs / self.factor
            brackets += 1
        return brackets

    def round_size(self, bracket, round_num):
        """Trials in a round of a bracket.

        Args:
            bracket: the bracket number (the most aggressive is ``num_brackets() - 1``).
            round_num: the round, from 0.

        Returns:
            An int.

        Example:
            >>> [HyperbandStrategy(max_epochs=9).round_size(2, r) for r in range(3)]
            [9, 3, 1]
        """
        end_size = math.ceil(1 + math.log(self.max_epochs, self.factor)) / (bracket + 1)
        return math.ceil(end_size * self.factor ** (bracket - round_num))

    def round_epochs(self, bracket, round_num):
        """Epochs trained by the end of a round of a bracket.

        Args:
            bracket: the bracket number.
            round_num: the round, from 0.

        Returns:
            An int.

        Example:
            >>> [HyperbandStrategy(max_epochs=9).round_epochs(2, r) for r in range(3)]
            [1, 3, 9]
        """
        return math.ceil(self.max_epochs / self.factor ** (bracket - round_num))

    # -- proposals ----------------------------------------------------------
    def propose(self, history, rng):
        if self.max_epochs is None:
            raise ValueError("`max_epochs` is not set: pass `max_epochs=` to the oracle or call "
                             "`oracle.set_max_epochs(epochs)` before the search (the autonas tuner "
                             "does this from the epochs given to fit).")
        self._started = True
        if self._next_bracket is None:
            self._next_bracket = [0, self.num_brackets() - 1]
        for bracket in self._brackets:
            if bracket["closed"]:
                continue
            response = self._from_bracket(bracket, history, rng)
            if response is not None:
                return response
        while self._may_open_bracket(history):
            iteration, number = self._next_bracket
            bracket = {"bracket": number, "iteration": iteration,
                       "rounds": [[] for _ in range(number + 1)], "closed": False}
            self._brackets.append(bracket)
            number -= 1
            if number < 0:
                iteration, number = iteration + 1, self.num_brackets() - 1
            self._next_bracket = [iteration, number]
            response = self._from_bracket(bracket, history, rng)
            if response is not None:
                return response
        return wait() if history.running() else stop()

    def _may_open_bracket(self, history):
        if self._exhausted:
            return False
        iterations = self.hyperband_iterations
        if iterations is None:
            iterations = math.inf if history.max_trials is not None else 1
        return self._next_bracket[0] < iterations

    def _from_bracket(self, bracket, history, rng):
        """A trial from this bracket, or None (closing the bracket once it can give no more)."""
        number, rounds = bracket["bracket"], bracket["rounds"]
        trial_id = history.next_trial_id
        if len(rounds[0]) < self.round_size(number, 0) and not bracket.get("full0"):
            values = self._new_config(bracket, history, rng)
            if values is not None:
                rounds[0].append({"id": trial_id, "past_id": None})
                return run(self._with_keys(values, number, 0))
            bracket["full0"] = True  # the space is exhausted: run what the bracket has
            self._exhausted = True
        for r in range(1, len(rounds)):
            previous, current = rounds[r - 1], rounds[r]
            records = [history.trial(info["id"]) for info in previous]
            statuses = [None if r is None else r.status for r in records]
            failed = sum(1 for s in statuses if s == FAILED)
            unfinished = sum(1 for s in statuses if s not in (COMPLETED, FAILED))
            target = min(self.round_size(number, r), len(previous) - failed)
            remaining = target - len(current)
            if remaining <= 0:
                continue  # this round is complete; look at the next one
            promoted = {info["past_id"] for info in current}
            candidates = [r for info, r, s in zip(previous, records, statuses)
                          if s == COMPLETED and info["id"] not in promoted and r.fitness is not None]
            # The best finished candidate is safe to promote once the unfinished
            # trials of the previous round cannot fill all remaining places.
            if candidates and unfinished < remaining:
                best = max(candidates, key=lambda rec: rec.fitness)  # ties: the earliest
                values = best.config
                values[CONTINUE_KEY] = best.trial_id
                current.append({"id": trial_id, "past_id": best.trial_id})
                return run(self._with_keys(values, number, r))
            return None  # waiting for the previous round
        bracket["closed"] = True
        return None

    def _with_keys(self, values, bracket, round_num):
        values = dict(values)
        values["tuner/epochs"] = self.round_epochs(bracket, round_num)
        values["tuner/initial_epoch"] = 0 if round_num == 0 else self.round_epochs(bracket, round_num - 1)
        values["tuner/bracket"] = bracket
        values["tuner/round"] = round_num
        return values

    def _new_config(self, bracket, history, rng):
        """A new configuration for round 0 of `bracket`; ``None`` when the space is exhausted.

        Warm-start configurations (``initial_hps``, the defaults unless told
        otherwise) come first, each in round 0 like any other; then random ones.
        """
        values = history.warm_start()
        if values is not None:
            return values
        return history.sample_new(rng)

    # -- state --------------------------------------------------------------
    def get_state(self):
        state = {}
        state.update(max_epochs=self.max_epochs, factor=self.factor,
                     hyperband_iterations=self.hyperband_iterations, brackets=self._brackets,
                     next_bracket=self._next_bracket, exhausted=self._exhausted)
        return state

    def set_state(self, state):
        self.max_epochs = state.get("max_epochs", self.max_epochs)
        self.factor = state.get("factor", self.factor)
        self.hyperband_iterations = state.get("hyperband_iterations", self.hyperband_iterations)
        self._brackets = state.get("brackets", [])
        self._next_bracket = state.get("next_bracket")
        self._exhausted = state.get("exhausted", False)
        self._started = bool(self._brackets)
