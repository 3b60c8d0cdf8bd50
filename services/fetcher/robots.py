"""robots.txt: fetched through the :class:`SafeFetcher`, parsed by ``protego`` (RFC 9309), cached per origin.

What an answer means (RFC 9309, as the big crawlers read it):

* 2xx: the rules apply (at most 500 KiB is read, Google's limit: the rules in those 500 KiB are obeyed);
* 4xx (not 429), or a redirect chain that never ends: there are no rules, everything is allowed;
* 429, 5xx, timeouts, connection errors and challenge pages: the site is not reachable, so nothing is
  allowed for now; this is cached only for ``error_ttl_s`` and then asked again.

Concurrent callers for one origin share a single fetch. ``gate`` (set by
:class:`~wirewatch.services.fetcher.politeness.Politeness`) makes that fetch take a turn like any other request to
the host, so robots.txt never breaks the per-host limit or delay.

**RFC 9309 matching** (``protego``, Scrapy's parser): ``*`` matches any run of characters and ``$`` ends a
pattern; the longest matching rule wins, ``Allow`` on a tie, whatever the order of the lines; the group
whose user-agent is the longest token of our agent applies alone, else the ``*`` group; ``Crawl-delay``
goes to politeness and ``Sitemap`` lines are kept. (``urllib.robotparser``, used before, read ``*`` and
``$`` literally and took the first matching line: ``Disallow: /*.pdf$`` allowed every PDF.)

**Bounded.** Parsing runs in a worker thread (:func:`parse_rules`), so 500 KiB of rules never stalls the other
fetches. Only what we use is kept: the one group that applies to our agent, at most ``MAX_RULES`` rules
per group (the first in the file: :func:`_capped_lines` drops the rest before parsing) and ``MAX_SITEMAPS``
sitemap URLs; every check is then cheap and one origin's rules weigh tens of kilobytes, not megabytes. The
verdicts live in a :class:`~wirewatch.core.caches.BoundedCache` of ``max_entries`` origins, each kept until
its own expiry (``ttl_s``, or ``error_ttl_s`` for an unreachable site).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from protego import Protego

from wirewatch.core.caches import BoundedCache
from wirewatch.services.fetcher.errors import FetchError, HTTPStatusError, RedirectError, TooLarge
from wirewatch.services.fetcher.http import FetchResult, SafeFetcher

ROBOTS_MAX_BYTES = 500 * 1024
MAX_RULES = 500  # per kept group; real files rarely have more than a few hundred
MAX_SITEMAPS = 50
Gate = Callable[[str], AbstractAsyncContextManager[None]]


@dataclass(slots=True)
class RobotsRules:
    """One origin's robots.txt verdict, valid until ``expires_at`` (monotonic clock)."""

    expires_at: float
    parser: Protego | None = None  # None: no rules (allow all) or see disallow_all
    disallow_all: bool = False
    reason: str = "ok"
    sitemaps: list[str] = field(default_factory=list)

    def allows(self, url: str, agent: str) -> bool:
        """Whether ``agent`` (the agent the rules were parsed for) may fetch ``url`` under these rules."""
        if self.disallow_all:
            return False
        return self.parser is None or self.parser.can_fetch(url, agent)

    def crawl_delay_s(self, agent: str) -> float | None:
        """The ``Crawl-delay`` for ``agent``, if the site set one."""
        delay = self.parser.crawl_delay(agent) if self.parser is not None else None
        return float(delay) if delay is not None else None


class RobotsCache:
    """Answers "may we fetch this URL?" with one robots.txt fetch per origin per ``ttl_s``."""

    def __init__(
        self,
        fetcher: SafeFetcher,
        *,
        agent: str | None = None,
        ttl_s: float = 3600.0,
        error_ttl_s: float = 600.0,
        max_entries: int = 2000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetcher = fetcher
        self.agent = agent or fetcher.user_agent.split("/", 1)[0].split()[0]
        self.ttl_s, self.error_ttl_s = ttl_s, error_ttl_s
        self._clock = clock
        self.gate: Gate | None = None
        self._rules: BoundedCache[str, RobotsRules] = BoundedCache(max_entries, ttl_s, clock=clock)
        self._pending: dict[str, asyncio.Task[RobotsRules]] = {}

    async def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch ``url`` (fetching robots.txt first if needed)."""
        return (await self.rules(url)).allows(url, self.agent)

    async def rules(self, url: str) -> RobotsRules:
        """The current rules for ``url``'s origin, fetched once for concurrent callers."""
        origin = origin_of(url)
        cached = self._rules.get(origin)
        if cached is not None and cached.expires_at > self._clock():
            return cached
        task = self._pending.get(origin)
        if task is None:
            task = asyncio.ensure_future(self._load(origin))
            self._pending[origin] = task
            task.add_done_callback(lambda _: self._pending.pop(origin, None))
        return await asyncio.shield(task)

    def cached(self) -> int:
        """How many origins have a verdict kept (at most ``max_entries``; expired ones until swept)."""
        return len(self._rules)

    async def _load(self, origin: str) -> RobotsRules:
        rules = await self._fetch_rules(origin)
        self._rules.put(origin, rules, expires_at=rules.expires_at)
        return rules

    async def _fetch_rules(self, origin: str) -> RobotsRules:
        url = f"{origin}/robots.txt"
        try:
            async with self.gate(url) if self.gate is not None else nullcontext():
                result = await self.fetcher.fetch(
                    url, accept="text/plain, */*;q=0.1", max_bytes=ROBOTS_MAX_BYTES, truncate=True
                )
        except HTTPStatusError as exc:
            now = self._clock()
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                return RobotsRules(expires_at=now + self.ttl_s, reason=f"HTTP {exc.status}: allow all")
            return self._unreachable(now, f"HTTP {exc.status}")
        except (RedirectError, TooLarge) as exc:
            return RobotsRules(expires_at=self._clock() + self.ttl_s, reason=f"{exc.error_class}: allow all")
        except FetchError as exc:
            return self._unreachable(self._clock(), exc.error_class)
        return await asyncio.to_thread(parse_rules, result, self.agent, self._clock() + self.ttl_s)

    def _unreachable(self, now: float, why: str) -> RobotsRules:
        return RobotsRules(expires_at=now + self.error_ttl_s, disallow_all=True, reason=f"{why}: disallow for now")


def parse_rules(result: FetchResult, agent: str, expires_at: float) -> RobotsRules:
    """Decode and parse a robots.txt answer, keeping only what ``agent`` needs (run it off the event loop)."""
    return rules_from_text(result.text(), agent, expires_at)


def rules_from_text(text: str, agent: str, expires_at: float) -> RobotsRules:
    """Parse robots.txt ``text`` for ``agent``: its own group (or ``*``) only, ``MAX_RULES`` rules per group."""
    parser = Protego.parse("\n".join(_capped_lines(text.splitlines())))
    _keep_only(parser, agent)
    sitemaps = list(itertools.islice(parser.sitemaps, MAX_SITEMAPS))
    return RobotsRules(expires_at=expires_at, parser=parser, sitemaps=sitemaps)


def _capped_lines(lines: list[str]) -> Iterator[str]:
    """The lines of a robots.txt with at most ``MAX_RULES`` allow/disallow lines per group (first come)."""
    rules, in_agents = 0, False
    for line in lines:
        field = line.split(":", 1)[0].strip().lower() if ":" in line else ""
        if field in ("user-agent", "useragent"):
            rules = 0 if not in_agents else rules  # consecutive user-agent lines open one group
            in_agents = True
        elif field:
            in_agents = False
        if field in ("allow", "disallow"):
            rules += 1
            if rules > MAX_RULES:
                continue
        yield line


def _keep_only(parser: Protego, agent: str) -> None:
    """Drop every group but the one ``agent`` reads, so an origin's verdict weighs what that group weighs.

    ``protego`` keeps every group and a pattern cache; its private state is pinned by the exact version
    (``protego==0.7.0``) and the tests in ``tests/unit/fetcher/test_robots.py`` read it back.
    """
    own = parser._get_matching_rule_set(agent)
    parser._user_agents = {own.user_agent: own} if own is not None and own.user_agent is not None else {}
    parser._matched_rule_set = {}
    parser._url_patterns = {}  # only used while parsing; it holds the patterns of every group


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased: robots.txt is per origin."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
