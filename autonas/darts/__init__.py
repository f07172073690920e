"""DARTS: differentiable architecture search (arXiv 1806.09055) for image classifiers.

The pieces, in the order a search uses them:

- `MixedOp`, `DartsCell`: the searchable edge and cell (Keras layers, `keras.ops`
  only, TensorFlow and JAX backends);
- `Supernet`: stem, cells and head, owning the two architecture matrices;
- `DartsSearch`: the bi-level search with DARTS- / beta-decay anti-collapse,
  early stopping on a stable genotype and a skip cap;
- `Genotype`, `derive_genotype`, `random_genotype`: the discrete result, JSON;
- `FixedCell`, `build_network`, `stack_cells`: the derived network, trained
  from scratch like any other trial;
- `plot_alpha_history`, `plot_cell` (in `autonas.darts.report`): pictures.

Example:
    >>> from autonas.darts import DartsSearch
    >>> search = DartsSearch(channels=8, layers=5, nodes=4, directory="runs/darts")  # doctest: +SKIP
    >>> genotype = search.fit(x_train, y_train, epochs=20)                          # doctest: +SKIP
    >>> model = search.build_network(channels=16, layers=8)                          # doctest: +SKIP
"""

from autonas.darts.cell import DartsCell
from autonas.darts.fixed_cell import FixedCell
from autonas.darts.genotype import Genotype, derive_cell, derive_genotype, edge_list, num_edges, random_genotype
from autonas.darts.mixed_op import MixedOp
from autonas.darts.network import build_network, stack_cells
from autonas.darts.ops import DEFAULT_CANDIDATES, OPERATIONS, make_op
from autonas.darts.search import DartsSearch, load_genotype
from autonas.darts.supernet import Supernet, cell_plan

__all__ = [
    "DEFAULT_CANDIDATES", "OPERATIONS", "DartsCell", "DartsSearch", "FixedCell", "Genotype", "MixedOp", "Supernet",
    "build_network", "cell_plan", "derive_cell", "derive_genotype", "edge_list", "load_genotype", "make_op",
    "num_edges", "random_genotype", "stack_cells",
]
