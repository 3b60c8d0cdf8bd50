"""E-mail alerts over SMTP (aiosmtplib): one message per alert or digest and address, with retries.

The SMTP host goes through the outbound address policy like every other destination: it is resolved and
every address checked (:func:`~wirewatch.core.destinations.resolve_checked`), and the connection is opened
here, to one of exactly those addresses, then handed to the SMTP client (TLS still verifies the host's
name). ``security`` is ``starttls`` (the default: the server must offer STARTTLS, or nothing is sent),
``tls`` (implicit TLS, port 465) or ``none`` (a relay on a trusted network only).

Each attempt is classified like a webhook POST: a 5xx reply (a refused recipient, failed authentication,
no STARTTLS offered) is given up at once, a 4xx reply, a timeout or a dropped connection is retried. What
is recorded is the class and the SMTP code, never the server's text or the credentials: the password is a
``SecretStr`` read only when logging in.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

import aiosmtplib
from aiohttp.abc import AbstractResolver
from pydantic import SecretStr

from wirewatch.core.destinations import resolve_checked
from wirewatch.core.errors import BlockedDestination
from wirewatch.core.outbound import NOT_ALLOWED, AddressPolicy
from wirewatch.services.alerter.channels import Mail
from wirewatch.services.alerter.delivery import DeliveryPolicy, DeliveryResult, Envelope, Limiter, Outcome, Retrying

log = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "none"]
NOT_CONFIGURED = "no SMTP server configured (WIREWATCH_SMTP_HOST)"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int = 587
    security: Security = "starttls"
    sender: str = "wirewatch@localhost"
    username: str | None = None
    password: SecretStr | None = None
    timeout_s: float = 30.0


def message(mail: Mail, *, delivery_id: str, sender: str, to: str) -> EmailMessage:
    """The e-mail: plain text and HTML alternatives, its Message-ID made from the delivery id (a retry or a
    second replica sends the same id, so a mail system can drop the copy)."""
    domain = sender.rpartition("@")[2] or "wirewatch.invalid"
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = f"<{delivery_id}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


class MailSender(Retrying):
    """Sends e-mails through one SMTP server (``None``: e-mail destinations fail as not configured)."""

    def __init__(
        self,
        server: SmtpServer | None,
        policy: DeliveryPolicy,
        limiter: Limiter | None = None,
        *,
        addresses: AddressPolicy | None = None,
        resolver: AbstractResolver | None = None,
    ) -> None:
        super().__init__(policy, limiter, addresses)
        self.server = server
        self._resolver = resolver

    async def deliver(self, address: str, envelope: Envelope) -> DeliveryResult:
        if self.server is None:
            return DeliveryResult(False, 0, NOT_CONFIGURED)
        if envelope.mail is None:
            return DeliveryResult(False, 0, "no e-mail body for this delivery")
        msg = message(envelope.mail, delivery_id=envelope.delivery_id, sender=self.server.sender, to=address)
        server = self.server
        return await self.retrying(f"smtp://{server.host}:{server.port}", lambda: self.attempt(server, msg))

    async def attempt(self, server: SmtpServer, msg: EmailMessage) -> Outcome:
        """One SMTP session, never raising for network or protocol trouble."""
        try:
            async with asyncio.timeout(server.timeout_s):
                sock = await self._connect(server)
                await self._send(server, sock, msg)
            return Outcome()
        except BlockedDestination as exc:
            log.warning("SMTP server refused by the outbound policy: %s", exc.reason)
            return Outcome(NOT_ALLOWED, retriable=False)
        except aiosmtplib.SMTPAuthenticationError as exc:
            return Outcome(f"SMTP authentication failed ({exc.code})", retriable=False)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = sorted({error.code for error in exc.recipients})
            refused = ", ".join(map(str, codes))
            return Outcome(f"SMTP recipient refused ({refused})", retriable=all(code < 500 for code in codes))
        except aiosmtplib.SMTPResponseException as exc:
            return Outcome(f"SMTP {exc.code}", retriable=exc.code < 500)
        except aiosmtplib.SMTPNotSupported:
            return Outcome("SMTP server does not offer STARTTLS", retriable=False)
        except (TimeoutError, aiosmtplib.SMTPTimeoutError):
            return Outcome("timeout", retriable=True)
        except (aiosmtplib.SMTPException, OSError):
            return Outcome("connection failed", retriable=True)

    async def _connect(self, server: SmtpServer) -> socket.socket:
        """A connected socket to one of the addresses the policy allowed (tried in order)."""
        loop = asyncio.get_running_loop()
        error: OSError = OSError("no address")
        for result in await resolve_checked(server.host, server.port, self.addresses, resolver=self._resolver):
            sock = socket.socket(result["family"], socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, (result["host"], result["port"]))
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error

    async def _send(self, server: SmtpServer, sock: socket.socket, msg: EmailMessage) -> None:
        client = aiosmtplib.SMTP(
            hostname=server.host,  # what TLS verifies; the socket is already connected to a checked address
            sock=sock,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            timeout=server.timeout_s,
        )
        try:
            async with client:
                if server.username is not None and server.password is not None:
                    await client.login(server.username, server.password.get_secret_value())
                await client.send_message(msg)
        finally:
            sock.close()
