"""A synthetic, deterministic news corpus: articles and the HTML pages around them.

Article ``n`` of seed ``s`` is drawn from its own ``random.Random(f"{s}:{n}")``, so any article can be
regenerated on its own, in any order, by any process. Distributions:

* body length: lognormal word count, median ``MEDIAN_WORDS`` (600), sigma 0.55, clamped to 120–3,000;
* entity density: gamma-distributed share of sentences naming people, organisations or places
  (mean about one sentence in three), from the small lists and generators in :mod:`bench.vocab`;
* ``watch_share`` of the articles (20% by default) mention :data:`bench.vocab.WATCH_TERM` in their
  body, which the benchmark's alert rule looks for.

:func:`render_page` wraps an article in the furniture real outlets serve around it: navigation, a
cookie banner, a breadcrumb, a byline, a share bar, a captioned photo, "Read more" links, a "Most read"
box, a newsletter box, comments and a footer, and (on half the outlets) JSON-LD metadata.
"""

from __future__ import annotations

import html
import json
import math
import random
from dataclasses import dataclass
from datetime import datetime

from bench import vocab

MEDIAN_WORDS = 600
SIGMA_WORDS = 0.55
MIN_WORDS, MAX_WORDS = 120, 3000


@dataclass(frozen=True, slots=True)
class Article:
    """One generated article: its text and the entities it was written with."""

    number: int
    slug: str
    section: str
    title: str
    author: str
    paragraphs: tuple[str, ...]
    persons: tuple[str, ...]
    organizations: tuple[str, ...]
    places: tuple[str, ...]
    watched: bool

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


def word_count(rng: random.Random) -> int:
    """Lognormal around ``MEDIAN_WORDS``: most articles 300–1,200 words, a long tail of features."""
    value = rng.lognormvariate(math.log(MEDIAN_WORDS), SIGMA_WORDS)
    return int(min(MAX_WORDS, max(MIN_WORDS, value)))


class Corpus:
    """Articles by number, for one seed. Cheap to construct; articles are built on demand."""

    def __init__(self, seed: int, *, watch_share: float = 0.2) -> None:
        self.seed = seed
        self.watch_share = watch_share

    def rng(self, number: int) -> random.Random:
        return random.Random(f"{self.seed}:{number}")

    def article(self, number: int) -> Article:
        rng = self.rng(number)
        target = word_count(rng)
        density = min(0.9, rng.gammavariate(2.0, 0.17))  # share of sentences that carry entities
        persons = tuple(dict.fromkeys(vocab.person(rng) for _ in range(rng.randint(1, 5))))
        orgs = tuple(dict.fromkeys(vocab.organisation(rng) for _ in range(rng.randint(1, 4))))
        places = tuple(dict.fromkeys(vocab.place(rng) for _ in range(rng.randint(1, 3))))
        watched = rng.random() < self.watch_share
        paragraphs = _paragraphs(rng, target, density, persons, orgs, places, watched)
        title = vocab.headline(rng, persons[0], orgs[0], places[0])
        section = rng.choice(vocab.SECTIONS)
        return Article(
            number=number,
            slug=f"{_slugify(title)}-{number}",
            section=section,
            title=title,
            author=vocab.person(rng),
            paragraphs=paragraphs,
            persons=persons,
            organizations=orgs,
            places=places,
            watched=watched,
        )


def _paragraphs(
    rng: random.Random,
    target: int,
    density: float,
    persons: tuple[str, ...],
    orgs: tuple[str, ...],
    places: tuple[str, ...],
    watched: bool,
) -> tuple[str, ...]:
    """Paragraphs of 2–5 sentences until the word count is reached; the lead names the main place."""
    lead = f"{places[0].upper()} \u2014 " + vocab.entity_sentence(rng, persons[0], orgs[0], places[0])
    sentences = [lead]
    words = len(lead.split())
    while words < target:
        if rng.random() < density:
            sentence = vocab.entity_sentence(rng, rng.choice(persons), rng.choice(orgs), rng.choice(places))
        else:
            sentence = vocab.filler_sentence(rng)
        sentences.append(sentence)
        words += len(sentence.split())
    if watched:
        at = rng.randrange(1, len(sentences) + 1)
        sentences.insert(at, f"The {vocab.WATCH_TERM} plant near {rng.choice(places)} was also discussed.")
    paragraphs: list[str] = []
    while sentences:
        size = rng.randint(2, 5)
        paragraphs.append(" ".join(sentences[:size]))
        del sentences[:size]
    return tuple(paragraphs)


def _slugify(title: str) -> str:
    kept = "".join(c.lower() if c.isalnum() else "-" for c in title)
    return "-".join(part for part in kept.split("-") if part)[:60]


# Pages ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outlet:
    """The site an article is published on (one per feed host)."""

    name: str
    base: str
    json_ld: bool


def outlet_name(index: int) -> str:
    first = ("The Daily", "Evening", "Morning", "The Northern", "Coastal", "Metro", "The Weekly", "Global")
    second = ("Ledger", "Courier", "Dispatch", "Herald", "Observer", "Chronicle", "Sentinel", "Gazette")
    return f"{first[index % len(first)]} {second[(index // len(first)) % len(second)]}"


def article_path(article: Article) -> str:
    return f"/news/{article.section}/{article.slug}.html"


def render_page(article: Article, outlet: Outlet, published_at: datetime, *, seed: int = 0) -> str:
    """The full HTML page of ``article`` as ``outlet`` serves it."""
    rng = random.Random(f"page:{seed}:{article.number}")
    e = html.escape
    iso = published_at.isoformat()
    url = outlet.base + article_path(article)
    body = _body_with_furniture(rng, article)
    head = [
        f"<title>{e(article.title)} | {e(outlet.name)}</title>",
        f'<meta property="og:site_name" content="{e(outlet.name)}">',
        f'<meta property="og:title" content="{e(article.title)}">',
        f'<meta name="description" content="{e(article.paragraphs[0][:150])}">',
        f'<meta property="article:published_time" content="{iso}">',
        f'<meta name="author" content="{e(article.author)}">',
        f'<link rel="canonical" href="{e(url)}">',
    ]
    if outlet.json_ld:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": iso,
            "author": {"@type": "Person", "name": article.author},
            "publisher": {"@type": "Organization", "name": outlet.name},
            "mainEntityOfPage": url,
        }
        head.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        + "\n".join(head)
        + "\n</head><body>\n"
        + _header(outlet, article)
        + body
        + _aside(rng)
        + _comments(rng)
        + _footer(outlet)
        + "</body></html>\n"
    )


def _header(outlet: Outlet, article: Article) -> str:
    links = "".join(f'<li><a href="/{s}">{s.title()}</a></li>' for s in vocab.SECTIONS)
    return (
        f'<header class="site-header"><a class="logo" href="/">{html.escape(outlet.name)}</a>'
        f'<nav class="main-nav"><ul>{links}<li><a href="/subscribe">Subscribe</a></li></ul></nav>'
        "</header>\n"
        '<div class="cookie-banner" role="dialog"><p>We use cookies to personalise content and ads, '
        "and to analyse our traffic. You can change your choices at any time.</p>"
        "<button>Accept all</button><button>Manage preferences</button></div>\n"
        f'<ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/{article.section}">'
        f"{article.section.title()}</a></li></ol>\n"
    )


def _body_with_furniture(rng: random.Random, article: Article) -> str:
    e = html.escape
    parts = [
        f"<article><h1>{e(article.title)}</h1>",
        f'<p class="byline">By <a rel="author" href="/authors">{e(article.author)}</a></p>',
        '<div class="share-bar"><a>Share on Facebook</a> <a>Share on X</a> <a>Email</a> <a>Copy link</a></div>',
        f'<figure><img src="/img/{article.number}.jpg" alt=""><figcaption>{e(article.persons[0])} in '
        f"{e(article.places[0])} last month. Photograph: Staff photographer</figcaption></figure>",
    ]
    for index, paragraph in enumerate(article.paragraphs):
        parts.append(f"<p>{e(paragraph)}</p>")
        if index == 2 and len(article.paragraphs) > 5:
            parts.append(
                f'<p class="related"><strong>Read more:</strong> <a href="/news/{article.section}/">'
                f"{e(vocab.filler_sentence(rng))}</a></p>"
            )
    parts.append(
        '<div class="share-bar"><a>Share</a> <a>Save for later</a></div>'
        '<div class="tags">Topics: <a>Politics</a> <a>Economy</a></div></article>\n'
    )
    return "\n".join(parts)


def _aside(rng: random.Random) -> str:
    items = "".join(
        f'<li><a href="/most-read/{i}">{html.escape(vocab.filler_sentence(rng))}</a></li>' for i in range(5)
    )
    return (
        f'<aside class="most-read"><h2>Most read</h2><ol>{items}</ol></aside>\n'
        '<section class="newsletter"><h3>Sign up to our morning briefing</h3><p>Get the day\'s '
        'top stories in your inbox.</p><form><input type="email"><button>Sign up</button></form>'
        "</section>\n"
    )


def _comments(rng: random.Random) -> str:
    count = rng.randint(0, 5)
    rows = "".join(
        f'<li class="comment"><b>reader{rng.randint(1, 9999)}</b><p>{html.escape(vocab.filler_sentence(rng))}</p></li>'
        for _ in range(count)
    )
    return (
        f'<section class="comments"><h3>{count} comments</h3><ul>{rows}</ul>'
        "<p>You must be logged in to post a comment.</p></section>\n"
    )


def _footer(outlet: Outlet) -> str:
    links = " | ".join(
        f'<a href="/{p}">{p.title()}</a>' for p in ("about", "contact", "privacy", "terms", "advertise", "careers")
    )
    return (
        f'<footer class="site-footer"><p>{links}</p><p>\u00a9 2026 {html.escape(outlet.name)}. '
        "All rights reserved.</p></footer>\n"
    )
