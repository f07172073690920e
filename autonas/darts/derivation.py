"""Derivation: from the softmax weights of the architecture parameters to a discrete `Genotype`.

For each intermediate node keep the two incoming edges whose strongest non-``none``
weight is largest, each with that operation (arXiv 1806.09055, section 2.4); optional
caps on skip connections and on parameter-free operations ban the weakest such choice
and derive again. `derived_genotypes` re-derives the genotypes a search went through,
epoch by epoch, for the selection step.
"""

import logging

import numpy as np

from autonas.darts.genotype import Genotype, num_edges

logger = logging.getLogger("autonas")


def _derive_cell(weights, candidates, nodes, banned):
    """Top-2 non-none edges per node, each with its argmax non-none op."""
    pairs = []
    start = 0
    for node in range(nodes):
        rows = []
        for src in range(node + 2):
            row = weights[start + src]
            best, best_w = None, -np.inf
            for k, name in enumerate(candidates):
                if name == "none" or (start + src, name) in banned:
                    continue
                if row[k] > best_w:
                    best, best_w = name, row[k]
            rows.append((best_w, src, best))
        rows = [r for r in rows if r[2] is not None]
        if len(rows) < 2:
            return None
        # strongest first; ties broken towards the earlier source (stable sort)
        chosen = sorted(rows, key=lambda r: -r[0])[:2]
        chosen.sort(key=lambda r: r[1])
        pairs.extend((op, src) for _, src, op in chosen)
        start += node + 2
    return pairs


#: operations without weights: a cell built only of these cannot learn features.
PARAMETER_FREE = ("skip_connect", "max_pool_3x3", "avg_pool_3x3")


def derive_cell(weights, candidates, max_skip=None, max_parameter_free=None):
    """Derive one discrete cell from its softmax weights.

    For each intermediate node keep the two incoming edges whose strongest
    non-``none`` weight is largest, each with that operation. With `max_skip`,
    while the cell has more ``skip_connect`` edges than allowed, the weakest
    chosen skip is banned on its edge and the cell is derived again, so the
    edge either takes its next-best operation or gives way to another edge.
    `max_parameter_free` caps skips and poolings together the same way (the
    weakest chosen one is banned first), so that a search whose alphas drifted
    to parameter-free operations still yields a cell that learns features.

    Args:
        weights: array of shape ``(num_edges, len(candidates))``, rows summing to 1.
        candidates: the operation names of the columns.
        max_skip: at most this many ``skip_connect`` edges; None for no cap.
        max_parameter_free: at most this many edges with a `PARAMETER_FREE`
            operation; None for no cap.

    Returns:
        A list of ``(operation, source)`` pairs, two per node.

    Example:
        >>> w = np.full((5, 3), 1 / 3)
        >>> derive_cell(w, ["none", "skip_connect", "sep_conv_3x3"])  # doctest: +SKIP
    """
    weights = np.asarray(weights, dtype=np.float64)
    candidates = list(candidates)
    if weights.ndim != 2 or weights.shape[1] != len(candidates):
        raise ValueError(
            f"`weights` must have shape (edges, {len(candidates)}) to match `candidates`; received {weights.shape}."
        )
    nodes = _nodes_for_edges(weights.shape[0])
    banned = set()
    pairs = _derive_cell(weights, candidates, nodes, banned)
    if pairs is None:
        raise ValueError("`candidates` leave fewer than two usable edges for some node.")
    caps = [(("skip_connect",), max_skip, "max_skip"), (PARAMETER_FREE, max_parameter_free, "max_parameter_free")]
    while True:
        over = [(ops, name, cap) for ops, cap, name in caps
                if cap is not None and sum(op in ops for op, _ in pairs) > cap]
        if not over:
            break
        ops, name, cap = over[0]
        chosen = []
        for k, (op, src) in enumerate(pairs):
            if op in ops:
                edge = _edge_index(k // 2, src)
                chosen.append((weights[edge, candidates.index(op)], edge, op))
        _, weakest, op = min(chosen)
        banned.add((weakest, op))
        new_pairs = _derive_cell(weights, candidates, nodes, banned)
        if new_pairs is None:
            logger.warning("Cannot bring the cell down to %s=%s with these candidates.", name, cap)
            break
        pairs = new_pairs
    return pairs


def derive_genotype(normal_weights, reduce_weights, candidates, max_skip=2, max_parameter_free=None):
    """Derive a `Genotype` from the softmax weights of both cell kinds.

    Args:
        normal_weights: ``(num_edges, len(candidates))`` array for normal cells.
        reduce_weights: the same for reduction cells.
        candidates: the operation names of the columns.
        max_skip: cap on ``skip_connect`` edges in the normal cell (None: no cap).
        max_parameter_free: cap on skip and pooling edges together in the
            normal cell (None: no cap).

    Returns:
        A `Genotype` with exactly two inputs per node and no ``none``.

    Example:
        >>> g = derive_genotype(np.random.dirichlet(np.ones(8), 14),
        ...                     np.random.dirichlet(np.ones(8), 14),
        ...                     DEFAULT_CANDIDATES)  # doctest: +SKIP
    """
    for name, cap in (("max_skip", max_skip), ("max_parameter_free", max_parameter_free)):
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
            raise ValueError(f"`{name}` must be a non-negative integer or None; received {cap!r}.")
    return Genotype(
        normal=derive_cell(normal_weights, candidates, max_skip=max_skip, max_parameter_free=max_parameter_free),
        reduce=derive_cell(reduce_weights, candidates, max_skip=None),
    )




def _edge_index(node, src):
    return node * (node + 3) // 2 + src


def _nodes_for_edges(edges):
    nodes = 0
    while num_edges(nodes) < edges:
        nodes += 1
    if num_edges(nodes) != edges:
        raise ValueError(f"`weights` has {edges} rows; a cell has N (N + 3) / 2 edges (5, 9, 14, 20, ...).")
    return nodes


def check_caps(max_parameter_free):
    """Validate the caps `derived_genotypes` derives with.

    Args:
        max_parameter_free: a sequence of non-negative integers or None.

    Returns:
        The caps as a tuple.

    Example:
        >>> check_caps([None, 2, 0])
        (None, 2, 0)
    """
    caps = tuple(max_parameter_free)
    for cap in caps:
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
            raise ValueError("`max_parameter_free` must hold non-negative integers or None; received "
                             f"{max_parameter_free!r}.")
    return caps


def derived_genotypes(history, candidates, max_skip=None, max_parameter_free=(None,)):
    """The distinct genotypes derived at the end of a search's architecture epochs, the latest first.

    Args:
        history: the per-epoch records of a search (``DartsSearch.history``): each holds
            the softmax weights (``"normal"``, ``"reduce"``), the derived ``"genotype"``
            and ``"val_loss"`` (None for weight-only warm-up epochs).
        candidates: the operation names of the weight columns.
        max_skip: the search's cap on skips in the normal cell.
        max_parameter_free: caps to derive each epoch's cells with, in order. None is
            the genotype the search derived; an integer k re-derives both cells from
            that epoch's weights with at most k skip and pooling edges each.

    Returns:
        A list of distinct `Genotype`, empty for an empty history.

    Example:
        >>> derived_genotypes(search.history, search.candidates, 2, (None, 0))  # doctest: +SKIP
    """
    caps = check_caps(max_parameter_free)
    # weight-only warm-up epochs (no validation loss) derive from alphas that never moved
    searched = [r for r in history if r.get("val_loss") is not None] or history[-1:]
    found = []
    for record in reversed(searched):
        for cap in caps:
            if cap is None:
                genotype = Genotype.from_dict(record["genotype"])
            else:
                genotype = Genotype(
                    normal=derive_cell(record["normal"], candidates, max_skip=max_skip, max_parameter_free=cap),
                    reduce=derive_cell(record["reduce"], candidates, max_parameter_free=cap))
            if genotype not in found:
                found.append(genotype)
    return found


class StableGenotype:
    """Early stopping of a search: has the derived genotype stayed the same for `patience` epochs?

    Args:
        patience: consecutive unchanged architecture epochs that stop the search (None: never).

    Returns:
        A counter; `update` takes each architecture epoch's genotype.

    Example:
        >>> stop = StableGenotype(patience=2)
        >>> [stop.update(g) for g in ("a", "a", "b", "b", "b")]
        [False, False, False, False, True]
    """

    def __init__(self, patience):
        self.patience = patience
        self.stable = 0
        self.previous = None

    def update(self, genotype):
        """Count `genotype` (the latest derived one).

        Args:
            genotype: a `Genotype` (anything comparable).

        Returns:
            True once it has not changed for `patience` consecutive updates.

        Example:
            >>> StableGenotype(None).update("a")
            False
        """
        self.stable = self.stable + 1 if genotype == self.previous else 0
        self.previous = genotype
        return self.patience is not None and self.stable >= self.patience
