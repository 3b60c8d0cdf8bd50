"""SafeFetcher against real local servers: conditional GET, size caps, timeouts, redirects, errors."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import zlib

import brotli
import pytest
from aiohttp import web

from tests.unit.fetcher.conftest import FAST, Serve, app_with
from wirewatch.services.fetcher.errors import (
    ConnectionFailed,
    DecodeError,
    DNSError,
    FetchTimeout,
    HTTPStatusError,
    RedirectLoop,
    SoftBlock,
    TooLarge,
    TooManyRedirects,
)
from wirewatch.services.fetcher.http import DEFAULT_USER_AGENT, SafeFetcher, Timeouts

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


async def test_conditional_get_etag_and_last_modified(serve: Serve, fetcher: SafeFetcher) -> None:
    seen: list[dict[str, str]] = []

    async def feed(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        if (
            request.headers.get("If-None-Match") == '"v1"'
            or request.headers.get("If-Modified-Since") == "Tue, 05 Mar 2024 10:00:00 GMT"
        ):
            return web.Response(status=304, headers={"ETag": '"v1"'})
        headers = {"ETag": '"v1"', "Last-Modified": "Tue, 05 Mar 2024 10:00:00 GMT"}
        return web.Response(body=RSS, content_type="application/rss+xml", headers=headers)

    base = await serve(app_with({"/feed": feed}))
    first = await fetcher.fetch(f"{base}/feed")
    assert (first.status, first.not_modified, first.body) == (200, False, RSS)
    assert (first.etag, first.last_modified) == ('"v1"', "Tue, 05 Mar 2024 10:00:00 GMT")
    by_etag = await fetcher.fetch(f"{base}/feed", etag=first.etag)
    by_date = await fetcher.fetch(f"{base}/feed", last_modified=first.last_modified)
    for result in (by_etag, by_date):
        assert (result.status, result.not_modified, result.body) == (304, True, b"")
    assert "If-None-Match" not in seen[0] and seen[1]["If-None-Match"] == '"v1"'
    assert seen[2]["If-Modified-Since"] == "Tue, 05 Mar 2024 10:00:00 GMT"
    assert seen[0]["User-Agent"] == DEFAULT_USER_AGENT and "+http" in DEFAULT_USER_AGENT


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
async def test_compressed_bodies_are_decoded(serve: Serve, fetcher: SafeFetcher, coding: str) -> None:
    packed = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[coding](RSS)

    async def feed(request: web.Request) -> web.Response:
        assert "br" in request.headers["Accept-Encoding"]
        return web.Response(body=packed, headers={"Content-Encoding": coding, "Content-Type": "text/xml"})

    base = await serve(app_with({"/feed": feed}))
    assert (await fetcher.fetch(f"{base}/feed")).body == RSS


@pytest.mark.parametrize("coding", ["gzip", "br"])
async def test_compression_bomb_is_too_large(serve: Serve, fetcher: SafeFetcher, coding: str) -> None:
    zeros = b"\0" * (64 * 1024 * 1024)
    bomb = gzip.compress(zeros, compresslevel=9) if coding == "gzip" else brotli.compress(zeros, quality=5)
    assert len(bomb) < 200 * 1024  # small on the wire: only the decoded cap can catch it

    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": coding})

    base = await serve(app_with({"/feed": feed}))
    with pytest.raises(TooLarge, match="inflates past") as caught:
        await fetcher.fetch(f"{base}/feed", max_bytes=1024 * 1024)
    assert caught.value.error_class == "too_large" and not caught.value.retriable


@pytest.mark.parametrize("coding", ["identity", "gzip", "br"])
@pytest.mark.parametrize("with_length", [True, False])
async def test_truncate_keeps_the_first_max_bytes_of_a_larger_body(
    serve: Serve, fetcher: SafeFetcher, coding: str, with_length: bool
) -> None:
    text = b"".join(b"Disallow: /p%07d\n" % n for n in range(200_000))  # 3.6 MB, compressible
    wire = {"identity": text, "gzip": gzip.compress(text), "br": brotli.compress(text, quality=5)}[coding]

    async def robots(request: web.Request) -> web.StreamResponse:
        headers = {} if coding == "identity" else {"Content-Encoding": coding}
        if with_length:
            return web.Response(body=wire, headers=headers)
        response = web.StreamResponse(headers=headers)  # chunked: no length to refuse up front
        await response.prepare(request)
        for start in range(0, len(wire), 65536):
            await response.write(wire[start : start + 65536])
        return response

    base = await serve(app_with({"/robots.txt": robots}))
    cap = 500 * 1024
    result = await fetcher.fetch(f"{base}/robots.txt", max_bytes=cap, truncate=True)
    assert result.body == text[:cap]  # the first 500 KiB decoded, whatever the coding, and nothing after
    with pytest.raises(TooLarge):
        await fetcher.fetch(f"{base}/robots.txt", max_bytes=cap)  # without truncate, still refused


async def test_corrupt_gzip_is_a_decode_error(serve: Serve, fetcher: SafeFetcher) -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=b"\x1f\x8bnot really gzip", headers={"Content-Encoding": "gzip"})

    base = await serve(app_with({"/feed": feed}))
    with pytest.raises(DecodeError):
        await fetcher.fetch(f"{base}/feed")


async def test_oversized_stream_is_cut_while_streaming(serve: Serve, fetcher: SafeFetcher) -> None:
    sent = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()  # chunked: no Content-Length to refuse up front
        await response.prepare(request)
        for _ in range(10_000):
            await response.write(b"x" * 65536)
            sent += 65536
        return response

    base = await serve(app_with({"/big": endless}))
    with pytest.raises(TooLarge, match="on the wire"):
        await fetcher.fetch(f"{base}/big", max_bytes=1024 * 1024)
    assert sent < 100 * 1024 * 1024  # stopped long before the server's 655 MB


async def test_too_large_content_length_is_refused_before_reading(serve: Serve, fetcher: SafeFetcher) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(500 * 1024 * 1024)})
        await response.prepare(request)
        await response.write(b"x" * 1024)
        await asyncio.sleep(5)  # reading the body would hit the timeout instead
        return response

    base = await serve(app_with({"/huge": huge}))
    started = time.monotonic()
    with pytest.raises(TooLarge, match="Content-Length"):
        await fetcher.fetch(f"{base}/huge", max_bytes=1024 * 1024)
    assert time.monotonic() - started < 0.5


async def test_trickling_server_is_cut_at_the_total_timeout(serve: Serve) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(200):
            await response.write(b"<")  # a byte every 50 ms: the read timeout never fires
            await asyncio.sleep(0.05)
        return response

    base = await serve(app_with({"/slow": trickle}))
    timeouts = Timeouts(connect_s=1.0, read_s=1.0, total_s=0.6)
    async with SafeFetcher(allow_private_networks=True, timeouts=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(FetchTimeout) as caught:
            await client.fetch(f"{base}/slow")
        elapsed = time.monotonic() - started
    assert 0.5 < elapsed < 1.5
    assert caught.value.retriable and caught.value.error_class == "timeout"


async def test_silent_server_hits_the_read_timeout(serve: Serve) -> None:
    async def silent(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(3)
        return web.Response(text="late")

    base = await serve(app_with({"/silent": silent}))
    async with SafeFetcher(allow_private_networks=True, timeouts=Timeouts(1.0, 0.3, 5.0)) as client:
        started = time.monotonic()
        with pytest.raises(FetchTimeout):
            await client.fetch(f"{base}/silent")
    assert time.monotonic() - started < 1.0


def redirecting_app(status: int = 302) -> web.Application:
    async def hop(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(body=RSS)
        return web.Response(status=status, headers={"Location": f"/hop/{n - 1}"})

    async def loop_a(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/loop-b"})

    async def loop_b(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/loop-a?utm_source=x"})  # same page, canonically

    return app_with({"/hop/{n}": hop, "/loop-a": loop_a, "/loop-b": loop_b})


async def test_five_redirects_are_followed(serve: Serve, fetcher: SafeFetcher) -> None:
    base = await serve(redirecting_app())
    result = await fetcher.fetch(f"{base}/hop/5")
    assert (result.status, result.body, result.final_url) == (200, RSS, f"{base}/hop/0")
    assert result.url == f"{base}/hop/5" and result.permanent_redirect is None


async def test_six_redirects_are_too_many(serve: Serve, fetcher: SafeFetcher) -> None:
    base = await serve(redirecting_app())
    with pytest.raises(TooManyRedirects) as caught:
        await fetcher.fetch(f"{base}/hop/6")
    assert caught.value.error_class == "too_many_redirects"


async def test_redirect_loop_is_detected(serve: Serve, fetcher: SafeFetcher) -> None:
    base = await serve(redirecting_app())
    with pytest.raises(RedirectLoop) as caught:
        await fetcher.fetch(f"{base}/loop-a")
    assert caught.value.error_class == "redirect_loop"


@pytest.mark.parametrize("status", [301, 308])
async def test_permanent_redirect_chain_is_reported(serve: Serve, fetcher: SafeFetcher, status: int) -> None:
    base = await serve(redirecting_app(status))
    result = await fetcher.fetch(f"{base}/hop/2")
    assert result.permanent_redirect == f"{base}/hop/0" == result.final_url


async def test_temporary_hop_ends_the_permanent_part(serve: Serve, fetcher: SafeFetcher) -> None:
    async def moved(request: web.Request) -> web.Response:
        return web.Response(status=301, headers={"Location": "/temp"})

    async def temp(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/final#frag"})

    async def final(request: web.Request) -> web.Response:
        return web.Response(body=RSS)

    base = await serve(app_with({"/moved": moved, "/temp": temp, "/final": final}))
    result = await fetcher.fetch(f"{base}/moved")
    assert (result.permanent_redirect, result.final_url) == (f"{base}/temp", f"{base}/final")
    assert (await fetcher.fetch(f"{base}/temp")).permanent_redirect is None


async def test_error_statuses(serve: Serve, fetcher: SafeFetcher) -> None:
    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404, text="nope")

    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=503, text="later", headers={"Retry-After": "7"})

    base = await serve(app_with({"/gone": gone, "/busy": busy}))
    with pytest.raises(HTTPStatusError) as not_found:
        await fetcher.fetch(f"{base}/gone")
    assert (not_found.value.status, not_found.value.retriable) == (404, False)
    with pytest.raises(HTTPStatusError) as unavailable:
        await fetcher.fetch(f"{base}/busy")
    assert (unavailable.value.status, unavailable.value.retriable, unavailable.value.retry_after_s) == (
        503,
        True,
        7,
    )
    result = await fetcher.fetch(f"{base}/busy", raise_for_status=False)
    assert (result.status, result.retry_after_s, result.body) == (503, 7.0, b"later")


CHALLENGE = b"""<!DOCTYPE html><html><head><title>Just a moment...</title></head>
<body><script src="/cdn-cgi/challenge-platform/h/g/orchestrate/jsch/v1"></script></body></html>"""
ARTICLE = (
    b"<!DOCTYPE html><html><head><title>Why captcha walls annoy readers</title></head><body><article>"
    + b"<p>Long reporting about captcha systems and bots.</p>" * 400
    + b"</article></body></html>"
)
BIG_ARTICLE = ARTICLE.replace(b"Why captcha walls", b"Captcha walls").replace(b"</article>", b"<p>x</p>" * 8000)


async def test_soft_blocks(serve: Serve, fetcher: SafeFetcher) -> None:
    async def challenge(request: web.Request) -> web.Response:
        return web.Response(body=CHALLENGE, content_type="text/html")

    async def mitigated(request: web.Request) -> web.Response:
        return web.Response(status=403, text="denied", headers={"cf-mitigated": "challenge"})

    async def tiny_js(request: web.Request) -> web.Response:
        body = b"<html><script>document.cookie='k=1';location.reload()</script></html>"
        return web.Response(body=body, content_type="text/html")

    async def article(request: web.Request) -> web.Response:
        return web.Response(body=ARTICLE, content_type="text/html")

    async def big_article(request: web.Request) -> web.Response:
        return web.Response(body=BIG_ARTICLE, content_type="text/html")

    routes = {
        "/challenge": challenge,
        "/mitigated": mitigated,
        "/tiny": tiny_js,
        "/article": article,
        "/big-article": big_article,
    }
    base = await serve(app_with(routes))
    for path in ("/challenge", "/mitigated", "/tiny"):
        with pytest.raises(SoftBlock) as caught:
            await fetcher.fetch(base + path)
        assert caught.value.retriable and caught.value.error_class == "soft_block"
    assert (await fetcher.fetch(f"{base}/article")).body == ARTICLE  # about captchas, not a captcha
    assert (await fetcher.fetch(f"{base}/big-article")).body == BIG_ARTICLE


async def test_connection_refused(fetcher: SafeFetcher) -> None:
    with socket.socket() as probe:  # bind, then close: a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with pytest.raises(ConnectionFailed) as caught:
        await fetcher.fetch(f"http://127.0.0.1:{free}/")
    assert caught.value.retriable and caught.value.error_class == "connection"


async def test_dns_failure(serve: Serve) -> None:
    class NoSuchHost:
        async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[object]:
            raise OSError(-2, "Name or service not known")

        async def close(self) -> None:
            return None

    async with SafeFetcher(resolver=NoSuchHost(), timeouts=FAST) as client:  # type: ignore[arg-type]
        with pytest.raises(DNSError) as caught:
            await client.fetch("http://no-such-host.example/feed")
    assert caught.value.retriable and caught.value.url == "http://no-such-host.example/feed"
