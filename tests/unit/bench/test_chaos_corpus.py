"""The chaos drill's corpus tells many stories (issue 16): every story worded on its own so the indexer's
clustering (``wirewatch.core.stories``, on the text the parser extracts from each page) keeps stories apart,
and a seeded share republished by other outlets as wire copies that it puts in their original's story."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import pytest

from bench.chaos.articles import ALERT_ORG, Article, corpus
from wirewatch.core.stories import Fingerprint, Member, assign, fingerprint, similarity
from wirewatch.services.parser import parse_page


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return corpus(3, 400, 20, 0.1)


@pytest.fixture(scope="module")
def prints(articles: list[Article]) -> dict[int, Fingerprint]:
    """Each article's fingerprint, taken as the indexer takes it: from the parser's text of the page."""
    fetched = datetime(2026, 11, 18, tzinfo=UTC)
    found = {}
    for article in articles:
        url = f"http://outlet{article.feed:02d}.chaos.test{article.path}"
        text = parse_page(article.html.encode(), url=url, page_id=str(article.number), fetched_at=fetched).text
        found[article.number] = fingerprint(text)
    return found


def test_an_eighth_of_the_stories_have_wire_copies_on_other_feeds_at_other_addresses(articles: list[Article]) -> None:
    originals = {a.number: a for a in articles if a.copy_of is None}
    copies = [a for a in articles if a.copy_of is not None]
    per_story = Counter(a.copy_of for a in copies)
    assert 0.06 <= len(per_story) / len(originals) <= 0.2 and set(per_story.values()) <= {1, 2}
    assert len({a.path for a in articles}) == len({(a.feed, a.path) for a in articles}) == len(articles)
    for copy in copies:
        original = originals[copy.story]
        assert copy.feed != original.feed and copy.published_at > original.published_at
        assert (copy.person, copy.org, copy.place, copy.alert) == (
            original.person,
            original.org,
            original.place,
            original.alert,
        )
        assert all(name in copy.html for name in (copy.person, copy.org, copy.place))
        assert (ALERT_ORG in copy.html) == copy.alert
    assert any(a.alert for a in copies), "some of the rule's subset is copied"
    for story in (s for s, n in per_story.items() if n == 2):
        assert len({a.feed for a in copies if a.copy_of == story}) == 2


def test_the_indexers_clustering_finds_exactly_the_stories_written(
    articles: list[Article], prints: dict[int, Fingerprint]
) -> None:
    when = datetime(2026, 11, 18, tzinfo=UTC)
    members = [Member(str(a.number), when, prints[a.number]) for a in articles]
    assigned = assign(members, {}, {})
    found: dict[str, set[int]] = {}
    for article in articles:
        found.setdefault(assigned[str(article.number)].story_id, set()).add(article.story)
    assert all(len(stories) == 1 for stories in found.values()), "two stories merged"
    assert len(found) == len({a.story for a in articles}), "a copy left its story"


def test_unrelated_stories_stay_far_below_the_threshold_and_copies_far_above(
    articles: list[Article], prints: dict[int, Fingerprint]
) -> None:
    unrelated = [
        similarity(prints[a.number], prints[b.number])
        for a, b in itertools.combinations(articles[:150], 2)
        if a.story != b.story
    ]
    assert max(j for j, _ in unrelated) < 0.2 and max(c for _, c in unrelated) < 0.35
    assert sum(j for j, _ in unrelated) / len(unrelated) < 0.05
    copies = [similarity(prints[a.number], prints[a.story]) for a in articles if a.copy_of is not None]
    assert min(j for j, _ in copies) > 0.6 and min(c for _, c in copies) > 0.85


def test_the_corpus_is_seeded_and_as_long_as_asked() -> None:
    first = corpus(9, 120, 10, 0.1)
    assert [a.html for a in first] == [a.html for a in corpus(9, 120, 10, 0.1)]
    assert len(first) == 120 and [a.number for a in first] == list(range(120))
    assert [a.html for a in first] != [a.html for a in corpus(10, 120, 10, 0.1)]
