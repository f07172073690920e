"""Resident memory over a long search in one process.

    python benchmarks/memory.py --trials 30
    python benchmarks/memory.py --trials 30 --json     # one JSON line (used by the tests)
    python benchmarks/memory.py --allocator-speed      # training time with each CPU allocator
    python benchmarks/memory.py --allocator-speed --rounds 5 --modes system trimmed   # glibc's thresholds

A vanilla-convnet image search on 200 digits images, one epoch per trial.
Resident set size (RSS) is read at two points of every trial:

- *between trials*: when the trial's training begins, after the previous
  trial's model was released and this one built — what a long search keeps;
- *at trial end*: when its training ends, with the model, its optimizer state
  and its traced graphs alive — the trial's working set, which depends on the
  size of the sampled network (the space holds networks from 3 thousand to 3
  million parameters).

Prints both curves, their growth after the third trial and from the first, and
the creep (the least-squares slope after trial 5); the target (under 10% from
the first trial) applies to memory kept between trials. Linux only (reads /proc/self/statm).
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


def growth_from_first(values):
    """Growth of the maximum over the first value (TensorFlow's one-time set-up on the first training included)."""
    return (max(values) - values[0]) / values[0] if values else float("nan")


def creep(values, skip=5):
    """Least-squares slope, in bytes per trial, of the values after the first `skip`."""
    values = values[skip:]
    n = len(values)
    if n < 2:
        return float("nan")
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    return sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values)) / sum((i - mean_x) ** 2 for i in range(n))


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


SPEED_SCRIPT = r"""
import os, sys, time
import numpy as np
mode = sys.argv[1]
if mode == "pool":
    os.environ["TF_ONEDNN_USE_SYSTEM_ALLOCATOR"] = "0"
import autonas  # noqa: F401  (selects the system allocator unless told otherwise)
import keras
from autonas._compat import libc

if mode.startswith("trimmed"):  # glibc's thresholds fixed, as a search fixes them before its first trial
    if ":" in mode:
        libc.TRIM_THRESHOLD = int(mode.split(":")[1])
    assert libc.release_free_memory() and libc.keep_thread_heaps_trimmed()
from sklearn.datasets import load_digits

d = load_digits()
# 3,000 images of 28x28: digits upscaled, so that activations are MNIST-sized
x = np.repeat(np.repeat(d.images, 4, axis=1), 4, axis=2)[:, 2:30, 2:30, None].astype("float32") / 16
x, y = np.concatenate([x, x])[:3000], np.concatenate([d.target, d.target])[:3000]

def model():
    i = keras.Input((28, 28, 1))
    h = i
    for f in (32, 64):
        h = keras.layers.Conv2D(f, 3, padding="same", activation="relu")(h)
        h = keras.layers.Conv2D(f, 3, padding="same", activation="relu")(h)
        h = keras.layers.MaxPooling2D()(h)
    m = keras.Model(i, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(h)))
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m

model().fit(x[:256], y[:256], epochs=1, verbose=0)  # warm-up
start, cpu = time.perf_counter(), os.times()
model().fit(x, y, epochs=2, batch_size=32, verbose=0)
end = os.times()
print(time.perf_counter() - start, end.user - cpu.user, end.system - cpu.system)
"""


def allocator_speed(rounds=3, modes=None):
    """Train the same convnet in fresh processes with each allocator, alternating; print the times."""
    import subprocess

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_ONEDNN_USE_SYSTEM_ALLOCATOR", None)
    modes = modes or {"pool": "TensorFlow's oneDNN pool", "system": "system allocator, glibc's dynamic thresholds",
                      "trimmed": "system allocator, autonas's fixed glibc thresholds (a search's default)"}
    times = {mode: [] for mode in modes}
    for _ in range(rounds):
        for mode in modes:
            out = subprocess.run([sys.executable, "-c", SPEED_SCRIPT, mode], capture_output=True, text=True,
                                 env=env, check=True).stdout.split()
            times[mode].append(tuple(float(v) for v in out[-3:]))
    print("allocator | wall s per run (user / sys CPU s)")
    for mode, label in modes.items():
        runs = ", ".join(f"{w:.2f} ({u:.1f}/{s:.1f})" for w, u, s in times[mode])
        print(f"{label} | {runs}")
    first, *others = modes
    base = sorted(w for w, _, _ in times[first])[rounds // 2]
    base_cpu = sorted(u + s for _, u, s in times[first])[rounds // 2]
    for mode in others:
        wall = sorted(w for w, _, _ in times[mode])[rounds // 2]
        cpu = sorted(u + s for _, u, s in times[mode])[rounds // 2]
        print(f"median ratio {mode} / {first}: wall {wall / base:.2f}, CPU {cpu / base_cpu:.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    parser.add_argument("--allocator-speed", action="store_true",
                        help="compare training time with TensorFlow's oneDNN pool and the system allocator")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per allocator (--allocator-speed)")
    parser.add_argument("--modes", nargs="+", help="allocators to compare (--allocator-speed): pool, system, "
                                                   "trimmed, trimmed:<trim threshold in bytes>; the first is the base")
    args = parser.parse_args(argv)
    if args.allocator_speed:
        allocator_speed(args.rounds, {mode: mode for mode in args.modes} if args.modes else None)
        return 0
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
    print(f"growth from trial 1, between trials:  {growth_from_first(result['between']):.1%}; creep after trial 5: "
          f"{creep(result['between']) / mib:.2f} MiB per trial")
    return 0


if __name__ == "__main__":
    sys.exit(main())
