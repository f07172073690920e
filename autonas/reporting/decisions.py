"""Decisions the library takes on the user's behalf, shown as one line each during `fit`.

A decision (searching n-gram models only, resizing images, skipping a
candidate, resuming a project, ...) is logged on the ``autonas`` logger at
INFO, like any other message; while a `fit` runs with ``verbose >= 1`` it is
also written to the progress display, so that a notebook user sees it without
configuring logging.

Example:
    >>> from autonas.reporting.decisions import decision, shown
    >>> with shown(verbose=1):
    ...     decision("Searching %s models only.", "n-gram")
    Searching n-gram models only.
"""

import contextlib
import functools
import inspect
import logging

__all__ = ["decision", "shown", "during_fit"]

logger = logging.getLogger("autonas")

#: writers of the displays shown now (innermost last); each takes one line of text.
_writers = []


def decision(message, *args):
    """Log a decision at INFO and show it on the active progress display.

    Args:
        message: a %-format string, as for `logging.Logger.info`.
        *args: its arguments.

    Returns:
        None.

    Example:
        >>> decision("Resized %d images.", 3)
    """
    logger.info(message, *args)
    if _writers:
        _writers[-1](message % args if args else message)


@contextlib.contextmanager
def shown(verbose, writer=None):
    """Show decisions on the progress display while the block runs.

    Args:
        verbose: the `fit` verbosity; nothing is shown at 0.
        writer: a callable taking one line; the progress display's
            `autonas.reporting.progress.write_line` when None.

    Yields:
        None.

    Example:
        >>> with shown(verbose=0):
        ...     decision("not shown")
    """
    if not verbose:
        yield
        return
    if writer is None:
        from autonas.reporting.progress import write_line

        writer = write_line
    _writers.append(writer)
    try:
        yield
    finally:
        _writers.remove(writer)


def during_fit(fit):
    """Decorate a `fit(self, ..., verbose=...)` method so that its decisions are shown.

    Args:
        fit: the method.

    Returns:
        The wrapped method: it reads ``verbose`` from its arguments (default
        of the signature when not given) and runs inside `shown`.

    Example:
        >>> class Model:
        ...     @during_fit
        ...     def fit(self, verbose=1):
        ...         decision("Chose the n-gram space.")
        >>> Model().fit()
        Chose the n-gram space.
    """
    signature = inspect.signature(fit)

    @functools.wraps(fit)
    def wrapper(*args, **kwargs):
        verbose = signature.bind(*args, **kwargs)
        verbose.apply_defaults()
        level = verbose.arguments.get("verbose", 1)
        with shown(1 if level == "auto" else level if level in (0, 1, 2) else 0):
            return fit(*args, **kwargs)

    return wrapper
