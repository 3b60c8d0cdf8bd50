"""The pages render attacker-controlled values as text: every template is rendered with hostile titles,
authors, URLs, entity names and texts (``<script>``, ``javascript:`` URLs, ``"onmouseover=`` breaking out of
an attribute), and the HTML is parsed to check that no script element, no event-handler attribute and no link
to anything but http(s) or a page of our own came out of it."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from wirewatch.workspace.rendering import bars, daily, highlight, mark_entities, render, safe_url
from wirewatch.workspace.searchform import SearchForm, rule_spec, watch_params

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"onmouseover=alert(1) x="'
SINGLE = "' onfocus='alert(1)"
JS_URL = "javascript:alert(1)"
HOSTILE = [SCRIPT, BREAKOUT, SINGLE, JS_URL, "</textarea><img src=x onerror=alert(1)>"]


class Collected(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> Collected:
    parsed = Collected()
    parsed.feed(html)
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "img", "iframe", "object", "embed"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction"):
                value = value or ""
                assert value.startswith(("/", "?", "http://", "https://")), (tag, name, value)
                assert not value.startswith("//"), (tag, name, value)
    return parsed


def hostile_article(n: int, value: str) -> dict[str, Any]:
    return {
        "id": f"doc{n}",
        "url": value if n % 2 else JS_URL,
        "title": value,
        "authors": [value],
        "source": value,
        "language": value,
        "published_at": value,
        "persons": [value],
        "organizations": [value],
        "locations": [value],
        "snippet": value,
        "highlights": [[{"text": value, "match": False}, {"text": value, "match": True}]],
        "title_highlight": [{"text": value, "match": True}],
        "copies": [{"id": value, "url": value, "source": value, "title": value}],
    }


def base_context(**context: Any) -> dict[str, Any]:
    return (
        {"page": "search", "title": SCRIPT, "flash": None, "error": None, "csrf_token": BREAKOUT}
        | {
            "signed_in": True,
            "auth_required": True,
        }
        | context
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_search_page_shows_hostile_values_as_text(value: str) -> None:
    form = SearchForm(q=value, filters={"person": [value], "source": [value]})
    result = {
        "total": 2,
        "items": [hostile_article(1, value), hostile_article(2, value)],
        "facets": {"persons": [{"name": value, "count": 3}], "sources": [{"name": value, "count": 1}]},
        "histogram": [{"start": value, "count": 2}, {"start": "2026-11-18", "count": 5}],
        "next_cursor": value,
    }
    html = render("search.html", **base_context(error={"error": "bad_query", "detail": value}), **form.context(result))
    assert_inert(html)
    assert "&lt;script&gt;" in html or value != SCRIPT


@pytest.mark.parametrize("value", HOSTILE)
def test_article_page_shows_hostile_values_as_text(value: str) -> None:
    entities = [{"name": value, "type": "PERSON", "key": value, "count": 1, "mentions": [{"start": 5, "end": 12}]}]
    article = hostile_article(1, value) | {"text": f"Text {value} and more {value}", "description": value}
    article |= {"alerts": [{"rule_name": value, "status": value}], "entities": entities}
    context = {
        "article": article,
        "entities_by_type": {"PERSON": entities},
        "marked_text": mark_entities(article["text"], entities),
    }
    assert_inert(render("article.html", **base_context(), **context))


@pytest.mark.parametrize("value", HOSTILE)
def test_entity_page_shows_hostile_values_as_text(value: str) -> None:
    entry = {
        "key": value,
        "name": value,
        "type": "ORG",
        "aliases": [value],
        "reasons": {value: 2},
        "articles": 2,
        "mentions": 3,
        "first_seen": value,
        "last_seen": value,
        "co_occurring": [{"key": value, "name": value, "type": value, "articles": 1}],
        "latest": [{"id": value, "title": value, "source": value, "seen_at": value}],
    }
    context = {
        "entity": entry,
        "type_label": value,
        "per_day": [{"start": value, "count": 1}],
        "search_params": watch_params(entry, for_rule=False),
        "watch_params": watch_params(entry, for_rule=True),
    }
    assert_inert(render("entity.html", **base_context(), **context))


@pytest.mark.parametrize("value", HOSTILE)
def test_list_pages_show_hostile_values_as_text(value: str) -> None:
    rule = {"name": value, "kind": "match", "query": value, "filters": {"persons": [value]}, "enabled": True}
    rule |= {"webhooks": [value], "teams": [], "emails": [value], "digest": value}
    tested = {"name": value, "total": 1, "items": [hostile_article(1, value)]}
    assert_inert(render("rules.html", **base_context(), rules=[rule], tested=tested))
    form = SearchForm(q=value, filters={"org": [value]})
    preview = {"total": 1, "items": [hostile_article(1, value)]}
    assert_inert(render("rule_new.html", **base_context(), **form.context(None), name=value, preview=preview))
    feed = {"id": value, "url": value, "name": value, "enabled": False, "last_error": value}
    feed |= {"consecutive_failures": 2, "last_status": 500, "last_success_at": value, "warnings_count": 1}
    assert_inert(render("feeds.html", **base_context(), feeds=[feed], found=[{"url": value, "title": value}]))
    alert = {"matched_at": value, "rule_name": value, "kind": value, "article_id": value, "title": value}
    assert_inert(render("alerts.html", **base_context(), alerts=[alert | {"source": value, "status": value}]))
    letter = {"failed_at": value, "stage": value, "error_class": value, "reason": value, "item_id": value}
    assert_inert(render("deadletters.html", **base_context(), letters=[letter], counts={value: 1}))
    status = {"stages": [{"stage": value, "topic": value, "produced": 1, "processed": 1, "lag": 0}]}
    assert_inert(render("status.html", **base_context(), status=status | {"dead_letters": {value: 1}}))
    assert_inert(render("login.html", **base_context(), next=value))
    found = [{"key": value, "name": value, "type": value, "articles": 1, "last_seen": value}]
    assert_inert(render("entities.html", **base_context(), found=found, q=value, type=value))


def test_only_http_urls_become_links() -> None:
    for bad in [
        JS_URL,
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\nscript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "/relative",
        "http:/no-host",
        "https://exa mple.org/",
        None,
        42,
    ]:
        assert safe_url(bad) is None, bad
    assert safe_url("https://news.example/a?b=1") == "https://news.example/a?b=1"
    assert safe_url("HTTP://news.example/") == "HTTP://news.example/"


def test_outlink_of_a_javascript_url_is_text() -> None:
    result = {"total": 1, "items": [hostile_article(1, JS_URL)]}  # its copy's URL is javascript:
    html = render("search.html", **base_context(), **SearchForm().context(result))
    parsed = assert_inert(html)
    hrefs = [attrs.get("href") for tag, attrs in parsed.tags if tag == "a"]
    assert JS_URL not in hrefs
    assert "javascript:alert(1)" in html  # shown, as text


def test_highlight_escapes_its_text_and_marks_only_matches() -> None:
    marked = highlight([{"text": "a <b>", "match": False}, {"text": SCRIPT, "match": True}])
    assert str(marked) == "a &lt;b&gt;<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>"
    assert str(highlight(SCRIPT)) == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_entity_marks_escape_the_text_and_the_key() -> None:
    text = f"{SCRIPT} met Abu Fadak in Baghdad.\n\nSecond {BREAKOUT}"
    start = text.index("Abu Fadak")
    entities = [
        {"name": "Abu Fadak", "type": "PERSON", "key": BREAKOUT, "mentions": [{"start": start, "end": start + 9}]},
        {
            "name": "Baghdad",
            "type": "LOC",
            "key": "baghdad",
            "mentions": [{"start": 0, "end": 3}, {"start": 9999, "end": 10005}],
        },
    ]
    html = str(mark_entities(text, entities))
    parsed = assert_inert(html)
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert links == ["/entities/baghdad", "/entities/%22onmouseover%3Dalert%281%29%20x%3D%22"]
    assert html.count("<p>") == 2
    assert '<a class="ent ent-loc" href="/entities/baghdad">&lt;sc</a>ript&gt;' in html  # a mark inside a tag's text
    assert ">Abu Fadak</a>" in html


def test_overlapping_or_out_of_range_mentions_are_dropped() -> None:
    entities = [
        {"name": "New York", "type": "LOC", "key": "ny", "mentions": [{"start": 0, "end": 8}]},
        {"name": "York", "type": "LOC", "key": "york", "mentions": [{"start": 4, "end": 8}, {"start": 5, "end": 99}]},
    ]
    assert str(mark_entities("New York", entities)).count("<a ") == 1


def test_a_rule_from_a_search_keeps_its_filters_and_splits_destinations() -> None:
    form = SearchForm(q="", filters={"person": ['Abu "Fadak"'], "lang": ["en"]})
    spec = rule_spec(form, "watch", "ops@example.org, https://hooks.example/x")
    assert spec.query == '"Abu \\"Fadak\\""'
    assert spec.filters.persons == ['Abu "Fadak"'] and spec.filters.languages == ["en"]
    assert spec.emails == ["ops@example.org"] and spec.webhooks == ["https://hooks.example/x"]


def test_timelines_show_quiet_days_and_never_a_wall() -> None:
    series = daily([{"start": "2026-11-18", "count": 3}, {"start": "2026-11-20T00:00:00Z", "count": 1}])
    assert len(series) == 14 and series[-1] == {"start": "2026-11-20", "count": 1}
    assert series[-3] == {"start": "2026-11-18", "count": 3} and series[-2]["count"] == 0
    (one,) = bars([{"start": "2026-11-18", "count": 2}])
    assert one.width <= 10 and one.height == 40


def test_a_timeline_bar_narrows_the_search_to_its_bucket() -> None:
    form = SearchForm(q="truce", filters={"org": ["UN"]})
    days = [{"start": "2026-11-18T00:00:00.000Z", "count": 2}, {"start": "2026-11-19T00:00:00.000Z", "count": 1}]
    first, last = form.windows(days)
    assert first == form.params(since="2026-11-18T00:00:00+00:00", until="2026-11-18T23:59:59.999000+00:00")
    assert last["since"] == "2026-11-19T00:00:00+00:00" and last["until"] == "2026-11-19T23:59:59.999000+00:00"
    html = render("search.html", **base_context(), **form.context({"total": 3, "items": [], "histogram": days}))
    hrefs = [
        attrs["href"] for tag, attrs in assert_inert(html).tags if tag == "a" and "since=" in (attrs["href"] or "")
    ]
    assert len(hrefs) == 2 and "org=UN" in hrefs[0] and "q=truce" in hrefs[0]


def test_a_search_window_reads_iso_dates_and_names_a_wrong_one() -> None:
    from starlette.datastructures import QueryParams

    form = SearchForm.from_params(QueryParams("q=x&since=2026-11-18&until=2026-11-19T12:00:00%2B02:00"))
    assert form.since is not None and form.since.isoformat() == "2026-11-18T00:00:00+00:00"
    assert form.query().until is not None and form.query().until.isoformat() == "2026-11-19T12:00:00+02:00"
    assert [chip["label"] for chip in form.active()] == ["published"]
    wrong = SearchForm.from_params(QueryParams("since=yesterday"))
    assert wrong.since is None and wrong.problems == ["since='yesterday' is not an ISO date or datetime"]
