"""The parser's batch handler: each raw page → a ParsedArticle (within its time budget); failures become dead
letters with the parser's reason. Copies of one story are linked later, by the indexer, in Elasticsearch
(``services/indexer/stories.py``), so every replica shares them and a restart forgets nothing."""

from __future__ import annotations

from collections.abc import Sequence

from wirewatch.core import metrics
from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import Result
from wirewatch.schemas import FetchedPage, ParsedArticle
from wirewatch.services.parser.budget import parse_with_budget


class ParseHandler:
    def __init__(self, *, parsed_topic: str, budget_s: float, max_bytes: int) -> None:
        self.parsed_topic = parsed_topic
        self.budget_s = budget_s
        self.max_bytes = max_bytes

    async def __call__(self, pages: Sequence[FetchedPage]) -> list[Result]:
        results: list[Result] = []
        for page in pages:
            try:
                article = await self.parse(page)
            except Exception as exc:
                if getattr(exc, "retriable", False):
                    raise
                results.append(exc)
                continue
            metrics.observe_hops(article.timeline, "parsed", article.lane)
            results.append([Outgoing(self.parsed_topic, article.id, article.to_bytes())])
        return results

    async def parse(self, page: FetchedPage) -> ParsedArticle:
        article = await parse_with_budget(
            page.body(self.max_bytes),
            url=page.url,
            page_id=page.id,
            fetched_at=page.fetched_at,
            content_type=page.content_type,
            charset=page.charset,
            item=page.item,
            feed_id=page.feed_id,
            final_url=page.final_url,
            seconds=self.budget_s,
            max_bytes=self.max_bytes,
        )
        # the page's timeline, copied forward with this stage's stamp
        timeline = page.timeline.stamped(parsed=article.parsed_at)
        return article.model_copy(update={"lane": page.lane, "timeline": timeline})
