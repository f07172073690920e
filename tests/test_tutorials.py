"""Every tutorial in `tutorials/` runs to its end in fast mode (AUTONAS_TUTORIAL_FAST=1).

Each tutorial runs as a script in its own process, from an empty temporary working
directory, with a bounded timeout. Beyond the exit code, the tutorials named in
`EXPECTED` must print their key result (for example a test accuracy); a tutorial
whose shared data is absent prints that it has nothing to do and is skipped, not passed.

The tutorials selected for the session run two at a time (`PARALLEL`): each is a
separate process that spends most of its time in one thread, so on a 2-core
machine a second one uses the core the test process leaves idle. Each test waits
for its own tutorial's result.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "tutorials").glob("*.py"))
#: a tutorial with a notebook runs once, as that notebook, in tests/test_notebooks.py (numeric floors there)
SCRIPT_ONLY = [p for p in TUTORIALS if not p.with_suffix(".ipynb").exists()]

#: seconds a fast run may take before it counts as hung (fast runs take well under a minute on an idle 2-core machine)
TIMEOUT = 600

ABSENT = r"is absent; nothing to do"
#: one line of output per tutorial that shows it did its job
EXPECTED = {
    "01_image_classification.py": r"test accuracy: [01]\.\d{4}",
    "02_text_classification.py": r"test accuracy: [01]\.\d{4}",
    "03_structured_data.py": r"test accuracy: [01]\.\d{4}",
    "04_custom_search_space.py": r"digit_accuracy\s+[01]\.\d{4}",
    "05_search_strategies.py": r"best strategy at N=25: [a-z-]+",
    "06_darts.py": r"test accuracy of the derived network: [01]\.\d{4}",
    "07_distributed_search.py": r"2 of 2 trials completed",
    "export_and_serving.py": r"test accuracy: [01]\.\d+",
    "09_regression.py": r"test R2: -?\d+\.\d{3}",
    "10_forecasting.py": r"skill over seasonal naive: -?\d+\.\d{3}",
}

#: tutorials whose fast mode cannot get below about a minute
SLOW = {"export_and_serving.py"}


def _param(path):
    marks = [pytest.mark.slow] if path.name in SLOW else []
    return pytest.param(path, id=path.stem, marks=marks)


def test_the_tutorials_are_found():
    assert len(TUTORIALS) >= 7, [p.name for p in TUTORIALS]


#: tutorials running at once
PARALLEL = 2


class TutorialRuns:
    """Runs tutorials in fast mode, at most `PARALLEL` at once, in the order asked; output goes to files."""

    def __init__(self, base, paths):
        self.base = base
        self.queue = list(paths)
        self.running = {}  # path -> (process, start time, stdout file, stderr file)
        self.results = {}  # path -> (exit code or None if timed out, stdout, stderr)

    def _start(self, path):
        root = self.base / path.stem
        work, scratch = root / "cwd", root / "tmp"
        work.mkdir(parents=True)
        scratch.mkdir()
        env = {
            **os.environ,
            "AUTONAS_TUTORIAL_FAST": "1",
            "AUTONAS_TUTORIAL_OUT": str(root / "out"),
            "TMPDIR": str(scratch),  # tutorials write their outputs to tempfile.mkdtemp()
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "MPLBACKEND": "Agg",
            # autonas.datasets reads ../shared/data as its cache (the same folder layout), never downloading
            "AUTONAS_DATA": str(ROOT.parent / "shared" / "data"),
            "AUTONAS_OFFLINE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        out, err = open(root / "stdout.txt", "w+"), open(root / "stderr.txt", "w+")
        proc = subprocess.Popen([sys.executable, str(path)], cwd=work, env=env, stdout=out, stderr=err, text=True)
        self.running[path] = (proc, time.monotonic(), out, err)

    def _finish(self, path, code):
        proc, _, out, err = self.running.pop(path)
        if code is None:
            proc.kill()
            proc.wait()
        out.seek(0)
        err.seek(0)
        self.results[path] = (code, out.read(), err.read())
        out.close()
        err.close()

    def _step(self):
        for path, (proc, start, _, _) in list(self.running.items()):
            if proc.poll() is not None:
                self._finish(path, proc.returncode)
            elif time.monotonic() - start > TIMEOUT:
                self._finish(path, None)
        while self.queue and len(self.running) < PARALLEL:
            self._start(self.queue.pop(0))

    def result(self, path):
        """(exit code, or None when it ran past TIMEOUT; stdout; stderr) of one tutorial."""
        if path not in self.results and path not in self.running and path not in self.queue:
            self.queue.insert(0, path)
        while path not in self.results:
            self._step()
            time.sleep(0.1)
        return self.results[path]

    def close(self):
        for path in list(self.running):
            self._finish(path, None)


def _prefetch(config, items):
    """The tutorials to start ahead of their tests: those this process will run.

    Under pytest-xdist every worker collects the whole suite (`session.items`) but runs only what the
    scheduler hands it, so a worker prefetches nothing and starts each tutorial when its own test asks:
    each tutorial runs exactly once, in the worker that runs its test.
    """
    if hasattr(config, "workerinput"):
        return []
    return [item.callspec.params["path"] for item in items
            if getattr(item, "originalname", None) == "test_tutorial_runs_in_fast_mode"]


@pytest.fixture(scope="module")
def tutorial_runs(request, tmp_path_factory):
    runs = TutorialRuns(tmp_path_factory.mktemp("tutorials"), _prefetch(request.config, request.session.items))
    yield runs
    runs.close()


def test_a_worker_prefetches_no_tutorial(request):
    class Worker:
        workerinput = {"workerid": "gw0"}

    class Item:
        originalname = "test_tutorial_runs_in_fast_mode"

        class callspec:  # noqa: N801 - the shape of a pytest item
            params = {"path": ROOT / "tutorials" / "x.py"}

    assert _prefetch(Worker(), [Item()]) == []
    assert _prefetch(object(), [Item()]) == [ROOT / "tutorials" / "x.py"]


@pytest.mark.parametrize("path", [_param(p) for p in SCRIPT_ONLY])
def test_tutorial_runs_in_fast_mode(path, tutorial_runs):
    code, stdout, stderr = tutorial_runs.result(path)
    if code is None:
        pytest.fail(f"{path.name} did not finish within {TIMEOUT}s in fast mode; last output:\n{stdout[-3000:]}")
    output = stdout + stderr
    if code != 0 and "DatasetUnavailable" in stderr:
        pytest.skip(f"{path.name}: its dataset is not available: {stderr.strip().splitlines()[-1]}")
    assert code == 0, f"{path.name} exited with {code}:\n{output[-5000:]}"
    if re.search(ABSENT, stdout):
        pytest.skip(f"{path.name}: its data is absent: {stdout.strip().splitlines()[-1]}")
    expected = EXPECTED.get(path.name)
    if expected is not None:
        assert re.search(expected, stdout), (
            f"{path.name} did not print a line matching {expected!r}; its output ends with:\n{stdout[-3000:]}"
        )
