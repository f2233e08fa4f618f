# coopgraph: two commands on a fresh clone.
#   make serve   load the shipped graph into the embedded store (first start) and serve it on 127.0.0.1:8000
#   make test    the test suite
# Both create .venv (Python 3.11) and install the project into it when pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test clean-venv

serve: $(STAMP)
	$(BIN)/coopgraph load
	$(BIN)/coopgraph serve

test: $(STAMP)
	$(BIN)/python -m pytest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
