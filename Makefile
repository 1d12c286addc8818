# Plenum: the README's commands. `make demo` runs the site; `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
VENDOR := static/vendor/htmx.min.js
PYTHON_DIRS := platform tests bench migrations scripts
PYTEST := $(BIN)/pytest
PORT ?= 8000
IDP_PORT ?= 9400

.PHONY: help setup demo test lint types security test-sqlite test-postgres bench catalogue clean

help:
	@echo "make demo   - set up and run the site with demo data on http://127.0.0.1:8000"
	@echo "              (other ports: make demo PORT=8001 IDP_PORT=9401)"
	@echo "make test   - set up and run lint, types, security scan and all tests"
	@echo "make bench  - run the benchmarks: baseline, motions (figures go to bench/README.md)"

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(VENDOR): node_modules/.installed scripts/build-vendor.mjs
	npm run --silent build

setup: $(INSTALLED) $(VENDOR)

demo: setup
	@$(BIN)/plenum demo --port $(PORT) --idp-port $(IDP_PORT)

lint: setup
	$(BIN)/ruff check $(PYTHON_DIRS)
	$(BIN)/ruff format --check $(PYTHON_DIRS)
	cd platform && ../$(BIN)/lint-imports --no-cache ../pyproject.toml
	$(BIN)/deptry platform

types: setup
	$(BIN)/mypy --strict platform/

security: setup
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive platform/
	$(BIN)/python scripts/audit.py

test-sqlite: setup
	$(PYTEST) --db sqlite

test-postgres: setup
	$(PYTEST) --db postgres -m "not browser"

# The two suites run side by side: they share nothing (each makes its own database, ports and
# processes), and each waits on its servers for much of its time, so together they take
# little longer than the longer one alone.
test: lint types security
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

bench: setup
	$(BIN)/python bench/baseline.py
	$(BIN)/python bench/motions.py
	$(BIN)/python bench/discussions.py
	$(BIN)/python bench/votes.py
	$(BIN)/python bench/meetings.py
	$(BIN)/python bench/series.py
	$(BIN)/python bench/surveys.py
	$(BIN)/python bench/video.py

catalogue: setup
	$(BIN)/python scripts/catalogue.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .mypy_cache .ruff_cache
