"""Alerter settings (``WIREWATCH_ALERTER_*``, and ``WIREWATCH_SMTP_*`` for e-mail alerts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from wirewatch.core.settings import CommonSettings

if TYPE_CHECKING:
    from wirewatch.services.alerter.mail import SmtpServer


class AlerterSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WIREWATCH_", extra="ignore", frozen=True, hide_input_in_errors=True)

    alerter_attempts: int = Field(default=5, ge=1, description="delivery attempts before dead-lettering")
    alerter_backoff_s: float = Field(default=0.5, gt=0, description="first retry delay; doubles, with jitter")
    alerter_backoff_max_s: float = Field(default=30.0, gt=0, description="cap of one retry delay")
    alerter_timeout_s: float = Field(default=10.0, gt=0, description="total timeout of one webhook POST")
    alerter_rules_ttl_s: float = Field(default=2.0, ge=0, description="how long the rule cache is trusted")
    alerter_claim_s: float = Field(default=120.0, gt=0, description="lease of a replica on a pending alert")
    alerter_concurrency: int = Field(default=32, gt=0, description="webhook POSTs in flight at most")
    alerter_batch_max: int = Field(default=50, gt=0, description="indexed batches matched against the rules at once")
    # the matcher runs per batch, not per article: a short window keeps an alert's latency low
    alerter_batch_within_s: float = Field(
        default=0.02, gt=0, description="a partial batch waits this long for more (latency at low load)"
    )

    # e-mail destinations (`rules add --email`): the SMTP server goes through the outbound address policy
    smtp_host: str | None = Field(default=None, description="SMTP server of e-mail alerts (unset: e-mails fail)")
    smtp_port: int = Field(default=587, gt=0, lt=65536, description="SMTP port (465 with `tls`)")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="`starttls` (required: nothing is sent if the server does not offer it), `tls` (implicit), "
        "`none` (a relay on a trusted network; refused with a password)",
    )
    smtp_username: str | None = Field(default=None, description="SMTP login (with the password)")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password (never logged)")
    smtp_from: str = Field(default="wirewatch@localhost", description="From address of e-mail alerts")
    smtp_timeout_s: float = Field(default=30.0, gt=0, description="timeout of one SMTP session")

    @model_validator(mode="after")
    def _smtp_login_needs_tls(self) -> AlerterSettings:
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("WIREWATCH_SMTP_USERNAME and WIREWATCH_SMTP_PASSWORD go together")
        if self.smtp_password is not None and self.smtp_security == "none":
            raise ValueError(
                "WIREWATCH_SMTP_PASSWORD would be sent in clear: set WIREWATCH_SMTP_SECURITY to starttls or tls"
            )
        return self

    def smtp_server(self) -> SmtpServer | None:
        """The SMTP server of e-mail alerts, or ``None`` when none is configured."""
        from wirewatch.services.alerter.mail import SmtpServer  # the settings stay importable without aiosmtplib

        if self.smtp_host is None:
            return None
        return SmtpServer(
            self.smtp_host,
            self.smtp_port,
            security=self.smtp_security,
            sender=self.smtp_from,
            username=self.smtp_username,
            password=self.smtp_password,
            timeout_s=self.smtp_timeout_s,
        )
