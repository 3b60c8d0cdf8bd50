#!/usr/bin/env bash
# Run a real single-node Apache Kafka (KRaft) and a real Elasticsearch on this
# machine, without Docker, for development and CI.
#
# Usage: deploy/stack.sh <command> [args]
#   check                    verify prerequisites (java, JDK >= 21 for ES, mvn, ...)
#   fetch                    download Kafka jars and the ES distribution into the cache
#   up                       fetch if needed, start what is not running, wait until healthy
#   down [--purge]           stop both (SIGTERM, then SIGKILL after a timeout);
#                            --purge also deletes their data, logs and state
#   purge                    same as `down --purge`
#   status                   one line per service; exit 0 if both are up, 3 otherwise
#   logs [kafka|elasticsearch] [-f] [-n LINES]
#                            show (or follow) the server logs
#
# Environment (all optional):
#   WIREWATCH_KAFKA_BOOTSTRAP        host:port of the broker          (localhost:9092)
#   WIREWATCH_KAFKA_CONTROLLER_PORT  KRaft controller port            (kafka port + 1)
#   WIREWATCH_ES_URL                 http://host:port of ES           (http://localhost:9200)
#   WIREWATCH_ES_TRANSPORT_PORT      ES node-to-node port             (http port + 100)
#   WIREWATCH_STATE_DIR              data, pid files, logs            (<repo>/.wirewatch)
#   WIREWATCH_CACHE_DIR              downloads, shared by checkouts   (~/.cache/wirewatch)
#   WIREWATCH_KAFKA_HEAP / WIREWATCH_ES_HEAP   JVM heap sizes         (512m / 1g)
#   WIREWATCH_START_TIMEOUT          seconds to wait for each service (120)
#   WIREWATCH_STOP_TIMEOUT           seconds before SIGKILL on `down` (30)
#   KAFKA_JAVA_HOME                  JDK >= 17 for Kafka (default: OpenJDK 17 if installed)
#   ES_JAVA_HOME                     JDK >= 21 for Elasticsearch (default: Temurin 25 if installed)
#
# Opt-in security (all off by default; see deploy/security/README.md):
#   WIREWATCH_ES_SECURITY=true       Elasticsearch with security on: every request needs the
#                                    `elastic` user's password, WIREWATCH_ES_PASSWORD (required;
#                                    set through the node's keystore, never on a command line)
#   WIREWATCH_ES_TLS=true            also HTTPS (needs WIREWATCH_ES_SECURITY and an https://
#                                    WIREWATCH_ES_URL): a self-signed CA and server certificate are
#                                    generated with openssl into <state>/tls; clients verify with
#                                    WIREWATCH_ES_CA_CERTS=<state>/tls/ca.crt
#   WIREWATCH_KAFKA_SASL=true        the broker's client listener (the bootstrap port) becomes
#                                    SASL_PLAINTEXT, mechanism PLAIN, with one user:
#                                    WIREWATCH_KAFKA_SASL_USERNAME / WIREWATCH_KAFKA_SASL_PASSWORD
#                                    (required); the KRaft controller port stays plaintext on 127.0.0.1
# Passwords are never echoed, never passed as arguments, and only written to mode-600 files.
#
# Pinned versions live in deploy/versions.env (shared with the docker-compose setup).
set -euo pipefail

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$DEPLOY_DIR")
# shellcheck source=deploy/versions.env disable=SC1091
source "$DEPLOY_DIR/versions.env"

: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
# runuser/useradd live in sbin, which a non-login root shell may lack.
PATH=$PATH:/usr/sbin:/sbin

# Turn a possibly relative path into an absolute one without requiring it to
# exist: the servers run with other working directories, and `status` must not
# create anything.
abspath() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$PWD/$1" ;;
    esac
}

CACHE_DIR=$(abspath "${WIREWATCH_CACHE_DIR:-$HOME/.cache/wirewatch}")
STATE_DIR=$(abspath "${WIREWATCH_STATE_DIR:-$REPO_ROOT/.wirewatch}")
START_TIMEOUT=${WIREWATCH_START_TIMEOUT:-120}
STOP_TIMEOUT=${WIREWATCH_STOP_TIMEOUT:-30}
KAFKA_HEAP=${WIREWATCH_KAFKA_HEAP:-512m}
ES_HEAP=${WIREWATCH_ES_HEAP:-1g}

# The dependency plugin bundled with Maven 3.8 is ancient; pin a modern one.
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# Output goes to a log in the cache dir: Debian's mvn emits stray ANSI codes
# even in batch/quiet mode, and the details only matter when it fails.
MVN=(mvn -B -q -Dstyle.color=never)

KAFKA_HOME_CACHE=$CACHE_DIR/kafka-$KAFKA_VERSION
KAFKA_LIBS=$KAFKA_HOME_CACHE/libs
ES_HOME_CACHE=$CACHE_DIR/elasticsearch-$ES_VERSION
ES_ARTIFACT=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip

# Elasticsearch refuses to run as root; as root it runs as this system user.
ES_SERVICE_USER=wirewatch

# --------------------------------------------------------------------------
# Output helpers

log() { printf '[stack] %s\n' "$*" >&2; }
die() {
    printf '[stack] ERROR: %s\n' "$*" >&2
    exit 1
}
now_ms() { date +%s%3N; }
# Seconds with one decimal since a now_ms timestamp.
elapsed() {
    local ms=$(($(now_ms) - $1))
    printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

# --------------------------------------------------------------------------
# Addresses, derived from the same variables the Python code reads.

KAFKA_BOOTSTRAP=${WIREWATCH_KAFKA_BOOTSTRAP:-localhost:9092}
_first=${KAFKA_BOOTSTRAP%%,*}        # a list is allowed; the first entry is ours
_first=${_first#*://}                # tolerate PLAINTEXT://host:port
KAFKA_HOST=${_first%:*}
KAFKA_PORT=${_first##*:}
[[ $KAFKA_PORT =~ ^[0-9]+$ && $KAFKA_HOST != "$_first" ]] ||
    die "WIREWATCH_KAFKA_BOOTSTRAP must look like host:port, got '$KAFKA_BOOTSTRAP'"
KAFKA_CONTROLLER_PORT=${WIREWATCH_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
# A loopback name is served on loopback only; any other host name means the
# caller wants the broker reachable from elsewhere, so bind all interfaces.
case "$KAFKA_HOST" in
    localhost | 127.*) KAFKA_BIND=127.0.0.1 ;;
    *) KAFKA_BIND=0.0.0.0 ;;
esac

# --------------------------------------------------------------------------
# Opt-in security. The secrets are copied into shell variables and their
# environment variables are un-exported, so neither server JVM (nor any other
# child) inherits them.

is_true() {
    case "${1,,}" in
        1 | true | yes | on) return 0 ;;
        *) return 1 ;;
    esac
}
ES_SECURITY=0
ES_TLS=0
KAFKA_SASL=0
is_true "${WIREWATCH_ES_SECURITY:-}" && ES_SECURITY=1
is_true "${WIREWATCH_ES_TLS:-}" && ES_TLS=1
is_true "${WIREWATCH_KAFKA_SASL:-}" && KAFKA_SASL=1
ES_PASSWORD=${WIREWATCH_ES_PASSWORD:-}
KAFKA_SASL_USERNAME=${WIREWATCH_KAFKA_SASL_USERNAME:-}
KAFKA_SASL_PASSWORD=${WIREWATCH_KAFKA_SASL_PASSWORD:-}
export -n WIREWATCH_ES_PASSWORD WIREWATCH_ES_API_KEY WIREWATCH_KAFKA_SASL_PASSWORD

ES_URL=${WIREWATCH_ES_URL:-http://localhost:9200}
ES_URL=${ES_URL%/}
case "$ES_URL" in
    http://*)
        ((ES_TLS == 0)) ||
            die "WIREWATCH_ES_TLS=true needs an https:// WIREWATCH_ES_URL, got '$ES_URL'" ;;
    https://*)
        ((ES_TLS)) ||
            die "WIREWATCH_ES_URL is https:// but WIREWATCH_ES_TLS is not true (set WIREWATCH_ES_TLS=true and WIREWATCH_ES_SECURITY=true for a local HTTPS node), got '$ES_URL'" ;;
    *) die "WIREWATCH_ES_URL must be an http:// URL (https:// with WIREWATCH_ES_TLS=true), got '$ES_URL'" ;;
esac
_hostport=${ES_URL#*://}
_hostport=${_hostport%%/*}
_hostport=${_hostport##*@}
ES_HOST=${_hostport%:*}
ES_HOST=${ES_HOST#[}
ES_HOST=${ES_HOST%]}
ES_HTTP_PORT=${_hostport##*:}
[[ $ES_HTTP_PORT =~ ^[0-9]+$ && $ES_HTTP_PORT != "$_hostport" ]] ||
    die "WIREWATCH_ES_URL must include a port, e.g. http://localhost:9200, got '$ES_URL'"
ES_TRANSPORT_PORT=${WIREWATCH_ES_TRANSPORT_PORT:-$((ES_HTTP_PORT + 100))}
unset _first _hostport

# --------------------------------------------------------------------------
# State layout. Everything ES writes lives under $ES_STATE so that one chown
# hands it to the service user; Kafka's data and the shared logs dir stay with
# the invoking user.

KAFKA_STATE=$STATE_DIR/kafka
KAFKA_DATA=$KAFKA_STATE/data
KAFKA_CONFIG=$KAFKA_STATE/server.properties
KAFKA_CLUSTER_ID_FILE=$KAFKA_STATE/cluster.id
KAFKA_PID_FILE=$STATE_DIR/kafka.pid
LOG_DIR=$STATE_DIR/logs
KAFKA_LOG=$LOG_DIR/kafka.log
KAFKA_OUT=$LOG_DIR/kafka.out

ES_STATE=$STATE_DIR/elasticsearch
ES_DATA=$ES_STATE/data
ES_CONF=$ES_STATE/config
ES_TMP=$ES_STATE/tmp
ES_PID_FILE=$ES_STATE/elasticsearch.pid # written by ES itself, so in a dir it owns
ES_LOG_DIR=$LOG_DIR/elasticsearch
ES_LOG=$ES_LOG_DIR/elasticsearch.log
ES_OUT=$LOG_DIR/elasticsearch.out
# WIREWATCH_ES_TLS: the generated CA (ca.crt is what clients trust) and the
# server's key and certificate; the latter two are copied into the node's
# config dir, the only place ES 9 may read them from.
TLS_DIR=$STATE_DIR/tls
TLS_CA=$TLS_DIR/ca.crt
ES_CERTS=$ES_CONF/certs

# Which ES installation to run. /root (where the cache usually is) is mode 700,
# so the service user could not even read it; as root, run from a private copy
# inside the state dir instead.
if [[ $(id -u) -eq 0 ]]; then
    ES_HOME=$ES_STATE/dist-$ES_VERSION
    ES_RUN=(runuser -u "$ES_SERVICE_USER" --)
else
    ES_HOME=$ES_HOME_CACHE
    ES_RUN=()
fi

# --------------------------------------------------------------------------
# Prerequisites

# Major Java version of a java binary ("17", "25"), or empty if it does not run.
java_major() {
    local v
    v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p') || true
    v=${v#1.} # Java 8 reports 1.8
    printf '%s\n' "${v%%.*}"
}

# Kafka 3.9 runs on 17; prefer exactly that, since it is what upstream tests.
find_kafka_java() {
    local cand
    for cand in "${KAFKA_JAVA_HOME:+$KAFKA_JAVA_HOME/bin/java}" \
        /usr/lib/jvm/java-17-openjdk-*/bin/java \
        "${JAVA_HOME:+$JAVA_HOME/bin/java}" \
        "$(command -v java || true)"; do
        [[ -n $cand && -x $cand ]] || continue
        local major
        major=$(java_major "$cand")
        if [[ -n $major && $major -ge 17 ]]; then
            printf '%s\n' "$cand"
            return 0
        fi
        [[ -n ${KAFKA_JAVA_HOME:-} && $cand == "$KAFKA_JAVA_HOME/bin/java" ]] &&
            die "KAFKA_JAVA_HOME=$KAFKA_JAVA_HOME is Java ${major:-?}; Kafka needs Java 17 or newer"
    done
    return 1
}

# ES 9 has no bundled JDK in the integ-test zip and needs Java 21+.
find_es_java_home() {
    if [[ -n ${ES_JAVA_HOME:-} ]]; then
        local major
        major=$(java_major "$ES_JAVA_HOME/bin/java")
        [[ -n $major && $major -ge 21 ]] ||
            die "ES_JAVA_HOME=$ES_JAVA_HOME is Java ${major:-?(not runnable)}; Elasticsearch $ES_VERSION needs a JDK >= 21"
        printf '%s\n' "$ES_JAVA_HOME"
        return 0
    fi
    local cand best="" best_major=0
    for cand in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/* "${JAVA_HOME:-}"; do
        [[ -n $cand && -x $cand/bin/java && ! -L $cand ]] || continue
        local major
        major=$(java_major "$cand/bin/java")
        if [[ -n $major && $major -ge 21 && $major -gt $best_major ]]; then
            best=$cand best_major=$major
        fi
    done
    [[ -n $best ]] || return 1
    printf '%s\n' "$best"
}

KAFKA_JAVA=""
ES_JAVA=""
check_prereqs() {
    local missing=()
    KAFKA_JAVA=$(find_kafka_java) ||
        missing+=("Java 17+ for Kafka: apt-get install -y openjdk-17-jdk-headless (or set KAFKA_JAVA_HOME)")
    ES_JAVA=$(find_es_java_home) ||
        missing+=("a JDK >= 21 for Elasticsearch $ES_VERSION: install Temurin 25 (package temurin-25-jdk from the Adoptium apt repository) or openjdk-21-jdk-headless where the distribution has it, or point ES_JAVA_HOME at any JDK >= 21")
    command -v mvn >/dev/null || missing+=("Maven, used to download from Maven Central: apt-get install -y maven")
    command -v unzip >/dev/null || missing+=("unzip: apt-get install -y unzip")
    command -v curl >/dev/null || missing+=("curl: apt-get install -y curl")
    if ((ES_TLS)); then
        command -v openssl >/dev/null ||
            missing+=("openssl, to generate the certificates of WIREWATCH_ES_TLS=true: apt-get install -y openssl")
    fi
    if [[ $(id -u) -eq 0 ]]; then
        command -v runuser >/dev/null && command -v useradd >/dev/null ||
            missing+=("runuser and useradd (to run ES unprivileged): apt-get install -y util-linux passwd")
    fi
    if ((${#missing[@]})); then
        printf '[stack] missing prerequisites:\n' >&2
        printf '  - %s\n' "${missing[@]}" >&2
        exit 1
    fi
}

# The opt-in security settings are complete and usable (checked by `up`).
check_security_settings() {
    if ((ES_TLS && !ES_SECURITY)); then
        die "WIREWATCH_ES_TLS=true needs WIREWATCH_ES_SECURITY=true (Elasticsearch serves HTTPS only with security on)"
    fi
    if ((ES_SECURITY)); then
        [[ -n $ES_PASSWORD ]] ||
            die "WIREWATCH_ES_SECURITY=true needs WIREWATCH_ES_PASSWORD (the password the 'elastic' user gets)"
        ((${#ES_PASSWORD} >= 6)) || die "WIREWATCH_ES_PASSWORD must be at least 6 characters (Elasticsearch's minimum)"
        [[ $ES_PASSWORD != *[[:cntrl:]]* ]] || die "WIREWATCH_ES_PASSWORD must not contain control characters"
    fi
    if ((KAFKA_SASL)); then
        [[ $KAFKA_SASL_USERNAME =~ ^[A-Za-z0-9._-]+$ ]] ||
            die "WIREWATCH_KAFKA_SASL=true needs WIREWATCH_KAFKA_SASL_USERNAME (letters, digits, '.', '_', '-')"
        [[ -n $KAFKA_SASL_PASSWORD ]] || die "WIREWATCH_KAFKA_SASL=true needs WIREWATCH_KAFKA_SASL_PASSWORD"
        # The password goes into a Java properties file read as ISO-8859-1.
        # shellcheck disable=SC2030 # the locale change stays in the subshell on purpose
        (LC_ALL=C && [[ $KAFKA_SASL_PASSWORD =~ ^[\ -~]+$ ]]) ||
            die "WIREWATCH_KAFKA_SASL_PASSWORD must be printable ASCII"
    fi
}

# --------------------------------------------------------------------------
# fetch: everything downloaded lands in the cache dir (and ~/.m2), never in
# the repository. A ".complete" marker is written last, so an interrupted
# download is redone instead of half-used.

kafka_fetched() { [[ -f $KAFKA_HOME_CACHE/.complete ]]; }
es_fetched() { [[ -f $ES_HOME_CACHE/.complete ]]; }

fetch_kafka() {
    kafka_fetched && return 0
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central (first time only, ~1 min)"
    local t0 tmp
    t0=$(now_ms)
    mkdir -p "$KAFKA_HOME_CACHE"
    tmp=$KAFKA_HOME_CACHE/libs.partial
    rm -rf "$tmp" "$KAFKA_LIBS"
    # -f points at the throw-away POM (it has no sources, nothing is built).
    # Versions come from versions.env, not from the POM defaults.
    "${MVN[@]}" -f "$DEPLOY_DIR/kafka/pom.xml" \
        -Dkafka.version="$KAFKA_VERSION" \
        -Dscala.binary.version="$SCALA_VERSION" \
        -Dslf4j.reload4j.version="$SLF4J_RELOAD4J_VERSION" \
        "$MVN_DEP_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE_DIR/mvn-kafka.log" 2>&1 || {
        print_log_tail "$CACHE_DIR/mvn-kafka.log"
        die "Maven could not resolve Kafka $KAFKA_VERSION (its log is above; full log: $CACHE_DIR/mvn-kafka.log)"
    }
    [[ -f $tmp/kafka_$SCALA_VERSION-$KAFKA_VERSION.jar ]] || die "Kafka jar missing after download"
    mv "$tmp" "$KAFKA_LIBS"
    touch "$KAFKA_HOME_CACHE/.complete"
    log "Kafka $KAFKA_VERSION: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS ($(elapsed "$t0"))"
}

fetch_es() {
    es_fetched && return 0
    log "fetching Elasticsearch $ES_VERSION (integ-test zip, ~110 MB) from Maven Central (first time only)"
    local t0 tmp
    t0=$(now_ms)
    tmp=$CACHE_DIR/elasticsearch-$ES_VERSION.partial
    rm -rf "$tmp" "$ES_HOME_CACHE"
    mkdir -p "$tmp"
    # dependency:copy leaves the zip in ~/.m2 as well, so a purge of the
    # wirewatch cache does not mean another download.
    "${MVN[@]}" -f "$DEPLOY_DIR/kafka/pom.xml" "$MVN_DEP_PLUGIN:copy" \
        -Dartifact="$ES_ARTIFACT" -DoutputDirectory="$tmp" >"$CACHE_DIR/mvn-elasticsearch.log" 2>&1 || {
        print_log_tail "$CACHE_DIR/mvn-elasticsearch.log"
        die "Maven could not resolve $ES_ARTIFACT (its log is above; full log: $CACHE_DIR/mvn-elasticsearch.log)"
    }
    # unzip rather than dependency:unpack: it keeps the executable bits of bin/.
    unzip -q "$tmp/elasticsearch-$ES_VERSION.zip" -d "$tmp"
    [[ -x $tmp/elasticsearch-$ES_VERSION/bin/elasticsearch ]] || die "unexpected layout of $ES_ARTIFACT"
    mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME_CACHE"
    rm -rf "$tmp"
    touch "$ES_HOME_CACHE/.complete"
    log "Elasticsearch $ES_VERSION unpacked to $ES_HOME_CACHE ($(elapsed "$t0"))"
}

cmd_fetch() {
    check_prereqs
    fetch_kafka
    fetch_es
}

# --------------------------------------------------------------------------
# Process bookkeeping

# A pid is only trusted if its command line (arguments joined by spaces, with
# a trailing space) contains the needle, which names this state dir: after a
# crash or reboot a stale pid file may name an unrelated process, which
# `down` must never kill, and another checkout may run its own stack.
pid_matches() {
    local pid=$1 needle=$2 cmdline
    [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"$needle"* ]]
}

# The /proc scan covers a lost pid file (e.g. ES not yet having written its
# own), so `down` still finds a server that `up` started.
find_pid() {
    local pidfile=$1 needle=$2 needle2=${3:-} pid
    if [[ -f $pidfile ]]; then
        pid=$(<"$pidfile")
        if pid_matches "$pid" "$needle" && pid_matches "$pid" "$needle2"; then
            printf '%s\n' "$pid"
            return 0
        fi
    fi
    for pid in /proc/[0-9]*; do
        pid=${pid#/proc/}
        if pid_matches "$pid" "$needle" && pid_matches "$pid" "$needle2"; then
            printf '%s\n' "$pid"
            return 0
        fi
    done
    return 1
}

KAFKA_MAIN=kafka.Kafka
ES_MAIN=org.elasticsearch.bootstrap.Elasticsearch
# Kafka: main class followed by our config file (its last argument).
kafka_pid() { find_pid "$KAFKA_PID_FILE" "$KAFKA_MAIN $KAFKA_CONFIG "; }
# ES: the server JVM gets -E settings on stdin, not argv, but its temp dir
# (from ES_TMPDIR) is per state dir; the launcher JVM lacks the main class.
es_pid() { find_pid "$ES_PID_FILE" "-Djava.io.tmpdir=$ES_TMP " "$ES_MAIN"; }

# True if something accepts TCP connections on host:port.
port_open() {
    # shellcheck disable=SC2016 # $1/$2 are expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# Refuse to start on a port held by someone else: the health checks would
# otherwise talk to the foreign process and report success.
ensure_port_free() {
    local what=$1 host=$2 port=$3
    if port_open "$host" "$port"; then
        die "$what port $host:$port is already in use by another process (pick other ports via WIREWATCH_KAFKA_BOOTSTRAP / WIREWATCH_ES_URL, or stop that process)"
    fi
}

print_log_tail() {
    local file
    for file in "$@"; do
        [[ -s $file ]] || continue
        printf -- '----- last 40 lines of %s -----\n' "$file" >&2
        # ES logs its full JVM command line as one multi-kB line; clip it.
        tail -n 40 "$file" | cut -c 1-400 >&2
    done
}

# --------------------------------------------------------------------------
# State dir

prepare_state_dir() {
    local fresh=0
    [[ -d $STATE_DIR ]] || fresh=1
    mkdir -p "$STATE_DIR" "$LOG_DIR" "$KAFKA_STATE"
    # The default state dir sits inside the checkout; keep git from seeing it
    # without touching the project's .gitignore.
    if ((fresh)) && [[ ! -e $STATE_DIR/.gitignore ]]; then
        printf '# created by deploy/stack.sh: runtime state, never commit\n*\n' >"$STATE_DIR/.gitignore"
    fi
}

# --------------------------------------------------------------------------
# Kafka

write_kafka_config() {
    if ((KAFKA_SASL)); then
        write_kafka_sasl_config
        return
    fi
    # Static settings from the repo, then the ones that depend on this
    # machine; java.util.Properties keeps the last value of a repeated key.
    {
        cat "$DEPLOY_DIR/kafka/server.properties"
        printf '\n# ---- generated by deploy/stack.sh, do not edit (rewritten on every start) ----\n'
        printf 'listeners=PLAINTEXT://%s:%s,CONTROLLER://127.0.0.1:%s\n' "$KAFKA_BIND" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
        printf 'advertised.listeners=PLAINTEXT://%s:%s\n' "$KAFKA_HOST" "$KAFKA_PORT"
        printf 'controller.quorum.voters=1@127.0.0.1:%s\n' "$KAFKA_CONTROLLER_PORT"
        printf 'log.dirs=%s\n' "$KAFKA_DATA"
    } >"$KAFKA_CONFIG"
}

# A value for a double-quoted JAAS option, escaped twice: for JAAS's
# tokenizer (backslash and quote) and then for java.util.Properties (which
# turns every \\ back into \).
jaas_quote() {
    local v=$1
    v=${v//\\/\\\\}
    v=${v//\"/\\\"}
    v=${v//\\/\\\\}
    printf '"%s"' "$v"
}

# WIREWATCH_KAFKA_SASL: the client listener on the bootstrap port speaks
# SASL_PLAINTEXT with the PLAIN mechanism and exactly one user; the broker
# talks to itself over the same listener as that user. The JAAS config (and
# so the password) is in the properties file, which is therefore mode 600.
write_kafka_sasl_config() {
    local user pass
    user=$KAFKA_SASL_USERNAME
    pass=$(jaas_quote "$KAFKA_SASL_PASSWORD")
    rm -f "$KAFKA_CONFIG"
    (
        umask 077
        {
            cat "$DEPLOY_DIR/kafka/server.properties"
            printf '\n# ---- generated by deploy/stack.sh, do not edit (rewritten on every start) ----\n'
            printf '# WIREWATCH_KAFKA_SASL=true: clients authenticate with SASL/PLAIN\n'
            printf 'listeners=SASL_PLAINTEXT://%s:%s,CONTROLLER://127.0.0.1:%s\n' "$KAFKA_BIND" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
            printf 'advertised.listeners=SASL_PLAINTEXT://%s:%s\n' "$KAFKA_HOST" "$KAFKA_PORT"
            printf 'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT\n'
            printf 'inter.broker.listener.name=SASL_PLAINTEXT\n'
            printf 'sasl.enabled.mechanisms=PLAIN\n'
            printf 'sasl.mechanism.inter.broker.protocol=PLAIN\n'
            printf 'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="%s" password=%s user_%s=%s;\n' \
                "$user" "$pass" "$user" "$pass"
            printf 'controller.quorum.voters=1@127.0.0.1:%s\n' "$KAFKA_CONTROLLER_PORT"
            printf 'log.dirs=%s\n' "$KAFKA_DATA"
        } >"$KAFKA_CONFIG"
    )
}

kafka_java_cmd() {
    # The state dir appears on the command line (config path), which is what
    # pid_matches keys on.
    printf '%s\0' "$KAFKA_JAVA" \
        "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
        -Djava.awt.headless=true \
        "-Dlog4j.configuration=file:$DEPLOY_DIR/kafka/log4j.properties" \
        "-Dwirewatch.kafka.log.file=$KAFKA_LOG" \
        -cp "$KAFKA_LIBS/*"
}

format_kafka_storage() {
    # meta.properties is what the broker itself checks; formatting again
    # would fail (or with --ignore-formatted do nothing), so skip the JVM.
    [[ -f $KAFKA_DATA/meta.properties ]] && return 0
    local -a java
    mapfile -d '' java < <(kafka_java_cmd)
    if [[ ! -s $KAFKA_CLUSTER_ID_FILE ]]; then
        "${java[@]}" kafka.tools.StorageTool random-uuid >"$KAFKA_CLUSTER_ID_FILE.tmp" 2>>"$KAFKA_OUT" ||
            die "could not generate a Kafka cluster id (see $KAFKA_OUT)"
        mv "$KAFKA_CLUSTER_ID_FILE.tmp" "$KAFKA_CLUSTER_ID_FILE"
    fi
    log "formatting Kafka storage in $KAFKA_DATA (cluster id $(<"$KAFKA_CLUSTER_ID_FILE"))"
    "${java[@]}" kafka.tools.StorageTool format --ignore-formatted \
        -t "$(<"$KAFKA_CLUSTER_ID_FILE")" -c "$KAFKA_CONFIG" >>"$KAFKA_OUT" 2>&1 || {
        print_log_tail "$KAFKA_OUT"
        die "formatting Kafka storage failed"
    }
}

KAFKA_STARTED_AT=""
KAFKA_LOG_MARK=""
start_kafka() {
    local pid
    if pid=$(kafka_pid); then
        log "kafka already running (pid $pid)"
        return 0
    fi
    ensure_port_free kafka "$KAFKA_HOST" "$KAFKA_PORT"
    ensure_port_free "kafka controller" 127.0.0.1 "$KAFKA_CONTROLLER_PORT"
    rm -f "$KAFKA_PID_FILE"
    write_kafka_config
    format_kafka_storage

    # A marker line in the log lets the readiness check look only at what
    # this start wrote, not at "started" lines from earlier runs.
    KAFKA_LOG_MARK="==== wirewatch stack.sh: starting Kafka $KAFKA_VERSION at $(date -Is) ($$-$RANDOM) ===="
    printf '%s\n' "$KAFKA_LOG_MARK" >>"$KAFKA_LOG"
    printf '%s\n' "$KAFKA_LOG_MARK" >>"$KAFKA_OUT"

    local -a java
    mapfile -d '' java < <(kafka_java_cmd)
    log "starting Kafka $KAFKA_VERSION on $KAFKA_HOST:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
    KAFKA_STARTED_AT=$(now_ms)
    # setsid: the broker must not die with the terminal or a Ctrl-C of `up`.
    # The inner shell records its own pid and then becomes the JVM via exec,
    # so the pid file is right whether or not setsid had to fork.
    # 9>&- keeps the stack lock from being inherited by the long-lived JVM.
    # shellcheck disable=SC2016 # $$, $1 and $@ belong to the inner bash
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$KAFKA_PID_FILE" \
        "${java[@]}" "$KAFKA_MAIN" "$KAFKA_CONFIG" \
        </dev/null >>"$KAFKA_OUT" 2>&1 9>&- &
}

kafka_log_says_started() {
    # Print everything after the last start marker and look for the line the
    # KRaft server logs once the broker is unfenced and serving.
    awk -v mark="$KAFKA_LOG_MARK" '$0 == mark { buf = ""; seen = 1; next } seen { buf = buf $0 "\n" } END { printf "%s", buf }' \
        "$KAFKA_LOG" 2>/dev/null | grep -q 'Kafka Server started'
}

wait_kafka() {
    local deadline=$((SECONDS + START_TIMEOUT)) pid=""
    while :; do
        # The pid file is written by the launched shell; give it a moment.
        pid=$(kafka_pid) || pid=""
        if [[ -n $pid ]] && port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
            # Without a marker (broker was already running) the open port is
            # the best evidence we have; the Python side does a real round trip.
            if [[ -z $KAFKA_LOG_MARK ]] || kafka_log_says_started; then
                break
            fi
        fi
        if [[ -z $pid && -n $KAFKA_STARTED_AT ]] && kafka_died; then
            print_log_tail "$KAFKA_LOG" "$KAFKA_OUT"
            die "Kafka exited during start-up (logs above; full logs: deploy/stack.sh logs kafka)"
        fi
        if ((SECONDS >= deadline)); then
            print_log_tail "$KAFKA_LOG" "$KAFKA_OUT"
            die "Kafka did not become ready within ${START_TIMEOUT}s (still running as pid ${pid:-?}; stop it with deploy/stack.sh down)"
        fi
        sleep 0.5
    done
    if [[ -n $KAFKA_STARTED_AT ]]; then
        log "kafka ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid, started in $(elapsed "$KAFKA_STARTED_AT"))"
    else
        log "kafka ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid)"
    fi
}

# True once the pid recorded at launch is gone, i.e. the JVM exited. Before
# the launched shell has written the pid file nothing can be said yet.
kafka_died() {
    local pid
    [[ -s $KAFKA_PID_FILE ]] || return 1
    pid=$(<"$KAFKA_PID_FILE")
    [[ ! -d /proc/$pid ]]
}

# --------------------------------------------------------------------------
# Elasticsearch

ensure_service_user() {
    [[ $(id -u) -eq 0 ]] || return 0
    if ! id -u "$ES_SERVICE_USER" >/dev/null 2>&1; then
        log "creating system user '$ES_SERVICE_USER' (Elasticsearch refuses to run as root)"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$ES_SERVICE_USER"
    fi
}

# As root, the service user must be able to reach the state dir. Checked
# before anything is started or copied; the first ancestor that blocks the
# way is named, since the fix (chmod or another state dir) is about that one.
check_service_user_access() {
    [[ $(id -u) -eq 0 ]] || return 0
    ensure_service_user
    "${ES_RUN[@]}" test -x "$STATE_DIR" -a -x "$ES_JAVA/bin/java" && return 0
    local dir="" part
    local IFS=/
    for part in $STATE_DIR; do
        [[ -n $part ]] || continue
        dir=$dir/$part
        if ! "${ES_RUN[@]}" test -x "$dir"; then
            die "user '$ES_SERVICE_USER' (which runs Elasticsearch, since it refuses root) cannot enter $dir (mode $(stat -c %a "$dir"), owner $(stat -c %U "$dir")); chmod o+x that directory or set WIREWATCH_STATE_DIR to a path under e.g. /tmp or /var/lib"
        fi
    done
    die "user '$ES_SERVICE_USER' cannot run $ES_JAVA/bin/java; make the JDK world-readable or set ES_JAVA_HOME"
}

prepare_es_dirs() {
    mkdir -p "$ES_STATE" "$ES_DATA" "$ES_CONF" "$ES_TMP" "$ES_LOG_DIR"
    if [[ $(id -u) -eq 0 ]]; then
        # Private copy of the distribution (see ES_HOME above); redone only
        # when the pinned version changes, since it is ~130 MB.
        if [[ ! -f $ES_HOME/.complete ]]; then
            log "copying Elasticsearch $ES_VERSION into $ES_HOME (readable by '$ES_SERVICE_USER')"
            rm -rf "$ES_HOME" "$ES_STATE"/dist-*
            cp -a "$ES_HOME_CACHE" "$ES_HOME.partial"
            mv "$ES_HOME.partial" "$ES_HOME"
        fi
    fi
    # ES writes into its config dir (keystore on first start), so it gets its
    # own copy. Distribution files are refreshed on every start (cheap, and
    # picks up a version bump); files ES created there, like the keystore,
    # are left alone. Our settings file replaces the distribution's.
    cp -R "$ES_HOME/config/." "$ES_CONF/"
    cp "$DEPLOY_DIR/elasticsearch/elasticsearch.yml" "$ES_CONF/elasticsearch.yml"
    if [[ $(id -u) -eq 0 ]]; then
        # Only what is not yet owned (new copies, files root just wrote):
        # a blanket chown -R would walk a possibly large data dir every time.
        find "$ES_STATE" "$ES_LOG_DIR" ! -user "$ES_SERVICE_USER" \
            -exec chown -h "$ES_SERVICE_USER:$ES_SERVICE_USER" {} +
    fi
}

# The elasticsearch-* command-line tools, run like the server (same user,
# same config dir and JDK).
es_tool() {
    local tool=$1
    shift
    "${ES_RUN[@]}" env ES_JAVA_HOME="$ES_JAVA" ES_PATH_CONF="$ES_CONF" ES_TMPDIR="$ES_TMP" \
        "$ES_HOME/bin/elasticsearch-$tool" "$@"
}

# WIREWATCH_ES_SECURITY: the `elastic` user's password is the keystore's
# bootstrap.password, which the node uses for as long as no password was
# changed through the API; so it is simply rewritten on every start. It goes
# to the tool on stdin, never as an argument.
setup_es_keystore() {
    local keystore=$ES_CONF/elasticsearch.keystore
    if [[ ! -f $keystore ]]; then
        es_tool keystore create >>"$ES_OUT" 2>&1 ||
            die "could not create the Elasticsearch keystore in $ES_CONF (see $ES_OUT)"
    fi
    printf '%s\n' "$ES_PASSWORD" | es_tool keystore add --stdin --force bootstrap.password >>"$ES_OUT" 2>&1 ||
        die "could not store bootstrap.password in the Elasticsearch keystore (see $ES_OUT)"
    chmod 600 "$keystore"
}

# WIREWATCH_ES_TLS: a self-signed CA and a server certificate for the host of
# WIREWATCH_ES_URL (plus localhost and 127.0.0.1), made once per state dir.
# Only ca.crt is meant to leave the state dir; the keys are mode 600.
generate_es_tls() {
    [[ -s $TLS_CA && -s $TLS_DIR/ca.key && -s $TLS_DIR/http.crt && -s $TLS_DIR/http.key ]] && return 0
    log "generating a self-signed CA and an HTTPS certificate for '$ES_HOST' in $TLS_DIR"
    local san="DNS:localhost,IP:127.0.0.1,IP:::1"
    if [[ $ES_HOST =~ ^[0-9.]+$ || $ES_HOST == *:* ]]; then
        san="$san,IP:$ES_HOST"
    else
        san="$san,DNS:$ES_HOST"
    fi
    mkdir -p "$TLS_DIR"
    (
        umask 077
        cd "$TLS_DIR"
        rm -f ca.key ca.crt ca.srl http.key http.csr http.crt
        openssl req -x509 -newkey rsa:2048 -nodes -days 825 -sha256 \
            -subj "/CN=Wirewatch local CA ($(hostname))" -keyout ca.key -out ca.crt \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
        openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$ES_HOST" -keyout http.key -out http.csr
        printf '%s\n' "subjectAltName=$san" "basicConstraints=CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
            "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid,issuer" >http.ext
        openssl x509 -req -in http.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
            -extfile http.ext -out http.crt
        rm -f http.csr http.ext
    ) >>"$ES_OUT" 2>&1 || {
        print_log_tail "$ES_OUT"
        die "openssl could not generate the certificates in $TLS_DIR"
    }
    chmod 644 "$TLS_CA"
}

install_es_tls() {
    generate_es_tls
    mkdir -p "$ES_CERTS"
    cp "$TLS_DIR/http.crt" "$TLS_DIR/http.key" "$TLS_CA" "$ES_CERTS/"
    chmod 600 "$ES_CERTS/http.key"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R "$ES_SERVICE_USER:$ES_SERVICE_USER" "$ES_CERTS"
    fi
}

# -E settings of the opt-in security (none on the default path). Paths only,
# never secrets: these are visible in `ps`.
es_security_args() {
    ((ES_SECURITY)) || return 0
    printf '%s\0' -E xpack.security.enabled=true
    if ((ES_TLS)); then
        printf '%s\0' -E xpack.security.http.ssl.enabled=true \
            -E xpack.security.http.ssl.key=certs/http.key \
            -E xpack.security.http.ssl.certificate=certs/http.crt \
            -E xpack.security.http.ssl.certificate_authorities=certs/ca.crt
    fi
}

ES_STARTED_AT=""
ES_LAUNCHER_PID=""
start_es() {
    local pid
    if pid=$(es_pid); then
        log "elasticsearch already running (pid $pid)"
        return 0
    fi
    ensure_port_free "elasticsearch http" 127.0.0.1 "$ES_HTTP_PORT"
    ensure_port_free "elasticsearch transport" 127.0.0.1 "$ES_TRANSPORT_PORT"
    prepare_es_dirs
    rm -f "$ES_PID_FILE"
    local -a security=()
    if ((ES_SECURITY)); then
        setup_es_keystore
        ((ES_TLS)) && install_es_tls
        mapfile -d '' security < <(es_security_args)
        log "elasticsearch security is on: user 'elastic', password from WIREWATCH_ES_PASSWORD"
        if ((ES_TLS)); then
            log "elasticsearch serves HTTPS; clients trust it with WIREWATCH_ES_CA_CERTS=$TLS_CA"
        fi
    fi

    printf '==== wirewatch stack.sh: starting Elasticsearch %s at %s ====\n' "$ES_VERSION" "$(date -Is)" >>"$ES_OUT"
    log "starting Elasticsearch $ES_VERSION on $ES_URL (transport port $ES_TRANSPORT_PORT, java $ES_JAVA)"
    ES_STARTED_AT=$(now_ms)
    # -d: the launcher forks the server JVM, waits until the node is started
    # and exits; the server writes its own pid file. The launcher itself runs
    # in the background so Kafka and ES boot in parallel. The working
    # directory is the log dir because jvm.options writes gc.log (and any
    # hs_err file) relative to it.
    (
        cd "$ES_LOG_DIR"
        exec setsid "${ES_RUN[@]}" env \
            ES_JAVA_HOME="$ES_JAVA" \
            ES_PATH_CONF="$ES_CONF" \
            ES_TMPDIR="$ES_TMP" \
            ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP ${ES_JAVA_OPTS:-}" \
            "$ES_HOME/bin/elasticsearch" -d -p "$ES_PID_FILE" \
            -E network.host=127.0.0.1 \
            -E http.port="$ES_HTTP_PORT" \
            -E transport.port="$ES_TRANSPORT_PORT" \
            -E path.data="$ES_DATA" \
            -E path.logs="$ES_LOG_DIR" \
            "${security[@]}"
    ) </dev/null >>"$ES_OUT" 2>&1 9>&- &
    ES_LAUNCHER_PID=$!
}

# curl for ES: on the default path plain curl; with WIREWATCH_ES_SECURITY the
# `elastic` user's credentials go in as a curl config on stdin (never as an
# argument, which `ps` would show), and with WIREWATCH_ES_TLS the generated CA
# verifies the server.
es_curl() {
    if ((ES_SECURITY == 0)); then
        curl "$@"
        return
    fi
    local -a tls=()
    ((ES_TLS)) && tls=(--cacert "$TLS_CA")
    local pw=${ES_PASSWORD//\\/\\\\}
    pw=${pw//\"/\\\"}
    printf 'user = "elastic:%s"\n' "$pw" | curl -K - "${tls[@]}" "$@"
}

es_health_code() {
    es_curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
        "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null || true
}

wait_es() {
    local deadline=$((SECONDS + START_TIMEOUT)) code refused=0
    while :; do
        code=$(es_health_code)
        [[ $code == 200 ]] && break
        # A node that keeps refusing our credentials will not change its mind.
        if [[ $code == 401 ]]; then
            refused=$((refused + 1))
            if ((refused >= 10)); then
                if ((ES_SECURITY)); then
                    die "Elasticsearch at $ES_URL refuses the 'elastic' user's password (HTTP 401): WIREWATCH_ES_PASSWORD differs from the one this node has"
                fi
                die "Elasticsearch at $ES_URL requires authentication (HTTP 401): set WIREWATCH_ES_SECURITY=true and WIREWATCH_ES_PASSWORD"
            fi
        else
            refused=0
        fi
        # The launcher exits once the node has started (status 0) or failed;
        # failure with no server left means there is nothing to wait for.
        if [[ -n $ES_LAUNCHER_PID ]] && ! kill -0 "$ES_LAUNCHER_PID" 2>/dev/null; then
            local rc=0
            wait "$ES_LAUNCHER_PID" || rc=$?
            ES_LAUNCHER_PID=""
            if ((rc != 0)) && ! es_pid >/dev/null; then
                print_log_tail "$ES_LOG" "$ES_OUT"
                die "Elasticsearch failed to start (launcher exit code $rc; logs above; full logs: deploy/stack.sh logs elasticsearch)"
            fi
        fi
        if ((SECONDS >= deadline)); then
            print_log_tail "$ES_LOG" "$ES_OUT"
            die "Elasticsearch did not report yellow/green health within ${START_TIMEOUT}s at $ES_URL (last HTTP status: ${code:-none}; stop it with deploy/stack.sh down)"
        fi
        sleep 0.5
    done
    local pid
    pid=$(es_pid) || pid="?"
    if [[ -n $ES_STARTED_AT ]]; then
        log "elasticsearch ready on $ES_URL (pid $pid, started in $(elapsed "$ES_STARTED_AT"))"
    else
        log "elasticsearch ready on $ES_URL (pid $pid)"
    fi
}

# --------------------------------------------------------------------------
# Commands

# up/down/purge of one state dir are serialised, so e.g. parallel test
# workers that all call `up` do not start two brokers on the same data.
take_lock() {
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/.stack.lock"
    flock -w 600 9 || die "another deploy/stack.sh is still busy with $STATE_DIR"
}

cmd_up() {
    local t0
    t0=$(now_ms)
    check_prereqs
    check_security_settings
    if ! kafka_fetched || ! es_fetched; then
        fetch_kafka
        fetch_es
    fi
    prepare_state_dir
    check_service_user_access
    take_lock
    start_kafka
    start_es
    wait_kafka
    wait_es
    log "stack is up ($(elapsed "$t0")): kafka=$KAFKA_HOST:$KAFKA_PORT elasticsearch=$ES_URL state=$STATE_DIR"
    if ((KAFKA_SASL)); then
        log "kafka clients need WIREWATCH_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT WIREWATCH_KAFKA_SASL_MECHANISM=PLAIN and the SASL user's credentials"
    fi
    if ((ES_SECURITY)); then
        log "elasticsearch clients need WIREWATCH_ES_USERNAME=elastic and WIREWATCH_ES_PASSWORD"
        if ((ES_TLS)); then
            log "and WIREWATCH_ES_CA_CERTS=$TLS_CA"
        fi
    fi
}

# SIGTERM lets Kafka do a controlled shutdown and ES flush; SIGKILL only if
# that takes longer than the timeout. The pid was verified by find_pid.
stop_pid() {
    local name=$1 pid=$2 waited=0
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || return 0
    while [[ -d /proc/$pid ]] && ((waited < STOP_TIMEOUT * 2)); do
        sleep 0.5
        waited=$((waited + 1))
    done
    if [[ -d /proc/$pid ]]; then
        log "$name did not stop within ${STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while [[ -d /proc/$pid ]]; do sleep 0.2; done
    fi
}

cmd_down() {
    local purge=0
    for arg in "$@"; do
        case "$arg" in
            --purge) purge=1 ;;
            *) die "unknown option for down: $arg" ;;
        esac
    done
    if [[ ! -d $STATE_DIR ]]; then
        log "nothing to stop ($STATE_DIR does not exist)"
        return 0
    fi
    take_lock
    local kpid="" epid=""
    kpid=$(kafka_pid) || kpid=""
    epid=$(es_pid) || epid=""
    # Stop both at once; each gets the full timeout.
    [[ -n $kpid ]] && stop_pid kafka "$kpid" &
    [[ -n $epid ]] && stop_pid elasticsearch "$epid" &
    wait
    [[ -n $kpid || -n $epid ]] || log "kafka and elasticsearch were not running"
    rm -f "$KAFKA_PID_FILE" "$ES_PID_FILE"
    if ((purge)); then
        log "purging data, logs and state under $STATE_DIR"
        # Only what this script creates: the state dir may be a shared
        # location given by WIREWATCH_STATE_DIR.
        rm -rf "$KAFKA_STATE" "$ES_STATE" "$LOG_DIR" "$TLS_DIR" "$STATE_DIR/.gitignore" "$STATE_DIR/.stack.lock"
        rmdir "$STATE_DIR" 2>/dev/null || true
    fi
}

cmd_status() {
    local ok=0 pid state health
    if pid=$(kafka_pid); then
        if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then state=running; else state="starting"; ok=1; fi
    else
        state=stopped pid="-" ok=1
    fi
    printf '%-14s %-7s %-9s pid=%-8s %s:%s (controller 127.0.0.1:%s)\n' \
        kafka "$KAFKA_VERSION" "$state" "$pid" "$KAFKA_HOST" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"

    health="-"
    if pid=$(es_pid); then
        health=$(es_curl -s --max-time 5 "$ES_URL/_cluster/health" 2>/dev/null |
            sed -n 's/.*"status":"\([a-z]*\)".*/\1/p') || true
        if [[ -n $health ]]; then state=running; else state=starting health="-" ok=1; fi
        [[ $health == red ]] && ok=1
    else
        state=stopped pid="-" ok=1
    fi
    printf '%-14s %-7s %-9s pid=%-8s %s health=%s\n' \
        elasticsearch "$ES_VERSION" "$state" "$pid" "$ES_URL" "$health"
    ((ok == 0)) || exit 3
}

cmd_logs() {
    local which=all follow=0 lines=50
    while (($#)); do
        case "$1" in
            kafka | elasticsearch | es | all) which=$1 ;;
            -f | --follow) follow=1 ;;
            -n) lines=${2:?-n needs a number}; shift ;;
            *) die "usage: deploy/stack.sh logs [kafka|elasticsearch] [-f] [-n LINES]" ;;
        esac
        shift
    done
    local files=()
    case "$which" in
        kafka) files=("$KAFKA_LOG" "$KAFKA_OUT") ;;
        elasticsearch | es) files=("$ES_LOG" "$ES_OUT") ;;
        all) files=("$KAFKA_LOG" "$KAFKA_OUT" "$ES_LOG" "$ES_OUT") ;;
    esac
    local existing=() f
    for f in "${files[@]}"; do [[ -e $f ]] && existing+=("$f"); done
    ((${#existing[@]})) || die "no logs yet under $LOG_DIR"
    if ((follow)); then
        exec tail -n "$lines" -F "${existing[@]}"
    fi
    tail -n "$lines" "${existing[@]}"
}

cmd_check() {
    check_prereqs
    log "ok: kafka java=$KAFKA_JAVA (Java $(java_major "$KAFKA_JAVA"))"
    log "ok: elasticsearch java=$ES_JAVA (Java $(java_major "$ES_JAVA/bin/java"))"
    log "ok: $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g')"
    log "cache: $CACHE_DIR (kafka $(kafka_fetched && echo fetched || echo 'not fetched'), elasticsearch $(es_fetched && echo fetched || echo 'not fetched'))"
    log "state: $STATE_DIR"
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

main() {
    local cmd=${1:-help}
    (($#)) && shift
    case "$cmd" in
        check) cmd_check ;;
        fetch) cmd_fetch ;;
        up | start) cmd_up ;;
        down | stop) cmd_down "$@" ;;
        purge) cmd_down --purge ;;
        status) cmd_status ;;
        logs) cmd_logs "$@" ;;
        help | -h | --help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

main "$@"
