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

Ray is started once per run with ``ray.init(address="local", num_cpus=2)`` (a
new local Ray, never one already running on the machine; its start is counted
in the run's wall time, as a user would pay it). Each run is a fresh
process in its own session; while it runs, this script samples the CPU time of
every process of that session (the driver, Ray's daemons, the trials'
processes) and the load average.

On a shared machine the load moves each run's times far more than Ray does, so
the modes of a seed run back to back, ``local`` and ``ray-1`` always next to
each other, and the order is reversed on every other seed (ABBA), so that a
drift of the load hits both sides of each ratio alike; pin the whole benchmark
to one core (``taskset -c N``: Ray's processes inherit it) so that both modes
get the same CPU. Reported per mode, mean ± std over the seeds: the wall time
of the whole fit, the search, the search time per trial, the trials' own
records (the runner's duration: build, training, checkpoint; and the CPU time
of each trial's training, measured inside its process), what the executor adds
per trial beyond the trial's own record (search time per trial minus the mean
record), the CPU time of every process of the run, the load average; then per
seed the ratios Ray / in process (search time per trial, trial record, trial
CPU) and the search throughput ray-2 / ray-1, and the time from a killed trial
to its retry.

Example:
    nice -n 5 taskset -c 1 python benchmarks/distributed.py --seeds 0,1,2 --json distributed.json
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
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
import keras

mode, seed, trials, epochs, directory = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
kwargs = json.loads(sys.argv[6])


class TrainCPU(keras.callbacks.Callback):
    # each trial's training, wall and CPU time of the process it runs in (all its threads)
    def on_train_begin(self, logs=None):
        self.began = (time.time(), time.process_time())

    def on_train_end(self, logs=None):
        with open(os.path.join(directory, "train_cpu.jsonl"), "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "wall": time.time() - self.began[0],
                                "cpu": time.process_time() - self.began[1], "began": self.began[0],
                                "process_cpu_at_begin": self.began[1]}) + "\n")


callbacks = [TrainCPU()]
d = load_digits()
order = np.random.default_rng(0).permutation(len(d.data))
x, y = d.data[order].astype("float32"), d.target[order]
x_train, y_train, x_test, y_test = x[:1437], y[:1437], x[1437:], y[1437:]
fit_start = time.time()
if kwargs.get("executor") == "ray":
    import ray
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
if mode == "ray-kill":
    import signal

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
clf = autonas.StructuredDataClassifier(max_trials=trials, seed=seed, directory=directory, project_name="p",
                                       overwrite=True, tuner="random", ensemble_size=1, **kwargs)
clf.fit(x_train, y_train, epochs=epochs, verbose=0, callbacks=callbacks)
fit_wall = time.time() - fit_start
records = {n: json.load(open(os.path.join(directory, "p", n, "autonas_trial.json")))
           for n in os.listdir(os.path.join(directory, "p"))
           if n.startswith("trial_") and os.path.exists(os.path.join(directory, "p", n, "autonas_trial.json"))}
retry = None
if mode == "ray-kill":
    retry = records["trial_2"]["start_time"] - json.load(open(os.path.join(directory, "killed.json")))["time"]
with open(os.path.join(directory, "train_cpu.jsonl")) as f:
    trained = [json.loads(line) for line in f]
trial_pids = sorted({r["pid"] for r in records.values()} | {t["pid"] for t in trained[:-1]})
print("RESULT " + json.dumps({
    "mode": mode, "seed": seed, "fit_wall": fit_wall, "search": clf.search_time_,
    "trials": len(records), "trial_seconds": float(np.mean([r["duration"] for r in records.values()])),
    "build_seconds": float(np.mean([r.get("build_seconds") or 0.0 for r in records.values()])),
    "train_cpu": float(np.mean([t["cpu"] for t in trained[:-1]])),  # the last one is the refit's
    "train_wall": float(np.mean([t["wall"] for t in trained[:-1]])),
    "retry_seconds": retry, "accuracy": float(np.mean(clf.predict(x_test).ravel() == y_test)),
    "driver_pid": os.getpid(), "trial_pids": trial_pids, "trained": trained,
}))
"""


def _session_cpu(session):
    """``{pid: (cpu seconds so far, command)}`` of every process in session `session` (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != session:
                continue
            with open(f"/proc/{pid}/cmdline") as f:
                command = f.read().replace("\0", " ")[:200]
        except (OSError, IndexError, ValueError):
            continue
        found[int(pid)] = ((int(fields[11]) + int(fields[12])) / tick, command)
    return found


class Sampler(threading.Thread):
    """Samples, every `period` s until stopped, the CPU time of a session's processes and the load average."""

    def __init__(self, session, period=1.0):
        super().__init__(daemon=True)
        self.session, self.period = session, period
        self.cpu, self.commands, self.load = {}, {}, []
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(self.period):
            for pid, (cpu, command) in _session_cpu(self.session).items():
                self.cpu[pid] = max(cpu, self.cpu.get(pid, 0.0))
                self.commands.setdefault(pid, command)
            with open("/proc/loadavg") as f:
                self.load.append(float(f.read().split()[0]))


def run(mode, seed, trials, epochs):
    """One whole fit in a fresh process (its own session); returns its RESULT record, with CPU times and load."""
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RAY_worker_niceness": "0"}
        started = time.time()
        proc = subprocess.Popen([sys.executable, "-c", RUN, mode, str(seed), str(trials), str(epochs), directory,
                                 json.dumps(MODES[mode])], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, start_new_session=True)
        sampler = Sampler(proc.pid)
        sampler.start()
        stdout, stderr = proc.communicate()
        wall = time.time() - started
        sampler.done.set()
        sampler.join()
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            record = json.loads(line[len("RESULT "):])
            break
    else:
        raise RuntimeError(f"{mode} seed {seed} failed:\n{stdout[-2000:]}\n{stderr[-4000:]}")
    cpu = sampler.cpu
    trial_pids = set(record.pop("trial_pids")) - {record["driver_pid"]}
    record.update(
        wall=wall, load=float(np.mean(sampler.load)) if sampler.load else None,
        load_range=[min(sampler.load), max(sampler.load)] if sampler.load else None,
        cpu_total=sum(cpu.values()), cpu_driver=cpu.get(record["driver_pid"], 0.0),
        cpu_trial_processes=sum(cpu.get(p, 0.0) for p in trial_pids),
        affinity=sorted(os.sched_getaffinity(0)))
    record["cpu_ray_other"] = record["cpu_total"] - record["cpu_driver"] - record["cpu_trial_processes"]
    return record


def run_order(modes, index):
    """The modes of the `index`-th seed: as given, reversed on every other seed (ABBA against load drift)."""
    return list(modes) if index % 2 == 0 else list(reversed(modes))


def summary(records):
    """Mean ± std per mode, and the ratios, as Markdown lines."""
    def stat(values, digits=1):
        values = [v for v in values if v is not None]
        return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}" if values else "-"

    lines = ["| mode | seeds | trials | fit wall (s) | search (s) | search s / trial | trial record (s) | "
             "build (s) | trial training CPU (s) | added per trial (s) | CPU all processes (s) | kill to retry (s) | "
             "load avg | held-out accuracy |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    by_mode = {m: [r for r in records if r["mode"] == m] for m in MODES}
    for mode, rs in by_mode.items():
        if rs:
            lines.append(
                f"| {mode} | {len(rs)} | {rs[0]['trials']} | {stat([r['fit_wall'] for r in rs])} | "
                f"{stat([r['search'] for r in rs])} | {stat([r['search'] / r['trials'] for r in rs])} | "
                f"{stat([r['trial_seconds'] for r in rs])} | {stat([r.get('build_seconds') for r in rs], 2)} | "
                f"{stat([r['train_cpu'] for r in rs])} | "
                f"{stat([r['search'] / r['trials'] - r['trial_seconds'] for r in rs])} | "
                f"{stat([r['cpu_total'] for r in rs])} | {stat([r.get('retry_seconds') for r in rs])} | "
                f"{stat([r['load'] for r in rs])} | {np.mean([r['accuracy'] for r in rs]):.3f} |")
    local = {r["seed"]: r for r in by_mode["local"]}
    for mode in ("ray-1", "ray-2", "ray-kill"):
        pairs = [(r, local[r["seed"]]) for r in by_mode[mode] if r["seed"] in local]
        if pairs:
            ratios = {
                "search time per trial": [r["search"] / r["trials"] / (l["search"] / l["trials"]) for r, l in pairs],
                "trial record": [r["trial_seconds"] / l["trial_seconds"] for r, l in pairs],
                "trial training CPU": [r["train_cpu"] / l["train_cpu"] for r, l in pairs],
                "CPU of all processes": [r["cpu_total"] / l["cpu_total"] for r, l in pairs],
                "fit wall": [r["fit_wall"] / l["fit_wall"] for r, l in pairs]}
            lines.append(f"\n{mode} / local, per seed then mean ± std: " + "; ".join(
                f"{name} {stat2(values)} [{', '.join(f'{v:.2f}' for v in values)}]"
                for name, values in ratios.items()))
    one = {r["seed"]: r["search"] for r in by_mode["ray-1"]}
    throughput = [one[r["seed"]] / r["search"] for r in by_mode["ray-2"] if r["seed"] in one]
    if throughput:
        lines.append(f"\nsearch throughput ray-2 / ray-1: {stat2(throughput)} "
                     f"[{', '.join(f'{v:.2f}' for v in throughput)}]")
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
    for index, seed in enumerate(int(s) for s in args.seeds.split(",")):
        for mode in run_order(args.modes.split(","), index):
            records.append(run(mode, seed, args.trials, args.epochs))
            logging.info("%s seed %d: %.0fs %s", mode, seed, records[-1]["wall"], records[-1])
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(records, f, indent=1)
    print(summary(records))


if __name__ == "__main__":
    main()
