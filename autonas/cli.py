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

Errors are reported as one line on stderr with exit code 2. ``fit`` lives in `autonas.cli_fit`,
``demo`` in `autonas.cli_demo`.
"""

import argparse
import os
import sys

from autonas.cli_demo import add_demo_parser
from autonas.cli_fit import TASKS, add_fit_parser, infer_task  # noqa: F401  (re-exported)

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

    add_fit_parser(sub)

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

    add_demo_parser(sub)
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
