"""``wirewatch feeds add|set|show|list`` against the real Elasticsearch (issue 15, item 5): a homepage's feeds
are found through the fetcher's client and the first is added (``--all``: every one); a feed's own headers and
cookies are sealed in the index and shown by name only."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from wirewatch.core.es import make_es
from wirewatch.core.secretbox import generate_key
from wirewatch.core.settings import CommonSettings

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>http://x.test/</link>
<item><title>One</title><link>http://x.test/1</link></item></channel></rss>"""
HOME = """<!doctype html><html><head><title>News</title>
<link rel="alternate" type="application/rss+xml" href="/feeds/world.xml">
<link rel="alternate" type="application/rss+xml" href="/feeds/sport.xml">
</head><body>home</body></html>"""
TOKEN = "Bearer tok-5d1c-MARKER"
KEY = generate_key()


@pytest.fixture
async def site() -> AsyncIterator[str]:
    pages = {
        "/": (HOME, "text/html"),
        "/about.html": ("<!doctype html><html><body>about us</body></html>", "text/html"),
        "/feeds/world.xml": (RSS.format(title="World"), "application/rss+xml"),
        "/feeds/sport.xml": (RSS.format(title="Sport"), "application/rss+xml"),
    }

    async def handle(request: web.Request) -> web.Response:
        if request.path not in pages:
            return web.Response(status=404)
        body, content_type = pages[request.path]
        return web.Response(text=body, content_type=content_type)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def cli(settings: CommonSettings, *args: str, ok: bool = True) -> str:
    env = settings.location_env() | {"WIREWATCH_ALLOW_PRIVATE_NETWORKS": "true", "WIREWATCH_SECRET_KEY": KEY}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wirewatch", *args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert (proc.returncode == 0) is ok, err.decode()
    return out.decode() + err.decode()


async def test_a_homepage_adds_its_first_feed_and_names_the_others(initialised: CommonSettings, site: str) -> None:
    out = await cli(initialised, "feeds", "add", f"{site}/", "--name", "World")
    assert out.startswith("added: ") and f"{site}/feeds/world.xml" in out.splitlines()[0]
    assert "also found (1; --pick N or --all)" in out and f"{site}/feeds/sport.xml" in out
    listed = json.loads(await cli(initialised, "feeds", "list", "--json"))
    assert [(f["url"], f["name"]) for f in listed] == [(f"{site}/feeds/world.xml", "World")]
    again = await cli(initialised, "feeds", "add", f"{site}/", "--all")
    assert "already monitored" in again and "added: " in again
    urls = sorted(f["url"] for f in json.loads(await cli(initialised, "feeds", "list", "--json")))
    assert urls == [f"{site}/feeds/sport.xml", f"{site}/feeds/world.xml"]


async def test_a_page_without_feeds_is_refused_with_the_reason(initialised: CommonSettings, site: str) -> None:
    out = await cli(initialised, "feeds", "add", f"{site}/about.html", ok=False)
    assert "no feed found" in out and "not a feed" in out
    out = await cli(initialised, "feeds", "add", f"{site}/feeds/none.xml", ok=False)
    assert "answered 404" in out  # the server answered: a wrong URL is not stored
    out = await cli(initialised, "feeds", "add", "http://10.255.255.1:9/feed", "--as-is")
    assert out.startswith("added: ")  # --as-is: not fetched
    assert json.loads(await cli(initialised, "feeds", "list", "--json"))[0]["url"] == "http://10.255.255.1:9/feed"
    out = await cli(initialised, "feeds", "add", f"{site}/feeds/world.xml", "--pick", "3", ok=False)
    assert "only 1 feed(s) found" in out


async def test_headers_and_cookies_are_sealed_and_shown_by_name(initialised: CommonSettings, site: str) -> None:
    out = await cli(
        initialised, "feeds", "add", f"{site}/feeds/world.xml", "--header", f"Authorization: {TOKEN}", "--cookie",
        "session=s-MARKER",
    )  # fmt: skip
    feed_id = out.split()[1]
    es = make_es(initialised)
    try:
        raw = (await es.get(index=initialised.index_name("feeds"), id=feed_id)).body["_source"]
    finally:
        await es.close()
    assert raw["request_headers"].startswith("fernet:") and "MARKER" not in json.dumps(raw)
    shown = json.loads(await cli(initialised, "feeds", "show", feed_id))
    assert shown["request_headers"] == ["Authorization", "Cookie"]
    listed = await cli(initialised, "feeds", "list", "--json")
    assert "MARKER" not in listed and '"Authorization"' in listed
    assert "MARKER" not in await cli(initialised, "feeds", "set", feed_id, "--header", "X-Key: k-MARKER")
    assert json.loads(await cli(initialised, "feeds", "show", feed_id))["request_headers"] == ["X-Key"]
    await cli(initialised, "feeds", "set", feed_id, "--clear-headers")
    assert json.loads(await cli(initialised, "feeds", "show", feed_id))["request_headers"] == []
