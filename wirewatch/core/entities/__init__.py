"""The entity registry: what Wirewatch remembers of every entity across articles, read as aggregations.

The indexer writes one document per (entity key, article) into ``<prefix>-entity-mentions`` in the same bulk
request as the article (``services/indexer/mentions.py``); its id is :func:`mention_id`, so a replay rewrites
the same documents and counts nothing twice. A re-fetch whose entities changed overwrites the documents of
keys no longer present with a tombstone (``active: false``, same id, the newer external version), so the
older fetch can never come back either. Every view here filters ``active: true``; one document is one
article, so a key's document count is its article count.

Readers (the extractor's registry memory, ``wirewatch entities``, alerts on first-seen entities, the
workspace's entity pages):

- :func:`lookup` — one :class:`RegistryEntry`: canonical name (the most used), type (the majority of the
  votes *not* cast by the registry itself, so the registry never reinforces its own guess), votes per type
  and per reason, aliases, first/last seen, article and mention counts, mentions per day, co-occurring
  entities, latest articles, coordinates;
- :func:`search` — entities by folded name prefix and type (``entities list``);
- :func:`confident_types` — ``{key: type}`` of the keys typed the same way often enough; its request body and
  its parser are separate (:func:`confident_types_body`, :func:`parse_confident_types`) so a process without
  an event loop can ask Elasticsearch with a plain HTTP ``POST <index>/_search``.

This package's ``__init__`` is its facade; the modules behind it: ``keys`` (the fold, keys, mention ids, the
index name, the type majority), ``records`` (the entry and summary dataclasses), ``aggregations`` (the filters
and aggregation readers every request shares), ``entries`` (:func:`lookup`), ``listing`` (:func:`search`),
``confidence`` (:func:`confident_types`). None imports the Elasticsearch client at import time (the extractor's
workers read the registry with plain HTTP).
"""

from __future__ import annotations

from wirewatch.core.entities.aggregations import ACTIVE, NOT_SELF
from wirewatch.core.entities.confidence import confident_types, confident_types_body, parse_confident_types
from wirewatch.core.entities.entries import entry_body, lookup, names_body, parse_entry, parse_names, resolve_body
from wirewatch.core.entities.keys import (
    FAMILY,
    MAX_TERM,
    SELF,
    TYPE_NAMES,
    fold,
    index_name,
    key_of,
    majority,
    mention_id,
    registry_key,
)
from wirewatch.core.entities.listing import parse_search, search, search_body, type_body
from wirewatch.core.entities.records import ArticleRef, DayCount, EntitySummary, Neighbour, RegistryEntry

__all__ = [
    "ACTIVE",
    "FAMILY",
    "MAX_TERM",
    "NOT_SELF",
    "SELF",
    "TYPE_NAMES",
    "ArticleRef",
    "DayCount",
    "EntitySummary",
    "Neighbour",
    "RegistryEntry",
    "confident_types",
    "confident_types_body",
    "entry_body",
    "fold",
    "index_name",
    "key_of",
    "lookup",
    "majority",
    "mention_id",
    "names_body",
    "parse_confident_types",
    "parse_entry",
    "parse_names",
    "parse_search",
    "registry_key",
    "resolve_body",
    "search",
    "search_body",
    "type_body",
]
