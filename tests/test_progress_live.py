"""The live display: per-epoch updates inside trials, the refit stage, notebook detection, decisions, resumes.

The per-epoch test runs a real `Tuner` search and refit of a tiny dense network (a
few seconds) with the display writing to a buffer as a bar; the notebook-detection
tests run against IPython's real shell classes (a Colab-like subclass of
`ZMQInteractiveShell`, created without a kernel), and tests/test_notebooks.py runs
the display in a real Jupyter kernel.
"""

import io
import re
import warnings

import keras
import numpy as np
import pytest

import autonas
from autonas.data.fingerprint import check_resumed, fingerprint
from autonas.reporting import notebook
from autonas.reporting.decisions import decision, shown
from autonas.reporting.progress import SearchProgress
from autonas.search import get_oracle
from autonas.tuner import Tuner


def _build(hp):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(hp.Int("units", 2, 8)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def test_bar_moves_every_epoch_and_the_refit_is_its_own_stage(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    stream = io.StringIO()
    progress = SearchProgress(2, verbose=1, stream=stream, bar=True)
    tuner = Tuner(get_oracle("random", "val_accuracy", max_trials=2, seed=0), _build, directory=tmp_path,
                  project_name="live", reporter=progress, seed=0)
    tuner.search(train=(x[:200], y[:200]), validation=(x[200:], y[200:]), epochs=3, verbose=1)
    tuner.refit(tuner.best_trial(), x, y, epochs=2, verbose=1)
    frames = [f for line in stream.getvalue().splitlines() for f in line.split("\r") if f.strip()]
    live = [f for f in frames if f.startswith("Search |") and "epoch " in f]
    # every epoch of both trials redraws the bar with the trial, the epoch and the live objective
    for trial in (1, 2):
        for epoch in (1, 2, 3):
            assert any(f"trial {trial}/2 | epoch {epoch}/3 | val_accuracy 0." in f for f in live), (trial, epoch)
    # in the second trial the best so far and an ETA that counts the refit are shown
    assert any(re.search(r"trial 2/2 \| epoch \d/3 .*best 0\.\d{4} \(trial 0\).*ETA \d+s incl\. refit", f)
               for f in live)
    text = stream.getvalue()
    assert re.search(r"Trial 1/2 \[0\] val_accuracy 0\.\d{4} .*ETA \d+s incl\. refit", text)
    # the refit: announced with an estimate, its own bar per epoch, and its outcome
    assert re.search(r"Refit: trial \d's configuration on the training and validation data, 2 epochs "
                     r"\(about \d+s\)\.", text)
    assert any(re.match(r"Refit \|.*\| epoch 2/2 \| loss \d+\.\d{4} \| elapsed \d+s \| ETA 0s", f) for f in frames)
    assert re.search(r"Refit done in \d+s: loss \d+\.\d{4}\.", text)
    assert text.index("Search ended") < text.index("Refit:")


def test_verbose_0_adds_no_callback_and_writes_nothing(tmp_path):
    stream = io.StringIO()
    progress = SearchProgress(1, verbose=0, stream=stream, bar=True)
    assert progress.keras_callbacks() == []
    progress.begin_stage("Refit", 2, "x")
    progress.end_stage("done")
    assert stream.getvalue() == ""


def test_epoch_callback_is_async_safe():
    (callback,) = SearchProgress(1, verbose=1).keras_callbacks()
    assert callback.async_safe is True


# -- notebook detection ------------------------------------------------------------------------
@pytest.fixture
def kernel_shell(monkeypatch):
    """Make IPython report a given shell instance as the running one (no kernel process is started)."""
    zmqshell = pytest.importorskip("ipykernel.zmqshell")
    import IPython

    def use(shell_class):
        shell = shell_class.__new__(shell_class)  # an instance of the real class, without starting a kernel
        monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
        return shell

    use.zmqshell = zmqshell
    return use


def test_notebook_detection_counts_subclasses_like_colabs_shell(kernel_shell, monkeypatch):
    for name in ("QT_API", "SPYDER_ARGS"):
        monkeypatch.delenv(name, raising=False)

    class Shell(kernel_shell.zmqshell.ZMQInteractiveShell):  # google.colab._shell.Shell subclasses it so
        pass

    kernel_shell(Shell)
    assert notebook.in_notebook()
    assert notebook.interactive(io.StringIO())  # a notebook's stdout is no terminal, but a bar suits it
    kernel_shell(kernel_shell.zmqshell.ZMQInteractiveShell)
    assert notebook.in_notebook()
    monkeypatch.setenv("QT_API", "pyqt5")  # Qt console: a kernel that draws no widgets
    assert not notebook.in_notebook()


def test_no_notebook_in_a_terminal_shell_or_a_script(kernel_shell):
    from IPython.terminal.interactiveshell import TerminalInteractiveShell

    kernel_shell(TerminalInteractiveShell)
    assert not notebook.in_notebook()
    assert notebook.bar_class(io.StringIO()) is None


def test_a_text_bar_without_ipywidgets_and_no_warning(kernel_shell, monkeypatch):
    kernel_shell(kernel_shell.zmqshell.ZMQInteractiveShell)
    monkeypatch.setitem(__import__("sys").modules, "ipywidgets", None)  # as if ipywidgets were not installed
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tqdm.auto would warn "IProgress not found" here
        tqdm = notebook.bar_class(io.StringIO())
    from tqdm.std import tqdm as text_bar

    assert tqdm is text_bar


# -- decisions and resumes --------------------------------------------------------------------
def test_decisions_are_one_line_each_while_shown(capsys):
    decision("not shown outside a fit")
    with shown(verbose=1):
        decision("Searching %s models only.", "n-gram")
    with shown(verbose=0):
        decision("silent at verbose=0")
    assert capsys.readouterr().out == "Searching n-gram models only.\n"


def test_fingerprint_changes_with_the_data_and_check_resumed_warns(tmp_path):
    x = np.arange(3000, dtype="float32").reshape(1500, 2)
    y = np.arange(1500) % 3
    same = fingerprint(1500, [x.copy(), y.copy()])
    assert fingerprint(1500, [x, y]) == same
    changed = x.copy()
    changed[0, 0] = -1.0  # row 0 is always among the hashed rows
    assert fingerprint(1500, [changed, y]) != same
    assert fingerprint(1499, [x, y]) != same
    messages = []
    assert not check_resumed(tmp_path, same, resumed=False, warn=messages.append)
    assert not check_resumed(tmp_path, same, resumed=True, warn=messages.append)
    assert check_resumed(tmp_path, fingerprint(1500, [changed, y]), resumed=True, warn=messages.append)
    assert len(messages) == 1 and "overwrite=True" in messages[0] and "project_name" in messages[0]


@pytest.mark.slow
def test_rerunning_fit_shows_the_resume_and_warns_when_the_data_differ(tmp_path, capsys, digits):
    x, y = digits[0][:300], digits[1][:300]

    def fit(x, y):
        clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, project_name="again")
        clf.fit(x, y, epochs=1, verbose=1)

    fit(x, y)
    first = capsys.readouterr().out
    assert "Resuming the search" not in first
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(x, y)  # a notebook cell run again: the same data
    second = capsys.readouterr().out
    assert re.search(r"Resuming the search in .*again: 1 of 1 trials already done \(overwrite=True starts "
                     r"afresh\)\.", second)
    assert not [w for w in caught if "other data" in str(w.message)]
    with pytest.warns(UserWarning, match=r"searched on other data .* pass overwrite=True or a new project_name"):
        fit(digits[0][300:600], digits[1][300:600])
