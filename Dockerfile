# LLM Provider Manager: the UI and the REST API on port 8080, the database in the volume /app/data.
# docker-compose.yml runs it next to GPT-Load and uni-api. Alone:
#   docker build -t llm-provider-manager . \
#   && docker run -p 127.0.0.1:8080:8080 --env-file .env -v lpm-data:/app/data llm-provider-manager
# The base: any Debian-based image with Python 3.11+ as `python` and `pip` (`--build-arg PYTHON_IMAGE=...`,
# or PYTHON_IMAGE in .env for docker-compose). `make test-compose` builds on one made from Debian packages.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Stage 1: the dependencies, in a virtual environment the final image copies whole. The base image's pip
# installs into it from outside, so the venv holds no pip, no pip cache and no build files; only wheels
# are accepted, so nothing is compiled and no compiler is ever installed.
FROM ${PYTHON_IMAGE} AS dependencies
WORKDIR /build
# Only pyproject.toml: the list comes from the metadata `make run` installs from (no second list that
# could drift), and this layer is rebuilt only when that file changes. With the dependencies goes the
# `postgres` extra (asyncpg), so DATABASE_URL=postgres://... works in the image as it is.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres']))" > requirements.txt \
    && python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-cache-dir --disable-pip-version-check --only-binary=:all: \
        -r requirements.txt

# Stage 2: the runtime image.
FROM ${PYTHON_IMAGE}
# HOST=0.0.0.0 makes ADMIN_PASSWORD mandatory: the manager refuses to start without it.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/app/data \
    NICEGUI_STORAGE_PATH=/app/data/.nicegui
# A fixed uid, so a bind-mounted data directory can be handed over with `chown -R 10001:10001`.
# /uni-api belongs to it too: docker-compose mounts the shared api.yaml volume there, and a new named
# volume takes the owner of the directory it is first mounted on.
RUN groupadd --system --gid 10001 manager \
    && useradd --system --uid 10001 --gid manager --home-dir /app --no-create-home --shell /usr/sbin/nologin manager \
    && mkdir -p /app/data /uni-api \
    && chown manager:manager /app/data /uni-api
COPY --from=dependencies /opt/venv /opt/venv
WORKDIR /app
# pyproject.toml too: the package is never installed, so /api/health reads its version from there.
COPY pyproject.toml main.py ./
COPY core ./core
COPY ui ./ui
USER manager
VOLUME ["/app/data"]
EXPOSE 8080
# Every 3 s, so a new container is seen healthy within seconds; failures count after 60 s, and 10 in a row.
HEALTHCHECK --interval=3s --timeout=5s --start-period=60s --retries=10 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('PORT', '8080'), timeout=4)"]
CMD ["python", "main.py"]
