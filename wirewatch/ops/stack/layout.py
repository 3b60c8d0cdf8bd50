"""Where the local stack keeps things: the download cache, the state dir, and Elasticsearch's own files.

Kafka's data, the pid files, the logs and the TLS material live in the state dir (``WIREWATCH_STATE_DIR``).
Elasticsearch refuses to run as root, so as root it runs as the system user ``wirewatch``, which must be
able to reach every file of the node. When it can enter the state dir, the node's files are in
``<state>/elasticsearch``; when it cannot (a checkout under ``/root``, or below any mode-700 directory),
they are in ``/var/lib/wirewatch/<hash of the state dir>``, owned by that user, and
``<state>/elasticsearch`` is a symbolic link to it.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
from dataclasses import dataclass, replace
from pathlib import Path

from wirewatch.ops.stack.settings import StackSettings

ES_SERVICE_USER = "wirewatch"
#: where Elasticsearch's files go when the service user cannot enter the state dir
RELOCATED_BASE = Path("/var/lib/wirewatch")


@dataclass(frozen=True)
class Versions:
    """The pins of ``deploy/versions.env`` (shared with docker-compose)."""

    kafka: str
    scala: str
    slf4j_reload4j: str
    es: str

    @classmethod
    def read(cls, path: Path) -> Versions:
        pins = {}
        for line in path.read_text().splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and not key.startswith("#"):
                pins[key.strip()] = value.strip().strip("\"'")
        return cls(pins["KAFKA_VERSION"], pins["SCALA_VERSION"], pins["SLF4J_RELOAD4J_VERSION"], pins["ES_VERSION"])


@dataclass(frozen=True)
class ServiceUser:
    """Who runs Elasticsearch: its uid and groups decide which directories it may enter."""

    name: str
    uid: int
    gids: frozenset[int]

    @classmethod
    def lookup(cls, name: str = ES_SERVICE_USER) -> ServiceUser:
        """The user, or one that stands for "anybody else" while it does not exist yet."""
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            return cls(name, -1, frozenset())
        groups = {g.gr_gid for g in grp.getgrall() if name in g.gr_mem}
        return cls(name, entry.pw_uid, frozenset(groups | {entry.pw_gid}))


def may_enter(user: ServiceUser, path: Path, *, bits: int = 1) -> bool:
    """Whether ``user`` can search (``bits=1``; 5 for read and search) every existing directory from ``/`` to
    ``path``, judged by mode bits. Parts that do not exist yet are created by root with mode 755."""
    for part in [*reversed(path.parents), path]:
        try:
            st = os.stat(part)
        except FileNotFoundError:
            break
        if st.st_uid == user.uid:
            allowed = (st.st_mode >> 6) & 7
        elif st.st_gid in user.gids:
            allowed = (st.st_mode >> 3) & 7
        else:
            allowed = st.st_mode & 7
        needed = bits if part == path else 1
        if allowed & needed != needed:
            return False
    return True


def relocated_root(state: Path, base: Path = RELOCATED_BASE) -> Path:
    """The per-checkout directory for a state dir the service user cannot reach."""
    return base / hashlib.sha256(str(state).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Layout:
    """Every path of one stack. ``es_root`` holds everything Elasticsearch writes."""

    state: Path
    cache: Path
    deploy: Path
    versions: Versions
    as_root: bool
    es_root: Path
    #: which node of a local cluster the node paths are of (1: the single node's paths, as they always were)
    node: int = 1

    @classmethod
    def of(cls, settings: StackSettings, *, user: ServiceUser | None = None) -> Layout:
        state = settings.state
        as_root = os.geteuid() == 0
        es_root = state / "elasticsearch"
        if as_root and not may_enter(user or ServiceUser.lookup(), state):
            es_root = relocated_root(state)
        versions = Versions.read(settings.deploy_dir / "versions.env")
        return cls(state, settings.cache, settings.deploy_dir.absolute(), versions, as_root, es_root)

    @property
    def relocated(self) -> bool:
        return self.es_root != self.state / "elasticsearch"

    def for_node(self, node: int) -> Layout:
        """The paths of node ``node`` (1-based) of a local cluster: node 1 keeps the single node's paths,
        node i gets ``kafka-i``, ``elasticsearch-i`` (or ``<relocated root>-i``), ``kafka-i.pid``, ``…-i.log``."""
        return replace(self, node=node)

    def _numbered(self, name: str) -> str:
        return name if self.node == 1 else f"{name}-{self.node}"

    @property
    def shape_file(self) -> Path:
        """How many brokers and Elasticsearch nodes ``up`` started here (read by ``status`` and ``down``)."""
        return self.state / "cluster.json"

    # the cache ----------------------------------------------------------------------------------------
    @property
    def kafka_home_cache(self) -> Path:
        return self.cache / f"kafka-{self.versions.kafka}"

    @property
    def kafka_libs(self) -> Path:
        return self.kafka_home_cache / "libs"

    @property
    def es_home_cache(self) -> Path:
        return self.cache / f"elasticsearch-{self.versions.es}"

    # Kafka and the logs, owned by the invoking user ---------------------------------------------------
    @property
    def kafka_state(self) -> Path:
        return self.state / self._numbered("kafka")

    @property
    def kafka_data(self) -> Path:
        return self.kafka_state / "data"

    @property
    def kafka_config(self) -> Path:
        return self.kafka_state / "server.properties"

    @property
    def cluster_id(self) -> Path:
        """One id for every broker of the cluster (node 1's state dir keeps it)."""
        return self.state / "kafka" / "cluster.id"

    @property
    def kafka_pid_file(self) -> Path:
        return self.state / f"{self._numbered('kafka')}.pid"

    @property
    def log_dir(self) -> Path:
        return self.state / "logs"

    @property
    def kafka_log(self) -> Path:
        return self.log_dir / f"{self._numbered('kafka')}.log"

    @property
    def kafka_out(self) -> Path:
        return self.log_dir / f"{self._numbered('kafka')}.out"

    @property
    def es_out(self) -> Path:
        """The launcher's output (written by the invoking user)."""
        return self.log_dir / f"{self._numbered('elasticsearch')}.out"

    @property
    def tls_dir(self) -> Path:
        return self.state / "tls"

    @property
    def tls_ca(self) -> Path:
        return self.tls_dir / "ca.crt"

    @property
    def lock_file(self) -> Path:
        return self.state / ".stack.lock"

    # Elasticsearch, owned by the service user when run as root ----------------------------------------
    @property
    def es_home(self) -> Path:
        """As root the cache (usually under mode-700 /root) is out of the service user's reach: a copy."""
        return self.es_root / f"dist-{self.versions.es}" if self.as_root else self.es_home_cache

    @property
    def es_node_root(self) -> Path:
        """Everything this node writes: ``es_root`` for node 1, a sibling ``<es_root>-i`` for node i."""
        return self.es_root if self.node == 1 else self.es_root.with_name(f"{self.es_root.name}-{self.node}")

    @property
    def es_link(self) -> Path:
        """Where the state dir points at a relocated node's files."""
        return self.state / self._numbered("elasticsearch")

    @property
    def es_data(self) -> Path:
        return self.es_node_root / "data"

    @property
    def es_conf(self) -> Path:
        return self.es_node_root / "config"

    @property
    def es_certs(self) -> Path:
        return self.es_conf / "certs"

    @property
    def es_tmp(self) -> Path:
        return self.es_node_root / "tmp"

    @property
    def es_pid_file(self) -> Path:
        return self.es_node_root / "elasticsearch.pid"

    @property
    def es_log_dir(self) -> Path:
        return self.es_node_root / "logs" if self.relocated else self.log_dir / self._numbered("elasticsearch")

    @property
    def es_log(self) -> Path:
        return self.es_log_dir / "elasticsearch.log"
