"""Fetcher worker: feeds (``<prefix>-feeds``) → article pages on ``pages``; known URLs in ``<prefix>-urls``;
pages that cannot be fetched go to ``deadletters`` with the reason."""

from __future__ import annotations

from functools import cache, partial

from schemas import FetchRequest
from services.fetcher.http import SafeFetcher, Timeouts
from services.fetcher.ingest import PageIngest
from services.fetcher.politeness import Politeness
from services.fetcher.polling import FeedPoller
from services.fetcher.requests import RequestHandler
from services.fetcher.robots import RobotsCache
from services.fetcher.schedule import SchedulePolicy
from services.fetcher.settings import FetcherSettings
from services.fetcher.store import FeedStore, KnownUrls
from wirewatch import worker
from wirewatch.es import make_es
from wirewatch.kafka import app_topic, make_app, send_all
from wirewatch.stage import BatchRunner

settings = FetcherSettings()
app = make_app("fetcher", settings, web_port=settings.metrics_port)
requests_topic = app_topic(app, settings, "fetch.requests")


def build_ingest() -> PageIngest:
    es = make_es(settings)
    fetcher = SafeFetcher(user_agent=settings.fetcher_user_agent,
                          allow_private_networks=settings.allow_private_networks,
                          timeouts=Timeouts(total_s=settings.fetcher_timeout_s))
    politeness = Politeness(RobotsCache(fetcher), per_host_limit=settings.fetcher_per_host,
                            min_delay_s=settings.fetcher_min_delay_s)
    ingest = PageIngest(fetcher=fetcher, politeness=politeness, known=KnownUrls(es, settings.index_name("urls")),
                        send=partial(send_all, app), pages_topic=settings.topic_name("pages"),
                        deadletter_topic=settings.topic_name("deadletters"),
                        max_bytes=settings.fetcher_max_page_bytes, attempts=settings.fetcher_page_attempts)
    return ingest


@cache
def shared_ingest() -> PageIngest:
    """One fetcher, politeness state and known-URL view for polls and requests alike."""
    return build_ingest()


def build_poller() -> FeedPoller:
    ingest = shared_ingest()
    policy = SchedulePolicy(default_s=settings.poll_interval, min_s=min(60.0, settings.poll_interval))
    return FeedPoller(store=FeedStore(ingest.known.es, settings.index_name("feeds")), fetcher=ingest.fetcher,
                      politeness=ingest.politeness,
                      ingest=ingest, policy=policy, replicas=settings.fetcher_replicas,
                      replica=settings.fetcher_replica, concurrency=settings.fetcher_feed_concurrency,
                      refresh_s=settings.fetcher_refresh_s, max_feed_bytes=settings.fetcher_max_feed_bytes)


@app.task
async def poll_feeds() -> None:
    await build_poller().run()


@app.agent(requests_topic, concurrency=1)
async def fetch_requested(stream):  # type: ignore[no-untyped-def]
    runner = BatchRunner(stage="fetcher", model=FetchRequest, handler=RequestHandler(shared_ingest()),
                         send=partial(send_all, app), deadletter_topic=settings.topic_name("deadletters"))
    await worker.drain(stream, runner, max_batch=16, within_s=0.2)


def main() -> None:
    worker.run(app, settings)


if __name__ == "__main__":
    main()
