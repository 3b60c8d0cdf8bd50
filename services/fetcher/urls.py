"""URL canonicalisation and document ids.

Two spellings of one article (``HTTP://Example.com:80/a?utm_source=x&b=2&a=1#top`` and
``http://example.com/a?a=1&b=2``) must hash to one document id, or the pipeline indexes duplicates.
The rules are deliberately conservative: nothing that could change which page a server returns is
touched (no ``www.`` stripping, no trailing-slash games, ``+`` in queries stays ``+``).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote, urlsplit, urlunsplit

UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "ref_src", "ref_url", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
        "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "__s", "ncid", "cmpid", "sr_share",
        "spm", "wt_mc", "wt.mc_id", "at_medium", "at_campaign", "cid_source",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_BAD_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PATH_SAFE = "/:@!$&'()*+,;="
_QUERY_SAFE = "/:@!$'()*+,;?"  # not & or =: they delimit pairs


def canonicalize(url: str) -> str:
    """The canonical spelling of ``url``; see the module docstring for what is (not) normalised."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = _netloc(scheme, parts.hostname or "", parts.port, parts.username, parts.password)
    path = _normalise_pct(_remove_dot_segments(parts.path or "/"), _PATH_SAFE)
    return urlunsplit((scheme, netloc, path or "/", _canonical_query(parts.query), ""))


def document_id(canonical_url: str) -> str:
    """The id of the document at ``canonical_url``: the first 32 hex digits of its SHA-256."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` (IDNA-encoded, no port, no trailing dot)."""
    return _idna(urlsplit(url.strip()).hostname or "")


def is_tracking_param(name: str) -> bool:
    """True for query parameters that only identify a campaign or click, never the content."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _idna(host: str) -> str:
    host = host.rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _netloc(scheme: str, host: str, port: int | None, user: str | None, password: str | None) -> str:
    host = _idna(host)
    if ":" in host:
        host = f"[{host}]"
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        host = f"{host}:{port}"
    if user is None:
        return host
    userinfo = user if password is None else f"{user}:{password}"
    return f"{userinfo}@{host}"


def _canonical_query(query: str) -> str:
    pairs = []
    for token in query.split("&"):
        if not token:
            continue
        name, sep, value = token.partition("=")
        if is_tracking_param(_PCT.sub(lambda m: chr(int(m[1], 16)), name)):
            continue
        pairs.append((_normalise_pct(name, _QUERY_SAFE), sep, _normalise_pct(value, _QUERY_SAFE + "=")))
    pairs.sort()
    return "&".join(f"{name}{sep}{value}" for name, sep, value in pairs)


def _normalise_pct(part: str, safe: str) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, escape what must be escaped."""
    part = _BAD_PCT.sub("%25", part)
    part = _PCT.sub(_unescape_unreserved, part)
    return quote(part, safe=safe + "%")


def _unescape_unreserved(match: re.Match[str]) -> str:
    char = chr(int(match[1], 16))
    return char if char in UNRESERVED else f"%{match[1].upper()}"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve ``.`` and ``..`` segments."""
    segments = path.split("/")
    output: list[str] = []
    for segment in segments:
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result
