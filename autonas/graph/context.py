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

_current = contextvars.ContextVar("autonas_input_profile", default=None)


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
