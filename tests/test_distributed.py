"""Distributed search with real processes on loopback: `autonas chief` and `autonas worker`."""

import json
import os
import signal
import socket
import time

import pytest

import warm_processes

pytestmark = pytest.mark.slow

SCRIPT = r"""
import sys
from sklearn.datasets import load_digits
import autonas

directory, max_trials, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
strategy = sys.argv[4] if len(sys.argv) > 4 else "random"
d = load_digits()
x, y = d.images[:300], d.target[:300]
# The full ImageClassifier space (with its conditional backbones), but the first trials are plain convnets
# given as warm starts: their graphs trace in a second or two, where a resnet or xception takes many.
warm = [{}, {"image_block/vanilla/filters": 16}, {"image_block/vanilla/num_blocks": 1},
        {"image_block/vanilla/num_layers": 1}]
clf = autonas.ImageClassifier(max_trials=max_trials, seed=0, directory=directory, project_name="p", tuner=strategy,
                              initial_hps=warm)
clf.fit(x, y, epochs=epochs, verbose=0)
# Only the chief gets here: a worker's fit ends the process once the chief has no more trials.
clf.export(directory + "/final.keras", format="keras")
print("CHIEF DONE", len(clf.leaderboard()), clf.evaluate(x, y)["accuracy"], flush=True)
"""

TIMEOUT = 400  # seconds per wait: an upper bound on a hang, not a speed target


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A chief and workers started with the `autonas` command, logs in files."""

    def __init__(self, tmp_path, max_trials, epochs, lease_timeout, strategy="random"):
        self.tmp = tmp_path
        self.script = tmp_path / "search.py"
        self.script.write_text(SCRIPT)
        self.runs = tmp_path / "runs"
        self.args = [str(self.runs), str(max_trials), str(epochs), strategy]
        self.port = _free_port()
        self.lease_timeout = lease_timeout
        self.procs = {}
        self.env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

    def _start(self, name, command):
        # `python -m autonas.cli ...`, in a new process forked from one that imported autonas (the import is not
        # what is tested)
        self.procs[name] = warm_processes.WarmProcess(module="autonas.cli", args=command, env=self.env)

    def log(self, name):
        return "".join(self.procs[name].output())

    def worker(self, name):
        self._start(name, ["worker", "--chief", f"127.0.0.1:{self.port}", "--id", name, "--chief-timeout", "240",
                           str(self.script), *self.args])

    def chief(self):
        self._start("chief", ["chief", "--port", str(self.port), "--lease-timeout", str(self.lease_timeout),
                              str(self.script), *self.args])

    def wait_for(self, condition, what, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if condition():
                return
            for name, proc in self.procs.items():
                if proc.poll() not in (None, 0) and proc.returncode != -signal.SIGKILL:
                    pytest.fail(f"{name} exited with {proc.returncode} while waiting for {what}:\n"
                                f"{self.log(name)[-3000:]}")
            if all(proc.poll() is not None for proc in self.procs.values()) and not condition():
                pytest.fail(f"every process exited while waiting for {what}; logs:\n{self.logs()}")
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}; logs:\n{self.logs()}")

    def logs(self):
        return "\n".join(f"--- {n}\n{self.log(n)[-2000:]}" for n in self.procs)

    def record(self):
        path = self.runs / "p" / "leases.json"
        try:
            return json.loads(path.read_text())["trials"] if path.exists() else {}
        except (ValueError, KeyError):
            return {}

    def trial_states(self):
        project = self.runs / "p"
        states = {}
        for name in sorted(os.listdir(project)):
            path = project / name / "trial.json"
            if name.startswith("trial_") and path.exists():
                states[name] = json.loads(path.read_text())["status"]
        return states

    def close(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)


@pytest.fixture
def cluster_factory(tmp_path):
    clusters = []

    def make(**kwargs):
        clusters.append(Cluster(tmp_path, **kwargs))
        return clusters[-1]

    yield make
    for cluster in clusters:
        cluster.close()


def _start_workers_then_chief(cluster, names):
    for name in names:
        cluster.worker(name)
    # Both workers are up and waiting before the chief serves, so both get work at once.
    cluster.wait_for(lambda: all("asking the chief" in cluster.log(n) for n in names), "the workers to start")
    cluster.chief()


def test_chief_and_two_workers_finish_max_trials(cluster_factory):
    cluster = cluster_factory(max_trials=4, epochs=1, lease_timeout=20)
    _start_workers_then_chief(cluster, ["worker-a", "worker-b"])
    cluster.wait_for(lambda: all(p.poll() is not None for p in cluster.procs.values()), "every process to exit")
    for name, proc in cluster.procs.items():
        assert proc.returncode == 0, f"{name} exited with {proc.returncode}:\n{cluster.log(name)[-3000:]}"
    assert "CHIEF DONE 4" in cluster.log("chief")
    assert "\nvanilla\n" not in cluster.log("chief")  # KerasTuner's stray proto print is silenced
    assert "CHIEF DONE" not in cluster.log("worker-a") + cluster.log("worker-b")
    assert list(cluster.trial_states().values()) == ["COMPLETED"] * 4
    completed_by = [h["tuner_id"] for hist in cluster.record().values() for h in hist if h["outcome"] == "completed"]
    assert len(completed_by) == 4
    assert {"worker-a", "worker-b"} <= set(completed_by), f"a worker did not contribute: {completed_by}"
    assert (cluster.runs / "final.keras").exists()


def test_a_worker_killed_mid_trial_does_not_hang_the_chief(cluster_factory):
    cluster = cluster_factory(max_trials=3, epochs=2, lease_timeout=6)
    _start_workers_then_chief(cluster, ["worker-a", "worker-b"])

    def a_is_running():
        return any(h["tuner_id"] == "worker-a" and h["outcome"] == "running"
                   for hist in cluster.record().values() for h in hist)

    cluster.wait_for(a_is_running, "worker-a to start a trial")
    cluster.procs["worker-a"].send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    cluster.wait_for(lambda: cluster.procs["chief"].poll() is not None, "the chief to finish")
    cluster.wait_for(lambda: cluster.procs["worker-b"].poll() is not None, "worker-b to exit")
    assert cluster.procs["worker-a"].returncode == -signal.SIGKILL
    for name in ("chief", "worker-b"):
        proc = cluster.procs[name]
        assert proc.returncode == 0, f"{name} exited with {proc.returncode}:\n{cluster.log(name)[-3000:]}"
    assert "CHIEF DONE 3" in cluster.log("chief")
    assert list(cluster.trial_states().values()) == ["COMPLETED"] * 3
    record = cluster.record()
    taken_over = [tid for tid, hist in record.items()
                  if [(h["tuner_id"], h["outcome"]) for h in hist] == [("worker-a", "lease expired"),
                                                                        ("worker-b", "completed")]]
    assert len(taken_over) == 1, record
    assert "went silent" in cluster.log("chief")
    assert time.monotonic() - killed_at >= cluster.lease_timeout - 1

