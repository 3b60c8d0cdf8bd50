#!/usr/bin/env bash
# Tools the checks use besides Python packages: a compose implementation to validate docker-compose.yml
# (Docker's engine is not needed for `config`), and shellcheck for `make lint`. Installed from Debian when
# we are root; otherwise we say how.
set -euo pipefail

have_compose() {
  command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1
}

have_shellcheck() {
  command -v shellcheck >/dev/null 2>&1
}

# ensure CHECK PACKAGE WHY: install the Debian PACKAGE unless CHECK already succeeds
ensure() {
  local check=$1 package=$2 why=$3
  if "$check"; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $package (Debian package) $why"
    apt-get install -y -qq "$package" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq "$package" >/dev/null; }
  else
    echo "note: $package is missing and we are not root: install it (sudo apt-get install $package) $why"
  fi
}

ensure have_compose docker-compose "to validate docker-compose.yml"
ensure have_shellcheck shellcheck "for make lint (it checks deploy/**/*.sh and .ci/run)"
