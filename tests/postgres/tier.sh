#!/usr/bin/env bash
# `make test-postgres`: the storage tests on a real PostgreSQL server, next to `make test`'s SQLite.
#
# Starts a throwaway cluster owned by this script (a temp data directory, a free port on 127.0.0.1, a generated
# password that is never printed: the tests get it as PGPASSWORD, never inside a URL), runs TESTS below with
# LPM_TEST_DATABASE_URL pointing at it (tests/postgres/databases.py: one new database per test), and stops and
# removes the cluster on any exit. Without PostgreSQL's server binaries it says why and runs nothing: exit 0,
# but 1 when CI=true (.ci/run installs Debian's `postgresql`, so a missing server there is a broken CI).
# PG_BINDIR=/path/to/bin picks another installation; arguments are passed on to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
WORKERS=${TEST_WORKERS:-2}

# Every test module that reads or writes the registry through core (REST, use cases, migrations, backup and
# restore, import, sync), and tests/postgres (the process on PostgreSQL). Pure logic, the UI, the browser and
# the processes that keep their own SQLite file run once, in `make test`.
TESTS=(
    tests/test_rest_*.py tests/test_migrations.py tests/test_backup.py tests/test_backup_cli.py
    tests/test_export.py tests/test_import_adoption.py tests/test_inbox.py tests/test_fetch_schedule.py
    tests/test_desired_memo.py tests/test_impact.py tests/test_provider_health.py tests/test_overview.py
    tests/test_exposed_models.py tests/test_model_kinds.py tests/test_client_names.py
    tests/test_uniapi_state.py tests/test_sync*.py tests/test_database_url.py tests/postgres
    tests/security/test_{files_and_crashes,health_reports_the_database,hostile_provider_names,request_limits}.py
    tests/security/test_leaks_{encodings,gptload,redirects,uniapi_yaml}.py tests/security/test_storage_faults.py
)

unavailable() {
    echo "test-postgres: $1" >&2
    if [[ ${CI:-} == true ]]; then
        echo "test-postgres: CI=true, so this is a failure (install it: apt-get install -y postgresql)." >&2
        exit 1
    fi
    echo "test-postgres: nothing was run (apt-get install postgresql, or PG_BINDIR=/path/to/bin)." >&2
    exit 0
}

# Debian keeps the server's programs out of PATH, one directory per major version: take the newest.
bindir=${PG_BINDIR:-}
if [[ -z $bindir ]]; then
    bindir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
fi
if [[ -z $bindir ]] && command -v initdb >/dev/null 2>&1; then
    bindir=$(dirname "$(command -v initdb)")
fi
[[ -n $bindir && -x $bindir/initdb && -x $bindir/pg_ctl ]] || unavailable "no PostgreSQL server (initdb, pg_ctl) found."
command -v psql >/dev/null 2>&1 || [[ -x $bindir/psql ]] || unavailable "no psql found."
psql=$(command -v psql || echo "$bindir/psql")
"$PY" -c 'import asyncpg' 2>/dev/null || unavailable "asyncpg is not in $PY's environment (make test-postgres installs it)."

# PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user Debian's package creates.
as_owner=()
if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || unavailable "running as root and there is no 'postgres' user to own the cluster."
    as_owner=(runuser -u postgres --)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lpm-postgres.XXXXXX")
cleanup() {
    if [[ -f $work/data/postmaster.pid ]]; then
        # -m immediate: the data is thrown away next, nothing to flush; -t bounds the wait.
        "${as_owner[@]}" "$bindir/pg_ctl" -D "$work/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
if ((EUID == 0)); then chown postgres: "$work"; fi

port=$("$PY" -c 'from tests.fakes.server import free_port; print(free_port())')
password=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')

# ICU's English collation, as a server set up for people sorts text: a test that assumes SQLite's byte order
# for ORDER BY on text fails here. The socket directory sits in our private temp directory.
locale=(--locale=C.UTF-8)
major=$("$bindir/initdb" --version | grep -o '[0-9]\+' | head -n 1)
((major >= 15)) && locale+=(--locale-provider=icu --icu-locale=en)
"${as_owner[@]}" "$bindir/initdb" -D "$work/data" -U lpm_admin -E UTF8 "${locale[@]}" \
    --auth-local=trust --auth-host=scram-sha-256 >"$work/initdb.log" 2>&1 ||
    { cat "$work/initdb.log" >&2; exit 1; }
# fsync and friends off: a crash loses nothing we keep, and every test creates and drops a database.
options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$work"
options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# No autovacuum: a test database lives seconds, and a worker vacuuming one when the test drops it WITH (FORCE) is
# a process the test's role may not terminate (InsufficientPrivilegeError at teardown, seen once in CI).
options+=" -c autovacuum=off"
"${as_owner[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -o "$options" -w -t 60 start >/dev/null ||
    { cat "$work/server.log" >&2; exit 1; }

# The tests' role may create databases and nothing more, like an application's owner role. The password goes
# through psql's stdin (printf is a builtin: it never shows in the process list).
printf "CREATE ROLE lpm LOGIN CREATEDB PASSWORD '%s';\n" "$password" |
    "${as_owner[@]}" "$psql" -h "$work" -p "$port" -U lpm_admin -d postgres -q -v ON_ERROR_STOP=1 >/dev/null

echo "test-postgres: PostgreSQL $major on 127.0.0.1:$port ($work), $WORKERS workers"
export PGPASSWORD=$password
export LPM_TEST_DATABASE_URL="postgres://lpm@127.0.0.1:$port/postgres"
"$PY" -m pytest -q -n "$WORKERS" --dist loadfile -rs "${TESTS[@]}" "$@"
