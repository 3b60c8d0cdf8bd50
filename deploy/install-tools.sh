#!/usr/bin/env bash
# Tools the checks use besides Python packages: a compose implementation to validate docker-compose.yml
# (Docker's engine is not needed for `config`), shellcheck for `make lint`, and kustomize to render
# deploy/kubernetes. Installed when we are root (from Debian; kustomize with Go); otherwise we say how.
set -euo pipefail

have_compose() {
  command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1
}

have_shellcheck() {
  command -v shellcheck >/dev/null 2>&1
}

# tests/contract/test_kubernetes.py renders deploy/kubernetes with kubectl's built-in kustomize or a kustomize binary
have_kustomize() {
  command -v kustomize >/dev/null 2>&1 || kubectl version --client 2>/dev/null | grep Kustomize >/dev/null
}

KUSTOMIZE_MODULE=sigs.k8s.io/kustomize/kustomize/v5@v5.5.0

# no Debian package has a current kustomize: build the pinned Go module with the machine's Go, as root
ensure_kustomize() {
  if have_kustomize; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v go >/dev/null 2>&1; then
    echo "installing kustomize ($KUSTOMIZE_MODULE, go install) to render deploy/kubernetes"
    GOBIN=/usr/local/bin go install "$KUSTOMIZE_MODULE"
  else
    echo "note: kustomize is missing: install kubectl, or run GOBIN=/usr/local/bin go install $KUSTOMIZE_MODULE"
  fi
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
ensure_kustomize
