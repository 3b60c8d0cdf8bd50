"""The Kibana saved objects in deploy/kibana/ have the shapes and versions Kibana 9 (the 9.3.2 compose pins)
expects, their saved searches' KQL is in the subset Wirewatch translates, and the compose import script
(deploy/compose/kibana-import.sh) writes valid ndjson, without the basemap when ``KIBANA_BASEMAP=false``.

What Kibana 9 expects was read in elastic/kibana (main branch as stored by the code search, 2025/26):

- attribute keys per type:
  index-pattern: ``DataViewAttributes`` (src/platform/plugins/shared/data_views/common/types.ts: title,
  fields, type, typeMeta, timeFieldName, sourceFilters, fieldFormatMap, fieldAttrs, runtimeFieldMap,
  allowNoIndex, name, allowHidden); search: ``SCHEMA_SEARCH_BASE`` and model versions 1–5
  (src/platform/plugins/shared/saved_search/server/saved_objects/schema_legacy.ts; config-schema objects,
  unknown keys refused on create); map: ``StoredMapAttributes``
  (x-pack/platform/plugins/shared/maps/server/saved_objects/types.ts); dashboard: ``dashboardAttributesSchema``
  v1/v2 (src/platform/plugins/shared/dashboard/server/dashboard_saved_object/schema/v1/v1.ts, v2/v2.ts,
  ``unknowns: 'forbid'``).
- versions: a type with ``modelVersions`` stores model version N as the virtual version ``10.N.0``
  (``modelVersionVirtualMajor = 10`` in core's saved-objects base-server-internal ``model_version/constants``);
  a type without them keeps semver migration keys. Kibana refuses to import an object whose
  ``typeMigrationVersion`` is newer than it knows and migrates older ones up, so each object carries the
  newest version that Kibana 9.0 already had: index-pattern ``8.0.0`` (migrations end at 7.11.0,
  ``convertToMultiNamespaceTypeVersion: '8.0.0'``; data_views/server/saved_objects/data_views.ts,
  index_pattern_migrations.ts), search ``10.5.0`` (model version 5, ``density``; 6 onwards add Discover
  tabs), map ``8.4.0`` (last key of maps/server/saved_objects/saved_object_migrations.ts; no model versions),
  dashboard ``10.2.0`` (model version 2 of dashboard_saved_object.ts; 3 and 4 add sections and access
  control). ``coreMigrationVersion`` is ``8.8.0`` on all: core's own migrations stopped there (Kibana 8.8+
  and 9.x export that value).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.contract.test_kibana_objects import KIBANA_DIR, ROOT, by_type, load_objects
from wirewatch.core.kql import kql_to_lucene

KNOWN_ATTRIBUTES: dict[str, set[str]] = {
    "index-pattern": {
        "title",
        "fields",
        "type",
        "typeMeta",
        "timeFieldName",
        "sourceFilters",
        "fieldFormatMap",
        "fieldAttrs",
        "runtimeFieldMap",
        "allowNoIndex",
        "name",
        "allowHidden",
    },
    "search": {
        # SCHEMA_SEARCH_BASE
        "title",
        "description",
        "columns",
        "sort",
        "grid",
        "rowHeight",
        "rowsPerPage",
        "hideChart",
        "breakdownField",
        "kibanaSavedObjectMeta",
        "isTextBasedQuery",
        "usesAdHocDataView",
        "timeRestore",
        "timeRange",
        "refreshInterval",
        "viewMode",
        "hideAggregatedPreview",
        "hits",
        "version",
        # model versions 1 to 5
        "sampleSize",
        "headerRowHeight",
        "visContext",
        "density",
    },
    "map": {"title", "description", "mapStateJSON", "layerListJSON", "uiStateJSON"},
    "dashboard": {
        "title",
        "description",
        "kibanaSavedObjectMeta",
        "timeRestore",
        "timeFrom",
        "timeTo",
        "refreshInterval",
        "controlGroupInput",
        "panelsJSON",
        "optionsJSON",
        "hits",
        "version",
    },
}
#: nested objects whose keys the schemas also close
KNOWN_NESTED: dict[tuple[str, str], set[str]] = {
    ("search", "kibanaSavedObjectMeta"): {"searchSourceJSON"},
    ("dashboard", "kibanaSavedObjectMeta"): {"searchSourceJSON"},
    ("dashboard", "refreshInterval"): {"pause", "value", "display", "section"},
    ("search", "refreshInterval"): {"pause", "value"},
}
TYPE_MIGRATION_VERSION = {"index-pattern": "8.0.0", "search": "10.5.0", "map": "8.4.0", "dashboard": "10.2.0"}
#: attributes Kibana keeps as JSON text
JSON_TEXT = {"fields", "fieldAttrs", "fieldFormatMap", "runtimeFieldMap", "sourceFilters", "typeMeta"} | {
    "mapStateJSON",
    "layerListJSON",
    "uiStateJSON",
    "panelsJSON",
    "optionsJSON",
}
OBJECT_KEYS = {"id", "type", "managed", "coreMigrationVersion", "typeMigrationVersion", "references", "attributes"}


def key_problems(objects: list[dict[str, Any]]) -> list[str]:
    problems = []
    for obj in objects:
        known = KNOWN_ATTRIBUTES.get(obj["type"])
        if known is None:
            problems.append(f"{obj['id']}: no schema known for type {obj['type']!r}")
            continue
        problems += [f"{obj['id']}: unknown object key {k!r}" for k in sorted(set(obj) - OBJECT_KEYS)]
        attributes = obj["attributes"]
        problems += [f"{obj['id']}: unknown attribute {k!r}" for k in sorted(set(attributes) - known)]
        for (type_, key), keys in KNOWN_NESTED.items():
            if obj["type"] == type_ and isinstance(attributes.get(key), dict):
                extra = sorted(set(attributes[key]) - keys)
                problems += [f"{obj['id']}: unknown key {key}.{k}" for k in extra]
        for key in sorted(JSON_TEXT & set(attributes)):
            if not isinstance(attributes[key], str):
                problems.append(f"{obj['id']}: {key} must be JSON text")
                continue
            json.loads(attributes[key])
    return problems


def test_every_attribute_is_one_kibana_9_knows() -> None:
    objects = load_objects()
    assert {o["type"] for o in objects} == set(KNOWN_ATTRIBUTES)
    assert key_problems(objects) == []


def test_the_key_check_fails_on_an_unknown_key() -> None:
    objects = load_objects()
    by_type(objects, "dashboard")[0]["attributes"]["panels"] = "[]"
    by_type(objects, "search")[0]["attributes"]["kibanaSavedObjectMeta"]["query"] = "x"
    by_type(objects, "map")[0]["attributes"]["layerListJSON"] = [{"id": "x"}]
    problems = key_problems(objects)
    assert "wirewatch-newsroom-monitor: unknown attribute 'panels'" in problems
    assert "wirewatch-latest-articles: unknown key kibanaSavedObjectMeta.query" in problems
    assert "wirewatch-places-map: layerListJSON must be JSON text" in problems


def test_migration_versions_are_kibana_9s() -> None:
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "docker.elastic.co/kibana/kibana:9." in compose  # the versions below are Kibana 9's
    for obj in load_objects():
        assert "migrationVersion" not in obj, f"{obj['id']}: legacy migrationVersion"
        assert obj["coreMigrationVersion"] == "8.8.0", obj["id"]
        assert obj["typeMigrationVersion"] == TYPE_MIGRATION_VERSION[obj["type"]], obj["id"]


def test_saved_searches_use_kql_wirewatch_translates() -> None:
    queries = {}
    for search in by_type(load_objects(), "search"):
        source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        assert source["query"]["language"] == "kuery"
        queries[search["id"]] = kql_to_lucene(source["query"]["query"])
    assert sum(1 for q in queries.values() if q) >= 2, "at least two saved searches with a real query"
    assert queries["wirewatch-undelivered-alerts"] == "(status:failed OR (status:pending AND attempts:[1 TO *]))"


def test_the_feeds_data_view_hides_the_websub_secret() -> None:
    [feeds] = [o for o in by_type(load_objects(), "index-pattern") if o["id"] == "wirewatch-feeds"]
    assert {"value": "websub_secret"} in json.loads(feeds["attributes"]["sourceFilters"])


# --- the compose import script --------------------------------------------------------------------------

FAKE_CURL = """#!/bin/sh
# records the file the import script uploads, answers like Kibana's _import API
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift ;;
    -F) cp "${2#file=@}" "$CAPTURE_DIR/" ;;
  esac
  shift
done
printf '{"success":true,"successCount":1}' > "$out"
printf '200'
"""


def run_import(tmp_path: Path, **env: str) -> dict[str, dict[str, Any]]:
    """Run deploy/compose/kibana-import.sh with a fake curl; the objects it would upload, by id."""
    bin_dir, capture = tmp_path / "bin", tmp_path / "captured"
    bin_dir.mkdir(exist_ok=True)
    shutil.rmtree(capture, ignore_errors=True)
    capture.mkdir()
    curl = bin_dir / "curl"
    curl.write_text(FAKE_CURL)
    curl.chmod(curl.stat().st_mode | stat.S_IEXEC)
    result = subprocess.run(
        ["sh", str(ROOT / "deploy" / "compose" / "kibana-import.sh")],
        env={
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "PYTHON": sys.executable,
            "PYTHONPATH": str(ROOT),
            "KIBANA_URL": "http://kibana.invalid:5601",
            "WIREWATCH_ES_PASSWORD": "not-used",
            "CAPTURE_DIR": str(capture),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    uploaded = sorted(capture.glob("*.ndjson"))
    assert [p.name for p in uploaded] == sorted(p.name for p in KIBANA_DIR.glob("*.ndjson"))
    objects = {}
    for path in uploaded:
        for line in path.read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)  # every line is JSON again
            objects[obj["id"]] = obj
    return objects


def map_sources(objects: dict[str, dict[str, Any]]) -> list[str]:
    layers = json.loads(objects["wirewatch-places-map"]["attributes"]["layerListJSON"])
    return [layer["sourceDescriptor"]["type"] for layer in layers]


def test_import_script_keeps_the_basemap_by_default(tmp_path: Path) -> None:
    objects = run_import(tmp_path)
    assert map_sources(objects) == ["EMS_TMS", "ES_GEO_GRID"]
    assert {o["id"]: o for o in load_objects()} == objects  # nothing else changed


@pytest.mark.parametrize("off", ["false", "FALSE", "0", "no"])
def test_import_script_drops_the_basemap_for_offline_sites(tmp_path: Path, off: str) -> None:
    objects = run_import(tmp_path, KIBANA_BASEMAP=off)
    assert map_sources(objects) == ["ES_GEO_GRID"]
    assert "EMS" not in json.dumps(objects["wirewatch-places-map"])
    assert key_problems(list(objects.values())) == []
    others = {k: v for k, v in objects.items() if k != "wirewatch-places-map"}
    assert others == {o["id"]: o for o in load_objects() if o["id"] != "wirewatch-places-map"}


def test_import_script_moves_the_data_views_to_the_prefix(tmp_path: Path) -> None:
    objects = run_import(tmp_path, WIREWATCH_INDEX_PREFIX="acme", KIBANA_BASEMAP="false")
    assert objects["acme-articles"]["attributes"]["title"] == "acme-articles"
    views = {i for i, o in objects.items() if o["type"] == "index-pattern"}
    assert views == {"acme-articles", "acme-alerts", "acme-feeds"}
    refs = {r["id"] for o in objects.values() for r in o["references"] if r["type"] == "index-pattern"}
    assert refs <= {"acme-articles", "acme-alerts", "acme-feeds"}
