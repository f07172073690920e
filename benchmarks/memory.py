"""Resident memory over a long search in one process.

    python benchmarks/memory.py --trials 30

Prints the resident set size after each trial's training and the growth after
the third trial (the target is under 10%).
"""

import argparse
import gc
import os
import sys

import keras
import numpy as np


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


RSS = []


class Track(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        gc.collect()
        RSS.append(resident_bytes())


def main(argv=None):
    import tempfile

    from sklearn.datasets import load_digits

    import autonas

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    args = parser.parse_args(argv)
    d = load_digits()
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.ImageBlock(block_type="vanilla")(inp))
    with tempfile.TemporaryDirectory() as tmp:
        model = autonas.AutoModel(inp, out, max_trials=args.trials, seed=0, directory=tmp, overwrite=True)
        model.fit(d.images[:200], d.target[:200], epochs=1, verbose=0, callbacks=[Track()])
    trials = RSS[:-1]
    print("trial | RSS MiB")
    for i, value in enumerate(trials, 1):
        print(f"{i:5d} | {value / 2**20:8.1f}")
    growth = (max(trials[3:]) - trials[2]) / trials[2] if len(trials) > 3 else float("nan")
    print(f"growth after trial 3: {growth:.1%} (max {max(trials) / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    np.set_printoptions(precision=2)
    sys.exit(main())
