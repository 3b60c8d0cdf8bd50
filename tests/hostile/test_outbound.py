"""Hostile destinations for every outbound client but the fetcher's polls (findings 5, 7 and 8 of issue 13).

A rule's webhook (JSON, Slack, Teams or Discord body: one sender), a WebSub hub and ``wirewatch rules
add``/``import`` are pointed at loopback, the metadata endpoint, a name resolving to loopback and a
redirect inward. A real receiver on 127.0.0.1 (the trap) records whether it was ever reached; the "public"
receiver listens on 127.0.0.2, which the tests pin through the allow-list. A receiver answering a 510 KiB
gzip bomb costs bounded memory."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from aiohttp import web
from aiohttp.abc import ResolveResult
from click.testing import CliRunner

from tests.unit.fetcher.conftest import FAST as FAST_FETCH
from wirewatch.core.outbound import NOT_ALLOWED, AddressPolicy, parse_allow_list
from wirewatch.core.settings import CommonSettings
from wirewatch.services.alerter.delivery import DeliveryPolicy, Envelope, WebhookSender
from wirewatch.services.fetcher.errors import BlockedAddress
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.websub import Subscription, WebSub

PUBLIC = "127.0.0.2"  # the receiver the allow-list pins as reachable
LISTED = AddressPolicy.of(parse_allow_list(f"{PUBLIC}/32"))
QUICK = DeliveryPolicy(attempts=3, backoff_s=0.01, backoff_max_s=0.05, timeout_s=2.0)
ENVELOPE = Envelope("delivery-13", b'{"alert_id":"delivery-13"}', "s3cret")


@dataclass
class Receiver:
    """A real server that records every request; ``answer`` decides the reply."""

    host: str
    answer: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None
    hits: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(f"{request.method} {request.path}")
        if self.answer is not None:
            return await self.answer(request)
        return web.Response(status=202, text="ok")


Start = Callable[..., Awaitable[Receiver]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    runners: list[web.AppRunner] = []

    async def go(host: str, answer: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None) -> Receiver:
        receiver = Receiver(host, answer)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", receiver.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        await web.TCPSite(runner, host, 0).start()
        runners.append(runner)
        receiver.port = runner.addresses[0][1]
        return receiver

    yield go
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def trap(start: Start) -> Receiver:
    """The internal service (on 127.0.0.1) that no outbound request may reach."""
    return await start("127.0.0.1")


class Scripted:
    """A DNS server the attacker controls: every name resolves to ``addresses``."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.calls = 0

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        self.calls += 1
        return [
            ResolveResult(hostname=host, host=a, port=port, family=socket.AF_INET, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


def closed_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# --- webhooks and chat (finding 7) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "{trap}/hook",  # 127.0.0.1
        "http://localhost:{port}/hook",  # a name the system resolves to loopback
        "http://hooks.evil.test:{port}/hook",  # a name the attacker's DNS resolves to loopback
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://2130706433:{port}/hook",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fd00:ec2::254]/latest/api/token",
        "http://168.63.129.16/machine?comp=goalstate",
    ],
)
async def test_a_webhook_to_an_internal_address_is_refused_without_a_connection(
    start: Start, trap: Receiver, target: str
) -> None:
    public = await start(PUBLIC)
    url = target.format(trap=trap.base, port=trap.port)
    evil_dns = Scripted("127.0.0.1")
    async with WebhookSender(QUICK, addresses=LISTED, resolver=evil_dns) as sender:  # type: ignore[arg-type]
        refused = await sender.deliver(url, ENVELOPE)
        delivered = await sender.deliver(f"{public.base}/hook", ENVELOPE)
    assert (refused.ok, refused.attempts, refused.error) == (False, 1, NOT_ALLOWED)  # given up, never retried
    assert trap.hits == []
    assert delivered.ok and public.hits == ["POST /hook"]  # the allow-listed receiver is reached


async def test_a_webhook_redirect_inward_is_not_followed(start: Start, trap: Receiver) -> None:
    async def bounce(request: web.Request) -> web.Response:
        return web.Response(status=307, headers={"Location": f"{trap.base}/hook"})

    public = await start(PUBLIC, bounce)
    async with WebhookSender(QUICK, addresses=LISTED) as sender:
        result = await sender.deliver(f"{public.base}/hook", ENVELOPE)
    assert (result.ok, result.attempts, result.error) == (False, 1, "HTTP 307")
    assert len(public.hits) == 1 and trap.hits == []


async def test_delivery_errors_are_no_port_scan_oracle(start: Start, trap: Receiver) -> None:
    """Open, closed and black-holed internal ports all read the same, at once, without a connection."""
    targets = [
        f"{trap.base}/hook",  # open
        f"http://127.0.0.1:{closed_port()}/hook",  # closed: "connection refused" before
        "http://10.255.255.1:81/hook",  # black hole: "timeout" after the deadline before
        "http://169.254.169.254/",
    ]
    started = time.monotonic()
    async with WebhookSender(QUICK, addresses=LISTED) as sender:
        results = [await sender.deliver(url, ENVELOPE) for url in targets]
    elapsed = time.monotonic() - started
    assert {(r.ok, r.attempts, r.error) for r in results} == {(False, 1, NOT_ALLOWED)}
    assert elapsed < QUICK.timeout_s, "a refused destination was connected to (or waited for)"
    assert trap.hits == []
    # an allowed destination's failures are recorded by class only
    async with WebhookSender(QUICK, addresses=LISTED) as sender:
        down = await sender.deliver(f"http://{PUBLIC}:{closed_port(PUBLIC)}/hook", ENVELOPE)
    assert down.error == "connection failed"


# --- webhook response bombs (finding 5) --------------------------------------------------------------


def gzip_of_zeros(inflated: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(inflated >> 20)]
    return b"".join([*parts, packer.flush()])


@pytest.fixture(scope="module")
def bomb() -> bytes:
    body = gzip_of_zeros(512 << 20)
    assert len(body) < 520 * 1024  # ~510 KiB that would inflate to 512 MiB
    return body


@pytest.mark.parametrize(("status", "ok", "attempts"), [(200, True, 1), (503, False, 3)])
async def test_a_gzip_bomb_answer_costs_bounded_memory_and_is_classified(
    start: Start, bomb: bytes, status: int, ok: bool, attempts: int
) -> None:
    async def explode(request: web.Request) -> web.Response:
        return web.Response(
            status=status, body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )

    receiver = await start(PUBLIC, explode)
    async with WebhookSender(QUICK, addresses=LISTED) as sender:
        tracemalloc.start()
        try:
            result = await sender.deliver(f"{receiver.base}/hook", ENVELOPE)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert (result.ok, result.attempts) == (ok, attempts)
    assert len(receiver.hits) == attempts
    assert peak < 16 << 20, f"the answer cost {peak / 2**20:.0f} MiB (an inflated bomb is 512 MiB)"


# --- WebSub hubs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("hub", ["{trap}/hub", "http://localhost:{port}/hub", "http://169.254.169.254/hub"])
async def test_websub_hub_requests_go_through_the_policy(start: Start, trap: Receiver, hub: str) -> None:
    """``WebSub.request`` posts with ``SafeFetcher.post_form``: the fetcher's checked client, not a bare one."""
    url = hub.format(trap=trap.base, port=trap.port)
    public = await start(PUBLIC)
    async with SafeFetcher(policy=LISTED, timeouts=FAST_FETCH) as fetcher:
        with pytest.raises(BlockedAddress):
            await fetcher.post_form(url, {"hub.mode": "subscribe"})
        websub = WebSub(fetcher=fetcher, store=None, callback_base="https://me.example/websub", lease_s=600)  # type: ignore[arg-type]
        assert not await websub.request(Subscription("feed1", url, "https://news.example/feed", "s"))
        status, _ = await fetcher.post_form(f"{public.base}/hub", {"hub.mode": "subscribe"})
    assert trap.hits == []
    assert status == 202 and public.hits == ["POST /hub"]


# --- rules add / import ------------------------------------------------------------------------------


class FakeElasticsearch(BaseHTTPRequestHandler):
    """Records every request and answers ``{}``: stands for Elasticsearch, on its own thread (the CLI runs
    its own event loop while the test's is paused)."""

    hits: ClassVar[list[str]] = []

    def _answer(self) -> None:
        type(self).hits.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_HEAD = do_PUT = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Strict settings, and an "Elasticsearch" that records requests: a refused rule never reaches it."""
    FakeElasticsearch.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeElasticsearch)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("WIREWATCH_ALLOW_PRIVATE_NETWORKS", "false")
    monkeypatch.setenv("WIREWATCH_OUTBOUND_ALLOW", f"{PUBLIC}/32")
    monkeypatch.setenv("WIREWATCH_ES_URL", f"http://127.0.0.1:{server.server_port}")
    yield FakeElasticsearch.hits
    server.shutdown()
    server.server_close()
    thread.join()


def run_cli(*args: str) -> tuple[int, str]:
    from wirewatch.cli import cli

    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "webhook",
    [
        "http://127.0.0.1:9200/wirewatch-alerts/_doc",
        "http://localhost:9200/wirewatch-alerts/_doc",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://10.0.0.7/hook",
        "http://0x7f.1/hook",
    ],
)
def test_rules_add_refuses_an_internal_webhook(cli_env: list[str], webhook: str) -> None:
    code, output = run_cli("rules", "add", "inward", "--query", "Kataib", "--webhook", webhook)
    assert code != 0 and "outbound address policy refuses" in output, output
    assert "WIREWATCH_OUTBOUND_ALLOW" in output
    assert cli_env == []  # nothing was written


def test_rules_add_accepts_an_allow_listed_receiver(cli_env: list[str]) -> None:
    _, output = run_cli("rules", "add", "listed", "--query", "Kataib", "--webhook", f"http://{PUBLIC}:1/h")
    assert "outbound address policy" not in output
    assert any(hit.startswith("PUT /wirewatch-rules/_doc/") for hit in cli_env), (output, cli_env)  # stored


def test_rules_import_refuses_the_whole_file(cli_env: list[str], tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - {name: fine, query: Kataib, webhooks: ['https://hooks.example/x']}\n"
        "  - {name: inward, query: Kataib, webhooks: ['http://169.254.169.254/latest/meta-data/']}\n"
    )
    code, output = run_cli("rules", "import", str(path))
    assert code != 0 and "nothing was imported" in output and "'inward' (#2)" in output, output
    assert "cloud metadata endpoint" in output
    assert cli_env == []


# --- the real stack: a webhook at the stack's own Elasticsearch (finding 7) --------------------------


@pytest.mark.integration
async def test_a_webhook_at_the_stacks_elasticsearch_never_writes_there(
    initialised: CommonSettings, start: Start, tmp_path: Path
) -> None:
    """The alerter worker, strict but for the allow-listed receiver: one rule posts to that receiver and to
    ``<ES>/<index>/_doc`` (which, before, created the index with the alert in it)."""
    from bench.workers import Workers
    from tests.integration.test_alerter import FAST, _statuses, dead_letters, dump_logs, publish, put_rules
    from tests.support.polling import eventually
    from wirewatch.core.es import make_es
    from wirewatch.core.stores.rules import new_rule

    settings = initialised
    target = settings.index_name("webhook-trap")
    public = await start(PUBLIC)
    rule = new_rule("inward", "text:Kataib", webhooks=[f"{settings.es_url}/{target}/_doc", f"{public.base}/hook"])
    await put_rules(settings, rule)
    env = FAST | {"WIREWATCH_ALLOW_PRIVATE_NETWORKS": "false", "WIREWATCH_OUTBOUND_ALLOW": f"{PUBLIC}/32"}
    workers = Workers(settings, tmp_path / "logs", extra_env=env)
    workers.start("alerter")
    try:
        await publish(settings, [1], text="Kataib Hezbollah welcomed the announcement.")
        [entry] = await eventually(
            lambda: _statuses(settings, rule, want="failed"), timeout=60, what="the refused delivery in the ledger"
        )
        letters = [letter for letter in await dead_letters(settings) if letter.stage == "alerter"]
    except BaseException:
        dump_logs(workers)
        raise
    finally:
        codes = workers.stop()
    assert codes == {"alerter": 0}
    assert public.hits == ["POST /hook"]  # the alerter ran and reached the allowed receiver
    assert entry["attempts"] == 1 and NOT_ALLOWED in entry["last_error"]
    assert "Connect" not in entry["last_error"] and "refused:" not in entry["last_error"]
    assert [NOT_ALLOWED in letter.reason for letter in letters] == [True]
    es = make_es(settings)
    try:
        assert not (await es.indices.exists(index=target)).body, "the webhook wrote into Elasticsearch"
    finally:
        await es.close()
