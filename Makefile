# Signa — one-command local stack and test suite. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install web screenshots dev test test-web check lint typecheck imports compose compose-check bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

gateway/node_modules/.installed: gateway/package.json gateway/package-lock.json
	cd gateway && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The phone app and the admin web, built into web/dist (served by the gateway); rebuilt only
# when a source file changed.
WEB_SOURCES := $(shell find web -name node_modules -prune -o -name dist -prune -o -path web/shared/src/gql -prune -o -type f -print)
web/dist/.built: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run --silent build
	touch $@

web: web/dist/.built

install: $(VENV)/.installed gateway/node_modules/.installed web/node_modules/.installed

## make dev: broker, four services, gateway, mail sink and demo data on this machine
dev: install web
	$(PY) -m services.cli dev

## make test: the whole suite (unit, integration on PostgreSQL or SQLite, end to end)
test: install web compose-check test-web
	$(PY) -m pytest -q

## the phone app's screens for the README, taken by the browser tests
screenshots: install web
	SIGNA_SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -q tests/web

## the front ends' unit tests (vitest)
test-web: web/node_modules/.installed
	cd web && npm test --silent

## make check: lint, types, import boundaries, composition, then the tests
check: lint typecheck imports test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy libs services

imports: install
	$(VENV)/bin/lint-imports

## make compose: rebuild gateway/supergraph.graphql from the subgraphs' SDL
compose: install
	$(PY) -m services.cli compose

compose-check: install
	$(PY) -m services.cli compose --check

# Each prints its figures; bench/gateway.py alone takes about ten minutes.
BENCHES := events identity_login interventions_materialise interventions_worklist \
	signing_sign signing_handler alarms_sweep alarms_live gateway phone admin

bench: install web
	@for name in $(BENCHES); do echo "== bench/$$name.py"; PYTHONPATH=. $(PY) bench/$$name.py || exit 1; done

clean:
	rm -rf .signa
