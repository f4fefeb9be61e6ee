# The two commands the README promises: `make run` and `make test`.
# Both create the virtual environment on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# The database follows STALKING_BUILD_DIR, as core/paths.py does.
DB := $(or $(STALKING_BUILD_DIR),data/build)/stalking.duckdb
PORT ?= 8501
INPUTS := $(shell find data -name '*.csv' -not -path 'data/build/*' -not -path 'data/templates/*' -not -path 'data/returns/*' 2>/dev/null) \
	$(wildcard data/returns/*.json) $(wildcard etl/*.py etl/sql/*.sql core/rules.py) \
	$(wildcard $(dir $(DB))demand/*.json)

.PHONY: run test test-fast test-dates lint format data check bench clean-build templates lock dev-signin

# Every package pinned, with hashes (requirements.lock, made from pyproject.toml by `make lock`).
$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

# Rebuilt only when missing or older than any input file, ETL module or rule.
$(DB): $(STAMP) $(INPUTS)
	$(PY) -m etl build

data: $(DB)

check: $(STAMP)
	$(PY) -m etl check

run: $(DB)
	@echo "Starting the dashboard at http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" deploy/serve.sh --server.address 127.0.0.1 --server.port $(PORT)

# Style, format, the architecture's layers and the types ([tool.mypy] in pyproject.toml); any finding fails.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Everything: what CI runs (.ci/run). Then the date-sensitive tests again, at two later dates.
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-dates

# The edit-test loop: every test but those that drive a browser, PostgreSQL, a container,
# replicas behind HAProxy, LibreOffice or the kill -9 loop, and those marked `slow` (the 43-force
# sweeps, the benchmarks' quick runs, the multi-process flows). Markers: tests/conftest.py.
EXTERNAL := browser or postgres or container or replicas or libreoffice or killloop
FAST := not ($(EXTERNAL) or slow)
# One test file per worker, a worker per core (pytest-xdist): each worker builds its own test
# database (tests/conftest.py), and a file's module fixtures stay in one process.
test-fast: $(STAMP)
	$(PY) -m pytest -q -n auto --dist loadfile -m "$(FAST)" $(PYTEST_ARGS)

# The tests that depend on the date they run (marked `dates`), with the product's clock moved on.
LATER_DATES := 2027-06-01 2030-01-01
test-dates: $(STAMP)
	@for day in $(LATER_DATES); do \
		echo "Date-sensitive tests with the clock at $$day"; \
		$(PY) -m pytest -q -m "dates and not ($(EXTERNAL))" --today $$day $(PYTEST_ARGS) || exit 1; \
	done

# Builds its own database in a temporary folder (never data/build); prints and writes bench/results.md.
bench: $(STAMP)
	$(PY) bench/run.py

clean-build:
	rm -rf data/build

# After changing the dependencies in pyproject.toml: everything (make test, make run) and the
# runtime packages alone (the container image); a test checks the two agree on every version.
lock: $(STAMP)
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --extra dev --strip-extras -o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements-runtime.lock pyproject.toml

# The committed return templates (a blank one and Hertfordshire's example); a test checks they are current.
templates: $(DB)
	$(PY) -m returns template --out data/templates/return_template.csv
	$(PY) -m returns template --out data/templates/return_template.xlsx
	$(PY) -m returns template E23000027 --out data/templates/return_template_E23000027.csv
	$(PY) -m returns template E23000027 --out data/templates/return_template_E23000027.xlsx

# A local OpenID Connect provider with demo identities, for trying sign-in (see README, Returns rounds).
dev-signin: $(STAMP)
	$(PY) -m dev.signin --app-port $(PORT)
