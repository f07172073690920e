PYTHON ?= python3.11
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast test-jax install clean notebooks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python setup.cfg setup.py pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]' 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }; exit $${PIPESTATUS[0]}
	$(BIN)/python -c "import autonas"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/autonas demo

# Tests run in up to 4 processes (pytest-xdist), one per core: about 9 minutes on 2 cores (benchmarks/RESULTS.md).
PYTEST_WORKERS ?= -n auto --maxprocesses=4

test: $(STAMP)
	$(BIN)/python -m pytest tests -q $(PYTEST_WORKERS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -q -m "not slow" $(PYTEST_WORKERS)

# Image tasks under KERAS_BACKEND=jax with TensorFlow hidden (also part of `make test`).
test-jax: $(STAMP)
	$(BIN)/python -m pytest tests/test_jax_backend.py -q -rs

# The tutorials' notebooks, generated from their scripts (the one source; tests/test_notebooks.py checks they
# agree); --update keeps the notebooks' cell ids, so a regeneration changes only what changed.
TUTORIAL_SCRIPTS := $(wildcard tutorials/*.py)
KERNELSPEC := '{"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}'

notebooks: $(STAMP)
	$(BIN)/jupytext --quiet --update --to ipynb --update-metadata $(KERNELSPEC) $(TUTORIAL_SCRIPTS)

clean:
	rm -rf $(VENV) demo_out autonas_runs .pytest_cache
