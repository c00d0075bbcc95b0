"""The README keeps up with the code: every setting and every /api route is documented."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from core.rest import build_router
from core.services import Services
from core.settings import PROJECT_ROOT, VARIABLES
from tests.conftest import make_settings
from tests.deploy_files import compose_references

README = (PROJECT_ROOT / "README.md").read_text()


@pytest.mark.parametrize("variable", VARIABLES, ids=lambda v: v.name)
def test_every_setting_is_in_the_readme_table_with_its_default_and_meaning(variable):
    default = "(none)" if variable.default is None else f"`{variable.default}`" if variable.default else "(empty)"
    row = f"| `{variable.name}` | {default} | {variable.help} |"
    assert row in README.splitlines(), f"README lacks (or has an outdated) row: {row}"


def test_readme_tables_hold_no_variable_the_code_and_compose_do_not_know():
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", README, re.MULTILINE))
    known = {v.name for v in VARIABLES} | compose_references()
    assert documented == known, (documented - known, known - documented)


def routes(tmp_path) -> list[tuple[str, str]]:
    """Every (method, path) the API serves, read from its OpenAPI schema."""
    app = FastAPI()
    app.include_router(build_router(Services.build(make_settings(tmp_path))))
    paths = app.openapi()["paths"]
    return [(method.upper(), path) for path, operations in paths.items() for method in operations]


def test_every_api_route_is_in_the_readme_table(tmp_path):
    documented = set()
    for methods, path in re.findall(r"^\| ([A-Z, ]+) \| `(/api/[^`]*)` \|", README, re.MULTILINE):
        documented.update((m.strip(), path) for m in methods.split(","))
    found = routes(tmp_path)
    assert len(found) > 20
    missing = [f"{m} {p}" for m, p in found if (m, p) not in documented]
    assert not missing, f"routes missing from README: {missing}"
    stale = [f"{m} {p}" for m, p in documented if (m, p) not in found]
    assert not stale, f"README documents routes that do not exist: {stale}"


def test_readme_shows_the_two_commands():
    assert "make run" in README and "make test" in README


# The start of each line the manager prints when it cannot start (tests/e2e/test_startup.py triggers each).
STARTUP_FAILURES = [
    "ENCRYPTION_KEY is not set",
    "ENCRYPTION_KEY is not a valid Fernet key",
    "ENCRYPTION_KEY cannot decrypt the stored secrets",
    "HOST=… exposes the manager beyond this machine",
    "is not writable by this process",
    "Cannot create the data directory",
    "DATABASE_URL is a postgres:// URL, but its driver asyncpg is not installed",  # tests/test_database_url.py
    "Cannot open the database postgres://…",  # tests/postgres/test_process_on_postgres.py
    "must be …",
]


@pytest.mark.parametrize("failure", STARTUP_FAILURES)
def test_troubleshooting_has_a_row_for_every_start_up_failure(failure):
    table = README[README.index("## Troubleshooting") : README.index("## Architecture")]
    assert any(line.startswith("| ") and failure in line.split(" | ")[0] for line in table.splitlines()), failure
