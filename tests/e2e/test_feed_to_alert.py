"""End to end on the real stack: an RSS feed on a local HTTP server → article page fetched → parsed →
entities → searchable through `wirewatch search` → a matching rule's webhook received, signed; a
non-matching article fires nothing."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.servers import Receiver, Site
from bench.workers import Workers, worker_env
from tests.support.polling import eventually
from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import STAGES
from wirewatch.services.alerter.signing import SIGNATURE_HEADER, verify

pytestmark = [pytest.mark.e2e]

SECRET = "e2e-signing-secret"

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Coalition sets timetable for leaving Iraq | Test Wire</title>
<meta property="og:site_name" content="Test Wire">
<meta property="article:published_time" content="2026-11-18T09:30:00+00:00">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
<article><h1>Coalition sets timetable for leaving Iraq</h1>
<p>BAGHDAD — Iraqi Prime Minister Mohammed Shia al-Sudani said on Tuesday that the US-led coalition
would complete its withdrawal from federal Iraq by September, ending a mission that began a decade ago.</p>
<p>Speaking in Baghdad after a meeting of the Joint Operations Command, al-Sudani said Iraqi forces were
ready to take over every base the coalition still used, including positions near Erbil in the Kurdistan
Region.</p>
<p>The armed faction Kataib Hezbollah welcomed the announcement but warned that it would watch whether
foreign troops really left. Washington has blamed Kataib Hezbollah for drone attacks on its soldiers.</p>
<p>Officials in the Kurdistan Region said they wanted some advisers to stay in Erbil after the drawdown,
citing the continuing threat from Islamic State cells in the mountains.</p>
</article>
<section class="comments"><h3>Post a Comment</h3><p>You must be logged in to comment.</p></section>
<footer>© 2026 Test Wire. All rights reserved.</footer></body></html>"""

OTHER = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Rain returns to the valley | Test Wire</title>
<meta property="article:published_time" content="2026-11-18T11:00:00+00:00"></head><body><article>
<h1>Rain returns to the valley</h1>
<p>Farmers in the valley welcomed the first heavy rain of the autumn on Wednesday after a long dry summer
that left reservoirs at their lowest level in twenty years.</p>
<p>The weather service expects more showers over the weekend, with cooler temperatures in the hills and
a chance of frost on higher ground by the end of next week.</p>
<p>Growers said the rain came too late for this year's harvest but would help the winter wheat.</p>
</article></body></html>"""


def rss(base: str) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>Wed, 18 Nov 2026 12:00:00 GMT</pubDate></item>"
        for title, path in (
            ("Coalition sets timetable for leaving Iraq", "/world/coalition.html"),
            ("Rain returns to the valley", "/local/rain.html"),
        )
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test Wire</title>'
        f"<link>{base}/</link><description>test</description>{items}</channel></rss>"
    )


def cli(settings: CommonSettings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirewatch", *args],
        env=worker_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_feed_to_search_to_signed_webhook(initialised: CommonSettings, tmp_path: Path) -> None:
    settings = initialised
    site = await Site().start()
    receiver = await Receiver().start()
    site.put("/world/coalition.html", ARTICLE)
    site.put("/local/rain.html", OTHER)
    feed_url = site.put("/feed.xml", rss(site.base), "application/rss+xml")
    # an analyst's watchlist: "Kataib Hezbollah is an organisation", obeyed ahead of the model
    watchlist = tmp_path / "gazetteers"
    watchlist.mkdir()
    (watchlist / "iraq.yaml").write_text(
        'entries:\n  - name: Kataib Hezbollah\n    type: ORG\n    aliases: ["Kata\'ib Hizballah"]\n'
    )
    workers = Workers(settings, tmp_path / "logs", extra_env={"WIREWATCH_GAZETTEER_DIR": str(watchlist)})
    try:
        assert cli(settings, "feeds", "add", feed_url, "--name", "Test Wire", "--interval", "1").returncode == 0
        added = cli(
            settings,
            "rules",
            "add",
            "kataib",
            "--query",
            'organizations:"Kataib Hezbollah" OR text:Kataib',
            "--webhook",
            receiver.url,
            "--secret",
            SECRET,
        )
        assert added.returncode == 0, added.stderr
        workers.start(*STAGES)

        def searchable() -> list[dict[str, object]] | None:
            found = cli(settings, "search", "withdrawal", "--json")
            assert found.returncode == 0, found.stderr
            rows = json.loads(found.stdout)
            return rows or None

        try:
            rows = await eventually(
                lambda: asyncio.to_thread(searchable), timeout=120, every=1.0, what="the article to become searchable"
            )
        except AssertionError:
            for name in workers.procs:
                print(f"--- {name} ---\n{workers.log_tail(name)}")
            raise
        [article] = rows
        assert article["title"] == "Coalition sets timetable for leaving Iraq"
        assert "Post a Comment" not in article["text"] and "cookies" not in article["text"]
        assert article["published_at"].startswith("2026-11-18T09:30")
        assert "Kataib Hezbollah" in article["organizations"]
        assert any("Sudani" in p for p in article["persons"])

        await eventually(lambda: receiver.received, timeout=30, what="the webhook POST")
        await asyncio.sleep(3)  # the non-matching article has been processed by now as well
        assert len(receiver.received) == 1
        body, headers = receiver.received[0]
        assert verify(body, SECRET, headers.get(SIGNATURE_HEADER))
        payload = json.loads(body)
        assert payload["article_id"] == article["id"] and payload["rule_name"] == "kataib"
        assert "Kataib Hezbollah" in payload["organizations"]

        es = make_es(settings)
        try:
            count = await es.count(index=settings.index_name("articles"))
            assert count.body["count"] == 2
        finally:
            await es.close()
    finally:
        codes = workers.stop()
        await site.stop()
        await receiver.stop()
    assert all(code == 0 for code in codes.values()), f"workers did not stop cleanly: {codes}"
