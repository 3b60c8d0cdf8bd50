"""URL canonicalisation, document ids and host names."""

from __future__ import annotations

import pytest

from wirewatch.services.fetcher.urls import canonicalize, document_id, host_of


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com/a#section-2", "http://example.com/a"),
        ("http://example.com/a?utm_source=x&utm_medium=rss&id=7", "http://example.com/a?id=7"),
        ("http://example.com/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref_src=twsrc", "http://example.com/a"),
        ("http://example.com/a?UTM_Campaign=x&b=1", "http://example.com/a?b=1"),
        ("http://example.com/a?b=2&a=1&a=0", "http://example.com/a?a=0&a=1&b=2"),
        ("http://example.com/%7euser/%41%62c", "http://example.com/~user/Abc"),
        ("http://example.com/a%2fb%3a", "http://example.com/a%2Fb%3A"),
        ("http://example.com/a b/é", "http://example.com/a%20b/%C3%A9"),
        ("http://example.com/100%/x", "http://example.com/100%25/x"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/a?q=a+b&x=%e2%82%ac", "http://example.com/a?q=a+b&x=%E2%82%AC"),
        ("http://example.com/a?&&x=1&", "http://example.com/a?x=1"),
        ("http://Bücher.example/straße", "http://xn--bcher-kva.example/stra%C3%9Fe"),
        ("  http://example.com./a  ", "http://example.com/a"),
        ("http://user:pw@Example.com/a", "http://user:pw@example.com/a"),
        ("http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"),
    ],
)
def test_canonicalize(url: str, canonical: str) -> None:
    assert canonicalize(url) == canonical


def test_canonicalize_is_idempotent() -> None:
    url = "HTTP://Example.com:80/x/../%7Ey?b=2&utm_term=z&a=%zz#f"
    once = canonicalize(url)
    assert canonicalize(once) == once


def test_variants_share_a_document_id() -> None:
    a = document_id(canonicalize("https://News.example.com/story?id=9&utm_source=rss#comments"))
    b = document_id(canonicalize("https://news.example.com:443/story?id=9"))
    c = document_id(canonicalize("https://news.example.com/story?id=10"))
    assert a == b != c
    assert len(a) == 32 and int(a, 16) >= 0


def test_host_of() -> None:
    assert host_of("https://WWW.Example.com:8080/x") == "www.example.com"
    assert host_of("http://Bücher.example./") == "xn--bcher-kva.example"
    assert host_of("not a url") == ""
