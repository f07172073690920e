"""DARTS: differentiable architecture search (arXiv 1806.09055) for image classifiers.

The pieces, in the order a search uses them:

- `MixedOp`, `DartsCell`: the searchable edge and cell (Keras layers, `keras.ops`
  only, TensorFlow and JAX backends);
- `Supernet`: stem, cells and head, owning the two architecture matrices;
- `DartsSearch`: the search, configured by `SupernetConfig`, `WeightConfig`,
  `ArchConfig` and `SelectionConfig` (`autonas.darts.config`), made of parts:
  `autonas.darts.bilevel` (the bi-level training with DARTS- / beta-decay
  anti-collapse), `autonas.darts.derivation` (genotypes from the alphas, skip
  caps, early stopping on a stable genotype), `autonas.darts.perturbation` and
  `autonas.darts.selection` (choosing among cells: DARTS-PT, the selection step)
  and `autonas.darts.report` (``alphas.json``, ``genotype.json``, pictures);
- `Genotype`, `derive_genotype`, `random_genotype`: the discrete result, JSON;
- `FixedCell`, `build_network`, `stack_cells`: the derived network, trained
  from scratch like any other trial (`train_network`: the DARTS retraining recipe);
- `plot_alpha_history`, `plot_cell` (in `autonas.darts.report`): pictures;
- `DartsBlock`: the cell network as a block of a search graph (its cells are
  hyperparameters), and `autonas.darts.tuner.DartsTuner`, which runs the
  supernet search for ``AutoModel(..., tuner="darts")`` and the image tasks.

Example:
    >>> from autonas.darts import DartsSearch
    >>> search = DartsSearch(channels=8, layers=5, nodes=4, directory="runs/darts")  # doctest: +SKIP
    >>> genotype = search.fit(x_train, y_train, epochs=20)                          # doctest: +SKIP
    >>> model = search.build_network(channels=16, layers=8)                          # doctest: +SKIP
"""

from autonas.darts.block import DartsBlock, genotype_to_hp_values
from autonas.darts.candidates import DEFAULT_CANDIDATES, OPERATIONS
from autonas.darts.cell import DartsCell
from autonas.darts.config import ArchConfig, SelectionConfig, SupernetConfig, WeightConfig
from autonas.darts.derivation import derive_cell, derive_genotype
from autonas.darts.fixed_cell import FixedCell
from autonas.darts.genotype import DARTS_V2, Genotype, edge_list, num_edges, random_genotype
from autonas.darts.mixed_op import MixedOp
from autonas.darts.network import build_network, stack_cells, train_network
from autonas.darts.ops import make_op
from autonas.darts.search import DartsSearch, load_genotype
from autonas.darts.supernet import Supernet, cell_plan

__all__ = [
    "DARTS_V2", "DEFAULT_CANDIDATES", "OPERATIONS", "ArchConfig", "DartsBlock", "DartsCell", "DartsSearch",
    "FixedCell", "Genotype", "MixedOp", "SelectionConfig", "Supernet", "SupernetConfig", "WeightConfig",
    "build_network", "cell_plan", "derive_cell", "derive_genotype", "edge_list", "genotype_to_hp_values",
    "load_genotype", "make_op",
    "num_edges", "random_genotype", "stack_cells", "train_network",
]
