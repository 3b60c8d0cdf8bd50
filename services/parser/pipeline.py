"""The parser's core: one fetched page in, one :class:`ParsedArticle` out (or a :class:`ParseError`).

A pipeline of plain functions, faust-free, so the worker, the CLI and the benchmark share it::

    (1) sniff       refuse PDFs, images, binaries, empty and oversized bodies      sniffing.py
    (2) decode      bytes → text: BOM, header, <meta>, UTF-8, detection            wirewatch.core.charset
    (3) tree        text → lxml tree, refusing pathological nesting                trees.py
    (4) metadata    title, authors, dates, canonical, site, image, tags …          metadata.py
    (5) body        candidates (density, JSON-LD, trafilatura) → cleaned text      bodies.py
    (6) quality     flag empty, short, listing, paywalled pages as low-confidence  quality.py, paywalls.py
    (7) hashes      content hash and SimHash for (near-)duplicate detection        fingerprints.py
"""

from __future__ import annotations

from datetime import UTC, datetime

from wirewatch.core.charset import decode
from wirewatch.schemas.articles import ParsedArticle
from wirewatch.schemas.pages import FeedItem
from wirewatch.schemas.stages import Lane
from wirewatch.services.parser.bodies import TRAFILATURA_VERSION, Body, extract_body
from wirewatch.services.parser.errors import EmptyPage, ParseError
from wirewatch.services.parser.fingerprints import content_hash, simhash
from wirewatch.services.parser.languages import choose_language
from wirewatch.services.parser.metadata import PageMetadata, read_metadata
from wirewatch.services.parser.paywalls import paywall_reason, teaser_reason
from wirewatch.services.parser.quality import quality_reason
from wirewatch.services.parser.sniffing import DEFAULT_MAX_BYTES, sniff
from wirewatch.services.parser.structured import Structured, read_structured
from wirewatch.services.parser.trees import DEFAULT_MAX_DEPTH, build_tree

EXTRACTOR = "wirewatch-parser"
EXTRACTOR_VERSION = "1.0.0"


def parse_page(
    body: bytes,
    *,
    url: str,
    page_id: str,
    fetched_at: datetime,
    content_type: str | None = None,
    charset: str | None = None,
    item: FeedItem | None = None,
    feed_id: str | None = None,
    final_url: str | None = None,
    lane: Lane = "live",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> ParsedArticle:
    """Parse one fetched page into an article; raise a :class:`ParseError` subclass for bad input."""
    try:
        return _parse(body, url=url, page_id=page_id, fetched_at=fetched_at, content_type=content_type,
                      charset=charset, item=item, feed_id=feed_id, final_url=final_url, lane=lane,
                      max_bytes=max_bytes, max_depth=max_depth)  # fmt: skip
    except ParseError as error:
        error.url = error.url or url  # the worker logs and dead-letters with the page's address
        raise


def _parse(
    body: bytes, *, url: str, page_id: str, fetched_at: datetime, content_type: str | None,
    charset: str | None, item: FeedItem | None, feed_id: str | None, final_url: str | None, lane: Lane,
    max_bytes: int, max_depth: int,
) -> ParsedArticle:  # fmt: skip
    page_url = final_url or url
    # (1) sniff: cheap refusals before any decoding or parsing
    sniff(body, content_type=content_type, max_bytes=max_bytes)
    # (2) decode
    text = decode(body, charset).text
    # (3) tree
    tree = build_tree(text, max_depth=max_depth)
    # (4) metadata
    structured = read_structured(tree)
    meta = read_metadata(tree, structured, url=page_url, now=fetched_at)
    # (5) body
    found = extract_body(tree, structured, meta.title or (item.title if item else None))
    if not found.text and not found.page_chars and meta.title is None:
        raise EmptyPage("the page has no text at all")
    # (6) quality gate
    reason = quality_reason(
        found.text, url=page_url, has_article_markup=_has_article_markup(structured, meta),
        page_chars=found.page_chars, page_link_chars=found.page_link_chars,
    )  # fmt: skip
    words = len(found.text.split())
    paywall = paywall_reason(structured, text, words)
    reason = teaser_reason(paywall, words) or reason
    # (7) fingerprints, then the article with the feed item as fallback for what the page does not say
    return _article(found, meta, reason, page_id=page_id, url=url, final_url=final_url, feed_id=feed_id,
                    item=item, fetched_at=fetched_at, lane=lane, paywalled=paywall is not None)  # fmt: skip


def _has_article_markup(structured: Structured, meta: PageMetadata) -> bool:
    dated_by_markup = meta.published is not None and meta.published.source.startswith(("json-ld", "meta:"))
    return bool(structured.article) or (meta.page_type or "").lower() == "article" or dated_by_markup


def _article(
    found: Body, meta: PageMetadata, reason: str | None, *, page_id: str, url: str, final_url: str | None,
    feed_id: str | None, item: FeedItem | None, fetched_at: datetime, lane: Lane, paywalled: bool = False,
) -> ParsedArticle:  # fmt: skip
    text = found.text
    published_at, date_source = _published(meta, item)
    dated = meta.published
    return ParsedArticle(
        id=page_id, url=url, canonical_url=meta.canonical_url, final_url=final_url, feed_id=feed_id,
        title=meta.title or (item.title if item else None), standfirst=found.standfirst, text=text,
        authors=meta.authors or (list(item.authors) if item else []), author_organization=meta.author_organization,
        published_at=published_at, modified_at=meta.modified_at, date_source=date_source,
        published_precision=dated.precision if dated else None, published_zone=dated.zone if dated else None,
        language=choose_language(meta.declared_languages, text), source=meta.source,
        description=meta.description or (item.summary if item else None), image=meta.image,
        section=meta.section, tags=meta.tags or (list(item.tags) if item else []),
        extractor=EXTRACTOR, extractor_version=extractor_version(found.method),
        content_hash=content_hash(text), simhash=simhash(text),
        low_confidence=reason is not None, quality_reason=reason, paywalled=paywalled,
        fetched_at=fetched_at, parsed_at=datetime.now(UTC), lane=lane,
    )  # fmt: skip


def _published(meta: PageMetadata, item: FeedItem | None) -> tuple[datetime | None, str | None]:
    if meta.published is not None:
        return meta.published.value, meta.published.source
    if item is not None and item.published_at is not None:
        return item.published_at, "feed"
    return None, None


def extractor_version(method: str) -> str:
    """Our version, plus trafilatura's when its candidate was the one used."""
    base = f"{EXTRACTOR_VERSION} ({method})"
    return f"{base} trafilatura/{TRAFILATURA_VERSION}" if method == "trafilatura" else base
