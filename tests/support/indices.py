"""Reading back what a test indexed."""

from __future__ import annotations

from wirewatch.core.es import make_es
from wirewatch.core.settings import CommonSettings


async def count_docs(settings: CommonSettings, family: str = "articles") -> int:
    """Documents in one index family of the test's namespace, after a refresh."""
    es = make_es(settings)
    try:
        await es.indices.refresh(index=settings.index_name(family))
        return int((await es.count(index=settings.index_name(family))).body["count"])
    finally:
        await es.close()
