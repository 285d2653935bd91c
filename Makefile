# The two commands of the README: `make run` and `make test`. Each sets itself up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup

$(STAMP): pyproject.toml
	@echo "Installing the app and what it needs into $(VENV) (the first time: a minute or two)…"
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# --upgrade-strategy eager: the newest versions the bounds allow, as a new install gets them
	$(BIN)/pip install --upgrade --upgrade-strategy eager -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

# Start the app on the embedded SQLite store. `cgic prepare` first creates and seeds it with
# synthetic demo data if empty and writes the demo accounts file, before anyone opens the page.
run: $(STAMP)
	@$(BIN)/cgic prepare
	@echo "Starting the app: open the URL below (http://127.0.0.1:8501 unless that port is taken). Ctrl-C stops it."
	$(BIN)/streamlit run app.py

# The whole suite, on SQLite and on PostgreSQL (started here if it is installed and not running).
test: $(STAMP)
	@. scripts/test-postgres.sh && $(BIN)/ruff check . && $(BIN)/python -m pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check cgic_data cgic_ui pages tests app.py
