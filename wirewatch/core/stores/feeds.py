"""Feeds and their health, stored in the ``<prefix>-feeds`` index (one document per feed) so the CLI,
every fetcher replica and Kibana see the same state.

Two writers share a feed document and never overwrite each other's fields: the poll loop saves the
health (:meth:`FeedStore.save_health`), the WebSub callback the ``websub_*`` subscription fields
(:meth:`FeedStore.save_websub`).

The WebSub secret is sealed (:mod:`wirewatch.core.secretbox`) before it is written and opened when read;
one that no longer opens (a wrong or rotated-away key) is logged as ``secret_undecryptable`` and dropped,
so the fetcher subscribes again with a new secret instead of refusing every push or every poll.

A feed's own request headers and cookies (``Feed.request_headers``, set by ``feeds add --header/--cookie`` or
``feeds set``) are sealed the same way; in memory they are a ``SecretStr`` (never in a ``repr`` or a dump), read
with :func:`header_pairs`. ``feeds list --json`` shows their names only. One that no longer opens is logged as
``secret_undecryptable`` and dropped: the feed is fetched without them (and its errors show it)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from elasticsearch import AsyncElasticsearch, NotFoundError
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from wirewatch.core.secretbox import SecretBox, SecretError, default_box
from wirewatch.schemas import Feed, feed_id_for

log = logging.getLogger(__name__)


class FeedHealth(BaseModel):
    """What the fetcher learnt about a feed; never silently dropped, only backed off."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error_class: str | None = None
    last_error: str | None = None
    last_status: int | None = None
    consecutive_failures: float = 0.0
    items_total: int = 0
    items_per_day: float | None = None
    #: the last document held more items than the fetcher reads from one document; only this many were read
    items_capped_at: int | None = None
    #: what the last parsed document lost or had repaired (unreadable dates, undecodable items): how many
    #: warnings, and the first few of them (:data:`MAX_HEALTH_WARNINGS`, each cut short)
    warnings_count: int = 0
    warnings: list[str] = Field(default_factory=list)
    next_poll_at: datetime | None = None
    effective_interval_s: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    hub_url: str | None = None
    self_url: str | None = None
    websub_hub: str | None = None
    websub_topic: str | None = None
    websub_secret: str | None = Field(default=None, repr=False)
    websub_lease_until: datetime | None = None


MAX_HEALTH_WARNINGS = 5
MAX_HEALTH_WARNING_CHARS = 300
WEBSUB_FIELDS = frozenset({"websub_hub", "websub_topic", "websub_secret", "websub_lease_until"})
SECRET_FIELDS = frozenset({"websub_secret", "request_headers"})
#: a header name is an RFC 9110 token
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: headers the fetcher sets itself or that would change how the request is framed or routed
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "accept-encoding",
        "if-none-match",
        "if-modified-since",
    }
)
MAX_HEADERS = 20
MAX_HEADER_CHARS = 8192


def header_pairs(feed: Feed) -> list[tuple[str, str]]:
    """The feed's own ``(name, value)`` request headers, opened (``[]`` when it has none)."""
    return pairs_of(feed.request_headers)


def pairs_of(headers: SecretStr | None) -> list[tuple[str, str]]:
    """``request_headers`` (opened) as ``(name, value)`` pairs."""
    if headers is None:
        return []
    return [(str(name), str(value)) for name, value in json.loads(headers.get_secret_value())]


def request_headers(headers: Sequence[str] = (), cookies: Sequence[str] = ()) -> SecretStr | None:
    """``Name: value`` lines and ``name=value`` cookies as a feed's ``request_headers``; ``ValueError`` names
    what is wrong (never the value). Cookies become one ``Cookie`` header."""
    pairs = [_header(line) for line in headers]
    for cookie in cookies:
        name, sep, _value = cookie.partition("=")
        if not sep or not _TOKEN.fullmatch(name.strip()) or any(c in cookie for c in ";\r\n\x00"):
            raise ValueError(f"a cookie is name=value without ';' or line breaks (cookie {name.strip()[:40]!r})")
    if cookies:
        pairs.append(("Cookie", "; ".join(cookie.strip() for cookie in cookies)))
    if len(pairs) > MAX_HEADERS or sum(len(n) + len(v) for n, v in pairs) > MAX_HEADER_CHARS:
        raise ValueError(f"at most {MAX_HEADERS} headers of {MAX_HEADER_CHARS} characters in all")
    return SecretStr(json.dumps(pairs)) if pairs else None


def _header(line: str) -> tuple[str, str]:
    name, sep, value = line.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not _TOKEN.fullmatch(name):
        raise ValueError(f"a header is 'Name: value' with a token as its name (got {name[:40]!r})")
    if name.lower() in RESERVED_HEADERS:
        raise ValueError(f"the fetcher sets {name} itself")
    if any(c in value for c in "\r\n\x00"):
        raise ValueError(f"the value of {name} has a line break or NUL")
    return name, value


PAGE_SIZE = 1000


class FeedRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    feed: Feed
    health: FeedHealth = Field(default_factory=FeedHealth)

    def to_doc(self) -> dict[str, Any]:
        return self.feed.model_dump(mode="json") | self.health.model_dump(mode="json")

    def to_public(self) -> dict[str, Any]:
        """The document without secrets (what ``wirewatch feeds list --json`` prints): header names only."""
        public = {k: v for k, v in self.to_doc().items() if k not in SECRET_FIELDS}
        return public | {"request_headers": self.header_names()}

    def header_names(self) -> list[str]:
        """The names of the feed's own request headers (a cookie shows as ``Cookie``); never their values."""
        try:
            return [name for name, _value in header_pairs(self.feed)]
        except (ValueError, TypeError):
            return ["(sealed)"]  # not opened (no key given to the reader)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> FeedRecord:
        feed = Feed.model_validate({k: v for k, v in doc.items() if k in Feed.model_fields})
        return cls(feed=feed, health=FeedHealth.model_validate(doc))


def new_feed(
    url: str,
    *,
    name: str | None = None,
    interval_s: float | None = None,
    tags: Sequence[str] = (),
    kind: Literal["feed", "sitemap"] = "feed",
    headers: SecretStr | None = None,
) -> Feed:
    """A feed to add (``headers``: from :func:`request_headers`)."""
    return Feed(
        id=feed_id_for(url),
        url=url,
        name=name,
        interval_s=interval_s,
        tags=list(tags),
        kind=kind,
        added_at=datetime.now(UTC),
        request_headers=headers,
    )


class FeedStore:
    def __init__(self, es: AsyncElasticsearch, index: str, *, box: SecretBox | None = None) -> None:
        self.es = es
        self.index = index
        self._box = box

    @property
    def box(self) -> SecretBox:
        """The secret box given, else the process's own (read from the settings when first needed)."""
        if self._box is None:
            self._box = default_box()
        return self._box

    async def add(self, feed: Feed) -> bool:
        """Add a feed; returns False (and changes nothing) when the URL is already monitored."""
        record = FeedRecord(feed=feed)
        document = record.to_doc() | {"request_headers": self._sealed(feed.request_headers)}
        response = await self.es.options(ignore_status=409).index(
            index=self.index, id=feed.id, document=document, op_type="create", refresh="wait_for"
        )
        return bool(response.meta.status < 300)

    async def remove(self, feed_id: str) -> bool:
        try:
            await self.es.delete(index=self.index, id=feed_id, refresh="wait_for")
            return True
        except NotFoundError:
            return False

    async def all(self) -> list[FeedRecord]:
        """Every feed, oldest first, read in pages (``search_after``) so no count is too large."""
        records: list[FeedRecord] = []
        after: list[Any] | None = None
        while True:
            page = await self.es.search(
                index=self.index,
                size=PAGE_SIZE,
                query={"match_all": {}},
                sort=[{"added_at": "asc"}, {"id": "asc"}],
                search_after=after,
            )
            hits = page.body["hits"]["hits"]
            records += [self._opened(FeedRecord.from_doc(hit["_source"])) for hit in hits]
            if len(hits) < PAGE_SIZE:
                return records
            after = hits[-1]["sort"]

    async def get(self, feed_id: str) -> FeedRecord | None:
        """One feed (its secrets opened), or ``None`` if there is no such feed."""
        response = await self.es.options(ignore_status=404).get(index=self.index, id=feed_id)
        if response.meta.status >= 300 or not response.body.get("found"):
            return None
        return self._opened(FeedRecord.from_doc(response.body["_source"]))

    async def save_health(self, feed_id: str, health: FeedHealth) -> bool:
        """Save what a poll learnt (not the subscription fields); False if the feed was removed meanwhile."""
        doc = health.model_dump(mode="json", exclude=set(WEBSUB_FIELDS))
        response = await self.es.options(ignore_status=404).update(index=self.index, id=feed_id, doc=doc)
        return bool(response.meta.status < 300)

    async def save_websub(
        self, feed_id: str, *, hub: str | None, topic: str | None, secret: str | None, lease_until: datetime | None
    ) -> bool:
        """Save a WebSub subscription (all ``None``: none); False if the feed was removed meanwhile."""
        doc = {
            "websub_hub": hub,
            "websub_topic": topic,
            "websub_secret": self.box.seal(secret) if secret is not None else None,
            "websub_lease_until": lease_until.isoformat() if lease_until else None,
        }
        response = await self.es.options(ignore_status=404).update(index=self.index, id=feed_id, doc=doc)
        return bool(response.meta.status < 300)

    async def set_headers(self, feed_id: str, headers: SecretStr | None) -> bool:
        """Replace a feed's own request headers (``None``: none); False if there is no such feed."""
        doc = {"request_headers": self._sealed(headers)}
        response = await self.es.options(ignore_status=404).update(
            index=self.index, id=feed_id, doc=doc, refresh="wait_for"
        )
        return bool(response.meta.status < 300)

    def _sealed(self, headers: SecretStr | None) -> str | None:
        return self.box.seal(headers.get_secret_value()) if headers is not None else None

    def _opened(self, record: FeedRecord) -> FeedRecord:
        self._open_headers(record.feed)
        stored = record.health.websub_secret
        if stored is None or not SecretBox.is_sealed(stored):
            return record  # none, or written in clear before issue 13 (sealed on its next save)
        try:
            record.health.websub_secret = self.box.open(stored, field=f"the WebSub secret of feed {record.feed.id}")
        except SecretError as exc:
            log.error("%s; the feed is subscribed again with a new secret (%s)", exc, exc.error_class)
            record.health.websub_secret = None
        return record

    def _open_headers(self, feed: Feed) -> None:
        stored = feed.request_headers.get_secret_value() if feed.request_headers is not None else None
        if stored is None or not SecretBox.is_sealed(stored):
            return
        try:
            feed.request_headers = SecretStr(self.box.open(stored, field=f"the request headers of feed {feed.id}"))
        except SecretError as exc:
            log.error("%s; the feed is fetched without them (%s)", exc, exc.error_class)
            feed.request_headers = None

    async def move(self, feed_id: str, new_url: str, *, keep_headers: bool = True) -> None:
        """A permanent redirect: the feed keeps its id (and history) but polls the new URL; without
        ``keep_headers`` (it moved to another host) its own request headers are dropped."""
        doc: dict[str, Any] = {"url": new_url} | ({} if keep_headers else {"request_headers": None})
        await self.es.options(ignore_status=404).update(index=self.index, id=feed_id, doc=doc, refresh="wait_for")
