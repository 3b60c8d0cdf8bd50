"""Registry memory: what the entity registry is confident of, so that a name typed in one article keeps its type
in the next.

:class:`RegistryMemory` caches a snapshot ``{registry key: type}`` of the keys the registry
(:mod:`wirewatch.core.entities`) has seen typed the same way in enough articles, refreshed at most every
``refresh_s`` seconds by its ``fetch`` callable. The extractor calls :meth:`RegistryMemory.refresh` before each
batch and :meth:`RegistryMemory.retype` on each article's entities: the memory lives where the extractor does,
in the budget's worker process, which has no event loop, so :func:`registry_fetch` asks Elasticsearch with the
synchronous client. A failed fetch (Elasticsearch down, no index yet) keeps the last snapshot; it is logged
once, and again only after a fetch has succeeded.

The rule: an entity whose type comes from the model alone (``why == "model"``) and whose key the registry is
confident of with another type takes that type, ``why == "registry"``. A watchlist, the shipped places, a
name's shape, its context or the article's own source are never overridden, and only PERSON, ORG and LOC are
changed into one another (a NORP or a DATE-like span is no registry entity). Retyping costs one dict lookup an
entity.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from wirewatch.schemas.articles import MAIN_TYPES, Entity, EntityType

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from wirewatch.core.settings import CommonSettings

log = logging.getLogger(__name__)

Fetch = Callable[[], Mapping[str, EntityType]]
LABEL_BY_TYPE = {"PERSON": "PERSON", "ORG": "ORG", "LOC": "GPE"}
DEFAULT_REFRESH_S = 300.0


class RegistryMemory:
    """The registry's confident types, refreshed every ``refresh_s`` seconds (0: never fetched; ``snapshot``
    stays as given)."""

    def __init__(
        self,
        fetch: Fetch | None = None,
        *,
        refresh_s: float = DEFAULT_REFRESH_S,
        snapshot: Mapping[str, EntityType] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch = fetch
        self.refresh_s = refresh_s
        self.snapshot: Mapping[str, EntityType] = dict(snapshot or {})
        self._clock = clock
        self._fetched_at: float | None = None
        self._failing = False

    def refresh(self) -> bool:
        """Fetch a new snapshot if the last is ``refresh_s`` old (the first call always fetches). Whether the
        snapshot was replaced."""
        if self.fetch is None or self.refresh_s <= 0:
            return False
        now = self._clock()
        if self._fetched_at is not None and now - self._fetched_at < self.refresh_s:
            return False
        self._fetched_at = now  # a failure waits refresh_s too: a down Elasticsearch is not asked every batch
        try:
            snapshot = dict(self.fetch())
        except Exception as exc:  # noqa: BLE001 - any failure to fetch keeps the last snapshot: never fatal
            if not self._failing:
                log.warning("entity registry unavailable, keeping %d remembered types: %s", len(self.snapshot), exc)
            self._failing = True
            return False
        if self._failing:
            log.info("entity registry available again: %d remembered types", len(snapshot))
        self._failing = False
        self.snapshot = snapshot
        return True

    def knows(self, key: str) -> bool:
        """Whether the registry is confident of ``key``'s type (a doubtful name it knows is kept: :mod:`.doubts`)."""
        return key in self.snapshot

    def retype(self, entities: Sequence[Entity]) -> int:
        """Give the model-typed entities the type the registry is confident of (in place); how many changed."""
        if not self.snapshot:
            return 0
        changed = 0
        for entity in entities:
            if entity.why != "model" or entity.key is None or entity.type not in MAIN_TYPES:
                continue
            remembered = self.snapshot.get(entity.key)
            if remembered is None or remembered == entity.type or remembered not in MAIN_TYPES:
                continue
            entity.type = remembered
            entity.label = LABEL_BY_TYPE[remembered]
            entity.why = "registry"
            changed += 1
        return changed


def registry_fetch(
    settings: CommonSettings, *, min_articles: int, min_share: float, limit: int, timeout_s: float = 5.0
) -> Fetch:
    """A fetch of the registry's confident types over Elasticsearch's synchronous client, made in the process
    that calls it (a client is never shared across a fork)."""
    from wirewatch.core.entities import confident_types_body, index_name, parse_confident_types

    index = index_name(settings.index_prefix)
    body = confident_types_body(min_articles=min_articles, limit=limit)
    clients: dict[int, Elasticsearch] = {}

    def fetch() -> dict[str, EntityType]:
        pid = os.getpid()
        if pid not in clients:
            clients.clear()
            clients[pid] = _client(settings, timeout_s)
        response = clients[pid].search(index=index, **body)
        return parse_confident_types(response.body, min_share=min_share)

    return fetch


def _client(settings: CommonSettings, timeout_s: float) -> Elasticsearch:
    from elasticsearch import Elasticsearch

    # several nodes: a refused connection goes to the next one (as wirewatch.core.es.make_es does)
    retries = len(settings.es_urls) - 1
    options: dict[str, Any] = {
        "request_timeout": timeout_s,
        "retry_on_timeout": False,
        "max_retries": retries,
        "retry_on_status": (),
    }
    if settings.es_api_key is not None:
        options["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password is not None:
        options["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    if settings.es_url.startswith("https"):
        options["verify_certs"] = settings.es_verify_certs
        if settings.es_ca_certs is not None:
            options["ca_certs"] = str(settings.es_ca_certs)
    return Elasticsearch(settings.es_urls, **options)
