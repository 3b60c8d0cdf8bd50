"""Credentials out of logs, ledgers, dead letters and command output: the one place URLs are redacted.

- :func:`redact_url`: a URL whose path and query are the credential (a Slack, Teams or Discord webhook):
  ``https://hooks.slack.com/services/T0/B0/XYZ`` → ``https://hooks.slack.com/…/redacted``.
- :func:`redact_password`: a service URL whose password is the only secret (``WIREWATCH_ES_URL``):
  ``https://elastic:pw@es:9200`` → ``https://elastic:***@es:9200``; Kafka bootstrap lists likewise.
- :func:`destination`: a webhook (or an e-mail address) as stored in the alert ledger and named in
  dead-letter reasons: the redacted URL plus a fingerprint (the first 12 hex digits of its SHA-256),
  enough to tell two webhooks of one host apart and to find the rule, not to post to it.
- :func:`scrub`: any URL inside free text (an exception's message) redacted as by :func:`redact_url`.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

MASK = "***"
HIDDEN_PATH = "/…/redacted"
_URL = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'"<>()\[\]{}]+""")


def _netloc(url: str, *, keep_user: bool) -> tuple[str, str] | None:
    """The scheme and the host[:port] with userinfo masked (``None``: not an absolute URL)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{port}" if port is not None else host
    if parts.username is not None or parts.password is not None:
        user = parts.username if keep_user and parts.username else ""
        netloc = f"{user}:{MASK}@{netloc}" if user else f"{MASK}@{netloc}"
    return parts.scheme.lower(), netloc


def redact_url(url: str) -> str:
    """``scheme://host[:port]`` with userinfo masked and, when there is one, the path and query hidden."""
    head = _netloc(url, keep_user=False)
    if head is None:
        return "<redacted url>"
    parts = urlsplit(url.strip())
    hidden = HIDDEN_PATH if parts.path.strip("/") or parts.query or parts.fragment else ""
    return f"{head[0]}://{head[1]}{hidden}"


def redact_password(url: str) -> str:
    """The URL with only its password masked (the user, host, port and path stay); each of a comma list."""
    if "," in url:
        return ",".join(redact_password(one) for one in url.split(","))
    head = _netloc(url, keep_user=True)
    if head is None:
        return "<redacted url>"
    parts = urlsplit(url.strip())
    if parts.password is None and parts.username is None:
        return url
    return f"{head[0]}://{head[1]}{parts.path}"


def redact_servers(bootstrap: str) -> str:
    """A ``host:port,…`` list with anything before an ``@`` masked (a password pasted into the setting)."""
    return ",".join(
        f"{MASK}@{server.rpartition('@')[2]}" if "@" in server else server for server in bootstrap.split(",")
    )


def fingerprint(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def destination(url: str) -> str:
    """How a webhook is named where people and indices see it: redacted URL and fingerprint; an e-mail
    address (``jane@example.org``) as ``j…@example.org`` and its fingerprint."""
    if "://" not in url and url.count("@") == 1:
        local, _, domain = url.partition("@")
        return f"{local[:1]}…@{domain} #{fingerprint(url)}"
    return f"{redact_url(url)} #{fingerprint(url)}"


def scrub(text: str, *secrets: str) -> str:
    """``text`` with every URL in it redacted, and each of ``secrets`` (or its path) replaced too."""
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, destination(secret))
        path = _path_and_query(secret).lstrip("/")
        if path:
            text = text.replace(path, HIDDEN_PATH.lstrip("/"))
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


def _path_and_query(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")
