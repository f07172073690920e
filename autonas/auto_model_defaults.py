"""What `AutoModel` chooses from the data before the first trial: `SearchContext`, the batch size and the
defaults that task classes size to the data (`SearchDefaultsMixin`)."""

import dataclasses

__all__ = ["MAX_AUTO_BATCH_SIZE", "MAX_STEPS_PER_EPOCH", "SearchContext", "SearchDefaultsMixin", "auto_batch_size"]


@dataclasses.dataclass(frozen=True)
class SearchContext:
    """What is known about a search when its defaults are chosen (at `fit`, before the first trial).

    Task classes read it in `AutoModel.configure_space`,
    `AutoModel.default_initial_hps` and `AutoModel.default_objective` to
    size their default space to the data and the budget.

    Args:
        num_train: number of training examples (after the validation split).
        num_val: number of validation examples.
        epochs: the `epochs` given to `fit` (None: early stopping decides).
        batch_size: the batch size.
        max_time: the search budget in seconds, or None.
        input_shapes: the shape of one example, per input node (``()`` for
            text, ``(columns,)`` for tables).
        profile: the training data's `autonas.data.profile.DataProfile` (None
            when the caller has none).

    Returns:
        A frozen record of those fields.

    Example:
        >>> SearchContext(1120, 280, None, 32, 120.0, [(8, 8)]).steps_per_epoch
        35
    """

    num_train: int
    num_val: int
    epochs: object
    batch_size: int
    max_time: object
    input_shapes: list
    profile: object = None

    @property
    def steps_per_epoch(self):
        """Optimizer steps in one epoch over the training split."""
        return -(-self.num_train // self.batch_size)



class SearchDefaultsMixin:
    """The defaults of a search that task classes size to the data: space, first configurations, objective, strategy.

    Reads ``heads``, ``tuner`` and ``max_time`` of `AutoModel`.

    Example:
        >>> autonas.ImageClassifier(max_time="10m").strategy_name()  # doctest: +SKIP
        'successive-halving'
    """

    #: candidates costing more multiply-adds per example than this many times the
    #: first trial are skipped (see `autonas.tuner.Tuner`); None: no limit.
    max_cost_ratio = None

    def configure_space(self, context):
        """Fit the default search space to the data, at each `fit`, before the first trial.

        The training data's input profile is ``context.profile``. Task classes
        override it, e.g. to leave out architectures the data cannot justify.

        Args:
            context: a `SearchContext`.

        Returns:
            None.

        Example:
            >>> model.configure_space(context)  # doctest: +SKIP
        """

    def default_initial_hps(self, context):
        """The configurations tried first when `initial_hps` is None.

        Task classes override it to start with cheap, proven configurations
        chosen for the data size and the budget.

        Args:
            context: a `SearchContext`.

        Returns:
            A list of (partial) hyperparameter value dicts, or None for "the
            space's defaults first".

        Example:
            >>> model.default_initial_hps(context)  # doctest: +SKIP
            None
        """
        return None

    def default_objective(self, context):
        """The objective searched when `objective` is None.

        Args:
            context: a `SearchContext`.

        Returns:
            A metric name: the head's default (``"val_accuracy"`` for a
            classification head) for one head, ``"val_loss"`` for several.

        Example:
            >>> model.default_objective(context)  # doctest: +SKIP
            'val_accuracy'
        """
        return self.heads[0].default_objective if len(self.heads) == 1 else "val_loss"

    def strategy_name(self):
        """The strategy `tuner` names for this fit: ``"auto"`` resolved, other values as given.

        ``"auto"`` is ``"successive-halving"`` with a `max_time` (full trials are
        then only run when the budget holds enough of them; otherwise candidates
        are screened on proxy tasks first) and ``"random"`` without one.

        Returns:
            A strategy name, or the `keras_tuner.Oracle` given as `tuner`.

        Example:
            >>> autonas.ImageClassifier(max_time="10m").strategy_name()  # doctest: +SKIP
            'successive-halving'
        """
        if isinstance(self.tuner, str) and self.tuner.lower() == "auto":
            return "successive-halving" if self.max_time else "random"
        return self.tuner


#: `auto_batch_size` doubles the batch size while an epoch would take more steps than this.
MAX_STEPS_PER_EPOCH = 500
#: ... starting from Keras's default, up to this.
MAX_AUTO_BATCH_SIZE = 512


def auto_batch_size(num_train):
    """The batch size `fit` uses when given None: 32, doubled while an epoch has over 500 steps (at most 512).

    Small data keeps Keras's default of 32; a 40,000-row table trains with
    128, so that an epoch takes a few hundred optimizer steps, not thousands.

    Args:
        num_train: number of training examples.

    Returns:
        An int.

    Example:
        >>> auto_batch_size(1120), auto_batch_size(40_000)
        (32, 128)
    """
    size = 32
    while size < MAX_AUTO_BATCH_SIZE and num_train / size > MAX_STEPS_PER_EPOCH:
        size *= 2
    return size

