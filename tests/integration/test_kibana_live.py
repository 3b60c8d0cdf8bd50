"""Kibana's saved objects (deploy/kibana/*.ndjson) against the real Elasticsearch: the fields they use, the
aggregations their panels run and their saved searches, on documents written by the real writers (the
indexer's bulk writer, the alerter's ledger, the feed store).

Everything is read from the ndjson (nothing restated here), so an object that names a missing field, a
field of the wrong type, a panel whose aggregation has no buckets or a saved search with no hits fails. Each
saved search is also compared with its CLI twin, the ``wirewatch search`` line written next to it in
deploy/kibana/README.md: same hits, same order. Time pickers are not applied (the dashboard's
``now-24h`` would depend on the day the test runs); everything else is.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from bench.messages import enriched
from bench.workers import worker_env
from tests.contract.test_kibana_objects import (
    KIBANA_DIR,
    NEEDS,
    by_type,
    field_uses,
    load_objects,
    refs_by_name,
    search_source_data_view,
)
from wirewatch.cli import cli
from wirewatch.core.es import make_es
from wirewatch.core.kql import kql_to_lucene
from wirewatch.core.settings import CommonSettings
from wirewatch.core.stores.feeds import FeedHealth, FeedStore, new_feed
from wirewatch.schemas import Alert
from wirewatch.services.alerter.ledger import Ledger
from wirewatch.services.indexer.bulk import write

pytestmark = [pytest.mark.integration]

T0 = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)
PLACES = {
    "Baghdad": (33.31, 44.37),
    "Basra": (30.51, 47.78),
    "Erbil": (36.19, 44.01),
    "Mosul": (36.34, 43.13),
    "Beirut": (33.89, 35.50),
    "Cairo": (30.04, 31.24),
}
#: (persons, organizations, locations, source) per article; published an hour apart
STORIES = [
    (["Mohammed Shia al-Sudani"], ["Kataib Hezbollah"], ["Baghdad"], "Northwire"),
    (["Hayan Abdul Ghani"], ["Basra Oil Company"], ["Basra"], "Levant Ledger"),
    ([], ["Kurdistan Regional Government"], ["Erbil", "Baghdad"], "Gulf Times"),
    (["Mohammed Shia al-Sudani"], [], ["Mosul"], "Northwire"),
    (["Najib Mikati"], ["Hezbollah"], ["Beirut"], "Levant Ledger"),
    (["Abdel Fattah el-Sisi"], ["Arab League"], ["Cairo"], "Gulf Times"),
    ([], [], [], "Northwire"),
    (["Masrour Barzani"], ["Kurdistan Democratic Party"], ["Erbil"], "Gulf Times"),
]
#: (status, attempts, last error) of the alerts, one per article, matched a minute apart
ALERTS = [("delivered", 1, None), ("failed", 5, "HTTP 500"), ("pending", 2, "timeout"), ("pending", 0, None)]
FEEDS = [("https://a.example/feed", "http_status", 4.0), ("https://b.example/rss", "timeout", 2.0)]
FEEDS += [("https://c.example/atom", None, 0.0)]


def articles() -> list[Any]:
    docs = []
    for n, (persons, orgs, places, source) in enumerate(STORIES, 1):
        docs.append(
            enriched(
                n,
                published_at=T0 + timedelta(hours=n),
                persons=persons,
                organizations=orgs,
                locations=places,
                location_points=[{"lat": PLACES[p][0], "lon": PLACES[p][1]} for p in places],
                source=source,
                language="en",
            )
        )
    return docs


def alerts() -> list[Alert]:
    return [
        Alert(
            alert_id=f"alert{n}",
            rule_id="rule-iraq",
            rule_name="iraq",
            matched_at=T0 + timedelta(days=1, minutes=n),
            article_id=f"doc{n:05d}",
            url=f"https://news.example/{n}",
            title=f"Story number {n}",
            published_at=T0 + timedelta(hours=n),
            source=STORIES[n - 1][3],
            organizations=STORIES[n - 1][1],
            locations=STORIES[n - 1][2],
        )
        for n in range(1, len(ALERTS) + 1)
    ]


@pytest.fixture
async def indexed(initialised: CommonSettings) -> AsyncIterator[CommonSettings]:
    settings = initialised
    es = make_es(settings)
    try:
        outcome = await write(es, settings.index_name("articles"), articles(), max_bytes=10**6)
        assert len(outcome.written) == len(STORIES) and not outcome.rejected
        ledger = Ledger(es, settings.index_name("alerts"), claim_s=60)
        recorded = await ledger.record(alerts(), {})
        assert len(recorded.new) == len(ALERTS)
        for alert, (status, attempts, error) in zip(recorded.new, ALERTS, strict=True):
            await ledger.finish([alert.alert_id], status=status, attempts=attempts, error=error)
        feeds = FeedStore(es, settings.index_name("feeds"))
        for url, error_class, failures in FEEDS:
            feed = new_feed(url)
            assert await feeds.add(feed)
            health = FeedHealth(last_error_class=error_class, consecutive_failures=failures)
            assert await feeds.save_health(feed.id, health)
        await es.indices.refresh(index=",".join(settings.index_name(n) for n in ("articles", "alerts", "feeds")))
    finally:
        await es.close()
    yield settings


def index_of(settings: CommonSettings, data_view_id: str, objects: list[dict[str, Any]]) -> str:
    """The namespace's alias behind a data view (its title with the test's prefix, as the import script does)."""
    [view] = [o for o in by_type(objects, "index-pattern") if o["id"] == data_view_id]
    return str(view["attributes"]["title"]).replace("wirewatch-", f"{settings.index_prefix}-", 1)


# --- fields ---------------------------------------------------------------------------------------------


async def test_every_field_the_objects_use_has_the_right_caps(indexed: CommonSettings) -> None:
    objects = load_objects()
    uses = list(field_uses(objects))
    assert len(uses) >= 20
    es = make_es(indexed)
    problems: list[str] = []
    try:
        for use in uses:
            index = index_of(indexed, use.data_view, objects)
            caps = (await es.field_caps(index=index, fields=use.field)).body["fields"].get(use.field)
            if not caps:
                problems.append(f"{use.where}: {use.field!r} is not a field of {index}")
                continue
            [(ftype, flags)] = caps.items()  # one type across the alias's indices
            if ftype not in NEEDS[use.need]:
                problems.append(f"{use.where}: {use.field!r} is {ftype}, {use.need} needs {sorted(NEEDS[use.need])}")
            if not flags["searchable"]:
                problems.append(f"{use.where}: {use.field!r} is not searchable")
            if use.need != "exists" and not flags["aggregatable"]:
                problems.append(f"{use.where}: {use.field!r} is not aggregatable ({use.need})")
        for view in by_type(objects, "index-pattern"):
            index = index_of(indexed, view["id"], objects)
            for hidden in json.loads(view["attributes"].get("sourceFilters") or "[]"):
                caps = (await es.field_caps(index=index, fields=hidden["value"])).body["fields"]
                flags = next(iter(caps.get(hidden["value"], {"?": {"searchable": True}}).values()))
                # a hidden field (websub_secret) is also neither searchable nor aggregatable
                if flags.get("searchable") or flags.get("aggregatable"):
                    problems.append(f"{view['id']}: hidden field {hidden['value']!r} is searchable or aggregatable")
    finally:
        await es.close()
    assert problems == []
    print(f"field caps checked: {len(uses)} uses, {len({(u.data_view, u.field) for u in uses})} fields")


# --- the dashboard's Lens panels and the map -----------------------------------------------------------


def lens_layers(objects: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """(panel, data view id, form-based layer) for every Lens panel of every dashboard."""
    found = []
    for dashboard in by_type(objects, "dashboard"):
        for panel in json.loads(dashboard["attributes"]["panelsJSON"]):
            attributes = panel.get("embeddableConfig", {}).get("attributes")
            if panel["type"] != "lens" or not attributes:
                continue
            refs = {r["name"]: r["id"] for r in attributes["references"]}
            for layer_id, layer in attributes["state"]["datasourceStates"]["formBased"]["layers"].items():
                found.append((panel["panelIndex"], refs[f"indexpattern-datasource-layer-{layer_id}"], layer))
    return found


METRICS = {"max": "max", "min": "min", "average": "avg", "sum": "sum", "unique_count": "cardinality"}


def lens_aggregation(layer: dict[str, Any]) -> dict[str, Any]:
    """The aggregation a Lens layer asks for: its bucket columns nested in column order, each carrying the
    layer's metric columns (so a terms order by a metric column can refer to it)."""
    columns = layer["columns"]
    order = [c for c in layer["columnOrder"] if columns[c]["isBucketed"]]
    metrics = {
        c: {METRICS[col["operationType"]]: {"field": col["sourceField"]}}
        for c, col in columns.items()
        if not col["isBucketed"] and col["operationType"] != "count"
    }
    aggs: dict[str, Any] = dict(metrics)
    for column_id in reversed(order):
        column = columns[column_id]
        params = column["params"]
        if column["operationType"] == "date_histogram":
            # "auto": Kibana derives the interval from the time picker (an hour for a day or so); the test data
            # spans hours, so hourly buckets stand for it
            interval = "1h" if params["interval"] == "auto" else params["interval"]
            histogram = {"field": column["sourceField"], "fixed_interval": interval}
            body: dict[str, Any] = {
                "date_histogram": histogram | {"min_doc_count": 0 if params["includeEmptyRows"] else 1}
            }
        elif column["operationType"] == "terms":
            by = params["orderBy"]
            if by["type"] == "alphabetical":
                key = "_key"
            else:
                key = "_count" if columns[by["columnId"]]["operationType"] == "count" else by["columnId"]
            body = {
                "terms": {
                    "field": column["sourceField"],
                    "size": params["size"],
                    "order": {key: params["orderDirection"]},
                }
            }
        else:
            raise AssertionError(f"no translation for bucket operation {column['operationType']!r}")
        body["aggs"] = aggs
        aggs = {**metrics, column_id: body}
    return {k: v for k, v in aggs.items() if k not in metrics}


def bucket_counts(result: dict[str, Any]) -> list[int]:
    """Buckets per level: the outermost aggregation's, then the total over their sub-buckets, and so on."""
    counts = []
    level = [result]
    while True:
        below = [v for r in level for v in r.values() if isinstance(v, dict) and "buckets" in v]
        if not below:
            return counts
        buckets = [b for agg in below for b in agg["buckets"]]
        counts.append(len(buckets))
        level = buckets


async def test_every_panel_aggregation_has_buckets(indexed: CommonSettings) -> None:
    objects = load_objects()
    layers = lens_layers(objects)
    assert len(layers) >= 6
    es = make_es(indexed)
    figures: dict[str, list[int]] = {}
    try:
        for panel, data_view, layer in layers:
            aggs = lens_aggregation(layer)
            response = await es.search(index=index_of(indexed, data_view, objects), size=0, aggs=aggs)
            counts = bucket_counts(response.body["aggregations"])
            figures[panel] = counts
            bucketed = [c for c in layer["columnOrder"] if layer["columns"][c]["isBucketed"]]
            assert len(counts) == len(bucketed) and all(counts), f"panel {panel}: buckets {counts}"
            for column_id, count in zip(bucketed, counts, strict=True):
                size = layer["columns"][column_id]["params"].get("size")
                assert size is None or len(bucketed) > 1 or count <= size
        for map_ in by_type(objects, "map"):
            refs = refs_by_name(map_)
            for layer in json.loads(map_["attributes"]["layerListJSON"]):
                source = layer["sourceDescriptor"]
                if source["type"] != "ES_GEO_GRID":
                    continue
                index = index_of(indexed, refs[source["indexPatternRefName"]]["id"], objects)
                # COARSE resolution: a few tiles per degree band at the world zoom the map opens with
                grid = {"geotile_grid": {"field": source["geoField"], "precision": 4}}
                response = await es.search(index=index, size=0, aggs={"grid": grid})
                buckets = response.body["aggregations"]["grid"]["buckets"]
                figures[f"map {layer['id']}"] = [len(buckets)]
                points = sum(len(s[2]) for s in STORIES)
                assert buckets and sum(b["doc_count"] for b in buckets) >= len([s for s in STORIES if s[2]])
                assert len(buckets) <= points
    finally:
        await es.close()
    print("aggregations run (buckets per level):", json.dumps(figures))
    # the data has what the panels show: the top place is Baghdad or Erbil (two articles each)
    assert figures["top-places"][0] == len(PLACES)
    assert figures["sources"][0] == 3 and figures["feed-health"] == [3, 2]  # 3 feeds, 2 of them failing


def test_the_lens_translation_follows_the_objects() -> None:
    """A changed panel changes the aggregation run (the test reads the ndjson, it does not restate it)."""
    layers = {panel: layer for panel, _, layer in lens_layers(load_objects())}
    people = lens_aggregation(layers["top-people"])
    assert people == {"value": {"terms": {"field": "persons", "size": 10, "order": {"_count": "desc"}}, "aggs": {}}}
    health = lens_aggregation(layers["feed-health"])
    assert health["feed"]["terms"]["order"] == {"failures": "desc"}
    assert health["feed"]["aggs"]["failures"] == {"max": {"field": "consecutive_failures"}}
    assert "error-class" in health["feed"]["aggs"]
    over_time = lens_aggregation(layers["articles-over-time"])["published-at"]["date_histogram"]
    assert over_time == {"field": "published_at", "fixed_interval": "1h", "min_doc_count": 0}


# --- saved searches and their CLI twins -----------------------------------------------------------------


def cli_twins() -> dict[str, list[str]]:
    """``saved search id → wirewatch search arguments``, from the table in deploy/kibana/README.md."""
    twins = {}
    for line in (KIBANA_DIR / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and (found := re.fullmatch(r"`(wirewatch-[a-z0-9-]+)`", cells[0])):
            command = re.fullmatch(r"`wirewatch search(.*)`", cells[2])
            assert command, f"{found[1]}: the CLI twin is not a `wirewatch search …` line"
            twins[found[1]] = shlex.split(command[1])
    return twins


async def saved_search_hits(es: Any, settings: CommonSettings, search: dict[str, Any], objects: Any) -> list[str]:
    """Run a saved search as Discover does: its KQL (translated), its sort, on its data view's index."""
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    lucene = kql_to_lucene(source["query"]["query"])
    query: dict[str, Any] = {"match_all": {}}
    if lucene:
        query = {"query_string": {"query": lucene, "allow_leading_wildcard": False}}
    sort = [{field: {"order": direction}} for field, direction in search["attributes"]["sort"]]
    index = index_of(settings, search_source_data_view(search), objects)
    response = await es.search(index=index, query=query, sort=sort, size=100)
    return [hit["_id"] for hit in response.body["hits"]["hits"]]


async def twin_hits(settings: CommonSettings, args: list[str]) -> list[str]:
    env = {k: v for k, v in worker_env(settings).items() if k.startswith("WIREWATCH_")}
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["search", *args, "--json", "--limit", "100"], env=env)
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


async def test_each_saved_search_has_hits_and_its_cli_twin_the_same(indexed: CommonSettings) -> None:
    objects = load_objects()
    searches = by_type(objects, "search")
    twins = cli_twins()
    assert sorted(twins) == sorted(s["id"] for s in searches), "every saved search needs its CLI twin in the README"
    es = make_es(indexed)
    figures = {}
    try:
        for search in searches:
            hits = await saved_search_hits(es, indexed, search, objects)
            assert hits, f"{search['id']}: no hits"
            assert await twin_hits(indexed, twins[search["id"]]) == hits, search["id"]
            kql = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"]
            if kql:  # the same KQL, typed with --kql, finds the same too
                assert await twin_hits(indexed, ["--kql", kql, *_twin_options(twins[search["id"]])]) == hits
            figures[search["id"]] = len(hits)
    finally:
        await es.close()
    print("saved search hits:", json.dumps(figures))
    # the filtered searches really filter
    assert figures["wirewatch-organisations-in-iraq"] == 4  # doc 1, 2, 3, 8 (doc 4 names no organisation)
    assert figures["wirewatch-undelivered-alerts"] == 2  # failed, and pending after 2 attempts
    assert figures["wirewatch-latest-articles"] == len(STORIES)


def _twin_options(args: list[str]) -> list[str]:
    """The twin's options without its query (the positional argument)."""
    options, rest = [], iter(args)
    for arg in rest:
        if arg in ("--sort", "--limit"):
            options += [arg, next(rest)]
        elif arg.startswith("--"):
            options.append(arg)
    return options
