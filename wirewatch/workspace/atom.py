"""Atom 1.0 feeds of a search (``/feeds/search.atom``, the filters of ``/api/articles``) and of a rule's matches
(``/feeds/rules/{name}.atom``), newest first, with an ETag: a reader that sends ``If-None-Match`` gets a 304.

Every value comes from an article: written by ElementTree (escaped), with the characters XML 1.0 forbids
removed, and a link only to an http(s) URL (else to the article's page in the workspace)."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from wirewatch.workspace.api import Data, Search, data_of
from wirewatch.workspace.security import page_or_bearer

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
FEED_SIZE = 50
#: what XML 1.0 cannot carry (C0 controls but tab, newline and return; surrogates; U+FFFE, U+FFFF)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
FACETS = (("persons", "person"), ("organizations", "organization"), ("locations", "location"))

router = APIRouter(prefix="/feeds", dependencies=[Depends(page_or_bearer)])


def clean(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _sub(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _is_web(url: object) -> bool:
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def _entry(feed: ET.Element, item: dict[str, Any], base: str, stamp: str) -> None:
    entry = _sub(feed, "entry")
    _sub(entry, "id", f"urn:wirewatch:article:{item['id']}")
    _sub(entry, "title", item.get("title") or item.get("url") or item["id"], type="text")
    own_page = f"{base}articles/{item['id']}"
    _sub(entry, "link", rel="alternate", href=item["url"] if _is_web(item.get("url")) else own_page)
    _sub(entry, "updated", item.get(stamp) or item.get("published_at") or item.get("fetched_at") or _EPOCH)
    if item.get("published_at"):
        _sub(entry, "published", item["published_at"])
    for name in item.get("authors") or [item.get("source") or "unknown"]:
        _sub(_sub(entry, "author"), "name", name)
    for field, scheme in FACETS:
        for name in item.get(field) or []:
            _sub(entry, "category", term=name, scheme=f"urn:wirewatch:{scheme}", label=name)
    _sub(entry, "summary", item.get("snippet") or "", type="text")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC).isoformat()


def render(title: str, self_url: str, base: str, items: list[dict[str, Any]], *, stamp: str) -> bytes:
    """An Atom document listing ``items`` in the order given (``stamp``: the field each entry's updated is)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", f"urn:wirewatch:feed:{hashlib.sha256(self_url.encode()).hexdigest()[:32]}")
    _sub(feed, "title", title, type="text")
    _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=base)
    stamps = [str(i.get(stamp) or i.get("published_at") or i.get("fetched_at") or "") for i in items]
    _sub(feed, "updated", max([s for s in stamps if s], default=_EPOCH))
    _sub(feed, "generator", "Wirewatch")
    for item in items:
        _entry(feed, item, base, stamp)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


def etag_of(document: bytes) -> str:
    return '"' + hashlib.sha256(document).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    given = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in given or etag in given


def respond(request: Request, document: bytes) -> Response:
    etag = etag_of(document)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(document, media_type=MEDIA_TYPE, headers=headers)


@router.get("/search.atom", response_class=Response)
async def search_feed(request: Request, data: Data, query: Search) -> Response:
    """A search as an Atom feed: the ``/api/articles`` parameters, newest published first."""
    query.sort, query.limit, query.cursor = "date", min(query.limit, FEED_SIZE), None
    found = await data.search_articles(query)
    title = f"Wirewatch: {query.q or 'all articles'}"
    return respond(
        request, render(title, str(request.url), str(request.base_url), found["items"], stamp="published_at")
    )


@router.get("/rules/{name}.atom", response_class=Response)
async def rule_feed(request: Request, name: str) -> Response:
    """A rule's matches as an Atom feed, newest indexed first."""
    found = await data_of(request).rule_matches(name, limit=FEED_SIZE)
    title = f"Wirewatch rule: {name}"
    return respond(request, render(title, str(request.url), str(request.base_url), found["items"], stamp="indexed_at"))
