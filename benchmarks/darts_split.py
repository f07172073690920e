"""DARTS with the split `DartsSearch` draws against the split `autonas.data` would draw.

``DartsSearch.fit(x, y, validation_split=0.5)`` splits with a seeded permutation cut in
two. Issue 22 asked it to reuse `autonas.data.split_validation` (stratified on the
labels, as `AutoModel` splits); that split puts other images in each half for the
same seed, so every seeded search would derive other cells than before. This measures
whether switching would change anything on average (it was kept as it is: the same
results before and after DARTS was split into modules).

Data: scikit-learn digits (1,797 8x8 images) shuffled with seed 0; the first 1,400 are
searched on (split in halves by one rule or the other), the last 397 are a test set
neither rule sees. Per seed and rule: a first-order supernet search (8 channels, 3
cells, 2 nodes, 5 candidate operations, 6 epochs, the first 2 weights only), then the
derived network (16 channels, 3 cells) trained from scratch on the 1,400 images for 10
epochs (`train_network`) and scored on the test set.

Run from the repository root:

    python benchmarks/darts_split.py --seeds 0,1,2
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OPS = ["none", "skip_connect", "max_pool_3x3", "sep_conv_3x3", "dil_conv_3x3"]


def data_split(y, seed):
    """`autonas.data.split_validation`'s halves (stratified), the validation half shuffled."""
    from autonas.data import split_validation

    train, val = split_validation(len(y), 0.5, seed, stratify=y)
    return train, np.random.default_rng(seed).permutation(val)


def run(seed, rule, x, y, x_test, y_test, epochs):
    import keras

    from autonas.darts import DartsSearch, train_network

    keras.backend.clear_session()
    search = DartsSearch(channels=8, layers=3, nodes=2, candidates=OPS, stem_multiplier=1, seed=seed,
                         warmup_epochs=2, arch_learning_rate=3e-3, patience=None, plot=False)
    start = time.time()
    if rule == "DartsSearch":
        genotype = search.fit(x, y, epochs=epochs, batch_size=64, validation_split=0.5, verbose=0)
    else:
        train, val = data_split(y, seed)
        genotype = search.fit(x[train], y[train], validation_data=(x[val], y[val]), epochs=epochs, batch_size=64,
                              verbose=0)
    search_s = time.time() - start
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = train_network(search.build_network(channels=16, layers=3, genotype=genotype), x, y, 10, 64, 0.05)
    accuracy = float(model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"])
    return {"seed": seed, "rule": rule, "supernet_val_accuracy": search.history[-1]["val_accuracy"],
            "test_accuracy": accuracy, "search_s": search_s, "skips": genotype.count("skip_connect"),
            "genotype": genotype.to_dict()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", default=None, help="write the rows as JSON here")
    args = parser.parse_args(argv)
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(images))
    images = images.reshape(-1, 8, 8).astype("float32")[order]
    labels = labels[order]
    x, y, x_test, y_test = images[:1400], labels[:1400], images[1400:], labels[1400:]
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        for rule in ("autonas.data", "DartsSearch"):
            rows.append(run(seed, rule, x, y, x_test, y_test, args.epochs))
            r = rows[-1]
            print(f"seed {seed} split {rule:12s}: supernet val accuracy {r['supernet_val_accuracy']:.4f}, "
                  f"test accuracy of the derived network {r['test_accuracy']:.4f}, search {r['search_s']:.0f}s, "
                  f"skips {r['skips']}", flush=True)
    for rule in ("autonas.data", "DartsSearch"):
        for key in ("supernet_val_accuracy", "test_accuracy"):
            values = np.array([r[key] for r in rows if r["rule"] == rule])
            print(f"{rule:12s} {key}: {values.mean():.4f} ± {values.std(ddof=1) if len(values) > 1 else 0:.4f}")
    same = sum(a["genotype"] == b["genotype"] for a, b in zip(rows[::2], rows[1::2]))
    print(f"same genotype under both splits: {same} of {len(rows) // 2} seeds")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
