"""The analyst's flow in a real browser with JavaScript off: search, click a facet, open an article, open an
entity from its marked text, make a rule of a search and find it in the rules list; every other page opens;
hostile titles, names and URLs show as text. With a token, the pages want the login form and a form post
without its CSRF token is refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from selenium.webdriver.common.by import By

from bench.broker import produce
from bench.messages import enriched
from tests.browser.conftest import HOSTILE_NAME, HOSTILE_TITLE, Screenshots, Served, click_through
from wirewatch.core.deadletters import dead_letter
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def texts(driver: Any, css: str) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]


def no_markup_injected(driver: Any) -> None:
    """Nothing an article wrote became an element or an attribute (the page's own markup has neither)."""
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.CSS_SELECTOR, "[onmouseover], [onerror], [onfocus], main b") == []
    hrefs = [a.get_dom_attribute("href") or "" for a in driver.find_elements(By.TAG_NAME, "a")]  # as written
    assert not [h for h in hrefs if not h.startswith(("/", "http://", "https://")) or h.startswith("//")], hrefs


def test_search_facet_article_entity_and_rule(workspace: Served, browser: Any, shoot: Screenshots) -> None:
    d = browser
    d.get(workspace.url + "/")
    shoot("search")
    assert d.find_element(By.ID, "total").text == "6 articles"
    results = d.find_elements(By.CSS_SELECTOR, "#results .result")
    assert len(results) == 5  # two of them are copies of one story, shown once
    copies = d.find_elements(By.CSS_SELECTOR, "details.copies summary")
    assert [c.text for c in copies] == ["1 more copy of this story"]
    assert len(d.find_elements(By.CSS_SELECTOR, ".timeline rect")) >= 2
    assert HOSTILE_TITLE in texts(d, "#results h2")  # shown as written, as text
    no_markup_injected(d)

    # a bar of the timeline narrows the search to its bucket (the newest day: its count is in the bar's title)
    bars = d.find_elements(By.CSS_SELECTOR, ".timeline svg a")
    newest = int(bars[-1].find_element(By.TAG_NAME, "title").get_attribute("textContent").rsplit(":", 1)[1])
    click_through(d, bars[-1])
    assert {"since", "until"} <= set(parse_qs(urlsplit(d.current_url).query))
    shoot("timeline-bar")
    assert d.find_element(By.ID, "total").text == f"{newest} article{'' if newest == 1 else 's'}"
    assert texts(d, "#active-filters .chip")[0].startswith("published:")
    d.get(workspace.url + "/")

    # a facet narrows the search and shows as a removable chip
    click_through(d, d.find_element(By.CSS_SELECTOR, '#facets ul[data-facet="org"] a[href*="Kataib"]'))
    assert parse_qs(urlsplit(d.current_url).query)["org"] == ["Kataib Hezbollah"]
    shoot("facet")
    assert d.find_element(By.ID, "total").text == "3 articles"  # the story's two copies and the French one
    assert len(d.find_elements(By.CSS_SELECTOR, "#results .result")) == 2
    assert texts(d, "#active-filters .chip") == ["organisation: Kataib Hezbollah×"]

    # a query with highlights, then the article
    d.get(workspace.url + "/?q=withdrawal")
    assert d.find_elements(By.CSS_SELECTOR, "#results mark"), "no highlight"
    click_through(d, d.find_element(By.PARTIAL_LINK_TEXT, "Coalition agrees"))
    shoot("article")
    assert d.find_element(By.ID, "article-title").text == "Coalition agrees withdrawal timetable"
    marked = d.find_elements(By.CSS_SELECTOR, "#article-text a.ent")
    assert {m.text for m in marked} == {"Mohammed Shia al-Sudani", "Kataib Hezbollah", "Baghdad"}

    # the entity page of a marked name
    click_through(d, next(m for m in marked if m.text == "Kataib Hezbollah"))
    shoot("entity")
    assert d.find_element(By.ID, "entity-name").text.startswith("Kataib Hezbollah")
    assert "Baghdad" in texts(d, "#co-occurring a")
    assert "Coalition agrees withdrawal timetable" in texts(d, "#latest a")

    # entities found by the start of a name, typed
    d.get(workspace.url + "/entities?q=kat&type=org")
    shoot("entities")
    assert texts(d, "#entities td a") == ["Kataib Hezbollah"]

    # make a rule of a search: its preview lists the last 24 hours' matches; created, it is in the list
    d.get(workspace.url + "/?q=withdrawal&place=Baghdad")
    click_through(d, d.find_element(By.ID, "make-rule"))
    assert d.find_element(By.ID, "q").get_attribute("value") == "withdrawal"
    assert d.find_element(By.ID, "f-place").get_attribute("value") == "Baghdad"
    preview = sorted(texts(d, "#preview li a"))  # all indexed in the last 24 hours
    assert preview == ["Coalition agrees withdrawal timetable"] * 2 + ["Sudani meets envoys on withdrawal"]
    d.find_element(By.ID, "name").clear()
    d.find_element(By.ID, "name").send_keys("withdrawal in Baghdad")
    d.find_element(By.ID, "send_to").send_keys("desk@example.org")
    shoot("rule-form")
    click_through(d, d.find_element(By.CSS_SELECTOR, '#rule-form button[type="submit"]:not([formaction])'))
    assert urlsplit(d.current_url).path == "/rules"
    shoot("rules")
    assert d.find_element(By.CSS_SELECTOR, ".flash.ok").text == "Rule created."
    assert "withdrawal in Baghdad" in texts(d, "#rules td strong")
    assert "desk@example.org" not in d.page_source  # destinations are counted, not shown

    # testing it lists what it matches in the index
    click_through(d, d.find_element(By.CSS_SELECTOR, '#rules tr[data-rule="withdrawal in Baghdad"] button.quiet'))
    assert sorted(texts(d, "#test-result li a")) == preview
    shoot("rule-test")


def test_hostile_article_and_entity_pages(workspace: Served, browser: Any, shoot: Screenshots) -> None:
    d = browser
    d.get(workspace.url + "/articles/doc00006")
    shoot("hostile-article")
    assert d.find_element(By.ID, "article-title").text == HOSTILE_TITLE
    assert "javascript:alert(3)" in d.find_element(By.TAG_NAME, "main").text  # its URL as text, not a link
    no_markup_injected(d)
    click_through(d, d.find_element(By.CSS_SELECTOR, "#article-text a.ent-person"))
    shoot("hostile-entity")
    assert d.find_element(By.ID, "entity-name").text.startswith(HOSTILE_NAME)
    no_markup_injected(d)
    d.get(workspace.url + "/?q=" + "*foo")
    shoot("bad-query")
    assert "bad_query" in d.find_element(By.CSS_SELECTOR, ".flash.error").text


async def test_every_page_opens_and_changes_go_through_forms(
    workspace: Served, indexed: CommonSettings, browser: Any, shoot: Screenshots
) -> None:
    d = browser
    for path in ("/rules", "/rules/new", "/feeds", "/alerts", "/deadletters", "/status"):
        d.get(workspace.url + path)
        shoot(path.strip("/").replace("/", "-"))
        here = d.find_element(By.CSS_SELECTOR, "nav a.here").get_attribute("href")
        assert urlsplit(here).path == path.removesuffix("/new"), path
        assert d.find_elements(By.CSS_SELECTOR, ".flash.error") == [], path
        assert d.find_elements(By.TAG_NAME, "h1"), path

    # a feed added (its site unreachable: added as given, and said so), then removed
    d.get(workspace.url + "/feeds")
    d.find_element(By.ID, "url").send_keys("https://feeds.invalid/rss")
    click_through(d, d.find_element(By.CSS_SELECTOR, "#feed-form button"))
    shoot("feed-added")
    assert d.find_element(By.CSS_SELECTOR, ".flash.ok").text.startswith(
        "Feed added: https://feeds.invalid/rss — could not check"
    )
    assert texts(d, "#feeds td a") == ["https://feeds.invalid/rss"]
    click_through(d, d.find_element(By.CSS_SELECTOR, "#feeds button.danger"))
    assert d.find_element(By.CSS_SELECTOR, ".flash.ok").text == "Feed removed."
    assert texts(d, "#feeds td") == ["No feeds yet."]

    # a dead letter listed (its reason as text) and replayed through its stage
    letter = dead_letter(
        "indexer",
        ValueError("<script>alert(4)</script> refused"),
        enriched(99).to_bytes(),
        topic=indexed.topic_name(STAGES["indexer"].input),
        partition=0,
        offset=7,
        key="doc00099",
    )
    await produce(indexed, STAGES["indexer"].deadletters, [letter.to_bytes()], key="indexer")
    d.get(workspace.url + "/deadletters")
    assert "<script>alert(4)</script> refused" in d.find_element(By.ID, "deadletters").text
    no_markup_injected(d)
    click_through(d, d.find_element(By.CSS_SELECTOR, "main form button"))
    shoot("replayed")
    assert d.find_element(By.CSS_SELECTOR, ".flash.ok").text.startswith("1 sent back through their stage")


def test_with_a_token_pages_want_login_and_posts_a_csrf_token(
    initialised: CommonSettings, browser: Any, shoot: Screenshots
) -> None:
    token = "a-long-random-test-token-0123456789"
    with Served(initialised, serve_token=token) as served:
        d = browser
        d.get(served.url + "/rules")
        assert urlsplit(d.current_url).path == "/login"
        d.find_element(By.ID, "token").send_keys("wrong token, long enough")
        click_through(d, d.find_element(By.CSS_SELECTOR, "#login-form button"))
        assert "unauthorized" in d.find_element(By.CSS_SELECTOR, ".flash.error").text
        d.find_element(By.ID, "token").send_keys(token)
        click_through(d, d.find_element(By.CSS_SELECTOR, "#login-form button"))
        shoot("signed-in")
        assert urlsplit(d.current_url).path == "/rules"  # back where it was going
        # a form post from elsewhere: the session cookie is strict, and without the CSRF token it is refused
        session = {c["name"]: c["value"] for c in d.get_cookies()}
        refused = httpx.post(served.url + "/feeds/x/delete", cookies=session, data={}, follow_redirects=False)
        assert refused.status_code == 403 and "csrf_failed" in refused.text
        assert token not in d.page_source
