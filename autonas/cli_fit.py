"""``autonas fit``: the task for a data path (`infer_task`), the data for `fit`, and the command itself."""

import os

__all__ = ["TASKS", "add_fit_parser", "infer_task"]

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


def add_fit_parser(sub):
    """Add the ``fit`` command to the `autonas` parser's subparsers.

    Args:
        sub: the subparsers action of `autonas.cli.build_parser`.

    Returns:
        None.

    Example:
        >>> add_fit_parser(parser.add_subparsers())  # doctest: +SKIP
    """
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
