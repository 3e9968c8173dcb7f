# Entry points: `make serve`, `make test` and `make fuzz`. Each builds .venv first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test fuzz lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("mockminimax needs Python 3.10+" if sys.version_info < (3, 10) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/mockminimax serve $(ARGS)

test: $(STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fuzz tests alone, with 20x the examples `make test` runs (random, not derandomized);
# FUZZ_EXAMPLES=N scales them further.
FUZZ_EXAMPLES ?= 20
fuzz: $(STAMP)
	MOCKMINIMAX_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest \
		tests/server/test_fuzz_schema.py tests/server/test_fuzz_stateful.py \
		tests/server/test_fuzz_raw.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check mockminimax tests benchmarks
	$(BIN)/ruff format --check mockminimax tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/server.py
	$(BIN)/python benchmarks/request_path.py
	$(BIN)/python benchmarks/fixtures.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
