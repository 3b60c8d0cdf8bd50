from __future__ import annotations

import itertools
import re

import pytest

from wirewatch.services.extractor import chunking
from wirewatch.services.extractor.entities import EntityExtractor, ExtractorOptions
from wirewatch.services.extractor.gazetteer import Gazetteer
from wirewatch.services.extractor.models import NerPipeline

PARAGRAPH = (
    "Coalition forces began leaving bases in western Iraq on Monday, officials said. "
    "The drawdown follows months of talks between Baghdad and Washington about the future of the mission. "
    "Kataib Hezbollah, an armed faction within the Popular Mobilization Forces, said it would watch "
    "closely.\n\n"
)


def test_chunks_cover_the_whole_text_and_overlap() -> None:
    text = PARAGRAPH * 20
    chunks = chunking.split(text, max_chars=1000, overlap=200)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(a.end > b.start for a, b in itertools.pairwise(chunks))
    assert all(c.end - c.start <= 1000 for c in chunks)
    assert chunks[0].own_start == 0 and chunks[-1].own_end == len(text)
    assert all(a.own_end == b.own_start for a, b in itertools.pairwise(chunks))


def test_chunks_end_at_sentence_or_paragraph_boundaries() -> None:
    text = PARAGRAPH * 20
    for chunk in chunking.split(text, max_chars=1000, overlap=200)[:-1]:
        assert text[chunk.end - 2 : chunk.end] in (". ", "\n\n")


def test_text_without_any_boundary_is_cut_hard_but_kept_whole() -> None:
    text = "x" * 2500
    chunks = chunking.split(text, max_chars=1000, overlap=200)
    assert "".join(text[c.own_start : c.own_end] for c in chunks) == text


def test_short_text_is_one_chunk() -> None:
    assert chunking.split("Kurdistan Region", 1000, 100) == [chunking.Chunk(0, 16, 0, 16)]


def test_overlap_must_be_smaller_than_half_a_chunk() -> None:
    with pytest.raises(ValueError, match="overlap"):
        chunking.split("text", 100, 60)


def test_entity_in_an_overlap_is_found_once_with_right_offsets(pipeline: NerPipeline, gazetteer: Gazetteer) -> None:
    text = PARAGRAPH * 12
    small = EntityExtractor(pipeline, gazetteer, options=ExtractorOptions(chunk_chars=600, chunk_overlap=250))
    chunks = chunking.split(text, 600, 250)
    starts = [m.start() for m in re.finditer("Kataib Hezbollah", text)]
    assert any(a.end > s and s >= b.start for a, b in itertools.pairwise(chunks) for s in starts)
    [kh] = [e for e in small.extract_entities(text) if e.name == "Kataib Hezbollah"]
    assert [m.start for m in kh.mentions] == starts
    assert all(text[m.start : m.end] == m.text == "Kataib Hezbollah" for m in kh.mentions)
    assert kh.count == 12


def test_chunked_and_whole_runs_agree_on_mentions(pipeline: NerPipeline, gazetteer: Gazetteer) -> None:
    text = PARAGRAPH * 6
    whole = EntityExtractor(pipeline, gazetteer).extract_entities(text)
    chunked = EntityExtractor(pipeline, gazetteer, options=ExtractorOptions(chunk_chars=500, chunk_overlap=200))
    spans = {(m.start, m.end) for e in whole for m in e.mentions if e.source == "gazetteer"}
    chunked_spans = {
        (m.start, m.end) for e in chunked.extract_entities(text) for m in e.mentions if e.source == "gazetteer"
    }
    assert spans == chunked_spans
