"""The input profile a build reads: set by `Graph.build` around the blocks it builds.

Blocks learn nothing from data themselves and keep nothing on nodes: what they
adapt to (normalization statistics, vocabularies, column encodings) comes from the
`autonas.data.profile.DataProfile` of the current fit, which `Graph.build` makes
current for the duration of one build.

Example:
    >>> with using_profile(profile):                                  # doctest: +SKIP
    ...     mean, variance = input_profile(image_input).channel_statistics()
"""

import contextlib
import contextvars

import numpy as np

_current = contextvars.ContextVar("autonas_input_profile", default=None)
_refit = contextvars.ContextVar("autonas_refit_rows", default=None)


@contextlib.contextmanager
def using_profile(profile):
    """Make `profile` (a `DataProfile`, or None) the one builds read inside this context.

    Args:
        profile: the fit's `DataProfile`.

    Example:
        >>> with using_profile(None):
        ...     current_profile() is None
        True
    """
    token = _current.set(profile)
    try:
        yield profile
    finally:
        _current.reset(token)


def current_profile():
    """The `DataProfile` of the build in progress, or None."""
    return _current.get()


def input_profile(node, purpose="adapt preprocessing on"):
    """The `InputProfile` of input `node` in the build in progress.

    Args:
        node: an input node of the graph being built.
        purpose: what the caller learns from it, for the error message.

    Returns:
        An `autonas.data.profile.InputProfile`.

    Raises:
        ValueError: no training data was profiled for `node` (the model was not fitted).
    """
    profile = _current.get()
    name = getattr(node, "name", node)
    if profile is None or name not in profile:
        raise ValueError(
            f"Input {name!r} has no training data to {purpose}: fit the model first "
            "(or give the graph a profile with `Graph.set_profile`)."
        )
    return profile[name]


def has_profile(node):
    """True when the build in progress has a profile for input `node`."""
    profile = _current.get()
    return profile is not None and getattr(node, "name", node) in profile


@contextlib.contextmanager
def using_refit_rows(x, y):
    """Builds inside this context are refits on all the rows `x`, `y` (training and validation, Keras forms).

    What a block solves in closed form from labelled examples (a solved linear
    model: `autonas.blocks.text_solver`) is solved on these rows, as a refitted
    network trains on them; statistics of the profile (vocabularies,
    normalization) stay those of the training split, which the search used.

    Args:
        x: the refit's inputs: an array, or a dict keyed by input name.
        y: the refit's targets: an array (one head), or a dict keyed by head name.

    Example:
        >>> with using_refit_rows(None, None):
        ...     refit_rows("text") is None
        True
    """
    token = _refit.set((x, y))
    try:
        yield
    finally:
        _refit.reset(token)


def refit_rows(node):
    """``(examples, targets)`` of input `node` in the refit in progress, or None.

    None in a search build, and when the refit's rows are not in memory for
    this input (a stream) or the targets are not one head's array.
    """
    rows = _refit.get()
    if rows is None:
        return None
    x, y = rows
    if isinstance(x, dict):
        x = x.get(getattr(node, "name", node))
    if isinstance(y, dict):
        y = next(iter(y.values())) if len(y) == 1 else None
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray) or len(x) != len(y):
        return None
    return x, y
