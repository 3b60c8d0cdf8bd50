"""The Elasticsearch index templates in deploy/elasticsearch/templates/ agree with the message models.

Every template must load on the core-modules server CI runs (integ-test-zip: no analysis-common, no
mapper-extras), map every field the services write, and keep ``dynamic: strict`` so a producer bug is a
rejected document instead of a silent new field. The optional overlay in ``full/`` is checked to only add
subfields on top of the articles template.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import types
import typing
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, SecretStr

from wirewatch.schemas import Alert, EnrichedArticle, Feed, GeoPoint, Rule

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "elasticsearch" / "templates"
FAMILIES = ("articles", "feeds", "urls", "rules", "alerts", "entity-mentions", "stories")

# What the PUT _index_template body may hold; anything else (a "_comment", a "name") is a 400.
ALLOWED_TOP_LEVEL = {
    "index_patterns",
    "template",
    "composed_of",
    "priority",
    "version",
    "_meta",
    "data_stream",
    "allow_auto_create",
    "ignore_missing_component_templates",
    "deprecated",
}
# Analysis available on the core-modules server (STACK.md); everything else needs analysis-common.
CORE_ANALYZERS = {"standard", "simple", "stop", "whitespace", "keyword"}
CORE_NORMALIZERS = {"lowercase"}
# Field types of the server itself; mapper-extras (scaled_float, rank_feature, search_as_you_type,
# token_count, match_only_text), semantic_text and friends are not in the integ-test build.
CORE_FIELD_TYPES = {
    "keyword",
    "text",
    "date",
    "date_nanos",
    "boolean",
    "byte",
    "short",
    "integer",
    "long",
    "float",
    "half_float",
    "double",
    "ip",
    "geo_point",
    "object",
    "nested",
}

Mapping = dict[str, Any]


def load(path: Path) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return body


def core_template_paths() -> list[Path]:
    return sorted(TEMPLATES_DIR.glob("*.json"))


def properties_of(family: str) -> Mapping:
    properties: Mapping = load(TEMPLATES_DIR / f"{family}.json")["template"]["mappings"]["properties"]
    return properties


def resolve(properties: Mapping, dotted: str) -> Mapping | None:
    """The mapping of ``a.b.c``, walking object properties and multi-fields (``title.keyword``)."""
    node: Mapping | None = None
    scope: Mapping = properties
    for part in dotted.split("."):
        if part in scope:
            node = scope[part]
        elif node is not None and part in node.get("fields", {}):
            node = node["fields"][part]
        else:
            return None
        scope = node.get("properties", {})
    return node


def walk_fields(properties: Mapping, prefix: str = "") -> typing.Iterator[tuple[str, Mapping]]:
    for name, field in properties.items():
        path = f"{prefix}{name}"
        yield path, field
        for sub, sub_field in field.get("fields", {}).items():
            yield f"{path}.{sub}", sub_field
        yield from walk_fields(field.get("properties", {}), f"{path}.")


def deep_merge(base: Any, overlay: Any) -> Any:
    """The overlay rule of deploy/elasticsearch/README.md: dicts merge, anything else is replaced."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(overlay)


# --- shape of every template -------------------------------------------------------------------------


def test_one_template_per_family() -> None:
    assert sorted(p.stem for p in core_template_paths()) == sorted(FAMILIES)


@pytest.mark.parametrize("path", core_template_paths(), ids=lambda p: p.stem)
def test_template_shape(path: Path) -> None:
    body = load(path)
    assert set(body) <= ALLOWED_TOP_LEVEL, f"keys Elasticsearch rejects: {set(body) - ALLOWED_TOP_LEVEL}"
    assert isinstance(body["priority"], int) and body["priority"] > 0
    patterns = body["index_patterns"]
    assert patterns and all(p.startswith("wirewatch-") for p in patterns), "prefix must be the literal wirewatch-"
    settings = body["template"]["settings"]["index"]
    assert settings["number_of_shards"] == 1
    assert settings["number_of_replicas"] == 0
    assert settings["refresh_interval"] == "1s"
    mappings = body["template"]["mappings"]
    assert mappings["dynamic"] == "strict"
    assert mappings["properties"], "explicit mappings, not dynamic ones"


@pytest.mark.parametrize("path", core_template_paths(), ids=lambda p: p.stem)
def test_only_core_analysis_and_field_types(path: Path) -> None:
    body = load(path)
    assert "analysis" not in body["template"]["settings"].get("index", {}), "custom analysis needs review"
    for name, field in walk_fields(body["template"]["mappings"]["properties"]):
        ftype = field.get("type", "object")
        assert ftype in CORE_FIELD_TYPES, f"{name}: type {ftype} is not in the core-modules server"
        for key in ("analyzer", "search_analyzer", "search_quote_analyzer"):
            if key in field:
                assert field[key] in CORE_ANALYZERS, f"{name}: {key} {field[key]} needs analysis-common"
        if "normalizer" in field:
            assert field["normalizer"] in CORE_NORMALIZERS, f"{name}: normalizer {field['normalizer']}"


def test_patterns_of_equal_priority_never_overlap() -> None:
    """Elasticsearch refuses two templates with the same priority whose patterns can match one index."""
    bodies = {p.stem: load(p) for p in core_template_paths()}
    for a, body_a in bodies.items():
        for b, body_b in bodies.items():
            if a >= b or body_a["priority"] != body_b["priority"]:
                continue
            for pa in body_a["index_patterns"]:
                for pb in body_b["index_patterns"]:
                    overlap = fnmatch.fnmatchcase(pa.replace("*", "x"), pb) or fnmatch.fnmatchcase(
                        pb.replace("*", "x"), pa
                    )
                    assert not overlap, f"{a} ({pa}) and {b} ({pb}) overlap at priority {body_a['priority']}"


def test_articles_indices_are_versioned_behind_the_alias() -> None:
    body = load(TEMPLATES_DIR / "articles.json")
    assert any(fnmatch.fnmatchcase("wirewatch-articles-v1", p) for p in body["index_patterns"])
    assert not any(fnmatch.fnmatchcase("wirewatch-articles", p) for p in body["index_patterns"]), (
        "the alias name must not match the pattern, or an index could be created under the alias name"
    )
    # The code moves the alias between versions; a template alias would put every version behind it at once.
    assert "aliases" not in body["template"]


def test_resolve_walks_objects_and_multi_fields() -> None:
    props = properties_of("articles")
    assert resolve(props, "title.keyword") == {"type": "keyword", "ignore_above": 512}
    assert resolve(props, "entities.geo") == {"type": "geo_point"}
    assert resolve(props, "title.nope") is None
    assert resolve(props, "entities.nope") is None


# --- the models' fields are all mapped, with a suitable type ------------------------------------------

SCALAR_TYPES: dict[type, set[str]] = {
    str: {"keyword", "text"},
    SecretStr: {"keyword"},
    bool: {"boolean"},
    int: {"integer", "long", "short", "byte"},
    float: {"float", "double", "half_float"},
    datetime: {"date", "date_nanos"},
}


def _unwrap(annotation: Any) -> Any:
    """``list[X] | None`` → ``X``; ``Annotated[datetime, …]`` → ``datetime``; ``Literal['a']`` → ``str``."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (typing.Union, types.UnionType, list, typing.Annotated) and args:
            annotation = args[0]
        elif origin is Literal:
            return type(args[0])
        else:
            return annotation


def mapping_problems(model: type[BaseModel], properties: Mapping, prefix: str = "") -> list[str]:
    problems: list[str] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        field = properties.get(name)
        if field is None:
            problems.append(f"{path}: not mapped")
            continue
        python_type = _unwrap(info.annotation)
        ftype = field.get("type", "object")
        if isinstance(python_type, type) and issubclass(python_type, GeoPoint):
            if ftype != "geo_point":
                problems.append(f"{path}: GeoPoint mapped as {ftype}, not geo_point")
        elif isinstance(python_type, type) and issubclass(python_type, BaseModel):
            if ftype not in ("object", "nested"):
                problems.append(f"{path}: model mapped as {ftype}")
            elif field.get("enabled", True):
                problems += mapping_problems(python_type, field.get("properties", {}), f"{path}.")
        else:
            allowed = SCALAR_TYPES.get(python_type)
            if allowed is None:
                problems.append(f"{path}: no rule for python type {python_type!r}")
            elif ftype not in allowed:
                problems.append(f"{path}: {python_type.__name__} mapped as {ftype}, expected one of {allowed}")
    return problems


@pytest.mark.parametrize(
    ("model", "family"),
    [(EnrichedArticle, "articles"), (Rule, "rules"), (Alert, "alerts"), (Feed, "feeds")],
    ids=["EnrichedArticle", "Rule", "Alert", "Feed"],
)
def test_every_model_field_is_mapped(model: type[BaseModel], family: str) -> None:
    assert mapping_problems(model, properties_of(family)) == []


def test_the_model_check_catches_a_missing_or_mistyped_field() -> None:
    props = copy.deepcopy(properties_of("articles"))
    del props["persons"]
    props["entities"]["properties"]["count"] = {"type": "keyword"}
    props["location_points"] = {"type": "keyword"}
    problems = mapping_problems(EnrichedArticle, props)
    assert any(p.startswith("persons: not mapped") for p in problems)
    assert any(p.startswith("entities.count: int mapped as keyword") for p in problems)
    assert any(p.startswith("location_points: GeoPoint mapped as keyword") for p in problems)


EXTRA_FIELDS = {
    "articles": {
        "indexed_at": "date",
        "version": "long",
        "cluster_id": "keyword",
        "story_id": "keyword",
        "story_keys": "keyword",
        "title.keyword": "keyword",
        "entities.mentions": "object",
    },
    "feeds": {
        "title": "text",
        "title.keyword": "keyword",
        "last_polled_at": "date",
        "last_success_at": "date",
        "last_error_at": "date",
        "next_poll_at": "date",
        "last_error_class": "keyword",
        "last_error": "text",
        "last_status": "integer",
        "consecutive_failures": "float",
        "items_per_day": "float",
        "items_total": "long",
        "etag": "keyword",
        "last_modified": "keyword",
        "body_hash": "keyword",
        "effective_interval_s": "float",
        "hub_url": "keyword",
        "websub_lease_until": "date",
    },
    "urls": {"url": "keyword", "feed_id": "keyword", "first_seen_at": "date"},
    "rules": {"query.keyword": "keyword"},
    "stories": {
        "story_id": "keyword",
        "first_seen": "date",
        "last_seen": "date",
        "headline": "text",
        "headline.keyword": "keyword",
        "article_ids": "keyword",
        "article_count": "integer",
        "sources": "keyword",
        "source_count": "integer",
        "persons": "keyword",
        "organizations": "keyword",
        "locations": "keyword",
    },
    "entity-mentions": {
        "key": "keyword",
        "names_folded.words": "text",
        "type": "keyword",
        "why": "keyword",
        "article_id": "keyword",
        "seen_at": "date",
        "version": "long",
        "count": "integer",
        "geo": "geo_point",
        "co_keys": "keyword",
        "active": "boolean",
    },
    "alerts": {
        "status": "keyword",
        "attempts": "integer",
        "delivered_at": "date",
        "last_error": "text",
        "destinations": "keyword",
        "title.keyword": "keyword",
        "digest_due": "date",
    },
}


@pytest.mark.parametrize("family", FAMILIES)
def test_fields_beyond_the_models(family: str) -> None:
    props = properties_of(family)
    for path, expected in EXTRA_FIELDS[family].items():
        field = resolve(props, path)
        assert field is not None, f"{family}: {path} not mapped"
        assert field.get("type", "object") == expected, f"{family}: {path} is {field.get('type')}"


def test_articles_details() -> None:
    props = properties_of("articles")
    assert props["title"]["analyzer"] == "standard" and props["text"]["analyzer"] == "standard"
    assert props["entities"]["type"] == "object", "object, not nested: simpler for Kibana"
    assert props["entities"]["properties"]["mentions"] == {"type": "object", "enabled": False}


def test_secrets_are_stored_but_never_indexed() -> None:
    props = properties_of("rules")
    assert props["secret"]["type"] == "keyword"
    assert props["secret"]["index"] is False
    assert props["filters"]["type"] == "object"
    assert set(props["filters"]["properties"]) == {
        "persons",
        "organizations",
        "locations",
        "sources",
        "languages",
    }


def test_conditional_get_validators_are_not_indexed() -> None:
    props = properties_of("feeds")
    assert props["etag"]["index"] is False and props["last_modified"]["index"] is False


# --- the full-distribution overlay ---------------------------------------------------------------------

OVERLAY = TEMPLATES_DIR / "full" / "articles-english.json"


def test_overlay_only_adds_english_subfields() -> None:
    overlay = load(OVERLAY)
    assert overlay["base"] == "articles"
    base = load(TEMPLATES_DIR / "articles.json")
    merged = deep_merge(base, {"template": overlay["template"]})
    props = merged["template"]["mappings"]["properties"]
    for field in ("title", "text"):
        assert resolve(props, f"{field}.english") == {"type": "text", "analyzer": "english"}
        assert props[field]["type"] == "text" and props[field]["analyzer"] == "standard"
    assert resolve(props, "title.keyword") == {"type": "keyword", "ignore_above": 512}
    # Nothing of the base changes: removing the added subfields gives the base back.
    for field in ("title", "text"):
        props[field]["fields"].pop("english")
        if not props[field]["fields"]:
            del props[field]["fields"]
    assert merged == base


def test_overlay_declares_the_analyzers_it_needs() -> None:
    overlay = load(OVERLAY)
    used = {
        f[key]
        for _, f in walk_fields(overlay["template"]["mappings"]["properties"])
        for key in ("analyzer", "search_analyzer")
        if key in f
    }
    assert used - CORE_ANALYZERS <= set(overlay["requires_analyzers"])
    assert "english" in overlay["requires_analyzers"]
