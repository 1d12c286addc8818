# Plenum container image.
#
#   docker build -t plenum .
#   docker run --rm -p 8080:8080 -e PLENUM_SECRET_KEY=... -e PLENUM_DATABASE_URL=... plenum
#
# Three stages: front-end assets (node), Python virtualenv (build), and the
# small runtime image that only holds the venv and the files the app reads.

ARG NODE_IMAGE=node:20-slim
ARG PYTHON_IMAGE=python:3.11-slim

# --- 1. Front-end assets: htmx and friends into static/vendor/ -----------------
FROM ${NODE_IMAGE} AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build-vendor.mjs ./scripts/
COPY static/ ./static/
RUN npm run build

# --- 2. Python dependencies and the plenum package, in a virtualenv -----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"
WORKDIR /src

# Dependencies first, against a stub package, so that a change to the code
# does not reinstall every dependency.
COPY pyproject.toml README.md ./
RUN mkdir -p platform/plenum \
    && touch platform/plenum/__init__.py \
    && pip install . \
    && pip uninstall --yes plenum \
    && rm -rf platform

# Then the real package (with its translations) on top.
COPY platform/ ./platform/
RUN pip install --no-deps .

# --- 3. Runtime -----------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PLENUM_ENV=production \
    PLENUM_ROOT=/app

RUN groupadd --gid 10001 plenum \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin plenum

WORKDIR /app

# Everything below stays owned by root: the app user can read it, not change it.
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY migrations/ ./migrations/
COPY templates/ ./templates/
# static/ from the assets stage already holds the built static/vendor/ files.
COPY --from=assets /build/static/ ./static/

# The only writable place: var/ for the SQLite fallback (production uses PostgreSQL).
RUN mkdir -p /app/var && chown plenum:plenum /app/var

USER 10001:10001

EXPOSE 8080

# Used by plain Docker / Compose; Fly.io runs its own checks from fly.toml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]

CMD ["plenum", "serve", "--host", "0.0.0.0", "--port", "8080"]
