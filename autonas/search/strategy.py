"""`Strategy`: the interface of every search strategy, and the registry of strategies by name.

A strategy is pure Python and knows nothing of Keras or KerasTuner. It has one
public method, ``propose(history, rng)``, which reads a `SearchHistory` and
returns a `Proposal`: run a configuration, wait for running trials, or stop.
Its state is a JSON-ready dict (`get_state` / `set_state`); most strategies
keep none and derive everything from the history, so a reloaded search resumes
exactly. Settings are constructor arguments.

A new strategy is one class::

    from autonas.search import Strategy, register, run, stop

    @register("first-untried")
    class FirstUntried(Strategy):
        def propose(self, history, rng):
            values = history.sample_new(rng)
            return stop() if values is None else run(values)

after which ``tuner="first-untried"`` selects it everywhere: a local search,
the chief/worker mode and `autonas.benchmarks.TableBenchmark`.
"""

from typing import NamedTuple, Optional

#: strategy name -> `Strategy` subclass (filled by `register`).
STRATEGIES = {}


class Proposal(NamedTuple):
    """What a strategy asks for: ``status`` is ``"run"`` (with `values`), ``"wait"`` or ``"stop"``."""

    status: str
    values: Optional[dict] = None


def run(values):
    """A proposal to run a trial with `values` (a dict; ``tuner/`` keys carry fidelity)."""
    return Proposal("run", dict(values))


def wait():
    """A proposal to wait: running trials must end before the strategy can propose more."""
    return Proposal("wait")


def stop():
    """A proposal to stop the search: the strategy has nothing more to propose."""
    return Proposal("stop")


def register(name):
    """Class decorator: make a `Strategy` selectable as ``tuner=name``.

    Args:
        name: the strategy's name (lower case).

    Returns:
        The decorator; it sets ``cls.name`` and records the class in `STRATEGIES`.

    Example:
        >>> @register("my-random")
        ... class MyRandom(Strategy):
        ...     def propose(self, history, rng):
        ...         values = history.sample_new(rng)
        ...         return stop() if values is None else run(values)
    """
    if not isinstance(name, str) or not name or name != name.lower():
        raise ValueError(f"`name` must be a non-empty lower-case string; received {name!r}.")

    def decorate(cls):
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise TypeError(f"@register({name!r}) applies to a Strategy subclass; received {cls!r}.")
        cls.name = name
        STRATEGIES[name] = cls
        return cls

    return decorate


class Strategy:
    """Base class of search strategies.

    Subclasses implement `propose`; strategies with state of their own (not
    derivable from the history) also extend `get_state` and `set_state`.

    Class attributes:
        warm_start_in_propose: True when the strategy places the warm-start
            configurations itself (`SearchHistory.warm_start`), for example in
            a Hyperband bracket, instead of having them proposed first.
        name: the registered name (set by `register`).

    Example:
        >>> class Random(Strategy):
        ...     def propose(self, history, rng):
        ...         values = history.sample_new(rng)
        ...         return stop() if values is None else run(values)
    """

    warm_start_in_propose = False
    name = None

    def propose(self, history, rng):
        """Propose the next trial.

        Args:
            history: the `autonas.search.history.SearchHistory` of the search (read-only).
            rng: a `random.Random` for this proposal (seeded by the search; its
                position is part of the saved state).

        Returns:
            A `Proposal`: `run(values)`, `wait()` or `stop()`.
        """
        raise NotImplementedError

    def get_state(self):
        """The strategy's own state and settings as a JSON-ready dict (empty by default)."""
        return {}

    def set_state(self, state):
        """Restore what `get_state` returned (keys it does not know are ignored).

        Args:
            state: a dict.
        """

    def full_fidelity(self, values):
        """Whether a trial with these values trains at full fidelity (only those compete for the final model).

        Args:
            values: a trial's values.

        Returns:
            A bool; True unless the strategy screens on proxies.
        """
        return True
