"""`Genotype`: a discrete DARTS cell pair, and its derivation from architecture weights.

Pure Python and numpy: a genotype is plain data, written to and read from JSON,
never pickled.

Numbering follows the DARTS paper. In a cell with ``N`` intermediate nodes,
states ``0`` and ``1`` are the cell inputs (the outputs of the two previous
cells, ``c_{k-2}`` and ``c_{k-1}``) and intermediate node ``i`` (0-based) is
state ``i + 2``. Node ``i`` has one incoming edge from every earlier state, so
a cell has ``N (N + 3) / 2`` edges (14 for ``N = 4``), ordered node by node and,
within a node, by source state. The cell output concatenates all intermediate
nodes.
"""

import dataclasses
import json
import logging

import numpy as np

logger = logging.getLogger("autonas")

CELL_KINDS = ("normal", "reduce")


def num_edges(nodes):
    """Number of edges of a cell with `nodes` intermediate nodes.

    Args:
        nodes: number of intermediate nodes.

    Returns:
        ``nodes * (nodes + 3) // 2``.

    Example:
        >>> num_edges(4)
        14
    """
    return nodes * (nodes + 3) // 2


def edge_list(nodes):
    """The ``(node, source)`` pair of every edge, in edge order.

    Args:
        nodes: number of intermediate nodes.

    Returns:
        A list of ``(node, source)`` tuples; ``node`` is 0-based among the
        intermediate nodes, ``source`` is a state index (0 and 1 are the inputs).

    Example:
        >>> edge_list(2)
        [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)]
    """
    return [(i, j) for i in range(nodes) for j in range(i + 2)]


def state_name(index):
    """Readable name of a state: ``c_{k-2}``, ``c_{k-1}`` or the node number.

    Args:
        index: a state index.

    Returns:
        A string.

    Example:
        >>> state_name(0), state_name(3)
        ('c_{k-2}', '3')
    """
    return {0: "c_{k-2}", 1: "c_{k-1}"}.get(index, str(index))


@dataclasses.dataclass(frozen=True)
class Genotype:
    """A discrete architecture: the normal cell and the reduction cell.

    Each cell is a list of ``(operation, source)`` pairs, two per intermediate
    node in node order: intermediate node ``i`` (state ``i + 2``) sums
    ``operation(state[source])`` over its two pairs. The cell output is the
    concatenation of all intermediate nodes.

    Args:
        normal: pairs of the normal cell.
        reduce: pairs of the reduction cell (same number of nodes).

    Returns:
        A frozen, hashable dataclass; equal genotypes compare equal.

    Example:
        >>> g = Genotype(normal=[("sep_conv_3x3", 0), ("skip_connect", 1),
        ...                      ("sep_conv_3x3", 1), ("dil_conv_3x3", 2)],
        ...              reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1),
        ...                      ("skip_connect", 2), ("avg_pool_3x3", 0)])
        >>> Genotype.from_json(g.to_json()) == g
        True
    """

    normal: tuple
    reduce: tuple

    def __post_init__(self):
        for kind in CELL_KINDS:
            pairs = getattr(self, kind)
            try:
                pairs = tuple((str(op), int(src)) for op, src in pairs)
            except (TypeError, ValueError):
                raise TypeError(
                    f"`{kind}` must be a list of (operation, source) pairs; received {getattr(self, kind)!r}."
                ) from None
            object.__setattr__(self, kind, pairs)
            if not pairs or len(pairs) % 2:
                raise ValueError(f"`{kind}` must hold two (operation, source) pairs per node; received {len(pairs)}.")
            for k, (op, src) in enumerate(pairs):
                node = k // 2
                if op == "none":
                    raise ValueError(f"`{kind}` node {node + 2} uses the 'none' operation; a genotype has no 'none'.")
                if not 0 <= src < node + 2:
                    raise ValueError(
                        f"`{kind}` node {node + 2} takes input from state {src}; expected a state in "
                        f"0..{node + 1} (earlier states only)."
                    )
        if len(self.normal) != len(self.reduce):
            raise ValueError(
                f"`normal` and `reduce` must have the same number of nodes; received {len(self.normal) // 2} "
                f"and {len(self.reduce) // 2}."
            )

    @property
    def nodes(self):
        """Number of intermediate nodes per cell.

        Returns:
            An int.

        Example:
            >>> DARTS_V2.nodes  # doctest: +SKIP
            4
        """
        return len(self.normal) // 2

    def cell(self, kind):
        """The pairs of one cell.

        Args:
            kind: ``"normal"`` or ``"reduce"``.

        Returns:
            A tuple of ``(operation, source)`` pairs.

        Example:
            >>> g.cell("reduce")[0]  # doctest: +SKIP
            ('max_pool_3x3', 0)
        """
        if kind not in CELL_KINDS:
            raise ValueError(f"`kind` must be 'normal' or 'reduce'; received {kind!r}.")
        return getattr(self, kind)

    def count(self, operation, kind="normal"):
        """How many edges of a cell use `operation`.

        Args:
            operation: an operation name, e.g. ``"skip_connect"``.
            kind: ``"normal"`` or ``"reduce"``.

        Returns:
            An int.

        Example:
            >>> g.count("skip_connect")  # doctest: +SKIP
            1
        """
        return sum(op == operation for op, _ in self.cell(kind))

    # -- JSON ---------------------------------------------------------------
    def to_dict(self):
        """The genotype as plain lists.

        Returns:
            A JSON-ready dict ``{"normal": [[op, src], ...], "reduce": [...]}``.

        Example:
            >>> Genotype.from_dict(g.to_dict()) == g  # doctest: +SKIP
            True
        """
        return {kind: [[op, src] for op, src in self.cell(kind)] for kind in CELL_KINDS}

    @classmethod
    def from_dict(cls, data):
        """Inverse of `to_dict`.

        Args:
            data: a dict with ``normal`` and ``reduce`` lists of pairs.

        Returns:
            A `Genotype`.

        Example:
            >>> Genotype.from_dict({"normal": [["skip_connect", 0], ["sep_conv_3x3", 1]],
            ...                     "reduce": [["max_pool_3x3", 0], ["max_pool_3x3", 1]]}).nodes
            1
        """
        if not isinstance(data, dict) or set(CELL_KINDS) - set(data):
            raise ValueError(f"`data` must be a dict with 'normal' and 'reduce' keys; received {data!r}.")
        return cls(normal=data["normal"], reduce=data["reduce"])

    def to_json(self):
        """The genotype as a JSON string.

        Returns:
            A string.

        Example:
            >>> Genotype.from_json(g.to_json())  # doctest: +SKIP
        """
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text):
        """Parse `to_json` output.

        Args:
            text: a JSON string.

        Returns:
            A `Genotype`.

        Example:
            >>> Genotype.from_json(g.to_json()) == g  # doctest: +SKIP
            True
        """
        try:
            data = json.loads(text)
        except (TypeError, json.JSONDecodeError) as e:
            raise ValueError(f"`text` must be a genotype JSON string; received {text!r} ({e}).") from None
        return cls.from_dict(data)

    # -- display ------------------------------------------------------------
    def describe(self):
        """A readable multi-line description of both cells.

        Returns:
            A string, one line per intermediate node.

        Example:
            >>> print(g.describe())  # doctest: +SKIP
            normal cell (output: concat of nodes 2..3)
              node 2 = sep_conv_3x3(c_{k-2}) + skip_connect(c_{k-1})
              ...
        """
        lines = []
        for kind in CELL_KINDS:
            pairs = self.cell(kind)
            lines.append(f"{kind} cell (output: concat of nodes 2..{self.nodes + 1})")
            for node in range(self.nodes):
                terms = " + ".join(f"{op}({state_name(src)})" for op, src in pairs[2 * node: 2 * node + 2])
                lines.append(f"  node {node + 2} = {terms}")
        return "\n".join(lines)

    def __str__(self):
        return self.describe()


#: The cells published in the DARTS paper (second order, CIFAR-10), a proven
#: default for four-node cells.
DARTS_V2 = Genotype(
    normal=[("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
            ("skip_connect", 0), ("sep_conv_3x3", 1), ("skip_connect", 0), ("dil_conv_3x3", 2)],
    reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1), ("max_pool_3x3", 1), ("skip_connect", 2),
            ("max_pool_3x3", 0), ("skip_connect", 2), ("max_pool_3x3", 1), ("skip_connect", 2)],
)


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


def random_genotype(nodes=4, candidates=None, seed=None):
    """A uniformly random genotype of the DARTS cell space.

    Each node takes two distinct earlier states, each through a random
    non-``none`` operation: the same space DARTS derives from.

    Args:
        nodes: intermediate nodes per cell.
        candidates: operation names; the DARTS set when None.
        seed: an int seed or a `numpy.random.Generator`.

    Returns:
        A `Genotype`.

    Example:
        >>> random_genotype(4, seed=0).nodes
        4
    """
    from autonas.darts.ops import check_candidates

    ops_ = [c for c in check_candidates(candidates) if c != "none"]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    cells = {}
    for kind in CELL_KINDS:
        pairs = []
        for node in range(nodes):
            sources = sorted(rng.choice(node + 2, size=2, replace=False).tolist())
            pairs.extend((ops_[int(rng.integers(len(ops_)))], int(s)) for s in sources)
        cells[kind] = pairs
    return Genotype(**cells)


def _edge_index(node, src):
    return node * (node + 3) // 2 + src


def _nodes_for_edges(edges):
    nodes = 0
    while num_edges(nodes) < edges:
        nodes += 1
    if num_edges(nodes) != edges:
        raise ValueError(f"`weights` has {edges} rows; a cell has N (N + 3) / 2 edges (5, 9, 14, 20, ...).")
    return nodes
