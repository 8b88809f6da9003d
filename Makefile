# Two commands: `make serve` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

SDK_DIR := tests/sdk

.PHONY: serve test bench lint clean sdk-packages schema

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
	PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/installed .env sdk-packages
	$(PY) -m pytest $(PYTEST_ARGS)

# The SDK tests' Node packages, where Node is installed (without it those tests say why
# they skip; in CI they fail instead).
sdk-packages:
	@if command -v npm >/dev/null 2>&1; then \
		[ $(SDK_DIR)/node_modules/.package-lock.json -nt $(SDK_DIR)/package-lock.json ] \
		|| npm ci --prefix $(SDK_DIR) --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the SDK tests will be skipped"; fi

bench: $(VENV)/installed .env
	$(PY) -m tests.perf.bench

# The OpenAPI schema, committed as openapi.json: `make schema` after changing the API. CI
# regenerates it (`make schema SCHEMA_FILE=…`) and fails on any difference or warning.
SCHEMA_FILE ?= openapi.json
schema: $(VENV)/installed .env
	$(PY) manage.py spectacular --validate --fail-on-warn --format openapi-json --file $(SCHEMA_FILE)
	@echo >> $(SCHEMA_FILE)

lint: $(VENV)/installed
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) $(SDK_DIR)/node_modules db.sqlite3 .pytest_cache .ruff_cache
