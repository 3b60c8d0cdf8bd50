"""One article through the real indexer handler on the real server (issue 19): it lands in the index with its
timeline (mapped as dates, so Kibana can chart the hops), and its announcement carries the timeline up to
searchable, for the alerter and the bench's waterfall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from bench.messages import enriched
from wirewatch.core.es import make_es
from wirewatch.core.kafka import Outgoing
from wirewatch.core.settings import CommonSettings
from wirewatch.schemas import IndexedBatch, Timeline
from wirewatch.services.indexer.handler import IndexHandler

pytestmark = [pytest.mark.integration]


async def test_an_article_lands_with_its_timeline_and_is_announced_with_it_up_to_searchable(
    initialised: CommonSettings,
) -> None:
    settings = initialised
    alias = settings.index_name("articles")
    start = datetime.now(UTC) - timedelta(seconds=3)
    stamps = Timeline(
        appeared=start,
        fetched=start + timedelta(seconds=1),
        parsed=start + timedelta(seconds=1.1),
        extracted=start + timedelta(seconds=2),
    )
    article = enriched(7).model_copy(update={"timeline": stamps})
    es = make_es(settings)
    try:
        handler = IndexHandler(es, alias=alias, indexed_topic="t.indexed", max_bytes=10_000_000)
        [[announcement]] = await handler([article])
        [doc] = IndexedBatch.from_bytes(cast(Outgoing, announcement).value).docs
        assert doc.timeline.extracted == stamps.extracted and doc.timeline.appeared == stamps.appeared
        assert doc.timeline.indexed is not None and doc.timeline.searchable is not None
        assert stamps.extracted is not None and stamps.extracted <= doc.timeline.indexed <= doc.timeline.searchable

        # searchable by its stamps: the timeline is mapped as dates, so a range on a hop's end works
        found = await es.search(
            index=alias, query={"range": {"timeline.extracted": {"gte": (start + timedelta(seconds=1.5)).isoformat()}}}
        )
        [hit] = found.body["hits"]["hits"]
        assert Timeline.model_validate(hit["_source"]["timeline"]) == stamps
        mapping = (await es.indices.get_mapping(index=alias)).body
        [properties] = [m["mappings"]["properties"] for m in mapping.values()]
        assert properties["timeline"]["properties"]["appeared"]["type"] == "date"
    finally:
        await es.close()
