"""Task benchmarks: each autonas task class on real data next to a classical baseline.

Run from the repository root:

    python benchmarks/tasks.py all            # every task (about an hour on 2 busy cores)
    python benchmarks/tasks.py digits mnist   # a selection
    python benchmarks/tasks.py overhead       # framework overhead vs plain Keras

Each task prints the test metric and the wall time of `fit` (search + refit)
and of the classical baseline (fit + predict), trained on the same split in
the same run, the one-minute load average when it ended, and a note with the
number of trials and the split of the time between search and refit. Data
from ../shared/data is skipped with a message when absent. Splits: sklearn
digits shuffled with seed 0, first 1400 train, the other 397 test;
mnist-t10k shuffled with seed 0, first 8000 train, last 2000 test; sms-spam,
titanic (the raw CSV) and sklearn diabetes shuffled with seed 0, first 80%
train, the rest test.
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
    """Print one table row (and keep it in `RESULTS`)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    row = (task, metric, autonas_value, autonas_seconds, baseline_name, baseline_value, baseline_seconds, load, note)
    RESULTS.append(row)
    print(f"| {task} | {metric} | {autonas_value:.4f} | {autonas_seconds:.0f}s | {baseline_name} | "
          f"{baseline_value:.4f} | {baseline_seconds:.1f}s | {load:.1f} | {note} |", flush=True)


def _search_note(model):
    """Trials run and the split of the wall time between search and refit."""
    return (f"{len(model.leaderboard())} trials; search {model.search_time_:.0f}s + refit "
            f"{model.refit_info_['duration']:.0f}s ({model.refit_info_['epochs']} epochs); "
            f"best trial {model.best_trial_.trial_id}")


def _timed(fn):
    start = time.time()
    value = fn()
    return value, time.time() - start


def _rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a, dtype="float64") - np.asarray(b, dtype="float64")) ** 2)))


def _shuffled(n):
    return np.random.default_rng(0).permutation(n)


# -- images ----------------------------------------------------------------------------------
def _digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    order = _shuffled(len(d.images))
    return d.images[order], d.target[order]


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
        return clf.evaluate(x_test, y_test)["accuracy"], clf

    (acc, clf), secs = _timed(quick)
    report("ImageClassifier digits (max_trials=2, epochs=3)", "accuracy", acc, secs, "RBF SVM", svm, svm_s,
           f"target >= 0.95 in < 60 s of search; {_search_note(clf)}")

    def defaults():
        clf = autonas.ImageClassifier(max_trials=100, max_time="2m", seed=0, directory=workdir,
                                      project_name="digits_default", overwrite=True)
        clf.fit(x_train, y_train, verbose=0)
        return clf.evaluate(x_test, y_test)["accuracy"], clf

    (acc, clf), secs = _timed(defaults)
    report("ImageClassifier digits (defaults, max_time=2m)", "accuracy", acc, secs, "RBF SVM", svm, svm_s,
           f"target >= SVM; {_search_note(clf)}")


def load_mnist():
    folder = SHARED / "mnist-t10k"
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    order = _shuffled(len(images))
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
        return clf.evaluate(x_test, y_test)["accuracy"], clf

    (acc, clf), secs = _timed(run)
    report("ImageClassifier mnist-t10k (max_time=10m)", "accuracy", acc, secs, "RBF SVM", svm, svm_s,
           f"target >= 0.985; {_search_note(clf)}")


def bench_image_regression(workdir):
    import autonas
    from sklearn.svm import SVR

    x, y = _digits()
    x_train, y_train, x_test, y_test = x[:1400], y[:1400].astype("float32"), x[1400:], y[1400:].astype("float32")
    flat = lambda a: a.reshape(len(a), -1) / 16.0  # noqa: E731
    base, base_s = _timed(lambda: _rmse(SVR().fit(flat(x_train), y_train).predict(flat(x_test)), y_test))

    def run():
        reg = autonas.ImageRegressor(max_trials=100, max_time="2m", seed=0, directory=workdir,
                                     project_name="digits_reg", overwrite=True)
        reg.fit(x_train, y_train, verbose=0)
        return _rmse(reg.predict(x_test), y_test), reg

    (rmse, reg), secs = _timed(run)
    report("ImageRegressor digits (digit as number, max_time=2m)", "RMSE", rmse, secs, "RBF SVR", base, base_s,
           f"lower is better; {_search_note(reg)}")


# -- text ------------------------------------------------------------------------------------
def load_sms():
    lines = (SHARED / "sms-spam" / "SMSSpamCollection").read_text(encoding="utf-8").splitlines()
    labels = np.array([line.split("\t", 1)[0] for line in lines], dtype=object)
    texts = np.array([line.split("\t", 1)[1] for line in lines], dtype=object)
    order = _shuffled(len(texts))
    return texts[order], labels[order]


def _tfidf_svm(x_train, y_train, x_test, y_test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                          TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
    model = make_pipeline(features, LinearSVC()).fit(list(x_train), y_train)
    return float(model.score(list(x_test), y_test))


def bench_sms(workdir):
    import autonas

    if not (SHARED / "sms-spam").exists():
        print("sms: skipped, ../shared/data/sms-spam is absent")
        return
    x, y = load_sms()
    n = int(0.8 * len(x))
    x_train, y_train, x_test, y_test = x[:n], y[:n], x[n:], y[n:]
    svm, svm_s = _timed(lambda: _tfidf_svm(x_train, y_train, x_test, y_test))

    def run():
        clf = autonas.TextClassifier(max_trials=100, max_time="5m", seed=0, directory=workdir, project_name="sms",
                                     overwrite=True)
        clf.fit(x_train, y_train, verbose=0)
        return clf.evaluate(x_test, y_test)["accuracy"], clf

    (acc, clf), secs = _timed(run)
    report(f"TextClassifier sms-spam ({n}/{len(x) - n}, max_time=5m)", "accuracy", acc, secs,
           "TF-IDF word 1-2 + char 2-5 grams, LinearSVC", svm, svm_s, f"target >= 0.990; {_search_note(clf)}")


# -- tables ----------------------------------------------------------------------------------
def load_titanic():
    import pandas as pd

    frame = pd.read_csv(SHARED / "titanic" / "train.csv")
    return frame.iloc[_shuffled(len(frame))].reset_index(drop=True)


TITANIC_PLAIN = ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked"]


def _titanic_gradient_boosting(train, test):
    from sklearn.ensemble import GradientBoostingClassifier

    def encode(frame):
        x = frame[TITANIC_PLAIN].copy()
        x["Sex"] = (x["Sex"] == "male").astype(float)
        x["Embarked"] = x["Embarked"].map({"S": 0, "C": 1, "Q": 2})
        return x.fillna(-1).to_numpy(dtype="float64")

    model = GradientBoostingClassifier(random_state=0).fit(encode(train), train["Survived"])
    return float(model.score(encode(test), test["Survived"]))


def bench_titanic(workdir):
    import autonas

    if not (SHARED / "titanic").exists():
        print("titanic: skipped, ../shared/data/titanic is absent")
        return
    frame = load_titanic()
    n = int(0.8 * len(frame))
    train, test = frame[:n], frame[n:]
    gb, gb_s = _timed(lambda: _titanic_gradient_boosting(train, test))

    def run():
        clf = autonas.StructuredDataClassifier(max_trials=100, max_time="5m", seed=0, directory=workdir,
                                               project_name="titanic", overwrite=True)
        clf.fit(train.drop(columns="Survived"), train["Survived"], verbose=0)
        return clf.evaluate(test.drop(columns="Survived"), test["Survived"])["accuracy"], clf

    (acc, clf), secs = _timed(run)
    report(f"StructuredDataClassifier titanic raw CSV ({n}/{len(frame) - n}, max_time=5m)", "accuracy", acc, secs,
           "gradient boosting, 7 plain columns", gb, gb_s, f"target >= 0.82; {_search_note(clf)}")


def bench_diabetes(workdir):
    import autonas
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import GradientBoostingRegressor

    data = load_diabetes(as_frame=True)
    order = _shuffled(len(data.frame))
    x, y = data.data.iloc[order].reset_index(drop=True), data.target.to_numpy()[order].astype("float32")
    n = int(0.8 * len(x))
    x_train, y_train, x_test, y_test = x[:n], y[:n], x[n:], y[n:]
    gb, gb_s = _timed(lambda: _rmse(GradientBoostingRegressor(random_state=0).fit(x_train, y_train)
                                    .predict(x_test), y_test))

    def run():
        reg = autonas.StructuredDataRegressor(max_trials=100, max_time="2m", seed=0, directory=workdir,
                                              project_name="diabetes", overwrite=True)
        reg.fit(x_train, y_train, verbose=0)
        return _rmse(reg.predict(x_test), y_test), reg

    (rmse, reg), secs = _timed(run)
    report(f"StructuredDataRegressor diabetes ({n}/{len(x) - n}, max_time=2m)", "RMSE", rmse, secs,
           "gradient boosting", gb, gb_s, f"lower is better (std of test targets {np.std(y_test):.1f}); "
           f"{_search_note(reg)}")


# -- framework overhead ----------------------------------------------------------------------
class TrainingStamps:
    """Keras callback factory recording when each `fit` begins and ends.

    The times go to a class-level list, because the tuner deep-copies callbacks
    for every trial (instance attributes would be lost with the copy).
    """

    events = []

    @classmethod
    def callback(cls):
        import keras

        class Stamp(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                cls.events.append(("begin", time.perf_counter()))

            def on_train_end(self, logs=None):
                cls.events.append(("end", time.perf_counter()))

        return Stamp()


def _overhead_space():
    """One fixed image architecture: the default convnet (every searched value at its default)."""
    import autonas

    inp = autonas.ImageInput()
    out = autonas.ClassificationHead(dropout=0.0)(
        autonas.ImageBlock(block_type="vanilla", normalize=True, augment=False)(inp))
    return inp, out


def bench_overhead(workdir):
    import keras
    import keras_tuner

    import autonas

    x, y = _digits()
    x, y = x[:1400], y[:1400]
    epochs = 25  # a trial of 5 s or more, as the target names (20 epochs took 4.6-6.0 s on two cores)
    rounds_count = 5

    # The same architecture, built by the same graph, trained by plain Keras on the same split:
    # once as most users write it (NumPy validation data) and once with the validation set as a
    # tf.data pipeline, which is what autonas hands Keras (see autonas.tuner._validation_dataset).
    def plain(validation_as_dataset=False):
        import tensorflow as tf

        inp, out = _overhead_space()
        graph = autonas.Graph(inp, out)
        node, head = graph.inputs[0], graph.heads[0]
        from autonas.data import prepare_input, split_validation

        images = prepare_input(x, node, fit=True)
        head.fit_targets(y)
        train_idx, val_idx = split_validation(len(images), 0.2, 0, head.encode(y))
        node.set_data(images[train_idx])
        validation = (images[val_idx], head.encode(y[val_idx]))
        keras.utils.set_random_seed(0)
        keras.backend.clear_session()
        start = time.perf_counter()
        if validation_as_dataset:
            validation = tf.data.Dataset.from_tensor_slices(validation).batch(32)
        model = graph.build(keras_tuner.HyperParameters())
        model.fit(images[train_idx], head.encode(y[train_idx]), validation_data=validation,
                  epochs=epochs, batch_size=32, verbose=0)
        return time.perf_counter() - start

    def one_trial(name):
        inp, out = _overhead_space()
        model = autonas.AutoModel(inp, out, max_trials=1, seed=0, directory=workdir, project_name=name,
                                  overwrite=True)
        model.fit(x, y, epochs=epochs, verbose=0)
        return model.tuner_.trial_info(model.best_trial_.trial_id)["duration"]

    plain()  # warm-up: the first model of a process pays for TensorFlow's own start-up
    rounds = []
    for i in range(rounds_count):  # interleaved, so that a slow spell of a noisy machine hits all three
        rounds.append((plain(), plain(validation_as_dataset=True), one_trial(f"overhead_{i}")))
    keras_s, keras_ds_s, trial_s = (float(np.median([r[k] for r in rounds])) for k in range(3))
    detail = ", ".join(f"{a:.1f}/{b:.1f}/{t:.1f}" for a, b, t in rounds)
    report(f"Overhead: one trial vs plain Keras, NumPy validation (digits convnet, {epochs} epochs, "
           f"median of {rounds_count})", "time ratio", trial_s / keras_s, trial_s, "plain Keras fit", 1.0, keras_s,
           f"target <= 1.10; per round Keras/Keras with tf.data validation/trial seconds {detail}")
    report(f"Overhead: one trial vs plain Keras, tf.data validation (same rounds)", "time ratio",
           trial_s / keras_ds_s, trial_s, "plain Keras fit", 1.0, keras_ds_s,
           "target <= 1.10; the fair comparison of the per-trial machinery")

    # Time from the end of one trial's training to the start of the next one's, and the part of it
    # spent building the next model (which a plain Keras loop pays too).
    TrainingStamps.events.clear()
    trials = 8
    clf = autonas.ImageClassifier(max_trials=trials, seed=0, directory=workdir, project_name="overhead_gaps",
                                  overwrite=True)
    clf.fit(x[:400], y[:400], epochs=1, verbose=0, callbacks=[TrainingStamps.callback()])
    events = TrainingStamps.events
    infos = clf.tuner_.trial_infos()
    order = sorted(infos, key=lambda tid: infos[tid]["start_time"])
    gaps = [events[2 * i + 2][1] - events[2 * i + 1][1] for i in range(len(order) - 1)]
    builds = [infos[tid].get("build_seconds") or 0.0 for tid in order[1:]]
    own = [g - b for g, b in zip(gaps, builds)]
    report(f"Overhead: between trials (ImageClassifier, {len(order)} trials of 1 epoch on 400 digits)",
           "median gap (s)", float(np.median(gaps)), clf.search_time_, "-", float("nan"), float("nan"),
           f"target <= 0.3 s; gaps {', '.join(f'{g:.2f}' for g in gaps)}; max {max(gaps):.2f}s")
    report("Overhead: between trials, less building the next model", "median (s)", float(np.median(own)),
           clf.search_time_, "-", float("nan"), float("nan"),
           f"builds {', '.join(f'{b:.2f}' for b in builds)}; rest {', '.join(f'{g:.2f}' for g in own)}")

    # The same architectures, in the same order, trained back to back by a plain Keras loop: the
    # usual `clear_session()` between models, build, `fit` for one epoch on the same split (with
    # the validation set as a tf.data pipeline, as the tuner hands it). Its gaps are what Keras
    # itself costs between two models; the difference is autonas's own share.
    import tensorflow as tf

    from autonas.data import prepare_input, split_validation

    graph = clf.graph
    node, head = graph.inputs[0], graph.heads[0]
    images = prepare_input(x[:400], node, fit=True)
    targets = head.encode(y[:400])
    train_idx, val_idx = split_validation(len(images), 0.2, 0, targets)
    validation = tf.data.Dataset.from_tensor_slices((images[val_idx], targets[val_idx])).batch(32)
    stamp = TrainingStamps.callback()
    TrainingStamps.events.clear()
    for tid in order:
        keras.backend.clear_session()
        model = graph.build(clf.tuner_.oracle.get_trial(tid).hyperparameters.copy())
        model.fit(images[train_idx], targets[train_idx], validation_data=validation, epochs=1, batch_size=32,
                  verbose=0, callbacks=[stamp])
        del model
    events = TrainingStamps.events
    plain_gaps = [events[2 * i + 2][1] - events[2 * i + 1][1] for i in range(len(order) - 1)]
    report(f"Overhead: between models of a plain Keras loop (the same {len(order)} architectures)",
           "median gap (s)", float(np.median(plain_gaps)), sum(plain_gaps), "autonas median gap", float(np.median(gaps)),
           float(sum(gaps)), f"autonas - plain Keras, median of the pairs: "
           f"{float(np.median(np.subtract(gaps, plain_gaps))):+.2f}s; gaps {', '.join(f'{g:.2f}' for g in plain_gaps)}")


TASKS = {
    "digits": bench_digits,
    "mnist": bench_mnist,
    "image_regression": bench_image_regression,
    "sms": bench_sms,
    "titanic": bench_titanic,
    "diabetes": bench_diabetes,
    "overhead": bench_overhead,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tasks", nargs="+", help=f"'all' or any of: {', '.join(TASKS)}")
    args = parser.parse_args(argv)
    names = list(TASKS) if args.tasks == ["all"] else args.tasks
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        parser.error(f"unknown task(s) {unknown}; choose from {list(TASKS)}")
    print("| task | metric | autonas | autonas time | baseline | baseline value | baseline time | load | note |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as workdir:
        for name in names:
            TASKS[name](workdir)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
