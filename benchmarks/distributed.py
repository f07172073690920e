"""The same search in process and on Ray Tune with 1 and 2 concurrent trials.

Each run is a whole `fit` (search of `--trials` trials, refit) of a
`StructuredDataClassifier` on the 64 pixel columns of scikit-learn's digits
(1,437 training rows, `--epochs` epochs per trial, seed per run), with

- ``local``: ``executor="local"`` (trials one after another in this process);
- ``ray-1``: ``executor="ray", max_concurrent_trials=1``;
- ``ray-2``: ``executor="ray", max_concurrent_trials=2``;
- ``ray-kill``: as ``ray-1``, with the process of trial 2 SIGKILLed at the end of
  its first epoch (once); the time from the kill to the start of its retry (the
  retried run's record) is reported.

Ray is started once per run with ``ray.init(num_cpus=2)`` (its start is
counted in the run's wall time, as a user would pay it). Reported per mode,
mean ± std over the seeds: the wall time of the whole fit, the time of the
search, the mean trial duration (the runner's record: build, training,
checkpoint) and the held-out accuracy of the refit model; then the ratios
trial time Ray / in process and search throughput ray-2 / ray-1, per seed
(the modes of a seed run one after another, so they see the same load), and
the time from a killed trial to its retry.

Example:
    nice taskset -c 0,1 python benchmarks/distributed.py --seeds 0,1,2 --json distributed.json
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

MODES = {"local": {}, "ray-1": {"executor": "ray", "max_concurrent_trials": 1},
         "ray-2": {"executor": "ray", "max_concurrent_trials": 2},
         "ray-kill": {"executor": "ray", "max_concurrent_trials": 1, "max_failures": 1}}

RUN = r"""
import json, os, sys, time
start = time.time()
import numpy as np
from sklearn.datasets import load_digits
import autonas

mode, seed, trials, epochs, directory = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
kwargs = json.loads(sys.argv[6])
callbacks = []
if kwargs.get("executor") == "ray":
    import ray
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
if mode == "ray-kill":
    import signal
    import keras

    class KillOnce(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            from ray import tune
            marker = os.path.join(directory, "killed.json")
            ray_dir = tune.get_context().get_trial_dir()
            if os.path.exists(marker) or not ("trial_2_" in os.path.basename(ray_dir) or "trial_2" in os.listdir(ray_dir)):
                return
            with open(marker, "w") as f:
                json.dump({"time": time.time()}, f)
            os.kill(os.getpid(), signal.SIGKILL)

    callbacks.append(KillOnce())
d = load_digits()
order = np.random.default_rng(0).permutation(len(d.data))
x, y = d.data[order].astype("float32"), d.target[order]
x_train, y_train, x_test, y_test = x[:1437], y[:1437], x[1437:], y[1437:]
clf = autonas.StructuredDataClassifier(max_trials=trials, seed=seed, directory=directory, project_name="p",
                                       overwrite=True, tuner="random", ensemble_size=1, **kwargs)
clf.fit(x_train, y_train, epochs=epochs, verbose=0, callbacks=callbacks)
records = {n: json.load(open(os.path.join(directory, "p", n, "autonas_trial.json")))
           for n in os.listdir(os.path.join(directory, "p"))
           if n.startswith("trial_") and os.path.exists(os.path.join(directory, "p", n, "autonas_trial.json"))}
retry = None
if mode == "ray-kill":
    retry = records["trial_2"]["start_time"] - json.load(open(os.path.join(directory, "killed.json")))["time"]
print("RESULT " + json.dumps({
    "mode": mode, "seed": seed, "wall": time.time() - start, "search": clf.search_time_,
    "trials": len(records), "trial_seconds": float(np.mean([r["duration"] for r in records.values()])),
    "retry_seconds": retry, "accuracy": float(np.mean(clf.predict(x_test).ravel() == y_test)),
}))
"""


def run(mode, seed, trials, epochs):
    """One whole fit in a fresh process; returns its RESULT record."""
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RAY_worker_niceness": "0"}
        done = subprocess.run([sys.executable, "-c", RUN, mode, str(seed), str(trials), str(epochs), directory,
                               json.dumps(MODES[mode])], capture_output=True, text=True, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{mode} seed {seed} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def summary(records):
    """Mean ± std per mode, and the ratios, as Markdown lines."""
    def stat(values):
        return f"{np.mean(values):.1f} ± {np.std(values):.1f}"

    lines = ["| mode | seeds | trials | fit wall (s) | search (s) | search s / trial | trial record (s) | "
             "kill to retry (s) | held-out accuracy |", "|---|---|---|---|---|---|---|---|---|"]
    by_mode = {m: [r for r in records if r["mode"] == m] for m in MODES}
    for mode, rs in by_mode.items():
        if rs:
            retries = [r["retry_seconds"] for r in rs if r.get("retry_seconds") is not None]
            lines.append(f"| {mode} | {len(rs)} | {rs[0]['trials']} | {stat([r['wall'] for r in rs])} | "
                         f"{stat([r['search'] for r in rs])} | {stat([r['search'] / r['trials'] for r in rs])} | "
                         f"{stat([r['trial_seconds'] for r in rs])} | {stat(retries) if retries else '-'} | "
                         f"{np.mean([r['accuracy'] for r in rs]):.3f} |")
    local = by_mode["local"]
    for mode in ("ray-1", "ray-2"):
        if local and by_mode[mode]:
            # per seed, then mean ± std of the ratios: the seeds ran interleaved, so each pair saw the same load
            pairs = [(r, next((l for l in local if l["seed"] == r["seed"]), None)) for r in by_mode[mode]]
            search = [r["search"] / r["trials"] / (l["search"] / l["trials"]) for r, l in pairs if l]
            record = [r["trial_seconds"] / l["trial_seconds"] for r, l in pairs if l]
            lines.append(f"\n{mode} / local, search time per trial: {stat2(search)}; "
                         f"trial record: {stat2(record)}")
    if by_mode["ray-1"] and by_mode["ray-2"]:
        one = {r["seed"]: r["search"] for r in by_mode["ray-1"]}
        throughput = [one[r["seed"]] / r["search"] for r in by_mode["ray-2"] if r["seed"] in one]
        lines.append(f"search throughput ray-2 / ray-1: {stat2(throughput)}")
    return "\n".join(lines)


def stat2(values):
    return f"{np.mean(values):.2f} ± {np.std(values):.2f} (n={len(values)})" if values else "-"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated, from " + ", ".join(MODES))
    parser.add_argument("--json", default=None, help="write every run's record here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    records = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        for mode in args.modes.split(","):  # seeds interleaved across modes: load drifts hit every mode
            started = time.time()
            records.append(run(mode, seed, args.trials, args.epochs))
            logging.info("%s seed %d: %.0fs %s", mode, seed, time.time() - started, records[-1])
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(records, f, indent=1)
    print(summary(records))


if __name__ == "__main__":
    main()
