#!/usr/bin/env bash
# Launch Elasticsearch, or one of its command-line tools, the way `wirewatch stack`
# (wirewatch/ops/stack/elasticsearch.py) prepared it. Configuration, keystore, certificates, waiting and
# status are Python's; this only runs the distribution's own launcher, as the unprivileged service user
# when started as root (Elasticsearch refuses to run as root).
#
# Usage:
#   start.sh server [-E key=value]...   the node, daemonised (-d); it writes ES_PID_FILE itself
#   start.sh tool NAME [ARGS...]        bin/elasticsearch-NAME (e.g. keystore), same user and config
#
# Environment (set by Python; never a password: those go to a tool on stdin):
#   ES_HOME        the distribution
#   ES_JAVA_HOME   a JDK >= 21
#   ES_PATH_CONF   the node's own config dir
#   ES_TMPDIR      the node's temp dir (its -Djava.io.tmpdir identifies this stack's node)
#   ES_JAVA_OPTS   heap and extra JVM options
#   ES_PID_FILE    (server) where the node writes its pid
#   ES_RUN_AS      user to run as, empty to stay the invoking user
set -euo pipefail

mode=${1:-}
if [[ $mode != server && $mode != tool ]]; then
    echo "usage: $0 server [-E key=value]... | $0 tool NAME [ARGS...]" >&2
    exit 2
fi
shift
: "${ES_HOME:?}" "${ES_JAVA_HOME:?}" "${ES_PATH_CONF:?}" "${ES_TMPDIR:?}"

run=()
if [[ -n ${ES_RUN_AS:-} ]]; then
    run=(runuser -u "$ES_RUN_AS" --)
fi
# runuser may reset the environment; the launcher's variables are passed explicitly.
env=(env "ES_JAVA_HOME=$ES_JAVA_HOME" "ES_PATH_CONF=$ES_PATH_CONF" "ES_TMPDIR=$ES_TMPDIR")

if [[ $mode == server ]]; then
    : "${ES_PID_FILE:?}"
    exec "${run[@]}" "${env[@]}" "ES_JAVA_OPTS=${ES_JAVA_OPTS:-}" \
        "$ES_HOME/bin/elasticsearch" -d -p "$ES_PID_FILE" "$@"
fi
tool=${1:?usage: $0 tool NAME [ARGS...]}
shift
exec "${run[@]}" "${env[@]}" "$ES_HOME/bin/elasticsearch-$tool" "$@"
