# tasks-sse: `make dev` to run it, `make test` to check it. Every target installs what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
PORT        ?= 8787
SIM_PORT    ?= 8788
SDK_VERSION := $(shell sed -n 's/^workers-runtime-sdk==\([^ ]*\).*/\1/p' requirements.lock)
SDK_WHEEL   := .cache/wheels/workers_runtime_sdk-$(SDK_VERSION)-py3-none-any.whl

export WRANGLER_SEND_METRICS := false
export WRANGLER_SEND_ERROR_REPORTS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false

.PHONY: help setup dev worker sim format test test-unit test-js test-integration test-e2e test-wrangler lint bench screenshots chromium clean

help:
	@echo "make dev    - simulator + Worker (local runtime); prints the playground URL"
	@echo "make worker - the Worker alone on PORT=$(PORT), upstream PARALLEL_API_ORIGIN"
	@echo "make sim    - the Task API simulator alone on SIM_PORT=$(SIM_PORT)"
	@echo "make test   - install what is missing, then run every suite"
	@echo "make test-wrangler - integration + e2e suites against wrangler dev (workerd), for machines online"
	@echo "make bench  - the benchmarks (markdown table + bench/results.json)"
	@echo "make screenshots - regenerate the README's playground screenshots (docs/screenshots/)"

# --- setup: idempotent; each step reruns only when its inputs changed -------------------------
setup: $(VENV)/.installed node_modules/.installed $(SDK_WHEEL) .cache/pyodide-snapshot/.prepared

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The runtime loads the Workers SDK into Pyodide from this wheel (micropip cannot fetch offline).
$(SDK_WHEEL): requirements.lock | $(VENV)/.installed
	@mkdir -p $(dir $@)
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps --dest $(dir $@) workers-runtime-sdk==$(SDK_VERSION)
	@touch $@

# A memory snapshot of the initialised interpreter: the runtime then starts in well under a second.
# (The runtime rebuilds it by itself when it is missing or stale; this only moves that cost to setup.)
.cache/pyodide-snapshot/.prepared: node_modules/.installed $(SDK_WHEEL) $(wildcard runtime/*.mjs runtime/*.py)
	node runtime/server.mjs --prepare >/dev/null
	@mkdir -p $(dir $@) && touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y chromium >/dev/null || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }; \
	  else sudo apt-get install -y chromium >/dev/null; fi; }

# --- run ------------------------------------------------------------------------------------
dev: setup
	$(PY) scripts/dev.py --port $(PORT) --sim-port $(SIM_PORT)

worker: setup
	PORT=$(PORT) node runtime/server.mjs

sim: setup
	$(PY) -m parallel_sim --host 127.0.0.1 --port $(SIM_PORT)

# --- check ----------------------------------------------------------------------------------
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npx --no-install eslint .
	npx --no-install prettier --check --log-level warn .

# `make format` rewrites what the format checks would refuse.
format: setup
	$(VENV)/bin/ruff format .
	npx --no-install prettier --write --log-level warn .

test-unit: setup
	$(PY) -m pytest -q tests/unit

test-js: setup
	node --test tests/js/

test-integration: setup
	$(PY) -m pytest -q tests/sim tests/integration

test-e2e: setup chromium
	$(PY) -m pytest -q tests/e2e

# The same suites with the Worker in `wrangler dev` (real workerd) instead of the local runtime.
# Needs the internet: workerd downloads its Python bundle when it starts.
test-wrangler: setup chromium
	TEST_WORKER=wrangler $(PY) -m pytest -q -p no:cacheprovider tests/integration
	TEST_WORKER=wrangler $(PY) -m pytest -q -p no:cacheprovider tests/e2e

test: setup chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npx --no-install eslint .
	npx --no-install prettier --check --log-level warn .
	node --test tests/js/
	$(PY) -m pytest -q -p no:cacheprovider tests --ignore=tests/e2e
	@# Browser tests in their own process: Playwright's sync API keeps an event loop running
	@# for the whole session, which the asyncio-based suites cannot share.
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e

bench: setup chromium
	$(PY) -m bench

# Drives the real page (simulator + Worker + chromium) to each scene in scripts/screenshots.py.
screenshots: setup chromium
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) node_modules .cache .pytest_cache .ruff_cache
