# %% [markdown]
# # Distributed search: a chief and two workers
#
# A search can spread its trials over many processes, on one machine or many. One
# process, the **chief**, holds the search strategy and hands out trials; any number
# of **workers** train them and report back. They share a project directory (a
# folder every host can read and write), where the workers save trial records and
# checkpoints and the chief finds them to refit the best model.
#
# Every process runs the **same script**, which loads its data and calls `fit`; a
# command sets its role:
#
# ```bash
# autonas chief --port 8000 search.py                          # serves trials, then refits
# autonas worker --chief 127.0.0.1:8000 --id w1 search.py      # runs trials, exits when none are left
# autonas worker --chief 127.0.0.1:8000 --id w2 search.py
# ```
#
# On a worker, `fit` ends the process once the chief has no more trials, so what
# follows `fit` in the script (evaluate, export) runs on the chief only.
#
# Here we start all three on this machine (127.0.0.1) from Python with
# `subprocess`, wait for them with a time limit, then read the leaderboard from the
# shared project directory. Set `AUTONAS_TUTORIAL_FAST=1` for two tiny trials.

# %% [markdown]
# Outside this repository (on Colab, in a fresh environment) install autonas first;
# `autonas[plot]` adds matplotlib for the plots. Skip this cell when autonas is installed.

# %% tags=["install"]
# %pip install --quiet "autonas[plot]"

# %%
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import autonas
from autonas.reporting import read_leaderboard

FAST = os.environ.get("AUTONAS_TUTORIAL_FAST") == "1"
WORK_DIR = Path(tempfile.mkdtemp(prefix="autonas_07_"))
PROJECT_PARENT = WORK_DIR / "runs"  # the shared folder: on a cluster, a network filesystem
print(f"fast mode: {FAST}; working in {WORK_DIR}")

# %% [markdown]
# ## 1. The search script
#
# An ordinary autonas script. Its settings come from the command line so that the
# chief and the workers are guaranteed to agree. The data is scikit-learn's digits,
# which every process can load by itself; on a cluster it would be a file on the
# shared filesystem.

# %%
SCRIPT = '''
import sys

import numpy as np
from sklearn.datasets import load_digits

import autonas

directory, max_trials, epochs, n_train = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
digits = load_digits()
order = np.random.default_rng(0).permutation(len(digits.images))
x, y = digits.images[order], digits.target[order]
x_train, y_train, x_test, y_test = x[:n_train], y[:n_train], x[1400:], y[1400:]

clf = autonas.ImageClassifier(max_trials=max_trials, tuner="random", seed=0,
                              directory=directory, project_name="digits")
clf.fit(x_train, y_train, epochs=epochs, verbose=1)

# Only the chief gets here.
accuracy = clf.evaluate(x_test, y_test)["accuracy"]
print(f"CHIEF: refitted trial {clf.best_trial_.trial_id}; test accuracy {accuracy:.4f}", flush=True)
'''
script_path = WORK_DIR / "search.py"
script_path.write_text(SCRIPT)

MAX_TRIALS = 2 if FAST else 8
script_args = [str(PROJECT_PARENT), str(MAX_TRIALS), "1" if FAST else "10", "300" if FAST else "1400"]

# %% [markdown]
# ## 2. Start the chief and two workers
#
# `python -m autonas.cli` is the `autonas` command, run with this notebook's Python
# (so the processes use the same installation). We pick a free port, write each
# process's output to a log file, and give the workers an id each.
#
# - `--lease-timeout`: a worker that stays silent this long (it died, its machine
#   went away) loses its trial to the next worker that asks, so the search never
#   hangs on a dead worker;
# - `--chief-timeout`: how long a worker waits for the chief, including its start.

# %%
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
AUTONAS = [sys.executable, "-m", "autonas.cli"]
# The child processes import the same autonas as this notebook.
package_root = str(Path(autonas.__file__).resolve().parent.parent)
env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
       "TF_CPP_MIN_LOG_LEVEL": "3"}

commands = {
    "chief": AUTONAS + ["chief", "--port", str(port), "--lease-timeout", "60", str(script_path), *script_args],
    "worker-1": AUTONAS + ["worker", "--chief", f"127.0.0.1:{port}", "--id", "worker-1", "--chief-timeout", "300",
                           str(script_path), *script_args],
    "worker-2": AUTONAS + ["worker", "--chief", f"127.0.0.1:{port}", "--id", "worker-2", "--chief-timeout", "300",
                           str(script_path), *script_args],
}
processes, logs = {}, {}
for name, command in commands.items():
    logs[name] = WORK_DIR / f"{name}.log"
    with open(logs[name], "w") as log:
        processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=WORK_DIR)
    print(f"started {name} (pid {processes[name].pid}) on port {port}")

# %% [markdown]
# ## 3. Wait, with a time limit
#
# The workers exit once every trial is done; the chief exits after the refit and the
# rest of the script. If anything takes too long, we stop every process and show
# the logs rather than wait forever.

# %%
TIMEOUT = 600 if FAST else 3600
deadline = time.monotonic() + TIMEOUT
start = time.monotonic()
try:
    while any(p.poll() is None for p in processes.values()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the search did not finish within {TIMEOUT}s")
        failed = [n for n, p in processes.items() if p.poll() not in (None, 0)]
        if failed:
            raise RuntimeError(f"{', '.join(failed)} exited with an error")
        time.sleep(1)
except (TimeoutError, RuntimeError) as problem:
    for name, p in processes.items():
        if p.poll() is None:
            p.kill()
            p.wait(timeout=30)
        print(f"--- {name} (exit code {p.returncode}) ---\n{logs[name].read_text()[-3000:]}")
    raise
print(f"all processes finished in {time.monotonic() - start:.0f}s; exit codes:",
      {name: p.returncode for name, p in processes.items()})

# %% [markdown]
# What each process said (the lines that matter):

# %%
for name in processes:
    lines = [line for line in logs[name].read_text().splitlines()
             if line.startswith(("Trial ", "Search ended", "CHIEF")) or "Worker" in line]
    print(f"--- {name}")
    print("\n".join(lines[-8:]))

# %% [markdown]
# ## 4. The leaderboard from the shared project directory
#
# `read_leaderboard` reads the trial records in a project directory without building
# any model (the `autonas leaderboard DIR` command prints the same). The chief also
# records which worker ran which trial in `leases.json`.

# %%
project_dir = PROJECT_PARENT / "digits"
board = read_leaderboard(project_dir)
print(board[["trial_id", "status", "score", "params", "duration"]].to_string(index=False))

leases = json.loads((project_dir / "leases.json").read_text())
for trial_id, history in sorted(leases["trials"].items()):
    print(f"trial {trial_id}: " + ", ".join(f"{h['tuner_id']} ({h['outcome']})" for h in history))
print(f"{int((board['status'] == 'COMPLETED').sum())} of {MAX_TRIALS} trials completed")

# %% [markdown]
# Expected output in fast mode: `2 of 2 trials completed`, one trial run by each worker
# (the lease history above names them).

# %% [markdown]
# ## 5. What protects the search
#
# - **Leases**: a worker that stays silent for `--lease-timeout` seconds loses its trial
#   to the next worker that asks; a trial that kills its workers three times is recorded
#   FAILED.
# - **Fencing**: a worker writes its trial into a folder of its own (`.staging/` in the
#   project directory) and moves the files into the trial folder only once the chief
#   confirms it still holds the trial; a worker that hears nothing from the chief for
#   `--lease-timeout` seconds stops the trial and exits (`WorkerCutOff`).
# - **Who may talk**: the chief binds 127.0.0.1 unless `--host` says otherwise; beyond it,
#   every call needs the shared token `AUTONAS_TOKEN`; with `AUTONAS_TLS_CERT` and
#   `AUTONAS_TLS_KEY` on the chief and `AUTONAS_TLS_CA` on the workers the connection is
#   encrypted too.
#
# ## 6. The same search on Ray
#
# If you already run Ray (or Kubernetes, or Slurm), let Ray Tune run the trials instead:
# no chief, no shared folder, one argument.
#
# ```python
# clf = autonas.ImageClassifier(max_trials=8, tuner="random", seed=0, directory="runs",
#                               project_name="digits", executor="ray", max_concurrent_trials=2,
#                               resources_per_trial={"cpu": 1})
# clf.fit(x_train, y_train, epochs=10)
# ```
#
# - **One machine**: `fit` starts a local Ray by itself (`ray.init(num_cpus=2)` before
#   `fit` gives it two cores only).
# - **A Ray cluster**: `ray start --head --port=6379` on one host, `ray start
#   --address=HEAD:6379` on the others, then `ray job submit --address http://HEAD:8265
#   --working-dir . -- python search.py`; or set `RAY_ADDRESS=HEAD:6379` and run the script.
# - **Kubernetes**: a KubeRay `RayJob` whose `entrypoint` is `python search.py` (a complete
#   manifest is in the README, "On a Ray cluster").
# - **Slurm**: start `ray start --head` on the first node of the allocation and `ray start
#   --address=...` on the others with `srun`, then run the script with `RAY_ADDRESS` set
#   (a job script is in the README).
# - **GPUs**: `resources_per_trial={"gpu": 1}` reserves a GPU per trial; Ray sets each trial's
#   `CUDA_VISIBLE_DEVICES`, so concurrent trials never share a GPU.
# - **Checkpoints** live in Ray's storage (`<project>/ray/run_<n>` by default, or cloud
#   storage) and are copied into the project directory, where the leaderboard, the refit and
#   `export` read them. A trial whose process or node dies runs again (`max_failures`); a
#   driver that dies resumes when the script runs again, without re-running a completed trial.
