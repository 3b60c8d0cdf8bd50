# The Wirewatch project image: every worker, the CLI and the compose setup jobs run from it.
#   docker build -t wirewatch:local .        (docker-compose.yml builds it for you)
# Dependencies come only from requirements.lock, checked against its hashes; the project itself is
# installed without dependencies, so nothing unpinned gets in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# curl: used by the compose setup scripts (deploy/compose/*.sh) to talk to Elasticsearch and Kibana.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# setuptools comes from the lock, so the build needs no unpinned build environment.
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
COPY wirewatch ./wirewatch
RUN pip install --no-deps --no-build-isolation . \
    && rm -rf build *.egg-info

# Index templates, Kibana objects, topic data and the compose scripts, read at run time.
COPY deploy ./deploy

RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin wirewatch \
    && mkdir -p /var/lib/wirewatch \
    && chown wirewatch /var/lib/wirewatch
USER wirewatch

ENV WIREWATCH_STATE_DIR=/var/lib/wirewatch \
    WIREWATCH_DEPLOY_DIR=/app/deploy

CMD ["wirewatch", "--help"]
