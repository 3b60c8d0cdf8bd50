"""The indexer's batch handler: assign each article of a batch its story, bulk-write the batch (the articles
and, given a mentions index, their entity registry documents), refresh the documents of the stories it
touched (given a stories index), then announce what became searchable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from elasticsearch import AsyncElasticsearch

from wirewatch.core import metrics
from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import Result
from wirewatch.schemas import EnrichedArticle, IndexedBatch, IndexedDoc
from wirewatch.services.indexer.bulk import write
from wirewatch.services.indexer.documents import external_version
from wirewatch.services.indexer.stories import alone_lines, assign_stories, write_stories


class IndexHandler:
    def __init__(
        self,
        es: AsyncElasticsearch,
        *,
        alias: str,
        indexed_topic: str,
        max_bytes: int,
        mentions_index: str | None = None,
        stories_index: str | None = None,
    ) -> None:
        self.es = es
        self.alias = alias
        self.indexed_topic = indexed_topic
        self.max_bytes = max_bytes
        self.mentions_index = mentions_index
        self.stories_index = stories_index

    async def __call__(self, articles: Sequence[EnrichedArticle]) -> list[Result]:
        stories = await assign_stories(self.es, self.alias, articles)
        alone = alone_lines(self.stories_index, articles, stories) if self.stories_index is not None else None
        outcome = await write(
            self.es,
            self.alias,
            articles,
            max_bytes=self.max_bytes,
            mentions=self.mentions_index,
            fields=stories.fields,
            lines=alone,
        )
        indexed = datetime.now(UTC)  # the bulk request was acknowledged
        if self.stories_index is not None:
            await write_stories(self.es, self.alias, self.stories_index, outcome.written, stories)
        written = {a.id for a in outcome.written}
        announcement = self._announce(outcome.written, indexed)
        results: list[Result] = []
        for article in articles:
            if article.id in outcome.rejected:
                results.append(outcome.rejected[article.id])
            elif article.id in written and announcement is not None:
                results.append([announcement])
                announcement = None  # one announcement per batch, attached to the first written item
            else:
                results.append([])
        return results

    def _announce(self, written: Sequence[EnrichedArticle], indexed: datetime) -> Outgoing | None:
        if not written:
            return None
        lanes = {a.lane for a in written}
        searchable = datetime.now(UTC)
        docs = [_indexed_doc(a, indexed, searchable) for a in written]
        batch = IndexedBatch(
            index=self.alias,
            docs=docs,
            searchable_at=searchable,
            lane="backfill" if lanes == {"backfill"} else "live",
        )
        return Outgoing(self.indexed_topic, batch.batch_id, batch.to_bytes())


def _indexed_doc(article: EnrichedArticle, indexed: datetime, searchable: datetime) -> IndexedDoc:
    """The announcement of one article: its timeline up to searchable, for the alerter; its hops observed."""
    timeline = article.timeline.stamped(indexed=indexed, searchable=searchable)
    metrics.observe_hops(timeline, "indexed", article.lane)
    metrics.observe_hops(timeline, "searchable", article.lane)
    return IndexedDoc(
        id=article.id, version=external_version(article), fetched_at=article.fetched_at, timeline=timeline
    )
