# The map of developer commands. `make serve` and `make test` do all set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REDOC := wheeld/http/static/redoc/redoc.standalone.js

.PHONY: serve test lint fmt bench zipapp clean assets install

$(STAMP): pyproject.toml constraints.txt scripts/fetch_redoc.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python scripts/fetch_redoc.py
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

assets: $(STAMP)
	$(BIN)/python scripts/fetch_redoc.py

serve: $(STAMP)
	$(BIN)/wheeld serve $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --cov=wheeld --cov-report=term:skip-covered $(ARGS)
	$(BIN)/ruff check .
	$(BIN)/mypy wheeld/domain

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy wheeld/domain

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench.run_all $(ARGS)

# dist/wheeld.pyz from the settings in shiv.toml (pinned, reproducible: prints its SHA-256).
zipapp: assets
	$(BIN)/python scripts/build_zipapp.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .coverage htmlcov wheeld/http/static/redoc
