# %% [markdown]
# # One-shot search with DARTS
#
# DARTS (Liu et al., 2019, "Differentiable Architecture Search") does not train one
# network per trial. It trains a single *supernet* in which every edge of a cell
# holds all candidate operations at once (convolutions, pooling, skip connections),
# mixed by softmax weights, the *architecture parameters* or alphas. Network weights
# and alphas are trained in alternation, on two halves of the training data. At the
# end, each node of the cell keeps its two strongest incoming operations: that
# discrete cell is the *genotype*. The network built from it is then trained from
# scratch like any other trial.
#
# In autonas this is one argument: `tuner="darts"` on any image task. The image
# block becomes a `DartsBlock` (a stack of DARTS cells); the supernet search runs
# before the trials; the derived network is trained, refitted and exported like any
# other model.
#
# This tutorial searches on scikit-learn's 8x8 digits, prints and draws the derived
# cells, and plots how the alphas evolved. Set `AUTONAS_TUTORIAL_FAST=1` for a quick
# run (a small slice, a small cell space, a couple of epochs).

# %% [markdown]
# Outside this repository (on Colab, in a fresh environment) install autonas first;
# `autonas[plot]` adds matplotlib for the plots. Skip this cell when autonas is installed.

# %% tags=["install"]
# %pip install --quiet "autonas[plot]"

# %%
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

import autonas
import autonas.darts
import autonas.darts.report
import autonas.search

FAST = os.environ.get("AUTONAS_TUTORIAL_FAST") == "1"
OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="autonas_06_"))
print(f"fast mode: {FAST}; outputs in {OUTPUT_DIR}")

digits = load_digits()
order = np.random.default_rng(0).permutation(len(digits.images))
images, labels = digits.images[order].astype("float32"), digits.target[order]
n_train = 400 if FAST else 1400
x_train, y_train = images[:n_train], labels[:n_train]
x_test, y_test = images[1400:], labels[1400:]
print(f"{len(x_train)} training and {len(x_test)} test images of shape {x_train.shape[1:]}")

# %% [markdown]
# ## 1. Search
#
# `tuner="darts"` uses the default DARTS settings: cells of 4 intermediate nodes
# choosing among 8 candidate operations, a supernet of 5 cells with 8 channels (a
# small proxy of the final network), first-order updates, at most 2 skip
# connections in the derived normal cell (skip connections are cheap to learn and
# tend to crowd out the rest), and early stopping once the derived cells have been
# stable for 3 epochs. The supernet trains for the `epochs` given to `fit`, within
# half of `max_time`; the rest of the budget trains the derived network.
#
# A supernet is heavy on a CPU (a GPU is where DARTS shines). For the quick run we
# search a much smaller cell space with the same machinery, built from blocks: a
# `DartsBlock` with 2 nodes per cell and 4 candidate operations, whose supernet
# settings live in an `autonas.search.DartsOracle`. With so little training the
# alphas barely move, so the quick run's genotype is close to arbitrary: it shows
# the workflow, not a good cell.

# %%
if FAST:
    inputs = autonas.ImageInput()
    cells = autonas.DartsBlock(channels=4, layers=3, nodes=2, stem_multiplier=1,
                               candidates=["none", "skip_connect", "max_pool_3x3", "sep_conv_3x3"])(inputs)
    outputs = autonas.ClassificationHead()(cells)
    clf = autonas.AutoModel(
        inputs, outputs,
        tuner=autonas.search.DartsOracle(epochs=2, channels=4, layers=3),
        max_trials=1, seed=0, directory=OUTPUT_DIR / "runs", project_name="darts_digits", overwrite=True,
    )
else:
    clf = autonas.ImageClassifier(
        tuner="darts", max_trials=1, max_time="30m", seed=0, directory=OUTPUT_DIR / "runs",
        project_name="darts_digits", overwrite=True,
    )
clf.fit(x_train, y_train, epochs=3 if FAST else 20, batch_size=64)

# %%
metrics = clf.evaluate(x_test, y_test)
print(f"test accuracy of the derived network: {metrics['accuracy']:.4f}")
print(f"{clf.export_model().count_params():,} parameters")


# %% [markdown]
# Expected output: fast mode trains the supernet and the derived network for a few
# steps only, `test accuracy of the derived network: 0.2267` (chance: 0.1); a full
# run is in benchmarks/RESULTS.md ("DARTS against random search at equal time").
# %% [markdown]
# ## 2. The derived genotype
#
# The search writes its results under `<project dir>/darts/`: `genotype.json`, the
# per-epoch alphas `alphas.json`, and pictures. `autonas.darts.load_genotype` reads
# the genotype back. Each intermediate node of a cell sums two operations applied
# to earlier states: `c_{k-2}` and `c_{k-1}` are the outputs of the two previous
# cells. A *normal* cell keeps the resolution; a *reduce* cell halves it.

# %%
darts_dir = Path(clf.tuner_.project_dir) / "darts"
genotype = autonas.darts.load_genotype(darts_dir)
print(genotype)
print(f"skip connections in the normal cell: {genotype.count('skip_connect', 'normal')}")

# %% [markdown]
# The trial trained exactly these cells: the genotype is pinned as the
# `DartsBlock`'s hyperparameters.

# %%
cell_values = {name: value for name, value in clf.best_trial_.hyperparameters.values.items()
               if "/normal/" in name or "/reduce/" in name}
for name, value in list(cell_values.items())[:6]:
    print(f"  {name:36s} {value}")
print(f"  ... {len(cell_values)} cell hyperparameters in all")

# %% [markdown]
# Draw both cells (boxes are states, arrows carry operations; skip connections
# in red):

# %%
for kind in ("normal", "reduce"):
    path = autonas.darts.report.plot_cell(genotype, kind, OUTPUT_DIR / f"{kind}_cell.png")
    print(f"{kind} cell drawn to {path}")

# %% [markdown]
# ## 3. How the alphas evolved
#
# One panel per edge of the cell, one line per candidate operation: its softmax
# weight after each supernet epoch. The derived cell keeps, per node, the two edges
# whose strongest operation (other than `none`) weighs most.

# %%
alpha_plot = autonas.darts.report.plot_alpha_history(darts_dir / "alphas.json", OUTPUT_DIR / "alphas.png")
print(f"alpha evolution plotted to {alpha_plot}")

alphas = json.loads((darts_dir / "alphas.json").read_text())
first, last = alphas["epochs"][0], alphas["epochs"][-1]
print(f"{len(alphas['epochs'])} supernet epochs; weights of the first normal-cell edge after the first and last epoch:")
for index, op in sorted(enumerate(alphas["candidates"]), key=lambda p: -last["normal"][0][p[0]]):
    print(f"  {op:14s} {first['normal'][0][index]:.4f} -> {last['normal'][0][index]:.4f}")
