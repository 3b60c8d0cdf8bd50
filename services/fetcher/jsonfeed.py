"""JSON Feed 1.0 / 1.1 reader (https://www.jsonfeed.org/version/1.1/): the first ``FeedLimits.feed_items``
entries of its ``items``."""

from __future__ import annotations

from typing import Any

import orjson

from wirewatch.schemas.pages import FeedItem
from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedmodels import (
    DEFAULT_LIMITS,
    FeedLimits,
    ParsedFeed,
    absolute_url,
    capped,
    clean_text,
    first_date,
    html_to_text,
    unique,
)


def read_json_feed(body: bytes, *, url: str, limits: FeedLimits = DEFAULT_LIMITS) -> ParsedFeed:
    """Read a JSON Feed document fetched from ``url``."""
    document = _load(body, url)
    feed_authors = _authors(document)
    feed = ParsedFeed(
        kind="json",
        title=clean_text(_str(document.get("title"))),
        site_url=absolute_url(_str(document.get("home_page_url")), url),
        self_url=absolute_url(_str(document.get("feed_url")), url),
        hub_url=_hub(document.get("hubs"), url),
    )
    for entry in capped(document["items"], limits.feed_items, feed):
        if isinstance(entry, dict) and (item := _item(entry, url, feed_authors, feed)) is not None:
            feed.items.append(item)
    return feed


def _load(body: bytes, url: str) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FeedParseError(f"invalid JSON: {exc}", url=url) from exc
    if not isinstance(document, dict) or "jsonfeed.org" not in str(document.get("version", "")):
        raise FeedParseError("JSON document is not a JSON Feed (no jsonfeed.org version)", url=url)
    if not isinstance(document.get("items"), list):
        raise FeedParseError("JSON Feed without an items list", url=url)
    return document


def _str(value: object) -> str | None:
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _item(entry: dict[str, Any], url: str, feed_authors: list[str], feed: ParsedFeed) -> FeedItem | None:
    link = absolute_url(_str(entry.get("url")), url) or absolute_url(_str(entry.get("external_url")), url)
    guid = clean_text(_str(entry.get("id")))
    if link is None and guid is not None:
        link = absolute_url(guid, None)
    if link is None:
        return None
    summary = _str(entry.get("summary")) or _str(entry.get("content_text")) or _str(entry.get("content_html"))
    tags: list[Any] = entry["tags"] if isinstance(entry.get("tags"), list) else []
    return FeedItem(
        guid=guid,
        link=link,
        title=clean_text(_str(entry.get("title"))),
        summary=html_to_text(summary),
        published_at=first_date([_str(entry.get("date_published")), _str(entry.get("date_modified"))], feed, link),
        authors=_authors(entry) or feed_authors,
        tags=unique([clean_text(_str(tag)) or "" for tag in tags]),
    )


def _authors(document: dict[str, Any]) -> list[str]:
    """1.1 ``authors`` list, or 1.0 ``author`` object."""
    authors = document.get("authors")
    if not isinstance(authors, list):
        authors = [document.get("author")]
    return unique([clean_text(_str(a.get("name"))) or "" for a in authors if isinstance(a, dict)])


def _hub(hubs: object, url: str) -> str | None:
    if not isinstance(hubs, list):
        return None
    for hub in hubs:
        if isinstance(hub, dict) and str(hub.get("type", "")).lower() == "websub":
            return absolute_url(_str(hub.get("url")), url)
    return None
