# Two commands: `make serve` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: serve test bench lint check-deploy clean

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
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/installed .env
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/installed .env
	$(PY) -m tests.perf.bench

lint: $(VENV)/installed
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
