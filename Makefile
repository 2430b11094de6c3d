# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates the virtual environment below when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv torch demo test lint bench docs

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev,browser,demos,notebook]"
	touch $@

venv: $(STAMP)

# PyTorch for the parity tests (skipped, with the reason, without it). Only this version: it is the
# CPU build; another would be a multi-GB download.
torch: $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0

demo: $(STAMP)
	$(BIN)/python -m demos.chain_rule --no-pause --svg-dir out  # out/: the pictures it draws

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)  # style (ruff) and types (mypy: the package ships py.typed)
	$(BIN)/ruff check .
	$(BIN)/mypy tinygrad_edu

# Benchmarks in their own environment: this package, micrograd and PyTorch (the CPU build on
# this machine's disk: only torch==2.13.0). An engine that fails to install is reported as skipped.
BENCH := .venv-bench
$(BENCH)/.installed: setup.cfg pyproject.toml
	test -x $(BENCH)/bin/python || $(PYTHON) -m venv $(BENCH)
	$(BENCH)/bin/pip install --quiet --disable-pip-version-check -e .
	-$(BENCH)/bin/pip install --quiet --disable-pip-version-check micrograd==0.1.0
	-$(BENCH)/bin/pip install --quiet --disable-pip-version-check torch==2.13.0
	touch $@

bench: $(BENCH)/.installed
	$(BENCH)/bin/python -m benchmarks

# The README's pictures, drawn by the project itself: an expression (the command), a small MLP and one
# training step of the attention walkthrough's model by scope.
docs: $(STAMP)
	$(BIN)/python -c 'import sys; from tinygrad_edu.cli import check_outputs; sys.exit(check_outputs(sys.argv[1:], "make docs"))' \
	docs/neuron.svg docs/mlp.svg docs/blocks.svg docs/stepper.png docs/training.png  # every output checked before any work
	mkdir -p docs
	$(BIN)/python -m tinygrad_edu graph "tanh(w*x + b)" w=-3 x=2 b=6.88 -o docs/neuron.svg
	$(BIN)/python -c "from tinygrad_edu.nn import MLP; from tinygrad_edu.viz import draw_mlp, render; \
	model = MLP(2, [3, 1], activation='tanh', seed=0); x = [1.0, -2.0]; loss = (model(x) - 1.0) ** 2; \
	render(draw_mlp(model, inputs=x, loss=loss), 'docs/mlp.svg')"
	$(BIN)/python -c "from tinygrad_edu.viz import draw_dot, render; \
	from tinygrad_edu.walkthroughs.attention import Reverser; model = Reverser(seed=0); \
	J, _ = model.loss([(3, 1, 4, 0), (2, 2, 0, 1), (4, 0, 1, 3), (0, 3, 2, 2), (1, 4, 4, 0), (3, 0, 2, 1), \
	(2, 1, 3, 4), (0, 0, 1, 2)]); J.backward(); render(draw_dot(J, rankdir='TB', by='scope'), 'docs/blocks.svg')"
	$(BIN)/python docs/screenshot.py docs/stepper.png  # the stepper page, in headless Chromium
	$(BIN)/python docs/screenshot.py docs/training.png --training  # moons' training run (--html)
