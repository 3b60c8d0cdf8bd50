"""EntityExtractor: model + gazetteer + merging + geotagging for texts, batched through ``nlp.pipe``.

For each (title, text) pair, in one stream of spaCy docs:

0. a text longer than ``max_text_chars`` (a title longer than a chunk) is cut there, so the work on one
   article is bounded whatever the parser let through;
1. the text is cut into overlapping chunks (:mod:`.chunking`); the title is a chunk of its own;
2. each chunk is tokenized, users' watchlist matches are set on it, then ``ner`` runs;
3. the model's spans are cleaned and the places gazetteer applied (:mod:`.spans`);
4. chunk offsets are mapped back; spans in overlaps are kept once;
5. names shaped like organisations' are set as ORG (:mod:`.shapes`, over the spans by :mod:`.orgspans`; not in
   a title-cased title), and names shaped like places' (features, facilities, administrative units) as LOC
   (:mod:`.placeshapes`);
6. mentions are merged into entities (:mod:`.merging`), each with why it has its type and its registry key;
   organisations the model alone found that the text shows to be documents or headings are dropped, unless the
   registry knows them (:mod:`.doubts`);
7. entities the model alone typed take the type the entity registry remembers (:mod:`.memory`), and LOC
   entities are geotagged (:mod:`.geo`).

Before each batch, users' watchlists are reloaded if their files changed (:mod:`.watchlists`) and the
registry's snapshot refreshed when it is due.

Each cap that cut an article's work short is named in its :class:`Extraction` (``capped``): ``text_chars``,
``title_chars``, ``span_chars`` (a model span too long to be a name was dropped), ``mentions``, ``entities``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor import chunking
from wirewatch.services.extractor.errors import ExtractionFailed
from wirewatch.services.extractor.gazetteer import Gazetteer
from wirewatch.services.extractor.geo import Geocoder
from wirewatch.services.extractor.memory import RegistryMemory
from wirewatch.services.extractor.merging import DEFAULT_MAX_ENTITIES, DEFAULT_MAX_MENTIONS, Caps, build_entities
from wirewatch.services.extractor.models import NerPipeline, load_pipeline
from wirewatch.services.extractor.orgspans import apply_shapes
from wirewatch.services.extractor.placeshapes import apply_place_shapes
from wirewatch.services.extractor.shapes import title_cased
from wirewatch.services.extractor.spans import (
    DEFAULT_MAX_SPAN_CHARS,
    Candidate,
    model_candidates,
    preset_watchlist,
    with_places,
)
from wirewatch.services.extractor.watchlists import DEFAULT_POLL_S, Watchlists

_PRESETS = "wirewatch_presets"
_PLACES = "wirewatch_places"
DEFAULT_MAX_TEXT_CHARS = 200_000


@dataclass(frozen=True)
class ExtractorOptions:
    """Knobs the worker's settings map onto."""

    batch_size: int = 32
    chunk_chars: int = chunking.DEFAULT_MAX_CHARS
    chunk_overlap: int = chunking.DEFAULT_OVERLAP_CHARS
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    max_span_chars: int = DEFAULT_MAX_SPAN_CHARS
    max_mentions: int = DEFAULT_MAX_MENTIONS
    max_entities: int = DEFAULT_MAX_ENTITIES
    watchlist_poll_s: float = DEFAULT_POLL_S  # users' files are looked at at most this often (0: never)


@dataclass(frozen=True)
class Extraction:
    """The entities of one text, and the caps that cut its work short (empty for almost every article)."""

    entities: list[Entity]
    capped: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class _Job:
    item: int
    text: str
    chunk: chunking.Chunk | None  # None for a title


class EntityExtractor:
    """Finds the entities of texts. Build one per process; it holds the model and the gazetteers."""

    def __init__(
        self,
        pipeline: NerPipeline,
        gazetteer: Gazetteer,
        geocoder: Geocoder | None = None,
        options: ExtractorOptions | None = None,
        *,
        watchlists: Watchlists | None = None,
        memory: RegistryMemory | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.gazetteer = gazetteer
        self.geocoder = geocoder
        self.options = options or ExtractorOptions()
        self.watchlists = watchlists  # reloads the users' layer of ``gazetteer`` when its files change
        self.memory = memory
        if self.options.chunk_chars >= pipeline.max_length:
            raise ValueError(f"chunk_chars must be below the model's max_length ({pipeline.max_length})")

    @classmethod
    def create(
        cls,
        model: str = "en_core_web_sm",
        gazetteer_dirs: Sequence[Path] = (),
        *,
        places: bool = True,
        geotag: bool = True,
        options: ExtractorOptions | None = None,
        memory: RegistryMemory | None = None,
    ) -> EntityExtractor:
        """Load the named model, the shipped places and users' gazetteers (reloaded when they change), and the
        geocoder."""
        options = options or ExtractorOptions()
        watchlists = Watchlists.load(gazetteer_dirs, places=places, poll_s=options.watchlist_poll_s)
        gazetteer = watchlists.gazetteer
        geocoder = Geocoder.from_sources(gazetteer) if geotag else None
        extractor = cls(load_pipeline(model), gazetteer, geocoder, options, watchlists=watchlists, memory=memory)
        _settle()
        return extractor

    @property
    def model_name(self) -> str:
        return self.pipeline.name

    @property
    def model_version(self) -> str:
        return self.pipeline.version

    def extract_entities(self, text: str, title: str | None = None) -> list[Entity]:
        """The entities of one text (and its title); mention offsets are into ``text``."""
        return self.extract_many([(title, text)])[0]

    def extract_many(
        self, items: Sequence[tuple[str | None, str]], ids: Sequence[str] | None = None
    ) -> list[list[Entity]]:
        """Entities of each (title, text) pair, all processed in one ``nlp.pipe`` stream.

        Raises :class:`ExtractionFailed` naming the item (its id if ``ids`` is given) that failed.
        """
        return [extraction.entities for extraction in self.extract(items, ids)]

    def extract(
        self,
        items: Sequence[tuple[str | None, str]],
        ids: Sequence[str] | None = None,
        sources: Sequence[str | None] | None = None,
    ) -> list[Extraction]:
        """:meth:`extract_many`, with the caps each item hit. ``sources`` are the outlets that published the
        items (feed or site name, or host): one named in its own text is an organisation."""
        with _collector_paused():
            return self._extract(items, ids, sources)

    def _extract(
        self,
        items: Sequence[tuple[str | None, str]],
        ids: Sequence[str] | None,
        sources: Sequence[str | None] | None,
    ) -> list[Extraction]:
        if self.watchlists is not None:
            self.watchlists.refresh()
        if self.memory is not None:
            self.memory.refresh()
        capped: list[set[str]] = [set() for _ in items]
        items = [self._bounded(item, notes) for item, notes in zip(items, capped, strict=True)]
        jobs = self._jobs(items)
        found: list[tuple[list[Candidate], list[Candidate]]] = [([], []) for _ in items]
        for job, candidates in zip(jobs, self._candidates(jobs, capped), strict=True):
            text_found, title_found = found[job.item]
            if job.chunk is None:
                title_found += candidates
            else:
                shifted = [c.shifted(job.chunk.start) for c in candidates]
                text_found += chunking.keep_owned(job.chunk, shifted)
        entities = [
            self._finish(i, items[i], *found[i], ids, capped[i], sources[i] if sources else None)
            for i in range(len(items))
        ]
        return [Extraction(found, frozenset(notes)) for found, notes in zip(entities, capped, strict=True)]

    def _is_place(self, name: str) -> bool:
        """Whether the gazetteer knows ``name`` (all of it) as a place."""
        return any(m.entry.type == "LOC" and (m.start, m.end) == (0, len(name)) for m in self.gazetteer.find(name))

    def _bounded(self, item: tuple[str | None, str], capped: set[str]) -> tuple[str | None, str]:
        """The title and text cut to their caps (mention offsets stay valid: each is a prefix)."""
        title, text = item
        if len(text) > self.options.max_text_chars:
            text = _prefix(text, self.options.max_text_chars)
            capped.add("text_chars")
        if title is not None and len(title) > self.options.chunk_chars:
            title = _prefix(title, self.options.chunk_chars)
            capped.add("title_chars")
        return title, text

    def _jobs(self, items: Sequence[tuple[str | None, str]]) -> list[_Job]:
        jobs = []
        for i, (title, text) in enumerate(items):
            if title and title.strip():
                jobs.append(_Job(i, title, None))
            if text.strip():
                chunks = chunking.split(text, self.options.chunk_chars, self.options.chunk_overlap)
                jobs += [_Job(i, text[c.start : c.end], c) for c in chunks]
        return jobs

    def _candidates(self, jobs: Sequence[_Job], capped: Sequence[set[str]]) -> Iterator[list[Candidate]]:
        """Candidates of each job's text, in order, streamed through the pipeline in batches."""
        stream: Any = self._prepared([job.text for job in jobs])
        for _, component in self.pipeline.nlp.pipeline:
            stream = component.pipe(stream, batch_size=self.options.batch_size)
        for doc, job in zip(stream, jobs, strict=True):
            presets = doc.user_data.pop(_PRESETS)
            found = model_candidates(
                doc, job.text, presets, max_chars=self.options.max_span_chars, capped=capped[job.item]
            )
            yield with_places(found, doc.user_data.pop(_PLACES), job.text)

    def _prepared(self, texts: Sequence[str]) -> Iterator[Any]:
        """Tokenized docs with users' watchlist matches already set as entities (ahead of ``ner``)."""
        for text in texts:
            doc = self.pipeline.nlp.make_doc(text)
            found = self.gazetteer.find(text)
            ahead = [m for m in found if m.entry.precedence == "always" and not m.fuzzy]
            doc.user_data[_PRESETS] = preset_watchlist(doc, ahead)
            doc.user_data[_PLACES] = [m for m in found if m not in ahead]
            yield doc

    def _finish(
        self,
        i: int,
        item: tuple[str | None, str],
        text_found: list[Candidate],
        title_found: list[Candidate],
        ids: Sequence[str] | None,
        capped: set[str],
        source: str | None = None,
    ) -> list[Entity]:
        title, text = item
        caps = Caps(mentions=self.options.max_mentions, entities=self.options.max_entities)
        try:
            found = apply_place_shapes(text, apply_shapes(text, chunking.drop_overlaps(text_found)), self._is_place)
            if title and not title_cased(title):
                title_found = apply_place_shapes(title, apply_shapes(title, title_found), self._is_place)
            known = self.memory.knows if self.memory is not None else None
            entities = build_entities(
                text, found, title or "", title_found, caps=caps, capped=capped, source=source, known=known
            )
            if self.memory is not None:
                self.memory.retype(entities)
            if self.geocoder is not None:
                self.geocoder.tag(entities)
        except Exception as exc:
            raise ExtractionFailed(ids[i] if ids else str(i), f"{type(exc).__name__}: {exc}") from exc
        return entities


def _settle() -> None:
    """Move what is alive now (the model, the gazetteers: hundreds of thousands of objects kept for the life of
    the process) out of the cyclic collector's reach, once the garbage of loading is collected. Otherwise each
    full collection walks them all (0.3-0.4 s, about a tenth of the model's time on 600 short texts, whenever
    one falls due while articles are extracted); a forked worker also keeps sharing their pages."""
    gc.collect()
    gc.freeze()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic collection while a batch is extracted. Its work allocates millions of objects that die by
    reference counting (a batch of 600 texts leaves about 250 objects in cycles), yet each allocation counts
    towards the next collection: about a hundred young and ten older collections, 1 % of the batch's CPU for
    nothing. The collector is restored afterwards and frees the batch's few cycles at its next run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _prefix(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a space near the limit if there is one."""
    space = text.rfind(" ", max(limit - 200, 0), limit)
    return text[: space if space > 0 else limit]
