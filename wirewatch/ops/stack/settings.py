"""The local stack's settings: ports, heaps, timeouts, JDKs and the opt-in security, validated once here.

:class:`StackSettings` extends :class:`CommonSettings` (which already says where Kafka and Elasticsearch are)
with what only ``wirewatch stack`` needs. JDK locations use the conventional unprefixed names.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from wirewatch.core.settings import CommonSettings

#: a JVM heap size as -Xmx takes it
HEAP = r"^[0-9]+[kKmMgG]$"
SASL_USER = re.compile(r"^[A-Za-z0-9._-]+$")
#: the SASL password goes into a Java properties file, read as ISO-8859-1
PRINTABLE_ASCII = re.compile(r"^[ -~]+$")
ES_MIN_PASSWORD = 6
#: nodes of each kind a local cluster may have (ports are consecutive from the configured ones)
MAX_NODES = 9


class StackSettings(CommonSettings):
    """What ``wirewatch stack`` needs besides where the servers are."""

    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True, hide_input_in_errors=True)

    kafka_controller_port: int | None = Field(
        default=None, gt=0, lt=65536, description="KRaft controller port (unset: Kafka's port + 1)"
    )
    es_transport_port: int | None = Field(
        default=None, gt=0, lt=65536, description="Elasticsearch transport port (unset: HTTP port + 100)"
    )
    cache_dir: Path | None = Field(
        default=None, description="downloads, shared by checkouts (unset: `~/.cache/wirewatch`)"
    )
    kafka_heap: str = Field(default="512m", pattern=HEAP, description="Kafka's JVM heap")
    es_heap: str = Field(default="1g", pattern=HEAP, description="Elasticsearch's JVM heap")
    start_timeout: float = Field(default=120.0, gt=0, description="seconds to wait for each service")
    stop_timeout: float = Field(default=30.0, gt=0, description="seconds before SIGKILL on `down`")
    kafka_java_home: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_JAVA_HOME"),
        description="JDK >= 17 for Kafka (unset: OpenJDK 17 if installed, else `JAVA_HOME`, `java`)",
    )
    es_java_home: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("ES_JAVA_HOME"),
        description="JDK >= 21 for Elasticsearch (unset: the newest under /usr/lib/jvm)",
    )
    java_home: Path | None = Field(
        default=None, validation_alias=AliasChoices("JAVA_HOME"), description="a fallback JDK for both"
    )
    es_java_opts: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ES_JAVA_OPTS"),
        description="extra Elasticsearch JVM options",
    )
    es_security: bool = Field(
        default=False,
        description="Elasticsearch security on; `elastic`'s password is WIREWATCH_ES_PASSWORD",
    )
    es_tls: bool = Field(default=False, description="Elasticsearch serves HTTPS with a generated CA")
    kafka_sasl: bool = Field(default=False, description="Kafka's client listener needs SASL/PLAIN")
    stack_brokers: int = Field(
        default=1,
        ge=1,
        le=MAX_NODES,
        description="Kafka brokers `stack up` starts (node i on the bootstrap port + i - 1; `--brokers`)",
    )
    stack_es_nodes: int = Field(
        default=1,
        ge=1,
        le=MAX_NODES,
        description="Elasticsearch nodes `stack up` starts (node i on the HTTP port + i - 1; `--es-nodes`)",
    )

    @model_validator(mode="after")
    def _coherent(self) -> StackSettings:
        problems = [*self._address_problems(), *self._security_problems(), *self._cluster_problems()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _address_problems(self) -> list[str]:
        problems = []
        host, port = self._first_broker
        if not host or not port.isdigit():
            problems.append(f"WIREWATCH_KAFKA_BOOTSTRAP must look like host:port, got {self.kafka_bootstrap!r}")
        url = urlsplit(self.es_urls[0])
        try:
            has_port = url.port is not None
        except ValueError:
            has_port = False
        if not has_port:
            problems.append(f"WIREWATCH_ES_URL must include a port, e.g. http://localhost:9200, got {self.es_url!r}")
        if self.es_tls and url.scheme != "https":
            problems.append(f"WIREWATCH_ES_TLS=true needs an https:// WIREWATCH_ES_URL, got {self.es_url!r}")
        if url.scheme == "https" and not self.es_tls:
            problems.append(
                "WIREWATCH_ES_URL is https:// but WIREWATCH_ES_TLS is not true (set WIREWATCH_ES_TLS=true and "
                "WIREWATCH_ES_SECURITY=true for a local HTTPS node)"
            )
        return problems

    def _cluster_problems(self) -> list[str]:
        problems = []
        brokers = set(self.kafka_ports)
        if brokers & set(self.controller_ports):
            problems.append(
                f"the {self.stack_brokers} brokers' ports {min(brokers)}-{max(brokers)} overlap the controller "
                f"ports from WIREWATCH_KAFKA_CONTROLLER_PORT={self.controller_port}: unset it or move it"
            )
        if set(self.es_http_ports) & set(self.transport_ports):
            problems.append("Elasticsearch's HTTP and transport port ranges overlap: move WIREWATCH_ES_TRANSPORT_PORT")
        if self.stack_es_nodes > 1 and self.es_security:
            problems.append("several Elasticsearch nodes with WIREWATCH_ES_SECURITY need transport TLS: not built yet")
        if self.stack_brokers > 1 and self.kafka_sasl:
            problems.append("several Kafka brokers with WIREWATCH_KAFKA_SASL: not built yet")
        return problems

    def _security_problems(self) -> list[str]:
        problems = []
        if self.es_tls and not self.es_security:
            problems.append("WIREWATCH_ES_TLS=true needs WIREWATCH_ES_SECURITY=true (HTTPS only comes with security)")
        password = secret(self.es_password)
        if self.es_security and len(password) < ES_MIN_PASSWORD:
            problems.append(
                "WIREWATCH_ES_SECURITY=true needs WIREWATCH_ES_PASSWORD, at least 6 characters (the `elastic` user's)"
            )
        if self.es_security and any(ord(c) < 32 or ord(c) == 127 for c in password):
            problems.append("WIREWATCH_ES_PASSWORD must not contain control characters")
        if self.kafka_sasl:
            if not SASL_USER.match(self.kafka_sasl_username or ""):
                problems.append(
                    "WIREWATCH_KAFKA_SASL=true needs WIREWATCH_KAFKA_SASL_USERNAME (letters, digits, '.', '_', '-')"
                )
            if not PRINTABLE_ASCII.match(secret(self.kafka_sasl_password)):
                problems.append("WIREWATCH_KAFKA_SASL=true needs WIREWATCH_KAFKA_SASL_PASSWORD, printable ASCII")
        return problems

    # Derived addresses ------------------------------------------------------------------------------

    @property
    def _first_broker(self) -> tuple[str, str]:
        """(host, port) of the first bootstrap server, the one the local broker serves."""
        host, _, port = self.kafka_bootstrap.split(",")[0].strip().split("://")[-1].rpartition(":")
        return host, port

    @property
    def kafka_host(self) -> str:
        return self._first_broker[0]

    @property
    def kafka_port(self) -> int:
        return int(self._first_broker[1])

    @property
    def controller_port(self) -> int:
        """The first controller's port; unset, right after the brokers' ports (Kafka's port + 1 for one)."""
        return self.kafka_controller_port or self.kafka_port + self.stack_brokers

    @property
    def kafka_ports(self) -> list[int]:
        """Broker i's client port is Kafka's port + i - 1."""
        return [self.kafka_port + i for i in range(self.stack_brokers)]

    @property
    def controller_ports(self) -> list[int]:
        return [self.controller_port + i for i in range(self.stack_brokers)]

    @property
    def kafka_servers(self) -> str:
        """The bootstrap list a client of every local broker uses."""
        return ",".join(f"{self.kafka_host}:{port}" for port in self.kafka_ports)

    @property
    def kafka_bind(self) -> str:
        """A loopback name is served on loopback only; any other name means reachable from elsewhere."""
        host = self.kafka_host
        return "127.0.0.1" if host == "localhost" or host.startswith("127.") else "0.0.0.0"  # noqa: S104

    @property
    def es_host(self) -> str:
        return urlsplit(self.es_urls[0]).hostname or "localhost"

    @property
    def es_http_port(self) -> int:
        """The first node's HTTP port (the first URL's); node i serves on it + i - 1."""
        return urlsplit(self.es_urls[0]).port or 9200

    @property
    def transport_port(self) -> int:
        return self.es_transport_port or self.es_http_port + 100

    @property
    def es_http_ports(self) -> list[int]:
        return [self.es_http_port + i for i in range(self.stack_es_nodes)]

    @property
    def transport_ports(self) -> list[int]:
        return [self.transport_port + i for i in range(self.stack_es_nodes)]

    def es_node_url(self, index: int) -> str:
        """Node ``index``'s (0-based) URL: the first URL with its port moved."""
        first = urlsplit(self.es_urls[0])
        host = first.netloc.rpartition(":")[0]
        return first._replace(netloc=f"{host}:{self.es_http_ports[index]}").geturl()

    @property
    def es_cluster_urls(self) -> str:
        """The ``WIREWATCH_ES_URL`` a client of every local node uses."""
        return ",".join(self.es_node_url(i) for i in range(self.stack_es_nodes))

    @property
    def cache(self) -> Path:
        return (self.cache_dir or Path.home() / ".cache" / "wirewatch").absolute()

    @property
    def state(self) -> Path:
        return self.state_dir.absolute()

    def client(self, tls_ca: Path) -> CommonSettings:
        """The settings a client of this stack needs: where the security switches are on and the client
        settings were left at their defaults, the stack's own user and (with TLS) its generated CA."""
        update: dict[str, object] = {}
        if self.kafka_sasl and self.kafka_security_protocol == "PLAINTEXT":
            update |= {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN"}
        if self.es_security and not self.es_username and not self.es_api_key:
            update["es_username"] = "elastic"
        if self.es_tls and self.es_ca_certs is None:
            update["es_ca_certs"] = tls_ca
        fields = set(CommonSettings.model_fields)
        return CommonSettings.model_construct(**{k: v for k, v in self.model_dump().items() if k in fields} | update)


def secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value else ""
