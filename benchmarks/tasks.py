"""Task benchmarks: each autonas task class on real data beside a classical model of the same run.

Run from the repository root:

    python benchmarks/tasks.py all                    # every task, 3 seeds each (hours on 2 cores)
    python benchmarks/tasks.py digits sms --seeds 0   # a selection, one seed
    python benchmarks/tasks.py titanic --dev          # score on a dev split carved from training
    python benchmarks/tasks.py overhead               # framework overhead (benchmarks/overhead.py)

Protocol. Each task has a fixed split (shuffled with seed 0): sklearn digits,
first 1,400 train, other 397 test; mnist-t10k, first 8,000 train, last 2,000
test; sms-spam, titanic (the raw CSV) and sklearn diabetes, 80/20; a synthetic
50,000-row table (numbers, strings, missing values; written to a raw CSV that
autonas reads), 80/20. For every seed, autonas searches with that seed (which
also draws its validation split from the training rows) inside the task's
`max_time`, which bounds the WHOLE `fit`; its wall time is measured around
`fit`. The classical model is trained on the same split in the same run (with
the same seed where it has one). Each row gives mean ± std over the seeds.

`--dev` is the protocol for design decisions: the last 20% of the training
rows become the scored rows, and the test rows are never touched. Figures on
the test split (without `--dev`) are reported, never used to choose anything.
"""

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SHARED, digits, load_mnist, load_sms, load_titanic, rmse, shuffled, timed  # noqa: E402


@dataclasses.dataclass
class Task:
    """One benchmark: data, the autonas fit, its score, and the classical model."""

    name: str
    metric: str
    higher_is_better: bool
    load: object  # () -> (x_train, y_train, x_test, y_test), or None when the data is absent
    fit: object  # (seed, x, y, workdir) -> fitted autonas model
    score: object  # (model, x, y) -> float
    baseline_name: str
    baseline: object  # (seed, x_train, y_train, x_test, y_test) -> float
    target: str = ""
    budget: str = ""
    extra: object = None  # optional (model, x_train, y_train) -> dict of further measurements


# -- data and fits ------------------------------------------------------------------------------
def _searched(task_class, max_time):
    """``fit(seed, x, y, workdir)``: the task class with its defaults, `max_time` for the whole fit."""
    def fit(seed, x, y, workdir):
        import autonas

        model = getattr(autonas, task_class)(max_trials=500, max_time=max_time, seed=seed, directory=workdir,
                                             project_name=f"{task_class.lower()}_{seed}", overwrite=True)
        model.fit(x, y, verbose=0)
        return model
    return fit


def _digits_split():
    x, y = digits()
    return x[:1400], y[:1400], x[1400:], y[1400:]


def _svm_images(seed, x_train, y_train, x_test, y_test):
    from sklearn.svm import SVC

    flat = lambda a: a.reshape(len(a), -1) / max(1.0, float(a.max()))  # noqa: E731
    return float(SVC().fit(flat(x_train), y_train).score(flat(x_test), y_test))


def _accuracy(model, x, y):
    return float(np.mean(np.asarray(model.predict(x)).reshape(-1) == np.asarray(y).reshape(-1)))


def _mnist_split():
    if not (SHARED / "mnist-t10k").exists():
        return None
    x, y = load_mnist()
    return x[:8000], y[:8000], x[8000:], y[8000:]


def _image_regression_split():
    x, y = digits()
    y = y.astype("float32")
    return x[:1400], y[:1400], x[1400:], y[1400:]


def _svc_as_regressor(seed, x_train, y_train, x_test, y_test):
    """An RBF SVC classifying the digit, its label read as a number."""
    from sklearn.svm import SVC

    flat = lambda a: a.reshape(len(a), -1) / 16.0  # noqa: E731
    return rmse(SVC().fit(flat(x_train), y_train.astype(int)).predict(flat(x_test)), y_test)


def _sms_split():
    if not (SHARED / "sms-spam").exists():
        return None
    x, y = load_sms()
    n = int(0.8 * len(x))
    return x[:n], y[:n], x[n:], y[n:]


def _tfidf_svm(seed, x_train, y_train, x_test, y_test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                          TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
    model = make_pipeline(features, LinearSVC()).fit(list(x_train), y_train)
    return float(model.score(list(x_test), y_test))


TITANIC_PLAIN = ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked"]


def _titanic_split():
    if not (SHARED / "titanic").exists():
        return None
    frame = load_titanic()
    n = int(0.8 * len(frame))
    train, test = frame[:n], frame[n:]
    return (train.drop(columns="Survived"), train["Survived"].to_numpy(), test.drop(columns="Survived"),
            test["Survived"].to_numpy())


def _titanic_gradient_boosting(seed, x_train, y_train, x_test, y_test):
    from sklearn.ensemble import GradientBoostingClassifier

    def encode(frame):
        x = frame[TITANIC_PLAIN].copy()
        x["Sex"] = (x["Sex"] == "male").astype(float)
        x["Embarked"] = x["Embarked"].map({"S": 0, "C": 1, "Q": 2})
        return x.fillna(-1).to_numpy(dtype="float64")

    model = GradientBoostingClassifier(random_state=seed).fit(encode(x_train), y_train)
    return float(model.score(encode(x_test), y_test))


def _diabetes_split():
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True)
    order = shuffled(len(data.frame))
    x, y = data.data.iloc[order].reset_index(drop=True), data.target.to_numpy()[order].astype("float32")
    n = int(0.8 * len(x))
    return x[:n], y[:n], x[n:].reset_index(drop=True), y[n:]


def _gradient_boosting_regressor(seed, x_train, y_train, x_test, y_test):
    from sklearn.ensemble import GradientBoostingRegressor

    return rmse(GradientBoostingRegressor(random_state=seed).fit(x_train, y_train).predict(x_test), y_test)


def _rmse_of(model, x, y):
    return rmse(np.asarray(model.predict(x)).reshape(-1), y)


# -- the large raw table --------------------------------------------------------------------------
def large_table(rows=50_000, seed=0):
    """A synthetic raw table: 15 columns of numbers, strings and missing values, and a binary target.

    The target depends on interactions and thresholds of several columns (as
    in real tabular data, where gradient boosting is strong), with label noise.

    Args:
        rows: number of rows.
        seed: the generator's seed.

    Returns:
        A pandas DataFrame with a ``target`` column.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.normal(40, 12, rows).clip(18, 90).round(),
        "income": np.exp(rng.normal(10.5, 0.6, rows)).round(2),
        "balance": rng.normal(0, 1000, rows).round(2),
        "tenure": rng.integers(0, 30, rows).astype("float64"),
        "visits": rng.poisson(3, rows).astype("float64"),
        "score_a": rng.uniform(0, 1, rows),
        "score_b": rng.normal(0, 1, rows),
        "ratio": rng.beta(2, 5, rows),
        "region": rng.choice(["north", "south", "east", "west", "centre"], rows, p=[.3, .25, .2, .15, .1]),
        "plan": rng.choice(["basic", "plus", "pro"], rows, p=[.6, .3, .1]),
        "channel": rng.choice(["web", "store", "phone", "partner"], rows),
        "city": rng.choice([f"city_{i:03d}" for i in range(300)], rows),
        "device": rng.choice(["ios", "android", "desktop", "other"], rows, p=[.35, .35, .25, .05]),
        "segment": rng.choice(list("ABCDEFGH"), rows),
        "flag": rng.choice(["yes", "no"], rows),
    })
    city_effect = dict(zip([f"city_{i:03d}" for i in range(300)], rng.normal(0, 0.6, 300)))
    logit = (0.04 * (frame["age"] - 40) + 0.8 * np.log(frame["income"] / 36000)
             - 1.5 * (frame["balance"] < -800) + 1.2 * (frame["plan"] == "pro") * (frame["tenure"] > 10)
             + 2.0 * (frame["score_a"] - 0.5) * frame["score_b"] - 0.3 * frame["visits"].clip(0, 6)
             + frame["city"].map(city_effect) + 0.7 * (frame["region"] == "east") * (frame["device"] == "ios")
             + np.sin(3 * frame["ratio"]) + 0.5 * (frame["segment"].isin(["B", "E"])))
    frame["target"] = (rng.uniform(size=rows) < 1 / (1 + np.exp(-(logit - logit.mean())))).astype(int)
    for column, share in (("age", .05), ("income", .1), ("tenure", .02), ("region", .03), ("device", .08)):
        missing = rng.uniform(size=rows) < share
        frame.loc[missing, column] = np.nan if frame[column].dtype.kind == "f" else None
    return frame


def _large_table_split():
    frame = large_table()
    n = int(0.8 * len(frame))
    train, test = frame[:n].reset_index(drop=True), frame[n:].reset_index(drop=True)
    return (train.drop(columns="target"), train["target"].to_numpy(), test.drop(columns="target"),
            test["target"].to_numpy())


def _large_table_fit(seed, x, y, workdir):
    """autonas reads the table from a raw CSV file, as a user with a file would."""
    path = os.path.join(workdir, f"large_{seed}.csv")
    x.assign(target=y).to_csv(path, index=False)
    return _searched("StructuredDataClassifier", "5m")(seed, path, "target", workdir)


def _pipeline_ratio(model, x_train, y_train):
    """Time per epoch of the best trial against the same Keras model fed plain arrays.

    The best full trial's per-epoch times (recorded by the tuner, first epoch
    left out: it traces the functions) against a plain `model.fit` of the same
    configuration, built afresh, on the same training and validation rows
    given as a dict of NumPy columns, with the same batch size (median epoch
    of three, the first left out likewise).
    """
    import keras

    import autonas

    tuner, trial = model.tuner_, model.best_trial_
    info = tuner.trial_info(trial.trial_id)
    trial_epochs = info.get("epoch_seconds", [])[1:]
    if not trial_epochs:
        return {}
    x, y = autonas.data.load_data(x_train, y_train, kind="structured", arg_name="x", target_arg_name="y") \
        if isinstance(x_train, str) else (x_train, y_train)
    xs = autonas.data.adapt_inputs(x, model.inputs, "x")
    encoded = model.heads[0].encode(np.asarray(y), "y")
    from autonas.data import split_validation

    train_idx, val_idx = split_validation(len(encoded), 0.2, model.seed or 0, encoded)
    feed = model._keras_x([xs[0][train_idx]])
    val = (model._keras_x([xs[0][val_idx]]), encoded[val_idx])
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    keras.backend.clear_session()
    plain = model.graph.build(trial.hyperparameters.copy())
    plain.fit(feed, encoded[train_idx], validation_data=val, epochs=4, batch_size=32, verbose=0,
              callbacks=[Timer()])
    trial_s, plain_s = float(np.median(trial_epochs)), float(np.median(times[1:]))
    return {"trial_epoch_s": trial_s, "plain_keras_epoch_s": plain_s, "pipeline_ratio": trial_s / plain_s}


def _hist_gradient_boosting(seed, x_train, y_train, x_test, y_test):
    from sklearn.ensemble import HistGradientBoostingClassifier

    import pandas as pd

    # strings are `object` before pandas 3 and a string dtype from pandas 3 on
    categorical = [c for c in x_train.columns if not pd.api.types.is_numeric_dtype(x_train[c])]
    encode = {c: {v: i for i, v in enumerate(sorted(x_train[c].dropna().unique()))} for c in categorical}

    def matrix(frame):
        out = frame.copy()
        for c in categorical:
            out[c] = out[c].map(encode[c]).astype("float64")
        return out.to_numpy(dtype="float64")

    # the histogram trees take at most 255 categories: a column with more goes in as its ordinal codes
    mask = [c in categorical and len(encode[c]) <= 255 for c in x_train.columns]
    model = HistGradientBoostingClassifier(categorical_features=mask, random_state=seed)
    model.fit(matrix(x_train), y_train)
    return float(model.score(matrix(x_test), y_test))


TASKS = {
    "digits": Task("ImageClassifier digits (1400/397, max_time=2m)", "accuracy", True, _digits_split,
                   _searched("ImageClassifier", "2m"), _accuracy, "RBF SVM", _svm_images, ">= 0.995", "2m"),
    "mnist": Task("ImageClassifier mnist-t10k (8000/2000, max_time=10m)", "accuracy", True, _mnist_split,
                  _searched("ImageClassifier", "10m"), _accuracy, "RBF SVM", _svm_images,
                  ">= 0.990 with >= 8 architectures", "10m"),
    "image_regression": Task("ImageRegressor digits, the digit as a number (1400/397, max_time=2m)", "RMSE", False,
                             _image_regression_split, _searched("ImageRegressor", "2m"), _rmse_of,
                             "RBF SVC as a classifier", _svc_as_regressor, "< the SVC's", "2m"),
    "sms": Task("TextClassifier sms-spam (4439/1110, max_time=5m)", "accuracy", True, _sms_split,
                _searched("TextClassifier", "5m"), _accuracy, "TF-IDF word 1-2 + char 2-5 grams, LinearSVC",
                _tfidf_svm, ">= 0.9940", "5m"),
    "titanic": Task("StructuredDataClassifier titanic raw CSV (712/179, max_time=5m)", "accuracy", True,
                    _titanic_split, _searched("StructuredDataClassifier", "5m"), _accuracy,
                    "gradient boosting, 7 plain columns", _titanic_gradient_boosting, ">= 0.845", "5m"),
    "diabetes": Task("StructuredDataRegressor diabetes (353/89, max_time=2m)", "RMSE", False, _diabetes_split,
                     _searched("StructuredDataRegressor", "2m"), _rmse_of, "gradient boosting",
                     _gradient_boosting_regressor, "<= 54.5", "2m"),
    "large_table": Task("StructuredDataClassifier synthetic 50,000-row raw CSV (40000/10000, max_time=5m)",
                        "accuracy", True, _large_table_split, _large_table_fit, _accuracy,
                        "histogram gradient boosting", _hist_gradient_boosting,
                        "several trials in 5 min; pipeline ratio <= 1.2", "5m", _pipeline_ratio),
}


# -- the protocol ---------------------------------------------------------------------------------
def _dev_split(split):
    """Training rows only: the first 80% train, the last 20% are scored (the test rows are dropped)."""
    x_train, y_train, _, _ = split
    n = int(0.8 * len(y_train))
    take = (lambda a, s: a.iloc[s].reset_index(drop=True)) if hasattr(x_train, "iloc") else (lambda a, s: a[s])
    return take(x_train, slice(0, n)), y_train[:n], take(x_train, slice(n, None)), y_train[n:]


def _describe(model):
    """Trials, distinct architectures, fidelities and the final model's members."""
    board = model.leaderboard()
    full = int(board["fidelity"].eq("full").sum()) if "fidelity" in board else len(board)
    members = model.ensemble_["members"] if getattr(model, "ensemble_", None) else []
    kinds = ", ".join(f"{m['trial_id']}x{m['weight']:.2f}/{m['source']}" for m in members)
    columns = [c for c in ("trial_id", "status", "score", "final_weight", "fidelity", "examples", "epochs",
                           "cut_off", "duration", "best_epoch") if c in board]
    rows = board[columns].astype(object).where(board[columns].notna(), None).to_dict("records")
    return {"trials": len(board), "full_trials": full, "architectures": _architectures(model),
            "members": kinds, "search_s": model.search_time_, "leaderboard": rows}


def _architectures(model):
    """Distinct configurations among the trials (fidelity keys ignored)."""
    from autonas.search.base import config_hash

    return len({config_hash(t.hyperparameters.values) for t in model.tuner_.oracle.trials.values()})


def run_task(key, seeds, dev=False, workdir=None):
    """Run one task for every seed; returns its record (and prints a table row)."""
    task = TASKS[key]
    split = task.load()
    if split is None:
        print(f"{key}: skipped, its data under ../shared/data is absent", flush=True)
        return None
    if dev:
        split = _dev_split(split)
    x_train, y_train, x_test, y_test = split
    runs = []
    for seed in seeds:
        with tempfile.TemporaryDirectory(dir=workdir) as folder:
            model, fit_s = timed(lambda: task.fit(seed, x_train, y_train, folder))
            value = task.score(model, x_test, y_test)
            base, base_s = timed(lambda: task.baseline(seed, x_train, y_train, x_test, y_test))
            run = {"seed": seed, "value": value, "fit_s": fit_s, "baseline": base, "baseline_s": base_s,
                   **_describe(model)}
            if task.extra is not None:
                run.update(task.extra(model, x_train, y_train))
            runs.append(run)
            print(f"  {key} seed {seed}: {task.metric} {value:.4f} in {fit_s:.0f}s (baseline {base:.4f}); "
                  f"{run['trials']} trials ({run['full_trials']} full, {run['architectures']} architectures); "
                  f"final: {run['members']}" + "".join(f"; {k} {v:.3f}" for k, v in run.items()
                                                        if k.startswith(("trial_epoch", "plain", "pipeline"))),
                  flush=True)
    values, bases = np.array([r["value"] for r in runs]), np.array([r["baseline"] for r in runs])
    fit_s = np.array([r["fit_s"] for r in runs])
    ahead = values.mean() >= bases.mean() if task.higher_is_better else values.mean() <= bases.mean()
    record = {"task": task.name, "metric": task.metric, "split": "dev" if dev else "test", "runs": runs,
              "mean": float(values.mean()), "std": float(values.std()), "baseline_mean": float(bases.mean()),
              "baseline_std": float(bases.std()), "fit_s_mean": float(fit_s.mean()), "fit_s_max": float(fit_s.max()),
              "autonas_ahead": bool(ahead), "target": task.target}
    per_seed = " / ".join(f"{v:.4f}" for v in values)
    print(f"| {task.name} | {record['split']} {task.metric} | {values.mean():.4f} ± {values.std():.4f} "
          f"({per_seed}) | {fit_s.mean():.0f}s (max {fit_s.max():.0f}s) | {task.baseline_name} | "
          f"{bases.mean():.4f} ± {bases.std():.4f} | {'autonas' if ahead else 'classical'} ahead; "
          f"target {task.target}; trials {np.mean([r['trials'] for r in runs]):.1f}, architectures "
          f"{np.mean([r['architectures'] for r in runs]):.1f} |", flush=True)
    return record


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tasks", nargs="+", help=f"'all', 'overhead' or any of: {', '.join(TASKS)}")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--dev", action="store_true", help="score on a dev split of the training rows")
    parser.add_argument("--json", help="write the records to this JSON file")
    args = parser.parse_args(argv)
    if args.tasks == ["overhead"]:
        import overhead

        return overhead.main()
    names = list(TASKS) if args.tasks == ["all"] else args.tasks
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        parser.error(f"unknown task(s) {unknown}; choose from {list(TASKS)} or 'overhead'")
    seeds = [int(s) for s in args.seeds.split(",")]
    print("| task | metric | autonas mean ± std (per seed) | fit wall time | classical model | classical mean ± std "
          "| note |")
    print("|---|---|---|---|---|---|---|")
    records = [r for r in (run_task(name, seeds, args.dev) for name in names) if r is not None]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
