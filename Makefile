# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates the virtual environment below when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test lint bench docs

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev,browser,demos]"
	touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m demos.chain_rule --no-pause

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
