# Two commands: `make serve` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

SDK_DIR := tests/sdk

.PHONY: serve serve-prod test bench instructions scaling lint clean sdk-packages schema

# The venv is (re)built whenever the declared dependencies change.
$(VENV)/installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

.env: | $(VENV)/installed
	$(PY) -m portal.local_env

serve: $(VENV)/installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_account
	PORT=$(PORT) $(PY) manage.py runserver localhost:$(PORT)

# Production: gunicorn (WEB_CONCURRENCY sync workers, gunicorn.conf.py), DEBUG off, every
# setting from the environment (README, "Production"); it refuses to start on missing keys
# and on what `check --deploy` calls an error (a per-process cache, a SITE_URL not https).
serve-prod: export DEBUG = false
serve-prod: $(VENV)/installed
	$(PY) manage.py check --deploy
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	exec $(VENV)/bin/gunicorn --config gunicorn.conf.py

test: $(VENV)/installed .env sdk-packages
	$(PY) -m pytest $(PYTEST_ARGS)

# The SDK tests' Node packages, where Node is installed (without it those tests say why
# they skip; in CI they fail instead).
sdk-packages:
	@if command -v npm >/dev/null 2>&1; then \
		[ $(SDK_DIR)/node_modules/.package-lock.json -nt $(SDK_DIR)/package-lock.json ] \
		|| npm ci --prefix $(SDK_DIR) --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the SDK tests will be skipped"; fi

# A Debian package the benchmark needs, installed when its command is missing: wrk drives
# gunicorn over HTTP, valgrind (callgrind) counts instructions per request.
define debian_package
@command -v $(1) >/dev/null 2>&1 || { \
	echo "$(1) not found: installing Debian's $(1) for the benchmark"; \
	if [ "$$(id -u)" = 0 ]; then apt-get install -y --no-install-recommends $(1); \
	else sudo apt-get install -y --no-install-recommends $(1); fi; }
endef

bench: $(VENV)/installed .env
	$(call debian_package,wrk)
	$(call debian_package,valgrind)
	$(PY) -m tests.perf.bench

# The benchmark's instructions table alone (tests/perf/instructions.py), a few minutes:
# instructions per request under each scheme, the same whatever else the machine runs. It
# needs nothing outside this tree (README, "Benchmark": measuring another checkout).
instructions: $(VENV)/installed .env
	$(call debian_package,valgrind)
	$(PY) -m tests.perf.instructions

# What a request costs PostgreSQL and Redis (README, "Scaling on paper"); needs
# DATABASE_URL=postgres://… and Redis, and wrk as `make bench` installs it.
# `make scaling SCALING_SIZE=large`: the lists at size instead, a million audit events and
# the rest against a small account (README, "At size").
scaling: $(VENV)/installed .env
	@command -v wrk >/dev/null 2>&1 || { echo "wrk not found: run make bench once"; exit 1; }
	$(PY) -m tests.perf.scaling

# The OpenAPI schema, committed as openapi.json: `make schema` after changing the API. CI
# regenerates it (`make schema SCHEMA_FILE=…`) and fails on any difference or warning.
SCHEMA_FILE ?= openapi.json
schema: $(VENV)/installed .env
	$(PY) manage.py spectacular --validate --fail-on-warn --format openapi-json --file $(SCHEMA_FILE)
	@echo >> $(SCHEMA_FILE)

# ruff, and the apps' layering (pyproject.toml, [tool.importlinter]).
lint: $(VENV)/installed
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) $(SDK_DIR)/node_modules db.sqlite3 db.sqlite3-wal db.sqlite3-shm .pytest_cache .ruff_cache
