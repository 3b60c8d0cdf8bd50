# The Wirewatch project image: every worker, the CLI and the compose setup jobs run from it.
#   docker build -t wirewatch:local .        (docker-compose.yml builds it for you)
# Dependencies come only from requirements.lock and requirements-models.lock, checked against their
# hashes; the project itself is installed without dependencies, so nothing unpinned gets in.
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

# One recipe installs everything, here as in `make install` and in the test that checks the image's
# install (tests/install/test_recipe.py): pinned, hash-checked dependencies and NER models into /opt/venv,
# then the project without dependencies. Dependencies first: that layer is rebuilt only when a lock changes.
ENV PATH=/opt/venv/bin:$PATH
COPY deploy/install.sh ./deploy/install.sh
COPY requirements.lock requirements-models.lock ./
RUN sh deploy/install.sh /opt/venv deps

COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
COPY wirewatch ./wirewatch
RUN sh deploy/install.sh /opt/venv project

# Index templates, Kibana objects, topic data and the compose scripts, read at run time.
COPY deploy ./deploy

RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin wirewatch \
    && mkdir -p /var/lib/wirewatch \
    && chown wirewatch /var/lib/wirewatch
USER wirewatch

ENV WIREWATCH_STATE_DIR=/var/lib/wirewatch \
    WIREWATCH_DEPLOY_DIR=/app/deploy

CMD ["wirewatch", "--help"]
