"""Greedy ensemble selection with replacement (Caruana et al., 2004).

Given every candidate model's predictions on the validation rows, models are
added one at a time, with replacement, each time the one whose addition makes
the averaged prediction best, and the weight of a model is the share of the
steps that picked it. auto-sklearn and AutoGluon build their final models this
way. Pure NumPy: the candidates are arrays, not Keras models.
"""

import dataclasses

import numpy as np

#: probabilities are clipped to [EPS, 1 - EPS] before their logarithm.
EPS = 1e-7


def cross_entropy(y_true, y_pred, multi_label=False):
    """Mean cross-entropy of probabilities against encoded labels.

    Args:
        y_true: integer class indices ``(n,)`` (or one-hot rows ``(n, k)``)
            for softmax probabilities; 0/1 targets ``(n,)`` or ``(n, 1)`` for
            one sigmoid column; 0/1 rows ``(n, k)`` for multi-label sigmoids.
        y_pred: probabilities, ``(n, 1)`` (binary: the positive class) or ``(n, k)``.
        multi_label: the ``k`` columns are independent sigmoids (multi-label).

    Returns:
        A float.

    Example:
        >>> round(cross_entropy(np.array([1, 0]), np.array([[0.9], [0.2]])), 4)
        0.1643
    """
    p = np.clip(np.asarray(y_pred, dtype="float64"), EPS, 1 - EPS)
    y = np.asarray(y_true)
    if p.ndim == 1:
        p = p[:, None]
    if p.shape[1] == 1 or multi_label:  # independent sigmoid columns
        y = y.reshape(p.shape).astype("float64")
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    labels = y.argmax(axis=1) if y.ndim == 2 else y.reshape(-1)
    return float(-np.mean(np.log(p[np.arange(len(p)), labels.astype("int64")])))


def accuracy(y_true, y_pred, multi_label=False):
    """Share of rows whose most probable class is the label (sigmoid columns: p >= 0.5).

    Args:
        y_true: encoded labels as in `cross_entropy`.
        y_pred: probabilities as in `cross_entropy`.
        multi_label: the columns are independent sigmoids; a row counts when every label is right.

    Returns:
        A float in [0, 1].

    Example:
        >>> accuracy(np.array([1, 0]), np.array([[0.9], [0.7]]))
        0.5
    """
    p = np.asarray(y_pred, dtype="float64")
    y = np.asarray(y_true)
    if p.ndim == 1:
        p = p[:, None]
    if p.shape[1] == 1 or multi_label:
        return float(np.mean(np.all((p >= 0.5) == (y.reshape(p.shape) >= 0.5), axis=1)))
    labels = y.argmax(axis=1) if y.ndim == 2 else y.reshape(-1)
    return float(np.mean(p.argmax(axis=1) == labels))


def mean_squared_error(y_true, y_pred):
    """Mean squared error over rows and outputs.

    Args:
        y_true: targets ``(n,)`` or ``(n, k)``.
        y_pred: predictions of the same number of values per row.

    Returns:
        A float.

    Example:
        >>> mean_squared_error(np.array([1.0, 2.0]), np.array([[1.0], [4.0]]))
        2.0
    """
    p = np.asarray(y_pred, dtype="float64")
    return float(np.mean((np.asarray(y_true, dtype="float64").reshape(p.shape) - p) ** 2))


@dataclasses.dataclass(frozen=True)
class EnsembleSelection:
    """The result of `greedy_selection`.

    Args:
        weights: ``{candidate index: weight}``, weights summing to 1, best first.
        loss: the selection loss of the weighted average on the validation rows.
        best_single: index of the candidate with the lowest loss on its own.
        best_single_loss: that candidate's loss.
        trajectory: the loss after each selection step.

    Returns:
        A frozen record.
    """

    weights: dict
    loss: float
    best_single: int
    best_single_loss: float
    trajectory: tuple

    @property
    def members(self):
        """Candidate indices with a positive weight, heaviest first."""
        return list(self.weights)


def greedy_selection(predictions, y_true, loss=cross_entropy, size=25):
    """Caruana's greedy ensemble selection with replacement.

    The first step picks the best single candidate; each further step adds the
    candidate (possibly one already chosen) that makes the loss of the running
    average lowest; ties go to the earlier candidate. Of the `size` steps, the
    ensemble is the prefix with the lowest loss (the earliest on ties), and
    the weight of a candidate is the share of those steps that picked it (a
    candidate picked 3 times out of 25 weighs 0.12).

    Args:
        predictions: a list of arrays, one per candidate, each the candidate's
            predictions on the same validation rows (same shape).
        y_true: the validation targets in the encoding the predictions use.
        loss: ``loss(y_true, y_pred) -> float``, lower is better
            (`cross_entropy` for classifiers, `mean_squared_error` for regressors).
        size: number of selection steps (an integer >= 1).

    Returns:
        An `EnsembleSelection`.

    Example:
        >>> y = np.array([0, 1, 1, 0])
        >>> a = np.array([[0.1], [0.9], [0.45], [0.55]]); b = np.array([[0.55], [0.45], [0.9], [0.1]])
        >>> greedy_selection([a, b], y).members
        [0, 1]
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"`size` must be a positive integer; received {size!r}.")
    if not predictions:
        raise ValueError("`predictions` must hold at least one candidate's predictions; received none.")
    preds = [np.asarray(p, dtype="float64") for p in predictions]
    shapes = {p.shape for p in preds}
    if len(shapes) != 1:
        raise ValueError(f"Every candidate's predictions must have the same shape; received {sorted(shapes)}.")
    scorer = _squared_error_scores if loss is mean_squared_error else _loss_scores
    singles, step_scores, add = scorer(preds, y_true, loss)
    best_single = int(np.argmin(singles))
    counts = np.zeros(len(preds), dtype="int64")
    picks, trajectory = [], []
    for step in range(size):
        scores = step_scores(step)
        pick = int(np.argmin(scores))
        add(pick)
        picks.append(pick)
        trajectory.append(float(scores[pick]))
    # the best point of the trajectory (the earliest on ties): later steps may only refine weights
    best_step = int(np.argmin(trajectory))
    for pick in picks[:best_step + 1]:
        counts[pick] += 1
    steps = int(counts.sum())
    order = sorted(np.flatnonzero(counts), key=lambda i: (-counts[i], i))
    weights = {int(i): float(counts[i]) / steps for i in order}
    return EnsembleSelection(weights=weights, loss=trajectory[best_step], best_single=best_single,
                             best_single_loss=float(singles[best_single]), trajectory=tuple(trajectory))


def _loss_scores(preds, y_true, loss):
    """Each candidate's loss, a function scoring each next greedy step (the loss of the running sum of the picks
    plus each candidate, averaged), and one adding a pick to that sum."""
    total = np.zeros_like(preds[0])

    def step_scores(step):
        return [loss(y_true, (total + p) / (step + 1)) for p in preds]

    def add(pick):
        np.add(total, preds[pick], out=total)

    return [loss(y_true, p) for p in preds], step_scores, add


def _squared_error_scores(preds, y_true, loss=None):
    """`_loss_scores` for the mean squared error, from the Gram matrix of the candidates' residuals: the error
    of an average with pick counts ``c`` over ``n`` picks is ``c' G c / (n^2 N)``, so a step costs no pass over
    the rows (K^2 / 2 passes in all instead of K per step: seconds on a large validation set, which the fit's
    time budget does not plan for)."""
    y = np.asarray(y_true, dtype="float64").reshape(preds[0].shape).ravel()
    residuals = [p.ravel() - y for p in preds]
    k, rows = len(preds), max(1, y.size)
    gram = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            gram[i, j] = gram[j, i] = float(np.dot(residuals[i], residuals[j]))
    diagonal = np.diag(gram)
    counts = np.zeros(k)

    def step_scores(step):
        spread = gram @ counts
        return (float(counts @ spread) + 2 * spread + diagonal) / ((step + 1) ** 2 * rows)

    def add(pick):
        counts[pick] += 1

    return list(diagonal / rows), step_scores, add


def weighted_average(predictions, weights):
    """The weighted average of candidates' predictions.

    Args:
        predictions: a list of arrays (one per candidate).
        weights: ``{candidate index: weight}`` (as `EnsembleSelection.weights`).

    Returns:
        An array of the candidates' shape.

    Example:
        >>> weighted_average([np.ones(2), np.zeros(2)], {0: 0.25, 1: 0.75})
        array([0.25, 0.25])
    """
    total = sum(weights.values())
    return sum(np.asarray(predictions[i], dtype="float64") * (w / total) for i, w in weights.items())
