"""Hostile answers at the HTTP client (``SafeFetcher``), where their outcome is defined: each case ends in
the named error (with its ``retriable`` verdict) or a body, within its deadline and bounded memory.
Cases already covered by ``tests/unit/fetcher`` are listed in ``tests/hostile/README.md``, not repeated."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from tests.unit.fetcher.conftest import Serve, app_with
from wirewatch.services.fetcher.errors import DecodeError, FetchTimeout, HTTPStatusError, TooLarge
from wirewatch.services.fetcher.http import PAGE_ACCEPT, SafeFetcher, Timeouts
from wirewatch.services.fetcher.settings import FetcherSettings

#: what the worker runs with (``WIREWATCH_FETCHER_MAX_PAGE_BYTES``'s default), not a test-sized cap
PAGE_CAP = FetcherSettings.model_fields["fetcher_max_page_bytes"].default
FIFTY_MB = 50 * 1024 * 1024


async def test_fifty_megabyte_page_is_cut_at_the_page_cap_in_bounded_memory(serve: Serve, fetcher: SafeFetcher) -> None:
    sent = 0

    async def huge(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse(headers={"Content-Type": "text/html"})  # chunked: no length up front
        await response.prepare(request)
        chunk = b"<p>" + b"filler text " * 5000 + b"</p>\n"
        while sent < FIFTY_MB:
            await response.write(chunk)
            sent += len(chunk)
        return response

    base = await serve(app_with({"/huge.html": huge}))
    tracemalloc.start()
    try:
        started = time.monotonic()
        with pytest.raises(TooLarge) as caught:
            await fetcher.fetch(f"{base}/huge.html", max_bytes=PAGE_CAP, accept=PAGE_ACCEPT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.error_class == "too_large" and not caught.value.retriable
    assert time.monotonic() - started < 10
    assert peak < 3 * PAGE_CAP, f"peak {peak / 1e6:.0f} MB while reading a page capped at {PAGE_CAP / 1e6:.0f} MB"
    assert sent < FIFTY_MB, "the whole 50 MB was sent: the cap did not stop the read"


async def test_fifty_megabyte_content_length_is_refused_before_reading(serve: Serve, fetcher: SafeFetcher) -> None:
    async def declared(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(FIFTY_MB), "Content-Type": "text/html"})
        await response.prepare(request)
        await response.write(b"<html>")
        await asyncio.sleep(10)
        return response

    base = await serve(app_with({"/declared.html": declared}))
    started = time.monotonic()
    with pytest.raises(TooLarge, match="Content-Length"):
        await fetcher.fetch(f"{base}/declared.html", max_bytes=PAGE_CAP)
    assert time.monotonic() - started < 1


async def test_one_byte_a_second_is_cut_at_the_total_deadline(serve: Serve) -> None:
    """The gap between bytes (1 s) is under the read timeout (2 s), so only the total deadline can stop it."""

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(3600):
            await response.write(b"<")
            await asyncio.sleep(1.0)
        return response

    base = await serve(app_with({"/slow.html": trickle}))
    async with SafeFetcher(
        allow_private_networks=True, timeouts=Timeouts(connect_s=1, read_s=2, total_s=3.5)
    ) as client:
        started = time.monotonic()
        with pytest.raises(FetchTimeout) as caught:
            await client.fetch(f"{base}/slow.html")
    assert 3.0 < time.monotonic() - started < 5.0
    assert caught.value.retriable and caught.value.error_class == "timeout"


async def test_stacked_content_encodings_are_refused_not_inflated(serve: Serve, fetcher: SafeFetcher) -> None:
    """``gzip, gzip``: a bomb inside a bomb. Only one coding is supported; the stack is a decode error."""
    inner = gzip.compress(gzip.compress(b"\0" * (32 * 1024 * 1024)))

    async def nested(request: web.Request) -> web.Response:
        return web.Response(body=inner, headers={"Content-Encoding": "gzip, gzip", "Content-Type": "text/html"})

    base = await serve(app_with({"/nested": nested}))
    with pytest.raises(DecodeError) as caught:
        await fetcher.fetch(f"{base}/nested")
    assert not caught.value.retriable and caught.value.error_class == "decode"


def _http_date(seconds: int) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


@pytest.mark.parametrize(
    ("status", "headers", "retriable", "retry_after"),
    [
        (404, {}, False, None),
        (410, {}, False, None),
        (500, {}, True, None),
        (429, {"Retry-After": "120"}, True, 120.0),
        (429, {"Retry-After": "DATE+90"}, True, 90.0),
        (429, {"Retry-After": "soon, please"}, True, None),  # unparseable: ignored, still retriable
    ],
)
async def test_error_statuses_and_retry_after(
    serve: Serve,
    fetcher: SafeFetcher,
    status: int,
    headers: dict[str, str],
    retriable: bool,
    retry_after: float | None,
) -> None:
    headers = {k: _http_date(int(v[5:])) if v.startswith("DATE+") else v for k, v in headers.items()}

    async def answer(request: web.Request) -> web.Response:
        return web.Response(
            status=status,
            text="<html><body>error page</body></html>",
            headers=headers,
            content_type="text/html",
        )

    base = await serve(app_with({"/page": answer}))
    with pytest.raises(HTTPStatusError) as caught:
        await fetcher.fetch(f"{base}/page", accept=PAGE_ACCEPT)
    error = caught.value
    assert (error.status, error.retriable, error.error_class) == (status, retriable, "http_status")
    if retry_after is None:
        assert error.retry_after_s is None
    else:
        assert error.retry_after_s == pytest.approx(retry_after, abs=2)
