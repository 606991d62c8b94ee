# RightsWatch — two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= data
export RW_LANDING ?= $(CURDIR)/$(DATA)/landing
export RW_WAREHOUSE ?= $(CURDIR)/$(DATA)/warehouse/rightswatch.duckdb
export DAGSTER_HOME ?= $(CURDIR)/$(DATA)/dagster_home
PORT ?= 8501

.PHONY: help install install-spark sysdeps sample pipeline run serve dagster test test-spark test-browser lint docs bench loadtest clean

help:
	@echo "make run       set up, build the warehouse on generated sample data, serve the dashboards"
	@echo "make test      set up and run the whole test suite (lint, unit, dbt, pipeline, browser)"
	@echo "make install   create or update the virtual environment ($(VENV))"
	@echo "make pipeline  what 'make run' does, without serving"
	@echo "make dagster   the Dagster UI on the same project and instance"
	@echo "make docs      generate and serve the dbt docs (port 8081)"
	@echo "make test-spark  the sample built on DuckDB and on a local Spark Connect server; every mart compared"
	@echo "make bench     benchmark the pipeline at 100k and 1M order lines; prints figures"
	@echo "               (make bench BENCH_ARGS=--ten-million adds 10M; see docs/performance.md)"
	@echo "make loadtest  USERS managers (default 8) at once on the served dashboards; prints p50/p95 per page"

install: $(VENV)/.installed

# Re-run when the dependency pins change; pip is idempotent, so a second run is quick.
$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

# Debian packages the browser tests, PDFs and charts need (Chromium, a CJK font, pdftoppm).
sysdeps:
	@bash scripts/install_system_deps.sh

sample: install
	@if [ -d "$(RW_LANDING)/orders" ]; then echo "Sample deliveries already in $(RW_LANDING)"; \
	else $(BIN)/rightswatch generate --out "$(RW_LANDING)"; fi

pipeline: sample
	$(BIN)/rightswatch run

run: pipeline
	$(BIN)/rightswatch serve --port $(PORT)

serve: install
	$(BIN)/rightswatch serve --port $(PORT)

dagster: install
	@mkdir -p "$(DAGSTER_HOME)"
	$(BIN)/dagster dev -m dagster_project.definitions

lint: install
	$(BIN)/ruff check .

# One pytest run on as many workers as cores (at most 4), the Spark parity among them (pytest-xdist;
# --dist loadfile keeps each file's module fixtures on one worker; --no-loadscope-reorder keeps the
# longest-first order of tests/conftest.py, which xdist would replace by "most tests first").
# RW_REQUIRE_SPARK=1: a missing spark extra fails the parity test instead of skipping it.
# TEST_ARGS=... adds pytest arguments.
TEST_ARGS ?=
test: install-spark sysdeps lint
	RW_REQUIRE_SPARK=1 $(BIN)/python -m pytest --numprocesses=auto --maxprocesses=4 --dist loadfile \
		--no-loadscope-reorder $(TEST_ARGS)

# The optional Spark engine (docs/scale-out.md): pyspark + dbt-spark, pinned like everything else.
install-spark: $(VENV)/.installed-spark

$(VENV)/.installed-spark: $(VENV)/.installed pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,spark]"
	@touch $@

# Parity of the DuckDB and Spark builds (tests/test_spark_parity.py; Java 17 from `make sysdeps`): the
# 1,500-order sample on both engines, every published mart compared (~13 min on a busy 2-core machine).
# RW_REQUIRE_SPARK=1: a missing spark extra fails the target instead of skipping every test.
test-spark: install-spark sysdeps
	RW_REQUIRE_SPARK=1 $(BIN)/python -m pytest -m spark tests/test_spark_parity.py

# Serves a private copy of the published warehouse on loopback; needs `make pipeline` first.
USERS ?= 8
ROUNDS ?= 1
loadtest: install sysdeps
	$(BIN)/python scripts/loadtest.py --users $(USERS) --rounds $(ROUNDS)

test-browser: install sysdeps
	$(BIN)/python -m pytest -m browser

docs: install
	cd dbt && RW_WAREHOUSE="$(RW_WAREHOUSE)" ../$(BIN)/dbt docs generate --profiles-dir . && \
	  ../$(BIN)/dbt docs serve --profiles-dir . --port 8081

bench: install
	$(BIN)/python -m dagster_project.cli.bench $(BENCH_ARGS)

clean:
	rm -rf $(DATA) dbt/target dbt/logs test-artifacts
