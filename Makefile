# The commands the README names. Everything runs in .venv, made from requirements.lock.
#
#   make demo      set up, load demo data and serve on http://127.0.0.1:8000 (SQLite, Celery eager)
#   make test      ruff, migrations check and the whole pytest suite (browser tests included)
#   make lint      ruff only
#   make bench     run benchmarks/*.py but the _*.py helpers (not tests; they print their figures)
#   make schema    regenerate openapi.yaml (in English, so that it does not depend on the translations)
#   make messages  extract Swedish messages into locale/sv (needs GNU gettext's xgettext)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

BOOTSTRAP_PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Install runs again only when requirements.lock changes (or the venv is new).
STAMP := $(VENV)/.requirements.lock.stamp

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install translations demo test lint bench schema messages

help:
	@echo "make demo | test | lint | bench | schema | messages"

$(PY):
	@test -n "$(BOOTSTRAP_PYTHON)" || { echo "Python 3.11 (python3.11 or python3) is needed." >&2; exit 1; }
	$(BOOTSTRAP_PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock | $(PY)
	$(PY) -m pip install --quiet --no-input -r requirements.lock
	@touch $@

install: $(STAMP)

# Pure Python (polib): no gettext binaries needed.
translations: install
	$(PY) manage.py compile_translations

demo: translations
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000/ (Ctrl-C stops). Portal: /forvaltning/  Citizens: /mina-sidor/  Staff: /admin/"
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

# pytest's own exit code ends the target: 5 (no test collected) fails like any other.
test: translations
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .

# Every benchmark runs even if one cannot (e.g. no PostgreSQL); the target fails at the end if any did.
bench: install
	@found=0; failed=""; \
	for f in benchmarks/[!_]*.py; do \
	    [ -e "$$f" ] || continue; \
	    found=1; \
	    echo "== $$f"; \
	    DJANGO_SETTINGS_MODULE=hyresadmin.settings PYTHONPATH=. $(PY) "$$f" || failed="$$failed $$f"; \
	done; \
	[ "$$found" = 1 ] || echo "No benchmarks in benchmarks/ yet."; \
	if [ -n "$$failed" ]; then echo "Did not complete:$$failed" >&2; exit 1; fi

schema: install
	$(PY) manage.py spectacular --file openapi.yaml --validate --fail-on-warn --lang en

messages: install
	$(PY) manage.py makemessages -l sv --ignore=.venv --ignore=staticfiles --ignore=media --no-obsolete
	$(PY) manage.py compile_translations
