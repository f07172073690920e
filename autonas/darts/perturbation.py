"""Perturbation-based selection (DARTS-PT): what the trained supernet loses without each operation.

Wang et al., "Rethinking Architecture Selection in Differentiable NAS" (arXiv
2108.04392): the strength of an operation is what the supernet loses when that
operation alone is removed from its edge, not its alpha. The paper finds that alphas
overrate skip connections and that these scores do not. An operation is removed by
setting its alpha to -1e9 (the edge's other weights renormalise) and the supernet is
scored on validation images with batch statistics.

- `perturbation_scores`: every operation scored once on the trained supernet (no
  fine-tuning);
- `progressive_perturbation`: the paper's progressive form, edges decided one at a
  time with the weights fine-tuned after each decision, then the topology;
- `perturbation_genotype`: the genotype either set of scores gives.

Each works on a `autonas.darts.bilevel.BilevelTrainer` and returns a record (kept by
`DartsSearch` in ``perturbation_``).
"""

import logging
import time

import keras
import numpy as np
from keras import ops

from autonas.darts.derivation import derive_cell
from autonas.darts.genotype import CELL_KINDS, Genotype

logger = logging.getLogger("autonas")


def check_counts(**values):
    """Raise a ValueError naming the first of `values` that is not a positive integer.

    Args:
        **values: argument name -> value.

    Returns:
        None.

    Example:
        >>> check_counts(max_images=500, batch_size=64)
    """
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer; received {value!r}.")


def perturbation_scores(trainer, candidates, x_val, y_val, batch_size):
    """Score every operation of every edge by the loss its removal costs (DARTS-PT, no fine-tuning).

    Args:
        trainer: the `BilevelTrainer` of a trained supernet.
        candidates: the operation names of the alpha columns.
        x_val, y_val: standardised validation images and encoded labels.
        batch_size: images per forward pass.

    Returns:
        A record: ``loss_increase`` and ``accuracy_drop`` (``{"normal": array,
        "reduce": array}``, each ``(edges, candidates)``, ``nan`` for ``none``), the
        ``base_loss`` and ``base_accuracy``, ``images`` and ``seconds``.

    Example:
        >>> record = perturbation_scores(trainer, candidates, x_val, y_val, 500)  # doctest: +SKIP
    """
    score = trainer.scorer(x_val, y_val, batch_size)
    state = trainer.state
    start = time.time()
    base_loss, base_accuracy = score(state["a"])
    alphas = [keras.ops.convert_to_numpy(a) for a in state["a"]]
    losses, drops = {}, {}
    for k, kind in enumerate(CELL_KINDS):
        losses[kind] = np.full(alphas[k].shape, np.nan)
        drops[kind] = np.full(alphas[k].shape, np.nan)
        for edge in range(alphas[k].shape[0]):
            for op, name in enumerate(candidates):
                if name == "none":
                    continue
                masked = alphas[k].copy()
                masked[edge, op] = -1e9
                arch = list(state["a"])
                arch[k] = ops.convert_to_tensor(masked)
                loss, accuracy = score(arch)
                losses[kind][edge, op] = loss - base_loss
                drops[kind][edge, op] = base_accuracy - accuracy
    record = {"base_loss": base_loss, "base_accuracy": base_accuracy, "images": int(len(x_val)),
              "loss_increase": losses, "accuracy_drop": drops, "seconds": time.time() - start}
    logger.info("DARTS perturbation scores: %d supernet evaluations on %d images in %.1fs",
                1 + sum(int(np.isfinite(v).sum()) for v in losses.values()), len(x_val), record["seconds"])
    return record


def _fine_tune(trainer, x_train, y_train, batches, lr):
    """A function taking `steps` SGD steps of the weights, cycling through seeded batches."""
    steps_per_pass = max(1, len(x_train) // batches["size"])

    def run(steps):
        no_aux = ops.zeros((), "float32")
        for _ in range(steps):
            if batches["cursor"] >= steps_per_pass:
                batches["order"], batches["cursor"] = batches["rng"].permutation(len(x_train)), 0
            cursor, size = batches["cursor"], batches["size"]
            idx = batches["order"][cursor * size:(cursor + 1) * size]
            batches["cursor"] += 1
            trainer.weight_step(*trainer.batch(x_train[idx], y_train[idx]), lr, no_aux)

    return run


def progressive_perturbation(trainer, candidates, data, seed, max_images=500, batch_size=500, fine_tune_steps=16,
                             fine_tune_learning_rate=0.01, train_batch_size=64):
    """DARTS-PT with fine-tuning: decide the edges one at a time on the trained supernet.

    The edges of both cells are visited in a seeded random order; on each, every
    non-``none`` operation is removed in turn (alpha -1e9) and the one whose removal
    raises the validation cross-entropy most is kept; the edge is discretised to it
    (its softmax becomes one-hot) and the weights are fine-tuned for `fine_tune_steps`
    SGD steps on the training split before the next edge, so that the remaining
    decisions see a supernet adapted to the earlier ones. Then the topology: on the
    discretised supernet each edge is removed in turn (only ``none`` left on it) and
    each node keeps the two edges whose removal costs most. The trained alphas are
    restored afterwards; the fine-tuned weights stay.

    Args:
        trainer: the `BilevelTrainer` of a trained supernet.
        candidates: the operation names (must include ``none``).
        data: the search's standardised `SearchData`.
        seed: seed of the edge order and of the fine-tuning batches.
        max_images: score on at most this many validation images (the first ones).
        batch_size: images per scoring forward pass.
        fine_tune_steps: weight steps after each edge decision (0: none).
        fine_tune_learning_rate: SGD learning rate of those steps.
        train_batch_size: batch size of those steps.

    Returns:
        A record as `perturbation_scores`' with ``progressive``, ``fine_tune_steps`` and the
        ``decisions``; per edge, the kept operation's ``loss_increase`` column holds the
        loss increase when the whole edge is removed, the edge's other operations rank
        below it by their own scores (``-inf`` for ``none``).

    Example:
        >>> record = progressive_perturbation(trainer, candidates, data, seed=0)  # doctest: +SKIP
    """
    candidates = list(candidates)
    x_val, y_val = data.x_val[:max_images], data.y_val[:max_images]
    scorer = trainer.scorer(x_val, y_val, batch_size)
    state = trainer.state
    none = candidates.index("none")

    def score(alphas):
        return scorer([ops.convert_to_tensor(a.astype("float32")) for a in alphas])

    start = time.time()
    trained = list(state["a"])
    alphas = [keras.ops.convert_to_numpy(a).astype("float64") for a in trained]
    rng = np.random.default_rng(seed)
    edges = [(k, e) for k in range(2) for e in range(alphas[k].shape[0])]
    order = [edges[i] for i in rng.permutation(len(edges))]
    op_scores = [np.full(a.shape, -np.inf) for a in alphas]
    lr = ops.convert_to_tensor(np.float32(fine_tune_learning_rate))
    batches = {"rng": rng, "size": train_batch_size, "order": rng.permutation(len(data.x_train)), "cursor": 0}
    fine_tune = _fine_tune(trainer, data.x_train, data.y_train, batches, lr)
    evaluations, decisions = 0, []
    for k, edge in order:
        base_loss, _ = score(alphas)
        for op in range(len(candidates)):
            if op == none:
                continue
            masked = [a.copy() for a in alphas]
            masked[k][edge, op] = -1e9
            op_scores[k][edge, op] = score(masked)[0] - base_loss
            evaluations += 1
        chosen = int(np.argmax(op_scores[k][edge]))
        alphas[k][edge] = -1e9
        alphas[k][edge, chosen] = 0.0
        decisions.append({"cell": CELL_KINDS[k], "edge": int(edge), "op": candidates[chosen]})
        if fine_tune_steps:
            state["a"] = [ops.convert_to_tensor(a.astype("float32")) for a in alphas]
            fine_tune(fine_tune_steps)
    # topology: the cost of removing each (now single-operation) edge
    base_loss, base_accuracy = score(alphas)
    weights = {}
    for k, kind in enumerate(CELL_KINDS):
        cell = np.full(alphas[k].shape, -np.inf)
        for edge in range(alphas[k].shape[0]):
            removed = [a.copy() for a in alphas]
            removed[k][edge] = -1e9
            removed[k][edge, none] = 0.0
            cost = score(removed)[0] - base_loss
            evaluations += 1
            ranked = np.argsort(-op_scores[k][edge])  # the kept operation first
            for rank, op in enumerate(ranked):
                if op != none:
                    cell[edge, op] = cost - 1e-6 * rank
        weights[kind] = cell
    state["a"] = trained
    trainer.sync()
    record = {"progressive": True, "fine_tune_steps": fine_tune_steps, "base_loss": base_loss,
              "base_accuracy": base_accuracy, "images": int(len(x_val)), "decisions": decisions,
              "loss_increase": weights,
              "accuracy_drop": {kind: np.full(w.shape, np.nan) for kind, w in weights.items()},
              "seconds": time.time() - start}
    logger.info("DARTS progressive perturbation: %d edge decisions, %d supernet evaluations, %d fine-tuning "
                "steps each, %.1fs", len(decisions), evaluations, fine_tune_steps, record["seconds"])
    return record


def perturbation_genotype(record, candidates, max_skip=None, max_parameter_free=None):
    """The genotype a perturbation record gives: per node the two edges whose best operation
    the supernet needs most, each with that operation.

    Args:
        record: what `perturbation_scores` or `progressive_perturbation` returned.
        candidates: the operation names of the score columns.
        max_skip: cap on skips in the normal cell.
        max_parameter_free: at most this many skip and pooling edges in each cell.

    Returns:
        A `Genotype`.

    Example:
        >>> perturbation_genotype(record, candidates, max_skip=2)  # doctest: +SKIP
    """
    cells = {}
    for kind in CELL_KINDS:
        weights = np.nan_to_num(record["loss_increase"][kind], nan=-np.inf)
        cells[kind] = derive_cell(weights, candidates, max_skip=max_skip if kind == "normal" else None,
                                  max_parameter_free=max_parameter_free)
    return Genotype(**cells)

