"""The hardening issue's hostile inputs, planted in a chaos drill beside the poison: they must be dealt with
within their bounds while the other articles flow.

* ``dash-span``: an article naming ``Ali Hassan - - - … - Omar`` (the span that backtracked exponentially
  in the extractor's span cleaner);
* ``roll-call``: an article listing thousands of distinct ``Mr. Ahmed X`` names (the merging that was
  super-quadratic);
* ``sitemap-bomb``: a feed URL answering with a gzipped sitemap of hundreds of thousands of URLs (the
  unbounded feed document).

An article may end either way its bounds allow: indexed (with whatever the caps left, and the cap named in
``ner_skipped_reason``) or dead-lettered ``extract_timeout`` when it overran the extractor's budget; never
lost, never a stalled stage. The sitemap must be read up to the sitemap cap and no further: its feed's
health says ``items_capped_at``, and not one URL past the cap is requested. The first URLs it lists are
articles the drill already published, so the cap costs no extra articles.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from bench.extractor import dashes, surnames

SITEMAP_CAP = 50_000  # the fetcher's default WIREWATCH_FETCHER_MAX_SITEMAP_URLS
SITEMAP_URLS = 400_000
NEVER = "/never/"  # the sitemap's URLs past the cap live under this path: none may ever be requested


@dataclass(frozen=True)
class HostileArticle:
    name: str
    path: str
    html: str


def _page(title: str, paragraphs: Sequence[str]) -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def hostile_articles(tag: str) -> list[HostileArticle]:
    """The two hostile articles of a drill (``tag`` keeps their URLs apart from other drills')."""
    span = dashes(400)
    dash = _page(
        "Commander named in ceasefire talks",
        [
            f"Witnesses said {span} led the convoy that crossed the river before dawn on Tuesday.",
            f"Officials in the provincial council declined to confirm whether {span} attended the talks.",
            "The ceasefire, agreed last week after months of negotiation, has largely held in the north.",
        ],
    )
    names = surnames(8_000)
    roll = _page(
        "Full list of delegates at the reconciliation conference",
        [f"Mr. Ahmed {name} spoke for his district, and {name} later left the hall." for name in names],
    )
    return [
        HostileArticle("dash-span", f"/news/{tag}/commander-named.html", dash),
        HostileArticle("roll-call", f"/news/{tag}/delegates.html", roll),
    ]


def sitemap_bomb(first: Sequence[str], never_base: str, total: int = SITEMAP_URLS) -> bytes:
    """A gzipped sitemap of ``total`` URLs: the first :data:`SITEMAP_CAP` cycle through ``first`` (articles
    already published), the rest are distinct URLs under ``never_base`` + :data:`NEVER`. Built piece by
    piece, never holding the inflated document."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    parts = [compressor.compress(b'<?xml version="1.0" encoding="UTF-8"?><urlset>')]
    batch: list[str] = []
    for number in range(total):
        url = first[number % len(first)] if number < SITEMAP_CAP else f"{never_base}{NEVER}{number}.html"
        batch.append(f"<url><loc>{url}</loc></url>")
        if len(batch) == 10_000:
            parts.append(compressor.compress("".join(batch).encode()))
            batch.clear()
    parts.append(compressor.compress("".join(batch).encode() + b"</urlset>"))
    parts.append(compressor.flush())
    return b"".join(parts)
