"""Faults tried for real: damaged state files, an unwritable directory, a raising user callback, two
processes on one project directory, SIGTERM / Ctrl-C during a trial.

Each fault either ends with a clear error (naming the file, the argument or the other process, and what to
do) before anything is trained, or is recovered from without losing a completed trial.
"""

import importlib.util
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import autonas
import trial_records
import warm_processes
from autonas.tuner import SearchFailed
from autonas.utils.project_lock import ProjectLocked

ROOT = Path(__file__).resolve().parents[1]
rng = np.random.default_rng(0)
X = rng.random((120, 16)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 1).astype(int)


def _model(directory, max_trials=1, num_units=8, **kwargs):
    inp = autonas.Input()
    block = autonas.DenseBlock(num_layers=1, num_units=num_units, dropout=0.0)
    out = autonas.ClassificationHead(dropout=0.0)(block(inp))
    return autonas.AutoModel(inp, out, max_trials=max_trials, seed=0, directory=directory, project_name="p",
                             **kwargs)


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A finished one-trial project, copied by each test that damages it."""
    directory = tmp_path_factory.mktemp("searched")
    _model(directory).fit(X, Y, epochs=1, verbose=0)
    return directory


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
@pytest.mark.parametrize("state_file", ["oracle.json", "trial_0/trial.json"])
def test_a_damaged_state_file_is_a_clear_error_naming_it_and_the_fix(searched, tmp_path, state_file, damage):
    directory = tmp_path / "runs"
    shutil.copytree(searched, directory)
    path = directory / "p" / state_file
    text = path.read_text()
    path.write_text(text[: len(text) // 2] if damage == "truncated" else "\x00\x01 not json")
    with pytest.raises(ValueError) as info:
        _model(directory).fit(X, Y, epochs=1, verbose=0)
    message = str(info.value)
    assert str(path) in message, message  # the file
    assert "overwrite=True" in message and "Delete the project folder" in message, message  # how to recover
    # the recovery it names works, and loses nothing that was not damaged
    model = _model(directory, overwrite=True)
    model.fit(X, Y, epochs=1, verbose=0)
    assert list(model.leaderboard()["status"]) == ["COMPLETED"]


def test_a_directory_that_cannot_be_created_is_refused_before_training(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    model = _model(blocker / "runs")
    with pytest.raises(PermissionError, match=r"`directory` .*a_file.* cannot hold the project 'p'.*"
                                              r"Expected a writable folder"):
        model.fit(X, Y, epochs=1, verbose=0)
    assert model.tuner_ is None and model.model_ is None


READ_ONLY_CHILD = r"""
import sys
import numpy as np
import autonas
rng = np.random.default_rng(0)
x = rng.random((60, 16)).astype("float32")
y = (x[:, 0] > 0.5).astype(int)
inp = autonas.Input()
out = autonas.ClassificationHead()(autonas.DenseBlock(num_layers=1, num_units=8)(inp))
model = autonas.AutoModel(inp, out, max_trials=1, directory=sys.argv[1], project_name="p")
try:
    model.fit(x, y, epochs=1, verbose=0)
except PermissionError as e:
    print("REFUSED", e)
    sys.exit(3)
print("TRAINED")
"""


@pytest.mark.slow
def test_a_read_only_directory_is_refused_before_training(tmp_path):
    """A folder of mode 0o555; as root (which ignores file modes) the child runs without CAP_DAC_OVERRIDE."""
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, which ignores file modes, and setpriv (util-linux) is absent")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    directory = tmp_path / "runs"
    directory.mkdir()
    script = tmp_path / "child.py"
    script.write_text(READ_ONLY_CHILD)
    os.chmod(directory, 0o555)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run([*prefix, sys.executable, str(script), str(directory)], capture_output=True,
                              text=True, env=env, timeout=300)
    finally:
        os.chmod(directory, 0o755)
    assert done.returncode == 3, done.stdout + done.stderr[-3000:]
    assert re.search(r"REFUSED `directory` '.*runs' cannot hold the project 'p'.*Expected a writable folder",
                     done.stdout), done.stdout
    assert not (directory / "p").exists() and not list(directory.iterdir())


class Boom(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise RuntimeError("the user's callback broke at the end of an epoch")


def test_a_raising_user_callback_fails_its_trials_with_its_message_and_releases_the_project(tmp_path):
    model = _model(tmp_path, max_trials=3, num_units=None, max_consecutive_failed_trials=2)
    with pytest.raises(SearchFailed) as info:
        model.fit(X, Y, epochs=2, callbacks=[Boom()], verbose=0)
    message = str(info.value)
    assert "2 trials failed in a row" in message, message
    assert "RuntimeError: the user's callback broke at the end of an epoch" in message, message
    statuses = [json.loads(p.read_text())["status"] for p in sorted(tmp_path.glob("p/trial_*/trial.json"))]
    assert statuses == ["FAILED", "FAILED"], statuses
    # the failed fit released the project: the same directory is usable at once, and resumes
    again = _model(tmp_path, max_trials=3, num_units=None, max_consecutive_failed_trials=2)
    again.fit(X, Y, epochs=1, verbose=0)
    assert (again.leaderboard()["status"] == "COMPLETED").sum() >= 1


def _load_project_lock_module():
    """autonas/utils/project_lock.py on its own (no TensorFlow import), for a second process that holds a lock."""
    spec = importlib.util.spec_from_file_location("project_lock", ROOT / "autonas" / "utils" / "project_lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOLDER = r"""
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("project_lock", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
with module.project_lock(sys.argv[2]):
    print("HELD", flush=True)
    time.sleep(600)
"""


def test_a_second_process_on_the_same_project_is_refused_and_a_killed_holder_frees_it(tmp_path):
    directory = tmp_path / "runs"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(ROOT / "autonas" / "utils" / "project_lock.py"),
                               str(directory / "p")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "HELD"
        model = _model(directory)
        with pytest.raises(ProjectLocked, match=rf"'.*runs/p' is in use by another process \(pid {holder.pid}\)"
                                                r".*one search per project directory.*`project_name`"):
            model.fit(X, Y, epochs=1, verbose=0)
        assert not (directory / "p" / "oracle.json").exists(), "nothing may be written by the refused process"
    finally:
        holder.kill()  # SIGKILL: no clean-up runs, the operating system drops the lock
        holder.wait()
    model = _model(directory)
    model.fit(X, Y, epochs=1, verbose=0)
    assert list(model.leaderboard()["status"]) == ["COMPLETED"]


def test_the_lock_is_per_project_and_refuses_a_second_holder_in_the_same_process(tmp_path):
    module = _load_project_lock_module()
    with module.project_lock(tmp_path / "a"):
        with module.project_lock(tmp_path / "b"):  # another project: no conflict
            pass
        with pytest.raises(module.ProjectLocked, match=rf"pid {os.getpid()}"):
            with module.project_lock(tmp_path / "a"):
                pass
    with module.project_lock(tmp_path / "a"):  # released on exit
        pass


INTERRUPTED = r"""
import os, sys, time
import keras
import numpy as np
import autonas

directory, marker = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
x = rng.random((200, 16)).astype("float32")
y = (x[:, 0] + x[:, 1] > 1).astype(int)


class Slow(keras.callbacks.Callback):
    # slows every epoch down so that the signal lands inside a trial; tells the test when trial 1 trains
    def on_epoch_begin(self, epoch, logs=None):
        trials = [d for d in os.listdir(os.path.join(directory, "p")) if d.startswith("trial_")]
        if len(trials) >= 2 and not os.path.exists(marker):
            open(marker, "w").write(str(os.getpid()))
        time.sleep(0.3)


inp = autonas.Input()
out = autonas.ClassificationHead(dropout=0.0)(autonas.DenseBlock(num_layers=1, dropout=0.0)(inp))
model = autonas.AutoModel(inp, out, max_trials=3, seed=0, directory=directory, project_name="p", tuner="random")
model.fit(x, y, epochs=4, callbacks=[Slow()], verbose=0)
print("SEARCH DONE", len(model.leaderboard()), flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "ctrl-c"])
def test_a_signal_during_a_trial_stops_the_search_cleanly_and_the_same_fit_resumes_it(tmp_path, signum):
    script, marker, directory = tmp_path / "search.py", tmp_path / "marker", tmp_path / "runs"
    script.write_text(INTERRUPTED)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    # a new process (forked from one that imported autonas: the import is not what is tested); a pytest-xdist
    # worker ignores SIGINT, a user's terminal does not: the child takes Ctrl-C as a fresh python does
    first = warm_processes.start(script, directory, marker, env=env)
    deadline = time.monotonic() + 300
    while not marker.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the search never reached its second trial"
    first.send_signal(signum)
    out, err = first.communicate(timeout=120)  # it stops: no hang
    assert first.returncode != 0 and "SEARCH DONE" not in out, (first.returncode, out, err[-3000:])
    assert re.search(r"KeyboardInterrupt: .*the same `fit` .* resumes it", err), err[-3000:]
    project = directory / "p"
    before = trial_records.records(project)
    assert before["trial_0"].get("end_time") and before["trial_0"]["pid"] == first.pid
    assert before["trial_1"]["status"] == "RUNNING" and before["trial_1"]["pid"] == first.pid, "not mid-trial"
    json.loads((project / "oracle.json").read_text())  # the state on disk is whole

    final = warm_processes.run(script, directory, tmp_path / "marker2", env=env, timeout=600)
    assert final.returncode == 0, final.stderr[-3000:]
    assert "SEARCH DONE 3" in final.stdout
    after = trial_records.records(project)
    assert after["trial_0"] == before["trial_0"], "a trial completed before the signal ran again"
    assert after["trial_1"]["pid"] != first.pid and after["trial_1"].get("end_time"), "the interrupted trial resumed"
    assert sorted(after) == ["trial_0", "trial_1", "trial_2"]
