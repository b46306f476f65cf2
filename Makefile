# Kucun: `make run` starts the system with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KUCUN := $(BIN)/kucun
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= 2
CI ?=
ONLY ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: prepare run test install install-dev browser lint typecheck test-sqlite test-postgres bench migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip

$(VENV)/.installed: $(BIN)/python pyproject.toml scripts/build-constraints.txt
	$(BIN)/pip install -q --build-constraint scripts/build-constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q --build-constraint scripts/build-constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

prepare: install
	$(KUCUN) compile_translations
	$(KUCUN) collectstatic --noinput -v0
	$(KUCUN) migrate --noinput -v0

run: prepare
	$(KUCUN) demo --if-empty
	@echo ""
	@echo "  Kucun: http://$(HOST):$(PORT)/   (log in as demo / kucun-demo; Ctrl-C stops)"
	@echo ""
	exec $(KUCUN) serve --host $(HOST) --port $(PORT)

browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian Chromium for the browser tests"; \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk) >/dev/null \
	  || { echo "could not install chromium"; [ -z "$(CI)" ] || exit 1; }; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

test-sqlite: install-dev
	$(KUCUN) compile_translations
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not e2e" --dist loadfile
	$(BIN)/pytest -q -m e2e

test-postgres: install-dev
	@if $(BIN)/python scripts/reachable.py "$(TEST_DATABASE_URL)"; then \
	  redis_url=""; \
	  if $(BIN)/python scripts/reachable.py "$(TEST_REDIS_URL)"; then redis_url="$(TEST_REDIS_URL)"; \
	  elif [ -n "$(CI)" ]; then echo "Redis at $(TEST_REDIS_URL) is required in CI"; exit 1; \
	  else echo "Redis not reachable: PostgreSQL pass runs the queue on SQLite"; fi; \
	  echo "== PostgreSQL pass ($(TEST_DATABASE_URL)) =="; \
	  DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$$redis_url" \
	    $(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not e2e" --dist loadfile; \
	elif [ -n "$(CI)" ]; then echo "PostgreSQL at $(TEST_DATABASE_URL) is required in CI"; exit 1; \
	else echo "PostgreSQL not reachable at $(TEST_DATABASE_URL): skipping that pass (set CI=true to require it)"; fi

test: install-dev browser lint typecheck test-sqlite test-postgres

bench: install-dev
	$(BIN)/python -m bench $(if $(ONLY),--only $(ONLY),)

clean:
	rm -rf $(VENV) var test-artifacts
