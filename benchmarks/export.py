"""Export and serving benchmark: per task, export time, SavedModel size and one-prediction latency.

Run from the repository root:

    python benchmarks/export.py                      # digits, sms-spam, titanic, diabetes
    python benchmarks/export.py digits titanic       # a selection
    python benchmarks/export.py --calls 200          # fewer timed calls

For each task a small model is searched (one trial by default: the benchmark is about
export and serving, not accuracy), then:

- the SavedModel export time (`clf.export(path)`) and the folder's size, and the
  `.keras` save time and file size;
- the latency of ONE prediction (a batch of one raw example) through the SavedModel's
  ``serving_default`` signature, reloaded in a fresh Python process that imports
  TensorFlow only: p50 and p99 over `--calls` calls, after 20 warm-up calls;
- next to it, in process, on the same single examples, the Keras model from
  `export_model()`: ``model.predict(x)`` (p50 and p99 over `--predict-calls` calls,
  200 by default: each call builds a small dataset, so it costs far more than a
  signature call) and a direct call ``model(x, training=False)`` (over `--calls` calls).

Data from ../shared/data is skipped with a message when absent; digits and diabetes
come with scikit-learn.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TASKS = ("digits", "sms-spam", "titanic", "diabetes")

SERVE = r"""
import json, sys, time
import numpy as np
import tensorflow as tf

start = time.perf_counter()
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
load_seconds = time.perf_counter() - start
feeds = np.load(sys.argv[2])
calls = int(sys.argv[3])
n = len(feeds[feeds.files[0]])
batches = [{k: tf.constant(feeds[k][i:i + 1]) for k in feeds.files} for i in range(n)]
for i in range(20):
    serve(**batches[i % n])
times = []
for i in range(calls):
    start = time.perf_counter()
    out = serve(**batches[i % n])
    times.append(time.perf_counter() - start)
print(json.dumps({"load": load_seconds, "times": times, "autonas": "autonas" in sys.modules}))
"""


def _digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.images))
    x, y = d.images[order], d.target[order]
    return "ImageClassifier", x[:1400], y[:1400], x[1400:]


def _sms():
    path = SHARED / "sms-spam" / "SMSSpamCollection"
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    labels = np.asarray([line.split("\t", 1)[0] for line in lines], dtype=object)
    texts = np.asarray([line.split("\t", 1)[1] for line in lines], dtype=object)
    order = np.random.default_rng(0).permutation(len(texts))
    texts, labels = texts[order], labels[order]
    return "TextClassifier", texts[:4000], labels[:4000], texts[4000:]


def _titanic():
    import pandas as pd

    path = SHARED / "titanic" / "train.csv"
    if not path.exists():
        return None
    frame = pd.read_csv(path).sample(frac=1.0, random_state=0)
    x, y = frame.drop(columns=["Survived"]), frame["Survived"].to_numpy()
    return "StructuredDataClassifier", x.iloc[:700], y[:700], x.iloc[700:]


def _diabetes():
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    frame = data.frame.sample(frac=1.0, random_state=0)
    x, y = frame.drop(columns=["target"]), frame["target"].to_numpy()
    return "StructuredDataRegressor", x.iloc[:350], y[:350], x.iloc[350:]


LOADERS = {"digits": _digits, "sms-spam": _sms, "titanic": _titanic, "diabetes": _diabetes}


def _feeds(meta, raw):
    """Signature inputs for raw data, as a serving client builds them from assets/autonas.json."""
    import pandas as pd

    node = meta["inputs"][0]
    if node["kind"] == "structured":
        feeds = {}
        for column in node["columns"]:
            values = raw[column["name"]]
            if column["dtype"] == "float32":
                feeds[column["input"]] = pd.to_numeric(values).to_numpy(dtype="float32")
            else:
                feeds[column["input"]] = np.asarray(["" if pd.isna(v) else str(v) for v in values], dtype=str)
        return feeds
    if node["dtype"] == "string":
        return {node["input"]: np.asarray(raw, dtype=str)}
    return {node["input"]: np.asarray(raw, dtype="float32")}


def _size(path):
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _percentiles(times):
    ms = np.asarray(times) * 1000.0
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def bench(name, workdir, calls, predict_calls, trials, epochs):
    import keras

    import autonas

    loaded = LOADERS[name]()
    if loaded is None:
        print(f"| {name} | skipped: ../shared/data/{name} is absent | | | | | | | |", flush=True)
        return None
    task, x, y, x_test = loaded
    cls = getattr(autonas, task)
    clf = cls(max_trials=trials, seed=0, directory=workdir / "runs", project_name=name, overwrite=True)
    clf.fit(x, y, epochs=epochs, verbose=0)

    start = time.perf_counter()
    saved_model = clf.export(workdir / "serving" / name / "1")
    export_seconds = time.perf_counter() - start
    start = time.perf_counter()
    keras_file = clf.export(workdir / f"{name}.keras", format="keras")
    keras_seconds = time.perf_counter() - start

    meta = json.loads((Path(saved_model) / "assets" / "autonas.json").read_text())
    raw = x_test[:100] if not hasattr(x_test, "iloc") else x_test.iloc[:100]
    feeds = _feeds(meta, raw)
    feed_path = workdir / f"{name}.feeds.npz"
    np.savez(feed_path, **feeds)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    done = subprocess.run([sys.executable, "-c", SERVE, str(saved_model), str(feed_path), str(calls)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    served = json.loads(done.stdout.strip().splitlines()[-1])
    assert served["autonas"] is False

    model = clf.export_model()
    struct = model.input
    singles = []
    for i in range(len(raw)):
        one = {k: (v[i:i + 1].astype(object) if v.dtype.kind == "U" else v[i:i + 1]) for k, v in feeds.items()}
        singles.append(keras.tree.map_structure(lambda t, one=one: one[t.name], struct))
    for i in range(20):
        model.predict(singles[i % len(singles)], verbose=0)
        model(singles[i % len(singles)], training=False)
    times = []
    for i in range(predict_calls):
        start = time.perf_counter()
        model.predict(singles[i % len(singles)], verbose=0)
        times.append(time.perf_counter() - start)
    direct = []
    for i in range(calls):
        start = time.perf_counter()
        keras.ops.convert_to_numpy(model(singles[i % len(singles)], training=False))
        direct.append(time.perf_counter() - start)

    serve_p50, serve_p99 = _percentiles(served["times"])
    keras_p50, keras_p99 = _percentiles(times)
    call_p50, call_p99 = _percentiles(direct)
    row = {"task": name, "class": task, "export_s": export_seconds, "saved_model_mb": _size(saved_model) / 1e6,
           "keras_s": keras_seconds, "keras_mb": _size(keras_file) / 1e6, "load_s": served["load"],
           "serve_p50": serve_p50, "serve_p99": serve_p99, "predict_p50": keras_p50, "predict_p99": keras_p99,
           "call_p50": call_p50, "call_p99": call_p99, "params": model.count_params()}
    print(f"| {name} ({task}) | {row['params']:,} | {export_seconds:.2f} s | {row['saved_model_mb']:.2f} MB | "
          f"{keras_seconds:.2f} s / {row['keras_mb']:.2f} MB | {served['load']:.2f} s | "
          f"{serve_p50:.2f} / {serve_p99:.2f} ms | {keras_p50:.1f} / {keras_p99:.1f} ms | "
          f"{call_p50:.2f} / {call_p99:.2f} ms |", flush=True)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tasks", nargs="*", metavar="TASK", help=f"tasks to run (default all): {', '.join(TASKS)}")
    parser.add_argument("--calls", type=int, default=1000, help="timed single-example calls (default 1000)")
    parser.add_argument("--predict-calls", type=int, default=200,
                        help="timed model.predict calls in process (default 200)")
    parser.add_argument("--trials", type=int, default=1, help="search trials per task (default 1)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per trial (default 5)")
    args = parser.parse_args(argv)
    unknown = [t for t in args.tasks if t not in TASKS]
    if unknown:
        parser.error(f"unknown task(s) {unknown}; choose from {list(TASKS)}")
    tasks = args.tasks or list(TASKS)
    print("| task | parameters | SavedModel export | SavedModel size | .keras save / size | SavedModel load | "
          "one prediction: SavedModel signature p50 / p99 | model.predict p50 / p99 | model(x) p50 / p99 |")
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in tasks:
            bench(name, Path(tmp), args.calls, args.predict_calls, args.trials, args.epochs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
