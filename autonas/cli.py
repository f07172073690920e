"""The `autonas` command line.

    autonas fit DATA [--task TASK] [--target COL] [--max-trials N] [--tuner NAME] [--max-time 30m] [--export DIR]
    autonas fit SERIES.csv --task forecast --target OT --horizon 96 [--lookback 336]
    autonas leaderboard PROJECT_DIR
    autonas benchmark-table TABLE [--tuner NAME] [--max-trials N] [--seeds K]
    autonas demo [--max-trials N] [--max-time 90s]
    autonas chief [--host 127.0.0.1] [--port 8000] [--lease-timeout 60] SCRIPT [ARGS...]
    autonas worker --chief HOST:PORT [--id ID] [--chief-timeout 600] SCRIPT [ARGS...]
    autonas predict MODEL DATA [--output FILE] [--column NAME] [--batch-size N]
    autonas --version

Errors are reported as one line on stderr with exit code 2.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

_RELOAD_CHECK = r"""
import json, sys
import numpy as np
import tensorflow as tf
assert "autonas" not in sys.modules
path, data = sys.argv[1], np.load(sys.argv[2])
serve = tf.saved_model.load(path).signatures["serving_default"]
name = list(serve.structured_input_signature[1])[0]
out = serve(**{name: tf.constant(data["x"], dtype=tf.float32)})
probs = out["probabilities"].numpy()
print(json.dumps({"max_abs_diff": float(np.max(np.abs(probs - data["p"]))),
                  "autonas_imported": "autonas" in sys.modules}))
"""


def _demo(args):
    import numpy as np
    from sklearn.datasets import load_digits

    import autonas

    start = time.time()
    digits = load_digits()
    x, y = digits.images, digits.target
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
    print(f"autonas {autonas.__version__} demo: ImageClassifier on scikit-learn digits "
          f"({len(x_train)} train / {len(x_test)} test images of 8x8), up to {args.max_trials} trials "
          f"in {args.max_time}")
    out = os.path.abspath(args.out)
    clf = autonas.ImageClassifier(max_trials=args.max_trials, max_time=args.max_time, seed=0, directory=out,
                                  project_name="digits", overwrite=True)
    clf.fit(x_train, y_train, epochs=args.epochs)
    board = clf.leaderboard()
    columns = ["trial_id", "status", "score", "params", "duration", "best_epoch"]
    print("\nLeaderboard:")
    print(board[columns].to_string(index=False))
    accuracy = clf.evaluate(x_test, y_test)["accuracy"]
    print(f"\nTest accuracy of the refitted best model (trial {clf.best_trial_.trial_id}): {accuracy:.4f}")
    export_dir = os.path.join(out, "export", "digits", "1")
    clf.export(export_dir)
    probs = clf.predict_proba(x_test)
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, "data.npz")
        np.savez(data_path, x=x_test.astype("float32"), p=probs)
        result = subprocess.run([sys.executable, "-c", _RELOAD_CHECK, export_dir, data_path],
                                capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        print("The exported SavedModel could not be reloaded in a fresh process.", file=sys.stderr)
        return 1
    check = json.loads(result.stdout.strip().splitlines()[-1])
    same = check["max_abs_diff"] <= 1e-5
    print(f"SavedModel exported to {export_dir}; reloaded in a fresh process without autonas: "
          f"predictions {'match' if same else 'DIFFER'} (max abs difference {check['max_abs_diff']:.2e}).")
    print(f"Demo finished in {time.time() - start:.0f}s.")
    return 0 if same else 1


TASKS = {
    "image-classification": "ImageClassifier",
    "image-regression": "ImageRegressor",
    "text-classification": "TextClassifier",
    "text-regression": "TextRegressor",
    "structured-classification": "StructuredDataClassifier",
    "structured-regression": "StructuredDataRegressor",
    "forecast": "TimeSeriesForecaster",
}


def infer_task(data, task=None):
    """The task name for a data path: explicit, or guessed from the data's form.

    Args:
        data: a CSV file, an image or text folder (one subfolder per class) or an .npz.
        task: an explicit task name, a data kind (``"image"``, ``"text"``,
            ``"structured"``) meaning its classification task, or None.

    Returns:
        A key of `TASKS`.

    Example:
        >>> infer_task("train.csv")  # doctest: +SKIP
        'structured-classification'
    """
    if task is not None:
        if task in TASKS:
            return task
        if f"{task}-classification" in TASKS:
            return f"{task}-classification"
        raise ValueError(f"`--task` must be one of {sorted(TASKS)}; received {task!r}.")
    if not os.path.exists(data):
        raise FileNotFoundError(f"`DATA` {data!r} does not exist.")
    if os.path.isdir(data):
        from autonas.data.folders import folder_kind

        kind = folder_kind(data)
        if kind is None:
            raise ValueError(f"`DATA` folder {data!r} holds neither images nor .txt files in class subfolders.")
        return f"{kind}-classification"
    lower = data.lower()
    if lower.endswith(".csv"):
        return "structured-classification"
    if lower.endswith(".npz"):
        import numpy as np

        with np.load(data, allow_pickle=False) as npz:
            if "x" not in npz:
                raise ValueError(f"`DATA` {data!r} must hold an array named 'x' (and 'y' to fit).")
            x = npz["x"]
        if x.dtype.kind in "US":
            return "text-classification"
        return "image-classification" if x.ndim >= 3 else "structured-classification"
    raise ValueError(f"`DATA` must be a .csv file, an .npz file or a class folder; received {data!r}.")


def _fit_data(data, target):
    """(x, y) for `fit` from a DATA path and an optional target column."""
    lower = data.lower()
    if lower.endswith(".npz"):
        import numpy as np

        with np.load(data, allow_pickle=False) as npz:
            if "y" not in npz:
                raise ValueError(f"`DATA` {data!r} has no array named 'y' with the targets.")
            return npz["x"], npz["y"]
    if lower.endswith(".csv"):
        if not target:
            raise ValueError("`--target` is required with a CSV file: name the column to predict.")
        return data, target
    if target:
        raise ValueError("`--target` is only for CSV files; a class folder takes its labels from its subfolders.")
    return data, None


def _fit(args):
    import autonas

    task = infer_task(args.data, args.task)
    cls = getattr(autonas, TASKS[task])
    common = dict(max_trials=args.max_trials, tuner=args.tuner, max_time=args.max_time, seed=args.seed,
                  directory=args.directory, project_name=args.project_name or task.replace("-", "_"),
                  overwrite=args.overwrite)
    if task == "forecast":
        if args.horizon is None:
            raise ValueError("`--horizon` is required with --task forecast: the number of rows to forecast.")
        targets = args.target.split(",") if args.target else None
        model = cls(horizon=args.horizon, lookback=args.lookback, targets=targets, **common)
        x, y = args.data, None
    else:
        if args.horizon is not None or args.lookback is not None:
            raise ValueError("`--horizon` and `--lookback` are only for --task forecast.")
        x, y = _fit_data(args.data, args.target)
        model = cls(**common)
    print(f"autonas fit: {TASKS[task]} on {args.data}, up to {args.max_trials} trials"
          + (f" in {args.max_time}" if args.max_time else ""))
    model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size, validation_split=args.validation_split,
              verbose=args.verbose)
    board = model.leaderboard()
    print("\nLeaderboard:")
    print(board[[c for c in ["trial_id", "status", "score", "params", "duration", "best_epoch"]
                 if c in board.columns]].to_string(index=False))
    print(f"\nBest trial {model.best_trial_.trial_id}: {board.attrs.get('objective', 'score')} "
          f"{model.best_trial_.score:.4f}; project in {model.tuner_.project_dir}")
    if task == "forecast":
        print(f"\nForecast of the next {args.horizon} rows:\n{model.predict().to_string()}")
    if args.export:
        path = model.export(args.export)
        print(f"Exported a SavedModel to {path}")
    return 0


def _leaderboard(args):
    from autonas.reporting.leaderboard import read_leaderboard

    board = read_leaderboard(args.project_dir)
    if board.empty:
        print("No trials yet.")
        return 0
    columns = ["trial_id", "status", "score", "params", "duration", "best_epoch"]
    if args.all:
        columns = list(board.columns)
    print(f"objective: {board.attrs.get('objective', 'score')}")
    print(board[[c for c in columns if c in board.columns]].to_string(index=False))
    return 0


def _logging(verbose):
    import logging

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s: %(message)s")


def _chief(args):
    from autonas import distribute

    _logging(not args.quiet)
    return distribute.run_chief(args.script, args.args, host=args.host, port=args.port,
                                lease_timeout=args.lease_timeout, tuner_id=args.id)


def _worker(args):
    from autonas import distribute

    _logging(not args.quiet)
    return distribute.run_worker(args.script, chief=args.chief, args=args.args, tuner_id=args.id,
                                 chief_timeout=args.chief_timeout)


def _add_distributed(sub):
    script_help = "the Python script that loads the data and calls fit (the same on the chief and every worker)"
    chief = sub.add_parser(
        "chief", help="run SCRIPT as the chief of a distributed search",
        description="Run SCRIPT as the chief of a distributed search: it serves trials to workers on HOST:PORT, "
                    "then refits the best model and runs the rest of SCRIPT. Options go before SCRIPT.")
    chief.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; any other is logged as a warning)")
    chief.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    chief.add_argument("--lease-timeout", type=float, default=None,
                       help="seconds without a heartbeat before a worker's trial goes to another worker "
                            "(default 60)")
    chief.add_argument("--id", default="chief", help="the chief's id; must contain 'chief' (default chief)")
    chief.add_argument("--quiet", action="store_true", help="log warnings only")
    chief.add_argument("script", help=script_help)
    chief.add_argument("args", nargs=argparse.REMAINDER, help="arguments for SCRIPT")
    chief.set_defaults(func=_chief)
    worker = sub.add_parser(
        "worker", help="run SCRIPT as a worker of a distributed search",
        description="Run SCRIPT as a worker: fit runs the trials the chief hands out, then the worker exits. "
                    "Options go before SCRIPT.")
    worker.add_argument("--chief", required=True, help="HOST:PORT of the chief, e.g. 127.0.0.1:8000")
    worker.add_argument("--id", default=None, help="unique worker id without 'chief' (default worker-HOST-PID)")
    worker.add_argument("--chief-timeout", type=float, default=None,
                        help="seconds each call waits for the chief, including its start (default 600)")
    worker.add_argument("--quiet", action="store_true", help="log warnings only")
    worker.add_argument("script", help=script_help)
    worker.add_argument("args", nargs=argparse.REMAINDER, help="arguments for SCRIPT")
    worker.set_defaults(func=_worker)


def _benchmark_table(args):
    import statistics

    from autonas.benchmarks import TableBenchmark

    table = args.table
    if not os.path.exists(table):
        raise FileNotFoundError(f"`TABLE` {table!r} does not exist.")
    if table.lower().endswith(".json"):
        bench = TableBenchmark.nas_bench_macro(table)
    else:
        if not args.hyperparameters:
            raise ValueError("`--hyperparameters` is required with a CSV table: name its configuration columns.")
        bench = TableBenchmark.from_csv(table, hyperparameters=args.hyperparameters.split(","),
                                        objective=args.objective, report=args.report, direction=args.direction)
    reports = []
    print(f"{args.tuner} on {os.path.basename(table)} ({len(bench)} configurations, optimum "
          f"{bench.optimum:.4f}): {args.max_trials} evaluations x {args.seeds} seed(s)")
    for seed in range(args.seed, args.seed + args.seeds):
        result = bench.run(tuner=args.tuner, max_trials=args.max_trials, seed=seed)
        reports.append(result.best_report)
        print(f"seed {seed}: best reported {result.best_report:.4f} after {result.n_evaluations} evaluations; "
              f"config {result.best_config}")
    spread = statistics.pstdev(reports) if len(reports) > 1 else 0.0
    print(f"mean best reported {statistics.mean(reports):.4f} +- {spread:.4f}")
    return 0


def _predict(args):
    """``autonas predict``: predictions of an exported SavedModel as CSV (stdout or --output)."""
    from autonas import serving

    try:
        model = serving.ServedModel(args.model)
        feeds, ids = serving.read_data(args.data, model, column=args.column)
        frame = model.predictions_frame(model.predict(feeds, batch_size=args.batch_size), ids)
        if args.output:
            folder = os.path.dirname(os.path.abspath(args.output))
            os.makedirs(folder, exist_ok=True)
            frame.to_csv(args.output, index=False)
            print(f"Wrote {len(frame)} prediction(s) to {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(frame.to_csv(index=False))
    except OSError as e:
        raise ValueError(f"{e.strerror or e}: {e.filename!r}" if e.filename else str(e)) from None
    return 0


def _add_predict(sub):
    predict = sub.add_parser(
        "predict", help="predict with an exported SavedModel",
        description="Predict with a SavedModel written by clf.export(...) or autonas fit --export. DATA is a CSV "
                    "file (structured data, or texts in one column), an image folder, a text folder (.txt files), a "
                    ".txt file (one text per line) or an .npz file with an array 'x'. Prints a CSV of predicted "
                    "labels and class probabilities (classifiers) or values (regressors), one row per example in "
                    "the order read (folders: sorted file paths, in a 'file' column).")
    predict.add_argument("model", metavar="MODEL", help="the SavedModel folder (holding saved_model.pb)")
    predict.add_argument("data", metavar="DATA", help="CSV file, image or text folder, .txt or .npz file")
    predict.add_argument("--output", "-o", default=None, help="write the CSV to this file instead of printing it")
    predict.add_argument("--column", default=None, help="text models and CSV data: the column holding the texts")
    predict.add_argument("--batch-size", type=int, default=256, help="examples per model call (default 256)")
    predict.set_defaults(func=_predict)


def build_parser():
    """The argument parser of the `autonas` command.

    Returns:
        An `argparse.ArgumentParser`.
    """
    from autonas import __version__

    parser = argparse.ArgumentParser(prog="autonas", description="Keras-style AutoML and architecture search.")
    parser.add_argument("--version", action="version", version=f"autonas {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    fit = sub.add_parser("fit", help="search and refit a model on a CSV file, a class folder or an .npz",
                         description="Search for the best model on DATA, refit it on all the data, and "
                                     "optionally export it as a SavedModel.")
    fit.add_argument("data", metavar="DATA",
                     help="a CSV file (with --target), a folder with one subfolder per class (images or "
                          ".txt files), or an .npz with arrays x and y")
    fit.add_argument("--task", choices=sorted(TASKS) + ["image", "text", "structured"], default=None,
                     help="what to learn; guessed from DATA when omitted (classification by default)")
    fit.add_argument("--target", help="the target column of a CSV file (forecast: comma-separated, default all)")
    fit.add_argument("--horizon", type=int, default=None, help="forecast: rows to forecast")
    fit.add_argument("--lookback", type=int, default=None, help="forecast: rows of history read (default searched)")
    fit.add_argument("--max-trials", type=int, default=10, help="number of configurations to train (default 10)")
    fit.add_argument("--tuner", default="random", help="search strategy (default random)")
    fit.add_argument("--max-time", default=None, help="time budget such as 90s, 30m or 2h")
    fit.add_argument("--epochs", type=int, default=None, help="epochs per trial (default: early stopping)")
    fit.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    fit.add_argument("--validation-split", type=float, default=0.2, help="held-out fraction (default 0.2)")
    fit.add_argument("--seed", type=int, default=None, help="random seed")
    fit.add_argument("--directory", default="autonas_runs", help="where projects live (default autonas_runs)")
    fit.add_argument("--project-name", default=None, help="project folder name (default: the task)")
    fit.add_argument("--overwrite", action="store_true", help="start afresh instead of resuming the project")
    fit.add_argument("--export", metavar="DIR", help="export the refitted model as a SavedModel to DIR")
    fit.add_argument("--verbose", type=int, choices=[0, 1, 2], default=1, help="0 silent, 1 per trial, 2 epochs")
    fit.set_defaults(func=_fit)

    board = sub.add_parser("leaderboard", help="show the trials of a project directory",
                           description="Print one row per trial of a search, best first, from its project "
                                       "directory (no model is built).")
    board.add_argument("project_dir", metavar="PROJECT_DIR", help="the project directory (directory/project_name)")
    board.add_argument("--all", action="store_true", help="also show every hyperparameter")
    board.set_defaults(func=_leaderboard)
    table = sub.add_parser("benchmark-table", help="run a search strategy against a NAS lookup table",
                           description="Run a strategy on a benchmark table with no training: NAS-Bench-Macro's "
                                       "JSON, or any CSV whose configuration columns hold categorical values.")
    table.add_argument("table", metavar="TABLE", help="nas-bench-macro_cifar10.json or a CSV table")
    table.add_argument("--tuner", default="evolution", help="search strategy (default evolution)")
    table.add_argument("--max-trials", type=int, default=100, help="evaluations per search (default 100)")
    table.add_argument("--seeds", type=int, default=1, help="number of seeds to repeat the search with (default 1)")
    table.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    table.add_argument("--hyperparameters", help="CSV tables: comma-separated configuration columns")
    table.add_argument("--objective", default="val_acc", help="CSV tables: the observed column (default val_acc)")
    table.add_argument("--report", default="test_acc", help="CSV tables: the reported column (default test_acc)")
    table.add_argument("--direction", choices=["max", "min"], default="max", help="CSV tables (default max)")
    table.set_defaults(func=_benchmark_table)

    demo = sub.add_parser("demo", help="search, refit, export and reload an image classifier on digits")
    demo.add_argument("--max-trials", type=int, default=5, help="number of trials (default 5)")
    demo.add_argument("--max-time", default="90s", help="search time budget (default 90s)")
    demo.add_argument("--epochs", type=int, default=None, help="epochs per trial (default: early stopping)")
    demo.add_argument("--out", default="demo_out", help="output folder (default ./demo_out)")
    demo.set_defaults(func=_demo)
    _add_distributed(sub)
    _add_predict(sub)
    return parser


def main(argv=None):
    """Entry point of the `autonas` console script.

    Args:
        argv: argument list (defaults to ``sys.argv[1:]``).

    Returns:
        The process exit code.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as e:
        message = " ".join(str(e).split())
        print(f"autonas: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
