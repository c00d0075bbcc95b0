#!/usr/bin/env bash
# `make test-compose`: the compose stack under a real Docker engine. Installs what is missing (docker.io,
# docker-compose, debootstrap; as root, with apt-get), starts dockerd when no engine answers (and stops it at
# the end), makes the local Python base image (tests/compose/base-image.sh; cached), builds the manager image
# with docker-compose from the project's Dockerfile on it (PYTHON_IMAGE through build.args), builds the
# GPT-Load and uni-api stand-ins (tests/compose/standins), then runs tests/compose/test_stack.py on
# docker-compose.yml + tests/compose/compose.test.yml under a project name of its own, always removed
# with its volumes at the end.
#
# Where Docker cannot run, it says why and exits 0; with CI=true that is a failure (exit 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
PY=${PY:-.venv/bin/python}
BASE_IMAGE=lpm-test/python:3.11-bookworm
MANAGER_IMAGE=lpm-test/manager:local # tests/compose/compose.test.yml names the three images
project=lpmtest$$
work=
our_dockerd=

cannot() {
    echo "test-compose: cannot run here: $*" >&2
    if [[ ${CI:-} == true ]]; then
        exit 1
    fi
    echo "test-compose: skipped (with CI=true this fails)" >&2
    exit 0
}

# docker-compose with only what it needs from this environment: a variable set here would override the
# run's .env (compose reads the environment first), and the run's .env is the whole configuration.
compose() {
    env -i PATH="$PATH" HOME="${HOME:-/root}" ${DOCKER_HOST:+DOCKER_HOST="$DOCKER_HOST"} \
        docker-compose -p "$project" --env-file "$work/env" \
        -f docker-compose.yml -f tests/compose/compose.test.yml "$@"
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $work && -f $work/env ]] && docker info >/dev/null 2>&1; then
        compose down -v --remove-orphans >/dev/null 2>&1 || true
    fi
    if [[ -n $our_dockerd ]]; then
        kill -TERM "$our_dockerd" 2>/dev/null || true
        for _ in $(seq 1 150); do
            kill -0 "$our_dockerd" 2>/dev/null || break
            sleep 0.2
        done
        echo "test-compose: stopped the dockerd it started"
    fi
    [[ -z $work ]] || rm -rf "$work"
    echo "test-compose: $((SECONDS - started)) s, exit $status"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Tools.
missing=()
for tool in dockerd docker docker-compose debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        cannot "${missing[*]} missing (apt-get install -y docker.io docker-compose debootstrap, as root)"
    fi
    echo "test-compose: installing docker.io docker-compose debootstrap (${missing[*]} missing)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
fi
[[ -x $PY ]] || cannot "$PY cannot be run by this user (make venv creates it)"

# 2. The engine.
work=$(mktemp -d /var/tmp/lpm-test-compose.XXXXXX)
chmod 700 "$work"
if ! docker info >/dev/null 2>&1; then
    [[ $EUID -eq 0 ]] || cannot "no Docker engine answers, and starting dockerd needs root"
    dockerd >"$work/dockerd.log" 2>&1 &
    our_dockerd=$!
    deadline=$((SECONDS + 30))
    until docker info >/dev/null 2>&1; do
        if ! kill -0 "$our_dockerd" 2>/dev/null || ((SECONDS > deadline)); then
            tail -5 "$work/dockerd.log" >&2
            cannot "dockerd did not start (the end of its log is above)"
        fi
        sleep 0.2
    done
    echo "test-compose: started dockerd (pid $our_dockerd)"
fi
echo "test-compose: engine $(docker version -f '{{.Server.Version}}'), $(docker-compose version --short | sed 's/^/docker-compose /')"

# 3. Images: the base (cached by its recipe), the manager (docker's layer cache), the stand-ins.
bash tests/compose/base-image.sh "$BASE_IMAGE" "$work"

"$PY" - "$work/env" "$BASE_IMAGE" <<'PYTHON'
"""The run's .env: fresh secrets (python3 -m core.envfile --compose, as README says), free host ports, the base."""
import sys
from pathlib import Path

from core.envfile import COMPOSE, ensure_env_file
from tests.fakes.server import free_port

path = Path(sys.argv[1])
ensure_env_file(path, COMPOSE)
ports = {name: free_port() for name in ("MANAGER_PORT", "GPTLOAD_PORT", "UNIAPI_PORT")}
with path.open("a") as env:
    env.writelines(f"{name}={port}\n" for name, port in ports.items())
    env.write(f"PYTHON_IMAGE={sys.argv[2]}\n")
PYTHON

phase=$SECONDS
if ! compose build manager >"$work/build-manager.log" 2>&1; then
    tail -40 "$work/build-manager.log" >&2
    exit 1
fi
echo "test-compose: manager image $MANAGER_IMAGE built in $((SECONDS - phase)) s"

phase=$SECONDS
context=$work/standins
mkdir -p "$context/tests"
cp tests/compose/standins/Dockerfile tests/compose/standins/standin.py "$context/"
cp tests/__init__.py "$context/tests/"
cp -r tests/fakes "$context/tests/fakes"
find "$context" -name __pycache__ -prune -exec rm -rf {} +
for target in gptload uniapi; do
    if ! docker build --target "$target" -t "lpm-test/$target-standin:local" \
        --build-arg PYTHON_IMAGE="$BASE_IMAGE" --build-arg MANAGER_IMAGE="$MANAGER_IMAGE" \
        "$context" >"$work/build-$target.log" 2>&1; then
        tail -40 "$work/build-$target.log" >&2
        exit 1
    fi
done
echo "test-compose: stand-ins built in $((SECONDS - phase)) s"

# 4. The stack.
phase=$SECONDS
LPM_COMPOSE_PROJECT=$project LPM_COMPOSE_ENV_FILE=$work/env LPM_COMPOSE_MANAGER_IMAGE=$MANAGER_IMAGE \
    "$PY" -m pytest -q --tb=short --show-capture=no tests/compose/test_image.py tests/compose/test_stack.py
echo "test-compose: scenario $((SECONDS - phase)) s"
