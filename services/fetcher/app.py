"""Fetcher worker: feeds (``<prefix>-feeds``) → article pages on ``pages``; known URLs in ``<prefix>-urls``;
pages that cannot be fetched go to ``deadletters`` with the reason. Reads ``fetch.requests``. With
``WIREWATCH_FETCHER_CALLBACK_URL`` set it also serves the WebSub callback and takes pushed entries. The topics
come from the ``fetcher`` entry of ``STAGES``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import cache

from wirewatch.core import worker
from wirewatch.core.es import make_es
from wirewatch.core.kafka import Outgoing, make_app, send_all
from wirewatch.core.runner import BatchRunner
from wirewatch.core.stageapp import declare_agents, stage_runner
from wirewatch.core.stores.feeds import FeedStore
from wirewatch.schemas import FetchRequest, Lane, stage
from wirewatch.services.fetcher.addressbook import AddressBook, CachingResolver
from wirewatch.services.fetcher.callbacks import Callbacks, serve
from wirewatch.services.fetcher.clients import fetcher_for, hosts_of
from wirewatch.services.fetcher.http import SafeFetcher
from wirewatch.services.fetcher.ingest import PageIngest
from wirewatch.services.fetcher.politeness import Politeness
from wirewatch.services.fetcher.polling import FeedPoller
from wirewatch.services.fetcher.requests import RequestHandler
from wirewatch.services.fetcher.robots import RobotsCache
from wirewatch.services.fetcher.schedule import SchedulePolicy
from wirewatch.services.fetcher.settings import FetcherSettings
from wirewatch.services.fetcher.store import KnownUrls
from wirewatch.services.fetcher.websub import WebSub

STAGE = stage("fetcher")
settings = FetcherSettings()
# faust starts tasks (the poll loop) only after the first partition assignment, which after a crash waits
# for the dead member's session to expire: make_app keeps that at 10 s
app = make_app(STAGE.name, settings)


@cache
def pinned_hosts() -> dict[str, list[str]] | None:
    """``WIREWATCH_FETCHER_HOSTS_FILE``'s names and addresses (tests and drills only), or ``None``; read once
    for the client and the address book alike."""
    return hosts_of(settings)


def build_fetcher(resolver: CachingResolver | None = None) -> SafeFetcher:
    """The HTTP client, with the installation's outbound policy. A hosts file (tests and drills only) pins
    names, exempting exactly their addresses."""
    return fetcher_for(settings, hosts=pinned_hosts(), resolver=resolver)


@cache
def _note_first_send() -> None:
    worker.milestone("first page (or dead letter) sent", STAGE.name)


async def _send(messages: Sequence[Outgoing]) -> None:
    await send_all(app, messages)
    _note_first_send()


def build_ingest() -> PageIngest:
    es = make_es(settings)
    # one DNS cache under the connector and the address book: politeness waits at the address connected to
    resolver = CachingResolver(max_entries=settings.fetcher_host_cache_size)
    fetcher = build_fetcher(resolver)
    robots = RobotsCache(fetcher, ttl_s=settings.fetcher_robots_ttl_s, max_entries=settings.fetcher_robots_cache_size)
    politeness = Politeness(
        robots,
        per_host_limit=settings.fetcher_per_host,
        min_delay_s=settings.fetcher_min_delay_s,
        per_address_limit=settings.fetcher_per_address,
        address_min_delay_s=settings.fetcher_address_min_delay_s,
        addresses=AddressBook(fetcher.policy, pinned_hosts(), resolver),
        max_hosts=settings.fetcher_host_cache_size,
        host_ttl_s=settings.fetcher_host_ttl_s,
    )
    known = KnownUrls(es, settings.index_name("urls"))
    ingest = PageIngest(
        fetcher=fetcher,
        politeness=politeness,
        known=known,
        send=_send,
        pages_topic=settings.topic_name(STAGE.output),
        deadletter_topic=settings.topic_name(STAGE.deadletters),
        max_bytes=settings.fetcher_max_page_bytes,
        attempts=settings.fetcher_page_attempts,
        max_in_flight=settings.fetcher_max_in_flight,
        per_feed=settings.fetcher_max_in_flight_per_feed,
    )
    return ingest


@cache
def shared_ingest() -> PageIngest:
    """One fetcher, politeness state and known-URL view for polls, pushes and requests alike."""
    return build_ingest()


def build_poller() -> FeedPoller:
    ingest = shared_ingest()
    store = FeedStore(ingest.known.es, settings.index_name("feeds"))
    websub = None
    if settings.fetcher_callback_url:
        # WebSub stores a secret per subscription: without a key, say so at start, not at the first hub
        store.box.require("WIREWATCH_FETCHER_CALLBACK_URL (WebSub secrets are stored sealed)")
        websub = WebSub(
            fetcher=ingest.fetcher,
            store=store,
            callback_base=settings.fetcher_callback_url,
            lease_s=settings.fetcher_websub_lease_s,
            lease_min_s=settings.fetcher_websub_lease_min_s,
            lease_max_s=settings.fetcher_websub_lease_max_s,
        )
    policy = SchedulePolicy(default_s=settings.poll_interval, min_s=min(60.0, settings.poll_interval))
    return FeedPoller(
        store=store,
        fetcher=ingest.fetcher,
        politeness=ingest.politeness,
        ingest=ingest,
        policy=policy,
        replicas=settings.fetcher_replicas,
        replica=settings.fetcher_replica,
        concurrency=settings.fetcher_feed_concurrency,
        refresh_s=settings.fetcher_refresh_s,
        max_feed_bytes=settings.fetcher_max_feed_bytes,
        limits=settings.feed_limits(),
        websub=websub,
        fallback=settings.fetcher_websub_fallback,
    )


async def poll_feeds() -> None:
    poller = build_poller()
    runner = None
    if poller.websub is not None:
        callbacks = Callbacks(poller.websub, poller.pushed, max_bytes=settings.fetcher_max_feed_bytes)
        runner = await serve(callbacks, settings.fetcher_callback_host, settings.fetcher_callback_port)
    try:
        await poller.run()
    finally:  # the worker is stopping: end the polls in flight, release the callback port and the connection pools
        await poller.stop()
        if runner is not None:
            await runner.cleanup()
        await poller.fetcher.close()
        await poller.store.es.close()


app.task(poll_feeds)  # registered by a call: faust's task decorator is untyped


@asynccontextmanager
async def runner_for(lane: Lane) -> AsyncIterator[BatchRunner[FetchRequest]]:
    """Fetch requests (dead-letter replays, pushed entries) go through the same ingest as polled items."""
    ingest = shared_ingest()
    feeds = FeedStore(ingest.known.es, settings.index_name("feeds"))
    yield stage_runner(app, settings, STAGE, FetchRequest, RequestHandler(ingest, feeds))


agents = declare_agents(app, settings, STAGE.name, runner_for)


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
