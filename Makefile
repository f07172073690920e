PYTHON ?= python3.11
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast test-jax install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python setup.cfg setup.py
	$(BIN)/python -m pip install --quiet -e '.[dev]' 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }; exit $${PIPESTATUS[0]}
	$(BIN)/python -c "import autonas"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/autonas demo

test: $(STAMP)
	$(BIN)/python -m pytest tests -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -q -m "not slow"

# Image tasks under KERAS_BACKEND=jax with TensorFlow hidden (also part of `make test`).
test-jax: $(STAMP)
	$(BIN)/python -m pytest tests/test_jax_backend.py -q -rs

clean:
	rm -rf $(VENV) demo_out autonas_runs .pytest_cache
