# The two commands of the README: `make run` and `make test`. Each sets itself up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# --upgrade-strategy eager: the newest versions the bounds allow, as a new install gets them
	$(BIN)/pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Start the app on the embedded SQLite store (created and seeded with synthetic demo data if empty).
run: $(STAMP)
	$(BIN)/streamlit run app.py

# The whole suite, on SQLite and on PostgreSQL (started here if it is installed and not running).
test: $(STAMP)
	@. scripts/test-postgres.sh && $(BIN)/ruff check . && $(BIN)/python -m pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check cgic_data cgic_ui pages tests app.py
