# Both entry points create or update .venv themselves: `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format venv bench clean migration

# Re-install whenever pyproject.toml changes, so the venv never drifts from the declared metadata.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) main.py --init-env
	$(PY) main.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/registry.py

clean:
	rm -rf $(VENV) build *.egg-info

# Write a migration after changing core/models.py: make migration name=add_something
migration: $(STAMP)
	$(VENV)/bin/tortoise -c core.db.MIGRATIONS_CONFIG makemigrations --name $(name)
