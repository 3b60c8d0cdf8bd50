"""The outbound address policy shared by every client: the gaps of the red-team review (finding 8), the
``WIREWATCH_OUTBOUND_ALLOW`` allow-list, the hosts file, and the connect helpers (SMTP, ``rules add``)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from aiohttp.abc import ResolveResult
from pydantic import ValidationError

from wirewatch.core.destinations import refusal, resolve_checked
from wirewatch.core.errors import BlockedDestination
from wirewatch.core.outbound import AddressPolicy, parse_allow_list, policy_for, read_hosts_file
from wirewatch.core.settings import CommonSettings

STRICT = AddressPolicy()
PRIVATE_ALLOWED = AddressPolicy(allow_private_networks=True)
EVERYTHING_LISTED = AddressPolicy.of(parse_allow_list("0.0.0.0/0, ::/0"))  # the widest allow-list there is


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("168.63.129.16", "cloud metadata endpoint"),  # Azure wire server: globally routable, passed strict
        ("169.254.170.23", "cloud metadata endpoint"),  # EKS pod identity
        ("fd00:ec2::23", "cloud metadata endpoint"),
        ("fd00:ec2::1234", "cloud metadata endpoint"),  # anywhere in AWS's fd00:ec2::/32
        ("169.254.0.23", "cloud metadata endpoint"),
        ("169.254.42.42", "link-local"),  # all of 169.254/16
        ("fe80::1", "link-local"),
        ("::ffff:169.254.169.254", "cloud metadata endpoint"),  # v4-mapped
        ("::169.254.169.254", "cloud metadata endpoint"),  # v4-compatible
        ("2002:a9fe:a9fe::1", "cloud metadata endpoint"),  # 6to4
        ("64:ff9b::a9fe:a9fe", "cloud metadata endpoint"),  # NAT64
    ],
)
@pytest.mark.parametrize("policy", [STRICT, PRIVATE_ALLOWED, EVERYTHING_LISTED], ids=["strict", "private", "listed"])
def test_metadata_and_link_local_are_blocked_whatever_the_settings(
    policy: AddressPolicy, address: str, reason: str
) -> None:
    assert policy.check(address) == reason


def test_deprecated_site_local_is_not_public() -> None:
    assert STRICT.check("fec0::1") == "site-local"
    assert PRIVATE_ALLOWED.check("fec0::1") is None  # a private range like the others


def test_public_and_allowed_addresses_pass() -> None:
    assert STRICT.check("8.8.8.8") is None and STRICT.check("::ffff:8.8.8.8") is None
    listed = AddressPolicy.of(parse_allow_list("10.20.0.0/16, hooks.internal"))
    assert listed.check("10.20.3.4") is None and listed.check("::ffff:10.20.3.4") is None
    assert listed.check("10.21.0.1") == "private"
    assert listed.check("10.99.0.1", host="Hooks.Internal.") is None  # a listed name may resolve anywhere…
    assert listed.check("169.254.169.254", host="hooks.internal") == "cloud metadata endpoint"  # …but there


def test_allow_list_parsing() -> None:
    parsed = parse_allow_list(" 10.0.0.0/8 , Hooks.Internal., fd12::7,[fd00::1],, 192.168.1.5 ")
    assert [str(n) for n in parsed.networks] == ["10.0.0.0/8", "fd12::7/128", "fd00::1/128", "192.168.1.5/32"]
    assert parsed.hosts == {"hooks.internal"}
    assert parse_allow_list("") == parse_allow_list(" , ")
    wide = parse_allow_list("0.0.0.0/0, fd00::/8")  # wider than a blocked range: accepted, the range stays blocked
    assert AddressPolicy.of(wide).check("fd00:ec2::254") == "cloud metadata endpoint"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("169.254.169.254", "can never be allowed"),
        ("169.254.0.0/16", "can never be allowed"),
        ("169.254.170.0/24", "can never be allowed"),
        ("fe80::/64", "can never be allowed"),
        ("fd00:ec2::23", "can never be allowed"),
        ("::ffff:169.254.169.254", "can never be allowed"),
        ("168.63.129.16", "can never be allowed"),
        ("metadata.google.internal", "can never be allowed"),
        ("10.0.0.1/8", "host bits set"),
        ("127.1", "not a valid CIDR"),
        ("a b", "neither a CIDR"),
        ("http://hooks.internal/x", "not a valid CIDR"),
    ],
)
def test_bad_allow_list_entries_are_refused(entry: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_allow_list(f"10.0.0.0/8,{entry}")


def test_the_setting_fails_at_start_naming_the_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_OUTBOUND_ALLOW", "10.1.0.0/16,169.254.169.254")
    with pytest.raises(ValidationError, match=r"'169\.254\.169\.254'.*can never be allowed"):
        CommonSettings()
    monkeypatch.setenv("WIREWATCH_OUTBOUND_ALLOW", "10.1.0.0/16, hooks.internal")
    monkeypatch.delenv("WIREWATCH_ALLOW_PRIVATE_NETWORKS", raising=False)
    policy = policy_for(CommonSettings())
    assert policy.check("10.1.2.3") is None and policy.check("10.2.0.1") == "private"
    assert policy.allowed_hosts == {"hooks.internal"} and not policy.allow_private_networks


@pytest.mark.parametrize(
    "address", ["::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "169.254.170.23", "fe80::1", "168.63.129.16"]
)
def test_hosts_file_refuses_every_spelling_of_blocked_addresses(tmp_path: Path, address: str) -> None:
    path = tmp_path / "hosts"
    path.write_text(f"127.0.0.20 fine.drill\n{address} metadata.drill\n")
    with pytest.raises(ValueError, match="hosts:2"):
        read_hosts_file(path)


class Scripted:
    """A resolver answering every name with the given addresses (a DNS server the attacker controls)."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=socket.AF_INET, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


async def test_smtp_helper_returns_only_checked_addresses() -> None:
    listed = AddressPolicy.of(parse_allow_list("mail.internal"))
    [result] = await resolve_checked("mail.internal", 25, listed, resolver=Scripted("10.9.8.7"))  # type: ignore[arg-type]
    assert (result["host"], result["port"]) == ("10.9.8.7", 25)
    [public] = await resolve_checked("8.8.4.4", 587, STRICT)
    assert public["host"] == "8.8.4.4"


@pytest.mark.parametrize(
    ("host", "answers"),
    [
        ("smtp.evil.test", ("127.0.0.1",)),
        ("smtp.evil.test", ("8.8.8.8", "10.0.0.5")),  # one bad answer is enough
        ("mail.internal", ("169.254.169.254",)),  # listed, but never metadata
        ("127.0.0.1", ()),
        ("[::ffff:169.254.169.254]", ()),
        ("2130706433", ()),  # 127.0.0.1 as an integer
    ],
)
async def test_smtp_helper_refuses_before_connecting(host: str, answers: tuple[str, ...]) -> None:
    listed = AddressPolicy.of(parse_allow_list("mail.internal"))
    with pytest.raises(BlockedDestination):
        await resolve_checked(host, 25, listed, resolver=Scripted(*answers))  # type: ignore[arg-type]


async def test_refusal_explains_literals_and_resolved_names_and_lets_unknown_names_pass() -> None:
    assert await refusal("http://169.254.169.254/latest", PRIVATE_ALLOWED) == (
        "address 169.254.169.254 refused: cloud metadata endpoint"
    )
    assert "loopback" in (await refusal("http://[::1]:9200/x", STRICT) or "")
    evil = Scripted("127.0.0.1")
    assert await refusal("https://hooks.evil.test/x", STRICT, resolver=evil) == (  # type: ignore[arg-type]
        "hooks.evil.test resolves to 127.0.0.1: loopback"
    )
    assert "http(s)" in (await refusal("gopher://hooks.example/", STRICT) or "")
    assert await refusal("https://unresolvable.invalid/hook", STRICT) is None  # checked again at connect
    assert await refusal("https://8.8.8.8/hook", STRICT) is None
