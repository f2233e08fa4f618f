# coopgraph: two commands on a fresh clone.
#   make serve   install what serving needs, load the shipped graph (first start) and serve it on 127.0.0.1:$(PORT)
#   make test    install the test extras too, then lint, type-check and run the whole test suite
# Both create .venv (Python 3.11) and (re)install the project into it when pyproject.toml changes.
# `make test-quick` skips the tests marked slow (browsers, real servers, packaging): seconds, for a developer's loop.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve test test-quick lint clean-venv

serve: $(VENV)/.serve
	$(BIN)/coopgraph load
	$(BIN)/coopgraph serve --host $(HOST) --port $(PORT)

test: $(VENV)/.test lint
	$(BIN)/python -m pytest

test-quick: $(VENV)/.test
	$(BIN)/python -m pytest -m "not slow" -q

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.serve: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.serve

clean-venv:
	rm -rf $(VENV)
