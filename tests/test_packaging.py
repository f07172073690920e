"""Packaging: `pip install .` into a fresh virtual environment, then `import autonas`, `autonas --version` and a
one-trial fit whose live progress bar is captured from a real terminal (a pseudo-terminal).

No network: the fresh environment reaches the dependencies already installed for this interpreter through a
`.pth` file (the site-packages folder is computed at test time from `sys.prefix`), and autonas itself is
installed with ``pip install --no-deps --no-build-isolation``, so the build uses the setuptools installed here.
"""

import configparser
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import sysconfig
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_metadata_bounds_extras_and_license():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    requires = config["options"]["install_requires"].split()
    assert "keras-tuner>=1.4.8,<1.5" in requires and any(r.startswith("tqdm") for r in requires)
    assert not any(r.startswith("tensorboard") for r in requires)  # an extra: KerasTuner runs without it
    extras = config["options.extras_require"]
    for extra in ("plot", "tensorboard", "notebook", "ray"):
        assert extras[extra].strip(), extra
    assert "build-backend" in (ROOT / "pyproject.toml").read_text()
    assert "Apache License" in (ROOT / "LICENSE").read_text() and "Version 2.0" in (ROOT / "LICENSE").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "pip install autonas" in readme and "## Install" in readme


def _run_in_terminal(command, env, cwd, timeout):
    """Run `command` with a pseudo-terminal as its stdout (a terminal, as a user has); return what it wrote."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))  # a 160-column terminal
    proc = subprocess.Popen(command, stdout=slave, stderr=subprocess.PIPE, env=env, cwd=cwd, close_fds=True)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(master)
    proc.wait(timeout=60)
    return proc.returncode, b"".join(chunks).decode("utf-8", errors="replace"), proc.stderr.read().decode()


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv_then_fit_with_a_progress_bar(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = sysconfig.get_paths(vars={"base": sys.prefix, "platbase": sys.prefix})["purelib"]
    Path(site, "dependencies.pth").write_text(ours + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    install = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet",
                              str(ROOT)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    version = subprocess.run([venv / "bin" / "autonas", "--version"], capture_output=True, text=True, env=env,
                             cwd=tmp_path)
    assert re.fullmatch(r"autonas \d+\.\d+\.\d+\S*", version.stdout.strip()), version.stdout + version.stderr
    script = (
        "import autonas, numpy as np\n"
        "from sklearn.datasets import load_digits\n"
        "print('autonas from', autonas.__file__)\n"
        "d = load_digits()\n"
        "clf = autonas.ImageClassifier(max_trials=1, seed=0, directory='runs', overwrite=True)\n"
        "clf.fit(d.images[:300], d.target[:300], epochs=2)\n"
        "print('test accuracy', round(clf.score(d.images[1500:], d.target[1500:]), 4))\n"
    )
    code, out, err = _run_in_terminal([str(python), "-c", script], env, cwd=tmp_path, timeout=600)
    assert code == 0, err[-3000:]
    assert f"autonas from {site}" in out  # the installed copy, not the source tree
    assert re.search(r"Search \|.*\| trial 1/1 \| epoch 2/2 \| val_accuracy 0\.\d{4}", out), out[-3000:]  # live bar
    assert re.search(r"Refit \|.*\| epoch 2/2 \| loss", out)
    assert "\r" in out  # redrawn in place in a terminal
    assert float(re.search(r"test accuracy (0\.\d+)", out).group(1)) > 0.3  # chance: 0.1
    dist = list(Path(site).glob("autonas-*.dist-info"))
    assert len(dist) == 1
    assert (dist[0] / "licenses" / "LICENSE").exists() or (dist[0] / "LICENSE").exists()
    assert "Requires-Dist: keras-tuner<1.5,>=1.4.8" in (dist[0] / "METADATA").read_text()
