#!/bin/sh
# One-shot es-certs job of docker-compose.cluster.yml (runs in the Elasticsearch image, as root, before any node):
# makes the transport TLS keystore the three nodes share, /certs/transport.p12 (the es-certs volume, mounted
# read-only as config/certs on every node): one node certificate signed by a CA made here, with that CA as the
# trusted entry. The CA's key only lives in a temp dir of this run and is deleted, so nobody can sign another
# node certificate with it. Idempotent: an existing keystore is kept (delete the es-certs volume to renew it).
# Empty keystore passwords: the file is readable by the nodes' user only, like the nodes' data.
set -eu

OUT="${CERTS_DIR:-/certs}"
CERTUTIL="${CERTUTIL:-/usr/share/elasticsearch/bin/elasticsearch-certutil}"
NODE_UID="${NODE_UID:-1000}"

if [ -s "$OUT/transport.p12" ]; then
  echo "es-certs: $OUT/transport.p12 exists, kept"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077

echo "es-certs: making a CA and the nodes' transport certificate"
"$CERTUTIL" ca --silent --out "$work/ca.p12" --pass ""
"$CERTUTIL" cert --silent --ca "$work/ca.p12" --ca-pass "" --days 3650 --out "$work/transport.p12" --pass ""

# written under a temporary name and renamed, so a node never reads half a file
cp "$work/transport.p12" "$OUT/.transport.p12.tmp"
chown "$NODE_UID:0" "$OUT/.transport.p12.tmp"
chmod 440 "$OUT/.transport.p12.tmp"
mv "$OUT/.transport.p12.tmp" "$OUT/transport.p12"
echo "es-certs: done"
