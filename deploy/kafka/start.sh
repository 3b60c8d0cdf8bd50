#!/usr/bin/env bash
# Launch one Kafka JVM the way `wirewatch stack` (wirewatch/ops/stack/kafka.py) prepared it: the broker
# (`start.sh kafka.Kafka <server.properties>`) or a tool (`start.sh kafka.tools.StorageTool format ...`).
# Everything else (configuration, pid file, waiting, status) is Python's; this only builds the java
# command line and becomes that JVM, so its pid is the one Python recorded.
#
# Environment (set by Python):
#   KAFKA_JAVA       the java binary (Java >= 17)
#   KAFKA_HEAP       -Xms/-Xmx size, e.g. 512m
#   KAFKA_LIBS       directory of the broker's jars (the download cache)
#   KAFKA_LOG4J      the log4j.properties to use
#   KAFKA_LOG_FILE   the broker's log file (read by KAFKA_LOG4J as ${wirewatch.kafka.log.file})
set -euo pipefail

if (($# == 0)); then
    echo "usage: $0 MAIN_CLASS [ARGS...]" >&2
    exit 2
fi
: "${KAFKA_JAVA:?}" "${KAFKA_HEAP:?}" "${KAFKA_LIBS:?}" "${KAFKA_LOG4J:?}" "${KAFKA_LOG_FILE:?}"

exec "$KAFKA_JAVA" "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$KAFKA_LOG4J" \
    "-Dwirewatch.kafka.log.file=$KAFKA_LOG_FILE" \
    -cp "$KAFKA_LIBS/*" "$@"
