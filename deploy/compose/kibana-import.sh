#!/bin/sh
# One-shot kibana-setup job of docker-compose.yml (runs once Kibana is healthy): imports every
# deploy/kibana/*.ndjson through Kibana's saved-objects _import API, overwriting objects with the same id.
# Each file goes through `python -m wirewatch.ops.kibana_objects` first: when WIREWATCH_INDEX_PREFIX is not
# "wirewatch" the data views are rewritten to that prefix, and with KIBANA_BASEMAP=false (offline sites) the
# maps lose their Elastic Maps Service basemap layers (the data layers stay, on a blank background).
# Fails (exit 1) when Kibana reports any object it could not import.
set -eu

: "${KIBANA_URL:?}" "${WIREWATCH_ES_PASSWORD:?}"
ES_USER="${WIREWATCH_ES_USERNAME:-elastic}"
export WIREWATCH_INDEX_PREFIX="${WIREWATCH_INDEX_PREFIX:-wirewatch}" KIBANA_BASEMAP="${KIBANA_BASEMAP:-true}"
PYTHON="${PYTHON:-python}"
OBJECTS_DIR="${KIBANA_OBJECTS_DIR:-$(dirname "$0")/../kibana}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077
escape() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
printf 'user = "%s:%s"\n' "$(escape "$ES_USER")" "$(escape "$WIREWATCH_ES_PASSWORD")" > "$work/auth"

found=0
for file in "$OBJECTS_DIR"/*.ndjson; do
  [ -e "$file" ] || continue
  found=1
  name="$(basename "$file")"
  "$PYTHON" -m wirewatch.ops.kibana_objects "$file" > "$work/$name"
  echo "kibana-setup: importing $name"
  status="$(curl -sS -o "$work/out" -w '%{http_code}' -K "$work/auth" -X POST \
    -H 'kbn-xsrf: wirewatch-setup' -F "file=@$work/$name" \
    "$KIBANA_URL/api/saved_objects/_import?overwrite=true")"
  if [ "$status" != "200" ] || ! grep -q '"success":true' "$work/out"; then
    echo "kibana-setup: import of $name failed (HTTP $status):" >&2
    cat "$work/out" >&2
    exit 1
  fi
done
[ "$found" = 1 ] || { echo "kibana-setup: no .ndjson files in $OBJECTS_DIR" >&2; exit 1; }
echo "kibana-setup: done"
