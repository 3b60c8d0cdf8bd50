"""ParsedArticle → EnrichedArticle: entities, the facets derived from them, and what model ran.

The extractor worker (``app.py``, through the batch runner and ``handler.py``) reads ``ParsedArticle``
messages from ``articles.parsed``, calls :func:`enrich` on a batch, and sends the ``EnrichedArticle``
results on to ``articles.enriched``. Empty texts and languages the model does not read are not errors:
they get no entities and a ``ner_skipped_reason``. An article whose work hit one of the extractor's caps
(text length, span length, mentions, entities: see :mod:`.entities`) keeps the entities found within them,
and ``ner_skipped_reason`` says what was left out: ``"capped:entities,text_chars"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from wirewatch.schemas.articles import MAIN_TYPES, EnrichedArticle, Entity, GeoPoint, ParsedArticle
from wirewatch.services.extractor.entities import EntityExtractor
from wirewatch.services.extractor.normalise import match_key

SUPPORTED_LANGUAGES = frozenset({"en"})


def skip_reason(article: ParsedArticle) -> str | None:
    """Why this article gets no NER (``"empty_text"``, ``"unsupported_language:de"``), else ``None``.

    An article without a detected language is processed: most feeds are English, and a wrong
    guess costs only noisy entities, while skipping would lose them all.
    """
    if not article.text.strip():
        return "empty_text"
    language = (article.language or "").strip().lower().replace("_", "-").split("-")[0]
    if language and language not in SUPPORTED_LANGUAGES:
        return f"unsupported_language:{article.language}"
    return None


def enrich(
    articles: Sequence[ParsedArticle], *, extractor: EntityExtractor, now: datetime | None = None
) -> list[EnrichedArticle]:
    """Enrich a batch in one ``nlp.pipe`` stream; results are in the order of ``articles``.

    Raises :class:`~wirewatch.services.extractor.errors.ExtractionFailed` naming the article that failed.
    """
    enriched_at = now or datetime.now(UTC)
    reasons = [skip_reason(article) for article in articles]
    todo = [article for article, reason in zip(articles, reasons, strict=True) if reason is None]
    found = iter(
        extractor.extract([(a.title, a.text) for a in todo], ids=[a.id for a in todo], sources=[a.source for a in todo])
    )
    results = []
    for article, reason in zip(articles, reasons, strict=True):
        if reason is not None:
            results.append(_enriched(article, [], enriched_at, skipped=reason))
        else:
            extraction = next(found)
            capped = f"capped:{','.join(sorted(extraction.capped))}" if extraction.capped else None
            results.append(_enriched(article, extraction.entities, enriched_at, extractor=extractor, skipped=capped))
    return results


def _enriched(
    article: ParsedArticle,
    entities: list[Entity],
    enriched_at: datetime,
    *,
    extractor: EntityExtractor | None = None,
    skipped: str | None = None,
) -> EnrichedArticle:
    return EnrichedArticle.model_validate(
        {
            **article.model_dump(),
            "entities": entities,
            "persons": facet(entities, "PERSON"),
            "organizations": facet(entities, "ORG"),
            "locations": facet(entities, "LOC"),
            "location_points": points(entities),
            "ner_model": extractor.model_name if extractor else None,
            "ner_model_version": extractor.model_version if extractor else None,
            "ner_skipped_reason": skipped,
            "enriched_at": enriched_at,
        }
    )


def facet(entities: Sequence[Entity], type_: str) -> list[str]:
    """Canonical names of one main type, deduplicated by matching key, in order of appearance."""
    if type_ not in MAIN_TYPES:
        raise ValueError(f"facets exist only for {MAIN_TYPES}, not {type_!r}")
    seen: set[str] = set()
    names = []
    for entity in entities:
        if entity.type == type_ and match_key(entity.name) not in seen:
            seen.add(match_key(entity.name))
            names.append(entity.name)
    return names


def points(entities: Sequence[Entity]) -> list[GeoPoint]:
    """The distinct points of the geotagged LOC entities."""
    unique = {(e.geo.lat, e.geo.lon): e.geo for e in entities if e.type == "LOC" and e.geo is not None}
    return list(unique.values())
