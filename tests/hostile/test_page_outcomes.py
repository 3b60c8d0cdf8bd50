"""Hostile article pages through the fetcher's page path (``PageIngest``: SafeFetcher + politeness +
dead letters, configured as the worker configures it with a hosts file and private networks disallowed)
and on into the parser's handler: each page ends as a dead letter with its reason, a retry later, or a
page the parser refuses with a defined error — never a crash, a hang or a request to a private address."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests.unit.fetcher.conftest import FAST, Serve, app_with
from tests.unit.parser.test_bad_input import PNG
from wirewatch.core.kafka import Outgoing
from wirewatch.schemas import STAGES, DeadLetter, FeedItem, FetchedPage
from wirewatch.services.fetcher.addresses import AddressPolicy, exempt_networks
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.ingest import Ingested, PageIngest, Source
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.urls import canonicalize, document_id
from wirewatch.services.parser.errors import EmptyPage, NotHtml, Pathological
from wirewatch.services.parser.handler import ParseHandler

PUBLIC = "127.0.0.2"  # the one loopback address the hosts file pins, as WIREWATCH_FETCHER_HOSTS_FILE does
#: the fetcher's topics and the parser's output, in a namespace of their own ("t.")
PAGES, DEAD = f"t.{STAGES['fetcher'].output}", f"t.{STAGES['fetcher'].deadletters}"
PARSED = f"t.{STAGES['parser'].output}"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
DEEP = b"<html><body>" + b"<div>" * 100_000 + b"<p>deep</p>" + b"</div>" * 100_000 + b"</body></html>"
STORY = (
    "<html><head><title>Port reopens</title></head><body><article><h1>Port reopens</h1>"
    + "<p>The harbour reopened on Monday after repairs, officials said, and ships queued to enter.</p>" * 6
    + "</article></body></html>"
)


class MemoryKnownUrls:
    """``KnownUrls`` without Elasticsearch: what the ingest remembered."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}

    async def unknown(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i not in self.urls}

    async def remember(self, entries: Sequence[tuple[str, str, str | None]]) -> None:
        self.urls.update((doc_id, url) for doc_id, url, _ in entries)


@dataclass
class Rig:
    ingest: PageIngest
    base: str
    trap_port: int
    sent: list[Outgoing] = field(default_factory=list)
    trap_hits: int = 0

    async def one(self, path: str) -> tuple[Ingested, list[FetchedPage], list[DeadLetter]]:
        before = len(self.sent)
        outcome = await self.ingest.ingest(Source("feed-1", f"{self.base}/feed"), [FeedItem(link=self.base + path)])
        new = self.sent[before:]
        return (
            outcome,
            [FetchedPage.from_bytes(m.value) for m in new if m.topic == PAGES],
            [DeadLetter.from_bytes(m.value) for m in new if m.topic == DEAD],
        )


def site() -> web.Application:
    def body(data: bytes | str, content_type: str = "text/html") -> web.Response:
        return web.Response(body=data.encode() if isinstance(data, str) else data, content_type=content_type)

    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": request.query["to"]})

    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        headers = {"Retry-After": "120"} if code == 429 else {}
        return web.Response(status=code, text="<html><body>no</body></html>", headers=headers)

    routes = {
        "/story": lambda r: _async(body(STORY)),
        "/pdf": lambda r: _async(body(PDF)),
        "/png": lambda r: _async(body(PNG)),
        "/empty": lambda r: _async(body(b"")),
        "/deep": lambda r: _async(body(DEEP)),
        "/status/{code}": status,
        "/go": redirect,
        "/loop-a": lambda r: _async(web.Response(status=301, headers={"Location": "/loop-b"})),
        "/loop-b": lambda r: _async(web.Response(status=301, headers={"Location": "/loop-a"})),
    }
    return app_with(routes)


async def _async(response: web.Response) -> web.Response:
    return response


@pytest.fixture
async def rig(serve: Serve) -> AsyncIterator[Rig]:
    hosts = {"news.test": [PUBLIC]}
    policy = AddressPolicy(allow_private_networks=False, allowed_networks=exempt_networks(hosts))
    base = (await serve(site(), host=PUBLIC)).replace(PUBLIC, "news.test")

    trap_hits = 0

    async def trap(request: web.Request) -> web.Response:
        nonlocal trap_hits
        trap_hits += 1
        return web.Response(text="internal secret")

    trap_base = await serve(app_with({"/{tail:.*}": trap}))
    async with SafeFetcher(policy=policy, hosts=hosts, timeouts=FAST) as fetcher:
        sent: list[Outgoing] = []

        async def send(messages: Sequence[Outgoing]) -> None:
            sent.extend(messages)

        ingest = PageIngest(
            fetcher=fetcher,
            politeness=Politeness(None, min_delay_s=0.0),
            known=MemoryKnownUrls(),  # type: ignore[arg-type]
            send=send,
            pages_topic=PAGES,
            deadletter_topic=DEAD,
            max_bytes=10 * 1024 * 1024,
            attempts=3,
        )
        found = Rig(ingest, base, int(trap_base.rsplit(":", 1)[1]), sent)
        yield found
    assert trap_hits == 0, "a private address was contacted"


def _doc_id(url: str) -> str:
    return document_id(canonicalize(url))


@pytest.mark.parametrize(
    ("target", "error_class"),
    [
        ("http://127.0.0.1:{trap}/admin", "blocked_address"),
        ("http://localhost:{trap}/admin", "blocked_address"),
        ("http://10.0.0.1/internal", "blocked_address"),
        ("http://10.255.255.254:8080/", "blocked_address"),
        ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "blocked_address"),
        ("/loop-a", "redirect_loop"),
    ],
)
async def test_redirects_to_private_addresses_and_loops_are_dead_lettered_at_once(
    rig: Rig, target: str, error_class: str
) -> None:
    path = "/go?to=" + target.format(trap=rig.trap_port)
    outcome, pages, letters = await rig.one(path)
    assert pages == [] and outcome.pending == 0
    [letter] = letters
    assert (letter.stage, letter.error_class, letter.item_id) == (
        "fetcher",
        error_class,
        _doc_id(rig.base + path),
    )
    assert rig.base + path in letter.reason or canonicalize(rig.base + path) in letter.reason
    assert FeedItem.from_bytes(base64.b64decode(letter.payload_b64)).link == rig.base + path  # replayable


@pytest.mark.parametrize("code", [404, 410])
async def test_gone_pages_are_dead_lettered_at_once(rig: Rig, code: int) -> None:
    outcome, pages, letters = await rig.one(f"/status/{code}")
    assert pages == [] and outcome.pending == 0
    [letter] = letters
    assert letter.error_class == "http_status" and f"HTTP {code}" in letter.reason


@pytest.mark.parametrize("code", [500, 429])
async def test_transient_statuses_are_retried_then_dead_lettered(rig: Rig, code: int) -> None:
    rig.ingest.politeness.back_off = lambda host, seconds: None  # type: ignore[method-assign]  # no waiting here
    for _ in range(2):  # attempts=3: two polls leave it pending, unknown, for the next poll
        outcome, pages, letters = await rig.one(f"/status/{code}")
        assert (outcome.pending, pages, letters) == (1, [], [])
    outcome, pages, letters = await rig.one(f"/status/{code}")
    [letter] = letters
    assert outcome.pending == 0 and letter.error_class == "http_status" and f"HTTP {code}" in letter.reason


async def test_retry_after_backs_the_host_off(rig: Rig) -> None:
    outcome, _, letters = await rig.one("/status/429")
    assert outcome.pending == 1 and letters == []
    assert 100 < rig.ingest.politeness.backoff_remaining_s("news.test") <= 120


@pytest.mark.parametrize(
    ("path", "error", "reason"),
    [
        ("/pdf", NotHtml, "PDF"),
        ("/png", NotHtml, "PNG"),
        ("/empty", EmptyPage, "empty"),
        ("/deep", Pathological, "nested"),
    ],
)
async def test_bad_bodies_served_as_html_pass_the_fetcher_and_the_parser_refuses_them(
    rig: Rig, path: str, error: type[Exception], reason: str
) -> None:
    outcome, [page], letters = await rig.one(path)
    assert letters == [] and outcome.pending == 0 and page.content_type == "text/html"
    handler = ParseHandler(parsed_topic=PARSED, budget_s=10.0, max_bytes=10 * 1024 * 1024)
    [result] = await handler([page])
    assert isinstance(result, error) and reason in str(result)
    assert not getattr(result, "retriable", True)  # dead-lettered by the runner, never retried


async def test_a_good_page_among_them_still_flows(rig: Rig) -> None:
    _, [page], _ = await rig.one("/story")
    handler = ParseHandler(parsed_topic=PARSED, budget_s=10.0, max_bytes=10 * 1024 * 1024)
    [result] = await handler([page])
    assert isinstance(result, list)
    [out] = result
    assert "harbour reopened" in json.loads(out.value)["text"]
