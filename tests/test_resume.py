"""Kill-proof resume: SIGKILL a search at random moments, rerun, and lose nothing.

Every killed search is a process of its own, killed with SIGKILL while it
trains. Importing TensorFlow takes several seconds, far longer than a tiny
search, so the killed searches are forked from one helper process that has
imported autonas once and has run nothing (no TensorFlow runtime, one thread):
each fork starts from that clean state, resumes the search from the project
directory, and is killed after a random delay. The last run, which must finish
the search, is a fresh Python process.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

SEARCH = r"""
def search(directory, max_trials):
    import numpy as np
    from sklearn.datasets import load_digits

    import autonas

    d = load_digits()
    x, y = d.images[:150], d.target[:150]
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.DenseBlock(num_layers=1)(inp))
    clf = autonas.AutoModel(inp, out, max_trials=max_trials, seed=0, directory=directory, project_name="p",
                            overwrite=False)
    clf.fit(x, y, epochs=1, verbose=0)
    clf.export(directory + "/final.keras", format="keras")
    print("SEARCH DONE", len(clf.leaderboard()), flush=True)
"""

# A fresh process that runs the search to its end.
MAIN = SEARCH + r"""
import sys

search(sys.argv[1], int(sys.argv[2]))
"""

# The helper: "RUN [directory, max_trials]" forks a search (answer "FORKED pid"); "REAP" waits for
# it (answer "ENDED exit-code"). The child is reaped only on request, so its pid cannot be reused
# by another process before the test has sent its signal.
FORKER = SEARCH + r"""
import json
import os
import sys
import traceback

import autonas  # noqa: F401  (imported once; each search runs in a fork)

threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
if threads != 1:  # a fork copies only the calling thread: locks held by others would never be released
    sys.exit(f"cannot fork searches safely: {threads} threads run after importing autonas")
child = None
while True:
    line = sys.stdin.readline()
    if not line:
        break
    command, _, argument = line.strip().partition(" ")
    if command == "RUN":
        directory, max_trials = json.loads(argument)
        child = os.fork()
        if child == 0:
            code = 0
            try:
                search(directory, max_trials)
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        print("FORKED", child, flush=True)
    elif command == "REAP":
        _, status = os.waitpid(child, 0)
        print("ENDED", os.waitstatus_to_exitcode(status), flush=True)
"""


class Forker:
    """The helper process that forks killable searches."""

    def __init__(self, tmp_path, env):
        script = tmp_path / "forker.py"
        script.write_text(FORKER)
        self.errors = tmp_path / "forker.err"
        with open(self.errors, "w") as err:
            self.proc = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        self.output = []
        self.child = None

    def _send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def _expect(self, word):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                pytest.fail(f"the forking helper exited ({self.proc.wait()}):\n{self.errors.read_text()[-3000:]}")
            if line.startswith(word + " "):
                return int(line.split()[1])
            self.output.append(line)

    def run(self, directory, max_trials):
        self._send("RUN " + json.dumps([str(directory), max_trials]))
        self.child = self._expect("FORKED")
        return self.child

    def reap(self):
        self._send("REAP")
        code = self._expect("ENDED")
        self.child = None
        return code

    def close(self):
        if self.child is not None and self.proc.poll() is None:  # a test failed mid-cycle
            os.kill(self.child, signal.SIGKILL)
            self.reap()
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.proc.stdout.close()


def _cpu_seconds(pid):
    """CPU seconds a process has used, or None when it has ended (or /proc is not there)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] in "ZX":  # ended, not reaped yet
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_cpu_seconds(pid, seconds):
    """Wait until the process has used `seconds` of CPU (so a busy machine does not move the kill earlier
    in the search) or has ended; without /proc, wait `seconds` of wall time."""
    if _cpu_seconds(pid) is None and not os.path.exists(f"/proc/{pid}"):
        time.sleep(seconds)
        return
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        used = _cpu_seconds(pid)
        if used is None or used >= seconds:
            return
        time.sleep(0.02)


def _trial_states(project):
    states = {}
    for name in sorted(os.listdir(project)) if os.path.isdir(project) else []:
        path = os.path.join(project, name, "trial.json")
        if name.startswith("trial_") and os.path.exists(path):
            with open(path) as f:
                states[name] = json.load(f)  # every file must parse: no torn writes
    return states


def _kill_and_resume(tmp_path, kills, max_trials, seed):
    rng = random.Random(seed)
    directory = tmp_path / "runs"
    project = directory / "p"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    forker = Forker(tmp_path, env)
    completed_before = {}
    exit_codes = []
    try:
        for _ in range(kills):
            pid = forker.run(directory, max_trials)
            # From the fork: the data and the tuner set up and the search reloaded (well under a CPU
            # second), then trials of about two CPU seconds each, the refit and the export: the kill
            # lands anywhere in there.
            _wait_cpu_seconds(pid, rng.uniform(0.5, 6.0))
            os.kill(pid, signal.SIGKILL)  # a no-op if the search already ended (the child is not reaped yet)
            exit_codes.append(forker.reap())
            assert exit_codes[-1] in (0, -signal.SIGKILL), forker.errors.read_text()[-3000:]
            for name, state in _trial_states(project).items():
                if state["status"] == "COMPLETED":
                    if name in completed_before:  # a completed trial is never re-run or lost
                        assert state["score"] == completed_before[name]["score"]
                        assert (state["hyperparameters"]["values"]
                                == completed_before[name]["hyperparameters"]["values"])
                    completed_before[name] = state
            for name in completed_before:
                assert _trial_states(project)[name]["status"] == "COMPLETED"
            if os.path.exists(project / "oracle.json"):
                json.loads((project / "oracle.json").read_text())
    finally:
        forker.close()
    assert -signal.SIGKILL in exit_codes, "no kill landed while a search was running"
    script = tmp_path / "search.py"
    script.write_text(MAIN)
    final = subprocess.run([sys.executable, str(script), str(directory), str(max_trials)],
                           capture_output=True, text=True, env=env, timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    assert f"SEARCH DONE {max_trials}" in final.stdout
    states = _trial_states(project)
    assert len(states) == max_trials
    assert all(s["status"] == "COMPLETED" for s in states.values())
    values = [json.dumps(s["hyperparameters"]["values"], sort_keys=True) for s in states.values()]
    assert len(set(values)) == max_trials, "a configuration ran twice"
    for name, state in completed_before.items():
        assert states[name]["score"] == state["score"]
    assert (directory / "final.keras").exists()


def test_search_survives_sigkill_a_handful_of_times(tmp_path):
    _kill_and_resume(tmp_path, kills=3, max_trials=4, seed=0)


@pytest.mark.slow
def test_search_survives_sigkill_twenty_times(tmp_path):
    _kill_and_resume(tmp_path, kills=20, max_trials=8, seed=1)
