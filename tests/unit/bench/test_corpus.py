"""The synthetic corpus: deterministic by seed, realistic sizes, and pages with real-world furniture."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime

import lxml.html

from bench.corpus import MAX_WORDS, MIN_WORDS, Corpus, Outlet, render_page
from bench.vocab import WATCH_TERM

WHEN = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def test_same_seed_same_article_in_any_order() -> None:
    first, second = Corpus(7), Corpus(7)
    forward = [first.article(n) for n in range(20)]
    backward = [second.article(n) for n in reversed(range(20))][::-1]
    assert forward == backward


def test_other_seed_other_articles() -> None:
    assert Corpus(1).article(3).text != Corpus(2).article(3).text


def test_word_counts_are_lognormal_around_600() -> None:
    words = [Corpus(11).article(n).words for n in range(400)]
    assert 520 <= statistics.median(words) <= 690
    assert min(words) >= MIN_WORDS - 1 and max(words) <= MAX_WORDS + 40  # the last sentence may overshoot
    assert statistics.quantiles(words, n=10)[-1] > 1.6 * statistics.median(words)  # a long tail


def test_entities_appear_in_the_text() -> None:
    article = Corpus(5).article(9)
    for name in (*article.persons[:1], *article.organizations[:1], *article.places[:1]):
        assert name in article.text or name.upper() in article.text


def test_about_a_fifth_of_articles_carry_the_watch_term() -> None:
    corpus = Corpus(3)
    articles = [corpus.article(n) for n in range(500)]
    share = sum(a.watched for a in articles) / len(articles)
    assert 0.15 <= share <= 0.25
    assert all((WATCH_TERM in a.text) == a.watched for a in articles)


def test_page_has_the_furniture_around_the_article() -> None:
    article = Corpus(2).article(4)
    page = render_page(article, Outlet("The Daily Ledger", "http://127.0.0.1:9", json_ld=True), WHEN)
    tree = lxml.html.fromstring(page)
    for kind, name in (
        ("nav", "main-nav"),
        ("div", "cookie-banner"),
        ("ol", "breadcrumb"),
        ("div", "share-bar"),
        ("aside", "most-read"),
        ("section", "comments"),
        ("section", "newsletter"),
        ("footer", "site-footer"),
    ):
        assert tree.xpath(f"//{kind}[contains(@class, '{name}')]"), name
    assert tree.xpath("//figure/figcaption")
    assert tree.xpath("//article/h1")[0].text_content() == article.title
    body = [p.text_content() for p in tree.xpath("//article/p[not(@class)]")]
    assert body == list(article.paragraphs)
    meta = tree.xpath('//meta[@property="article:published_time"]')[0]
    assert meta.get("content") == WHEN.isoformat()
    data = json.loads(tree.xpath('//script[@type="application/ld+json"]')[0].text_content())
    assert data["@type"] == "NewsArticle" and data["headline"] == article.title


def test_watch_term_never_in_furniture() -> None:
    corpus = Corpus(8)
    plain = next(a for a in (corpus.article(n) for n in range(50)) if not a.watched)
    page = render_page(plain, Outlet("Metro Herald", "http://127.0.0.2:9", json_ld=False), WHEN)
    assert WATCH_TERM not in page and "ld+json" not in page
