"""Every tutorial in `tutorials/` runs to its end in fast mode (AUTONAS_TUTORIAL_FAST=1).

Each tutorial runs as a script in its own process, from an empty temporary working
directory, with a bounded timeout. Beyond the exit code, the tutorials named in
`EXPECTED` must print their key result (for example a test accuracy); a tutorial
whose shared data is absent prints that it has nothing to do and exits 0.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "tutorials").glob("*.py"))

#: seconds a fast run may take before it counts as hung (fast runs take well under a minute on an idle 2-core machine)
TIMEOUT = 600

ABSENT = r"is absent; nothing to do"
#: one line of output per tutorial that shows it did its job
EXPECTED = {
    "01_image_classification.py": r"test accuracy: [01]\.\d{4}",
    "02_text_classification.py": rf"test accuracy: [01]\.\d{{4}}|{ABSENT}",
    "03_structured_data.py": r"test R2: -?\d+\.\d{3}",
    "04_custom_search_space.py": r"digit_accuracy\s+[01]\.\d{4}",
    "05_search_strategies.py": rf"best strategy at N=25: [a-z-]+|{ABSENT}",
    "06_darts.py": r"test accuracy of the derived network: [01]\.\d{4}",
    "07_distributed_search.py": r"2 of 2 trials completed",
    "export_and_serving.py": r"test accuracy: [01]\.\d+",
}

#: tutorials whose fast mode cannot get below about a minute
SLOW = {"export_and_serving.py"}


def _param(path):
    marks = [pytest.mark.slow] if path.name in SLOW else []
    return pytest.param(path, id=path.stem, marks=marks)


def test_the_tutorials_are_found():
    assert len(TUTORIALS) >= 7, [p.name for p in TUTORIALS]


@pytest.mark.parametrize("path", [_param(p) for p in TUTORIALS])
def test_tutorial_runs_in_fast_mode(path, tmp_path):
    work = tmp_path / "cwd"
    scratch = tmp_path / "tmp"
    work.mkdir()
    scratch.mkdir()
    env = {
        **os.environ,
        "AUTONAS_TUTORIAL_FAST": "1",
        "AUTONAS_TUTORIAL_OUT": str(tmp_path / "out"),
        "TMPDIR": str(scratch),  # tutorials write their outputs to tempfile.mkdtemp()
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    try:
        done = subprocess.run([sys.executable, str(path)], cwd=work, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or ""
        output = output.decode(errors="replace") if isinstance(output, bytes) else output
        pytest.fail(f"{path.name} did not finish within {TIMEOUT}s in fast mode; last output:\n{output[-3000:]}")
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{path.name} exited with {done.returncode}:\n{output[-5000:]}"
    expected = EXPECTED.get(path.name)
    if expected is not None:
        assert re.search(expected, done.stdout), (
            f"{path.name} did not print a line matching {expected!r}; its output ends with:\n{done.stdout[-3000:]}"
        )
