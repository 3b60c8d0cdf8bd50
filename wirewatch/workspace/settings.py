"""How ``wirewatch serve`` binds and what it allows: ``WIREWATCH_SERVE_*`` besides the common settings."""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr, model_validator

from wirewatch.core.settings import CommonSettings


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1); anything else is reachable from elsewhere."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


class WorkspaceSettings(CommonSettings):
    """The workspace's bind address, access token and bounds; refuses a non-loopback bind without a token."""

    serve_host: str = Field(
        default="127.0.0.1", description="address `wirewatch serve` listens on (another than loopback needs a token)"
    )
    serve_port: int = Field(default=8000, ge=1, le=65535, description="port `wirewatch serve` listens on")
    serve_token: SecretStr | None = Field(
        default=None,
        description="the workspace's access token: bearer for /api, password of the pages' login form; required "
        "when WIREWATCH_SERVE_HOST is not loopback",
    )
    serve_writes_per_minute: int = Field(
        default=60, ge=1, description="state-changing requests (rules, feeds, replays) one client may make a minute"
    )
    serve_search_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="the longest one workspace search may run in Elasticsearch, seconds"
    )

    @model_validator(mode="after")
    def _open_bind_needs_a_token(self) -> WorkspaceSettings:
        token = self.serve_token.get_secret_value().strip() if self.serve_token is not None else ""
        if not is_loopback(self.serve_host) and not token:
            raise ValueError(
                f"WIREWATCH_SERVE_HOST={self.serve_host} is reachable from other machines: "
                "set WIREWATCH_SERVE_TOKEN (a long random value) or bind 127.0.0.1"
            )
        if token and len(token) < 16:
            raise ValueError("WIREWATCH_SERVE_TOKEN is shorter than 16 characters: use a long random value")
        return self

    def token(self) -> str | None:
        """The access token, or ``None`` when the workspace is open (loopback only)."""
        value = self.serve_token.get_secret_value().strip() if self.serve_token is not None else ""
        return value or None
