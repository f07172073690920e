"""The `autonas` command line.

    autonas demo [--max-trials N] [--out DIR]
    autonas predict MODEL DATA [--output FILE] [--column NAME] [--batch-size N]

More commands (fit, predict, leaderboard, benchmark-table) build on this module.
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
    parser = argparse.ArgumentParser(prog="autonas", description="Keras-style AutoML and architecture search.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="search, refit, export and reload an image classifier on digits")
    demo.add_argument("--max-trials", type=int, default=5, help="number of trials (default 5)")
    demo.add_argument("--max-time", default="90s", help="search time budget (default 90s)")
    demo.add_argument("--epochs", type=int, default=None, help="epochs per trial (default: early stopping)")
    demo.add_argument("--out", default="demo_out", help="output folder (default ./demo_out)")
    demo.set_defaults(func=_demo)
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
    except (ValueError, TypeError, FileNotFoundError) as e:
        print(f"autonas: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
