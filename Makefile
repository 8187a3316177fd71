# Two commands: `make run` starts the whole app on this machine, `make test` is exactly what CI runs.
# Both create .venv when it is missing and reinstall the pinned requirements only when they change.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
RUNTIME_STAMP := $(VENV)/.stamp-requirements
DEV_STAMP := $(VENV)/.stamp-requirements-dev
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="tests/core -x"`.
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test chromium

help:
	@echo "make run   - migrate, load the demo data, start simulator + web + worker + beat (Ctrl-C stops all)"
	@echo "make test  - ruff, migrations check, import contracts, mypy, the whole pytest suite (what CI runs)"

$(PY):
	python3 -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PIP) -r requirements.txt
	touch $@

# requirements-dev.txt includes requirements.txt, so this install also satisfies `make run`.
$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP) -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

# `make run` is development: DEBUG on (the settings default is off), unless your shell says otherwise.
run: export DJANGO_DEBUG ?= 1
run: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	exec $(PY) scripts/devrun.py

# Browser tests drive Debian's Chromium (Playwright downloads nothing here).
chromium:
	@if [ -x /usr/bin/chromium ]; then \
	  true; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's chromium and chromium-driver for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq chromium chromium-driver; \
	else \
	  echo "WARNING: /usr/bin/chromium is missing; browser tests will skip (or fail with FSM_REQUIRE_BROWSER=1)." >&2; \
	  echo "Install it with: sudo apt-get update && sudo apt-get install -y chromium chromium-driver" >&2; \
	fi

# Plain pytest, not xdist: on this 2-core size `-n 2` measured slower (2m58s vs 2m13s), and several
# tests start real worker, simulator and browser processes of their own.
test: $(DEV_STAMP) chromium
	$(PY) -m ruff check .
	DJANGO_SETTINGS_MODULE=fsm.settings_test $(PY) manage.py makemigrations --check --dry-run
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache
	$(PY) -m mypy
	$(PY) -m pytest $(PYTEST_ARGS)
