"""Raw pages: what the fetcher hands to the parser."""

from __future__ import annotations

import base64
import gzip
import zlib

from pydantic import Field

from wirewatch.schemas._base import AwareDatetime, Message
from wirewatch.schemas.stages import Lane
from wirewatch.schemas.timelines import Timeline


class FeedItem(Message):
    """The feed's own metadata for an item: a fallback for what the page itself does not say."""

    guid: str | None = None
    link: str
    title: str | None = None
    summary: str | None = None
    published_at: AwareDatetime | None = None
    authors: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class FetchedPage(Message):
    """An article page as fetched: the body is gzip-compressed and base64-encoded."""

    id: str = Field(description="document id: hash of the canonical URL")
    url: str = Field(description="canonical URL of the item link")
    final_url: str = Field(description="URL after redirects")
    feed_id: str | None = None
    feed_url: str | None = None
    item: FeedItem
    status: int
    content_type: str | None = None
    charset: str | None = None
    body_gz_b64: str
    fetched_at: AwareDatetime
    lane: Lane = "live"
    timeline: Timeline = Field(default_factory=Timeline, description="when the item appeared and was fetched")

    @staticmethod
    def pack_body(body: bytes) -> str:
        return base64.b64encode(gzip.compress(body, compresslevel=6)).decode("ascii")

    def body(self, max_bytes: int = 32 * 1024 * 1024) -> bytes:
        """Decompress the body, refusing to inflate past ``max_bytes`` (a hostile message is not a bomb)."""
        inflater = zlib.decompressobj(wbits=31)
        data = inflater.decompress(base64.b64decode(self.body_gz_b64), max_bytes + 1)
        if len(data) > max_bytes:
            raise ValueError(f"page body inflates past {max_bytes} bytes")
        return data


class FetchRequest(Message):
    """Ask the fetcher to fetch one item's page now (a dead-letter replay, a pushed WebSub entry, a backfill)."""

    feed_id: str | None = None
    feed_url: str | None = None
    item: FeedItem
    requested_at: AwareDatetime
    force: bool = Field(default=False, description="fetch even when the URL is already known")
