"""Feed onboarding (issue 15, item 5): the feeds behind a homepage, found through the safe fetcher (real
loopback servers): the feed links a page announces, else the usual paths; a feed URL is itself."""

from __future__ import annotations

from aiohttp import web

from tests.unit.fetcher.conftest import FAST, Serve
from wirewatch.services.fetcher.addresses import AddressPolicy
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.onboarding import COMMON_PATHS, find_feeds

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>http://x.test/</link>
<item><title>One</title><link>http://x.test/1</link></item><item><title>Two</title><link>http://x.test/2</link></item>
</channel></rss>"""
ATOM = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom news</title><id>urn:x</id>
<updated>2026-01-01T00:00:00Z</updated><entry><title>A</title><id>urn:a</id><link href="http://x.test/a"/>
<updated>2026-01-01T00:00:00Z</updated></entry></feed>"""
HOME = """<!doctype html><html><head><title>News</title>
<link rel="alternate" type="application/rss+xml" href="/feeds/world.xml" title="World">
<link rel="alternate" type="application/atom+xml" href="feeds/atom.xml">
<link rel="alternate" type="application/rss+xml" href="/feeds/missing.xml">
<link rel="alternate" type="application/rss+xml" href="http://169.254.169.254/latest/feed.xml">
<link rel="stylesheet" href="/style.css">
</head><body><p>Hello</p></body></html>"""
BARE_HOME = "<!doctype html><html><head><title>Blog</title></head><body>no links</body></html>"


class Site:
    def __init__(self, routes: dict[str, tuple[str, str]]) -> None:
        self.routes = routes
        self.asked: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.asked.append(request.path)
        if request.path not in self.routes:
            return web.Response(status=404, text="not found")
        body, content_type = self.routes[request.path]
        return web.Response(text=body, content_type=content_type)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self.handle)
        return app


def fetcher() -> SafeFetcher:
    return SafeFetcher(policy=AddressPolicy.exempting("127.0.0.1/32"), timeouts=FAST)


async def test_a_homepage_gives_the_feeds_it_announces(serve: Serve) -> None:
    site = Site(
        {
            "/": (HOME, "text/html"),
            "/feeds/world.xml": (RSS.format(title="World news"), "application/rss+xml"),
            "/feeds/atom.xml": (ATOM, "application/atom+xml"),
        }
    )
    base = await serve(site.app())
    async with fetcher() as client:
        found = await find_feeds(client, f"{base}/")
    assert [(f.url, f.kind, f.title, f.items, f.how) for f in found.feeds] == [
        (f"{base}/feeds/world.xml", "rss", "World news", 2, "announced"),
        (f"{base}/feeds/atom.xml", "atom", "Atom news", 1, "announced"),
    ]
    assert "not a feed" in (found.page_error or "")
    assert not any(path in site.asked for path in COMMON_PATHS)  # announced feeds found: no guessing


async def test_without_announced_feeds_the_usual_paths_are_tried(serve: Serve) -> None:
    site = Site({"/blog/": (BARE_HOME, "text/html"), "/rss.xml": (RSS.format(title="Blog"), "text/xml")})
    base = await serve(site.app())
    async with fetcher() as client:
        found = await find_feeds(client, f"{base}/blog/")
    assert [(f.url, f.how) for f in found.feeds] == [(f"{base}/rss.xml", "common path")]
    assert len(site.asked) == 1 + len(COMMON_PATHS)  # bounded: the page, then each usual path once


async def test_a_feed_url_is_itself_and_a_page_without_feeds_is_none(serve: Serve) -> None:
    site = Site({"/direct.rss": (RSS.format(title="Direct"), "application/rss+xml"), "/": (BARE_HOME, "text/html")})
    base = await serve(site.app())
    async with fetcher() as client:
        direct = await find_feeds(client, f"{base}/direct.rss")
        nothing = await find_feeds(client, f"{base}/")
    assert [(f.url, f.how) for f in direct.feeds] == [(f"{base}/direct.rss", "given")]
    assert nothing.feeds == [] and nothing.page_error


async def test_announced_links_to_blocked_addresses_are_never_fetched(serve: Serve) -> None:
    home = HOME.replace("/feeds/world.xml", "http://10.0.0.7/feed.xml")
    site = Site({"/": (home, "text/html"), "/feeds/atom.xml": (ATOM, "application/atom+xml")})
    base = await serve(site.app())
    async with fetcher() as client:
        found = await find_feeds(client, f"{base}/")
    assert [f.url for f in found.feeds] == [f"{base}/feeds/atom.xml"]
