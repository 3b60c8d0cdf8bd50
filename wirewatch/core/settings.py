"""Settings shared by every worker and the CLI, read from ``WIREWATCH_*`` environment variables.

Each service extends :class:`CommonSettings` with its own knobs in ``services/<name>/settings.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class CommonSettings(BaseSettings):
    """Where the services are, and how this installation names its topics and indices."""

    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True, hide_input_in_errors=True)

    kafka_bootstrap: str = Field(default="localhost:9092", description="Kafka bootstrap servers, host:port[,…]")
    es_url: str = Field(
        default="http://localhost:9200", description="Elasticsearch URL, or several nodes' URLs, comma-separated"
    )
    es_username: str | None = Field(default=None, description="Elasticsearch basic-auth user")
    es_password: SecretStr | None = Field(default=None, description="Elasticsearch basic-auth password")
    es_api_key: SecretStr | None = Field(default=None, description="Elasticsearch API key (instead of a password)")
    es_ca_certs: Path | None = Field(default=None, description="CA bundle to verify Elasticsearch's TLS certificate")
    es_verify_certs: bool = Field(default=True, description="verify Elasticsearch's TLS certificate")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="Kafka security protocol"
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="PLAIN", description="Kafka SASL mechanism"
    )
    kafka_sasl_username: str | None = Field(default=None, description="Kafka SASL user")
    kafka_sasl_password: SecretStr | None = Field(default=None, description="Kafka SASL password")
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA bundle to verify the brokers' certificates")
    kafka_ssl_certfile: Path | None = Field(default=None, description="client certificate for mutual TLS")
    kafka_ssl_keyfile: Path | None = Field(default=None, description="client key for mutual TLS")
    topic_replication: int = Field(
        default=0, ge=0, le=16, description="replication factor of topics `init` creates (0: min(3, brokers))"
    )
    es_replicas: int = Field(
        default=-1,
        ge=-1,
        le=8,
        description="replicas of the article, story, mention and alert indices (-1: 1 from 2 data nodes on)",
    )
    state_dir: Path = Field(default=REPO_ROOT / ".wirewatch", description="data, logs and pid files")
    topic_prefix: str = Field(default="wirewatch.", description="prefix of every Kafka topic name")
    index_prefix: str = Field(default="wirewatch", description="prefix of every Elasticsearch index and alias")
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s), comma-separated, sealing stored secrets (rule secrets, webhook URLs, WebSub "
        "secrets); required once one is stored (the local stack makes <state dir>/secret.key)",
    )
    allow_private_networks: bool = Field(
        default=False,
        description="development only: every outbound client (feeds, webhooks, hubs) may reach private and "
        "loopback addresses; never metadata or link-local",
    )
    outbound_allow: str = Field(
        default="",
        description="internal receivers every outbound client may reach: comma-separated CIDRs and host names "
        "(metadata and link-local addresses are refused)",
    )
    poll_interval: float = Field(default=300.0, gt=0, description="default feed poll interval, seconds")
    log_level: str = Field(default="info", description="debug, info, warning or error")
    deploy_dir: Path = Field(default=REPO_ROOT / "deploy", description="index templates, Kibana objects, scripts")
    metrics_port: int | None = Field(default=None, description="port of this worker's /metrics and /healthz")
    metrics_host: str = Field(
        default="127.0.0.1",
        description="address /metrics and /healthz listen on (loopback; compose sets 0.0.0.0 for Prometheus)",
    )

    @field_validator("kafka_bootstrap")
    @classmethod
    def _bootstrap_has_port(cls, value: str) -> str:
        for server in value.split(","):
            host, _, port = server.strip().rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"bootstrap server {server!r} must be host:port")
        return value

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> CommonSettings:
        sasl = self.kafka_security_protocol.startswith("SASL")
        if sasl and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError("SASL needs WIREWATCH_KAFKA_SASL_USERNAME and WIREWATCH_KAFKA_SASL_PASSWORD")
        return self

    @field_validator("outbound_allow")
    @classmethod
    def _outbound_allow_parses(cls, value: str) -> str:
        from wirewatch.core.outbound import parse_allow_list

        parse_allow_list(value)  # a bad or forbidden entry fails at start, naming the entry
        return value

    @field_validator("es_url")
    @classmethod
    def _es_url_is_http(cls, value: str) -> str:
        """One URL, or several nodes' URLs separated by commas (all http or all https)."""
        urls = [url.strip().rstrip("/") for url in value.split(",")]
        schemes = {urlsplit(url).scheme for url in urls}
        if not schemes <= {"http", "https"} or len(schemes) != 1:
            from wirewatch.core.redaction import redact_password

            raise ValueError(f"WIREWATCH_ES_URL must be http(s) URLs, one scheme, got {redact_password(value)!r}")
        return ",".join(urls)

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_fernet(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        from wirewatch.core.secretbox import parse_keys

        parse_keys(value.get_secret_value())
        return value

    def location_env(self) -> dict[str, str]:
        """The variables that point a child process at the same stack and namespace as these settings."""
        return {
            "WIREWATCH_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "WIREWATCH_ES_URL": self.es_url,
            "WIREWATCH_STATE_DIR": str(self.state_dir),
            "WIREWATCH_TOPIC_PREFIX": self.topic_prefix,
            "WIREWATCH_INDEX_PREFIX": self.index_prefix,
        }

    @property
    def es_urls(self) -> list[str]:
        """Every Elasticsearch node the client may use (``WIREWATCH_ES_URL`` split at commas)."""
        return self.es_url.split(",")

    def topic_name(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def index_name(self, name: str) -> str:
        """``articles`` → ``wirewatch-articles`` (the alias analysts and Kibana use)."""
        return f"{self.index_prefix}-{name}"
