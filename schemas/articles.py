"""Articles: what the parser produces (ParsedArticle) and the extractor enriches (EnrichedArticle)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from wirewatch.schemas._base import AwareDatetime, Message
from wirewatch.schemas.stages import Lane
from wirewatch.schemas.timelines import Timeline

EntityType = Literal["PERSON", "ORG", "LOC", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE", "MISC"]
MAIN_TYPES: tuple[str, ...] = ("PERSON", "ORG", "LOC")


class ParsedArticle(Message):
    """A cleaned article: the page's own text and metadata, without the site around it."""

    id: str
    url: str
    canonical_url: str | None = None
    final_url: str | None = None
    feed_id: str | None = None
    title: str | None = None
    standfirst: str | None = Field(
        default=None, description="the subtitle under the headline; kept apart from text, which starts at the story"
    )
    text: str
    authors: list[str] = Field(default_factory=list)
    published_at: AwareDatetime | None = None
    modified_at: AwareDatetime | None = None
    date_source: str | None = Field(default=None, description="where published_at came from")
    published_precision: Literal["day", "minute", "second"] | None = Field(
        default=None,
        description="what the page gave: a calendar day only (published_at is then that day's 00:00 UTC, "
        "standing for the day, not a time), or a clock time to the minute or second; None for a feed's date",
    )
    published_zone: Literal["stated", "borrowed", "unknown"] | None = Field(
        default=None,
        description="where published_at's offset came from: written with the time, borrowed from another date on "
        "the same page, or unknown (the page's wall-clock time stored as if it were UTC); None for a day",
    )
    author_organization: str | None = Field(
        default=None,
        description="an organisation credited as author (a wire agency, the site itself), never in authors",
    )
    language: str | None = None
    source: str | None = None
    description: str | None = None
    image: str | None = None
    section: str | None = None
    tags: list[str] = Field(default_factory=list)
    extractor: str
    extractor_version: str
    content_hash: str
    simhash: str = Field(description="64-bit SimHash of the text as 16 hex digits")
    duplicate_of: str | None = None
    low_confidence: bool = False
    quality_reason: str | None = None
    paywalled: bool = Field(
        default=False,
        description="the page says its text is (partly) for subscribers: text may be a teaser (see quality_reason)",
    )
    fetched_at: AwareDatetime
    parsed_at: AwareDatetime
    lane: Lane = "live"
    timeline: Timeline = Field(default_factory=Timeline, description="when it passed each stage so far")


class Mention(Message):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class GeoPoint(Message):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


TypeReason = Literal["watchlist", "gazetteer", "shape", "context", "source", "registry", "model"]
"""Why an entity has its type, strongest first: an analyst's watchlist, the shipped places gazetteer, the
name's own shape (an organisation head word), the sentence around it (a cue, a list), the article's own
source named in the text, the entity registry's memory of earlier articles, or the statistical model alone."""


class Entity(Message):
    """One real-world name in one article, with every mention merged under its canonical name."""

    name: str
    type: EntityType
    label: str | None = Field(default=None, description="the model's or gazetteer's own label (GPE, FAC, …)")
    mentions: list[Mention] = Field(default_factory=list)
    count: int = 0
    first_position: int = 0
    in_title: bool = False
    aliases: list[str] = Field(default_factory=list)
    source: Literal["model", "gazetteer"] = "model"
    why: TypeReason = Field(default="model", description="what decided the type (see TypeReason)")
    key: str | None = Field(
        default=None, description="the entity registry's key: the gazetteer id when known, else the folded name"
    )
    external_id: str | None = None
    country_code: str | None = None
    geo: GeoPoint | None = None


class EnrichedArticle(ParsedArticle):
    """A parsed article plus its entities and the facets derived from them."""

    entities: list[Entity] = Field(default_factory=list)
    persons: list[str] = Field(default_factory=list)
    organizations: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    location_points: list[GeoPoint] = Field(default_factory=list)
    ner_model: str | None = None
    ner_model_version: str | None = None
    ner_skipped_reason: str | None = None
    enriched_at: AwareDatetime
