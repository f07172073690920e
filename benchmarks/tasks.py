"""Task benchmarks: each autonas task class on real data next to a classical baseline.

Run from the repository root:

    python benchmarks/tasks.py all            # every task (about 40 minutes on 2 cores)
    python benchmarks/tasks.py digits mnist   # a selection
    python benchmarks/tasks.py overhead       # framework overhead vs plain Keras

Each task prints the test metric and the wall time of the search (search + refit)
and of the baseline, trained on the same split in the same run. Data from
../shared/data is skipped with a message when absent.
"""

import argparse
import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = []


def report(task, metric, autonas_value, autonas_seconds, baseline_name, baseline_value, baseline_seconds, note=""):
    row = (task, metric, autonas_value, autonas_seconds, baseline_name, baseline_value, baseline_seconds, note)
    RESULTS.append(row)
    print(f"| {task} | {metric} | {autonas_value:.4f} | {autonas_seconds:.0f}s | {baseline_name} | "
          f"{baseline_value:.4f} | {baseline_seconds:.1f}s | {note} |", flush=True)


def _digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.images))
    return d.images[order], d.target[order]


def _timed(fn):
    start = time.time()
    value = fn()
    return value, time.time() - start


def _svm_images(x_train, y_train, x_test, y_test):
    from sklearn.svm import SVC

    flat = lambda a: a.reshape(len(a), -1) / max(1.0, float(a.max()))  # noqa: E731
    svm = SVC().fit(flat(x_train), y_train)
    return float(svm.score(flat(x_test), y_test))


def bench_digits(workdir):
    import autonas

    x, y = _digits()
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
    svm, svm_s = _timed(lambda: _svm_images(x_train, y_train, x_test, y_test))

    def quick():
        clf = autonas.ImageClassifier(max_trials=2, seed=0, directory=workdir, project_name="digits_quick",
                                      overwrite=True)
        clf.fit(x_train, y_train, epochs=3, verbose=0)
        return clf.evaluate(x_test, y_test)["accuracy"]

    acc, secs = _timed(quick)
    report("ImageClassifier digits (max_trials=2, epochs=3)", "accuracy", acc, secs, "RBF SVM", svm, svm_s,
           "target >= 0.95 in < 60 s")

    def defaults():
        clf = autonas.ImageClassifier(max_trials=100, max_time="2m", seed=0, directory=workdir,
                                      project_name="digits_default", overwrite=True)
        clf.fit(x_train, y_train, verbose=0)
        return clf.evaluate(x_test, y_test)["accuracy"]

    acc, secs = _timed(defaults)
    report("ImageClassifier digits (defaults, max_time=2m)", "accuracy", acc, secs, "RBF SVM", svm, svm_s,
           "target >= SVM")


def load_mnist():
    folder = SHARED / "mnist-t10k"
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    order = np.random.default_rng(0).permutation(len(images))
    return images[order], labels[order]


def bench_mnist(workdir):
    import autonas

    if not (SHARED / "mnist-t10k").exists():
        print("mnist: skipped, ../shared/data/mnist-t10k is absent")
        return
    x, y = load_mnist()
    x_train, y_train, x_test, y_test = x[:8000], y[:8000], x[8000:], y[8000:]
    svm, svm_s = _timed(lambda: _svm_images(x_train, y_train, x_test, y_test))

    def run():
        clf = autonas.ImageClassifier(max_trials=100, max_time="10m", seed=0, directory=workdir,
                                      project_name="mnist", overwrite=True)
        clf.fit(x_train, y_train, verbose=0)
        return clf.evaluate(x_test, y_test)["accuracy"]

    acc, secs = _timed(run)
    report("ImageClassifier mnist-t10k (max_time=10m)", "accuracy", acc, secs, "RBF SVM", svm, svm_s,
           "target >= 0.985")


def bench_image_regression(workdir):
    import autonas
    from sklearn.svm import SVR

    x, y = _digits()
    x_train, y_train, x_test, y_test = x[:1400], y[:1400].astype("float32"), x[1400:], y[1400:].astype("float32")
    flat = lambda a: a.reshape(len(a), -1) / 16.0  # noqa: E731
    svr = SVR().fit(flat(x_train), y_train)
    base, base_s = _timed(lambda: float(np.sqrt(np.mean((svr.predict(flat(x_test)) - y_test) ** 2))))

    def run():
        reg = autonas.ImageRegressor(max_trials=100, max_time="2m", seed=0, directory=workdir,
                                     project_name="digits_reg", overwrite=True)
        reg.fit(x_train, y_train, verbose=0)
        return float(np.sqrt(np.mean((reg.predict(x_test) - y_test) ** 2)))

    rmse, secs = _timed(run)
    report("ImageRegressor digits (digit as number, max_time=2m)", "RMSE", rmse, secs, "RBF SVR", base, base_s,
           "lower is better")


TASKS = {
    "digits": bench_digits,
    "mnist": bench_mnist,
    "image_regression": bench_image_regression,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tasks", nargs="+", help=f"'all' or any of: {', '.join(TASKS)}")
    args = parser.parse_args(argv)
    names = list(TASKS) if args.tasks == ["all"] else args.tasks
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        parser.error(f"unknown task(s) {unknown}; choose from {list(TASKS)}")
    print("| task | metric | autonas | autonas time | baseline | baseline value | baseline time | note |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as workdir:
        for name in names:
            TASKS[name](workdir)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
