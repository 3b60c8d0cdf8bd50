"""Structured data a page embeds about itself: JSON-LD objects and ``<meta>`` tags, collected raw.

The first object that describes an article (NewsArticle, BlogPosting, …) is the one trusted for
metadata; ``@graph`` containers, top-level lists and ``mainEntity`` are flattened first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from lxml.html import HtmlElement

JsonObject = dict[str, Any]
ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "discussionforumposting",
        "scholarlyarticle", "techarticle", "report", "socialmediaposting", "posting", "liveblogposting",
    }
)  # fmt: skip


@dataclass(slots=True)
class Structured:
    """What a page says about itself in machine-readable form."""

    article: JsonObject = field(default_factory=dict)
    objects: list[JsonObject] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)

    def first_meta(self, *names: str) -> str | None:
        """The first non-empty content among ``names`` (lower-case name/property/itemprop)."""
        for name in names:
            for value in self.meta.get(name, ()):
                if value.strip():
                    return value.strip()
        return None

    def all_meta(self, name: str) -> list[str]:
        return [v.strip() for v in self.meta.get(name, ()) if v.strip()]


def read_structured(tree: HtmlElement) -> Structured:
    """Collect the JSON-LD objects and meta tags of a page."""
    objects = [obj for script in _ld_scripts(tree) for obj in _flatten(_load(script))]
    article = next((o for o in objects if _is_article(o)), {})
    return Structured(article=article, objects=objects, meta=_meta_tags(tree))


def type_names(obj: JsonObject) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower().rsplit("/", 1)[-1] for k in kinds if k}


def _is_article(obj: JsonObject) -> bool:
    return bool(type_names(obj) & ARTICLE_TYPES)


def _ld_scripts(tree: HtmlElement) -> Iterator[str]:
    for script in tree.iter("script"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            yield script.text


def _load(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:  # raw newlines and tabs inside strings are common in hand-made JSON-LD
        return json.loads(text.strip().rstrip(";"), strict=False)
    except (ValueError, RecursionError):  # orjson stops at 1,024 levels; the json module at the stack's limit
        return None


def _flatten(data: Any, depth: int = 0) -> Iterator[JsonObject]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), (list, dict)):
                yield from _flatten(data[key], depth + 1)


def _meta_tags(tree: HtmlElement) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if content is None:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = element.get(attribute)
            if key:
                meta.setdefault(key.strip().lower(), []).append(content)
    return meta
