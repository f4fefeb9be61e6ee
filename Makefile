# The two commands the README promises: `make run` and `make test`.
# Both create the virtual environment on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# The database follows STALKING_BUILD_DIR, as dashboard/paths.py does.
DB := $(or $(STALKING_BUILD_DIR),data/build)/stalking.duckdb
PORT ?= 8501
INPUTS := $(shell find data -name '*.csv' -not -path 'data/build/*' -not -path 'data/templates/*' 2>/dev/null) $(wildcard data/returns/*.xlsx) $(wildcard etl/*.py)

.PHONY: run test data check bench clean-build templates

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Rebuilt only when missing or older than any input file or ETL module.
$(DB): $(STAMP) $(INPUTS)
	$(PY) -m etl build

data: $(DB)

check: $(STAMP)
	$(PY) -m etl check

run: $(DB)
	@echo "Starting the dashboard at http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(PY) -m dashboard.serve --server.address 127.0.0.1 --server.port $(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Builds its own database in a temporary folder (never data/build); prints and writes bench/results.md.
bench: $(STAMP)
	$(PY) bench/run.py

clean-build:
	rm -rf data/build

# The committed return templates (a blank one and Hertfordshire's example); a test checks they are current.
templates: $(DB)
	$(PY) -m etl template --out data/templates/return_template.csv
	$(PY) -m etl template --out data/templates/return_template.xlsx
	$(PY) -m etl template E23000027 --out data/templates/return_template_E23000027.csv
	$(PY) -m etl template E23000027 --out data/templates/return_template_E23000027.xlsx
