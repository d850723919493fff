# Two commands for a new machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The install stamps carry a hash of pyproject.toml, so a change of pins reinstalls. `make run`
# installs what the app needs to serve; the test and developer tools (`.[dev]`) come with
# `make test` and the other developer targets.
DEPS_HASH := $(shell sha1sum pyproject.toml 2>/dev/null | cut -c1-12)
STAMP := $(VENV)/.installed-$(DEPS_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(DEPS_HASH)
# Production is the settings' default; local set-up, the dev server and the tests ask for debug
# (an explicit DEBUG in the environment wins).
LOCAL := DEBUG=$${DEBUG:-1}

.PHONY: help run test setup lint pytest bench walkthrough load serve clean system-packages mutation

help:
	@echo "make run    set up (venv, dependencies, database, seeded content) and serve on http://127.0.0.1:8000"
	@echo "make test   set up, then ruff and the whole test suite"
	@echo "make bench  print timings of the engine and pages"
	@echo "make walkthrough  clicks, key presses, page heights and PDF pages of a typical case"
	@echo "make serve  production-style server: gunicorn + whitenoise, DEBUG off (needs SECRET_KEY)"
	@echo "make load   load test: gunicorn, 20 users for 30 s, SQLite and PostgreSQL"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "error: Python 3.12 or newer is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "       Install 3.12 (pyenv reads .python-version) or run: make PYTHON=python3.12 ..."; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(DEV_STAMP)

setup: $(STAMP)
	$(LOCAL) $(BIN)/python manage.py migrate --no-input
	$(LOCAL) $(BIN)/python manage.py load_seeds

# The admin sign-in is printed last, just above the server's own lines, on every run.
run: setup
	@$(LOCAL) $(BIN)/python manage.py ensure_dev_admin
	$(LOCAL) $(BIN)/python manage.py runserver 127.0.0.1:8000

# ruff (lint and format), and mypy --strict on the pure engine.
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Debian packages the tests use: chromium (browser tests) and poppler-utils (pdftotext for the
# handout PDFs). Installed when missing and this
# machine allows it (root with apt-get); otherwise the tests that need them are skipped, and
# this says so plainly.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian packages:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "NOTE: could not install$$missing; the tests that need them will be skipped."; \
	else \
	  echo "NOTE:$$missing missing and cannot be installed here (needs root and apt-get);"; \
	  echo "      the tests that need them will be skipped."; \
	fi

# The whole suite, with a line-coverage report and its floor (pyproject.toml, [tool.coverage]).
pytest: $(DEV_STAMP) system-packages
	COVERAGE_CORE=sysmon $(BIN)/pytest --cov --cov-report=term:skip-covered

test: setup lint pytest

# Mutation testing of the engine: each small fault, the engine tests against it (printed).
mutation: $(DEV_STAMP)
	$(LOCAL) $(BIN)/python -m tests.mutation

bench: $(DEV_STAMP)
	$(BIN)/python -m tests.bench

# In a real browser (Debian's chromium): the clicks and key presses a typical case takes, the
# page heights at desktop and phone sizes, and the handouts' page counts. Printed, not asserted.
walkthrough: $(DEV_STAMP) system-packages
	$(BIN)/python -m tests.walkthrough $(CASE)

# Production-style serving: settings from the environment (SECRET_KEY, ALLOWED_HOSTS,
# DATABASE_URL, ...), DEBUG off, static files collected and served by whitenoise.
serve: $(STAMP)
	@test -n "$$SECRET_KEY" || { echo "error: set SECRET_KEY (and ALLOWED_HOSTS) to serve in production mode."; exit 1; }
	DEBUG=0 $(BIN)/python manage.py check --deploy --fail-level WARNING
	DEBUG=0 $(BIN)/python manage.py collectstatic --no-input -v0
	DEBUG=0 $(BIN)/python manage.py migrate --no-input
	DEBUG=0 $(BIN)/python manage.py load_seeds --if-empty
	DEBUG=0 $(BIN)/gunicorn pathway.wsgi --config gunicorn.conf.py

load: $(DEV_STAMP) system-packages
	$(BIN)/python -m tests.load

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal
