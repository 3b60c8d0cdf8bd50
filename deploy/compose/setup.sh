#!/bin/sh
# One-shot setup job of docker-compose.yml (runs in the project image, after Kafka and Elasticsearch are healthy):
#   1. set the kibana_system password, so that Kibana can log in to Elasticsearch;
#   2. `wirewatch stack init`: Kafka topics, index templates, the first index version and its aliases.
# Idempotent: run it again and nothing changes. Reads ELASTIC/KIBANA passwords from the environment only;
# they never appear on a command line (curl reads them from files in a private temp dir).
set -eu

: "${WIREWATCH_ES_URL:?}" "${WIREWATCH_ES_PASSWORD:?}" "${KIBANA_PASSWORD:?}"
ES_USER="${WIREWATCH_ES_USERNAME:-elastic}"
# WIREWATCH_ES_URL may list several nodes (docker-compose.cluster.yml): curl talks to the first, any node will do
ES_NODE="${WIREWATCH_ES_URL%%,*}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077

# curl config quoting: backslash and double quote must be escaped inside "...".
escape() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
printf 'user = "%s:%s"\n' "$(escape "$ES_USER")" "$(escape "$WIREWATCH_ES_PASSWORD")" > "$work/auth"
printf '%s' "$KIBANA_PASSWORD" \
  | python -c 'import json, sys; print(json.dumps({"password": sys.stdin.read()}))' > "$work/body"

echo "setup: setting the kibana_system password"
status="$(curl -sS -o "$work/out" -w '%{http_code}' -K "$work/auth" -X POST \
  -H 'Content-Type: application/json' --data-binary @"$work/body" \
  "$ES_NODE/_security/user/kibana_system/_password")"
if [ "$status" != "200" ]; then
  echo "setup: setting the kibana_system password failed (HTTP $status):" >&2
  cat "$work/out" >&2
  exit 1
fi

echo "setup: wirewatch stack init"
exec wirewatch stack init
