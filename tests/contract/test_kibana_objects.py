"""The Kibana saved objects in deploy/kibana/ agree with the index templates.

Every field a data view, saved search, Lens panel or map layer refers to must exist in the template of
the index behind its data view, with a type the visualisation can use (terms need keyword/numeric/boolean,
a date histogram a date, a map a geo_point, …). Renaming a field in a template or a model without
updating the dashboards fails here, not in front of an analyst.
"""

from __future__ import annotations

import copy
import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
KIBANA_DIR = ROOT / "deploy" / "kibana"
TEMPLATES_DIR = ROOT / "deploy" / "elasticsearch" / "templates"

SavedObject = dict[str, Any]
Mapping = dict[str, Any]

NUMERIC = {"byte", "short", "integer", "long", "float", "half_float", "double", "scaled_float"}
AGGREGATABLE = {"keyword", "boolean", "date", "date_nanos", "ip"} | NUMERIC
# What a use of a field needs from its mapping type.
NEEDS: dict[str, set[str]] = {
    "date": {"date", "date_nanos"},
    "terms": {"keyword", "boolean", "ip"} | NUMERIC,
    "numeric": NUMERIC,
    "min_max": NUMERIC | {"date", "date_nanos"},
    "aggregatable": AGGREGATABLE,
    "geo": {"geo_point", "geo_shape"},
    "sortable": AGGREGATABLE,
    "exists": AGGREGATABLE | {"text", "geo_point", "object"},
}
LENS_NEEDS = {
    "date_histogram": "date",
    "terms": "terms",
    "max": "min_max",
    "min": "min_max",
    "average": "numeric",
    "sum": "numeric",
    "median": "numeric",
    "percentile": "numeric",
    "unique_count": "aggregatable",
    "last_value": "aggregatable",
    "count": "aggregatable",
}
# Lens column dataType ↔ mapping types.
LENS_DATA_TYPES = {
    "string": {"keyword", "ip"},
    "number": NUMERIC,
    "date": {"date", "date_nanos"},
    "boolean": {"boolean"},
}


@dataclass(frozen=True)
class Use:
    where: str  # object id / panel / column, for the failure message
    data_view: str  # data view id
    field: str
    need: str
    lens_data_type: str | None = None


def ndjson_paths() -> list[Path]:
    return sorted(KIBANA_DIR.glob("*.ndjson"))


def load_objects() -> list[SavedObject]:
    objects = []
    for path in ndjson_paths():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    objects.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    pytest.fail(f"{path.name}:{number}: not JSON: {exc}")
    return objects


def load_templates() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(TEMPLATES_DIR.glob("*.json"))}


def by_type(objects: list[SavedObject], type_: str) -> list[SavedObject]:
    return [o for o in objects if o["type"] == type_]


def find(objects: list[SavedObject], type_: str, id_: str) -> SavedObject:
    matches = [o for o in objects if o["type"] == type_ and o["id"] == id_]
    assert matches, f"no {type_} {id_!r}"
    return matches[0]


def refs_by_name(obj: SavedObject) -> dict[str, dict[str, str]]:
    return {r["name"]: r for r in obj.get("references", [])}


def properties_for(title: str, templates: dict[str, dict[str, Any]]) -> Mapping:
    """The mapping behind a data view title: a template pattern matches it, or matches its first version
    (``wirewatch-articles`` is an alias of ``wirewatch-articles-v1``)."""
    for body in templates.values():
        if any(fnmatch.fnmatchcase(title, p) or fnmatch.fnmatchcase(f"{title}-v1", p) for p in body["index_patterns"]):
            properties: Mapping = body["template"]["mappings"]["properties"]
            return properties
    raise AssertionError(f"no index template for data view {title!r}")


def resolve(properties: Mapping, dotted: str) -> Mapping | None:
    node: Mapping | None = None
    scope = properties
    for part in dotted.split("."):
        if part in scope:
            node = scope[part]
        elif node is not None and part in node.get("fields", {}):
            node = node["fields"][part]
        else:
            return None
        scope = node.get("properties", {})
    return node


# --- collecting every field the objects use -------------------------------------------------------------


def lens_uses(where: str, attributes: dict[str, Any]) -> Iterator[Use]:
    refs = {r["name"]: r["id"] for r in attributes.get("references", [])}
    layers = attributes["state"]["datasourceStates"]["formBased"]["layers"]
    for layer_id, layer in layers.items():
        data_view = refs.get(f"indexpattern-datasource-layer-{layer_id}")
        assert data_view, f"{where}: layer {layer_id} has no data view reference"
        for column_id, column in layer["columns"].items():
            field = column.get("sourceField")
            if field in (None, "___records___"):
                continue
            need = LENS_NEEDS.get(column["operationType"])
            assert need, f"{where}: no rule for Lens operation {column['operationType']!r}"
            yield Use(f"{where} column {column_id}", data_view, field, need, column.get("dataType"))


def search_source_data_view(obj: SavedObject) -> str:
    source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    return refs_by_name(obj)[source["indexRefName"]]["id"]


def field_uses(objects: list[SavedObject]) -> Iterator[Use]:
    for dv in by_type(objects, "index-pattern"):
        if "timeFieldName" in dv["attributes"]:
            yield Use(f"data view {dv['id']} time field", dv["id"], dv["attributes"]["timeFieldName"], "date")
    for search in by_type(objects, "search"):
        data_view = search_source_data_view(search)
        for column in search["attributes"]["columns"]:
            yield Use(f"search {search['id']} column", data_view, column, "exists")
        for field, _direction in search["attributes"].get("sort", []):
            yield Use(f"search {search['id']} sort", data_view, field, "sortable")
    for map_ in by_type(objects, "map"):
        refs = refs_by_name(map_)
        for layer in json.loads(map_["attributes"]["layerListJSON"]):
            source = layer["sourceDescriptor"]
            if "indexPatternRefName" not in source:
                continue
            data_view = refs[source["indexPatternRefName"]]["id"]
            where = f"map {map_['id']} layer {layer['id']}"
            yield Use(where, data_view, source["geoField"], "geo")
            for metric in source.get("metrics", []):
                if "field" in metric:
                    yield Use(where, data_view, metric["field"], "numeric")
            for tip in source.get("tooltipProperties", []):
                yield Use(where, data_view, tip, "exists")
    for lens in by_type(objects, "lens"):
        yield from lens_uses(f"lens {lens['id']}", {**lens["attributes"], "references": lens["references"]})
    for dashboard in by_type(objects, "dashboard"):
        for panel in json.loads(dashboard["attributes"]["panelsJSON"]):
            attributes = panel.get("embeddableConfig", {}).get("attributes")
            if panel["type"] == "lens" and attributes:
                yield from lens_uses(f"dashboard {dashboard['id']} panel {panel['panelIndex']}", attributes)


def field_problems(objects: list[SavedObject], templates: dict[str, dict[str, Any]]) -> list[str]:
    titles = {dv["id"]: dv["attributes"]["title"] for dv in by_type(objects, "index-pattern")}
    problems = []
    for use in field_uses(objects):
        if use.data_view not in titles:
            problems.append(f"{use.where}: unknown data view {use.data_view!r}")
            continue
        mapping = resolve(properties_for(titles[use.data_view], templates), use.field)
        if mapping is None:
            problems.append(f"{use.where}: field {use.field!r} is not in {titles[use.data_view]}")
            continue
        ftype = mapping.get("type", "object")
        if mapping.get("index") is False and use.need != "exists":
            problems.append(f"{use.where}: {use.field!r} is not indexed")
        if ftype not in NEEDS[use.need]:
            problems.append(f"{use.where}: {use.field!r} is {ftype}, {use.need} needs one of {sorted(NEEDS[use.need])}")
        if use.lens_data_type and ftype not in LENS_DATA_TYPES.get(use.lens_data_type, set()):
            problems.append(f"{use.where}: dataType {use.lens_data_type!r} does not fit {ftype}")
    return problems


# --- tests ----------------------------------------------------------------------------------------------


def test_files_parse_and_ids_are_unique() -> None:
    assert ndjson_paths(), "no .ndjson in deploy/kibana"
    objects = load_objects()
    keys = [(o["type"], o["id"]) for o in objects]
    assert len(keys) == len(set(keys)), "duplicate type/id"
    for obj in objects:
        assert obj["id"].startswith("wirewatch-"), f"unstable or undescriptive id {obj['id']!r}"
        assert {"type", "id", "attributes", "references"} <= set(obj)


def test_every_reference_resolves_within_the_files() -> None:
    objects = load_objects()
    known = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in known, f"{obj['type']} {obj['id']}: dangling {ref}"


def test_dashboard_panels_have_their_references() -> None:
    objects = load_objects()
    dashboard = find(objects, "dashboard", "wirewatch-newsroom-monitor")
    refs = refs_by_name(dashboard)
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    assert len({p["panelIndex"] for p in panels}) == len(panels)
    for panel in panels:
        assert panel["gridData"]["i"] == panel["panelIndex"]
        if "panelRefName" in panel:
            ref = refs.get(f"{panel['panelIndex']}:{panel['panelRefName']}")
            assert ref and ref["type"] == panel["type"], f"panel {panel['panelIndex']}: no reference"
        else:  # by value: the dashboard must carry the panel's own references, prefixed by its index
            for ref in panel["embeddableConfig"]["attributes"]["references"]:
                assert refs.get(f"{panel['panelIndex']}:{ref['name']}", {}).get("id") == ref["id"]


def test_every_field_used_exists_with_a_suitable_type() -> None:
    assert field_problems(load_objects(), load_templates()) == []


def test_the_field_check_fails_on_a_renamed_field() -> None:
    objects, templates = load_objects(), load_templates()
    renamed = copy.deepcopy(templates)
    props = renamed["articles"]["template"]["mappings"]["properties"]
    props["people"] = props.pop("persons")
    props["places"] = props.pop("location_points")
    problems = field_problems(objects, renamed)
    assert any("'persons' is not in wirewatch-articles" in p for p in problems)
    assert any("'location_points' is not in wirewatch-articles" in p for p in problems)

    retyped = copy.deepcopy(templates)
    retyped["alerts"]["template"]["mappings"]["properties"]["matched_at"] = {"type": "keyword"}
    assert any("'matched_at' is keyword" in p for p in field_problems(objects, retyped))

    # ... and on a dashboard that asks for a field the templates do not have.
    broken = copy.deepcopy(objects)
    dashboard = find(broken, "dashboard", "wirewatch-newsroom-monitor")
    dashboard["attributes"]["panelsJSON"] = dashboard["attributes"]["panelsJSON"].replace(
        '"sourceField":"consecutive_failures"', '"sourceField":"failures"'
    )
    assert any("'failures' is not in wirewatch-feeds" in p for p in field_problems(broken, templates))


def test_the_field_check_sees_every_kind_of_use() -> None:
    uses = list(field_uses(load_objects()))
    needs = {(u.data_view, u.field, u.need) for u in uses}
    assert ("wirewatch-articles", "published_at", "date") in needs
    assert ("wirewatch-alerts", "matched_at", "date") in needs
    assert ("wirewatch-articles", "location_points", "geo") in needs
    for field in ("persons", "organizations", "locations", "source"):
        assert ("wirewatch-articles", field, "terms") in needs
    assert ("wirewatch-feeds", "last_error_class", "terms") in needs
    assert ("wirewatch-feeds", "consecutive_failures", "min_max") in needs
    assert ("wirewatch-articles", "published_at", "sortable") in needs


def test_data_views() -> None:
    objects = load_objects()
    expected = {
        "wirewatch-articles": "published_at",
        "wirewatch-alerts": "matched_at",
        "wirewatch-feeds": None,
    }
    for title, time_field in expected.items():
        [dv] = [o for o in by_type(objects, "index-pattern") if o["attributes"]["title"] == title]
        assert dv["attributes"].get("timeFieldName") == time_field


def test_latest_articles_search() -> None:
    search = next(o for o in by_type(load_objects(), "search") if o["attributes"]["title"] == "Latest articles")
    assert search["attributes"]["columns"] == ["title", "source", "persons", "organizations", "locations"]
    assert search["attributes"]["sort"] == [["published_at", "desc"]]
    assert search_source_data_view(search) == "wirewatch-articles"


def test_newsroom_monitor_has_all_panels() -> None:
    objects = load_objects()
    [dashboard] = [o for o in by_type(objects, "dashboard") if o["attributes"]["title"] == "Newsroom monitor"]
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    refs = refs_by_name(dashboard)
    referenced = {
        (
            refs[f"{p['panelIndex']}:{p['panelRefName']}"]["type"],
            refs[f"{p['panelIndex']}:{p['panelRefName']}"]["id"],
        )
        for p in panels
        if "panelRefName" in p
    }
    assert ("search", "wirewatch-latest-alerts") in referenced
    assert ("map", "wirewatch-places-map") in referenced
    assert search_source_data_view(find(objects, "search", "wirewatch-latest-alerts")) == "wirewatch-alerts"
    lens_fields = {u.field for u in field_uses([dashboard])}
    assert {
        "published_at",
        "persons",
        "organizations",
        "locations",
        "source",
        "last_error_class",
        "consecutive_failures",
    } <= lens_fields
