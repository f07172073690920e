"""A linear model of the n-gram features solved to convergence once per fit: the classical text classifier.

A linear SVM (squared hinge, L2, liblinear: scikit-learn's `LinearSVC`) or an
L2-regularised logistic regression on tf-idf or NB-SVM n-grams is the
baseline a user trains in seconds. The same model trained as a network (Adam,
batches, early stopping, no weight penalty) stops short of it: on dev splits
of SMS spam's training rows, on the same NB-SVM features, Adam's linear
model scored 0.9861 where `LinearSVC(C=1)` scored 0.9906, and on 6-message
documents of three classes 0.8603 where a logistic regression with C=100
scored 0.8830 (benchmarks/RESULTS.md, issue 19).

So the n-gram family can also SOLVE its linear model: the regularised problem
is solved by scikit-learn on the training split's features (computed by the
model's own feature layers; what the profile holds, as the vocabulary, idf
and naive-Bayes ratios are), and the solution becomes a frozen Dense layer of
the Keras model, which therefore still takes raw strings when exported. Its
outputs are the solver's decision values times one temperature, fitted on
3-fold out-of-fold decision values of the training split (so the
probabilities are not those of a model scoring its own training texts); a
temperature keeps every prediction's class. With a `ClassificationHead` of as
many units, the head only applies its activation (see `mark_fitted_logits`):
nothing trains, one epoch scores the trial.
"""

import logging
import warnings

import keras
import numpy as np
import scipy.sparse

from autonas.blocks.nb_weights import class_indicators
from autonas.graph.context import input_profile, refit_rows

logger = logging.getLogger("autonas")

#: how the n-gram family's linear model may be fitted: by the trial's gradient descent, or solved
#: (squared hinge: a linear SVM; logistic: logistic regression), both L2-regularised.
SOLVERS = ("gradient", "squared_hinge", "logistic")
#: the inverse regularisation strengths searched for a solved linear model (scikit-learn's ``C``).
SOLVER_C = (0.1, 1.0, 10.0, 100.0)
#: texts turned into feature rows at once.
BATCH = 512
#: folds of the out-of-fold decision values that set the temperature.
FOLDS = 3
#: temperatures tried (log-spaced).
TEMPERATURES = np.exp(np.linspace(np.log(0.05), np.log(50.0), 61))

_FITTED = "_autonas_fitted_logits"



def mark_fitted_logits(tensor):
    """Mark a symbolic tensor as the solved logits of a classifier (a head then only applies its activation)."""
    setattr(tensor, _FITTED, True)
    return tensor


def is_fitted_logits(tensor):
    """Whether `tensor` was marked by `mark_fitted_logits`."""
    return bool(getattr(tensor, _FITTED, False))


def _estimator(solver, c):
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if solver == "squared_hinge":
        return LinearSVC(C=c)
    return LogisticRegression(C=c, max_iter=1000)


def _fit(solver, c, x, y):
    """The solver's model of `x`; stopping at its iteration limit is logged, not warned."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = _estimator(solver, c).fit(x, y)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        logger.debug("The %s solver (C=%g) stopped at its iteration limit before converging.", solver, c)
    return model


def _decision(model, x):
    d = np.asarray(model.decision_function(x), dtype="float64")
    return d.reshape(len(d), -1)


def solve(features, targets, solver, c):
    """Solve the regularised linear model; returns ``(kernel (features, units), bias (units,), temperature)``.

    Args:
        features: a SciPy sparse ``(texts, features)`` matrix.
        targets: the head's encoded targets (0/1 floats, class indices, or a multi-label 0/1 matrix).
        solver: ``"squared_hinge"`` or ``"logistic"``.
        c: the inverse regularisation strength.

    Returns:
        The kernel and bias of the decision values (one unit for two classes,
        one per class otherwise) and the temperature that scales them.

    Example:
        >>> solve(scipy.sparse.eye(4, format="csr"), np.array([0.0, 1.0, 0.0, 1.0]), "logistic", 1.0)[0].shape
        (4, 1)
    """
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(targets)
    multi_label = y.ndim == 2 and y.shape[1] > 1
    columns = [class_indicators(y)[:, j] for j in range(y.shape[1])] if multi_label else [y.reshape(-1)]
    kernels, biases, oof, labels = [], [], [], []
    for column in columns:
        classes = np.unique(column)
        if len(classes) < 2:  # one class in the training split: a constant decision
            sign = 1.0 if len(classes) and float(classes[0]) > 0.5 else -1.0
            kernels.append(np.zeros((features.shape[1], 1)))
            biases.append(np.array([sign]))
            oof.append(np.full((len(column), 1), sign))
            labels.append(column)
            continue
        model = _fit(solver, c, features, column)
        kernels.append(model.coef_.T)
        biases.append(np.asarray(model.intercept_).reshape(-1))
        counts = np.bincount(np.unique(column, return_inverse=True)[1])
        folds = min(FOLDS, int(counts.min()))
        d = np.zeros((len(column), kernels[-1].shape[1]))
        if folds >= 2:
            for learn, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(features, column):
                if len(np.unique(column[learn])) == len(classes):
                    d[held] = _decision(_fit(solver, c, features[learn], column[learn]), features[held])
        else:
            d = _decision(model, features)
        oof.append(d)
        labels.append(column)
    kernel, bias = np.concatenate(kernels, axis=1), np.concatenate(biases)
    temperature = _temperature(oof, labels, multi_label or kernel.shape[1] == 1)
    return kernel.astype("float32"), bias.astype("float32"), float(temperature)


def _temperature(oof, labels, sigmoid):
    """The temperature of the least out-of-fold log loss."""
    losses = []
    for t in TEMPERATURES:
        loss = 0.0
        for d, y in zip(oof, labels):
            z = d * t
            if sigmoid:
                y1 = (np.asarray(y, dtype="float64").reshape(len(z), -1) > 0.5)
                loss += float(np.mean(np.logaddexp(0.0, -z) * y1 + np.logaddexp(0.0, z) * (~y1)))
            else:
                index = np.unique(y, return_inverse=True)[1]
                z = z - z.max(axis=1, keepdims=True)
                loss += float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(z)), index]))
        losses.append(loss)
    return TEMPERATURES[int(np.argmin(losses))]


def fitted_logits(node, inputs, features, solver, c, key):
    """The solved linear model's scaled decision values on `features`, a frozen Dense layer.

    Args:
        node: the `TextInput` (its profile holds the training texts and their encoded labels).
        inputs: the symbolic raw-string input the features are computed from.
        features: the symbolic n-gram feature vector.
        solver: ``"squared_hinge"`` or ``"logistic"``.
        c: the inverse regularisation strength.
        key: a hashable description of the features (the solution is kept per fit under it).

    Returns:
        A symbolic ``(batch, units)`` tensor, marked with `mark_fitted_logits`.

    Example:
        >>> logits = fitted_logits(node, inputs, x, "squared_hinge", 1.0, ("nb", 2, 4, 10000))  # doctest: +SKIP
    """
    profile = input_profile(node, "solve a linear model on")
    if profile.targets is None:
        raise ValueError(
            f"A solved linear model of input {getattr(node, 'name', node)!r} needs the class labels of its "
            "training texts: use it with a classification head (a TextClassifier), or "
            "`ngram_solver='gradient'`."
        )

    examples, targets, rows = profile.examples, profile.targets, ()
    refit = refit_rows(node)
    if refit is not None:  # a refit: solved on all its rows, as a network refits on them
        (examples, targets), rows = refit, ("all rows", len(refit[1]))

    def compute():
        feature_model = keras.Model(inputs, features)
        texts = np.asarray([str(t) for t in np.asarray(examples).reshape(-1)], dtype=object)
        shape = (-1,) + tuple(int(d) for d in inputs.shape[1:])
        matrix = [scipy.sparse.csr_matrix(np.asarray(keras.ops.convert_to_numpy(
            feature_model(texts[i:i + BATCH].reshape(shape))))) for i in range(0, len(texts), BATCH)]
        solution = solve(scipy.sparse.vstack(matrix).tocsr(), targets, solver, c)
        logger.debug("Solved a %s linear model (C=%g) of %d n-gram features on %d texts; temperature %.3g.",
                     solver, c, solution[0].shape[0], len(texts), solution[2])
        return solution

    kernel, bias, temperature = profile.learn(("linear_solution", solver, float(c)) + tuple(key) + rows, compute)
    layer = keras.layers.Dense(kernel.shape[1], trainable=False)
    out = layer(features)
    layer.set_weights([kernel * temperature, bias * temperature])
    return mark_fitted_logits(out)
