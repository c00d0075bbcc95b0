# Both entry points create or update .venv themselves: `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NATIVE_STAMP := $(VENV)/.native-stamp
POSTGRES_STAMP := $(VENV)/.postgres-stamp

.PHONY: run test test-browser test-real test-compose test-postgres lint format venv bench clean migration native native-venv tailwind-css

# Re-install whenever pyproject.toml changes, so the venv never drifts from the declared metadata.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# The native window's Python side: the `native` extra (pywebview, and PyGObject, which pip builds: first
# apt-get install gir1.2-webkit2-4.1 libgirepository1.0-dev libcairo2-dev pkg-config, README "Native window mode").
$(NATIVE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,native]'
	@touch $(NATIVE_STAMP)

native-venv: $(NATIVE_STAMP)

# The UI in a desktop window instead of a browser tab.
native: $(NATIVE_STAMP)
	$(PY) main.py --init-env
	$(PY) main.py --native

run: $(STAMP)
	$(PY) main.py --init-env
	$(PY) main.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The whole suite includes the browser smoke test (tests/browser) and the compose file read by docker-compose
# (tests/test_compose.py); LPM_REQUIRE_* turn their skips into failures when Chromium or docker-compose is
# missing: apt-get install -y chromium docker-compose (.ci/run does it). With LPM_REQUIRE_NATIVE=1 (.ci/run sets
# it) the venv gets the `native` extra too and the native window test (tests/e2e/test_native_window.py) must run.
# TEST_WORKERS pytest processes (pytest-xdist) share the suite file by file: the suite waits on subprocesses, the
# browser and sockets as much as it computes, so two workers on two cores halve its time.
TEST_WORKERS ?= 2
test: lint $(if $(filter 1,$(LPM_REQUIRE_NATIVE)),$(NATIVE_STAMP))
	LPM_REQUIRE_BROWSER=1 LPM_REQUIRE_COMPOSE=1 $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# ui/tailwind.css, the stylesheet pages link instead of compiling Tailwind in the browser (ui/tailwind.py):
# rebuild it after adding a class to ui/ or upgrading NiceGUI (tests/test_tailwind.py says when). Needs chromium.
tailwind-css: $(STAMP)
	$(PY) tests/browser/tailwind_css.py

# Only the browser smoke test; also refreshes docs/screenshots/{dashboard,provider,sync,models,assistant,inbox}.png.
test-browser: $(STAMP)
	LPM_REQUIRE_BROWSER=1 LPM_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/browser

# docker-compose.yml under a real Docker engine (tests/compose/run.sh, README "What make test-compose runs"): as
# root it installs docker.io, docker-compose and debootstrap when missing and starts dockerd when none runs; where
# Docker cannot run it says why and exits 0, or 1 with CI=true. About 2 min cold, under a minute once cached.
test-compose: $(STAMP)
	PY=$(PY) bash tests/compose/run.sh

# The fake GPT-Load's contract tests against a real GPT-Load v1.4.9, then sync + routing through the real GPT-Load
# and uni-api's Rust runtime (tests/real). Needs binaries you already have: GPTLOAD_BIN=/path/to/gpt-load
# UNIAPI_BIN=/path/to/uni-api-front; without them it says so and runs nothing.
test-real: $(STAMP)
	@$(PY) -m tests.real.servers; found=$$?; \
	if [ $$found -eq 0 ]; then \
		LPM_REAL=1 LPM_REAL_GPTLOAD_BIN="$$GPTLOAD_BIN" $(PY) -m pytest -q tests/test_fake_gptload.py tests/real; \
	elif [ $$found -ne 1 ]; then exit $$found; fi

# The `postgres` extra (asyncpg), for DATABASE_URL=postgres://... and the tier below.
$(POSTGRES_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,postgres]'
	@touch $(POSTGRES_STAMP)

# The storage tests (REST, use cases, migrations, backup, import, sync) and main.py as a process on a real
# PostgreSQL (tests/postgres/tier.sh: a throwaway cluster of its own, one database per test). Needs the server:
# apt-get install postgresql (.ci/run does it); without it, it says so and exits 0, or 1 with CI=true.
test-postgres: $(POSTGRES_STAMP)
	PY=$(PY) TEST_WORKERS=$(TEST_WORKERS) tests/postgres/tier.sh

bench: $(STAMP)
	$(PY) bench/registry.py
	$(PY) bench/sync.py
	$(PY) bench/ui.py
	$(PY) bench/import.py

clean:
	rm -rf $(VENV) build *.egg-info

# Write a migration after changing core/models.py: make migration name=add_something
migration: $(STAMP)
	$(VENV)/bin/tortoise -c core.db.MIGRATIONS_CONFIG makemigrations --name $(name)
