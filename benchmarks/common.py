"""Helpers shared by the benchmark scripts: data loading, timing, and table rows."""

import gzip
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = []


def report(task, metric, autonas_value, autonas_seconds, baseline_name, baseline_value, baseline_seconds, note=""):
    """Print one table row (and keep it in `RESULTS`)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    row = (task, metric, autonas_value, autonas_seconds, baseline_name, baseline_value, baseline_seconds, load, note)
    RESULTS.append(row)
    print(f"| {task} | {metric} | {autonas_value:.4f} | {autonas_seconds:.0f}s | {baseline_name} | "
          f"{baseline_value:.4f} | {baseline_seconds:.1f}s | {load:.1f} | {note} |", flush=True)


def timed(fn):
    """``(fn(), seconds it took)``."""
    start = time.time()
    value = fn()
    return value, time.time() - start


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a, dtype="float64") - np.asarray(b, dtype="float64")) ** 2)))


def shuffled(n):
    """The fixed permutation every split of the task benchmarks uses (seed 0)."""
    return np.random.default_rng(0).permutation(n)


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    order = shuffled(len(d.images))
    return d.images[order], d.target[order]


def load_mnist():
    folder = SHARED / "mnist-t10k"
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    order = shuffled(len(images))
    return images[order], labels[order]


def load_sms():
    lines = (SHARED / "sms-spam" / "SMSSpamCollection").read_text(encoding="utf-8").splitlines()
    labels = np.array([line.split("\t", 1)[0] for line in lines], dtype=object)
    texts = np.array([line.split("\t", 1)[1] for line in lines], dtype=object)
    order = shuffled(len(texts))
    return texts[order], labels[order]


def load_titanic():
    import pandas as pd

    frame = pd.read_csv(SHARED / "titanic" / "train.csv")
    return frame.iloc[shuffled(len(frame))].reset_index(drop=True)
