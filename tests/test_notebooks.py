"""The tutorials' notebooks: generated from their scripts, and executed in fast mode in a real Jupyter kernel.

Each `tutorials/*.py` script (jupytext percent format) is the one source of its
`.ipynb` (``make notebooks`` regenerates them); `test_notebooks_match_their_scripts`
fails when one was edited without the other. Each notebook is then executed with
nbclient in a Python kernel, as a reader would run it, in fast mode
(``AUTONAS_TUTORIAL_FAST=1``), its install cell (tagged ``install``) left out: the
package under test is on the kernel's path. The datasets come from a cache that the
test fills from ``../shared/data`` with ``AUTONAS_OFFLINE=1``, so nothing is
downloaded; a notebook whose dataset is absent is skipped with the loader's message.

What the notebook printed is checked against numeric floors (`FLOORS`), each above
what a trivial model scores on the same held-out rows.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
SCRIPTS = sorted(TUTORIALS.glob("*.py"))
SHARED_DATA = ROOT.parent / "shared" / "data"

#: seconds one cell may run (fast-mode searches take well under a minute each on 2 idle cores)
CELL_TIMEOUT = 600

#: per notebook: (regex with one number group, floor, what the floor beats). Fast mode trains on
#: small slices for one or two epochs, so the floors sit between the trivial model and what the fast
#: runs scored (benchmarks/RESULTS.md, "Notebooks").
FLOORS = {
    "01_image_classification": [
        (r"test accuracy: ([01]\.\d{4})", 0.50, "chance on 10 digits: 0.10"),
    ],
    "02_text_classification": [
        (r"test accuracy: ([01]\.\d{4})", 0.93, "always 'ham': 0.8833 on these 300 messages"),
        (r"class_weight='balanced'\s+spam recall ([01]\.\d{3})", 0.60, "always 'ham': 0.0"),
    ],
    "03_structured_data": [
        (r"test accuracy: ([01]\.\d{4})", 0.70, "the majority class: 0.61 on these rows"),
    ],
    "04_custom_search_space": [
        (r"test accuracy: ([01]\.\d{4})", 0.40, "chance on 10 digits: 0.10"),
        (r"digit_accuracy\s+([01]\.\d{4})", 0.60, "chance on 10 digits: 0.10"),
    ],
    "05_search_strategies": [
        (r"its mean accuracy (\d+\.\d{3})", 92.35, "the table's 90th percentile (median 90.99)"),
    ],
    "06_darts": [
        (r"test accuracy of the derived network: ([01]\.\d{4})", 0.15, "chance on 10 digits: 0.10"),
    ],
    "07_distributed_search": [
        (r"(\d+) of 2 trials completed", 2, "every trial completed"),
    ],
    "09_regression": [
        (r"test R2: (-?\d+\.\d{3})", 0.20, "always the training mean: R2 0"),
    ],
    "10_forecasting": [
        (r"skill over seasonal naive: (-?\d+\.\d{3})", 0.10, "seasonal naive (yesterday repeated): 0"),
    ],
    "export_and_serving": [
        (r"test accuracy: ([01]\.\d+)", 0.50, "chance on 10 digits: 0.10"),
    ],
}
#: every notebook starts a Jupyter kernel that imports TensorFlow and runs searches: tens of seconds at
#: the least, so all of them are `slow` (left out of `make test-fast`, run by `make test`)


def _notebook(script):
    return script.with_suffix(".ipynb")


def _cells(notebook):
    return [(c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", []))) for c in notebook.cells]


def test_every_tutorial_has_floors():
    assert sorted(FLOORS) == sorted(p.stem for p in SCRIPTS), "add the new tutorial's printed result to FLOORS"


def test_notebooks_match_their_scripts():
    jupytext = pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    stale = []
    for script in SCRIPTS:
        path = _notebook(script)
        if not path.exists():
            stale.append(f"{path.name} is missing")
            continue
        expected = _cells(jupytext.read(script))
        actual = _cells(nbformat.read(path, as_version=4))
        if expected != actual:
            stale.append(f"{path.name} differs from {script.name}")
        kernel = nbformat.read(path, as_version=4).metadata.get("kernelspec", {}).get("name")
        if kernel != "python3":
            stale.append(f"{path.name} has kernelspec {kernel!r}, not python3")
    orphans = sorted(p.name for p in TUTORIALS.glob("*.ipynb") if not p.with_suffix(".py").exists())
    assert not stale and not orphans, f"run `make notebooks`: {stale + orphans}"


def test_every_notebook_has_an_install_cell_and_no_silent_exit():
    for script in SCRIPTS:
        text = script.read_text()
        assert '# %% tags=["install"]\n# %pip install' in text, f"{script.name} has no pip cell"
        assert "sys.exit(" not in text, f"{script.name} exits: a notebook cell must not"


def _fill_cache(cache):
    """The datasets' cache, filled from ../shared/data (the loader's folder layout)."""
    from autonas.datasets import DATASETS

    for name, info in DATASETS.items():
        for remote in info.files:
            source = SHARED_DATA / name / remote.name
            if source.exists():
                (cache / name).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, cache / name / remote.name)


def _param(script):
    return pytest.param(script, id=script.stem, marks=[pytest.mark.slow])


def _text_outputs(notebook):
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
            elif "data" in output and "text/plain" in output["data"]:
                parts.append(output["data"]["text/plain"])
    return "\n".join(parts)


@pytest.mark.parametrize("script", [_param(p) for p in SCRIPTS])
def test_notebook_runs_in_fast_mode(script, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(_notebook(script), as_version=4)
    notebook.cells = [c for c in notebook.cells if "install" not in c.get("metadata", {}).get("tags", [])]
    cache, work, scratch = tmp_path / "cache", tmp_path / "work", tmp_path / "tmp"
    for folder in (cache, work, scratch):
        folder.mkdir()
    _fill_cache(cache)
    # the kernel inherits this environment
    monkeypatch.setenv("AUTONAS_TUTORIAL_FAST", "1")
    monkeypatch.setenv("AUTONAS_DATA", str(cache))
    monkeypatch.setenv("AUTONAS_OFFLINE", "1")
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own (inline) backend
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        if "DatasetUnavailable" in str(e):
            pytest.skip(f"{script.stem}: its dataset is absent from ../shared/data: {str(e).splitlines()[-1]}")
        raise
    text = _text_outputs(notebook)
    assert "IProgress not found" not in text and "TqdmWarning" not in text, "a warning box in the notebook"
    for pattern, floor, trivial in FLOORS[script.stem]:
        match = re.search(pattern, text)
        assert match, f"{script.stem} printed no line matching {pattern!r}; its output ends with:\n{text[-3000:]}"
        value = float(match.group(1))
        assert value >= floor, f"{script.stem}: {match.group(0)!r} is below the floor {floor} ({trivial})"
    if script.stem == "01_image_classification":  # the live display and an inline figure, in a real kernel
        assert re.search(r"epoch \d+/2", text) and "Search |" in text, "no per-epoch progress bar"
        assert re.search(r"Refit: trial \d+'s configuration", text) and "Refit |" in text, "no refit stage"
        images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        assert images, "plot_search's figure was not drawn inline"
    (tmp_path / "executed.ipynb").write_text(nbformat.writes(notebook))
