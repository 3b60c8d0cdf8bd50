#!/usr/bin/env bash
# The browser the workspace's page tests drive (tests/browser): Debian's chromium and its chromedriver,
# installed from Debian when we are root; otherwise we say how. Nothing downloads a browser of its own.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver (Debian packages) for the workspace's browser tests"
  apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq chromium chromium-driver >/dev/null; }
else
  echo "note: chromium or chromedriver is missing and we are not root: the browser tests (tests/browser) will" \
    "fail until you run: sudo apt-get install chromium chromium-driver"
fi
