"""The workspace on what the real pipeline ingested: a local feed's two articles (one of them also republished by
a second outlet) go through every worker with no watchlist, then a real browser with JavaScript off searches,
clicks a facet, opens the article, opens an entity from its marked text, makes a rule of a search and finds it
in the rules list. What the pages show comes from the extractor, the indexer's stories and the registry, not
from documents written for the test."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By

from bench.servers import Site
from bench.workers import Workers
from tests.browser.conftest import Screenshots, Served, click_through
from tests.e2e.test_feed_to_alert import ARTICLE, OTHER, cli
from tests.support.polling import eventually
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: the same story, republished by another outlet under its own headline and furniture
COPY = (
    ARTICLE.replace("Test Wire", "Gulf Courier")
    .replace("<h1>Coalition sets timetable for leaving Iraq</h1>", "<h1>Iraq coalition to leave by September</h1>")
    .replace("<title>Coalition sets timetable for leaving Iraq", "<title>Iraq coalition to leave by September")
)


def rss(base: str, items: list[tuple[str, str]], name: str) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>Wed, 18 Nov 2026 12:00:00 GMT</pubDate></item>"
        for title, path in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
        f"<link>{base}/</link><description>test</description>{entries}</channel></rss>"
    )


def texts(driver: Any, css: str) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]


async def ingest(settings: CommonSettings, tmp_path: Path) -> None:
    """Two feeds through the five workers until the three articles are searchable and in one story or two."""
    site = await Site().start()
    site.put("/world/coalition.html", ARTICLE)
    site.put("/local/rain.html", OTHER)
    site.put("/gulf/coalition.html", COPY)
    wire = site.put(
        "/wire.xml",
        rss(site.base, [("Coalition", "/world/coalition.html"), ("Rain", "/local/rain.html")], "Test Wire"),
        "application/rss+xml",
    )
    gulf = site.put(
        "/gulf.xml", rss(site.base, [("Coalition", "/gulf/coalition.html")], "Gulf Courier"), "application/rss+xml"
    )
    workers = Workers(settings, tmp_path / "logs")
    try:
        for url, name in ((wire, "Test Wire"), (gulf, "Gulf Courier")):
            assert cli(settings, "feeds", "add", url, "--name", name, "--interval", "1").returncode == 0
        workers.start(*STAGES)

        def searchable() -> list[dict[str, Any]] | None:
            found = cli(settings, "search", "*", "--all-copies", "--json", "--limit", "10")
            assert found.returncode == 0, found.stderr
            rows = json.loads(found.stdout)
            return rows if len(rows) == 3 else None

        def seen() -> list[str]:
            found = cli(settings, "search", "*", "--all-copies", "--json", "--limit", "10")
            return [f"{r.get('source')}: {r.get('title')}" for r in json.loads(found.stdout or "[]")]

        try:
            await eventually(
                lambda: asyncio.to_thread(searchable), timeout=180, every=1.0, what="three articles searchable"
            )
        except AssertionError:
            print("searchable:", seen())
            for name in workers.procs:
                print(f"--- {name} ---\n{workers.log_tail(name)}")
            raise
    finally:
        codes = workers.stop()
        await site.stop()
    assert all(code == 0 for code in codes.values()), f"workers did not stop cleanly: {codes}"


@pytest.fixture
async def ingested(initialised: CommonSettings, tmp_path: Path) -> CommonSettings:
    await ingest(initialised, tmp_path)
    return initialised


def test_pages_on_what_the_pipeline_ingested(ingested: CommonSettings, browser: Any, shoot: Screenshots) -> None:
    d = browser
    with Served(ingested) as workspace:
        d.get(workspace.url + "/")
        shoot("search")
        assert d.find_element(By.ID, "total").text == "3 articles"
        assert texts(d, "details.copies summary") == ["1 more copy of this story"]  # the two outlets' copies
        organisations = texts(d, '#facets ul[data-facet="org"] a')
        assert any(o.startswith("Kataib Hezbollah") for o in organisations), organisations  # no watchlist
        assert not any("Kataib" in p for p in texts(d, '#facets ul[data-facet="person"] a'))

        click_through(d, d.find_element(By.CSS_SELECTOR, '#facets ul[data-facet="org"] a[href*="Kataib"]'))
        assert parse_qs(urlsplit(d.current_url).query)["org"] == ["Kataib Hezbollah"]
        shoot("facet")
        assert d.find_element(By.ID, "total").text == "2 articles"

        # the story's head is either outlet's copy (the search ranks them), each with the same text
        click_through(d, d.find_element(By.CSS_SELECTOR, "#results .result h2 a"))
        shoot("article")
        titles = {"Coalition sets timetable for leaving Iraq", "Iraq coalition to leave by September"}
        assert d.find_element(By.ID, "article-title").text in titles
        body = d.find_element(By.ID, "article-text").text
        assert "Post a Comment" not in body and "cookies" not in body  # the parser's clean text
        marked = {m.text: m for m in d.find_elements(By.CSS_SELECTOR, "#article-text a.ent")}
        assert {"Kataib Hezbollah", "Baghdad", "Erbil"} <= set(marked), sorted(marked)

        click_through(d, marked["Kataib Hezbollah"])
        shoot("entity")
        assert d.find_element(By.ID, "entity-name").text.startswith("Kataib Hezbollah")
        assert "organisation" in d.find_element(By.TAG_NAME, "h1").text
        assert {"Baghdad", "Erbil"} <= set(texts(d, "#co-occurring a"))

        d.get(workspace.url + "/?q=withdrawal")
        click_through(d, d.find_element(By.ID, "make-rule"))
        assert d.find_element(By.ID, "q").get_attribute("value") == "withdrawal"
        assert len(texts(d, "#preview li a")) == 2  # both copies were indexed in the last 24 hours
        d.find_element(By.ID, "name").clear()
        d.find_element(By.ID, "name").send_keys("coalition withdrawal")
        d.find_element(By.ID, "send_to").send_keys("desk@example.org")
        click_through(d, d.find_element(By.CSS_SELECTOR, '#rule-form button[type="submit"]:not([formaction])'))
        assert urlsplit(d.current_url).path == "/rules"
        shoot("rules")
        assert "coalition withdrawal" in texts(d, "#rules td strong")
