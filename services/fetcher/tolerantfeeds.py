"""Malformed RSS, RDF and Atom read by feedparser's loose parser: the tolerant path of ``parse_feed``.

Only a document the strict parse refused comes here, as the UTF-8 text :mod:`~wirewatch.services.fetcher.xmlsafe`
made of it (its declaration dropped, forbidden characters removed) through the entity-declaration scan: an
entity bomb or XXE is refused before feedparser sees a byte. feedparser keeps entity references (``AT&amp;T``
stays AT&T, query strings in links intact), HTML named entities and bare ``&``, and goes on after an unclosed
tag; lxml's recover mode, which this replaces for feeds, lost all three. Sitemaps and OPML are not feedparser's:
:func:`read_tolerantly` gives ``None`` for them and lxml recovers them as before.

Caps, since feedparser reads a whole document at about 1 MB/s:

* the text is cut after the start of the item past the item cap (``FeedLimits.feed_items``): nothing after
  it would be kept, so it is never parsed;
* at most :data:`MAX_TOLERANT_BYTES` of text are read (a warning says so);
* the parse runs in a daemon thread given :data:`TOLERANT_TIMEOUT_S`; past it the feed fails with a
  :class:`FeedParseError` (feedparser cannot be interrupted: the thread ends on its own, its input bounded by
  the caps above; the worst text measured, 5 MiB of ``<``, takes about 10 s on a loaded machine).

Fields come out as the strict readers give them: links resolved against the feed URL and kept only when
http(s), titles cleaned, summaries reduced to text, dates read by :mod:`wirewatch.core.dates`.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from wirewatch.schemas.pages import FeedItem
from wirewatch.services.fetcher.errors import FeedParseError
from wirewatch.services.fetcher.feedmodels import (
    MAX_TITLE_CHARS,
    FeedKind,
    FeedLimits,
    ParsedFeed,
    absolute_url,
    capped,
    clean_text,
    first_date,
    html_to_text,
    unique,
)
from wirewatch.services.fetcher.rss import author_name, update_period_s

MAX_TOLERANT_BYTES = 5 * 1024 * 1024  # the fetcher's default body cap; feedparser reads 0.5–1.5 MB/s
TOLERANT_TIMEOUT_S = 10.0
FEED_ROOTS: dict[str, tuple[FeedKind, bytes]] = {  # root element → the kind of feed, and its item element
    "rss": ("rss", b"item"),
    "RDF": ("rdf", b"item"),
    "feed": ("atom", b"entry"),
}
HEADERS = {"content-type": "application/xml; charset=utf-8"}
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

XML_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

_XML_REFERENCE = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)
_FIRST_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
SNIFF_BYTES = 64 * 1024


def read_tolerantly(pieces: Iterator[bytes], strict_error: str, *, url: str, limits: FeedLimits) -> ParsedFeed | None:
    """The malformed feed in ``pieces`` (UTF-8), or ``None`` when it is not RSS, RDF or Atom."""
    head = next(pieces, b"")
    while len(head) < SNIFF_BYTES and (piece := next(pieces, None)) is not None:
        head += piece
    found = _FIRST_ELEMENT.search(_COMMENT.sub(b"", head[:SNIFF_BYTES]))
    if found is None or found[1].decode("ascii") not in FEED_ROOTS:
        return None
    kind, item_tag = FEED_ROOTS[found[1].decode("ascii")]
    feed = ParsedFeed(kind=kind)
    feed.warn(f"malformed XML ({strict_error}): read tolerantly")
    text = _capped_text([head], pieces, item_tag, limits.feed_items, feed)
    result = _parse_in_time(text, url)
    channel = result.get("feed", {})
    _read_feed(feed, channel, url)
    for entry in capped(result.get("entries", []), limits.feed_items, feed):
        if (item := _item(entry, feed, url)) is not None:
            feed.items.append(item)
    if kind == "atom" and (feed_authors := _authors(channel, kind)):  # as the strict reader: for entries without
        feed.items = [
            item if item.authors else item.model_copy(update={"authors": feed_authors}) for item in feed.items
        ]
    return feed


def _capped_text(head: list[bytes], rest: Iterable[bytes], item_tag: bytes, items: int, feed: ParsedFeed) -> bytes:
    """The text up to :data:`MAX_TOLERANT_BYTES`, cut where the item past the cap starts."""
    kept, size, more = list(head), sum(len(piece) for piece in head), False
    for piece in rest:
        if size > MAX_TOLERANT_BYTES:
            more = True
            break
        kept.append(piece)
        size += len(piece)
    text = b"".join(kept)
    starts = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?" + item_tag + rb"[\s/>]")
    for count, start in enumerate(starts.finditer(text, 0, MAX_TOLERANT_BYTES)):
        if count == items + 1:  # one past the cap, so that capped() sees there are more
            return text[: start.start()]
    if more or len(text) > MAX_TOLERANT_BYTES:
        feed.warn(f"malformed XML longer than {MAX_TOLERANT_BYTES} bytes: the rest was not read")
    return text[:MAX_TOLERANT_BYTES]


def _parse_in_time(text: bytes, url: str) -> dict[str, Any]:
    """feedparser's reading of ``text``, in a thread given :data:`TOLERANT_TIMEOUT_S`."""
    outcome: list[Any] = []

    def parse() -> None:
        import feedparser  # here: 65 ms of imports that only a malformed feed needs

        try:  # a stream, never bytes: feedparser.parse opens bytes that name a file
            stream = io.BytesIO(DECLARATION + text)
            outcome.append(feedparser.parse(stream, response_headers=HEADERS, sanitize_html=False))
        except Exception as exc:  # noqa: BLE001 — a third-party parser on hostile input: any failure is this feed's
            outcome.append(exc)

    worker = threading.Thread(target=parse, name="tolerant-feed", daemon=True)
    worker.start()
    worker.join(TOLERANT_TIMEOUT_S)
    if worker.is_alive() or not outcome:
        raise FeedParseError(f"malformed XML, and reading it tolerantly took over {TOLERANT_TIMEOUT_S:.0f} s", url=url)
    if isinstance(outcome[0], Exception):
        raise FeedParseError(f"malformed XML, unreadable even tolerantly: {outcome[0]!r}", url=url) from outcome[0]
    result: dict[str, Any] = outcome[0]
    return result


def _read_feed(feed: ParsedFeed, channel: dict[str, Any], url: str) -> None:
    feed.title = _title(channel, feed.kind)
    feed.site_url = absolute_url(channel.get("link"), url)
    for link in channel.get("links", []):
        rel, href = str(link.get("rel") or "").lower(), absolute_url(link.get("href"), url)
        if rel == "hub" and feed.hub_url is None:
            feed.hub_url = href
        elif rel == "self" and feed.self_url is None:
            feed.self_url = href
    if ttl := _minutes(channel.get("ttl")):
        feed.ttl_s = ttl
    if "sy_updateperiod" in channel or "sy_updatefrequency" in channel:
        feed.update_period_s = update_period_s(channel.get("sy_updateperiod"), channel.get("sy_updatefrequency"))


def _item(entry: dict[str, Any], feed: ParsedFeed, url: str) -> FeedItem | None:
    guid = clean_text(_unescaped(entry.get("id")))
    link = absolute_url(_unescaped(entry.get("link")) if entry.get("guidislink") else entry.get("link"), url)
    if link is None and feed.kind == "atom" and guid is not None:
        link = absolute_url(guid, None)
    if link is None:
        return None
    content = entry.get("content") or [{}]
    return FeedItem(
        guid=guid,
        link=link,
        title=_title(entry, feed.kind),
        summary=html_to_text(entry.get("summary") or content[0].get("value")),
        published_at=first_date([entry.get(name) for name in ("published", "updated", "created")], feed, link),
        authors=_authors(entry, feed.kind),
        tags=unique([clean_text(tag.get("label") or tag.get("term")) or "" for tag in entry.get("tags", [])]),
    )


def _unescaped(text: str | None) -> str | None:
    """XML's own references undone once: the loose parser leaves ``&amp;`` in a ``<guid>`` (and so in the link a
    permalink guid stands in for). Not ``html.unescape``, which would read ``&copy=2`` in a query as ``©=2``."""
    return _XML_REFERENCE.sub(_reference, text) if text and "&" in text else text


def _reference(match: re.Match[str]) -> str:
    name = match[1]
    if name.startswith("#"):
        number = int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])
        return chr(number) if 0 < number < 0x110000 and not 0xD800 <= number <= 0xDFFF else match[0]
    return XML_ENTITIES[name]


def _title(element: dict[str, Any], kind: FeedKind) -> str | None:
    """Atom says whether a title is HTML; RSS titles are taken as text, as the strict reader takes them."""
    title = element.get("title")
    if kind == "atom" and "html" in str(element.get("title_detail", {}).get("type", "")):
        return html_to_text(title, MAX_TITLE_CHARS)
    return clean_text(title)


def _authors(element: dict[str, Any], kind: FeedKind) -> list[str]:
    names = [str(author.get("name") or "") for author in element.get("authors", []) if isinstance(author, dict)]
    if kind != "atom":
        names = [author_name(name) for name in names]
    return unique([clean_text(name) or "" for name in names])


def _minutes(text: object) -> float | None:
    try:
        value = float(str(text)) * 60 if text else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None
