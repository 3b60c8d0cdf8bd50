"""Proxies (issue 15, item 5): with ``WIREWATCH_USE_PROXY`` the fetcher sends feed and page requests through
``HTTP(S)_PROXY`` except for ``NO_PROXY`` hosts, and checks the target against the address policy before the
proxy hears of it. A recording proxy (``tests/support/forward_proxy.py``) on 127.0.0.2, which the policy does
not exempt, sits in front of a test site on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.support.forward_proxy import ForwardProxy
from tests.unit.fetcher.conftest import FAST, Serve, app_with
from wirewatch.services.fetcher.addresses import AddressPolicy
from wirewatch.services.fetcher.errors import BlockedAddress
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.proxies import Proxies

HOSTS = {"site.test": "127.0.0.1", "other.test": "127.0.0.1", "internal.test": "10.9.8.7", "proxy.test": "127.0.0.2"}


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    running = ForwardProxy(hosts=HOSTS, host="127.0.0.2")
    await running.start()
    yield running
    await running.close()


async def site(serve: Serve) -> int:
    async def feed(request: web.Request) -> web.Response:
        return web.Response(text=f"feed from {request.host}", content_type="text/plain")

    base = await serve(app_with({"/feed": feed}))
    return int(base.rsplit(":", 1)[1])


def fetcher_with(proxy: ForwardProxy, no_proxy: str = "") -> SafeFetcher:
    assert proxy._server is not None
    port = proxy._server.sockets[0].getsockname()[1]
    return SafeFetcher(
        policy=AddressPolicy.exempting("127.0.0.1/32"),  # the site; not the proxy's 127.0.0.2
        hosts={name: [address] for name, address in HOSTS.items()},
        timeouts=FAST,
        proxies=Proxies({"http": f"http://proxy.test:{port}"}, no_proxy),
    )


async def test_an_allowed_target_goes_through_the_proxy(serve: Serve, proxy: ForwardProxy) -> None:
    port = await site(serve)
    async with fetcher_with(proxy) as fetcher:
        result = await fetcher.fetch(f"http://site.test:{port}/feed")
    assert result.body == f"feed from site.test:{port}".encode()
    assert proxy.requests == [f"GET http://site.test:{port}/feed"]


@pytest.mark.parametrize(
    "url",
    [
        "http://internal.test:{port}/feed",  # a name the policy refuses (a private address)
        "http://169.254.169.254/latest/meta-data/",  # the metadata address
        "http://127.0.0.2:{port}/feed",  # the proxy's own address, asked for as a target
        "http://proxy.test:{port}/feed",  # and by its name: only the connector lets that name through
    ],
)
async def test_a_blocked_target_is_refused_before_the_proxy_sees_it(
    serve: Serve, proxy: ForwardProxy, url: str
) -> None:
    port = await site(serve)
    async with fetcher_with(proxy) as fetcher:
        with pytest.raises(BlockedAddress):
            await fetcher.fetch(url.format(port=port))
    assert proxy.requests == []


async def test_no_proxy_hosts_are_fetched_directly(serve: Serve, proxy: ForwardProxy) -> None:
    port = await site(serve)
    async with fetcher_with(proxy, no_proxy="localhost, .site.test") as fetcher:
        direct = await fetcher.fetch(f"http://site.test:{port}/feed")
        proxied = await fetcher.fetch(f"http://other.test:{port}/feed")
    assert direct.status == proxied.status == 200
    assert proxy.requests == [f"GET http://other.test:{port}/feed"]


async def test_without_proxies_nothing_goes_to_the_proxy(
    serve: Serve, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = await site(serve)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.2:9")  # ignored: the fetcher was given no proxies
    hosts = {name: [address] for name, address in HOSTS.items()}
    async with SafeFetcher(policy=AddressPolicy.exempting("127.0.0.1/32"), hosts=hosts, timeouts=FAST) as fetcher:
        assert (await fetcher.fetch(f"http://site.test:{port}/feed")).status == 200
    assert proxy.requests == []


def test_proxies_from_the_environment() -> None:
    proxies = Proxies.from_environment(
        {"HTTPS_PROXY": "proxy.corp:3128", "http_proxy": "http://p:8080", "NO_PROXY": "example.org,10.0.0.0/8,a.b:8443"}
    )
    assert proxies.proxy_for("https://news.test/feed") == "http://proxy.corp:3128"
    assert proxies.proxy_for("http://news.test/feed") == "http://p:8080"
    assert proxies.proxy_for("https://example.org/feed") is None
    assert proxies.proxy_for("https://www.example.org/feed") is None
    assert proxies.proxy_for("https://notexample.org/feed") == "http://proxy.corp:3128"
    assert proxies.proxy_for("http://10.1.2.3/feed") is None
    assert proxies.proxy_for("https://a.b:8443/") is None
    assert proxies.proxy_for("https://a.b/") == "http://proxy.corp:3128"
    assert proxies.hosts() == {"proxy.corp", "p"}
    assert Proxies.from_environment({"NO_PROXY": "*", "HTTP_PROXY": "http://p:1"}).proxy_for("http://x.test/") is None
    assert Proxies.from_environment({}).proxy_for("http://x.test/") is None


def test_the_setting_turns_proxies_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from wirewatch.services.fetcher.clients import fetcher_for
    from wirewatch.services.fetcher.settings import FetcherSettings

    monkeypatch.setenv("HTTPS_PROXY", "http://egress.corp:3128")
    monkeypatch.delenv("WIREWATCH_USE_PROXY", raising=False)
    assert fetcher_for(FetcherSettings()).proxies is None  # off by default: the variables are ignored
    monkeypatch.setenv("WIREWATCH_USE_PROXY", "true")
    proxies = fetcher_for(FetcherSettings()).proxies
    assert proxies is not None and proxies.proxy_for("https://news.test/") == "http://egress.corp:3128"
