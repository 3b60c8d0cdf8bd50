"""Elasticsearch plumbing: the client factory, index templates from ``deploy/elasticsearch/templates``,
and the versioned article index behind its alias."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError

from wirewatch.core.replication import REPLICATED_INDICES, index_replicas
from wirewatch.core.settings import CommonSettings

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "wirewatch"
#: index families whose single index is created up front (the articles index is versioned instead)
PLAIN_INDICES = ("feeds", "urls", "rules", "alerts", "entity-mentions", "stories")


def make_es(settings: CommonSettings, *, timeout: float = 30.0) -> AsyncElasticsearch:
    auth: dict[str, Any] = {}
    if settings.es_api_key is not None:
        auth["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password is not None:
        auth["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    tls: dict[str, Any] = {}
    if settings.es_url.startswith("https"):
        tls = {"verify_certs": settings.es_verify_certs}
        if settings.es_ca_certs is not None:
            tls["ca_certs"] = str(settings.es_ca_certs)
    # several nodes (a comma list): the client spreads requests over them, and a request a node refuses to
    # connect is tried on the next (that node is skipped for a while); never again on an HTTP status or a
    # timeout: 429s, 5xx and slow answers stay the caller's to handle, as with one node
    urls = settings.es_urls
    return AsyncElasticsearch(
        urls,
        request_timeout=timeout,
        retry_on_timeout=False,
        max_retries=len(urls) - 1,
        retry_on_status=(),
        **auth,
        **tls,
    )


def _with_prefix(value: Any, prefix: str) -> Any:
    """Replace the default ``wirewatch`` prefix in index patterns and aliases with the configured one."""
    if isinstance(value, str):
        return prefix + value[len(DEFAULT_PREFIX) :] if value.startswith(DEFAULT_PREFIX + "-") else value
    if isinstance(value, list):
        return [_with_prefix(v, prefix) for v in value]
    return value


def templates_dir(settings: CommonSettings) -> Path:
    return Path(settings.deploy_dir) / "elasticsearch" / "templates"


def load_template(family: str, prefix: str, directory: Path) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((directory / f"{family}.json").read_text())
    body["index_patterns"] = _with_prefix(body["index_patterns"], prefix)
    aliases = body.get("template", {}).get("aliases")
    if aliases:
        body["template"]["aliases"] = {_with_prefix(k, prefix): v for k, v in aliases.items()}
    return body


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


async def _has_analyzer(es: AsyncElasticsearch, analyzer: str) -> bool:
    try:
        await es.indices.analyze(analyzer=analyzer, text="probe")
        return True
    except BadRequestError:
        return False


async def with_overlays(es: AsyncElasticsearch, family: str, body: dict[str, Any], directory: Path) -> dict[str, Any]:
    """Merge ``full/<family>-*.json`` overlays whose analyzers this server has (the full distribution);
    the core-modules server gets the plain template."""
    for path in sorted((directory / "full").glob(f"{family}-*.json")):
        overlay = json.loads(path.read_text())
        needed = overlay.get("requires_analyzers", [])
        if all([await _has_analyzer(es, name) for name in needed]):
            body = _deep_merge(body, {"template": overlay["template"]})
    return body


def template_families(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.json"))


async def replicas_for(es: AsyncElasticsearch, settings: CommonSettings) -> int:
    """The replica count of the replicated indices on this cluster (its data nodes now, or the override)."""
    if settings.es_replicas >= 0:
        return settings.es_replicas
    health = await es.cluster.health()
    return index_replicas(int(health.body.get("number_of_data_nodes", 1)))


def with_replicas(family: str, body: dict[str, Any], replicas: int) -> dict[str, Any]:
    """The template with ``replicas`` for a replicated family (the files say 0: the one-node case)."""
    if family not in REPLICATED_INDICES:
        return body
    index = body.setdefault("template", {}).setdefault("settings", {}).setdefault("index", {})
    index["number_of_replicas"] = replicas
    return body


async def replicate_existing(es: AsyncElasticsearch, settings: CommonSettings, replicas: int) -> None:
    """Give the replicated families' existing indices the replica count too (a dynamic setting)."""
    for family in REPLICATED_INDICES:
        name = settings.index_name(family)
        await es.options(ignore_status=404).indices.put_settings(index=name, settings={"number_of_replicas": replicas})


async def apply_templates(es: AsyncElasticsearch, settings: CommonSettings) -> list[str]:
    """PUT every index template (idempotent) and create the first indices; returns what was created."""
    prefix = settings.index_prefix
    directory = templates_dir(settings)
    families = template_families(directory)
    replicas = await replicas_for(es, settings)
    bodies: dict[str, dict[str, Any]] = {}
    for family in families:
        body = await with_overlays(es, family, load_template(family, prefix, directory), directory)
        bodies[family] = with_replicas(family, body, replicas)
        await es.indices.put_index_template(name=f"{prefix}-{family}", **bodies[family])
    await replicate_existing(es, settings, replicas)
    created = [name for name in [await ensure_articles_index(es, settings)] if name]
    if not created and "articles" in bodies:
        # the live article index gains new fields at once (a story_id, say) instead of refusing them until
        # the next migration: its write index is where the indexer writes them
        writes = write_index_of(await alias_members(es, settings.index_name("articles")))
        if writes is not None:
            await add_new_fields(es, writes, bodies["articles"])
    for family in PLAIN_INDICES:
        if family not in families:
            continue
        if await _create_if_missing(es, settings.index_name(family)):
            created.append(settings.index_name(family))
        else:
            await add_new_fields(es, settings.index_name(family), bodies[family])
    return created


async def add_new_fields(es: AsyncElasticsearch, index: str, template: dict[str, Any]) -> list[str]:
    """Map on an existing index the top-level fields its template gained since the index was created.

    The plain indices (feeds, rules, …) are ``dynamic: strict`` and live for ever, so a field a newer version
    writes would be refused on an older installation's index. Only new fields are added: a changed field
    keeps its old mapping (Elasticsearch cannot change one in place), which the code must tolerate."""
    wanted = template.get("template", {}).get("mappings", {}).get("properties", {})
    current = (await es.indices.get_mapping(index=index)).body[index]["mappings"].get("properties", {})
    new = {name: mapping for name, mapping in wanted.items() if name not in current}
    if new:
        await es.indices.put_mapping(index=index, properties=new)
    return sorted(new)


async def _create_if_missing(es: AsyncElasticsearch, index: str, **body: Any) -> bool:
    try:
        await es.indices.create(index=index, **body)
        return True
    except BadRequestError as exc:
        if exc.error == "resource_already_exists_exception":
            return False
        raise


async def articles_versions(es: AsyncElasticsearch, settings: CommonSettings) -> list[str]:
    """Existing versioned article indices, oldest first (``…-articles-v1``, ``…-articles-v2``, …)."""
    base = settings.index_name("articles")
    try:
        found = await es.indices.get(index=f"{base}-v*")
    except NotFoundError:
        return []
    return sorted(found.body, key=lambda name: int(name.rsplit("-v", 1)[1]))


async def alias_target(es: AsyncElasticsearch, alias: str) -> list[str]:
    try:
        found = await es.indices.get_alias(name=alias)
    except NotFoundError:
        return []
    return sorted(found.body)


async def ensure_articles_index(es: AsyncElasticsearch, settings: CommonSettings) -> str | None:
    """Create ``<prefix>-articles-v1`` with its alias when no version exists yet, so search works before
    the first article arrives. Returns the index created, if any."""
    alias = settings.index_name("articles")
    if await alias_target(es, alias):
        return None
    first = f"{alias}-v1"
    created = await _create_if_missing(es, first, aliases={alias: {"is_write_index": True}})
    return first if created else None


# Index versions and the alias ---------------------------------------------------------------------


def version_number(index: str) -> int:
    """``…-articles-v7`` → 7."""
    return int(index.rsplit("-v", 1)[1])


def version_name(settings: CommonSettings, number: int) -> str:
    return f"{settings.index_name('articles')}-v{number}"


async def alias_members(es: AsyncElasticsearch, alias: str) -> dict[str, dict[str, Any]]:
    """Each index behind the alias with the alias's definition on it (``is_write_index``, ``filter``)."""
    try:
        found = await es.indices.get_alias(name=alias)
    except NotFoundError:
        return {}
    return {index: body["aliases"][alias] for index, body in found.body.items()}


def write_index_of(members: dict[str, dict[str, Any]]) -> str | None:
    """The index writes through the alias go to (the only member, or the one marked as write index)."""
    if len(members) == 1:
        return next(iter(members))
    marked = [index for index, body in members.items() if body.get("is_write_index")]
    return marked[0] if len(marked) == 1 else None


async def put_articles_template(es: AsyncElasticsearch, settings: CommonSettings) -> None:
    """PUT the articles template from ``deploy/elasticsearch/templates`` (with the overlays this server
    supports), so the next index version is created from the current file."""
    directory = templates_dir(settings)
    body = await with_overlays(es, "articles", load_template("articles", settings.index_prefix, directory), directory)
    body = with_replicas("articles", body, await replicas_for(es, settings))
    await es.indices.put_index_template(name=f"{settings.index_prefix}-articles", **body)


async def matches_template(es: AsyncElasticsearch, index: str) -> bool:
    """Whether ``index`` has the mappings and analysis a new index would get from the templates now."""
    simulated = (await es.indices.simulate_index_template(name=f"{index}-next")).body["template"]
    mappings = (await es.indices.get_mapping(index=index)).body[index]["mappings"]
    settings = (await es.indices.get_settings(index=index)).body[index]["settings"]["index"]
    current = {k: v for k, v in mappings.items() if k != "_meta"}
    wanted = {k: v for k, v in simulated.get("mappings", {}).items() if k != "_meta"}
    analysis = simulated.get("settings", {}).get("index", {}).get("analysis")
    return current == wanted and settings.get("analysis") == analysis
