"""EntityExtractor: model + gazetteer + merging + geotagging for texts, batched through ``nlp.pipe``.

For each (title, text) pair, in one stream of spaCy docs:

1. the text is cut into overlapping chunks (:mod:`.chunking`); the title is a chunk of its own;
2. each chunk is tokenized, users' watchlist matches are set on it, then ``ner`` runs;
3. the model's spans are cleaned and the places gazetteer applied (:mod:`.spans`);
4. chunk offsets are mapped back; spans in overlaps are kept once;
5. mentions are merged into entities (:mod:`.merging`) and LOC entities geotagged (:mod:`.geo`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wirewatch.schemas.articles import Entity
from wirewatch.services.extractor import chunking
from wirewatch.services.extractor.errors import ExtractionFailed
from wirewatch.services.extractor.gazetteer import Gazetteer
from wirewatch.services.extractor.geo import Geocoder
from wirewatch.services.extractor.merging import build_entities
from wirewatch.services.extractor.models import NerPipeline, load_pipeline
from wirewatch.services.extractor.spans import Candidate, model_candidates, preset_watchlist, with_places

_PRESETS = "wirewatch_presets"
_PLACES = "wirewatch_places"


@dataclass(frozen=True)
class ExtractorOptions:
    """Knobs the worker's settings map onto."""

    batch_size: int = 32
    chunk_chars: int = chunking.DEFAULT_MAX_CHARS
    chunk_overlap: int = chunking.DEFAULT_OVERLAP_CHARS


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
    ) -> None:
        self.pipeline = pipeline
        self.gazetteer = gazetteer
        self.geocoder = geocoder
        self.options = options or ExtractorOptions()
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
    ) -> EntityExtractor:
        """Load the named model, the shipped places and users' gazetteers, and the geocoder."""
        gazetteer = Gazetteer.load(gazetteer_dirs, places=places)
        geocoder = Geocoder.from_sources(gazetteer) if geotag else None
        return cls(load_pipeline(model), gazetteer, geocoder, options)

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
        jobs = self._jobs(items)
        found: list[tuple[list[Candidate], list[Candidate]]] = [([], []) for _ in items]
        for job, candidates in zip(jobs, self._candidates([job.text for job in jobs]), strict=True):
            text_found, title_found = found[job.item]
            if job.chunk is None:
                title_found += candidates
            else:
                shifted = [c.shifted(job.chunk.start) for c in candidates]
                text_found += chunking.keep_owned(job.chunk, shifted)
        return [self._finish(i, items[i], *found[i], ids) for i in range(len(items))]

    def _jobs(self, items: Sequence[tuple[str | None, str]]) -> list[_Job]:
        jobs = []
        for i, (title, text) in enumerate(items):
            if title and title.strip():
                jobs.append(_Job(i, title, None))
            if text.strip():
                chunks = chunking.split(text, self.options.chunk_chars, self.options.chunk_overlap)
                jobs += [_Job(i, text[c.start : c.end], c) for c in chunks]
        return jobs

    def _candidates(self, texts: Sequence[str]) -> Iterator[list[Candidate]]:
        """Candidates of each text, in order, streamed through the pipeline in batches."""
        stream: Any = self._prepared(texts)
        for _, component in self.pipeline.nlp.pipeline:
            stream = component.pipe(stream, batch_size=self.options.batch_size)
        for doc, text in zip(stream, texts, strict=True):
            presets = doc.user_data.pop(_PRESETS)
            yield with_places(model_candidates(doc, text, presets), doc.user_data.pop(_PLACES), text)

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
    ) -> list[Entity]:
        title, text = item
        try:
            entities = build_entities(text, chunking.drop_overlaps(text_found), title or "", title_found)
            if self.geocoder is not None:
                self.geocoder.tag(entities)
        except Exception as exc:
            raise ExtractionFailed(ids[i] if ids else str(i), f"{type(exc).__name__}: {exc}") from exc
        return entities
