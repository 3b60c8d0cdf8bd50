"""Fetcher: polls the feeds stored in ``<prefix>-feeds`` (and takes WebSub pushes), reads ``fetch.requests``
(re-fetches asked for by ``wirewatch dlq replay``), fetches each new article once and writes it to ``pages``;
what it cannot fetch goes to ``deadletters``.

The faust app is in ``app.py`` (``wirewatch worker fetcher``); the modules behind it are faust-free. Reading
order: ``urls`` → ``http`` (with ``addresses``, ``bodies``, ``softblock``) → ``feedparsing`` (with ``xmlsafe``,
``xmlstream`` and one reader per format) → ``politeness`` (with ``robots``) → ``schedule`` → ``polling`` and
``ingest``; ``errors`` is its part of the error tree. Charsets and dates are read by ``wirewatch.core.charset`` and
``.dates``; the feeds store is shared with the CLI (``wirewatch.core.stores.feeds``).

This facade is what the CLI and ops may use, importable for free (each name loads its module on first use):

- :class:`FetcherSettings`;
- :func:`canonicalize`, :func:`document_id`: a URL's canonical form and the article id derived from it;
- :func:`parse_feed`, :func:`parse_opml`, :func:`discover_feeds`: feeds, subscription lists, feed discovery;
- :func:`onboard` (the feeds behind a URL, a homepage included, through the HTTP client this installation's
  settings describe), for ``feeds add`` and the workspace; :func:`find_feeds` with :func:`fetcher_for` and
  :func:`hosts_of` to bring one's own client;
- :class:`FetchError`, the root of the fetcher's errors, and :class:`HTTPStatusError` (the server answered 4xx/5xx).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirewatch.core.facade import lazy_exports

if TYPE_CHECKING:
    from wirewatch.services.fetcher.clients import fetcher_for, hosts_of
    from wirewatch.services.fetcher.errors import FetchError, HTTPStatusError
    from wirewatch.services.fetcher.feedparsing import discover_feeds, parse_feed, parse_opml
    from wirewatch.services.fetcher.onboarding import FoundFeed, Onboarding, find_feeds, onboard
    from wirewatch.services.fetcher.settings import FetcherSettings
    from wirewatch.services.fetcher.urls import canonicalize, document_id

__all__ = [
    "FetchError",
    "FetcherSettings",
    "FoundFeed",
    "HTTPStatusError",
    "Onboarding",
    "canonicalize",
    "discover_feeds",
    "document_id",
    "fetcher_for",
    "find_feeds",
    "hosts_of",
    "onboard",
    "parse_feed",
    "parse_opml",
]

_WHERE = {
    "clients": ["fetcher_for", "hosts_of"],
    "errors": ["FetchError", "HTTPStatusError"],
    "feedparsing": ["discover_feeds", "parse_feed", "parse_opml"],
    "onboarding": ["FoundFeed", "Onboarding", "find_feeds", "onboard"],
    "settings": ["FetcherSettings"],
    "urls": ["canonicalize", "document_id"],
}
_load = lazy_exports(__name__, _WHERE)


def __getattr__(name: str) -> Any:
    return _load(name)
