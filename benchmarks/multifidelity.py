"""Hyperband-evolution against Hyperband and aging evolution on a real task, at equal wall time.

Each strategy searches the same image-classification space (a vanilla convnet
``ImageBlock``: kernel size, stages, convolutions per stage, filters, pooling,
separable convolutions, dropout, normalization, plus the optimizer settings)
for the same wall-clock budget, then the winner is refit and evaluated on
held-out images. Data: scikit-learn's digits (1,797 8x8 images, bundled) or the
MNIST test set (10,000 28x28 digits from ../shared/data/mnist-t10k). Seeds are
interleaved across strategies so that changes in machine load spread evenly.

Usage (from the repository root):

    python benchmarks/multifidelity.py --dataset digits --budget 300 --seeds 3 --epochs 9

Prints, per strategy: trials run, best validation accuracy found during the
search and held-out accuracy of the refit winner (mean +- std over seeds).
"""

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "mnist-t10k"


def load_mnist_t10k(folder):
    """Images (n, 28, 28) uint8 and labels (n,) from the gzipped IDX files."""
    import numpy as np

    with gzip.open(Path(folder) / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(Path(folder) / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return images, labels


def run_one(strategy, seed, data, budget, epochs, n_train, directory):
    import numpy as np

    import autonas

    images, labels = data
    order = np.random.default_rng(seed).permutation(len(images))
    train, test = order[:n_train], order[n_train:]
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.ImageBlock(block_type="vanilla", augment=False)(inp))
    model = autonas.AutoModel(inputs=inp, outputs=out, tuner=strategy, max_trials=1000, max_time=budget,
                              seed=seed, directory=directory, project_name=f"{strategy}-{seed}", overwrite=True)
    start = time.time()
    model.fit(images[train], labels[train], epochs=epochs, validation_split=0.25, verbose=0)
    oracle = model.tuner_.oracle
    completed = [t for t in oracle.trials.values() if t.status == "COMPLETED"]
    accuracy = float(np.mean(model.predict(images[test]) == labels[test]))
    return {"strategy": strategy, "seed": seed, "trials": len(oracle.trials),
            "epochs_trained": sum(model.tuner_.trial_info(t.trial_id).get("epochs_trained", 0) for t in completed),
            "best_val": max(t.score for t in completed), "test_accuracy": accuracy,
            "seconds": time.time() - start}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=["digits", "mnist"], default="digits")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder with the mnist-t10k IDX files")
    parser.add_argument("--strategies", nargs="+", default=["hyperband", "hyperband-evolution", "evolution"])
    parser.add_argument("--budget", type=float, default=240, help="search seconds per run")
    parser.add_argument("--epochs", type=int, default=9, help="epochs per trial (Hyperband's max_epochs)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--train", type=int, default=None,
                        help="images used for the search, the rest held out (default: 1200 digits / 4000 MNIST)")
    args = parser.parse_args(argv)
    import numpy as np

    if args.dataset == "mnist":
        if not (Path(args.data) / "t10k-images-idx3-ubyte.gz").exists():
            print(f"SKIPPED: mnist-t10k not found in {args.data} (pass --data FOLDER).")
            return 0
        data = load_mnist_t10k(args.data)
        args.train = args.train or 4000
    else:
        from sklearn.datasets import load_digits

        digits = load_digits()
        data = (digits.images, digits.target)
        args.train = args.train or 1200
    directory = tempfile.mkdtemp(prefix="autonas-multifidelity-")
    rows = []
    try:
        for seed in range(1, args.seeds + 1):
            for strategy in args.strategies:
                row = run_one(strategy, seed, data, args.budget, args.epochs, args.train, directory)
                rows.append(row)
                print(f"  {strategy} seed {seed}: {row['trials']} trials, {row['epochs_trained']} epochs, "
                      f"best val {row['best_val']:.4f}, held-out {row['test_accuracy']:.4f}, "
                      f"{row['seconds']:.0f} s", flush=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print("\n| strategy | trials | epochs trained | best val_accuracy | held-out accuracy of the refit winner |")
    print("|---|---|---|---|---|")
    for strategy in args.strategies:
        r = [x for x in rows if x["strategy"] == strategy]
        print(f"| {strategy} | {np.mean([x['trials'] for x in r]):.1f} | "
              f"{np.mean([x['epochs_trained'] for x in r]):.0f} | "
              f"{np.mean([x['best_val'] for x in r]):.4f} ± {np.std([x['best_val'] for x in r]):.4f} | "
              f"{np.mean([x['test_accuracy'] for x in r]):.4f} ± {np.std([x['test_accuracy'] for x in r]):.4f} |")
    print(f"\n{args.dataset}: {args.seeds} seeds, {args.budget:.0f} s of search each, {args.epochs} epochs per full trial, "
          f"{args.train} training images (25% of them for validation), "
          f"{len(data[0]) - args.train} held out.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
