"""Moving the articles to a new index version (``…-articles-vN`` → ``…-articles-vN+1``) with no gap in
search and no lost write. The core server has no ``_reindex``, so documents are copied client-side.

    1. template  PUT the current articles template, create ``vN+1`` from it (empty, no alias)
    2. switch    one ``_aliases`` call: the alias now spans both, ``vN+1`` is the write index; then
                 ``vN+1``'s read side is filtered to documents indexed since the switch (minus an
                 overlap), so copied documents are seen once, through ``vN``, while new writes are
                 searchable at once
    3. copy      point-in-time + ``search_after`` over ``vN`` (sorted by id), bulk into ``vN+1`` with the
                 same ``_id`` and ``version_type=external``: a newer document the indexer already wrote
                 wins (409), so a copy never overwrites fresher data. The last id copied is kept in
                 ``vN+1``'s mapping ``_meta`` after every page
    4. catch-up  copy again what reached ``vN`` around the switch (in-flight bulk requests)
    5. swap      one ``_aliases`` call: remove ``vN``, redefine the alias on ``vN+1`` without a filter

Interrupted anywhere, running it again continues: the state is read back from Elasticsearch (an alias
spanning two versions is a copy in progress; its checkpoint is in ``_meta``), and every step is
idempotent. ``vN`` is kept after the swap so that a rollback is one alias change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import AsyncElasticsearch

from wirewatch.core.errors import WirewatchError
from wirewatch.core.es import (
    alias_members,
    articles_versions,
    matches_template,
    put_articles_template,
    version_name,
    version_number,
    write_index_of,
)
from wirewatch.core.settings import CommonSettings

log = logging.getLogger(__name__)

#: indexers stamp ``indexed_at`` a moment before their bulk request lands; this much earlier than the
#: switch still counts as "written after the switch" (duplicates for that window beat invisible articles)
DEFAULT_OVERLAP_S = 300.0
#: after the copy, what ``source`` received this long before the switch is copied once more
CATCH_UP_S = 600.0
Progress = Callable[[int, int], None]


class MigrationError(WirewatchError):
    """The migration cannot go on (an unexpected alias state, or documents the new version refuses)."""

    error_class = "migration_error"


@dataclass
class MigrationReport:
    source: str
    target: str
    copied: int = 0
    newer_in_target: int = 0
    caught_up: int = 0
    resumed: bool = False
    up_to_date: bool = False
    source_count: int = 0
    target_count: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Plan:
    source: str
    target: str
    resume: bool
    up_to_date: bool = False


async def plan(es: AsyncElasticsearch, settings: CommonSettings, *, force: bool = False) -> Plan:
    """Where we are: nothing to do, a migration to start, or one to continue."""
    alias = settings.index_name("articles")
    members = await alias_members(es, alias)
    if len(members) == 2:
        write = write_index_of(members)
        [source] = [index for index in members if index != write]
        if write is None or version_number(write) <= version_number(source):
            raise MigrationError(f"{alias} spans {sorted(members)} without a newer write index: fix it by hand")
        return Plan(source, write, resume=True)
    if len(members) != 1:
        raise MigrationError(f"{alias} points at {sorted(members) or 'nothing'}: run `wirewatch stack init`")
    [source] = members
    if not force and await matches_template(es, source):
        return Plan(source, source, resume=False, up_to_date=True)
    versions = await articles_versions(es, settings)
    return Plan(source, version_name(settings, version_number(versions[-1]) + 1), resume=False)


async def migrate(
    es: AsyncElasticsearch,
    settings: CommonSettings,
    *,
    force: bool = False,
    overlap_s: float = DEFAULT_OVERLAP_S,
    page_size: int = 1000,
    progress: Progress | None = None,
) -> MigrationReport:
    started = time.monotonic()
    alias = settings.index_name("articles")
    await put_articles_template(es, settings)  # "up to date" compares with the file, not the server
    step = await plan(es, settings, force=force)
    report = MigrationReport(step.source, step.target, resumed=step.resume, up_to_date=step.up_to_date)
    if step.up_to_date:
        return report
    if not step.resume:
        await _create(es, step.target)
        await _switch(es, alias, step.source, step.target)
    meta = await _meta(es, step.target)
    if "switched_at" not in meta:  # a first run, or one interrupted right after the switch
        meta = await _record_switch(es, alias, step.source, step.target, overlap_s)
    await _copy(es, step.source, step.target, report, page_size, progress, after=meta.get("last_id"))
    since = meta.get("switched_at", datetime.now(UTC).isoformat())
    await _catch_up(es, step.source, step.target, report, since, page_size)
    await es.indices.refresh(index=step.target)
    await _swap(es, alias, step.source, step.target)
    report.source_count = await _count(es, step.source)
    report.target_count = await _count(es, step.target)
    report.seconds = time.monotonic() - started
    return report


async def _create(es: AsyncElasticsearch, index: str) -> None:
    if not (await es.indices.exists(index=index)).body:
        await es.indices.create(index=index)


async def _switch(es: AsyncElasticsearch, alias: str, source: str, target: str) -> None:
    """Writes go to ``target`` from now on; reads see both (``target`` holds only new writes yet)."""
    await es.indices.update_aliases(
        actions=[
            {"add": {"index": source, "alias": alias, "is_write_index": False}},
            {"add": {"index": target, "alias": alias, "is_write_index": True}},
        ]
    )
    log.info("writes to %s now go to %s", alias, target)


async def _record_switch(
    es: AsyncElasticsearch, alias: str, source: str, target: str, overlap_s: float
) -> dict[str, Any]:
    """Filter ``target``'s read side to what was indexed after the switch, before anything is copied.

    The time is taken once the switch is acknowledged: every document that reached ``source`` was
    stamped (``indexed_at``) before it, so with no overlap nothing is seen twice; a bulk request under
    way during the switch may land in ``target`` stamped a little earlier, and stays hidden until the
    swap unless the overlap covers it (the default does, at the price of briefly seeing those twice).
    """
    switched_at = datetime.now(UTC)
    threshold = (switched_at - timedelta(seconds=overlap_s)).isoformat()
    await es.indices.update_aliases(
        actions=[
            {
                "add": {
                    "index": target,
                    "alias": alias,
                    "is_write_index": True,
                    "filter": {"range": {"indexed_at": {"gte": threshold}}},
                }
            },
        ]
    )
    meta = {"from": source, "switched_at": switched_at.isoformat(), "last_id": None}
    await _set_meta(es, target, meta)
    return meta


async def _swap(es: AsyncElasticsearch, alias: str, source: str, target: str) -> None:
    """Atomically: the alias is ``target`` alone, unfiltered, and still its write index."""
    await es.indices.update_aliases(
        actions=[
            {"remove": {"index": source, "alias": alias}},
            {"remove": {"index": target, "alias": alias}},
            {"add": {"index": target, "alias": alias, "is_write_index": True}},
        ]
    )
    await _set_meta(es, target, {"from": source, "done_at": datetime.now(UTC).isoformat()})


async def _meta(es: AsyncElasticsearch, index: str) -> dict[str, Any]:
    mappings = (await es.indices.get_mapping(index=index)).body[index]["mappings"]
    return dict(mappings.get("_meta", {}).get("migration", {}))


async def _set_meta(es: AsyncElasticsearch, index: str, migration: dict[str, Any]) -> None:
    await es.indices.put_mapping(index=index, meta={"migration": migration})


async def _count(es: AsyncElasticsearch, index: str) -> int:
    await es.indices.refresh(index=index)
    return int((await es.count(index=index)).body["count"])


async def _copy(
    es: AsyncElasticsearch,
    source: str,
    target: str,
    report: MigrationReport,
    page_size: int,
    progress: Progress | None,
    *,
    after: str | None,
) -> None:
    """Every document of ``source`` (sorted by id, from the checkpoint on) into ``target``."""
    total = await _count(es, source)
    done = 0
    if after is not None:  # resuming: what sorts up to the checkpoint is in the target already
        done = int((await es.count(index=source, query={"range": {"id": {"lte": after}}})).body["count"])
    if progress:
        progress(done, total)
    async for page in _pages(es, source, page_size, after=after):
        written, newer = await _bulk_copy(es, target, page)
        report.copied += written
        report.newer_in_target += newer
        done += len(page)
        await _set_meta(es, target, {**await _meta(es, target), "last_id": page[-1]["_source"]["id"]})
        if progress:
            progress(done, total)


async def _catch_up(
    es: AsyncElasticsearch, source: str, target: str, report: MigrationReport, since: str, page_size: int
) -> None:
    """Copy again what ``source`` received around the switch (a bulk request already under way)."""
    threshold = (datetime.fromisoformat(since) - timedelta(seconds=CATCH_UP_S)).isoformat()
    query = {"range": {"indexed_at": {"gte": threshold}}}
    async for page in _pages(es, source, page_size, query=query):
        written, _ = await _bulk_copy(es, target, page)
        report.caught_up += written


async def _pages(
    es: AsyncElasticsearch, index: str, size: int, *, after: str | None = None, query: dict[str, Any] | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Pages of hits (``_id``, ``_version``, ``_source``) from a point in time, in id order."""
    pit = (await es.open_point_in_time(index=index, keep_alive="5m")).body["id"]
    search_after: list[Any] | None = [after] if after is not None else None
    try:
        while True:
            response = await es.search(
                pit={"id": pit, "keep_alive": "5m"},
                size=size,
                version=True,
                query=query or {"match_all": {}},
                sort=[{"id": "asc"}],
                search_after=search_after,
                track_total_hits=False,
            )
            hits = response.body["hits"]["hits"]
            if not hits:
                return
            pit = response.body.get("pit_id", pit)
            yield hits
            search_after = [hits[-1]["sort"][0]]
    finally:
        await es.close_point_in_time(id=pit)


async def _bulk_copy(es: AsyncElasticsearch, target: str, hits: list[dict[str, Any]]) -> tuple[int, int]:
    """Copy hits keeping ``_id`` and version; returns (written, already newer in target)."""
    operations: list[dict[str, Any]] = []
    for hit in hits:
        operations.append(
            {"index": {"_index": target, "_id": hit["_id"], "version": hit["_version"], "version_type": "external"}}
        )
        operations.append(hit["_source"])
    response = await es.bulk(operations=operations)
    written = newer = 0
    refused: list[str] = []
    for item in response.body["items"]:
        result = item["index"]
        if result["status"] < 300:
            written += 1
        elif result["status"] == 409:
            newer += 1
        else:
            error = result.get("error", {})
            refused.append(f"{result['_id']}: {error.get('type')}: {str(error.get('reason'))[:300]}")
    if refused:
        raise MigrationError(
            f"{len(refused)} documents refused by {target} (the alias was not swapped; "
            f"fix the template and run again): {'; '.join(refused[:3])}"
        )
    return written, newer


async def versions_status(es: AsyncElasticsearch, settings: CommonSettings) -> dict[str, Any]:
    """Versions with their document counts, what the alias points at, and a migration in progress."""
    alias = settings.index_name("articles")
    members = await alias_members(es, alias)
    versions = []
    for index in await articles_versions(es, settings):
        stats = (await es.indices.stats(index=index, metric="docs,store")).body["indices"][index]["primaries"]
        versions.append(
            {
                "index": index,
                "docs": stats["docs"]["count"],
                "bytes": stats["store"]["size_in_bytes"],
                "in_alias": index in members,
                "write": write_index_of(members) == index,
                "filtered": bool(members.get(index, {}).get("filter")),
                "migration": await _meta(es, index) or None,
            }
        )
    migrating = len(members) == 2
    current = write_index_of(members)
    return {
        "alias": alias,
        "targets": sorted(members),
        "write_index": current,
        "state": "migrating" if migrating else ("ok" if members else "missing"),
        "template_current": bool(current and not migrating and await matches_template(es, current)),
        "versions": versions,
    }
