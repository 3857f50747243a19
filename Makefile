# Everything runs inside .venv, made from requirements/ on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-dev
PROD_INSTALLED := $(VENV)/.installed-prod
MANAGE := $(BIN)/python manage.py
# `make run` is local development: DEBUG is on unless DEBUG is set in the environment
# (a DEBUG line in .env does not override it here).
RUN_ENV := DEBUG=$${DEBUG:-true}
TEST_ENV := DJANGO_SETTINGS_MODULE=config.settings_test

.PHONY: help venv run serve migrate test lint pytest check-migrations bench backup restore mutate

help:
	@echo "make run    set up (virtualenv, database, migrations, demo data) and serve on 127.0.0.1:8000"
	@echo "make serve  serve with gunicorn (production; see README, Deploy to production)"
	@echo "make test   set up and run ruff, makemigrations --check and the whole test suite"
	@echo "make bench  measure the API's hot paths"
	@echo "make mutate mutation testing: break the code, one change at a time, and run the tests"
	@echo "make backup / make restore BACKUP=backups/<file>.dump"

$(INSTALLED): requirements/base.txt requirements/prod.txt requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

venv: $(INSTALLED)

# The production server needs only requirements/prod.txt (dev.txt includes it).
$(PROD_INSTALLED): requirements/base.txt requirements/prod.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/prod.txt
	touch $@

# A local .env makes plain `manage.py` commands work in development (DEBUG on).
.env:
	cp .env.example .env
	@echo "Created .env from .env.example (local development settings; edit as needed)."

migrate: venv
	$(RUN_ENV) $(MANAGE) migrate --noinput

# The production server: gunicorn with gunicorn.conf.py, settings from the environment.
serve: $(PROD_INSTALLED)
	$(BIN)/gunicorn

run: .env migrate
	$(RUN_ENV) $(MANAGE) create_local_admin
	$(RUN_ENV) $(MANAGE) seed_demo
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:8000

test: lint check-migrations pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	git ls-files -z | xargs -0 $(BIN)/detect-secrets-hook --baseline .secrets.baseline

check-migrations: venv
	$(TEST_ENV) $(MANAGE) makemigrations --check --dry-run

pytest: venv
	$(BIN)/pytest $(PYTEST_ARGS)

# The hot paths served by gunicorn under wrk, beside pgbench on the same SQL (README,
# Performance): `make bench` (small scale, minutes), `make bench SCALE=large`; REBUILD=1
# fills the benchmark's database again instead of reusing it.
SCALE ?= small
bench: venv
	@command -v wrk >/dev/null || { echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench --scale $(SCALE) $(if $(REBUILD),--rebuild)

# Back up the configured database into backups/ (pg_dump, custom format).
backup: venv
	$(RUN_ENV) $(MANAGE) backup

# Replace the configured database's data with a backup: make restore BACKUP=backups/x.dump
restore: venv
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<file>.dump"; exit 2; }
	$(RUN_ENV) $(MANAGE) restore "$(BACKUP)"

# Mutation testing (slow: tens of minutes). Starts afresh; see README, Tests.
MUTATION_ENV := $(TEST_ENV) TEST_DATABASE_TEMPLATE=test_candidates_portal_mutation \
	EMBEDDED_DATABASE_DIR=$(CURDIR)/.pgdata

mutate: venv
	rm -rf mutants
	$(MUTATION_ENV) $(BIN)/python -m tests.mutation prepare
	$(MUTATION_ENV) $(BIN)/python -m tests.mutation run $(MUTANTS)
	$(MUTATION_ENV) $(BIN)/python -m tests.mutation report $(MUTANTS)
