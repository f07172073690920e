"""Resident memory over a long search in one process.

    python benchmarks/memory.py --trials 30
    python benchmarks/memory.py --trials 30 --json     # one JSON line (used by the tests)

A vanilla-convnet image search on 200 digits images, one epoch per trial.
Resident set size (RSS) is read at two points of every trial:

- *between trials*: when the trial's training begins, after the previous
  trial's model was released and this one built — what a long search keeps;
- *at trial end*: when its training ends, with the model, its optimizer state
  and its traced graphs alive — the trial's working set, which depends on the
  size of the sampled network (the space holds networks from 3 thousand to 3
  million parameters).

Prints both curves and their growth after the third trial; the target (under
10%) applies to memory kept between trials. Linux only (reads /proc/self/statm).
"""

import argparse
import gc
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def growth(values):
    """Growth of the maximum after the third value, relative to the third."""
    return (max(values[3:]) - values[2]) / values[2] if len(values) > 3 else float("nan")


def measure(trials, directory):
    """Run the search; returns ``{"between": [...], "end": [...], "params": [...]}`` (bytes, per trial)."""
    import keras
    from sklearn.datasets import load_digits

    import autonas

    between, end = [], []

    class Track(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            gc.collect()
            between.append(resident_bytes())

        def on_train_end(self, logs=None):
            gc.collect()
            end.append(resident_bytes())

    d = load_digits()
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.ImageBlock(block_type="vanilla")(inp))
    model = autonas.AutoModel(inp, out, max_trials=trials, seed=0, directory=directory, overwrite=True)
    model.fit(d.images[:200], d.target[:200], epochs=1, verbose=0, callbacks=[Track()])
    params = [int(p) for p in model.leaderboard().sort_values("trial_id")["params"]]  # ids count up
    # The last entries are the refit's: keep the trials only.
    return {"between": between[:trials], "end": end[:trials], "params": params}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    args = parser.parse_args(argv)
    if not os.path.exists("/proc/self/statm"):
        print("SKIPPED: resident memory is read from /proc/self/statm (Linux only).")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(args.trials, tmp)
    if args.json:
        print(json.dumps(result))
        return 0
    mib = 2 ** 20
    print("trial | RSS MiB between trials | RSS MiB at trial end | parameters")
    for i, (b, e) in enumerate(zip(result["between"], result["end"])):
        params = result["params"][i] if i < len(result["params"]) else ""
        print(f"{i + 1:5d} | {b / mib:8.1f} | {e / mib:8.1f} | {params}")
    print(f"growth after trial 3, between trials: {growth(result['between']):.1%} "
          f"(max {max(result['between']) / mib:.1f} MiB)")
    print(f"growth after trial 3, at trial end:   {growth(result['end']):.1%} "
          f"(max {max(result['end']) / mib:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
