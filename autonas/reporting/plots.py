"""Plots of a search: scores over time, the score/size Pareto front, the architecture.

matplotlib is an optional extra (``pip install autonas[plot]``), imported only
when a plot is drawn. Figures are `matplotlib.figure.Figure` objects made
without pyplot (no global state, nothing shown twice) that also define
``_repr_png_``: returned as a notebook cell's value, a figure is drawn inline in
any Jupyter front end, whatever matplotlib backend is active, and it can still
be saved or modified.
"""

import io

import os
import shutil

from autonas.reporting.records import completed_records

__all__ = ["plot_search", "plot_pareto", "plot_model", "pareto_front"]

_BEST_COLOR = "tab:red"
_TRIAL_COLOR = "tab:blue"


def plot_search(tuner, path=None):
    """Every trial's score and the best score so far, against time.

    Each completed trial is a point at the time it ended (minutes since the
    first trial started); the best score so far is a step line.

    Args:
        tuner: an `autonas.tuner.Tuner` after a search.
        path: optional file path; the figure is saved there as PNG.

    Returns:
        The `matplotlib.figure.Figure`.

    Raises:
        ImportError: when matplotlib is not installed.
        ValueError: when the search has no completed trial.

    Example:
        >>> fig = plot_search(clf.tuner_, "search.png")  # doctest: +SKIP
    """
    figure_cls = _figure_class("plot_search")
    records = _completed_or_raise(tuner, "plot_search")
    objective = tuner.oracle.objective
    minutes = [r["elapsed"] / 60.0 if r["elapsed"] is not None else float(i) for i, r in enumerate(records)]
    scores = [r["score"] for r in records]
    best, best_so_far = None, []
    for score in scores:
        if best is None or objective.better_than(score, best):
            best = score
        best_so_far.append(best)
    fig = figure_cls(figsize=(7, 4.5))
    ax = fig.add_subplot()
    ax.scatter(minutes, scores, color=_TRIAL_COLOR, label="trial", zorder=3)
    ax.step(minutes, best_so_far, where="post", color=_BEST_COLOR, label="best so far", zorder=2)
    for x, y, r in zip(minutes, scores, records):
        ax.annotate(str(r["trial_id"]), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    timed = all(r["elapsed"] is not None for r in records)
    ax.set_xlabel("minutes since the search started" if timed else "trial (no timing recorded)")
    ax.set_ylabel(objective.name)
    ax.set_title(f"Search: {len(records)} completed trials, best {objective.name} {best:.4f}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    return _save(fig, path)


def plot_pareto(tuner, path=None):
    """Score against parameter count for every trial, the Pareto front highlighted.

    A trial is on the front when no other trial has a better-or-equal score
    with fewer-or-equal parameters (and is strictly better in one of them).

    Args:
        tuner: an `autonas.tuner.Tuner` after a search.
        path: optional file path; the figure is saved there as PNG.

    Returns:
        The `matplotlib.figure.Figure`. Its first collection holds every trial,
        its second the trials on the front.

    Raises:
        ImportError: when matplotlib is not installed.
        ValueError: when the search has no completed trial with a parameter count.

    Example:
        >>> fig = plot_pareto(clf.tuner_, "pareto.png")  # doctest: +SKIP
    """
    figure_cls = _figure_class("plot_pareto")
    records = [r for r in _completed_or_raise(tuner, "plot_pareto") if r["params"]]
    if not records:
        raise ValueError("`plot_pareto` needs trials with a recorded parameter count; none has one.")
    objective = tuner.oracle.objective
    params = [r["params"] for r in records]
    scores = [r["score"] for r in records]
    front = pareto_front(params, scores, objective.direction)
    fig = figure_cls(figsize=(7, 4.5))
    ax = fig.add_subplot()
    ax.scatter(params, scores, color=_TRIAL_COLOR, alpha=0.6, label="trial", zorder=2)
    ax.scatter([params[i] for i in front], [scores[i] for i in front], color=_BEST_COLOR, s=60,
               label="Pareto front", zorder=3)
    ax.step([params[i] for i in front], [scores[i] for i in front], where="post", color=_BEST_COLOR,
            alpha=0.7, zorder=1)
    for i in front:
        ax.annotate(str(records[i]["trial_id"]), (params[i], scores[i]), textcoords="offset points",
                    xytext=(4, 4), fontsize=8)
    if max(params) > 10 * min(params):
        ax.set_xscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel(objective.name)
    ax.set_title(f"{objective.name} against model size: {len(front)} of {len(records)} trials on the front")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    return _save(fig, path)


def pareto_front(params, scores, direction="max"):
    """Indices of the Pareto-optimal points: fewer parameters and a better score.

    Args:
        params: parameter counts (smaller is better).
        scores: scores, same length as `params`.
        direction: ``"max"`` when a larger score is better, ``"min"`` otherwise.

    Returns:
        A list of indices into `params`, sorted by parameter count.

    Raises:
        ValueError: on a bad `direction` or lengths that differ.

    Example:
        >>> pareto_front([10, 20, 30, 40], [0.5, 0.4, 0.9, 0.8])
        [0, 2]
    """
    if direction not in ("max", "min"):
        raise ValueError(f"`direction` must be 'max' or 'min'; received {direction!r}.")
    if len(params) != len(scores):
        raise ValueError(f"`params` has {len(params)} values but `scores` has {len(scores)}.")
    sign = 1.0 if direction == "max" else -1.0
    order = sorted(range(len(params)), key=lambda i: (params[i], -sign * scores[i]))
    front, best = [], None
    for i in order:
        if best is None or sign * scores[i] > best:
            front.append(i)
            best = sign * scores[i]
    return front


def plot_model(model, path, show_shapes=True, **kwargs):
    """Draw a Keras model's architecture to a PNG with `keras.utils.plot_model`.

    Args:
        model: a `keras.Model`.
        path: the PNG file to write.
        show_shapes: show the layers' output shapes.
        **kwargs: passed to `keras.utils.plot_model` (``show_layer_names``,
            ``rankdir``, ``expand_nested``, ``dpi``, ...).

    Returns:
        The path written.

    Raises:
        ImportError: naming what to install when pydot or Graphviz is missing.

    Example:
        >>> plot_model(clf.export_model(), "model.png")  # doctest: +SKIP
    """
    import keras

    missing = []
    try:
        import pydot  # noqa: F401
    except ImportError:
        missing.append("the Python package pydot (pip install pydot)")
    if shutil.which("dot") is None:
        missing.append("the Graphviz programs, `dot` on the PATH (apt install graphviz, brew install graphviz, "
                       "conda install graphviz or https://graphviz.org/download/)")
    if missing:
        raise ImportError("`plot_model` draws the architecture with Graphviz and needs "
                          + " and ".join(missing) + ".")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    keras.utils.plot_model(model, to_file=path, show_shapes=show_shapes, **kwargs)
    return path


def _figure_class(what):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            f"`{what}` needs matplotlib, an optional extra: pip install 'autonas[plot]' (or pip install matplotlib)."
        ) from None

    class NotebookFigure(Figure):
        """A `Figure` that Jupyter draws inline when a cell returns it (`_repr_png_`)."""

        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()

    return NotebookFigure


def _completed_or_raise(tuner, what):
    records = completed_records(tuner)
    if not records:
        raise ValueError(f"`{what}` needs at least one completed trial; the search has none.")
    return records


def _save(fig, path):
    if path is not None:
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        fig.savefig(path, format="png", dpi=100)
    return fig
