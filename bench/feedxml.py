"""RSS 2.0 and Atom documents for the load generator's feeds (newest item first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from bench.corpus import Article


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry: the article, its page URL and its publication time."""

    article: Article
    url: str
    published_at: datetime


def hub_links(hub: str | None, self_url: str | None, prefix: str = "") -> str:
    """``<link rel="hub">`` and ``<link rel="self">`` (WebSub discovery), as ``prefix:link`` elements."""
    tag = f"{prefix}:link" if prefix else "link"
    links = [(rel, href) for rel, href in (("hub", hub), ("self", self_url)) if href]
    return "".join(f'<{tag} rel="{rel}" href="{escape(href)}"/>' for rel, href in links)


def rss(
    title: str, site: str, entries: Sequence[Entry], *, hub: str | None = None, self_url: str | None = None
) -> bytes:
    """RSS 2.0; with ``hub`` it advertises the hub and ``self_url`` as Atom links in the channel."""
    items = "".join(
        f"<item><title>{escape(e.article.title)}</title><link>{escape(e.url)}</link>"
        f'<guid isPermaLink="true">{escape(e.url)}</guid>'
        f"<pubDate>{format_datetime(e.published_at)}</pubDate>"
        f"<description>{escape(e.article.paragraphs[0][:200])}</description>"
        f"<category>{escape(e.article.section)}</category></item>"
        for e in entries
    )
    namespace, links = (
        (' xmlns:atom="http://www.w3.org/2005/Atom"', hub_links(hub, self_url, "atom")) if hub else ("", "")
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"{namespace}>'
        f"<channel><title>{escape(title)}</title><link>{escape(site)}/</link>{links}"
        f"<description>Latest news</description>{items}</channel></rss>"
    ).encode()


def atom(title: str, site: str, feed_url: str, entries: Sequence[Entry], *, hub: str | None = None) -> bytes:
    """Atom (its ``rel="self"`` is ``feed_url``); with ``hub`` it advertises the hub too."""
    updated = entries[0].published_at.isoformat() if entries else "2026-01-01T00:00:00+00:00"
    items = "".join(
        f"<entry><title>{escape(e.article.title)}</title>"
        f'<link rel="alternate" href="{escape(e.url)}"/><id>{escape(e.url)}</id>'
        f"<updated>{e.published_at.isoformat()}</updated><published>{e.published_at.isoformat()}</published>"
        f"<author><name>{escape(e.article.author)}</name></author>"
        f"<summary>{escape(e.article.paragraphs[0][:200])}</summary></entry>"
        for e in entries
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>{escape(feed_url)}</id>"
        f'{hub_links(hub, feed_url)}<link rel="alternate" href="{escape(site)}/"/>'
        f"<updated>{updated}</updated>{items}</feed>"
    ).encode()
