"""The local Elasticsearch node: the unprivileged user it runs as under root, its private files, its launch
through ``deploy/elasticsearch/start.sh``, and the wait until its health is yellow or green.

As root, every file the node touches is owned by the service user, and lives where that user can reach it
(see :mod:`wirewatch.ops.stack.layout`): a checkout under a mode-700 directory works as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from wirewatch.core.redaction import redact_password
from wirewatch.ops.stack import security
from wirewatch.ops.stack.layout import ES_SERVICE_USER, Layout, ServiceUser, may_enter
from wirewatch.ops.stack.prereqs import SBIN
from wirewatch.ops.stack.processes import StackError, elapsed, ensure_port_free, find_pid, log, print_tail
from wirewatch.ops.stack.settings import StackSettings

MAIN = "org.elasticsearch.bootstrap.Elasticsearch"
#: a node that keeps refusing our credentials will not change its mind
REFUSALS = 10


def needles(layout: Layout) -> tuple[str, ...]:
    """The server JVM gets its -E settings on stdin, not argv, but its temp dir is this stack's; the launcher
    JVM lacks the main class."""
    return (f"-Djava.io.tmpdir={layout.es_tmp} ", MAIN)


def pid(layout: Layout) -> int | None:
    return find_pid(layout.es_pid_file, needles(layout))


def ensure_service_user(layout: Layout, java_home: Path) -> None:
    """As root: the system user exists and can run the JDK (Elasticsearch refuses to run as root)."""
    if not layout.as_root:
        return
    if ServiceUser.lookup().uid < 0:
        log(f"creating system user '{ES_SERVICE_USER}' (Elasticsearch refuses to run as root)")
        command = ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                   "--shell", "/usr/sbin/nologin", ES_SERVICE_USER]  # fmt: skip
        sbin = os.environ | {"PATH": f"{os.environ.get('PATH', '')}:{SBIN}"}
        subprocess.run(command, check=True, env=sbin)  # noqa: S603 — fixed arguments
    if not may_enter(ServiceUser.lookup(), java_home / "bin" / "java", bits=5):
        raise StackError(
            f"user '{ES_SERVICE_USER}' cannot run {java_home}/bin/java; make the JDK world-readable or set ES_JAVA_HOME"
        )


def chown(layout: Layout, *roots: Path) -> None:
    """As root, hand to the service user what it does not own yet (new copies, files root just wrote); a
    blanket chown would walk a possibly large data dir on every start."""
    if not layout.as_root:
        return
    user = ServiceUser.lookup()
    gid = min(user.gids) if user.gids else -1
    for root in roots:
        for path in [root, *root.rglob("*")] if root.exists() else []:
            if path.lstat().st_uid != user.uid:
                os.chown(path, user.uid, gid, follow_symlinks=False)


def prepare(layout: Layout) -> None:
    """The node's directories, its copy of the distribution (as root), and its config dir."""
    for directory in (layout.es_root, layout.es_data, layout.es_conf, layout.es_tmp, layout.es_log_dir):
        directory.mkdir(parents=True, exist_ok=True)
    if layout.relocated:
        (layout.es_root / "STATE_DIR").write_text(f"{layout.state}\n")
        link = layout.state / "elasticsearch"
        if not link.exists() and not link.is_symlink():
            link.symlink_to(layout.es_root)
    if layout.as_root and not (layout.es_home / ".complete").is_file():
        log(f"copying Elasticsearch {layout.versions.es} into {layout.es_home} (readable by '{ES_SERVICE_USER}')")
        for old in layout.es_root.glob("dist-*"):
            shutil.rmtree(old)
        partial = layout.es_home.with_name(layout.es_home.name + ".partial")
        shutil.copytree(layout.es_home_cache, partial, symlinks=True)
        partial.rename(layout.es_home)
    # ES writes into its config dir (the keystore), so it has its own copy; distribution files are refreshed
    # on every start (cheap, picks up a version bump), and our settings file replaces the distribution's
    shutil.copytree(layout.es_home / "config", layout.es_conf, dirs_exist_ok=True)
    shutil.copyfile(layout.deploy / "elasticsearch" / "elasticsearch.yml", layout.es_conf / "elasticsearch.yml")
    chown(layout, layout.es_root, layout.es_log_dir)


def launch_env(layout: Layout, settings: StackSettings, java_home: Path, base: dict[str, str]) -> dict[str, str]:
    """What ``deploy/elasticsearch/start.sh`` reads, on top of ``base`` (the environment without secrets)."""
    return base | {
        "PATH": f"{base.get('PATH', '/usr/bin:/bin')}:{SBIN}",
        "ES_HOME": str(layout.es_home),
        "ES_JAVA_HOME": str(java_home),
        "ES_PATH_CONF": str(layout.es_conf),
        "ES_TMPDIR": str(layout.es_tmp),
        "ES_JAVA_OPTS": f"-Xms{settings.es_heap} -Xmx{settings.es_heap} {settings.es_java_opts or ''}".strip(),
        "ES_PID_FILE": str(layout.es_pid_file),
        "ES_RUN_AS": ES_SERVICE_USER if layout.as_root else "",
    }


def server_args(layout: Layout, settings: StackSettings) -> list[str]:
    return [
        "-E", "network.host=127.0.0.1",
        "-E", f"http.port={settings.es_http_port}",
        "-E", f"transport.port={settings.transport_port}",
        "-E", f"path.data={layout.es_data}",
        "-E", f"path.logs={layout.es_log_dir}",
        *security.es_args(settings),
    ]  # fmt: skip


@dataclass
class Launch:
    """The launcher this run started: it forks the node, waits until it has started, and exits."""

    process: subprocess.Popen[bytes]
    started_at: float


def _script(
    layout: Layout, env: dict[str, str], *args: str, stdin: int = subprocess.DEVNULL, detach: bool = False
) -> subprocess.Popen[bytes]:
    """``deploy/elasticsearch/start.sh ARGS``, output appended to the launcher's log; ``detach``: a session
    of its own (the node must not die with the terminal or a Ctrl-C of ``up``)."""
    command = ["bash", str(layout.deploy / "elasticsearch" / "start.sh"), *args]
    with layout.es_out.open("a") as out:
        return subprocess.Popen(  # noqa: S603 — our script, fixed arguments
            command, env=env, stdin=stdin, stdout=out, stderr=subprocess.STDOUT, cwd=layout.es_log_dir,
            start_new_session=detach,
        )  # fmt: skip


def start(layout: Layout, settings: StackSettings, java_home: Path, base_env: dict[str, str]) -> Launch | None:
    running = pid(layout)
    if running is not None:
        log(f"elasticsearch already running (pid {running})")
        return None
    ensure_port_free("elasticsearch http", "127.0.0.1", settings.es_http_port)
    ensure_port_free("elasticsearch transport", "127.0.0.1", settings.transport_port)
    prepare(layout)
    layout.es_pid_file.unlink(missing_ok=True)
    env = launch_env(layout, settings, java_home, base_env)
    if settings.es_security:
        tool = partial(_script, layout, env, "tool")
        security.setup_keystore(layout, settings, tool)
        if settings.es_tls:
            security.install_tls(layout, settings, lambda path: chown(layout, path))
        log("elasticsearch security is on: user 'elastic', password from WIREWATCH_ES_PASSWORD")
        if settings.es_tls:
            log(f"elasticsearch serves HTTPS; clients trust it with WIREWATCH_ES_CA_CERTS={layout.tls_ca}")
    with layout.es_out.open("a") as out:
        now = datetime.now().astimezone()
        out.write(f"==== wirewatch stack: starting Elasticsearch {layout.versions.es} at {now:%c} ====\n")
    log(
        f"starting Elasticsearch {layout.versions.es} on {redact_password(settings.es_url)} (transport port "
        f"{settings.transport_port}, java {java_home}, files in {layout.es_root})"
    )
    started_at = time.monotonic()
    # -d: the launcher forks the node and exits once it started; it runs in the background (a session of
    # its own) so Kafka and Elasticsearch boot in parallel. Its cwd is the log dir: gc.log goes there.
    process = _script(layout, env, "server", *server_args(layout, settings), detach=True)
    return Launch(process, started_at)


def wait(layout: Layout, settings: StackSettings, launch: Launch | None) -> None:
    client = security.NodeClient(settings, layout.tls_ca)
    deadline = time.monotonic() + settings.start_timeout
    refused = 0
    code: int | None = None
    while True:
        code, _ = client.get("/_cluster/health?wait_for_status=yellow&timeout=1s")
        if code == 200:
            break
        refused = refused + 1 if code == 401 else 0
        if refused >= REFUSALS:
            raise StackError(
                f"Elasticsearch at {redact_password(settings.es_url)} refuses the 'elastic' user's password "
                "(HTTP 401): "
                "WIREWATCH_ES_PASSWORD differs from the one this node has"
                if settings.es_security
                else f"Elasticsearch at {redact_password(settings.es_url)} requires authentication (HTTP 401): set "
                "WIREWATCH_ES_SECURITY=true and WIREWATCH_ES_PASSWORD"
            )
        if launch is not None and launch.process.poll() not in (None, 0) and pid(layout) is None:
            print_tail(layout.es_log, layout.es_out)
            raise StackError(
                f"Elasticsearch failed to start (launcher exit code {launch.process.returncode}; logs above; "
                "full logs: wirewatch stack logs elasticsearch)"
            )
        if time.monotonic() > deadline:
            print_tail(layout.es_log, layout.es_out)
            raise StackError(
                f"Elasticsearch did not report yellow/green health within {settings.start_timeout:g}s at "
                f"{redact_password(settings.es_url)} (last HTTP status: {code or 'none'}; "
                "stop it with wirewatch stack down)"
            )
        time.sleep(0.5)
    took = f", started in {elapsed(launch.started_at)}" if launch else ""
    log(f"elasticsearch ready on {redact_password(settings.es_url)} (pid {pid(layout) or '?'}{took})")
