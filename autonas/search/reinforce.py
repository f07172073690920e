"""A policy-gradient controller (REINFORCE with a moving-average baseline), Zoph & Le 2017."""

import math

from autonas.search.history import CONTINUE_KEY
from autonas.search.strategy import Strategy, register, run, stop
from autonas.utils.validation import check_float, check_int


@register("reinforce")
class ReinforceStrategy(Strategy):
    """A controller policy over the space, trained with REINFORCE and a moving-average baseline.

    The policy is one categorical distribution per hyperparameter (softmax of
    its logits); a configuration is sampled top-down, each hyperparameter only
    when its conditional scope is active, so conditional choices are respected
    and only the decisions actually taken are credited. A numeric
    hyperparameter without a small step is decided over its grid values (its
    default and 10 evenly spaced values).
    Each completed trial (in the order trials ended) updates the policy:

        advantage = (fitness - baseline) / scale,  clipped to [-3, 3]
        logits[d] += learning_rate * advantage * (onehot(choice[d]) - softmax(logits[d]))

    for every decision d taken, where the baseline is an exponential moving
    average of the fitness (decay `baseline_decay`) and the scale a moving
    average of its absolute deviation, so the step does not depend on the
    objective's units. The policy is a function of the history: it is rebuilt
    by replaying the completed trials, so a reloaded search resumes exactly.
    A configuration already tried is sampled again (then drawn at random
    among the untried ones).

    References: B. Zoph, Q. V. Le, "Neural Architecture Search with
    Reinforcement Learning", ICLR 2017; H. Pham et al., "Efficient Neural
    Architecture Search via Parameter Sharing", ICML 2018 (the baseline).

    Args:
        learning_rate: step of the policy-gradient update on the logits.
        baseline_decay: decay of the moving-average baseline, in [0, 1).
        resamples: draws from the policy before falling back to an untried random configuration.

    Example:
        >>> strategy = ReinforceStrategy(learning_rate=0.5, baseline_decay=0.9)
    """

    def __init__(self, learning_rate=0.5, baseline_decay=0.9, resamples=30):
        self.learning_rate = check_float(learning_rate, "learning_rate", minimum=0, inclusive=False)
        self.baseline_decay = check_float(baseline_decay, "baseline_decay", expected="a number in [0, 1)", minimum=0)
        if self.baseline_decay >= 1:
            raise ValueError(f"`baseline_decay` must be a number in [0, 1); received {baseline_decay!r}.")
        self.resamples = check_int(resamples, "resamples", minimum=1)
        self._cache = None  # (space, trials replayed, policy): rebuilt from the history, not state

    # -- the policy ----------------------------------------------------------------
    def policy(self, history):
        """The controller after replaying the completed trials.

        Args:
            history: the `SearchHistory`.

        Returns:
            ``{"logits": {name: [float]}, "values": {name: [value]}, "baseline": float or None}``.
        """
        space = history.space
        done = [t for t in history.completed() if CONTINUE_KEY not in t.values]
        if self._cache is None or self._cache[0] is not space or self._cache[1] > len(done):
            values = {e.name: (list(e.values) if e.values is not None else e.grid_values())
                      for e in space.entries if e.cardinality > 1 and e.name}
            policy = {"logits": {name: [0.0] * len(v) for name, v in values.items()}, "values": values,
                      "baseline": None, "scale": None}
            self._cache = (space, 0, policy)
        _, replayed, policy = self._cache
        for trial in done[replayed:]:
            self._update(policy, trial.config, trial.fitness)
        self._cache = (space, len(done), policy)
        return policy

    def _update(self, policy, config, fitness):
        baseline, scale = policy["baseline"], policy["scale"]
        if baseline is None:  # the first reward sets the baseline: no step
            policy["baseline"], policy["scale"] = fitness, 0.0
            return
        deviation = fitness - baseline
        decay = self.baseline_decay
        scale = abs(deviation) if not scale else decay * scale + (1 - decay) * abs(deviation)
        policy["baseline"], policy["scale"] = decay * baseline + (1 - decay) * fitness, scale
        if scale <= 0:
            return
        advantage = max(-3.0, min(3.0, deviation / scale))
        step = self.learning_rate * advantage
        for name, value in config.items():
            logits = policy["logits"].get(name)
            if logits is None:
                continue
            choice = _index(policy["values"][name], value)
            probs = _softmax(logits)
            for i in range(len(logits)):
                logits[i] += step * ((1.0 if i == choice else 0.0) - probs[i])

    def sample(self, history, policy, rng):
        """One configuration drawn from the policy, top-down over the conditional scopes."""
        space, values = history.space, {}
        for entry in space.entries:
            if entry.name in values or not space.is_active(entry, values):
                continue
            logits = policy["logits"].get(entry.name)
            if logits is None:
                values[entry.name] = entry.sample(rng)
                continue
            r, acc = rng.random(), 0.0
            probs = _softmax(logits)
            choice = len(probs) - 1
            for i, p in enumerate(probs):
                acc += p
                if r < acc:
                    choice = i
                    break
            values[entry.name] = policy["values"][entry.name][choice]
        return values

    def propose(self, history, rng):
        policy = self.policy(history)
        for _ in range(self.resamples):
            values = self.sample(history, policy, rng)
            if history.is_new(values):
                return run(values)
        values = history.sample_new(rng)
        return stop() if values is None else run(values)

    def get_state(self):
        return {"learning_rate": self.learning_rate, "baseline_decay": self.baseline_decay,
                "resamples": self.resamples}

    def set_state(self, state):
        for name in ("learning_rate", "baseline_decay", "resamples"):
            setattr(self, name, state.get(name, getattr(self, name)))


def _softmax(logits):
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _index(values, value):
    """Index of `value` among `values`, or of the nearest one (numeric values off the grid)."""
    for i, v in enumerate(values):
        if v == value and type(v) is type(value):
            return i
    try:
        return min(range(len(values)), key=lambda i: abs(values[i] - value))
    except TypeError:
        return 0
