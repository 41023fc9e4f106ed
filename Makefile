# kikz – make targets. `make run` and `make test` are the two commands of the README.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run test test-sqlite test-postgres check lint format typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Start the platform on http://127.0.0.1:8000 (SQLite under ./var, demo data on first start)
run: $(STAMP)
	$(BIN)/kikz serve

## Run the whole test suite (SQLite; add KIKZ_TEST_POSTGRES_URL=... for PostgreSQL)
test: $(STAMP)
	$(BIN)/python -m pytest

test-postgres: $(STAMP)
	KIKZ_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff format --check kikz tests benchmarks
	$(BIN)/ruff check kikz tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format kikz tests benchmarks
	$(BIN)/ruff check --fix kikz tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

## ruff + mypy + tests
check: lint typecheck test

bench: $(STAMP)
	for b in benchmarks/*.py; do case $$b in */_*|*fixture*) continue;; esac; echo "== $$b"; \
	  $(BIN)/python -m benchmarks.$$(basename $$b .py) || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
