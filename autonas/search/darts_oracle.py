"""`DartsStrategy`: the strategy side of ``tuner="darts"``, pure Python.

DARTS finds the architecture by training a supernet, which needs data and
Keras, so that part runs in `autonas.darts.tuner.DartsTuner`. The strategy holds
the search settings (plain data), receives the hyperparameter values of the
derived cells, and proposes trials with those values pinned: the first trial
is the derived network with every other hyperparameter at its default; later
trials, if `max_trials` allows, sample the remaining hyperparameters at random
around the same cells.

The strategy declares what it needs from the layers above it, so that none of them
special-cases DARTS: `tuner_class` (the tuner that runs the supernet search before
the trials) and `default_block` (the block a task searches with it: a `DartsBlock`).
"""

from autonas.search.strategy import Strategy, register, run, stop

#: settings of the supernet search and their defaults (see `autonas.darts.DartsSearch`).
SEARCH_DEFAULTS = {
    "epochs": None,          # None: the `epochs` given to fit, else 20
    "channels": 8,
    "layers": 5,
    "order": 1,
    "arch_learning_rate": 3e-4,
    "batch_size": None,      # None: the `batch_size` given to fit
    "aux_skip": 1.0,
    "beta_decay": 0.0,
    "max_skip": 2,
    "max_parameter_free": None,
    "patience": 3,
    "warmup_epochs": None,   # None: a third of the search epochs
    "time_fraction": 0.5,
    "max_examples": None,
}


@register("darts")
class DartsStrategy(Strategy):
    """Proposes the cells a DARTS supernet search derived, with other hyperparameters around them.

    Args:
        epochs: supernet search epochs (None: the `epochs` given to fit, else 20).
        channels: supernet channels (a smaller proxy of the final network).
        layers: supernet cells.
        order: 1 (first order) or 2 (second order).
        arch_learning_rate: Adam step of the architecture parameters (the
            paper's 3e-4 suits ~20,000 steps; short searches need larger).
        batch_size: search batch size (None: the one given to fit).
        aux_skip: DARTS- auxiliary skip coefficient (0 disables).
        beta_decay: beta-decay regularisation weight (0 disables).
        max_skip: cap on skip connections in the derived normal cell.
        max_parameter_free: cap on skips and poolings together in the derived
            normal cell (None: no cap).
        patience: stop once the derived cells are stable for this many epochs.
        warmup_epochs: first search epochs that train weights only (on barely
            trained weights, parameter-free operations win the architecture
            steps); None means a third of the search epochs.
        time_fraction: share of `max_time` the supernet search may use.
        max_examples: search on at most this many training examples (None: all).

    As an oracle (`autonas.search.DartsOracle`), `max_trials` (trials of
    discrete networks after the search) defaults to 1: train the derived
    network once.

    Example:
        >>> oracle = DartsOracle(epochs=10, channels=8, layers=5)
        >>> clf = autonas.ImageClassifier(tuner=oracle)   # doctest: +SKIP
    """

    warm_start_in_propose = True
    default_max_trials = 1

    def __init__(self, epochs=None, channels=8, layers=5, order=1, arch_learning_rate=3e-4, batch_size=None,
                 aux_skip=1.0, beta_decay=0.0, max_skip=2, patience=3, warmup_epochs=None, time_fraction=0.5,
                 max_examples=None, max_parameter_free=None):
        if not 0 < time_fraction <= 1:
            raise ValueError(f"`time_fraction` must be in (0, 1]; received {time_fraction!r}.")
        if order not in (1, 2):
            raise ValueError(f"`order` must be 1 or 2; received {order!r}.")
        if warmup_epochs is not None and (not isinstance(warmup_epochs, int) or warmup_epochs < 0):
            raise ValueError(f"`warmup_epochs` must be a non-negative integer or None; received {warmup_epochs!r}.")
        for name, value in (("epochs", epochs), ("batch_size", batch_size), ("max_examples", max_examples)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"`{name}` must be a positive integer or None; received {value!r}.")
        self.search_config = {
            "epochs": epochs, "channels": channels, "layers": layers, "order": order,
            "arch_learning_rate": arch_learning_rate, "batch_size": batch_size,
            "aux_skip": aux_skip, "beta_decay": beta_decay, "max_skip": max_skip, "max_parameter_free": max_parameter_free, "patience": patience,
            "warmup_epochs": warmup_epochs, "time_fraction": time_fraction, "max_examples": max_examples,
        }
        #: hyperparameter values of the derived cells (set by the DARTS tuner)
        self.pinned = None
        #: the derived genotype as a dict, for the record
        self.genotype = None

    @property
    def tuner_class(self):
        """The tuner that runs this strategy: `autonas.darts.tuner.DartsTuner` (supernet search, then trials).

        Returns:
            The class (imported here: the oracle itself stays free of Keras).

        Example:
            >>> DartsOracle().tuner_class.__name__  # doctest: +SKIP
            'DartsTuner'
        """
        from autonas.darts.tuner import DartsTuner

        return DartsTuner

    @staticmethod
    def default_block(input_kind):
        """The block a task searches with this strategy, for its inputs of `input_kind`.

        Args:
            input_kind: ``"image"``, ``"text"``, ...

        Returns:
            A new `DartsBlock` for images; None (the task's own default) otherwise.

        Example:
            >>> type(DartsOracle.default_block("image")).__name__  # doctest: +SKIP
            'DartsBlock'
        """
        if input_kind != "image":
            return None
        from autonas.darts.block import DartsBlock

        return DartsBlock()

    def set_derived(self, values, genotype=None):
        """Pin the hyperparameter values of the derived cells.

        Args:
            values: dict of hyperparameter name to value.
            genotype: the genotype as a JSON-ready dict (kept in the oracle state).

        Returns:
            None.

        Example:
            >>> oracle.set_derived({"darts_block/normal/node_2/op_0": "sep_conv_3x3"})  # doctest: +SKIP
        """
        if not isinstance(values, dict) or not values:
            raise ValueError(f"`values` must be a non-empty dict of hyperparameter values; received {values!r}.")
        self.pinned = dict(values)
        self.genotype = genotype

    def complete_partial(self, partial):
        """A warm-start configuration with the derived cells pinned.

        Args:
            partial: a partial value dict.

        Returns:
            A new dict.
        """
        return {**partial, **(self.pinned or {})}

    def propose(self, history, rng):
        if self.pinned is None:
            raise RuntimeError("DartsOracle has no derived cells yet: it must be run by the DARTS tuner "
                               "(AutoModel(..., tuner='darts') does this).")
        values = history.warm_start()
        if values is not None:
            return run(values)
        for _ in range(100):
            values = history.space.complete(self.complete_partial(history.space.sample(rng)))
            values.update({k: v for k, v in self.pinned.items() if k not in values})
            if history.is_new(values):
                return run(values)
        return stop()

    def get_state(self):
        return dict(pinned=self.pinned, genotype=self.genotype, search_config=self.search_config)

    def set_state(self, state):
        self.pinned = state.get("pinned")
        self.genotype = state.get("genotype")
        self.search_config = state.get("search_config", self.search_config)
