"""Benchmark: what a damaged feed keeps, per kind of damage, through ``parse_feed`` (issue 15, item 3).

Each case is an RSS feed of ``--items`` items, every one with an entity in its title (``AT&amp;T``) and a query
string in its link (``?a=1&amp;b=2``), damaged in one way near its start. Printed per case: items read, items
whose link and title are exactly right, and the milliseconds per parse (best of ``--rounds``).

Run it on this checkout, and on an older one to compare (``PYTHONPATH=OLD_CHECKOUT python bench/feed_recovery.py``:
the script imports ``parse_feed`` from whatever ``wirewatch`` comes first). ``--recover`` reads every case with
lxml's recover mode as the fallback instead of the tolerant path (the code path this issue replaced).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wirewatch.services.fetcher import feedparsing
from wirewatch.services.fetcher.errors import FeedParseError

URL = "https://news.example/feed.xml"


def item(number: int, damage: bytes = b"") -> bytes:
    return (
        b"<item><title>Item %d AT&amp;T</title><link>https://news.example/%d?a=1&amp;b=2</link>"
        b"<description>Text %d &amp; more%s</description></item>" % (number, number, number, damage)
    )


def feed(items: int, damaged: bytes, prefix: bytes = b"", after: bytes = b"") -> bytes:
    body = b"".join(item(number, damaged if number == 1 else b"") for number in range(items))
    return (
        prefix
        + b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
        + body.replace(b"</item>", b"</item>" + after, 1)
        + b"</channel></rss>"
    )


CASES: dict[str, Callable[[int], bytes]] = {
    "well-formed": lambda n: feed(n, b""),
    "newline before <?xml": lambda n: feed(n, b"", prefix=b"\n"),
    "newline + BOM before <?xml": lambda n: feed(n, b"", prefix=b"\n\xef\xbb\xbf"),
    "control character (\\x0b)": lambda n: feed(n, b"\x0b"),
    "unclosed tag in item 1": lambda n: feed(n, b"", after=b"<enclosure url='x'>"),
    "stray end tag": lambda n: feed(n, b"</b>"),
    "HTML entity (&eacute;)": lambda n: feed(n, b" caf&eacute;"),
    "bare ampersand": lambda n: feed(n, b" Q&A"),
    "unquoted attribute": lambda n: feed(n, b"", after=b"<guid isPermaLink=false>x</guid>"),
}


def right(parsed: feedparsing.ParsedFeed, items: int) -> tuple[int, int]:
    wanted = {f"https://news.example/{n}?a=1&b=2": f"Item {n} AT&T" for n in range(items)}
    exact = sum(1 for entry in parsed.items if wanted.get(entry.link) == entry.title)
    return len(parsed.items), exact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--recover", action="store_true", help="lxml recover mode as the fallback (the old path)")
    args = parser.parse_args()
    parse = partial(feedparsing.parse_feed, url=URL)
    if args.recover and hasattr(feedparsing, "read_tolerantly"):
        feedparsing.read_tolerantly = lambda *_args, **_kwargs: None  # type: ignore[assignment]
    print(f"{'case':30} {'read':>6} {'right':>6} {'ms':>8}   ({args.items} items, {feedparsing.__file__})")
    for name, build in CASES.items():
        body = build(args.items)
        best, outcome = float("inf"), "-"
        for _round in range(args.rounds):
            started = time.perf_counter()
            try:
                read, exact = right(parse(body), args.items)
                outcome = f"{read:>6} {exact:>6}"
            except FeedParseError as exc:
                outcome = f"error: {exc.reason[:40]}"
            best = min(best, time.perf_counter() - started)
        print(f"{name:30} {outcome:>13} {best * 1000:>8.2f}")


if __name__ == "__main__":
    main()
