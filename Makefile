# Custodia — `make run` and `make test` are all a fresh Debian machine with Python 3.11 needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := static/vendor/uswds/.installed
CATALOGS := translations/es/LC_MESSAGES/messages.mo
HOST ?= 127.0.0.1
PORT ?= 5000
# Two workers by default (the suite's databases are per worker); PYTEST_ARGS= runs serially.
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: install run test lint format clean

install: $(STAMP) $(ASSETS) $(CATALOGS)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# USWDS from npm (pinned in package-lock.json), copied into static/vendor (not committed).
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor/uswds && mkdir -p static/vendor/uswds
	cp -r node_modules/@uswds/uswds/dist/css node_modules/@uswds/uswds/dist/js \
	      node_modules/@uswds/uswds/dist/fonts node_modules/@uswds/uswds/dist/img static/vendor/uswds/
	touch $@

# Spanish for the public locator: compiled from the committed .po (the .mo is not committed).
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --domain messages --input-file $< --output-file $@

run: install
	$(BIN)/custodia db upgrade
	$(BIN)/custodia seed-demo
	$(BIN)/custodia run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache
