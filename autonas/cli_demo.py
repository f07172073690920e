"""``autonas demo``: search, refit, export and reload an image classifier on scikit-learn's digits."""

import json
import os
import subprocess
import sys
import tempfile
import time

__all__ = ["add_demo_parser"]

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
    parts = ", ".join(f"trial {m['trial_id']} ({m['source']})" for m in clf.ensemble_["members"])
    print(f"\nTest accuracy of the final model ({parts}): {accuracy:.4f}")
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


def add_demo_parser(sub):
    """Add the ``demo`` command to the `autonas` parser's subparsers.

    Args:
        sub: the subparsers action of `autonas.cli.build_parser`.

    Returns:
        None.

    Example:
        >>> add_demo_parser(parser.add_subparsers())  # doctest: +SKIP
    """
    demo = sub.add_parser("demo", help="search, refit, export and reload an image classifier on digits")
    demo.add_argument("--max-trials", type=int, default=5, help="number of trials (default 5)")
    demo.add_argument("--max-time", default="90s", help="search time budget (default 90s)")
    demo.add_argument("--epochs", type=int, default=None, help="epochs per trial (default: early stopping)")
    demo.add_argument("--out", default="demo_out", help="output folder (default ./demo_out)")
    demo.set_defaults(func=_demo)
