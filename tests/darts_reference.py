"""Tiny seeded DARTS searches whose results must not change when the code is reorganised.

`run(name)` runs one scenario through the public `DartsSearch` API only, so the same
script runs on any version of the library: ``tests/test_darts_reference.py`` compares
what the current code gives with ``tests/data/darts_reference.json``, which this script
wrote from the code before `DartsSearch` was split into modules::

    OLD=$(mktemp -d) && git archive <old commit> autonas | tar -x -C "$OLD"
    PYTHONPATH="$OLD" python tests/darts_reference.py --commit <old commit> tests/data/darts_reference.json
"""

import argparse
import json
import sys

import numpy as np

#: a cheap space with one convolution: the step machinery does not depend on which ops are searched
OPS = ["none", "skip_connect", "max_pool_3x3", "sep_conv_3x3"]
BASE = dict(channels=4, layers=3, nodes=2, candidates=OPS, stem_multiplier=1, seed=0, run_eagerly=True,
            patience=None, plot=False)
#: scenario -> (constructor arguments, images, epochs, batch size, what to run after `fit`)
SCENARIOS = {
    # the defaults' anti-collapse measures and a warm-up epoch; the split given explicitly
    "first_order": (dict(beta_decay=0.5, warmup_epochs=1, arch_learning_rate=0.05), 128, 2, 32, ()),
    # the split drawn by `fit` (validation_split=0.5)
    "split": (dict(arch_learning_rate=0.05), 128, 1, 32, ()),
    "regression": (dict(task="regression", arch_learning_rate=0.05), 64, 1, 16, ()),
    "second_order": (dict(order=2, arch_learning_rate=0.05), 64, 1, 16, ()),
    # compiled steps (the reference was written eagerly and the compiled run gives it within TOLERANCE): its
    # ~80 supernet evaluations cost 73 CPU s eagerly, 39 compiled; the other scenarios keep the eager path
    "selection": (dict(arch_learning_rate=0.05, max_skip=None, run_eagerly=False), 160, 2, 32,
                  ("perturbation", "progressive", "select")),
}
FAST = ("first_order", "split", "regression")


def digits():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return x.reshape(-1, 8, 8).astype("float32") / 16.0, y


def _rows(array):
    return [[float(v) if np.isfinite(v) else None for v in row] for row in np.asarray(array, dtype=np.float64)]


def run(name):
    """Run scenario `name`; returns a JSON-ready dict of what it produced."""
    import keras

    from autonas.darts import DartsSearch

    kwargs, n, epochs, batch_size, after = SCENARIOS[name]
    keras.backend.clear_session()
    x, y = digits()
    x, y = x[:n], y[:n]
    if kwargs.get("task") == "regression":
        y = y.astype("float32") * 10.0
    search = DartsSearch(**{**BASE, **kwargs})
    if name == "split":
        data = dict(x=x, y=y, validation_split=0.5)
    else:  # halves in order: the two sets DARTS trains weights and alphas on
        data = dict(x=x[: n // 2], y=y[: n // 2], validation_data=(x[n // 2:], y[n // 2:]))
    genotype = search.fit(**data, epochs=epochs, batch_size=batch_size, verbose=0)
    out = {
        "genotype": genotype.to_dict(),
        "epochs": [{"normal": r["normal"], "reduce": r["reduce"], "train_loss": r["train_loss"],
                    "val_loss": r["val_loss"], "genotype": r["genotype"]} for r in search.history],
        "derived": [g.to_dict() for g in search.derived_genotypes(max_parameter_free=(None, 0))],
    }
    if "perturbation" in after:
        scores = search.perturbation_scores(**data, max_images=48, batch_size=48)
        out["perturbation"] = {kind: _rows(v) for kind, v in scores.items()}
        out["perturbation_genotype"] = search.perturbation_genotype().to_dict()
    if "progressive" in after:
        scores = search.progressive_perturbation(**data, max_images=48, batch_size=48, fine_tune_steps=2,
                                                 train_batch_size=16)
        out["progressive"] = {kind: _rows(v) for kind, v in scores.items()}
        out["decisions"] = search.perturbation_["decisions"]
        out["progressive_genotype"] = search.perturbation_genotype(max_parameter_free=1).to_dict()
        out["weights_after"] = {kind: _rows(v) for kind, v in search.op_weights().items()}
    if "select" in after:
        pool = [search.perturbation_genotype()]
        chosen = search.select(**data, candidates=2, epochs=1, batch_size=16, verbose=0, genotypes=pool)
        out["selection"] = [s["val_accuracy"] for s in search.selection_]
        out["selected"] = chosen.to_dict()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="the JSON file to write")
    parser.add_argument("--commit", help="the commit whose code ran (recorded in the file)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args(argv)
    results = {"generated_by": "tests/darts_reference.py", "commit": args.commit,
               "scenarios": {name: run(name) for name in args.scenarios.split(",")}}
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
