"""Fetcher: polls feeds (stored in ``<prefix>-feeds``) and produces article pages to ``pages``.

The faust-free logic lives in the modules re-exported here; ``app.py``/``agents.py`` wire it to Kafka.
Reading order: ``urls`` → ``http`` (with ``addresses``, ``bodies``, ``charset``, ``softblock``) →
``feedparsing`` (with ``xmlsafe`` and one reader per format) → ``politeness`` (with ``robots``) →
``schedule``; ``errors`` is the tree of exceptions they all raise.
"""

from services.fetcher.addresses import AddressPolicy, SafeResolver
from services.fetcher.charset import sniff_charset
from services.fetcher.dates import parse_date
from services.fetcher.errors import (
    BlockedAddress,
    ConnectionFailed,
    DecodeError,
    DNSError,
    FeedParseError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    RedirectError,
    RedirectLoop,
    RobotsDisallowed,
    SoftBlock,
    TLSError,
    TooLarge,
    TooManyRedirects,
)
from services.fetcher.feedparsing import OpmlFeed, ParsedFeed, discover_feeds, parse_feed, parse_opml
from services.fetcher.http import FEED_ACCEPT, PAGE_ACCEPT, FetchResult, SafeFetcher, Timeouts
from services.fetcher.politeness import Politeness
from services.fetcher.robots import RobotsCache
from services.fetcher.schedule import (
    FeedSchedule,
    PollHints,
    SchedulePolicy,
    after_failure,
    after_success,
    classify_error,
    hints_from,
    next_delay,
)
from services.fetcher.softblock import soft_block_reason
from services.fetcher.urls import canonicalize, document_id, host_of

__all__ = [
    "FEED_ACCEPT",
    "PAGE_ACCEPT",
    "AddressPolicy",
    "BlockedAddress",
    "ConnectionFailed",
    "DNSError",
    "DecodeError",
    "FeedParseError",
    "FeedSchedule",
    "FetchError",
    "FetchResult",
    "FetchTimeout",
    "HTTPStatusError",
    "OpmlFeed",
    "ParsedFeed",
    "Politeness",
    "PollHints",
    "RedirectError",
    "RedirectLoop",
    "RobotsCache",
    "RobotsDisallowed",
    "SafeFetcher",
    "SafeResolver",
    "SchedulePolicy",
    "SoftBlock",
    "TLSError",
    "Timeouts",
    "TooLarge",
    "TooManyRedirects",
    "after_failure",
    "after_success",
    "canonicalize",
    "classify_error",
    "discover_feeds",
    "document_id",
    "hints_from",
    "host_of",
    "next_delay",
    "parse_date",
    "parse_feed",
    "parse_opml",
    "sniff_charset",
    "soft_block_reason",
]
