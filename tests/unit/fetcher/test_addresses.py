"""SSRF guard: the address policy, the checking resolver, and redirects to forbidden addresses."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.abc import ResolveResult

from tests.unit.fetcher.conftest import FAST, Serve, app_with
from wirewatch.services.fetcher.addresses import AddressPolicy, SafeResolver
from wirewatch.services.fetcher.errors import BlockedAddress
from wirewatch.services.fetcher.http import SafeFetcher

PUBLIC_FOR_TESTS = "127.0.0.2"  # treated as public by the test policy; everything else stays strict


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "cloud metadata endpoint"),
        ("fd00:ec2::254", "cloud metadata endpoint"),
        ("100.100.100.200", "cloud metadata endpoint"),
        ("169.254.1.1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not globally routable"),
        ("240.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),  # v4-mapped
        ("2002:7f00:1::1", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 wrapping 10.0.0.1
        ("fc00::1", "private"),
        ("not-an-ip", "not an IP address: 'not-an-ip'"),
    ],
)
def test_strict_policy(address: str, reason: str | None) -> None:
    assert AddressPolicy().check(address) == reason


def test_private_networks_can_be_allowed_but_never_metadata() -> None:
    relaxed = AddressPolicy(allow_private_networks=True)
    assert relaxed.check("127.0.0.1") is None and relaxed.check("10.1.2.3") is None
    assert relaxed.check("169.254.169.254") == "cloud metadata endpoint"
    assert relaxed.check("::ffff:169.254.169.254") == "cloud metadata endpoint"


def test_exempting_is_exact() -> None:
    policy = AddressPolicy.exempting("127.0.0.2/32")
    assert policy.check("127.0.0.2") is None
    assert policy.check("127.0.0.1") == "loopback"


@dataclass
class Trap:
    """A server on 127.0.0.1 that must never be reached."""

    base: str
    hits: int = 0


@pytest.fixture
async def trap(serve: Serve) -> Trap:
    found = Trap(base="")

    async def hit(request: web.Request) -> web.Response:
        found.hits += 1
        return web.Response(text="secret")

    found.base = await serve(app_with({"/{tail:.*}": hit}))
    return found


@pytest.fixture
async def strict_fetcher() -> AsyncIterator[SafeFetcher]:
    """Strict policy, except that ``news.test`` resolves to the one address the tests treat as public."""
    policy = AddressPolicy.exempting(f"{PUBLIC_FOR_TESTS}/32")
    async with SafeFetcher(policy=policy, hosts={"news.test": [PUBLIC_FOR_TESTS]}, timeouts=FAST) as client:
        yield client


async def redirector(serve: Serve) -> str:
    async def go(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": request.query["to"]})

    async def feed(request: web.Request) -> web.Response:
        assert request.transport is not None
        peer_ip = request.transport.get_extra_info("sockname")[0]
        return web.Response(text=f"served on {peer_ip}")

    base = await serve(app_with({"/go": go, "/feed": feed}), host=PUBLIC_FOR_TESTS)
    return base.replace(PUBLIC_FOR_TESTS, "news.test")


async def test_first_hop_on_the_public_test_host_works(serve: Serve, strict_fetcher: SafeFetcher) -> None:
    base = await redirector(serve)
    result = await strict_fetcher.fetch(f"{base}/go?to=/feed")
    assert result.body == f"served on {PUBLIC_FOR_TESTS}".encode()  # connected to the checked address


@pytest.mark.parametrize(
    "target",
    [
        "{trap}/x",  # 127.0.0.1 literal
        "http://localhost:{port}/x",  # a name resolving to loopback
        "http://[::1]:{port}/x",
        "http://[::ffff:127.0.0.1]:{port}/x",
        "http://2130706433:{port}/x",  # 127.0.0.1 as a decimal integer
        "http://0x7f.0.0.1:{port}/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
    ],
)
async def test_redirects_to_forbidden_destinations_are_blocked(
    serve: Serve, strict_fetcher: SafeFetcher, trap: Trap, target: str
) -> None:
    base = await redirector(serve)
    port = trap.base.rsplit(":", 1)[1]
    destination = target.format(trap=trap.base, port=port)
    with pytest.raises(BlockedAddress) as caught:
        await strict_fetcher.fetch(f"{base}/go?to={destination}")
    assert caught.value.error_class == "blocked_address" and not caught.value.retriable
    assert caught.value.url is not None
    assert any(word in str(caught.value) for word in ("loopback", "private", "metadata", "http(s)")), caught.value
    assert trap.hits == 0


async def test_direct_private_fetch_is_blocked_unless_allowed(trap: Trap, strict_fetcher: SafeFetcher) -> None:
    with pytest.raises(BlockedAddress, match="loopback"):
        await strict_fetcher.fetch(f"{trap.base}/x")
    assert trap.hits == 0
    async with SafeFetcher(allow_private_networks=True, timeouts=FAST) as relaxed:
        assert (await relaxed.fetch(f"{trap.base}/x")).body == b"secret"
    assert trap.hits == 1


class ScriptedResolver:
    """Answers every lookup with the given addresses (a DNS server an attacker controls)."""

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


@pytest.mark.parametrize("answers", [("127.0.0.1",), (PUBLIC_FOR_TESTS, "10.0.0.7"), ("169.254.169.254",)])
async def test_resolver_refuses_any_forbidden_answer(answers: tuple[str, ...]) -> None:
    policy = AddressPolicy.exempting(f"{PUBLIC_FOR_TESTS}/32")
    resolver = SafeResolver(policy, inner=ScriptedResolver(*answers))  # type: ignore[arg-type]
    with pytest.raises(BlockedAddress, match=r"evil\.test resolves to"):
        await resolver.resolve("evil.test", 80)


async def test_fetch_through_a_rebinding_name_is_blocked(trap: Trap) -> None:
    port = int(trap.base.rsplit(":", 1)[1])
    scripted = ScriptedResolver("127.0.0.1")
    async with SafeFetcher(resolver=scripted, timeouts=FAST) as client:  # type: ignore[arg-type]
        with pytest.raises(BlockedAddress, match=r"rebind\.test resolves to 127\.0\.0\.1"):
            await client.fetch(f"http://rebind.test:{port}/x")
    assert scripted.calls == 1 and trap.hits == 0


def test_hosts_file_pins_names_and_exempts_exactly_those_addresses(tmp_path: Path) -> None:
    from wirewatch.services.fetcher.addresses import exempt_networks, read_hosts_file

    path = tmp_path / "hosts"
    path.write_text("# drill\n127.0.0.20 a.drill B.drill.  # comment\n\n::1 c.drill\n")
    hosts = read_hosts_file(path)
    assert hosts == {"a.drill": ["127.0.0.20"], "b.drill": ["127.0.0.20"], "c.drill": ["::1"]}
    policy = AddressPolicy(allowed_networks=exempt_networks(hosts))
    assert policy.check("127.0.0.20") is None and policy.check("::1") is None
    assert policy.check("127.0.0.1") == "loopback" and policy.check("10.0.0.1") == "private"


@pytest.mark.parametrize("line", ["169.254.169.254 metadata.drill", "127.0.0.20", "not-an-ip x.drill"])
def test_hosts_file_refuses_metadata_nameless_and_bad_lines(tmp_path: Path, line: str) -> None:
    from wirewatch.services.fetcher.addresses import read_hosts_file

    path = tmp_path / "hosts"
    path.write_text(line + "\n")
    with pytest.raises(ValueError, match="hosts:1"):
        read_hosts_file(path)
