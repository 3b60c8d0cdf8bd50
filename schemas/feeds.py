"""Feed definitions: what the fetcher polls."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field, SecretStr

from wirewatch.schemas._base import AwareDatetime, Message


def feed_id_for(url: str) -> str:
    """A feed's id is a short stable hash of its URL, so adding the same URL twice is a no-op."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


class Feed(Message):
    """One monitored source: an RSS/Atom/JSON feed or a sitemap."""

    id: str
    url: str
    name: str | None = None
    kind: Literal["feed", "sitemap"] = "feed"
    interval_s: float | None = Field(default=None, gt=0, description="explicit poll interval; None = adaptive")
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True
    added_at: AwareDatetime
    request_headers: SecretStr | None = Field(
        default=None,
        description="this feed's own request headers and cookies, a JSON list of [name, value] pairs; sealed at "
        "rest, sent only to the feed's host",
    )
