"""Hostile metadata stays modelled: absurd dates, huge or broken JSON-LD, floods of dated or credited furniture.

Each page parses into an article (or the parser's own modelled error), never an uncaught exception, within
a generous ceiling that a regression (a whole 100,000-item list read) blows through.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from tests.unit.parser.conftest import Parse

BODY = "<p>" + "The council met on Tuesday to discuss the budget for the coming year. " * 6 + "</p>"
CEILING_S = 20.0


def _letters(number: int) -> str:
    """A name-shaped word per number (names carry no digits): 0 → "A", 12 → "Bc"."""
    return "".join(chr(ord("a") + int(d)) for d in str(number)).capitalize()


def _page(head: str, body: str = BODY) -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def _ld(data: object | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    return f'<script type="application/ld+json">{text}</script>'


def test_absurd_dates_in_every_source_are_passed_over(parse: Parse) -> None:
    head = _ld(
        {"@type": "NewsArticle", "datePublished": "2024-03-14T09:30:00+9900", "dateModified": "99999999999-01-01"}
    )
    head += '<meta property="article:published_time" content="9999-12-31T23:59:59-14:00">'
    head += '<meta name="date" content="2024-02-30">'
    body = '<time datetime="+275760-09-13">x</time><p>Posted 31 December 9999 at 25:61 pm</p>' + BODY
    article = parse(_page(head, body), url="https://x.example/2024/13/45/story")
    assert article.published_at is None and article.modified_at is None
    assert article.published_precision is None and article.published_zone is None


def test_json_ld_nested_past_the_recursion_limit_is_ignored(parse: Parse) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    article = parse(_page(_ld(deep) + '<meta name="author" content="Ann Lee">'))
    assert article.authors == ["Ann Lee"]


def test_broken_json_ld_leaves_the_meta_tags_in_charge(parse: Parse) -> None:
    broken = '{"@type": "NewsArticle", "headline": "Cut off", "author": [null, 5, {"name": ["x"]}, {"@id": 7}],'
    head = _ld(broken) + '<meta name="author" content="Ann Lee">'
    head += '<meta property="article:published_time" content="2024-01-02T10:00:00Z">'
    article = parse(_page(head))
    assert article.authors == ["Ann Lee"] and article.published_at == datetime(2024, 1, 2, 10, tzinfo=UTC)


def test_json_ld_of_the_wrong_shapes_is_read_around(parse: Parse) -> None:
    odd = {
        "@type": "NewsArticle",
        "headline": {"a": 1},
        "author": [None, 5, {"name": ["x"]}, {"@id": 7}, {"@type": ["Person", 7], "name": "Ann Lee"}],
        "datePublished": ["2024-01-01"],
        "publisher": 3,
    }
    article = parse(_page(_ld(odd), "<h1>A headline of several words</h1>" + BODY))
    assert article.authors == ["Ann Lee"] and article.title == "A headline of several words"


def test_huge_json_ld_is_read_within_its_caps(parse: Parse) -> None:
    authors = [{"@type": "Person", "name": f"Person {_letters(i)}"} for i in range(100_000)]
    huge = {"@type": "NewsArticle", "headline": "Word " * 200_000, "author": authors}
    started = time.perf_counter()
    article = parse(_page(_ld(huge)))
    assert time.perf_counter() - started < CEILING_S
    assert len(article.authors) == 10 and article.title is not None and len(article.title) <= 300


def test_a_graph_of_a_hundred_thousand_author_references_is_read_within_its_caps(parse: Parse) -> None:
    nodes = [{"@type": "Person", "@id": f"#p{i}", "name": f"Person {_letters(i)}"} for i in range(100_000)]
    article_node = {"@type": "NewsArticle", "headline": "x", "author": [{"@id": f"#p{i}"} for i in range(100_000)]}
    started = time.perf_counter()
    article = parse(_page(_ld({"@graph": [article_node, *nodes]})))
    assert time.perf_counter() - started < CEILING_S
    assert article.authors[:2] == ["Person A", "Person B"] and len(article.authors) == 10


def test_a_flood_of_dated_and_credited_furniture_is_not_walked_whole(parse: Parse) -> None:
    related = '<aside class="related">' + '<time datetime="2024-01-01T00:00:00Z">x</time>' * 100_000 + "</aside>"
    comments = '<div class="comments">' + '<span class="author-name">Troll</span>' * 100_000 + "</div>"
    started = time.perf_counter()
    article = parse(_page("", related + BODY + comments))
    assert time.perf_counter() - started < CEILING_S
    assert article.published_at is None and article.authors == []
