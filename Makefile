# Wirewatch — the only way in. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# `make test` runs its own stack on its own ports and state dir, so a developer's `make up` stack is untouched.
TEST_ENV := WIREWATCH_KAFKA_BOOTSTRAP=localhost:19092 WIREWATCH_KAFKA_CONTROLLER_PORT=19093 \
            WIREWATCH_ES_URL=http://localhost:19200 WIREWATCH_STATE_DIR=$(CURDIR)/.wirewatch/test \
            WIREWATCH_STACK_STARTED=1

# every shell script `make lint` checks with shellcheck
SHELL_SCRIPTS = $(shell find deploy -name '*.sh' | sort) .ci/run

.PHONY: help check install up down status demo test test-unit test-cluster lint bench clean

help: ## show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

check: ## check the prerequisites (Python 3.11, JDKs for Kafka and Elasticsearch, Maven)
	@command -v $(PYTHON) >/dev/null || { echo "missing $(PYTHON): install Python 3.11 (e.g. pyenv install 3.11, or apt-get install python3.11 python3.11-venv)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "$(PYTHON) is not Python 3.11"; exit 1; }
	@# before `make install` the venv does not exist yet: the same checks, standard library only
	@if [ -x $(BIN)/wirewatch ]; then $(BIN)/wirewatch stack check; else $(PYTHON) -I wirewatch/ops/stack/prereqs.py; fi

install: $(STAMP) ## create .venv with wirewatch and its pinned dependencies

$(STAMP): pyproject.toml requirements.lock requirements-models.lock deploy/install.sh
	@$(MAKE) --no-print-directory check
	@echo "installing into $(VENV) (first time ~1 min)"
	@PYTHON=$(PYTHON) sh deploy/install.sh $(VENV) all --editable  # the image's recipe too (Dockerfile)
	@bash deploy/install-tools.sh
	@touch $(STAMP)

up: install ## start Kafka and Elasticsearch (idempotent) and create topics and templates
	@$(BIN)/wirewatch stack up

down: install ## stop Kafka, Elasticsearch and the workspace `make demo` left running
	@$(BIN)/wirewatch stack down

status: install ## show the stack and the pipeline
	@$(BIN)/wirewatch stack status; $(BIN)/wirewatch status

demo: install ## install, start the stack, ingest the bundled sample feeds end to end, print a summary; leaves the workspace running
	@$(BIN)/wirewatch stack up
	@$(BIN)/python -m demo

test-unit: install ## unit and contract tests only (no services)
	@$(BIN)/python -m pytest tests/unit tests/contract -q

test: install ## install, start a real stack, run unit, contract, integration, e2e and browser tests, stop the stack, then the cluster smoke test
	@bash deploy/install-browser.sh  # Debian's chromium for tests/browser (apt as root, else a note)
	@$(TEST_ENV) $(BIN)/wirewatch stack up
	@status=0; $(TEST_ENV) $(BIN)/python -m pytest tests -q -p no:cacheprovider --ignore=tests/cluster || status=$$?; \
	  $(TEST_ENV) $(BIN)/wirewatch stack down || true; \
	  $(MAKE) --no-print-directory test-cluster || status=$$?; exit $$status

test-cluster: install ## the local cluster smoke test alone: 3 brokers + 3 ES nodes (ports 39092+, 39200+), a broker killed mid-stream
	@WIREWATCH_CLUSTER_SMOKE=1 $(BIN)/python -m pytest tests/cluster -q -p no:cacheprovider

lint: install ## ruff check, ruff format --check, mypy (strict) and shellcheck over the shell scripts
	@$(BIN)/ruff check --no-cache .
	@$(BIN)/ruff format --no-cache --check .
	@$(BIN)/mypy -p wirewatch
	@command -v shellcheck >/dev/null || { echo "missing shellcheck: apt-get install shellcheck (make install does it as root)"; exit 1; }
	@shellcheck $(SHELL_SCRIPTS)

clean: ## remove the venv and local state (not the download cache)
	rm -rf $(VENV) .wirewatch
