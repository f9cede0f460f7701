# Mastery Ledger: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# the official AsyncAPI JSON Schemas (npm @asyncapi/specs, pinned in deploy/asyncapi/package.json)
# that the unit tests validate /asyncapi.json against
SPECS_DIR   := .cache/asyncapi
SPECS_STAMP := $(SPECS_DIR)/.installed-stamp

SUB ?= coach-1
TENANT ?= acme
ROLES ?= coach
NAME ?=

.PHONY: help install run stop status demo rebuild test test-unit test-integration test-e2e lint format \
        token infra-up infra-down test-down clean bench screenshot

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(SPECS_STAMP): deploy/asyncapi/package.json
	mkdir -p $(SPECS_DIR)
	cp deploy/asyncapi/package.json $(SPECS_DIR)/package.json
	npm install --prefix $(SPECS_DIR) --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(SPECS_STAMP)

install: $(STAMP) $(SPECS_STAMP)  ## create .venv and install the project with its dev tools (and the AsyncAPI schemas the tests use)

run: $(STAMP)  ## start Kafka, the Mongo-wire server, three APIs and three workers (dev profile)
	$(PY) deploy/local/stack.py up --profile dev

stop:  ## stop everything `make run` started (data is kept)
	$(PY) deploy/local/stack.py down --profile dev

status:  ## what is running, with each process's restarts and last exit
	$(PY) deploy/local/stack.py status --profile dev

demo: $(STAMP)  ## seed a six-month engagement into the running system (make run first)
	$(PY) -m deploy.demo.seed --profile dev

rebuild: $(STAMP)  ## rebuild every reporting read model from the topics, then switch reads
	$(PY) -m services.reporting.rebuild

token: $(STAMP)  ## print a dev token: make token SUB=coach-1 TENANT=acme ROLES=coach NAME='Casey'
	@$(PY) -m shared.cli.mint_token --sub '$(SUB)' --tenant '$(TENANT)' --roles '$(ROLES)' --name '$(NAME)'

test: lint $(SPECS_STAMP)  ## lint, then every tier (unit, integration, e2e) on the real test infrastructure
	$(PY) -m pytest

test-unit: $(STAMP) $(SPECS_STAMP)  ## unit tier: pure logic, no I/O
	$(PY) -m pytest -m unit

test-integration: $(STAMP)  ## integration tier: real Kafka and Mongo-wire server
	$(PY) -m pytest -m integration

test-e2e: $(STAMP)  ## end-to-end tier: the services as processes over HTTP and Kafka
	$(PY) -m pytest -m e2e

screenshot: $(STAMP)  ## retake the README's dashboard picture (docs/dashboard.png) with the browser test
	ML_SCREENSHOT=docs/dashboard.png $(PY) -m pytest tests/e2e/test_dashboard_browser.py -k screenshot

bench: $(STAMP)  ## run the benchmarks (prints figures; bench.scale grows the history to 60,000 events, which takes long: python -m bench --quick for a short run)
	$(PY) -m bench

lint: $(STAMP)  ## ruff (lint and format check) and mypy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

infra-up: $(STAMP)  ## only the dev infrastructure (Kafka, Mongo-wire server)
	$(PY) deploy/local/infra.py up --profile dev

infra-down:  ## stop the dev infrastructure
	$(PY) deploy/local/infra.py down --profile dev

test-down:  ## stop the test profile's processes and infrastructure
	$(PY) deploy/local/stack.py down --profile test

clean: stop test-down  ## stop everything and remove local state (keeps the download caches)
	rm -rf .local
