"""`Genotype`: a discrete DARTS cell pair (derived from the alphas by `autonas.darts.derivation`).

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

import numpy as np

from autonas.darts.candidates import check_candidates

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
