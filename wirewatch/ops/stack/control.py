"""``wirewatch stack up|down|status|logs|check|fetch``: the local stack's commands, built from its parts
(:mod:`.prereqs`, :mod:`.fetch`, :mod:`.kafka`, :mod:`.elasticsearch`, :mod:`.processes`)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from wirewatch.core.redaction import redact_password
from wirewatch.ops.stack import cluster, elasticsearch, fetch, kafka, prereqs, security, workspace
from wirewatch.ops.stack.layout import ES_SERVICE_USER, Layout
from wirewatch.ops.stack.processes import StackError, elapsed, locked, log, port_open, stop
from wirewatch.ops.stack.settings import StackSettings

ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: never handed to a server (or any other child): they would show in its /proc/<pid>/environ
SECRET_ENV = ("WIREWATCH_ES_PASSWORD", "WIREWATCH_ES_API_KEY", "WIREWATCH_KAFKA_SASL_PASSWORD")


def child_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if k not in SECRET_ENV}


def javas(settings: StackSettings) -> prereqs.Javas:
    try:
        return prereqs.check(settings.kafka_java_home, settings.es_java_home, settings.java_home, tls=settings.es_tls)
    except prereqs.PrerequisiteError as exc:
        raise StackError(str(exc)) from exc


def prepare_state_dir(layout: Layout) -> None:
    fresh = not layout.state.is_dir()
    for directory in (layout.state, layout.log_dir, layout.kafka_state):
        directory.mkdir(parents=True, exist_ok=True)
    # the default state dir sits inside the checkout: keep git from seeing it without touching .gitignore
    if fresh and not (layout.state / ".gitignore").exists():
        (layout.state / ".gitignore").write_text("# created by `wirewatch stack up`: runtime state, never commit\n*\n")


def up(settings: StackSettings) -> Layout:
    """Fetch if needed, start what is not running (every node of a local cluster), wait until all are
    healthy."""
    started = time.monotonic()
    found = javas(settings)
    layout = Layout.of(settings)
    if not fetch.kafka_fetched(layout) or not fetch.es_fetched(layout):
        fetch.fetch(layout)
    prepare_state_dir(layout)
    elasticsearch.ensure_service_user(layout, found.es_java_home)
    layout = Layout.of(settings)  # the service user may be new: where its files go is decided now
    base = child_env()
    with locked(layout.lock_file):
        cluster.claim_shape(layout, settings)
        brokers = [layout.for_node(i) for i in range(1, settings.stack_brokers + 1)]
        nodes = [layout.for_node(i) for i in range(1, settings.stack_es_nodes + 1)]
        # every node starts before any wait: a broker serves only once its controller quorum is there
        kafka_launches = [kafka.start(node, settings, found.kafka_java, base) for node in brokers]
        es_launches = [elasticsearch.start(node, settings, found.es_java_home, base) for node in nodes]
        for node, kafka_launch in zip(brokers, kafka_launches, strict=True):
            kafka.wait(node, settings, kafka_launch)
        for node, es_launch in zip(nodes, es_launches, strict=True):
            elasticsearch.wait(node, settings, es_launch)
    log(
        f"stack is up ({elapsed(started)}): kafka={settings.kafka_servers} "
        f"elasticsearch={redact_password(settings.es_cluster_urls)} state={layout.state}"
    )
    if settings.stack_brokers > 1 or settings.stack_es_nodes > 1:
        log(
            f"clients of every node: WIREWATCH_KAFKA_BOOTSTRAP={settings.kafka_servers} "
            f"WIREWATCH_ES_URL={redact_password(settings.es_cluster_urls)}"
        )
    if layout.relocated:
        log(f"elasticsearch's files are in {layout.es_root} (user '{ES_SERVICE_USER}' cannot enter {layout.state})")
    if settings.kafka_sasl:
        log("kafka clients need WIREWATCH_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT WIREWATCH_KAFKA_SASL_MECHANISM=PLAIN")
    if settings.es_security:
        tls = f" and WIREWATCH_ES_CA_CERTS={layout.tls_ca}" if settings.es_tls else ""
        log(f"elasticsearch clients need WIREWATCH_ES_USERNAME=elastic and WIREWATCH_ES_PASSWORD{tls}")
    return layout


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def down(settings: StackSettings, *, purge: bool = False) -> None:
    """Stop both and the recorded workspace (SIGTERM, SIGKILL after WIREWATCH_STOP_TIMEOUT); ``purge`` also
    deletes their files."""
    layout = Layout.of(settings)
    if not layout.state.is_dir():
        log(f"nothing to stop ({layout.state} does not exist)")
        return
    settings = cluster.recorded(layout, settings)
    with locked(layout.lock_file):
        pids = {name: p for name, p in cluster.node_pids(layout, settings).items() if p}
        stop(pids, settings.stop_timeout)
        if not pids:
            log("kafka and elasticsearch were not running")
        # the workspace the demo left running reads them: it goes with them
        workspace.stop_recorded(layout.state, settings.stop_timeout)
        for node in cluster.all_nodes(layout, settings):
            node.kafka_pid_file.unlink(missing_ok=True)
            node.es_pid_file.unlink(missing_ok=True)
        if purge:
            log(f"purging data, logs and state under {layout.state}")
            # only what the stack creates: the state dir may be a shared location
            for node in cluster.all_nodes(layout, settings):
                for path in (node.es_node_root, node.es_link, node.kafka_state):
                    _remove(path)
            for path in (layout.log_dir, layout.tls_dir, layout.shape_file, layout.state / ".gitignore"):
                _remove(path)
    if purge:
        layout.lock_file.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty: something else lives there too
            layout.state.rmdir()


def status(settings: StackSettings) -> int:
    """One line per node (port, pid, RSS, role; the partitions a broker leads) and where Elasticsearch's
    files are; 0 if every node is up, 3 otherwise."""
    layout = Layout.of(settings)
    settings = cluster.recorded(layout, settings)
    ok = True
    leaders = cluster.leaders_by_node(settings, layout)
    for node in range(1, settings.stack_brokers + 1):
        at = layout.for_node(node)
        kpid, port = kafka.pid(at), settings.kafka_ports[node - 1]
        state = "stopped" if kpid is None else "running" if port_open(settings.kafka_host, port) else "starting"
        ok &= state == "running"
        led = f" leads={leaders.get(node, 0)}" if leaders else ""
        print(
            f"{kafka.name(at):<16} {layout.versions.kafka:<7} {state:<9} pid={kpid or '-':<8} "
            f"rss={cluster.rss(kpid)} {settings.kafka_host}:{port} (controller 127.0.0.1:"
            f"{settings.controller_ports[node - 1]}) role=broker+controller{led}"
        )
    roles = cluster.es_roles(settings, layout)
    for node in range(1, settings.stack_es_nodes + 1):
        at = layout.for_node(node)
        epid = elasticsearch.pid(at)
        health = "-"
        if epid is None:
            state = "stopped"
        else:
            _, body = security.NodeClient(settings, layout.tls_ca, node=node - 1).get("/_cluster/health")
            health = str(body.get("status", "-"))
            state = "running" if health != "-" else "starting"
        ok &= state == "running" and health in ("green", "yellow")
        print(
            f"{elasticsearch.name(at):<16} {layout.versions.es:<7} {state:<9} pid={epid or '-':<8} "
            f"rss={cluster.rss(epid)} {redact_password(settings.es_node_url(node - 1))} health={health} "
            f"role={roles.get(node, '-')}"
        )
    print(f"{'files':<16} state={layout.state} elasticsearch={layout.es_root}")
    return 0 if ok else 3


def logs(settings: StackSettings, which: str, *, follow: bool, lines: int) -> None:
    layout = Layout.of(settings)
    settings = cluster.recorded(layout, settings)
    brokers = [layout.for_node(i) for i in range(1, settings.stack_brokers + 1)]
    nodes = [layout.for_node(i) for i in range(1, settings.stack_es_nodes + 1)]
    files = {
        "kafka": [path for node in brokers for path in (node.kafka_log, node.kafka_out)],
        "elasticsearch": [path for node in nodes for path in (node.es_log, node.es_out)],
    }
    chosen = [f for name, paths in files.items() if which in (name, "all") for f in paths if f.exists()]
    if not chosen:
        raise StackError(f"no logs yet under {layout.log_dir} (or {layout.es_log_dir})")
    command = ["tail", "-n", str(lines), *(["-F"] if follow else []), *map(str, chosen)]
    if follow:
        os.execvp("tail", command)  # noqa: S606, S607 — tail with our own files
    subprocess.run(command, check=False)  # noqa: S603


def check(settings: StackSettings) -> None:
    found = javas(settings)
    layout = Layout.of(settings)
    log(f"ok: python {sys.version.split()[0]}")
    log(f"ok: kafka java={found.kafka_java} (Java {prereqs.java_major(found.kafka_java)})")
    log(f"ok: elasticsearch java={found.es_java_home} (Java {prereqs.java_major(found.es_java_home / 'bin' / 'java')})")
    maven = subprocess.run(["mvn", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    first = maven.stdout.splitlines()[0] if maven.stdout else "mvn -v printed nothing"
    log(f"ok: {ANSI.sub('', first)}")
    fetched = {name: "fetched" if done(layout) else "not fetched" for name, done in
               (("kafka", fetch.kafka_fetched), ("elasticsearch", fetch.es_fetched))}  # fmt: skip
    log(f"cache: {layout.cache} (kafka {fetched['kafka']}, elasticsearch {fetched['elasticsearch']})")
    log(f"state: {layout.state}; elasticsearch's files: {layout.es_root}")


def fetch_all(settings: StackSettings) -> None:
    javas(settings)
    fetch.fetch(Layout.of(settings))
