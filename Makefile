# The two commands: `make run` (the whole product on embedded defaults, with demo data) and
# `make test` (the suite). Both create .venv and install the pinned requirements on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Local development and tests run with DEBUG on; production sets DEBUG=false and a SECRET_KEY.
export DEBUG ?= true

.PHONY: install migrate seed run dev test bench check clean
# `make run` is the demo as a newcomer meets it: DEBUG off (the site's own error pages), a secret key
# generated once under var/, and the HTTPS settings off because it serves plain HTTP on loopback.
DEMO_ENV = DEBUG=false SECRET_KEY="$$(cat var/secret_key)" ALLOWED_HOSTS=127.0.0.1,localhost \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0 \
	SECURE_HSTS_INCLUDE_SUBDOMAINS=false SECURE_HSTS_PRELOAD=false BEHIND_PROXY=false

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo --if-empty

var/secret_key:
	mkdir -p var
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

run: seed var/secret_key
	$(DEMO_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(DEMO_ENV) PORT=$(PORT) bin/run-all

# The same with DEBUG on (Django's debug pages, no static collection), for development.
dev: seed
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
	$(PY) bench/web.py

clean:
	rm -rf var/*.sqlite3* var/mail var/static
