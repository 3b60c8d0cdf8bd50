#!/usr/bin/env bash
# Tools the test suite uses besides Python packages: a compose implementation to validate
# docker-compose.yml (Docker's engine is not needed for `config`). Installed from Debian when we are
# root; otherwise we say how.
set -euo pipefail
if command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing docker-compose (Debian package) to validate docker-compose.yml"
  apt-get install -y -qq docker-compose >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq docker-compose >/dev/null; }
else
  echo "note: no compose implementation found; install one (apt-get install docker-compose) to validate docker-compose.yml"
fi
