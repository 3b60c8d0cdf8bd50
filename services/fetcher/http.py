"""A safe, honest async HTTP client for feeds and pages (aiohttp underneath).

``SafeFetcher.fetch`` follows redirects itself (at most ``max_redirects``, loops detected), checks the
destination of every hop against the :class:`~wirewatch.services.fetcher.addresses.AddressPolicy` (IP
literals here, names in the connector's :class:`~wirewatch.services.fetcher.addresses.SafeResolver`), sends
conditional GET headers, caps the raw and the decoded body size while streaming, and bounds the whole exchange by
a total deadline (a server trickling a byte a second is cut off). It identifies itself with an honest
User-Agent carrying a contact URL and keeps no cookies.

**Proxies** are used only when given (:class:`~wirewatch.services.fetcher.proxies.Proxies`, read from the
environment when ``WIREWATCH_USE_PROXY`` is on): the target's name is resolved and checked against the policy
before the request is handed to the proxy, so the proxy never hears of a refused destination.

**Per-feed headers** (a feed's cookies or authorisation, ``fetch(headers=…)``) go only to the host that was
asked for: a redirect to another host, or from ``https`` down to ``http``, drops them.

Errors are the ``FetchError`` branch of the error tree (:mod:`wirewatch.services.fetcher.errors`); aiohttp's own
exceptions never escape.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDictProxy

from wirewatch.core.charset import charset_param, decode, sniff
from wirewatch.core.destinations import outbound_session
from wirewatch.core.outbound import normal_host
from wirewatch.services.fetcher.addresses import AddressPolicy, SafeResolver, check_url
from wirewatch.services.fetcher.bodies import CHUNK_BYTES, decoder_for, read_capped
from wirewatch.services.fetcher.errors import (
    BlockedAddress,
    ConnectionFailed,
    DNSError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    RedirectLoop,
    SoftBlock,
    TLSError,
    TooLarge,
    TooManyRedirects,
)
from wirewatch.services.fetcher.headers import max_age_s, parse_retry_after
from wirewatch.services.fetcher.proxies import Proxies
from wirewatch.services.fetcher.softblock import SCAN_BYTES, soft_block_reason
from wirewatch.services.fetcher.urls import canonicalize, host_of

DEFAULT_USER_AGENT = "WirewatchBot/0.1 (+https://github.com/wirewatch/wirewatch#bot; news feed monitor)"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_STATUSES = frozenset({301, 308})


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds allowed to connect, between two reads, and for the whole fetch including redirects."""

    connect_s: float = 10.0
    read_s: float = 20.0
    total_s: float = 60.0


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The final answer of a fetch, after redirects and decompression."""

    status: int
    url: str
    final_url: str
    headers: Mapping[str, str]
    body: bytes
    charset: str | None
    content_type: str | None
    permanent_redirect: str | None
    not_modified: bool
    elapsed_s: float
    retry_after_s: float | None

    @property
    def etag(self) -> str | None:
        """The validator to send back as ``If-None-Match`` next time."""
        return self.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        """The validator to send back as ``If-Modified-Since`` next time."""
        return self.headers.get("Last-Modified")

    @property
    def header_charset(self) -> str | None:
        """The ``charset`` the ``Content-Type`` header declared, as written (``charset`` is what was decided)."""
        return charset_param(self.headers.get("Content-Type"))

    @property
    def max_age_s(self) -> float | None:
        """``Cache-Control: max-age`` in seconds, if the server said."""
        return max_age_s(self.headers.get("Cache-Control"))

    def text(self) -> str:
        """The body decoded with the sniffed charset."""
        return decode(self.body, self.charset).text


@dataclass(slots=True)
class RedirectChain:
    """The hops of one fetch: loop and length checks, and the permanent-redirect target."""

    url: str
    max_redirects: int
    visited: set[str] = field(default_factory=set)
    permanent_target: str | None = None
    all_permanent: bool = True

    def __post_init__(self) -> None:
        self.visited.add(canonicalize(self.url))

    def follow(self, status: int, target: str) -> None:
        """Record a hop to ``target``; raise if it loops or is one too many."""
        key = canonicalize(target)
        if key in self.visited:
            raise RedirectLoop(f"redirect loop back to {target}", url=self.url, status=status)
        if len(self.visited) > self.max_redirects:
            raise TooManyRedirects(f"more than {self.max_redirects} redirects", url=self.url, status=status)
        self.visited.add(key)
        self.all_permanent = self.all_permanent and status in PERMANENT_STATUSES
        if self.all_permanent:
            self.permanent_target = target


class SafeFetcher:
    """One per worker: holds the connection pool. Use as ``async with SafeFetcher(...) as fetcher``.

    ``policy`` (default: strict, or private networks allowed by ``allow_private_networks``) decides which
    addresses may be contacted; ``hosts`` pins names to addresses like ``/etc/hosts`` and ``resolver``
    replaces the system resolver — every answer still goes through the policy. ``proxies`` (none by default)
    are used as the module docstring says.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        allow_private_networks: bool = False,
        policy: AddressPolicy | None = None,
        hosts: Mapping[str, Sequence[str]] | None = None,
        resolver: AbstractResolver | None = None,
        timeouts: Timeouts | None = None,
        max_redirects: int = 5,
        max_connections: int = 100,
        detect_soft_blocks: bool = True,
        proxies: Proxies | None = None,
    ) -> None:
        self.policy = policy or AddressPolicy(allow_private_networks=allow_private_networks)
        self.user_agent = user_agent
        self.timeouts = timeouts or Timeouts()
        self.max_redirects = max_redirects
        self.detect_soft_blocks = detect_soft_blocks
        self._hosts = hosts
        self._inner_resolver = resolver
        self._max_connections = max_connections
        self._client: aiohttp.ClientSession | None = None
        self.proxies = proxies if proxies is not None and proxies.by_scheme else None
        self._proxy_hosts = {normal_host(host) for host in proxies.hosts()} if self.proxies and proxies else set()
        self._target_resolver: SafeResolver | None = None

    async def __aenter__(self) -> SafeFetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._target_resolver is not None:
            await self._target_resolver.close()
            self._target_resolver = None

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        accept: str = FEED_ACCEPT,
        raise_for_status: bool = True,
        truncate: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """GET ``url``; a :class:`FetchResult`, or a :class:`FetchError` subclass.

        A body over ``max_bytes`` is :class:`TooLarge`, or with ``truncate`` cut to its first ``max_bytes``.
        ``headers`` (a feed's own) are sent to ``url``'s host only, never after a redirect elsewhere.

        With ``raise_for_status`` (the default) a final 4xx/5xx raises :class:`HTTPStatusError`
        (with ``retry_after_s``); a challenge page raises :class:`SoftBlock` either way.
        """
        started = time.monotonic()
        common = self._headers(accept, etag, last_modified)
        scoped = _Scoped(url, {**dict(headers or {}), **common}, common)
        try:
            async with asyncio.timeout(self.timeouts.total_s):
                result = await self._follow(url, scoped, max_bytes, started, truncate)
        except TimeoutError as exc:
            raise FetchTimeout(f"no complete answer within {self.timeouts.total_s}s", url=url) from exc
        return self._judge(result, raise_for_status)

    async def post_form(self, url: str, form: Mapping[str, str]) -> tuple[int, str]:
        """POST ``form`` (a WebSub hub request) to ``url``: the status and the start of the answer.

        The same address policy and total deadline as ``fetch``; redirects are not followed.
        """
        self._check_destination(url)
        try:
            async with asyncio.timeout(self.timeouts.total_s):
                with _client_errors(url):
                    async with self._session().post(url, data=dict(form), allow_redirects=False) as response:
                        head = await response.content.read(1024)
                        return response.status, head.decode("utf-8", "replace")
        except TimeoutError as exc:
            raise FetchTimeout(f"no answer within {self.timeouts.total_s}s", url=url) from exc

    def _headers(self, accept: str, etag: str | None, last_modified: str | None) -> dict[str, str]:
        headers = {"Accept": accept, "Accept-Encoding": "gzip, deflate, br"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    async def _follow(
        self, url: str, headers: _Scoped, max_bytes: int, started: float, truncate: bool = False
    ) -> FetchResult:
        chain, current = RedirectChain(url, self.max_redirects), url
        while True:
            self._check_destination(current)
            proxy = await self._proxy_for(current)
            with _client_errors(current):
                async with self._session().get(
                    current, headers=headers.for_hop(current), allow_redirects=False, proxy=proxy
                ) as response:
                    target = _redirect_target(response, current)
                    if target is None:
                        return await _result(response, url, current, chain, max_bytes, started, truncate)
            chain.follow(response.status, target)
            current = target

    def _check_destination(self, url: str) -> None:
        """Scheme and IP-literal check, parsed with yarl exactly as aiohttp will parse it."""
        check_url(url, self.policy)

    async def _proxy_for(self, url: str) -> str | None:
        """The proxy for ``url`` (``None``: direct), after checking the target's addresses when the connector
        cannot: it only sees the proxy's (or, for a proxy's own name, is told to let it through)."""
        if self.proxies is None:
            return None
        proxy = self.proxies.proxy_for(url)
        host = host_of(url)
        if proxy is not None or host in self._proxy_hosts:
            parts = urlsplit(url)
            with _client_errors(url):
                await self._targets().resolve(host, parts.port or 0, socket.AF_UNSPEC)
        return proxy

    def _targets(self) -> SafeResolver:
        if self._target_resolver is None:
            self._target_resolver = SafeResolver(self.policy, self._hosts, self._inner_resolver)
        return self._target_resolver

    def _connect_policy(self) -> AddressPolicy:
        """The policy, plus the proxies' names: the operator chose them (metadata stays blocked)."""
        if not self._proxy_hosts:
            return self.policy
        return replace(self.policy, allowed_hosts=self.policy.allowed_hosts | self._proxy_hosts)

    def _judge(self, result: FetchResult, raise_for_status: bool) -> FetchResult:
        reason = None
        if self.detect_soft_blocks and not result.not_modified:
            reason = soft_block_reason(result.status, result.headers, result.body)
        if reason is not None:
            raise SoftBlock(f"soft block: {reason}", url=result.final_url, status=result.status)
        if raise_for_status and result.status >= 400:
            raise HTTPStatusError(
                f"HTTP {result.status}",
                url=result.final_url,
                status=result.status,
                retry_after_s=result.retry_after_s,
            )
        return result

    def _session(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = outbound_session(
                self._connect_policy(),
                limit=self._max_connections,  # politeness.Politeness owns per-host limits
                hosts=self._hosts,
                resolver=self._inner_resolver,
                headers={"User-Agent": self.user_agent},
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self.timeouts.connect_s, sock_read=self.timeouts.read_s
                ),
                checking=SafeResolver,  # raises the fetcher's BlockedAddress
            )
        return self._client


@dataclass(frozen=True, slots=True)
class _Scoped:
    """A fetch's headers: ``own`` (with a feed's headers) for ``url``'s host, ``common`` for any other hop."""

    url: str
    own: dict[str, str]
    common: dict[str, str]

    def for_hop(self, hop: str) -> dict[str, str]:
        """The headers for ``hop``: a feed's own only on the same host, never downgraded to ``http``."""
        same_host = host_of(hop) == host_of(self.url)
        downgraded = self.url.lower().startswith("https:") and not hop.lower().startswith("https:")
        return self.own if same_host and not downgraded else self.common


def _redirect_target(response: aiohttp.ClientResponse, current: str) -> str | None:
    location = response.headers.get("Location")
    if response.status not in REDIRECT_STATUSES or not location:
        return None
    target = urlsplit(urljoin(current, location.strip()))
    return urlunsplit(target._replace(fragment=""))


async def _result(
    response: aiohttp.ClientResponse,
    url: str,
    final_url: str,
    chain: RedirectChain,
    max_bytes: int,
    started: float,
    truncate: bool = False,
) -> FetchResult:
    body = await _body(response, final_url, max_bytes, truncate)
    content_type = response.headers.get("Content-Type")
    mimetype = content_type.split(";")[0].strip().lower() if content_type else None
    return FetchResult(
        status=response.status,
        url=url,
        final_url=final_url,
        headers=CIMultiDictProxy(response.headers.copy()),
        body=body,
        charset=sniff(body, response.charset).name if body and _is_textual(mimetype) else None,
        content_type=mimetype,
        permanent_redirect=chain.permanent_target,
        not_modified=response.status == 304,
        elapsed_s=time.monotonic() - started,
        retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
    )


async def _body(response: aiohttp.ClientResponse, url: str, max_bytes: int, truncate: bool = False) -> bytes:
    if response.status == 304 or response.status < 200:
        return b""
    if response.status >= 400:  # only enough to recognise a challenge page
        max_bytes = min(max_bytes, SCAN_BYTES)
    elif not truncate and response.content_length is not None and response.content_length > max_bytes:
        raise TooLarge(f"Content-Length {response.content_length} exceeds {max_bytes}", url=url)
    decoder = decoder_for(response.headers.get("Content-Encoding"), url=url)
    try:
        return await read_capped(
            response.content.iter_chunked(CHUNK_BYTES), decoder, max_bytes=max_bytes, url=url, truncate=truncate
        )
    except TooLarge:
        if response.status >= 400:
            return b""
        raise


def _is_textual(mimetype: str | None) -> bool:
    if mimetype is None:
        return True
    return mimetype.startswith("text/") or any(word in mimetype for word in ("xml", "json", "html", "javascript"))


@contextmanager
def _client_errors(url: str) -> Iterator[None]:
    """Translate aiohttp and socket exceptions into the fetcher's error tree."""
    try:
        yield
    except FetchError as exc:
        exc.url = exc.url or url
        raise
    except aiohttp.ClientConnectorDNSError as exc:
        raise DNSError(f"cannot resolve host: {exc.os_error}", url=url) from exc
    except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError) as exc:
        raise TLSError(f"TLS failure: {exc}", url=url) from exc
    except aiohttp.ServerTimeoutError as exc:
        raise FetchTimeout(f"timed out: {exc}", url=url) from exc
    except aiohttp.InvalidURL as exc:
        raise BlockedAddress(f"invalid URL: {exc}", url=url) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise ConnectionFailed(f"{type(exc).__name__}: {exc}", url=url) from exc
