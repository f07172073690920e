"""The selection step: train a few candidate genotypes briefly from scratch and keep the best.

The DARTS paper (arXiv 1806.09055, section 3.2) trains several derived cells for a
short while and keeps the best on held-out data. The candidates are genotypes given
first (e.g. a perturbation-based one), then the distinct genotypes the search derived
at the end of its architecture epochs, the latest first. Each network trains with the
DARTS retraining recipe (`autonas.darts.network.train_network`: SGD, Nesterov momentum
0.9, cosine learning rate, weight decay 3e-4) on the search's training split and is
scored on its validation split.
"""

import logging
import time

import keras
import numpy as np

from autonas.darts.genotype import Genotype
from autonas.darts.network import train_network

logger = logging.getLogger("autonas")


def selection_pool(genotypes, derived, candidates):
    """The genotypes the selection trains: the given ones, then the derived ones, distinct, at most `candidates`.

    Args:
        genotypes: genotypes to put first (a list of `Genotype`, or None).
        derived: the search's derived genotypes, the latest first.
        candidates: the size of the pool.

    Returns:
        A list of distinct `Genotype`.

    Example:
        >>> selection_pool([g1], [g2, g1, g3], 2) == [g1, g2]  # doctest: +SKIP
        True
    """
    pool = []
    for genotype in list(genotypes or []) + list(derived):
        if not isinstance(genotype, Genotype):
            raise ValueError(f"`genotypes` must hold Genotype objects; received {type(genotype).__name__}.")
        if genotype not in pool:
            pool.append(genotype)
    return pool[:candidates]


def check_selection(candidates, epochs, batch_size, learning_rate):
    """Validate the settings of `train_candidates` (ValueError naming the argument).

    Args:
        candidates, epochs, batch_size: positive integers.
        learning_rate: a positive number.

    Returns:
        None.

    Example:
        >>> check_selection(4, 3, 64, 0.05)
    """
    for name, value in (("candidates", candidates), ("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer; received {value!r}.")
    if not isinstance(learning_rate, (int, float)) or learning_rate <= 0:
        raise ValueError(f"`learning_rate` must be a positive number; received {learning_rate!r}.")


def train_candidates(pool, build, data, epochs, batch_size, learning_rate, seed=None, verbose=1):
    """Train each genotype of `pool` from scratch and score it on the validation split.

    Args:
        pool: a list of `Genotype`.
        build: a function ``build(genotype) -> keras.Model`` (uncompiled, taking the
            images of `data` as they are).
        data: a `SearchData` (x_train, y_train, x_val, y_val).
        epochs, batch_size, learning_rate: the training of each candidate.
        seed: reseeds Keras before each candidate (None: not reseeded).
        verbose: 0 silent, 1 one log line per candidate.

    Returns:
        ``(best, scores)``: the index of the best candidate (ties: the first in the pool) and one
        ``{"genotype", "val_accuracy", "seconds"}`` dict per candidate.

    Example:
        >>> best, scores = train_candidates(pool, search.build_network, data, 3, 64, 0.05)  # doctest: +SKIP
    """
    scores = []
    for genotype in pool:
        began = time.time()
        keras.backend.clear_session()
        if seed is not None:
            keras.utils.set_random_seed(seed)
        model = train_network(build(genotype), data.x_train, data.y_train, epochs, batch_size, learning_rate)
        score = float(model.evaluate(data.x_val, data.y_val, batch_size=256, verbose=0, return_dict=True)["accuracy"])
        scores.append({"genotype": genotype.to_dict(), "val_accuracy": score, "seconds": time.time() - began})
        if verbose:
            logger.info("DARTS selection: candidate %d/%d, val accuracy %.4f, %.1fs", len(scores), len(pool),
                        score, scores[-1]["seconds"])
    keras.backend.clear_session()
    best = int(np.argmax([s["val_accuracy"] for s in scores]))  # ties: the latest derived genotype
    return best, scores
