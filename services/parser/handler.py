"""The parser's batch handler: each raw page → a ParsedArticle (within its time budget), linked to an
earlier near-duplicate when one was seen; failures become dead letters with the parser's reason."""

from __future__ import annotations

from collections.abc import Sequence

from wirewatch.core.kafka import Outgoing
from wirewatch.core.runner import Result
from wirewatch.schemas import FetchedPage, ParsedArticle
from wirewatch.services.parser.budget import parse_with_budget
from wirewatch.services.parser.duplicates import NearDuplicateIndex


class ParseHandler:
    def __init__(
        self, *, parsed_topic: str, budget_s: float, max_bytes: int, duplicates: NearDuplicateIndex | None = None
    ) -> None:
        self.parsed_topic = parsed_topic
        self.budget_s = budget_s
        self.max_bytes = max_bytes
        self.duplicates = duplicates or NearDuplicateIndex()

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
        original = self.duplicates.check_and_add(article.id, article.simhash)
        updates: dict[str, object] = {"lane": page.lane}
        if original is not None and original != article.id:
            updates["duplicate_of"] = original
        return article.model_copy(update=updates)
