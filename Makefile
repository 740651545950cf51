# conjectura: `make run` and `make test` each create .venv from pinned versions on first use.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SPEC   ?=

.PHONY: run test chromium bench study lock clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c requirements.lock -e ".[test,clusters,bench]"
	$(BIN)/python -m conjectura.kernels.warmup
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/conjectura run $(SPEC)

# The report test opens the HTML report in Debian's headless Chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_screen.py
	$(BIN)/python tests/benchmarks/bench_default_run.py
	$(BIN)/python tests/benchmarks/bench_memory.py
	$(BIN)/python tests/benchmarks/bench_dynamics.py
	$(BIN)/python tests/benchmarks/bench_esma.py
	$(BIN)/python tests/benchmarks/bench_sequences.py

# The published 1.77M-PCF convergence-dynamics study end to end (under 30 minutes on 2
# cores); STUDY_ARGS go to the benchmark, e.g. make study STUDY_ARGS="--workdir DIR".
study: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_study.py $(STUDY_ARGS)

lock: $(STAMP)
	{ head -2 requirements.lock; $(BIN)/pip freeze --exclude-editable; } > requirements.lock.new && mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) data .prefect
